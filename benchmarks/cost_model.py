"""Mapping evaluations per second on one core: batched (numba) vs the scalar reference, and
the batched path with the "ports" latency model, with held operands and with the flat network
(the default is the mesh) on the same mappings, and on as many random uneven mappings (half
of them uneven). mesh / flat is the median over the repeats of each repeat's ratio, the two
networks timed back to back: on a shared machine the rate moves by tens of percent between
runs, and a ratio of medians taken seconds apart moved with it.

    python -m benchmarks.cost_model [--batch 200000] [--repeats 5]

All paths score the same random mappings of three layers on Eyeriss in the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from naas.arch import baseline  # noqa: E402
from naas.cost import compile_target, evaluate_batch, evaluate_mapping  # noqa: E402
from naas.mapping.sampling import random_mappings  # noqa: E402
from naas.workload import zoo_network  # noqa: E402

LAYERS = [("vgg16", "conv3_1"), ("resnet50", "layer1.0.conv1"), ("mobilenet_v2", "block3.depthwise")]


def _layer(net: str, name: str):
    return next(nl.layer for nl in zoo_network(net).layers if nl.layer.name == name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=200_000)
    parser.add_argument("--reference", type=int, default=3_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--arch", default="eyeriss")
    args = parser.parse_args()
    arch = baseline(args.arch)
    rng = np.random.default_rng(0)
    ports = dataclasses.replace(arch, latency_model="ports")
    held = dataclasses.replace(arch, hold_operands=True)
    flat = dataclasses.replace(arch, noc_model="flat")  # the default is the mesh
    print(f"| layer | batched evals/s (1 core, {arch.noc_model} network) | reference evals/s | speed-up "
          "| batched, ports model | ports / roofline | batched, held operands | held / roofline "
          "| batched, uneven batch | uneven / roofline | batched, flat network | mesh / flat |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for net, name in LAYERS:
        layer = _layer(net, name)
        target = compile_target(layer, arch)
        port_target = compile_target(layer, ports)
        held_target = compile_target(layer, held)
        flat_target = compile_target(layer, flat)
        batch = random_mappings(layer, arch, args.batch, rng)
        uneven = random_mappings(layer, arch, args.batch, rng, uneven=True)
        evaluate_batch(target, batch)  # compile / warm up
        evaluate_batch(target, uneven)
        rates = []
        port_rates = []
        held_rates = []
        uneven_rates = []
        flat_rates = []
        for _ in range(args.repeats):
            # the two networks back to back, so that each ratio compares runs under the same load
            for t, mappings, got in ((target, batch, rates), (flat_target, batch, flat_rates),
                                     (port_target, batch, port_rates), (held_target, batch, held_rates),
                                     (target, uneven, uneven_rates)):
                start = time.perf_counter()
                evaluate_batch(t, mappings)
                got.append(args.batch / (time.perf_counter() - start))
        small = random_mappings(layer, arch, args.reference, rng)
        mappings = [small.mapping(i) for i in range(len(small))]
        start = time.perf_counter()
        for m in mappings:
            evaluate_mapping(layer, arch, m)
        ref_rate = len(mappings) / (time.perf_counter() - start)
        batched = statistics.median(rates)
        port_rate = statistics.median(port_rates)
        held_rate = statistics.median(held_rates)
        uneven_rate = statistics.median(uneven_rates)
        flat_rate = statistics.median(flat_rates)
        network_ratio = statistics.median(m / f for m, f in zip(rates, flat_rates))
        print(f"| {net} {name} {layer.R}x{layer.S} | {batched:,.0f} | {ref_rate:,.0f} | {batched / ref_rate:,.0f}x "
              f"| {port_rate:,.0f} | {port_rate / batched:.2f} | {held_rate:,.0f} | {held_rate / batched:.2f} "
              f"| {uneven_rate:,.0f} | {uneven_rate / batched:.2f} | {flat_rate:,.0f} | {network_ratio:.2f} |")


if __name__ == "__main__":
    main()
