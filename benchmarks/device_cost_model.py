"""Mapping evaluations per second of the torch backend (eager and torch.compile'd) on a device,
against the numba kernel on one CPU core, in one run on the same random mappings.

    python -m benchmarks.device_cost_model [--device cuda] [--batch 1000000] [--repeats 5]

The torch results are checked equal to numba's before any timing counts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from benchmarks.cost_model import LAYERS, _layer  # noqa: E402
from naas.arch import baseline  # noqa: E402
from naas.cost.batched import evaluate_stacked  # noqa: E402
from naas.cost.target import compile_target, stack_targets  # noqa: E402
from naas.cost.torch_backend import evaluate_device, resolve_device, to_device  # noqa: E402
from naas.mapping.sampling import random_mappings  # noqa: E402


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU torch {torch.__version__}, {torch.get_num_threads()} threads"


def best_rate(fn, n: int, repeats: int, device: torch.device) -> float:
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return n / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batch", type=int, help="mappings per layer (default 1,000,000 on cuda, 200,000 on cpu)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--arch", default="eyeriss")
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args()
    device = resolve_device(args.device)
    n = args.batch or (1_000_000 if device.type == "cuda" else 200_000)
    arch = baseline(args.arch)
    compiled = None if args.no_compile else torch.compile(evaluate_device, dynamic=False)
    print(f"device: {device_name(device)}; {n:,} random mappings per layer on {arch.name}")
    print("| layer | numba evals/s (1 core) | torch eager evals/s | torch compiled evals/s | compiled / numba |")
    print("|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for net, name in LAYERS:
        layer = _layer(net, name)
        batch = random_mappings(layer, arch, n, rng)
        targets = stack_targets([compile_target(layer, arch)])
        host = [np.ascontiguousarray(x[None], dtype=np.int64) for x in (batch.temporal, batch.order, batch.spatial)]
        want = evaluate_stacked(targets, *host)
        numba_rate = best_rate(lambda: evaluate_stacked(targets, *host), n, args.repeats, torch.device("cpu"))
        on_device = to_device(targets, device)
        tensors = [torch.from_numpy(x).to(device) for x in host]
        rates = []
        for fn in (evaluate_device, compiled):
            if fn is None:
                rates.append(float("nan"))
                continue
            got = fn(on_device, *tensors).edp.cpu().numpy()
            np.testing.assert_allclose(got, want.edp, rtol=1e-12)
            rates.append(best_rate(lambda: fn(on_device, *tensors), n, args.repeats, device))
        print(f"| {net} {name} | {numba_rate:,.0f} | {rates[0]:,.0f} | {rates[1]:,.0f} | {rates[1] / numba_rate:.1f}x |")


if __name__ == "__main__":
    main()
