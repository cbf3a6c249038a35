"""The inner level: per-layer mapping search on fixed accelerators, all problems at once.

Every (layer, accelerator) problem runs its own CMA-ES over the mapping encoding; the K
problems share one batched optimiser, one decoder call and one cost-model call per
generation, so the optimiser's Python overhead is paid once per generation, not per layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from naas.arch.spec import Accelerator
from naas.cost.batched import StackedTargets, compile_target, evaluate_stacked, stack_targets
from naas.mapping.mapping import MappingBatch
from naas.search.cmaes import BatchedCMA
from naas.search.mapping_encoding import ENCODINGS, decode_mappings, gene_count
from naas.search.objective import check_objective, layer_objective
from naas.workload.layer import Layer

#: Weight of the squared distance outside [0, 1]^n added to a candidate's log objective, so
#: that the search mean does not drift away from the box the decoder clips to.
_BOX_PENALTY = 0.1


@dataclass(frozen=True)
class MappingSearchConfig:
    popsize: int = 24
    generations: int = 80
    sigma0: float = 0.25
    encoding: str = "importance"
    objective: str = "edp"
    #: stop once no problem improved its best by more than this fraction for `patience` gens
    tolerance: float = 1e-4
    patience: int = 20

    def __post_init__(self) -> None:
        check_objective(self.objective)
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding: choose one of {', '.join(ENCODINGS)}")


@dataclass(frozen=True)
class MappingSearchResult:
    """Best mapping of each problem with its cost; ``evaluations`` counts cost-model calls."""

    best: MappingBatch            # one row per problem
    energy_pj: np.ndarray         # (K,)
    latency_cycles: np.ndarray    # (K,)
    valid: np.ndarray             # (K,)
    objective: np.ndarray         # (K,) the searched objective (inf where nothing valid)
    evaluations: int
    generations: int
    history: np.ndarray           # (generations, K) best objective so far


def search_mappings(
    problems: list[tuple[Layer, Accelerator]] | StackedTargets,
    config: MappingSearchConfig,
    rng: np.random.Generator,
) -> MappingSearchResult:
    targets = problems if isinstance(problems, StackedTargets) else stack_targets(
        [compile_target(layer, arch) for layer, arch in problems])
    encoding = ENCODINGS[config.encoding]
    k, n = len(targets), gene_count(targets.n_axes, encoding)
    es = BatchedCMA.start(np.full((k, n), 0.5), config.sigma0, rng, config.popsize)
    best_value = np.full(k, np.inf)
    best_temporal = np.ones((k, 3, 8), dtype=np.int64)
    best_order = np.tile(np.arange(8), (k, 3, 1))
    best_spatial = np.ones((k, targets.n_axes), dtype=np.int64)
    best_energy = np.full(k, np.inf)
    best_latency = np.full(k, np.inf)
    history = []
    stalled = 0
    rows = np.arange(k)
    for _ in range(config.generations):
        genes = es.ask()
        clipped = np.clip(genes, 0.0, 1.0)
        temporal, order, spatial = decode_mappings(clipped, targets, encoding)
        cost = evaluate_stacked(targets, temporal, order, spatial)
        value = layer_objective(config.objective, cost.energy_pj, cost.latency_cycles, cost.valid)
        outside = np.sum((genes - clipped) ** 2, axis=2)
        fitness = np.where(np.isfinite(value), np.log(np.where(np.isfinite(value), value, 1.0)), 1e3)
        es.tell(fitness + _BOX_PENALTY * outside)
        gen_best = np.argmin(value, axis=1)
        gen_value = value[rows, gen_best]
        improved = gen_value < best_value
        significant = gen_value < best_value * (1 - config.tolerance)
        if improved.any():
            sel = rows[improved]
            pick = gen_best[improved]
            best_value[sel] = gen_value[improved]
            best_temporal[sel] = temporal[sel, pick]
            best_order[sel] = order[sel, pick]
            best_spatial[sel] = spatial[sel, pick]
            best_energy[sel] = cost.energy_pj[sel, pick]
            best_latency[sel] = cost.latency_cycles[sel, pick]
        history.append(best_value.copy())
        stalled = 0 if significant.any() else stalled + 1
        if stalled >= config.patience:
            break
    generations = len(history)
    return MappingSearchResult(
        best=MappingBatch(best_temporal, best_order, best_spatial),
        energy_pj=best_energy,
        latency_cycles=best_latency,
        valid=np.isfinite(best_value),
        objective=best_value,
        evaluations=generations * k * config.popsize,
        generations=generations,
        history=np.array(history),
    )
