"""The outer search with the connectivity treated as the categorical choice it is.

1. **Base.** A sizing search (CMA-ES over the sizes, connectivity fixed) on the starting
   connectivity: the hand design's when the budget is a hand design's, otherwise the best of
   a sweep of every one-dim-per-axis connectivity at the centre of the size space. With the
   same seed this is exactly the sizing-only search, so the result is never worse than it.
   The hand design itself (its own sizes, which the size genes may not reach) is scored too,
   so the result is never worse than it either.
2. **Exploration.** ``ConnectivityExplorer`` (``naas.search.connectivity_explorer``), an
   ask/tell optimiser over connectivities that ``evolve`` drives, asks for sweeps around the
   incumbent (every connectivity one move from it, at its sizes and at an even split of its
   PEs, and every ordered one-dim-per-axis one of up to two axes; scored here in one batch, a
   design that is another with its axes listed in another order scored once) and for successive
   halving of the best swept connectivities (sizing searches warm-started at their sizes, the
   best of them run twice as long). If the halving's champion beats the incumbent it becomes
   the incumbent and the explorer sweeps again around it, while designs remain.

Designs scored after the base are capped at ``EXPLORE_SHARE`` of the base's, so the whole
search scores at most 1.5x the designs of the sizing-only search it contains.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from naas.arch.budget import Budget
from naas.arch.spec import Accelerator
from naas.errors import NaasError
from naas.exec.executors import Executor, InProcessExecutor
from naas.search.arch_encoding import GENES, ArchSpace
from naas.search.arch_search import (
    ArchSearchConfig,
    ArchSearchResult,
    DesignScore,
    area_fitness,
    design_key,
    leading,
    remap,
    score_on_executor,
    scoring,
    search_accelerator,
)
from naas.search.checkpoint import fingerprint, load_checkpoint, save_checkpoint
from naas.search.connectivity import Connectivity, active_dims, design_identity, ordered_tuples
from naas.search.connectivity_explorer import (
    MAX_ROUNDS,
    ConnectivityExplorer,
    ExplorationStart,
    Trial,
    TrialOutcome,
    fresh,
    sweep_stream,
)
from naas.search.design_score import score_from_dict, score_to_dict
from naas.search.optimizer import Optimizer, evolve
from naas.workload.network import Network

#: designs the exploration may score, as a share of the base sizing search's
EXPLORE_SHARE = 0.5
#: asks of the explorer at most: a sweep and two rungs of halving per round
MAX_STEPS = 3 * MAX_ROUNDS


@dataclass
class ConnectivitySearchResult(ArchSearchResult):
    #: the base sizing search (the sizing-only search when it started on the hand connectivity;
    #: with a scoring patience its leaders re-mapped, as that search reports them)
    base: ArchSearchResult | None = None
    #: the known designs (the hand design) as this search scored them (re-mapped with a scoring
    #: patience): the result is never worse than these
    known: list[DesignScore] = field(default_factory=list)
    #: per sweep round: the incumbent, how many designs it swept, the survivors, the
    #: generations each survivor's sizing search got and the round's champion
    rounds: list[dict] = field(default_factory=list)


class _Run:
    """One connectivity search's running totals: history, evaluations, designs scored, best."""

    def __init__(self, progress: Callable[[dict], None] | None, area_limit: float | None):
        self.history: list[dict] = []
        self.evaluations = 0
        self.designs = 0
        self.best: DesignScore | None = None
        self.best_genes: np.ndarray | None = None
        self.start = time.perf_counter()
        self.progress = progress
        self.area_limit = area_limit
        self.interrupted = False
        self.leaders: list[DesignScore] = []
        self.genes_of: dict[str, np.ndarray] = {}

    def fitness(self, score: DesignScore) -> float:
        return area_fitness(score, self.area_limit)

    def offer(self, score: DesignScore, genes: np.ndarray | None) -> None:
        self.leaders = leading([*self.leaders, score], self.area_limit)
        if genes is not None:
            self.genes_of[design_key(score.design)] = genes
        if self.best is None or self.fitness(score) < self.fitness(self.best):
            self.best, self.best_genes = score, genes

    def _view(self, phase: str, step: int, generation: int, generation_best: float, best: float, dataflow: str,
              evaluations: int, designs: int, new_designs: int) -> dict:
        if self.best is not None and self.best.fitness <= best:
            best, dataflow = self.best.fitness, self.best.design.dataflow
        return {"step": step, "phase": phase, "generation": generation, "evaluations": evaluations,
                "designs": designs, "seconds": time.perf_counter() - self.start,
                "generation_best": generation_best, "best": best, "best_dataflow": dataflow,
                "new_designs": new_designs}

    def sizing_search(self, phase: str, networks: list[Network], space: ArchSpace, config: ArchSearchConfig,
                      executor: Executor, checkpoint: Path | None,
                      start_mean: np.ndarray | None = None, derived: bool = True) -> ArchSearchResult:
        """A sizing search whose generations join this run's history (a finished one found in
        ``checkpoint`` is read back, not run again). A ``derived`` phase (any but the base)
        whose checkpoint no longer matches is run again."""
        evaluations0, designs0, step0 = self.evaluations, self.designs, len(self.history)
        live = {"designs": designs0}

        def view(h: dict, designs: int) -> dict:
            return self._view(phase, step0 + h["step"], h["generation"], h["generation_best"], h["best"],
                              h["best_dataflow"], evaluations0 + h["evaluations"], designs, h["new_designs"])

        def show(h: dict) -> None:
            live["designs"] += h["new_designs"]
            if self.progress:
                self.progress(view(h, live["designs"]))

        resume = checkpoint is not None and checkpoint.exists()
        try:
            result = search_accelerator(networks, space, config, show, executor, checkpoint, resume=resume,
                                        start_mean=start_mean, remap_leaders=False)
        except NaasError:
            if not (resume and derived):
                raise
            # a later phase saved before its base was extended (--resume with more generations)
            # no longer matches; it is derived from the base, so it runs again
            live["designs"] = designs0
            result = search_accelerator(networks, space, config, show, executor, checkpoint, resume=False,
                                        start_mean=start_mean, remap_leaders=False)
        designs = designs0
        for h in result.history:
            designs += h["new_designs"]
            self.history.append(view(h, designs))
        self.evaluations, self.designs = evaluations0 + result.evaluations, designs
        self.offer(result.best, result.best_genes)
        for score in result.leaders:  # no better than result.best: they never displace its genes
            self.offer(score, None)
        self.interrupted = self.interrupted or result.interrupted
        return result

    def remap(self, scores: list[DesignScore], networks: list[Network], config: ArchSearchConfig,
              executor: Executor) -> dict[str, DesignScore]:
        """Re-map ``scores`` (``arch_search.remap``); the best of them leads. Returns them by
        design key (empty when nothing needed re-mapping)."""
        remapped, spent = remap(scores, networks, config, executor)
        if not spent:
            return {}
        self.evaluations += spent
        self.leaders = leading(remapped, self.area_limit)
        if self.leaders:
            self.best = self.leaders[0]
            self.best_genes = self.genes_of.get(design_key(self.best.design))
        best = self.best
        record = self._view("remap", len(self.history), 0, best.fitness, best.fitness, best.design.dataflow,
                            self.evaluations, self.designs, 0)
        record["remapped"] = len(remapped)
        self.history.append(record)
        if self.progress:
            self.progress(record)
        return {design_key(s.design): s for s in remapped}

    def sweep(self, phase: str, designs: list[Accelerator], genes: list[np.ndarray | None],
              networks: list[Network], config: ArchSearchConfig, executor: Executor,
              seeds: list[tuple[int, ...]], checkpoint: Path | None) -> list[DesignScore]:
        """Score ``designs`` (each decoded from its ``genes``, where given) in one batch."""
        settings = fingerprint({"sweep": [design_key(d) for d in designs], "seeds": seeds,
                                "networks": [n.name for n in networks], "config": repr(config)})
        scores = None
        if checkpoint is not None and checkpoint.exists():
            try:
                scores = [score_from_dict(s) for s in load_checkpoint(checkpoint, settings)["scores"]]
            except NaasError:
                pass  # saved before its base was extended: derived from the base, so scored again
        if scores is None:
            scores = score_on_executor(list(zip(designs, seeds)), networks, scoring(config), executor)
            if checkpoint is not None:
                save_checkpoint(checkpoint, settings, {"scores": [score_to_dict(s) for s in scores]})
        for score, at in zip(scores, genes):
            self.offer(score, at)
        fitness = [self.fitness(s) for s in scores]
        self.evaluations += sum(s.evaluations for s in scores)
        self.designs += len(scores)
        best = self.best
        record = self._view(phase, len(self.history), 0, min(fitness) if fitness else math.inf,
                            best.fitness if best else math.inf, best.design.dataflow if best else "",
                            self.evaluations, self.designs, len(scores))
        self.history.append(record)
        if self.progress:
            self.progress(record)
        return scores

    def trials(self, trials: list[Trial], networks: list[Network], budget: Budget, config: ArchSearchConfig,
               executor: Executor, path: Callable[[str], Path | None]) -> list[TrialOutcome]:
        """Score the explorer's ``trials``: sweep points in one batch, sizing searches one after
        the other (none after an interruption: the outcomes stop there)."""
        if trials and trials[0].generations == 0:
            scores = self.sweep(trials[0].phase, [t.design for t in trials], [t.genes for t in trials], networks,
                                config, executor, [t.seed for t in trials], path(trials[0].name))
            return [TrialOutcome(self.fitness(s), t.genes, 1) for s, t in zip(scores, trials)]
        outcomes = []
        for t in trials:
            if self.interrupted:
                break
            designs = self.designs
            refine = replace(config, generations=t.generations, popsize=t.popsize, sigma0=t.sigma0, restarts=0,
                             seed=t.seed)
            result = self.sizing_search(t.phase, networks, ArchSpace(budget, max_axes=len(t.connectivity),
                                                                     fixed_dataflow=t.connectivity),
                                        refine, executor, path(t.name), start_mean=t.genes)
            outcomes.append(TrialOutcome(self.fitness(result.best), result.best_genes, self.designs - designs))
        return outcomes


