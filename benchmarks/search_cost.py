"""Search cost: how the wall time of the accelerator search scales with layers and networks,
and with worker processes; and the per-task overhead of the Ray executor against the pool.

    python -m benchmarks.search_cost [--generations 3] [--ray]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from naas.arch import parse_budget  # noqa: E402
from naas.exec.executors import InProcessExecutor, PoolExecutor  # noqa: E402
from naas.search.arch_encoding import ArchSpace  # noqa: E402
from naas.search.arch_search import ArchSearchConfig, search_accelerator  # noqa: E402
from naas.workload import zoo_network  # noqa: E402


def timed(networks, config, executor) -> tuple[float, int]:
    start = time.perf_counter()
    result = search_accelerator(networks, ArchSpace(parse_budget("eyeriss")), config, executor=executor)
    return time.perf_counter() - start, result.evaluations


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generations", type=int, default=3)
    parser.add_argument("--popsize", type=int, default=12)
    parser.add_argument("--ray", action="store_true", help="also time the Ray executor")
    args = parser.parse_args()
    config = ArchSearchConfig(popsize=args.popsize, generations=args.generations)
    sets = [["squeezenet"], ["squeezenet", "mobilenet_v2"], ["squeezenet", "mobilenet_v2", "mnasnet_a1"]]
    print("| networks | layer shapes | s per generation (1 process) | evaluations per s |")
    print("|---|---|---|---|")
    for names in sets:
        networks = [zoo_network(n) for n in names]
        seconds, evaluations = timed(networks, config, InProcessExecutor())
        shapes = sum(len(n.layers) for n in networks)
        print(f"| {', '.join(names)} | {shapes} | {seconds / args.generations:.2f} | {evaluations / seconds:,.0f} |")

    networks = [zoo_network("squeezenet"), zoo_network("mobilenet_v2")]
    one, _ = timed(networks, config, InProcessExecutor())
    pool = PoolExecutor(2)
    try:
        timed(networks, ArchSearchConfig(popsize=2, generations=1), pool)  # start the workers
        two, _ = timed(networks, config, pool)
    finally:
        pool.close()
    print(f"\nSame search ({args.generations} generations x {args.popsize} designs, squeezenet + mobilenet_v2): "
          f"1 process {one:.1f} s, pool of 2 {two:.1f} s, speed-up {one / two:.2f}x")

    line = f"Per-task overhead (trivial task, 200 tasks): pool {task_overhead_ms(PoolExecutor(2)):.2f} ms"
    if args.ray:
        from naas.exec.executors import RayExecutor

        line += f", Ray (local, 2 CPUs) {task_overhead_ms(RayExecutor(workers=2)):.2f} ms"
    print(line)


def task_overhead_ms(executor, count: int = 200) -> float:
    """Milliseconds per trivial task once the executor is warm; closes the executor."""
    tasks = list(range(count))
    try:
        executor.map(abs, tasks)
        start = time.perf_counter()
        executor.map(abs, tasks)
        return (time.perf_counter() - start) / count * 1e3
    finally:
        executor.close()


if __name__ == "__main__":
    main()
