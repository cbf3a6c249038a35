"""Wall time of a full NAAS search (ResNet-50, one budget) with every mapping search on a torch
device, against the numba backend on a local pool of CPU workers, in one run, with the final
EDP of each so that quality is compared as well as time.

    python -m benchmarks.device_search [--device cuda] [--budget edge_tpu] [--generations 30]
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402

from benchmarks.device_cost_model import device_name  # noqa: E402
from naas.arch import parse_budget  # noqa: E402
from naas.cost.torch_backend import resolve_device  # noqa: E402
from naas.exec.executors import InProcessExecutor, PoolExecutor  # noqa: E402
from naas.search.arch_encoding import ArchSpace  # noqa: E402
from naas.search.arch_search import ArchSearchConfig, search_accelerator  # noqa: E402
from naas.search.device_mapping_search import compiles  # noqa: E402
from naas.search.mapping_settings import COMPILE_CHOICES  # noqa: E402
from naas.workload import zoo_network  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--budget", default="edge_tpu")
    parser.add_argument("--network", default="resnet50")
    parser.add_argument("--generations", type=int, default=30)
    parser.add_argument("--popsize", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2, help="CPU pool size for the numba run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compile", choices=tuple(COMPILE_CHOICES), default="auto",
                        help="torch.compile the device's decode+cost step (auto: on CUDA only)")
    args = parser.parse_args()
    device = resolve_device(args.device)
    networks = [zoo_network(args.network)]
    space = ArchSpace(parse_budget(args.budget))
    config = ArchSearchConfig(popsize=args.popsize, generations=args.generations, seed=args.seed)
    on_device = replace(config, mapping=replace(config.mapping, backend="torch", device=str(device),
                                                compile=COMPILE_CHOICES[args.compile]))

    rows = []
    pool = PoolExecutor(args.workers)
    try:
        search_accelerator(networks, space, replace(config, generations=1, popsize=2), executor=pool)  # warm-up
        start = time.perf_counter()
        result = search_accelerator(networks, space, config, executor=pool)
        rows.append((f"numba, pool of {args.workers} CPU workers", time.perf_counter() - start, result))
        print(f"numba search: {rows[-1][1]:.1f} s", flush=True)
    finally:
        pool.close()
    start = time.perf_counter()
    search_accelerator(networks, space, replace(on_device, generations=1, popsize=2), executor=InProcessExecutor())
    warmup_s = time.perf_counter() - start
    print(f"device warm-up search: {warmup_s:.1f} s", flush=True)
    start = time.perf_counter()
    result = search_accelerator(networks, space, on_device, executor=InProcessExecutor())
    mode = "compiled" if compiles(on_device.mapping, device) else "eager"
    rows.append((f"torch on {device_name(device)}, {mode}", time.perf_counter() - start, result))

    print(f"{args.network}, budget {args.budget}, {args.generations} generations x {args.popsize} designs, "
          f"seed {args.seed}")
    print("| backend | wall s | mapping evaluations | evaluations/s | best EDP | best dataflow |")
    print("|---|---|---|---|---|---|")
    for label, seconds, r in rows:
        print(f"| {label} | {seconds:.1f} | {r.evaluations:,} | {r.evaluations / seconds:,.0f} | "
              f"{r.best.fitness:.4e} | {r.best.design.dataflow} |")
    (_, cpu_s, cpu), (_, dev_s, dev) = rows
    print(f"\ntime CPU / device: {cpu_s / dev_s:.2f}x; EDP device / CPU: {dev.best.fitness / cpu.best.fitness:.3f}; "
          f"device warm-up search (torch.compile where on) {warmup_s:.1f} s, not in the device's wall time")


if __name__ == "__main__":
    main()
