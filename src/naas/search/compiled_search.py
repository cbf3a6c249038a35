"""Every problem's whole mapping search in one compiled call, the problems spread over the
cores by numba's parallel loop.

A problem runs its CMA-ES from start to stop inside one loop iteration: sample, decode, cost,
keep the best, update, until it stalls for ``patience`` generations. Its state stays in cache,
no generation returns to Python, and its result depends only on its own target and seed (its
own random stream, its own gene width: base genes + its array's spatial slots + the uneven cuts), so it
is the same on any executor, in any batch, on any number of threads.
"""

from __future__ import annotations

import numba
import numpy as np

from naas.cost.batched import _kernel
from naas.cost.target import HOLD_OPERANDS, PORT_MODEL, Targets
from naas.search.cma_kernel import cma_constants, cma_sample, cma_update, cma_weights
from naas.search.cost_memo import memo_cost, memo_keep, memo_key, memo_recall, new_memo
from naas.search.mapping_encoding import DEAD_GENE, DIVISOR_TABLE, LIFT_GENES, base_genes, decode_candidate, live_genes
from naas.search.objective import BOX_PENALTY, INFEASIBLE, OBJECTIVES
from naas.search.rng_kernel import fill_normal, seed_state
from naas.search.stall import significant


@numba.njit(cache=True, nogil=True)
def _objective_value(objective, energy_pj, latency_cycles, valid):
    """``objective.layer_objective`` for one candidate (inf where invalid)."""
    if not valid:
        return np.inf
    if objective == 1:
        return energy_pj
    if objective == 2:
        return latency_cycles
    return energy_pj * latency_cycles


@numba.njit(cache=True, nogil=True)
def _search_one(k, targets, seed, encoding, lifts, popsize, generations, sigma0, tolerance, patience, objective,
                separable, memo, div_offsets, div_values, div_logs, best, recalled):
    """Problem k's search of ``targets`` (``naas.cost.target.Targets``); ``lifts``
    (1, popsize, 3, 2) work space for uneven mappings or None for even ones; ``memo``: recall
    the costs of mappings met before (``naas.search.cost_memo``); ``best`` the
    ``search_compiled`` outputs it writes its row of, and ``recalled[k]`` how many candidates'
    costs it recalled. Returns the generations it ran."""
    best_temporal, best_order, best_spatial, best_lifts, best_energy, best_latency, best_value, history = best
    n_slots = targets.slot_count[k]
    lift_start = base_genes(encoding)[1] + n_slots
    n_genes = lift_start + (0 if lifts is None else LIFT_GENES)
    # the optimiser searches the live genes only; the others stay at DEAD_GENE
    live = np.empty(n_genes, np.int64)
    n = live_genes(encoding, targets.layer_dims[k], targets.slot_dim[k], n_slots, lifts is not None, live)
    constants = cma_constants(n, popsize, separable)
    mu = constants[1]
    weights = np.empty(mu)
    cma_weights(mu, weights)
    state = np.empty(4, np.uint64)
    seed_state(seed, state)
    mean = np.full(n, 0.5)
    sigma = sigma0
    cma_generation = 0
    cov = np.eye(n)
    eig_rows = np.eye(n)
    eig_sqrt = np.ones(n)
    p_sigma = np.zeros(n)
    p_c = np.zeros(n)
    normals = np.empty(popsize * n)
    z = normals.reshape((popsize, n))
    y = np.empty((popsize, n))
    x = np.empty((popsize, n))
    genes = np.full(n_genes, DEAD_GENE)
    fitness = np.empty(popsize)
    y_sel = np.empty((mu, n))
    scratch = np.empty((3, n, n))
    temporal = np.empty((popsize, 3, 8), np.int64)
    order = np.empty((popsize, 3, 8), np.int64)
    spatial = np.empty((popsize, n_slots), np.int64)
    energy = np.empty(popsize)
    latency = np.empty(popsize)
    edp = np.empty(popsize)
    util = np.empty(popsize)
    reason = np.empty(popsize, np.int8)
    reason_arg = np.empty(popsize, np.int8)
    breakdown = np.zeros((1, 4, 3))
    work = np.empty((5, 8), np.int64)
    uneven = np.empty((3, 2, 9), np.int64)
    divs = np.empty(1024, np.int64)
    logs = np.empty(1024)
    costs = new_memo(n_slots)
    key = np.empty(costs[0].shape[1], np.int32)
    row = np.empty(popsize, np.int64)
    l1_order_counts = targets.switches[k][PORT_MODEL] or targets.switches[k][HOLD_OPERANDS]
    todo = np.ones(popsize, np.bool_)
    best_so_far = np.inf
    stalled = 0
    ran = 0
    for g in range(generations):
        fill_normal(state, normals)
        cma_sample(mean, sigma, eig_rows, eig_sqrt, z, y, x, separable)
        for p in range(popsize):
            penalty = 0.0
            for j in range(n):
                v = x[p, j]
                c = 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)
                genes[live[j]] = c
                penalty += (v - c) ** 2
            fitness[p] = BOX_PENALTY * penalty
            decode_candidate(genes, encoding, targets, k, temporal[p], order[p], spatial[p], lifts, 0, p, lift_start,
                             div_offsets, div_values, div_logs, divs, logs, work, uneven)
            if memo:
                row[p], width = memo_key(temporal, order, spatial, lifts, p, n_slots, l1_order_counts, key)
                todo[p] = not memo_recall(costs, key, row[p], width)
                if not todo[p]:
                    energy[p], latency[p], reason[p] = memo_cost(costs, row[p])
                    recalled[k] += 1
        _kernel(targets, k, temporal, order, spatial, lifts, 0, energy, latency, edp, util, reason, reason_arg,
                breakdown, False, todo)
        if memo:
            for p in range(popsize):
                if todo[p]:
                    memo_keep(costs, row[p], energy[p], latency[p], reason[p])
        pick = -1
        gen_value = np.inf
        for p in range(popsize):
            value = _objective_value(objective, energy[p], latency[p], reason[p] == 0)
            fitness[p] += np.log(value) if np.isfinite(value) else INFEASIBLE
            if value < gen_value:
                gen_value = value
                pick = p
        sigma, cma_generation = cma_update(mean, sigma, cma_generation, cov, p_sigma, p_c, eig_rows, eig_sqrt,
                                           y, fitness, weights, constants, y_sel, scratch, separable)
        if gen_value < best_so_far:
            best_temporal[k] = temporal[pick]
            best_order[k] = order[pick]
            best_spatial[k, :n_slots] = spatial[pick]
            if lifts is not None:
                best_lifts[k] = lifts[0, pick]
            best_energy[k] = energy[pick]
            best_latency[k] = latency[pick]
            progress = significant(gen_value, best_so_far, tolerance)
            best_so_far = gen_value
        else:
            progress = False
        history[g, k] = best_so_far
        ran = g + 1
        stalled = 0 if progress else stalled + 1
        if stalled >= patience:
            break
    best_value[k] = best_so_far
    for g in range(ran, generations):
        history[g, k] = best_so_far
    return ran


