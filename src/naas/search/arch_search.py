"""The outer level: an evolution strategy over accelerators, each scored by its networks' cost
with every layer's best mapping from the inner search.

Fitness of a design = geometric mean over the networks of each network's objective (EDP =
total energy x total latency by default), as in the paper's multi-network comparison.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from naas.arch.spec import Accelerator
from naas.cost.batched import compile_target, stack_targets
from naas.mapping.mapping import Mapping
from naas.search.arch_encoding import GENES, ArchSpace, decode_accelerator
from naas.search.cmaes import BatchedCMA
from naas.search.mapping_search import MappingSearchConfig, search_mappings
from naas.search.objective import check_objective, network_objective
from naas.workload.network import Network


@dataclass(frozen=True)
class ArchSearchConfig:
    popsize: int = 12
    generations: int = 20
    sigma0: float = 0.3
    seed: int = 0
    objective: str = "edp"
    mapping: MappingSearchConfig = field(default_factory=MappingSearchConfig)

    def __post_init__(self) -> None:
        check_objective(self.objective)


@dataclass(frozen=True)
class DesignScore:
    """A design with, per network, its energy, latency and every layer's best mapping."""

    design: Accelerator
    energy_pj: dict[str, float]
    latency_cycles: dict[str, float]
    mappings: dict[str, dict[str, Mapping]]
    fitness: float
    evaluations: int

    def network_value(self, network: str, objective: str = "edp") -> float:
        return network_objective(objective, self.energy_pj[network], self.latency_cycles[network])


def score_designs(designs: list[Accelerator], networks: list[Network], config: ArchSearchConfig,
                  rng: np.random.Generator) -> list[DesignScore]:
    """Search every layer's mapping on every design (one batched run) and total the networks."""
    problems, owners = [], []
    for i, design in enumerate(designs):
        for network in networks:
            for nl in network.layers:
                problems.append(compile_target(nl.layer, design))
                owners.append((i, network.name, nl.layer.name, nl.repeat))
    result = search_mappings(stack_targets(problems), config.mapping, rng)
    per_design = len(problems) // max(1, len(designs))
    scores = []
    for i, design in enumerate(designs):
        energy = {n.name: 0.0 for n in networks}
        latency = {n.name: 0.0 for n in networks}
        mappings: dict[str, dict[str, Mapping]] = {n.name: {} for n in networks}
        for j in range(i * per_design, (i + 1) * per_design):
            _, net, layer, repeat = owners[j]
            energy[net] += repeat * float(result.energy_pj[j])
            latency[net] += repeat * float(result.latency_cycles[j])
            m = result.best.mapping(j)
            mappings[net][layer] = Mapping(m.temporal, m.orders, m.spatial[: len(design.axes)])
        values = [network_objective(config.objective, energy[n.name], latency[n.name]) for n in networks]
        fitness = math.exp(sum(math.log(v) for v in values) / len(values)) if all(
            np.isfinite(v) for v in values) else math.inf
        scores.append(DesignScore(design, energy, latency, mappings, fitness,
                                  result.evaluations // max(1, len(designs))))
    return scores


@dataclass
class ArchSearchResult:
    best: DesignScore
    history: list[dict]
    evaluations: int
    seconds: float
    interrupted: bool = False


def _design_key(design: Accelerator) -> tuple:
    return (tuple((a.size, a.parallel_dim) for a in design.axes), design.l1_bytes.as_tuple(), design.l2_bytes)


def search_accelerator(
    networks: list[Network], space: ArchSpace, config: ArchSearchConfig,
    progress: Callable[[dict], None] | None = None,
) -> ArchSearchResult:
    """CMA-ES over ``space``; each generation scores all new designs in one batched inner run.

    Same seed, same result. Ctrl-C ends the search after the generation in flight is lost and
    returns the best design found so far, with ``interrupted`` set."""
    start = time.perf_counter()
    outer_rng = np.random.default_rng(config.seed)
    es = BatchedCMA.start(np.full((1, GENES), 0.5), config.sigma0, outer_rng, config.popsize)
    cache: dict[tuple, DesignScore] = {}
    best: DesignScore | None = None
    history: list[dict] = []
    evaluations = 0
    interrupted = False
    try:
        for generation in range(config.generations):
            genes = es.ask()
            clipped = np.clip(genes[0], 0.0, 1.0)
            designs = [decode_accelerator(g, space, name=f"naas_g{generation}_{i}") for i, g in enumerate(clipped)]
            fresh = []
            for d in designs:
                key = _design_key(d)
                if key not in cache and all(_design_key(f) != key for f in fresh):
                    fresh.append(d)
            inner_rng = np.random.default_rng([config.seed, generation])
            for score in score_designs(fresh, networks, config, inner_rng) if fresh else []:
                cache[_design_key(score.design)] = score
                evaluations += score.evaluations
            scores = [cache[_design_key(d)] for d in designs]
            area_limit = space.budget.max_area_mm2
            fitness = np.array([s.fitness if area_limit is None or s.design.area_mm2 <= area_limit else math.inf
                                for s in scores])
            outside = np.sum((genes[0] - clipped) ** 2, axis=1)
            finite = np.isfinite(fitness)
            log_fit = np.where(finite, np.log(np.where(finite, fitness, 1.0)), 1e3)
            es.tell((log_fit + 0.1 * outside)[None, :])
            gen_best = scores[int(np.argmin(fitness))]
            if best is None or gen_best.fitness < best.fitness:
                best = gen_best
            record = {
                "generation": generation, "evaluations": evaluations,
                "seconds": time.perf_counter() - start, "generation_best": float(np.min(fitness)),
                "best": best.fitness, "best_dataflow": best.design.dataflow, "new_designs": len(fresh),
            }
            history.append(record)
            if progress:
                progress(record)
    except KeyboardInterrupt:
        interrupted = True
    if best is None:
        raise KeyboardInterrupt("interrupted before the first generation finished")
    best_named = DesignScore(
        _renamed(best.design, f"naas_{space.budget.name}"), best.energy_pj, best.latency_cycles,
        best.mappings, best.fitness, best.evaluations)
    return ArchSearchResult(best_named, history, evaluations, time.perf_counter() - start, interrupted)


def _renamed(design: Accelerator, name: str) -> Accelerator:
    from dataclasses import replace

    return replace(design, name=name)
