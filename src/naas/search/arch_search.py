"""The outer level: an evolution strategy over accelerators, each scored by its networks' cost
with every layer's best mapping from the inner search.

Fitness of a design = geometric mean over the networks of each network's objective (EDP =
total energy x total latency by default), as in the paper's multi-network comparison.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from naas.arch.spec import Accelerator
from naas.cost.target import compile_targets, stack_targets
from naas.errors import NaasError
from naas.exec.executors import Executor, InProcessExecutor
from naas.mapping.mapping import Mapping
from naas.search.arch_encoding import GENES, ArchSpace, decode_accelerator
from naas.search.design_score import DesignScore, score_from_dict, score_to_dict
from naas.search.mapping_search import MappingSearchConfig, search_mappings
from naas.search.objective import box_penalty, check_objective, check_search_sizes, log_objective, network_objective
from naas.search.optimizer import CMA, evolve, optimizer_factory
from naas.workload.network import Network

#: Bumped whenever the inner search scores a design differently for the same seed.
INNER_SEARCH_VERSION = 4


@dataclass(frozen=True)
class ArchSearchConfig:
    popsize: int = 12
    generations: int = 20
    #: independent re-runs of the outer CMA-ES (new seed streams, same generations each); the
    #: best design of all runs wins. The outer landscape is multi-modal in the connectivity.
    restarts: int = 0
    sigma0: float = 0.3
    seed: int = 0
    objective: str = "edp"
    mapping: MappingSearchConfig = field(default_factory=MappingSearchConfig)
    #: the outer optimiser's name (``naas.search.optimizer``: "cma", "random" or one registered)
    optimizer: str = "cma"
    #: the stall patience (generations) of the mapping searches that score designs while the
    #: search explores, its leaders then re-mapped at ``mapping.patience`` (``remap``); None, or
    #: one at least ``mapping.patience`` or ``mapping.generations``: explore at the full
    #: patience. A layer's search finds its best about 6-16 generations in and then waits out
    #: its patience; at 10 the full searches of section 4's two scenarios end as good as at 20
    #: (medians of 6 and 3 seeds) in 0.65x the evaluations (BENCHMARKS.md section 9)
    scoring_patience: int | None = 10

    def __post_init__(self) -> None:
        check_objective(self.objective)
        optimizer_factory(self.optimizer)
        check_search_sizes("search", self.popsize, self.generations, self.sigma0)
        if self.restarts < 0:
            raise NaasError(f"search restarts: must be >= 0, got {self.restarts}")
        if self.scoring_patience is not None and (isinstance(self.scoring_patience, bool) or not isinstance(
                self.scoring_patience, int) or self.scoring_patience < 1):
            raise NaasError(f"scoring patience: must be a whole number of generations >= 1, got "
                            f"{self.scoring_patience!r}")


def score_pairs(pairs: list[tuple[Accelerator, list[Network]]], config: ArchSearchConfig,
                seeds: list[tuple[int, ...]]) -> list[DesignScore]:
    """Search every layer's mapping for every (design, networks) pair in one batched run and
    total each pair's networks.

    ``seeds[i]`` seeds pair i's mapping searches, one stream per layer shape, so a pair's score
    does not depend on which pairs it is batched with. A layer shape that recurs in a pair's
    networks is searched once (with the stream of its first occurrence) and its best mapping
    serves every occurrence."""
    targets, problems, problem_pair, owners, streams = [], [], [], [], []
    for i, (design, networks) in enumerate(pairs):
        layers = [(network.name, nl) for network in networks for nl in network.layers]
        searched: dict[tuple, int] = {}
        fresh = []
        for j, (network_name, nl) in enumerate(layers):
            shape = nl.layer.shape
            if shape not in searched:
                searched[shape] = len(problem_pair)
                fresh.append(nl.layer)
                problem_pair.append(i)
                streams.append((*seeds[i], j))
            owners.append((i, network_name, nl, searched[shape]))
        if config.mapping.generic:  # searched problem by problem through its own model or optimiser
            problems += [(layer, design) for layer in fresh]
        else:
            targets.append(compile_targets(fresh, design))
    result = search_mappings(problems if config.mapping.generic else stack_targets(targets), config.mapping, streams)
    energy = [{n.name: 0.0 for n in networks} for _, networks in pairs]
    latency = [{n.name: 0.0 for n in networks} for _, networks in pairs]
    mappings: list[dict[str, dict[str, Mapping]]] = [{n.name: {} for n in networks} for _, networks in pairs]
    evaluations = [0] * len(pairs)
    for j, i in enumerate(problem_pair):
        evaluations[i] += int(result.evaluations_per_problem[j])
    slots = [len(design.spatial_slots) for design, _ in pairs]
    best = result.best.mappings(list(range(len(problem_pair))), [slots[i] for i in problem_pair])
    for i, network_name, nl, j in owners:
        energy[i][network_name] += nl.repeat * float(result.energy_pj[j])
        latency[i][network_name] += nl.repeat * float(result.latency_cycles[j])
        mappings[i][network_name][nl.layer.name] = best[j]
    scores = []
    for i, (design, networks) in enumerate(pairs):
        values = [network_objective(config.objective, energy[i][n.name], latency[i][n.name]) for n in networks]
        fitness = math.exp(sum(math.log(v) for v in values) / len(values)) if all(
            np.isfinite(v) for v in values) else math.inf
        scores.append(DesignScore(design, energy[i], latency[i], mappings[i], fitness, evaluations[i], tuple(seeds[i])))
    return scores


def score_designs(designs: list[Accelerator], networks: list[Network], config: ArchSearchConfig,
                  seeds: list[tuple[int, ...]]) -> list[DesignScore]:
    """Every design with the same networks (see ``score_pairs``)."""
    return score_pairs([(design, networks) for design in designs], config, seeds)


@dataclass
class ArchSearchResult:
    best: DesignScore
    history: list[dict]
    evaluations: int
    seconds: float
    interrupted: bool = False
    #: the clipped genes that decoded to ``best`` (None from a checkpoint written before they were kept)
    best_genes: np.ndarray | None = None
    #: the best few distinct designs scored, best first (``best`` leads them)
    leaders: list[DesignScore] = field(default_factory=list)

    @property
    def designs_scored(self) -> int:
        """Distinct designs whose mappings this search searched (cache hits excluded)."""
        return sum(h["new_designs"] for h in self.history)


#: how many of a search's best distinct designs it reports (``ArchSearchResult.leaders``)
LEADERS = 3


def area_fitness(score: DesignScore, max_area_mm2: float | None) -> float:
    """``score.fitness``, or inf for a design over the budget's area (which decoding does not
    bound: it is enforced by rejection)."""
    return score.fitness if max_area_mm2 is None or score.design.area_mm2 <= max_area_mm2 else math.inf


def leading(scores: list[DesignScore], max_area_mm2: float | None = None) -> list[DesignScore]:
    """The ``LEADERS`` best of ``scores`` within the area limit, one per design, best first."""
    fits = {design_key(s.design): s for s in scores
            if max_area_mm2 is None or s.design.area_mm2 <= max_area_mm2}
    return sorted(fits.values(), key=lambda s: s.fitness)[:LEADERS]


def design_key(design: Accelerator) -> str:
    axes = ",".join(a.label for a in design.axes)
    return f"{axes}|{design.l1_bytes.as_tuple()}|{design.l2_bytes}"


def _score_task(task: tuple) -> list[DesignScore]:
    designs, networks, config, seeds = task
    return score_designs(designs, networks, config, seeds)


def score_on_executor(fresh: list[tuple[Accelerator, tuple[int, ...]]], networks: list[Network],
                      config: ArchSearchConfig, executor: Executor) -> list[DesignScore]:
    """``score_designs`` of (design, seed) pairs, split over the executor's workers, in the
    order given; every design's score depends only on its own seed, so the split never changes
    a result."""
    workers = executor.workers
    chunks = [fresh[w::workers] for w in range(workers)]
    tasks = [([d for d, _ in c], networks, config, [s for _, s in c]) for c in chunks if c]
    scores: list[DesignScore] = [None] * len(fresh)  # type: ignore[list-item]
    for w, chunk_scores in enumerate(executor.map(_score_task, tasks)):
        scores[w::workers] = chunk_scores
    return scores


def scoring(config: ArchSearchConfig) -> ArchSearchConfig:
    """``config`` with the mapping searches that score designs while a search explores
    (``scoring_patience``)."""
    # a search of at most scoring_patience generations stops where it would at the full patience
    if config.scoring_patience is None or config.scoring_patience >= min(config.mapping.patience,
                                                                         config.mapping.generations):
        return config
    return replace(config, mapping=replace(config.mapping, patience=config.scoring_patience))


def remap(scores: list[DesignScore], networks: list[Network], config: ArchSearchConfig,
          executor: Executor) -> tuple[list[DesignScore], int]:
    """``scores`` made under ``scoring(config)``, each design once (its better score), re-mapped
    with ``config.mapping`` on the streams they were scored on: the same mapping searches, run
    on from the scoring patience to the full one. Each keeps the better of its two scores (a
    layer's better mapping by its own objective can still leave its network's total worse).
    Returns them and the evaluations spent (0: nothing needed re-mapping)."""
    unique: dict[str, DesignScore] = {}
    for score in scores:
        key = design_key(score.design)
        if key not in unique or score.fitness < unique[key].fitness:
            unique[key] = score
    out = list(unique.values())
    if scoring(config) is config:
        return out, 0
    todo = [i for i, s in enumerate(out) if s.seed is not None]
    again = score_on_executor([(out[i].design, out[i].seed) for i in todo], networks, config, executor)
    for i, score in zip(todo, again):
        out[i] = min(out[i], score, key=lambda s: s.fitness)
    return out, sum(s.evaluations for s in again)


def search_settings(networks: list[Network], space: ArchSpace, config: ArchSearchConfig,
                    start_mean: np.ndarray | None = None) -> dict:
    """What determines a search's result: its fingerprint guards checkpoints."""
    from naas.workload.io import network_to_dict

    space_settings = asdict(space)
    config_settings = asdict(config)
    # defaults from before these fields existed: leaving them out keeps older checkpoints resumable
    for settings, name, default in ((space_settings["budget"], "latency_model", "roofline"),
                                    (space_settings["budget"], "hold_operands", False),
                                    (space_settings["budget"], "noc_model", "flat"),
                                    (space_settings["budget"], "halo_reuse", False),
                                    (space_settings["budget"], "input_multicast", "distinct"),
                                    (config_settings["mapping"], "uneven", False),
                                    (config_settings["mapping"], "cost_model", None),
                                    (config_settings["mapping"], "optimizer", "cma"),
                                    (config_settings, "optimizer", "cma")):
        if settings[name] == default:
            del settings[name]
    if scoring(config) is config:  # explored at the full patience, as every search before the field
        del config_settings["scoring_patience"]
    settings = {"networks": [network_to_dict(n) for n in networks], "space": space_settings, "config": config_settings,
            # an inner search that scores designs differently for the same seed (v2: compiled, own
            # random streams and gene widths; v3: sep-CMA-ES; v4: live genes only, ziggurat normals)
            # does not mix checkpoints with earlier ones
            "inner_search": INNER_SEARCH_VERSION}
    if start_mean is not None:
        settings["start_mean"] = [float(x) for x in start_mean]
    return settings


