"""The hand designs' dataflows on anchor layers: our best mapping's cycles and utilisation
next to the compute bound, and the network energy per delivered word under both network
models (docs/validation.md, "Hand designs as their papers run them").

    python -m benchmarks.validate_dataflows [--generations 60] [--popsize 32] [--seeds 3]

Each cell is the median over seeds of a mapping search (CMA-ES, importance encoding, EDP).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics

import numpy as np

from naas.arch import baseline
from naas.cost.energy import energy_table
from naas.cost.reference import evaluate_mapping
from naas.search.mapping_search import MappingSearchConfig, search_mappings
from naas.workload import zoo_network

LAYERS = [("vgg16", "conv2_1"), ("resnet50", "layer1.0.conv1"), ("mobilenet_v2", "block2.depthwise")]
DESIGNS = ("eyeriss", "nvdla256", "shidiannao", "edge_tpu", "tpu")


def _layer(net: str, name: str):
    return next(nl.layer for nl in zoo_network(net).layers if nl.layer.name == name)


def _best(layer, arch, config, seed):
    result = search_mappings([(layer, arch)], config, np.random.default_rng(seed))
    return evaluate_mapping(layer, arch, result.best.mapping(0, len(arch.spatial_slots)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generations", type=int, default=60)
    parser.add_argument("--popsize", type=int, default=32)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    config = MappingSearchConfig(popsize=args.popsize, generations=args.generations)
    print("| design | layer | MACs / PEs (cycles) | best cycles (median) | utilisation | NoC pJ per delivered word, "
          "flat | mesh | mesh / MAC energy |")
    print("|---|---|---|---|---|---|---|---|")
    for name in DESIGNS:
        flat = baseline(name)
        mesh = dataclasses.replace(flat, noc_model="mesh")
        for net, layer_name in LAYERS:
            layer = _layer(net, layer_name)
            costs = [_best(layer, flat, config, seed) for seed in range(args.seeds)]
            cycles = statistics.median(c.latency_cycles for c in costs)
            util = statistics.median(c.utilization for c in costs)
            per_word = {}
            for model, arch in (("flat", flat), ("mesh", mesh)):
                picked = [_best(layer, arch, config, seed) for seed in range(args.seeds)]
                per_word[model] = statistics.median(
                    sum(c.energy_breakdown_pj["NoC"].values()) / sum(w for w, _ in c.accesses["NoC"].values())
                    for c in picked)
            mac_pj = energy_table(flat).mac_pj
            print(f"| {name} | {net} {layer_name} | {layer.macs / flat.num_pes:,.0f} | {cycles:,.0f} | {util:.1%} "
                  f"| {per_word['flat']:.3f} | {per_word['mesh']:.3f} | {per_word['mesh'] / mac_pj:.2f}x |")


if __name__ == "__main__":
    main()
