"""Where a full search's seconds go.

    python -m benchmarks.search_profile [--generations 5] [--covariance separable|full]

1. The light-weight NAAS search (Eyeriss budget, three mobile networks) for a few generations
   in-process with a checkpoint, under cProfile: the compiled inner searches against the
   Python around them (designs decoded, targets compiled and stacked, scores assembled,
   checkpoint and journal written).
2. Inside the compiled call, each stage timed alone on one thread over that search's own
   problems, per mapping evaluation: normals, sampling, the CMA-ES update, the
   eigendecomposition (full covariance only; per generation: one every ``eigen_every``),
   decoding and the cost model (of every candidate: the memo of costs recalls some, timed next).
   Their sum against the measured kernel rate says what the parallel loop and the bookkeeping
   (best-so-far, stall counters) add. Then the whole mapping search of those problems on one
   thread without and with the memo of costs, and the share of candidates it recalled.
3. What a process pool would ship per generation: pickled task and result bytes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pickle
import pstats
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

from naas.arch import Budget, baseline
from naas.cost.batched import evaluate_stacked
from naas.cost.target import compile_target, stack_targets
from naas.search.arch_encoding import GENES, ArchSpace, decode_accelerator
from naas.search.arch_search import ArchSearchConfig, _score_task, search_accelerator
from naas.search.cma_kernel import cma_constants, cma_sample, cma_update, cma_weights
from naas.search.compiled_search import search_compiled
from naas.search.mapping_encoding import (
    DIVISOR_TABLE,
    IMPORTANCE,
    base_genes,
    decode_candidate,
    decode_mappings,
    live_gene_indices,
)
from naas.search.mapping_settings import COVARIANCES, MappingSearchConfig
from naas.search.rng_kernel import fill_normal, seed_state
from naas.workload import zoo_network

NETWORKS = ["mobilenet_v2", "squeezenet", "mnasnet_a1"]
PARTS = {
    "search_compiled": "compiled inner searches",
    "compile_targets": "targets compiled",
    "stack_targets": "targets stacked",
    "decode_accelerator": "designs decoded",
    "save_checkpoint": "checkpoint written",
    "append_journal": "journal appended",
    "score_to_dict": "scores serialised for the journal",
}


@numba.njit(cache=True)
def _time_normals(n, popsize, generations):
    state = np.empty(4, np.uint64)
    seed_state(np.uint64(1), state)
    normals = np.empty(popsize * n)
    for _ in range(generations):
        fill_normal(state, normals)
    return normals[0]


@numba.njit(cache=True)
def _time_sample(n, popsize, generations, separable):
    z = np.random.standard_normal((popsize, n))
    y, x = np.empty((popsize, n)), np.empty((popsize, n))
    rows, mean, root = np.eye(n), np.full(n, 0.5), np.ones(n)
    for _ in range(generations):
        cma_sample(mean, 0.25, rows, root, z, y, x, separable)
    return x[0, 0]


@numba.njit(cache=True)
def _time_update(n, popsize, generations, separable, with_eigh):
    constants = cma_constants(n, popsize, separable)
    if not with_eigh:  # never reach the decomposition's generation
        constants = constants[:9] + (1 << 40,)
    mu = constants[1]
    weights = np.empty(mu)
    cma_weights(mu, weights)
    mean, cov, p_sigma, p_c = np.full(n, 0.5), np.eye(n), np.zeros(n), np.zeros(n)
    rows, root = np.eye(n), np.ones(n)
    y_sel, scratch = np.empty((mu, n)), np.empty((3, n, n))
    sigma, generation = 0.25, 0
    y = np.random.standard_normal((popsize, n))
    fitness = np.random.random(popsize)
    for _ in range(generations):
        sigma, generation = cma_update(mean, sigma, generation, cov, p_sigma, p_c, rows, root, y, fitness,
                                       weights, constants, y_sel, scratch, separable)
    return sigma


@numba.njit(cache=True)
def _time_decode(genes, hw, offsets, values, logs, repeats):
    k_all, popsize, _ = genes.shape
    temporal = np.empty((popsize, 3, 8), np.int64)
    order = np.empty((popsize, 3, 8), np.int64)
    spatial = np.empty((popsize, hw.slot_dim.shape[1]), np.int64)
    divs, work, uneven = np.empty(1024, np.int64), np.empty((5, 8), np.int64), np.empty((3, 2, 9), np.int64)
    divs_logs = np.empty(1024)
    total = 0
    for _ in range(repeats):
        for k in range(k_all):
            for p in range(popsize):
                decode_candidate(genes[k, p], IMPORTANCE, hw, k, temporal[p], order[p], spatial[p, :hw.slot_count[k]],
                                 None, 0, p, 0, offsets, values, logs, divs, divs_logs, work, uneven)
            total += temporal[0, 2, 0]
    return total


def _per_eval_us(seconds: float, evaluations: int) -> float:
    return seconds / evaluations * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generations", type=int, default=5)
    parser.add_argument("--covariance", choices=COVARIANCES, default=MappingSearchConfig.covariance)
    args = parser.parse_args()
    separable = args.covariance == "separable"
    networks = [zoo_network(n) for n in NETWORKS]
    hand = baseline("eyeriss")
    space = ArchSpace(Budget.of(hand), max_axes=2)
    config = ArchSearchConfig(generations=args.generations,
                              mapping=MappingSearchConfig(covariance=args.covariance))
    search_accelerator(networks, space, ArchSearchConfig(popsize=2, generations=1))  # compile, warm caches
    with tempfile.TemporaryDirectory() as folder:
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        result = search_accelerator(networks, space, config, checkpoint=Path(folder) / "checkpoint.json")
        profile.disable()
        wall = time.perf_counter() - start
    stats = pstats.Stats(profile)
    cumulative = {PARTS[name]: 0.0 for name in PARTS}
    for (_, _, name), row in stats.stats.items():
        if name in PARTS:
            cumulative[PARTS[name]] += row[3]
    threads = numba.get_num_threads()
    print(f"## {args.generations} generations x 12 designs, {len(networks)} networks, in-process, {threads} threads: "
          f"{wall:.1f} s wall, {result.evaluations:,} mapping evaluations, {result.evaluations / wall:,.0f} per s\n")
    print("| part | s | share |\n|---|---|---|")
    for label, seconds in cumulative.items():
        print(f"| {label} | {seconds:.2f} | {seconds / wall:.1%} |")
    rest = wall - sum(cumulative.values())
    print(f"| everything else (outer CMA-ES, caches, history) | {rest:.2f} | {rest / wall:.1%} |")

    # 2. the compiled call's stages alone, on one thread, over one generation's problems
    rng = np.random.default_rng(0)
    designs = [decode_accelerator(g, space) for g in rng.random((12, GENES))]
    targets = stack_targets([compile_target(nl.layer, d) for d in designs for net in networks for nl in net.layers])
    popsize = config.mapping.popsize
    # the optimiser's width: each problem's live genes, on average
    n = round(float(np.mean([len(live_gene_indices(targets, k, IMPORTANCE, False)) for k in range(targets.problems)])))
    generations = 2000
    evaluations = generations * popsize
    stages = {}
    timed = [("normals", _time_normals, ()), ("sampling", _time_sample, (separable,))]
    if separable:  # no eigendecomposition: D is the square root of the diagonal, renewed every update
        timed.append(("CMA-ES update", _time_update, (True, True)))
    else:
        timed += [("CMA-ES update", _time_update, (False, False)),
                  ("update + eigendecompositions", _time_update, (False, True))]
    for label, fn, extra in timed:
        fn(n, popsize, 10, *extra)  # compile
        start = time.perf_counter()
        fn(n, popsize, generations, *extra)
        stages[label] = _per_eval_us(time.perf_counter() - start, evaluations)
    if not separable:
        stages["eigendecompositions"] = stages.pop("update + eigendecompositions") - stages["CMA-ES update"]
    genes = np.clip(rng.normal(0.5, 0.25, (targets.problems, popsize, base_genes(IMPORTANCE)[1] + targets.n_slots)), 0, 1)
    decode_args = (genes, targets, *DIVISOR_TABLE)
    _time_decode(*decode_args, 1)
    start = time.perf_counter()
    _time_decode(*decode_args, 3)
    stages["decoding"] = _per_eval_us(time.perf_counter() - start, 3 * genes.shape[0] * popsize)
    temporal, order, spatial, _ = decode_mappings(genes, targets, IMPORTANCE)
    evaluate_stacked(targets, temporal, order, spatial)  # compile
    start = time.perf_counter()
    for _ in range(3):
        evaluate_stacked(targets, temporal, order, spatial)
    stages["cost model"] = _per_eval_us(time.perf_counter() - start, 3 * genes.shape[0] * popsize)
    kernel_us = cumulative["compiled inner searches"] * threads / result.evaluations * 1e6
    print(f"\n## inside the compiled call: each stage alone on one thread, microseconds per mapping evaluation "
          f"({targets.problems} problems of one generation; {n} live genes on average; {args.covariance} "
          "covariance)\n")
    print("| stage | us per evaluation | share of the stages |\n|---|---|---|")
    total = sum(stages.values())
    for label, us in stages.items():
        print(f"| {label} | {us:.3f} | {us / total:.1%} |")
    print(f"| sum of the stages | {total:.3f} | |")
    print(f"| measured: compiled call x threads / evaluations | {kernel_us:.3f} | |")
    print(f"\ncost model alone: {1 / stages['cost model']:.2f} M evaluations per s per core; the search end to end "
          f"{result.evaluations / wall / 1e6:.2f} M per s on {threads} threads: ratio "
          f"{result.evaluations / wall / (threads * 1e6 / stages['cost model']):.2f} of the bare cost model on as many cores")

    # the memo of costs: the whole mapping search of these problems, one thread, without and with it
    mapping = config.mapping
    seeds = np.arange(targets.problems, dtype=np.uint64) * np.uint64(7919) + np.uint64(1)
    numba.set_num_threads(1)
    print("\n## the memo of costs (naas.search.cost_memo): the whole mapping search of these problems on one "
          "thread\n\n| memo | us per evaluation | candidates whose cost it recalled |\n|---|---|---|")
    for memo in (False, True):
        search_compiled(targets.subset(np.arange(4)), seeds[:4], IMPORTANCE, False, mapping.popsize, 2,
                        mapping.sigma0, mapping.tolerance, mapping.patience, mapping.objective, separable, memo=memo)
        start = time.perf_counter()
        out = search_compiled(targets, seeds, IMPORTANCE, False, mapping.popsize, mapping.generations, mapping.sigma0,
                              mapping.tolerance, mapping.patience, mapping.objective, separable, memo=memo)
        evaluated = int(out["generations"].sum()) * mapping.popsize
        print(f"| {'on' if memo else 'off'} | {_per_eval_us(time.perf_counter() - start, evaluated):.3f} | "
              f"{out['recalled'].sum() / evaluated:.1%} |")
    numba.set_num_threads(threads)

    # 3. what a pool would ship per generation
    fresh = [(d, (0, 0, i)) for i, d in enumerate(designs)]
    task = ([d for d, _ in fresh], networks, config, [s for _, s in fresh])
    sent = pickle.dumps(task)
    scores = _score_task(task)
    back = pickle.dumps(scores)
    pickle.loads(back)
    print(f"\npool transfers per generation of 12 designs: {len(sent) / 1e3:.0f} kB out, {len(back) / 1e3:.0f} kB back "
          f"(one worker's share: the total over workers)")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
