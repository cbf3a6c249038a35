"""The inner level: per-layer mapping search on fixed accelerators, all problems at once.

Every (layer, accelerator) problem runs its own CMA-ES over the mapping encoding; the K
problems share one batched optimiser, one decoder call and one cost-model call per
generation, so the optimiser's Python overhead is paid once per generation, not per layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from naas.arch.spec import Accelerator
from naas.cost.batched import (
    StackedTargets,
    compile_target,
    evaluate_stacked,
    stack_targets,
)
from naas.errors import NaasError
from naas.mapping.mapping import MappingBatch
from naas.search.cmaes import BatchedCMA
from naas.search.mapping_encoding import ENCODINGS, decode_mappings, gene_count
from naas.search.objective import (
    INFEASIBLE,
    box_penalty,
    check_objective,
    check_search_sizes,
    layer_objective,
    log_objective,
)
from naas.workload.layer import Layer

BACKENDS = ("numba", "torch")
#: --compile's choices as ``MappingSearchConfig.compile`` values
COMPILE_CHOICES = {"auto": None, "on": True, "off": False}


@dataclass(frozen=True)
class MappingSearchConfig:
    popsize: int = 24
    generations: int = 80
    sigma0: float = 0.25
    encoding: str = "importance"
    objective: str = "edp"
    #: search uneven mappings too (each operand its own memory-level cuts, ``Mapping.lifts``)
    uneven: bool = False
    #: stop once no problem improved its best by more than this fraction for `patience` gens
    tolerance: float = 1e-4
    patience: int = 20
    #: "numba" (compiled CPU kernels) or "torch" (the whole search on ``device``)
    backend: str = "numba"
    #: "cpu", "cuda" or "cuda:N"; the numba backend runs on the CPU only
    device: str = "cpu"
    #: torch backend: fuse each generation's decoding and costing with torch.compile (None: on
    #: CUDA only; compiling takes minutes, which on a CPU outweighs short searches)
    compile: bool | None = None

    def __post_init__(self) -> None:
        check_objective(self.objective)
        check_search_sizes("mapping search", self.popsize, self.generations, self.sigma0)
        if self.encoding not in ENCODINGS:
            raise NaasError(f"encoding: choose one of {', '.join(ENCODINGS)}")
        if self.backend not in BACKENDS:
            raise NaasError(f"backend: unknown {self.backend!r}; choose one of {', '.join(BACKENDS)}")
        if self.backend == "numba" and self.device != "cpu":
            raise NaasError(f"device: the numba backend runs on the CPU; use --backend torch for {self.device!r}")
        if self.uneven and self.backend == "torch":
            raise NaasError("uneven: uneven mappings are searched on the numba backend only; drop --uneven or "
                            "use --backend numba")
        if self.backend == "numba" and self.compile:
            raise NaasError("compile: torch.compile applies to the torch backend; add --backend torch or drop --compile on")


@dataclass(frozen=True)
class MappingSearchResult:
    """Best mapping of each problem with its cost; ``evaluations`` counts cost-model calls."""

    best: MappingBatch            # one row per problem
    energy_pj: np.ndarray         # (K,)
    latency_cycles: np.ndarray    # (K,)
    valid: np.ndarray             # (K,)
    objective: np.ndarray         # (K,) the searched objective (inf where nothing valid)
    evaluations: int
    evaluations_per_problem: np.ndarray  # (K,) cost-model calls each problem made before it stopped
    generations: int
    history: np.ndarray           # (generations, K) best objective so far


def search_mappings(
    problems: list[tuple[Layer, Accelerator]] | StackedTargets,
    config: MappingSearchConfig,
    rng: np.random.Generator | list[np.random.Generator],
) -> MappingSearchResult:
    """``rng`` is one generator per problem, or one generator to spawn them from."""
    targets = problems if isinstance(problems, StackedTargets) else stack_targets(
        [compile_target(layer, arch) for layer, arch in problems])
    encoding = ENCODINGS[config.encoding]
    k, n = len(targets), gene_count(targets.n_axes, encoding, config.uneven)
    rngs = rng.spawn(k) if isinstance(rng, np.random.Generator) else rng
    if config.backend == "torch":
        from naas.search.device_mapping_search import search_mappings_on_device

        seed = np.random.default_rng([int(r.integers(2**31)) for r in rngs]).integers(2**62)
        return search_mappings_on_device(targets, config, int(seed))
    es = BatchedCMA.start(np.full((k, n), 0.5), config.sigma0, rngs, config.popsize)
    best_value = np.full(k, np.inf)
    best_temporal = np.ones((k, 3, 8), dtype=np.int64)
    best_order = np.tile(np.arange(8), (k, 3, 1))
    best_spatial = np.ones((k, targets.n_axes), dtype=np.int64)
    best_lifts = np.zeros((k, 3, 2), dtype=np.int64)
    best_energy = np.full(k, np.inf)
    best_latency = np.full(k, np.inf)
    history = []
    # Each problem stops on its own once it has not improved by `tolerance` for `patience`
    # generations, so its result does not depend on which problems share the batch.
    stalled = np.zeros(k, dtype=np.int64)
    active = np.ones(k, dtype=bool)
    evaluations = np.zeros(k, dtype=np.int64)
    for _ in range(config.generations):
        genes = es.ask()
        rows = np.flatnonzero(active)
        clipped = np.clip(genes, 0.0, 1.0)
        sub = targets if len(rows) == k else targets.subset(rows)
        temporal, order, spatial, lifts = decode_mappings(clipped[rows], sub, encoding, config.uneven)
        cost = evaluate_stacked(sub, temporal, order, spatial, lifts)
        evaluations[rows] += config.popsize
        value = layer_objective(config.objective, cost.energy_pj, cost.latency_cycles, cost.valid)
        fitness = np.full(genes.shape[:2], INFEASIBLE)
        fitness[rows] = log_objective(value)
        es.tell(fitness + box_penalty(genes, clipped))
        local = np.arange(len(rows))
        gen_best = np.argmin(value, axis=1)
        gen_value = value[local, gen_best]
        previous = best_value[rows]
        improved = gen_value < previous
        if improved.any():
            sel, pick = rows[improved], gen_best[improved]
            best_value[sel] = gen_value[improved]
            best_temporal[sel] = temporal[local[improved], pick]
            best_order[sel] = order[local[improved], pick]
            best_spatial[sel] = spatial[local[improved], pick]
            if lifts is not None:
                best_lifts[sel] = lifts[local[improved], pick]
            best_energy[sel] = cost.energy_pj[local[improved], pick]
            best_latency[sel] = cost.latency_cycles[local[improved], pick]
        history.append(best_value.copy())
        significant = gen_value < previous * (1 - config.tolerance)
        stalled[rows] = np.where(significant, 0, stalled[rows] + 1)
        active &= stalled < config.patience
        if not active.any():
            break
    generations = len(history)
    return MappingSearchResult(
        best=MappingBatch(best_temporal, best_order, best_spatial, best_lifts),
        energy_pj=best_energy,
        latency_cycles=best_latency,
        valid=np.isfinite(best_value),
        objective=best_value,
        evaluations=int(evaluations.sum()),
        evaluations_per_problem=evaluations,
        generations=generations,
        history=np.array(history),
    )