def phase_folder(checkpoint: str | Path) -> Path:
    """Where a connectivity search checkpointed at ``checkpoint`` keeps its later phases."""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(checkpoint.stem + ".phases")


def search_connectivity(
    networks: list[Network], space: ArchSpace, config: ArchSearchConfig,
    start: Connectivity | None = None,
    known: tuple[Accelerator, ...] = (),
    progress: Callable[[dict], None] | None = None,
    executor: Executor | None = None,
    checkpoint: str | Path | None = None,
    explore: Callable[[ExplorationStart], Optimizer] | None = None,
) -> ConnectivitySearchResult:
    """Base sizing search on ``start`` (default: the best swept connectivity), then sweeps and
    successive halving over connectivities (module docstring); ``known`` designs (the hand
    design) are scored after the base and win if nothing beats them. ``space`` gives the budget and
    ``max_axes``; its encoding is not used (the sizes are searched with every connectivity
    fixed). Same seed, same result, on any executor; with ``checkpoint`` every finished phase
    is saved, and a search run again with the same settings and checkpoint continues where it
    stopped (Ctrl-C ends it with the best design so far and ``interrupted`` set).
    ``explore`` builds the exploration's optimiser: ``ConnectivityExplorer`` (sweeps and
    halving; None), or any ask/tell optimiser of ``Trial`` s told their ``TrialOutcome`` s; its
    ``rounds``, if it keeps them, are the result's."""
    executor = executor or InProcessExecutor()
    budget, max_axes = space.budget, space.max_axes
    run = _Run(progress, budget.max_area_mm2)
    folder = None
    if checkpoint is not None:
        folder = phase_folder(checkpoint)
        folder.mkdir(parents=True, exist_ok=True)

    def path(name: str) -> Path | None:
        return None if folder is None else folder / f"{name}.json"

    dims = active_dims(networks)
    seen: set = set()
    centre = np.full(GENES, 0.5)
    rounds: list[dict] = []
    base = None
    known_scores: list[DesignScore] = []
    try:
        if start is None:
            candidates = fresh([(c, centre) for c in ordered_tuples(dims, max_axes)], budget, seen)
            scores = run.sweep("start sweep", [d for _, d, _ in candidates], [g for _, _, g in candidates], networks,
                               config, executor, [sweep_stream(config.seed, 0, i) for i in range(len(candidates))],
                               path("sweep0"))
            start = candidates[int(np.argmin([run.fitness(s) for s in scores]))][0]
        start = tuple(tuple(axis) for axis in start)
        base = run.sizing_search("base", networks, ArchSpace(budget, max_axes=len(start), fixed_dataflow=start),
                                 config, executor, None if checkpoint is None else Path(checkpoint), derived=False)
        allowed = run.designs + int(EXPLORE_SHARE * base.designs_scored)
        seen.add(design_identity(base.best.design))
        known = tuple(d for d in known if design_identity(d) not in seen)
        if known:
            seen.update(design_identity(d) for d in known)
            known_scores = run.sweep("known designs", list(known), [None] * len(known), networks, config, executor,
                                     [sweep_stream(config.seed, 0, 10**3 + i) for i in range(len(known))],
                                     path("known"))
        start_genes = base.best_genes if base.best_genes is not None else centre
        explorer = (explore or ConnectivityExplorer)(ExplorationStart(
            start, start_genes, run.fitness(base.best), seen, budget, dims, max_axes, allowed - run.designs,
            max(4, config.popsize // 2), config.seed))
        rounds = getattr(explorer, "rounds", rounds)
        if not run.interrupted:
            # the design budget holds whatever the explorer asks: no batch starts once it is spent
            evolve(explorer, lambda trials, _: run.trials(trials, networks, budget, config, executor, path), MAX_STEPS,
                   until=lambda: run.interrupted or run.designs >= allowed)
    except KeyboardInterrupt:
        run.interrupted = True
    if run.best is None:
        raise KeyboardInterrupt("interrupted before the first generation finished")
    if not run.interrupted and base is not None:
        # the base's leaders too, so that the result is never worse than the sizing-only search's
        remapped = run.remap([*run.leaders, *base.leaders, *known_scores], networks, config, executor)
        known_scores = [remapped.get(design_key(s.design), s) for s in known_scores]
        if remapped and base.leaders:
            # the base reports what the sizing-only search it is reports: its leaders re-mapped
            leaders = leading([remapped[design_key(s.design)] for s in base.leaders], budget.max_area_mm2)
            best = replace(leaders[0], design=replace(leaders[0].design, name=base.best.design.name))
            base = replace(base, best=best, leaders=leaders, best_genes=run.genes_of.get(design_key(best.design)))
    named = replace(run.best, design=replace(run.best.design, name=f"naas_{budget.name}"))
    return ConnectivitySearchResult(named, run.history, run.evaluations, time.perf_counter() - run.start,
                                    run.interrupted, run.best_genes, run.leaders, base=base, known=known_scores,
                                    rounds=rounds)
