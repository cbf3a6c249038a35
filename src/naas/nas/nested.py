"""The nested co-search: an evolution strategy over the network alone, each network candidate
given an accelerator search of its own, warm-started from the best accelerator so far.

1. **Seed accelerator.** The connectivity search (``search_connectivity``, the accelerator
   level's full budget) for the network at the centre of the space gives the first incumbent
   accelerator: its connectivity, its size genes, its design.
2. **Predictor screen.** Under an accuracy floor, a search over the network alone on its
   predicted accuracy and MACs (``naas.nas.screen``) finds the smallest network the floor
   admits; it is scored like a candidate (below) and the network ES starts from it.
3. **Network generations.** Every fresh network candidate is scored on the incumbent design
   and by a short sizing search (the incumbent's connectivity, warm-started at its genes with a
   local step size); its score is the better of the two, so a candidate is never judged on a
   worse accelerator than the incumbent. After each generation the best feasible candidate's
   accelerator becomes the incumbent.
4. **Final accelerator.** The best feasible network gets the connectivity search with the
   accelerator level's full budget, started from the incumbent's connectivity with the
   incumbent design and the hand design among its known designs, so the co-searched network's
   accelerator is searched as hard as an accelerator-only search of a fixed network is.

The best is always the best feasible candidate (``cosearch.rank``): an infeasible one never
outranks it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from naas.arch.spec import Accelerator
from naas.errors import NaasError
from naas.nas.cosearch import (
    Candidate,
    CoSearchConfig,
    CoSearchResult,
    best_of,
    is_feasible,
    network_space_for,
    pareto_front,
    told_values,
)
from naas.nas.predictors import AccuracyPredictor
from naas.nas.screen import ScreenConfig, screen_network
from naas.search.arch_encoding import ArchSpace
from naas.search.arch_search import leading, score_pairs, search_accelerator
from naas.search.connectivity import Connectivity
from naas.search.connectivity_explorer import REFINE_SIGMA
from naas.search.connectivity_search import search_connectivity
from naas.search.optimizer import evolve, optimizer_factory


@dataclass(frozen=True)
class NestedConfig:
    """The per-candidate accelerator search of the network generations (the seed and final
    accelerator searches use ``CoSearchConfig.inner``'s generations and candidates)."""

    accelerator_generations: int = 2
    accelerator_popsize: int = 4
    #: the predictor screen that picks the network ES's start (accuracy-floor objective only)
    screen: ScreenConfig = field(default_factory=ScreenConfig)

    def __post_init__(self) -> None:
        if self.accelerator_generations < 0 or self.accelerator_popsize < 2:
            raise NaasError("cosearch: accelerator_generations must be >= 0 and accelerator_popsize >= 2")


#: the generation tag of the screened network's scoring seeds (the network generations count from 0)
_SCREEN = 2**31 - 1


def _seed(seed: int, *tags: int) -> int:
    return int(np.random.SeedSequence([seed, 11, *tags]).generate_state(1)[0])


def nested_cosearch(space: ArchSpace, predictor: AccuracyPredictor, config: CoSearchConfig,
                    progress: Callable[[dict], None] | None = None, network_space: str = "ofa-mbv3",
                    start: Connectivity | None = None, known: tuple[Accelerator, ...] = (),
                    nested: NestedConfig = NestedConfig(), start_network: object | None = None) -> CoSearchResult:
    """Same seed, same result. ``start`` and ``known`` (the hand design's connectivity and the
    hand design, when the budget is a hand design's) seed the accelerator searches;
    ``start_network`` (a configuration of the space, e.g. ``ofa_resnet50.RESNET50``) is the
    first candidate, the network the first accelerator search is for, and the network ES's
    start mean, so the result is never worse than that network on its own searched accelerator.
    ``progress`` gets every network generation's record (with ``best_edp``) and, from the
    first and final accelerator searches, their steps' records (``search_connectivity``'s)."""
    nets, resolutions = network_space_for(network_space, predictor)
    begin = time.perf_counter()
    inner = replace(config.inner, seed=config.seed)
    first = nets.decode(np.full(nets.genes, 0.5), resolutions) if start_network is None else start_network
    first_network = nets.build(first)
    seeded = search_connectivity([first_network], space, inner, start, known, progress)
    incumbent, genes = seeded.best.design, seeded.best_genes
    connectivity = incumbent.connectivity
    evaluations, scored = seeded.evaluations, seeded.designs_scored
    seen: dict[object, Candidate] = {}
    #: a candidate's size genes where its own sizing search found its design (else None: the incumbent)
    genes_of: dict[object, np.ndarray | None] = {}
    history: list[dict] = []
    best: Candidate | None = None
    told: list[Candidate] = []
    #: network candidates judged (the start network, the screened one, the ES's samples), repeats included
    judged = 0
    if start_network is not None:
        judged = 1
        best = seen[first] = Candidate(first, first_network, seeded.best, float(predictor.predict([first])[0]))
        genes_of[first] = seeded.best_genes

    def assess(fresh: list, generation: int) -> None:
        """Scores the configurations ``fresh`` into ``seen``: each on the incumbent and by its own
        short sizing search, the better kept."""
        nonlocal evaluations, scored
        networks = [nets.build(c) for c in fresh]
        accuracies = predictor.predict(fresh)
        on_incumbent = score_pairs([(incumbent, [n]) for n in networks], inner,
                                   [(config.seed, 10**6, generation, i) for i in range(len(fresh))])
        scored += len(fresh)
        for i, (net_config, network, s) in enumerate(zip(fresh, networks, on_incumbent)):
            evaluations += s.evaluations
            genes_of[net_config] = None
            if nested.accelerator_generations and genes is not None:
                local = search_accelerator(
                    [network], ArchSpace(space.budget, max_axes=len(connectivity), fixed_dataflow=connectivity),
                    replace(inner, generations=nested.accelerator_generations, popsize=nested.accelerator_popsize,
                            sigma0=REFINE_SIGMA, restarts=0, seed=_seed(config.seed, generation, i)),
                    start_mean=genes)
                evaluations += local.evaluations
                scored += local.designs_scored
                if local.best.fitness < s.fitness:
                    s, genes_of[net_config] = local.best, local.best_genes
            seen[net_config] = Candidate(net_config, network, s, float(accuracies[i]))

    def adopt(candidates: list[Candidate]) -> None:
        """The best feasible so far; its accelerator becomes the incumbent where its own sizing
        search found it."""
        nonlocal best, incumbent, genes
        best = best_of(candidates, config, best)
        if genes_of[best.config] is not None:
            incumbent, genes = best.score.design, genes_of[best.config]

    mean = np.full(nets.genes, 0.5) if start_network is None else nets.encode(start_network, resolutions)
    if config.accuracy_floor is not None and nested.screen.generations:
        screened = screen_network(nets, resolutions, predictor, config.accuracy_floor, first,
                                  _seed(config.seed, _SCREEN), nested.screen, config.optimizer)
        if screened.best is not None:
            judged += 1
            if screened.best not in seen:
                assess([screened.best], _SCREEN)
            adopt([seen[screened.best]])
            mean = nets.encode(screened.best, resolutions)
        record = {"phase": "predictor screen", "networks": screened.networks, "seconds": time.perf_counter() - begin,
                  "screened_macs": screened.macs, "screened_accuracy": screened.accuracy, "evaluations": evaluations,
                  "screen_seconds": screened.seconds}
        if best is not None:
            record.update(best_edp=best.edp, best_accuracy=best.accuracy, feasible=is_feasible(best, config))
        history.append(record)
        if progress:
            progress(record)
    optimizer = optimizer_factory(config.optimizer)(mean, config.sigma0, np.random.default_rng(config.seed),
                                                    config.popsize)

    def score(raw: np.ndarray, generation: int) -> np.ndarray:
        nonlocal told, judged
        clipped = np.clip(raw, 0.0, 1.0)
        configs = [nets.decode(g, resolutions) for g in clipped]
        judged += len(configs)
        fresh = list(dict.fromkeys(c for c in configs if c not in seen))
        if fresh:
            assess(fresh, generation)
        told = [seen[c] for c in configs]
        return told_values(told, config, raw, clipped)

    def after(generation: int, raw: np.ndarray, values: np.ndarray) -> None:
        adopt(told)
        record = {"generation": generation, "evaluations": evaluations, "seconds": time.perf_counter() - begin,
                  "best_edp": best.edp, "best_accuracy": best.accuracy, "feasible": is_feasible(best, config),
                  "accelerator": incumbent.dataflow}
        history.append(record)
        if progress:
            progress(record)

    evolve(optimizer, score, config.generations, after)
    final = search_connectivity([best.network], space, inner, connectivity,
                                tuple(dict.fromkeys((incumbent, best.score.design, *known))), progress)
    evaluations += final.evaluations
    scored += final.designs_scored
    if final.best.fitness < best.score.fitness:
        best = Candidate(best.config, best.network, final.best, best.accuracy)
    leaders = leading([*final.leaders, best.score, *(seeded.leaders if best.config == first else [])])
    history.append({"generation": config.generations, "phase": "final accelerator search",
                    "evaluations": evaluations, "seconds": time.perf_counter() - begin, "best_edp": best.edp,
                    "best_accuracy": best.accuracy, "feasible": is_feasible(best, config),
                    "accelerator": best.score.design.dataflow, "networks": len(seen), "candidates": judged})
    return CoSearchResult(best, pareto_front(list(seen.values()) + [best]), history, evaluations,
                          time.perf_counter() - begin, scored, leaders)