def search_accelerator(
    networks: list[Network], space: ArchSpace, config: ArchSearchConfig,
    progress: Callable[[dict], None] | None = None,
    executor: Executor | None = None,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    start_mean: np.ndarray | None = None,
    remap_leaders: bool = True,
) -> ArchSearchResult:
    """CMA-ES over ``space``; each generation scores all new designs in one batched inner run
    per executor task. ``start_mean`` (genes, default the centre of the space) warm-starts it.
    Designs are scored at ``config.scoring_patience``; unless ``remap_leaders`` is False (a
    search nested in one that remaps its own) the leaders are then re-mapped (``remap``).

    Same seed, same result, on any executor, and after any number of resumes from
    ``checkpoint`` (written atomically after every generation). Ctrl-C ends the search, losing
    at most the generation in flight, and returns the best design found so far with
    ``interrupted`` set."""
    from naas.search.checkpoint import (
        append_journal,
        fingerprint,
        load_checkpoint,
        recover_journal,
        save_checkpoint,
        start_journal,
    )

    executor = executor or InProcessExecutor()
    factory = optimizer_factory(config.optimizer)
    # the generation count is left out of the fingerprint so that a resume may extend a search
    settings = search_settings(networks, space, replace(config, generations=1), start_mean)
    settings_fp = fingerprint(settings)
    mean0 = np.full(GENES, 0.5) if start_mean is None else np.clip(np.asarray(start_mean, dtype=np.float64), 0.0, 1.0)
    cache: dict[str, DesignScore] = {}
    genes_of: dict[str, np.ndarray] = {}
    history: list[dict] = []
    best: DesignScore | None = None
    best_genes: np.ndarray | None = None
    evaluations, first_step, elapsed = 0, 0, 0.0
    es = None
    if resume and checkpoint is not None and Path(checkpoint).exists():
        # checkpoints written before the fingerprint left the generations out carry them in it
        legacy_fp = fingerprint(search_settings(networks, space, config, start_mean))
        state = load_checkpoint(checkpoint, (settings_fp, legacy_fp), settings)
        done = state["next_step"]
        if "generations" in state and state["generations"] != config.generations:
            if config.restarts:
                raise NaasError(f"generations: {checkpoint} was run with {state['generations']} generations and "
                                "restarts; a search with restarts resumes only with the same --generations")
            if config.generations < done:
                raise NaasError(f"generations: {checkpoint} has done {done} generations; give --generations >= "
                                f"{done} to continue it")
        if config.optimizer != "cma":
            raise NaasError(f"optimizer: a search with {config.optimizer!r} does not resume (only CMA-ES keeps its "
                            "state in a checkpoint); start it afresh")
        es = CMA.from_state(state["es"])
        if "cache" in state:  # a version-1 checkpoint: designs inline, from now on in the journal
            cache = {key: score_from_dict(value) for key, value in state["cache"].items()}
            start_journal(checkpoint)
            append_journal(checkpoint, [score_to_dict(score) for score in cache.values()])
        else:
            scores = [score_from_dict(record) for record in recover_journal(checkpoint, state["designs"])]
            cache = {design_key(score.design): score for score in scores}
        history, evaluations = state["history"], state["evaluations"]
        first_step, elapsed = state["next_step"], state["seconds"]
        best = cache[state["best"]] if state["best"] is not None else None
        best_genes = np.array(state["best_genes"]) if state.get("best_genes") is not None else None
        if best is not None and best_genes is not None:
            genes_of[design_key(best.design)] = best_genes
    elif checkpoint is not None:
        start_journal(checkpoint)
    start = time.perf_counter() - elapsed
    interrupted = False
    # what ``score`` saw of the generation, for ``after`` to record
    seen: dict = {}

    def score(run: int, genes: np.ndarray, generation: int) -> np.ndarray:
        nonlocal evaluations
        clipped = np.clip(genes, 0.0, 1.0)
        designs = [decode_accelerator(g, space) for g in clipped]
        keys = [design_key(d) for d in designs]
        fresh: dict[str, tuple[Accelerator, tuple[int, ...]]] = {}
        for i, (key, d) in enumerate(zip(keys, designs)):
            if key not in cache and key not in fresh:
                fresh[key] = (d, (config.seed, generation, i) if run == 0 else (config.seed, run, generation, i))
                genes_of[key] = clipped[i].copy()
        # scores come back in the order given, so each is filed under its fresh key
        for key, s in zip(fresh, score_on_executor(list(fresh.values()), networks, scoring(config), executor)):
            cache[key] = s
            evaluations += s.evaluations
        scores = [cache[key] for key in keys]
        fitness = np.array([area_fitness(s, space.budget.max_area_mm2) for s in scores])
        seen.update(clipped=clipped, scores=scores, fitness=fitness, fresh=fresh)
        return log_objective(fitness) + box_penalty(genes, clipped)

    def after(run: int, generation: int) -> None:
        nonlocal best, best_genes
        fitness, scores = seen["fitness"], seen["scores"]
        leader = int(np.argmin(fitness))
        gen_best = scores[leader]
        if best is None or gen_best.fitness < best.fitness:
            best, best_genes = gen_best, seen["clipped"][leader].copy()
        step = run * config.generations + generation
        record = {
            "step": step, "run": run, "generation": generation, "evaluations": evaluations,
            "seconds": time.perf_counter() - start, "generation_best": float(np.min(fitness)),
            "best": best.fitness, "best_dataflow": best.design.dataflow, "new_designs": len(seen["fresh"]),
        }
        history.append(record)
        if checkpoint is not None:
            append_journal(checkpoint, [score_to_dict(cache[key]) for key in seen["fresh"]])
            save_checkpoint(checkpoint, settings_fp, {
                "es": es.state() if isinstance(es, CMA) else None, "designs": len(cache), "settings": settings,
                "generations": config.generations, "history": history, "evaluations": evaluations, "next_step": step + 1,
                "seconds": record["seconds"], "best": design_key(best.design),
                "best_genes": None if best_genes is None else [float(x) for x in best_genes],
            })
        if progress:
            progress(record)

    try:
        first_run, first_generation = divmod(first_step, config.generations)
        for run in range(first_run, config.restarts + 1):
            generation0 = first_generation if run == first_run else 0
            if generation0 == 0:
                seed_stream = config.seed if run == 0 else [config.seed, run]
                es = factory(mean0, config.sigma0, np.random.default_rng(seed_stream), config.popsize)
            evolve(es, lambda genes, generation: score(run, genes, generation), config.generations,
                   lambda generation, genes, values: after(run, generation), first=generation0)
    except KeyboardInterrupt:
        interrupted = True
    if best is None:
        raise KeyboardInterrupt("interrupted before the first generation finished")
    leaders = leading(list(cache.values()), space.budget.max_area_mm2)
    if remap_leaders and not interrupted and scoring(config) is not config and leaders:
        # each run's leaders too, so that a search with restarts never ends worse than its first
        # run alone; a design's stream names its run ((seed, generation, i) in the first)
        by_run: dict[int, list[DesignScore]] = {}
        for s in cache.values():
            by_run.setdefault(0 if s.seed is None or len(s.seed) == 3 else s.seed[1], []).append(s)
        runs_leaders = [s for group in by_run.values() for s in leading(group, space.budget.max_area_mm2)]
        leaders, spent = remap([*leaders, *runs_leaders], networks, config, executor)
        evaluations += spent
        leaders = leading(leaders, space.budget.max_area_mm2)
        best = leaders[0]
        best_genes = genes_of.get(design_key(best.design))
        history.append(remap_record(history[-1], len(leaders), evaluations, time.perf_counter() - start, best))
        if progress:
            progress(history[-1])
    best_named = replace(best, design=replace(best.design, name=f"naas_{space.budget.name}"))
    return ArchSearchResult(best_named, history, evaluations, time.perf_counter() - start, interrupted, best_genes,
                            leaders)


def remap_record(last: dict, remapped: int, evaluations: int, seconds: float, best: DesignScore) -> dict:
    """The history record of a search's leaders re-mapped (``remap``) after its ``last`` (whose
    step it keeps: a remap is not a generation)."""
    return {**last, "phase": "remap", "remapped": remapped, "evaluations": evaluations,
            "seconds": seconds, "generation_best": best.fitness, "best": best.fitness,
            "best_dataflow": best.design.dataflow, "new_designs": 0}
