"""Optimiser overhead per generation, without any cost evaluation: the `cmaes` package (one
CMA object per layer, ask/tell per candidate) against naas's BatchedCMA (all layers at once).

    python -m benchmarks.optimizer_overhead [--problems 24] [--dim 42] [--popsize 24]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from naas.search.cmaes import BatchedCMA  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=24)
    parser.add_argument("--dim", type=int, default=42)
    parser.add_argument("--popsize", type=int, default=24)
    parser.add_argument("--generations", type=int, default=50)
    args = parser.parse_args()
    k, n, lam, gens = args.problems, args.dim, args.popsize, args.generations
    rng = np.random.default_rng(0)
    fitness = rng.random((gens, k, lam))

    import cmaes

    optimizers = [cmaes.CMA(mean=np.full(n, 0.5), sigma=0.25, population_size=lam, seed=i) for i in range(k)]
    start = time.perf_counter()
    for g in range(gens):
        for i, opt in enumerate(optimizers):
            xs = [opt.ask() for _ in range(lam)]
            opt.tell(list(zip(xs, fitness[g, i])))
    library = (time.perf_counter() - start) / gens

    es = BatchedCMA.start(np.full((k, n), 0.5), 0.25, rng.spawn(k), lam)
    start = time.perf_counter()
    for g in range(gens):
        es.ask()
        es.tell(fitness[g])
    batched = (time.perf_counter() - start) / gens
    print(f"| problems x dim x popsize | cmaes {cmaes.__version__} ms/generation | BatchedCMA ms/generation | ratio |")
    print("|---|---|---|---|")
    print(f"| {k} x {n} x {lam} | {library * 1e3:.1f} | {batched * 1e3:.2f} | {library / batched:.0f}x |")
    print(f"\nFor scale: one generation's {k * lam:,} mapping evaluations take about "
          f"{k * lam / 3e6 * 1e3:.2f} ms in the batched cost model at 3e6/s.")


if __name__ == "__main__":
    main()