@numba.njit(cache=True, nogil=True, parallel=True)
def _search_all(targets, seeds, encoding, lift_buffers, popsize, generations, sigma0, tolerance, patience,
                objective, separable, memo, div_offsets, div_values, div_logs, best, ran, recalled):
    for k in numba.prange(seeds.shape[0]):
        if lift_buffers is None:
            ran[k] = _search_one(k, targets, seeds[k], encoding, None, popsize, generations, sigma0, tolerance,
                                 patience, objective, separable, memo, div_offsets, div_values, div_logs, best,
                                 recalled)
        else:
            ran[k] = _search_one(k, targets, seeds[k], encoding, lift_buffers[k:k + 1], popsize, generations,
                                 sigma0, tolerance, patience, objective, separable, memo, div_offsets, div_values,
                                 div_logs, best, recalled)


def search_compiled(targets: Targets, seeds: np.ndarray, encoding: int, uneven: bool, popsize: int,
                    generations: int, sigma0: float, tolerance: float, patience: int, objective: str,
                    separable: bool = False, memo: bool = True) -> dict:
    """Run every problem's search; ``seeds`` (K,) uint64 is each problem's stream;
    ``separable`` runs sep-CMA-ES (a diagonal covariance, ``naas.search.cma_kernel``); ``memo``
    recalls the cost of a mapping met before instead of costing it again (the same results,
    faster: ``naas.search.cost_memo``). Returns the best mapping and cost of each problem, the
    generations each ran, how many of its candidates' costs it recalled and the (generations, K)
    history of the best objective so far."""
    k = targets.problems
    out = {
        "temporal": np.ones((k, 3, 8), dtype=np.int64),
        "order": np.tile(np.arange(8), (k, 3, 1)),
        "spatial": np.ones((k, targets.n_slots), dtype=np.int64),
        "lifts": np.zeros((k, 3, 2), dtype=np.int64),
        "energy_pj": np.full(k, np.inf),
        "latency_cycles": np.full(k, np.inf),
        "objective": np.full(k, np.inf),
        "history": np.empty((generations, k)),
        "generations": np.zeros(k, dtype=np.int64),
        "recalled": np.zeros(k, dtype=np.int64),
    }
    best = tuple(out[name] for name in ("temporal", "order", "spatial", "lifts", "energy_pj", "latency_cycles",
                                        "objective", "history"))
    # a problem's run length varies with its landscape, so threads take problems one at a time
    chunk = numba.get_parallel_chunksize()
    numba.set_parallel_chunksize(1)
    try:
        _search_all(targets, np.ascontiguousarray(seeds, dtype=np.uint64), encoding,
                    np.zeros((k, popsize, 3, 2), dtype=np.int64) if uneven else None, popsize, generations,
                    float(sigma0), float(tolerance), int(patience), OBJECTIVES.index(objective), bool(separable),
                    bool(memo), *DIVISOR_TABLE,
                    best, out["generations"], out["recalled"])
    finally:
        numba.set_parallel_chunksize(chunk)
    return out
