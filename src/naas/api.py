"""The front door: cost a network on a design, map it, search a design, co-search the network,
load and save every spec. ``import naas`` gives these (docs/api.md); each search takes one
``seed`` and gives the same result for it on any executor.

Arguments that name a spec take the object, a built-in name (a zoo network, a baseline design
or budget) or a YAML path, as the command line does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from naas.arch.budget import Budget, hand_design, parse_budget, search_axes
from naas.arch.io import accelerator_from_dict, resolve_accelerator, save_accelerator
from naas.arch.spec import Accelerator
from naas.cost.network import evaluate_network
from naas.cost.result import NetworkCost
from naas.errors import NaasError
from naas.files import read_yaml
from naas.mapping.io import load_mappings, mapping_from_dict, save_mappings
from naas.mapping.mapping import Mapping
from naas.search.greedy import network_mappings
from naas.workload.io import network_from_dict, resolve_network, save_network
from naas.workload.layer import Layer
from naas.workload.network import Network, NetworkLayer


def _network(value: Network | Layer | str) -> Network:
    if isinstance(value, Network):
        return value
    if isinstance(value, Layer):
        return Network(value.name, (NetworkLayer(value),))
    if isinstance(value, (str, Path)):
        return resolve_network(str(value))
    raise NaasError(f"network: give a Network, a Layer, a zoo name or a YAML path, got {type(value).__name__}")


def _accelerator(value: Accelerator | str) -> Accelerator:
    if isinstance(value, Accelerator):
        return value
    if isinstance(value, (str, Path)):
        return resolve_accelerator(str(value))
    raise NaasError(f"accelerator: give an Accelerator, a baseline name or a YAML path, got {type(value).__name__}")


def _budget(value: Budget | Accelerator | str) -> Budget:
    if isinstance(value, Budget):
        return value
    if isinstance(value, Accelerator):
        return Budget.of(value)
    if isinstance(value, str):
        return parse_budget(value)
    raise NaasError(f"budget: give a Budget, an Accelerator, a baseline name or 'pes=N,bytes=N', got "
                    f"{type(value).__name__}")


def default_mappings(network: Network | Layer | str, accelerator: Accelerator | str,
                     mappings: dict[str, Mapping] | str | None = None) -> dict[str, Mapping]:
    """Every layer's mapping: the given ones (a dict or a mappings YAML), the greedy default
    mapper's for the rest; what ``evaluate`` costs."""
    net, design = _network(network), _accelerator(accelerator)
    given = load_mappings(mappings) if isinstance(mappings, (str, Path)) else mappings
    return network_mappings(net, design, given)


def evaluate(network: Network | Layer | str, accelerator: Accelerator | str,
             mappings: dict[str, Mapping] | str | None = None) -> NetworkCost:
    """Energy (pJ), latency (cycles) and EDP of every layer and the totals; layers without a
    mapping get the greedy default mapper's."""
    net, design = _network(network), _accelerator(accelerator)
    return evaluate_network(net, design, default_mappings(net, design, mappings))


@dataclass(frozen=True)
class MapResult:
    """Every layer's best mapping on one design, and their cost."""

    network: Network
    accelerator: Accelerator
    mappings: dict[str, Mapping]
    cost: NetworkCost
    evaluations: int
    #: generations the longest of the layers' searches ran
    generations: int = 0


def map(network: Network | Layer | str, accelerator: Accelerator | str, *, seed: int = 0,  # noqa: A001
        generations: int | None = None, popsize: int | None = None, cost_model=None, optimizer=None,
        progress=None, **options) -> MapResult:
    """Search every layer's mapping (CMA-ES, importance encoding); ``options`` are
    ``MappingSearchConfig``'s other fields (encoding, objective, backend, device, uneven, ...).
    ``cost_model``: a ``naas.cost.model.CostModel``, or the name of a registered one, to search
    under (default: naas's, compiled); ``optimizer``: a registered optimiser's name or a factory
    (``naas.search.optimizer``; default "cma": CMA-ES, compiled on naas's model). A name goes
    into the search's settings (``MappingSearchConfig``). The result's cost is always naas's
    model's. ``progress`` is called as layers finish ({"done",
    "problems", "evaluations", "seconds"}; the compiled search only). Under naas's model a layer
    keeps the greedy default mapping (``naas.evaluate``'s) where that scores better than the
    search's: a short search can end above it."""
    from naas.search.mapping_search import MappingSearchConfig, search_mappings

    net, design = _network(network), _accelerator(accelerator)
    if isinstance(cost_model, str):
        options["cost_model"], cost_model = cost_model, None
    if isinstance(optimizer, str):
        options["optimizer"], optimizer = optimizer, None
    sizes = {k: v for k, v in (("generations", generations), ("popsize", popsize)) if v is not None}
    layers = [nl.layer for nl in net.layers]
    config = MappingSearchConfig(**sizes, **options)
    result = search_mappings([(layer, design) for layer in layers], config, np.random.default_rng(_check_seed(seed)),
                             progress=progress, cost_model=cost_model, optimizer=optimizer)
    slots = len(design.spatial_slots)
    mappings = {layer.name: result.best.mapping(i, slots) for i, layer in enumerate(layers)}
    evaluations = int(np.sum(result.evaluations_per_problem))
    cost = evaluate_network(net, design, mappings)
    if cost_model is None and config.naas_model:
        mappings, cost = _no_worse_than_greedy(net, design, mappings, cost, config.objective)
        evaluations += len(layers)
    return MapResult(net, design, mappings, cost, evaluations, result.generations)


def _no_worse_than_greedy(net: Network, design: Accelerator, mappings: dict[str, Mapping], cost: NetworkCost,
                          objective: str) -> tuple[dict[str, Mapping], NetworkCost]:
    """Each layer's mapping (of ``cost``), or the greedy default's where its ``objective`` is
    lower; and their cost."""
    from naas.search.objective import layer_objective

    greedy = network_mappings(net, design)
    default = evaluate_network(net, design, greedy)

    def values(c: NetworkCost) -> np.ndarray:
        return layer_objective(objective, np.array([x.energy_pj for x in c.layers]),
                               np.array([x.latency_cycles for x in c.layers]), np.array([x.valid for x in c.layers]))

    use_greedy = values(default) < values(cost)
    picked = {name: greedy[name] if g else mappings[name] for name, g in zip(cost.layer_names, use_greedy)}
    layers = tuple(d if g else c for c, d, g in zip(cost.layers, default.layers, use_greedy))
    return picked, NetworkCost(cost.layer_names, cost.repeats, layers)


@dataclass(frozen=True)
class SearchResult:
    """The found design with every network's mappings and cost, and the baselines the search
    contains: the hand design (when the budget is a hand design's) and the sizing-only search
    on its connectivity."""

    design: Accelerator
    networks: list[Network]
    mappings: dict[str, dict[str, Mapping]]
    energy_pj: dict[str, float]
    latency_cycles: dict[str, float]
    fitness: float
    designs_scored: int
    evaluations: int
    seconds: float
    history: list[dict] = field(repr=False)
    sizing_only: Accelerator | None = None
    sizing_only_fitness: float | None = None
    #: every baseline's fitness by label (the hand design's only with ``baselines=True``)
    baselines: dict[str, float] = field(default_factory=dict)
    #: the searches as run (``naas.search.baselines.BaselinedSearch``: NAAS's own result, the
    #: baselines' scores, the sizing-only history), what ``naas search`` writes its folder from
    run: object = field(default=None, repr=False)

    def cost(self, network: str) -> NetworkCost:
        """The found design's per-layer cost on one of its networks."""
        net = next((n for n in self.networks if n.name == network), None)
        if net is None:
            raise NaasError(f"network: {network!r} is not one of {', '.join(n.name for n in self.networks)}")
        return evaluate_network(net, self.design, self.mappings[network])


@dataclass(frozen=True)
class SearchPlan:
    """An accelerator search's settings, every one checked (``plan_search``): what
    ``run_search`` runs. Planning first lets a caller refuse bad settings before it touches a
    results folder."""

    networks: tuple[Network, ...]
    space: object  # naas.search.arch_encoding.ArchSpace: the budget, the axes, the encoding
    config: object  # naas.search.arch_search.ArchSearchConfig
    hand: Accelerator | None  # the budget's hand design, if it is one's
    connectivity: str
    #: builds the connectivity search's explorer (None: ``ConnectivityExplorer``)
    explore: Callable | None = None


def plan_search(networks: list[Network | str] | Network | str, budget: Budget | Accelerator | str, *, seed: int = 0,
                generations: int = 20, popsize: int = 12, connectivity: str = "sweep", max_axes: int | None = None,
                objective: str = "edp", mapping: dict | None = None, optimizer: str = "cma", restarts: int = 0,
                encoding: str = "importance", scoring_patience: int | None = 10,
                explore: Callable | None = None) -> SearchPlan:
    """``search``'s settings checked into a ``SearchPlan`` (a ``NaasError`` naming the field
    otherwise); nothing is searched or written."""
    from naas.search.arch_encoding import ArchSpace
    from naas.search.arch_search import ArchSearchConfig
    from naas.search.baselines import CONNECTIVITY_SEARCHES
    from naas.search.mapping_settings import MappingSearchConfig

    nets = tuple(_network(n) for n in (networks if isinstance(networks, list) else [networks]))
    if len({n.name for n in nets}) != len(nets):
        raise NaasError("network: the same network is given twice; give each once")
    if connectivity not in CONNECTIVITY_SEARCHES:
        raise NaasError(f"connectivity: choose {' or '.join(CONNECTIVITY_SEARCHES)}, got {connectivity!r}")
    if explore is not None and not callable(explore):
        raise NaasError("explore: give a callable (ExplorationStart) -> ask/tell explorer, or None for the default")
    if explore is not None and connectivity != "sweep":
        raise NaasError(f"explore: only the connectivity search explores; set connectivity='sweep' (got {connectivity!r}) "
                        "or leave explore out")
    spent = _budget(budget)
    hand = hand_design(spent)
    config = ArchSearchConfig(popsize=popsize, generations=generations, restarts=restarts, seed=_check_seed(seed),
                              objective=objective, mapping=MappingSearchConfig(**(mapping or {})), optimizer=optimizer,
                              scoring_patience=scoring_patience)
    space = ArchSpace(spent, max_axes=search_axes(hand, max_axes), encoding=encoding)
    return SearchPlan(nets, space, config, hand, connectivity, explore)


def run_search(plan: SearchPlan, *, executor=None, out: str | Path | None = None, progress=None,
               baselines: bool = False, sizing_baseline: bool | None = None, progress_by_search=None) -> SearchResult:
    """Runs a ``plan_search`` plan; the arguments are ``search``'s."""
    from naas.search.baselines import search_with_baselines, sizing_label

    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
    if progress_by_search is None and progress is not None:
        # a fresh wrapper per search: the caller's callable is never closed
        def progress_by_search(search):
            return lambda record: progress(record)

    # the connectivity search's base is the sizing-only search: reported at no cost
    if sizing_baseline is None:
        sizing_baseline = baselines or plan.connectivity == "sweep"
    nets, hand = list(plan.networks), plan.hand
    run = search_with_baselines(nets, plan.space, plan.config, hand, connectivity=plan.connectivity,
                                score_hand=baselines, sizing_baseline=sizing_baseline, executor=executor, out=out,
                                resume=out is not None and (Path(out) / "checkpoint-naas.json").exists(),
                                progress=progress_by_search, explore=plan.explore)
    best, result = run.result.best, run.result
    sizing = None if hand is None else run.baselines.get(sizing_label(hand))
    return SearchResult(best.design, nets, best.mappings, best.energy_pj, best.latency_cycles, best.fitness,
                        result.designs_scored, result.evaluations, result.seconds, result.history,
                        None if sizing is None else sizing.design, None if sizing is None else sizing.fitness,
                        {label: score.fitness for label, score in run.baselines.items()}, run)


def search(networks: list[Network | str] | Network | str, budget: Budget | Accelerator | str, *, seed: int = 0,
           generations: int = 20, popsize: int = 12, connectivity: str = "sweep", max_axes: int | None = None,
           objective: str = "edp", mapping: dict | None = None, executor=None, out: str | Path | None = None,
           progress=None, baselines: bool = False, optimizer: str = "cma", restarts: int = 0,
           encoding: str = "importance", sizing_baseline: bool | None = None,
           progress_by_search=None, scoring_patience: int | None = 10,
           explore: Callable | None = None) -> SearchResult:
    """NAAS: a design under ``budget`` and every layer's mapping, minimising the geometric mean
    of the networks' ``objective``. ``connectivity``: "sweep" (the connectivity search, never
    worse than sizing-only) or "es" (the paper's joint CMA-ES). ``mapping``: fields of
    ``MappingSearchConfig``. ``out``: a folder for checkpoints (a search run again with the
    same settings continues from them). ``progress``: called with every generation's record.
    ``baselines``: also score the hand design and, under "es", run the sizing-only search
    (under "sweep" it is the connectivity search's base and always reported). ``optimizer``:
    the accelerator level's, by its ``naas.search.optimizer`` name ("cma", "random" or one
    registered); the connectivity search's sizing searches run it too. ``restarts``: re-runs
    of the outer CMA-ES (``ArchSearchConfig.restarts``); ``encoding``: "importance" or "index"
    (the paper's ablation, both levels); ``sizing_baseline``: run (or report) the sizing-only
    search (default: with ``baselines`` or under "sweep"). ``scoring_patience``: the
    mapping searches that score designs while it explores stop after this many generations
    without progress, and its best designs are re-mapped at the full patience at the end
    (``ArchSearchConfig.scoring_patience``, whose default this is; None: explore at the full
    patience, about 1.5x the time). ``explore``: the connectivity search's explorer, a callable
    taking a ``naas.ExplorationStart`` and giving an ask/tell optimiser of trials
    (``naas.search.connectivity_explorer``; None: ``naas.ConnectivityExplorer``, sweeps and
    successive halving). ``progress_by_search``: for one
    display per search, called with its name ("naas", "sizing-only") for its per-record
    callable (closed with ``close()`` when the search ends, if it has one); instead of
    ``progress``. The same as ``run_search(plan_search(...), ...)``."""
    plan = plan_search(networks, budget, seed=seed, generations=generations, popsize=popsize,
                       connectivity=connectivity, max_axes=max_axes, objective=objective, mapping=mapping,
                       optimizer=optimizer, restarts=restarts, encoding=encoding,
                       scoring_patience=scoring_patience, explore=explore)
    return run_search(plan, executor=executor, out=out, progress=progress, baselines=baselines,
                      sizing_baseline=sizing_baseline, progress_by_search=progress_by_search)


@dataclass(frozen=True)
class CoSearchPlan:
    """A co-search's settings, every one checked (``plan_cosearch``): what ``run_cosearch``
    runs."""

    space: str  # the network space's name
    arch_space: object  # naas.search.arch_encoding.ArchSpace
    predictor: object
    config: object  # naas.nas.cosearch.CoSearchConfig
    hand: Accelerator | None
    method: str
    start_network: object | None
    nested: object  # naas.nas.nested.NestedConfig: the predictor screen's size among its settings


def plan_cosearch(space: str, budget: Budget | Accelerator | str, predictor, *, accuracy_floor: float | None = None,
                  edp_budget: float | None = None, seed: int = 0, generations: int = 10, popsize: int = 12,
                  method: str = "nested", arch_generations: int = 20, arch_popsize: int = 12,
                  mapping: dict | None = None, start_network=None, optimizer: str = "cma",
                  max_axes: int | None = None, screen_generations: int | None = None) -> CoSearchPlan:
    """``cosearch``'s settings checked into a ``CoSearchPlan`` (the predictor against the
    space included); nothing is searched."""
    from naas.nas.cosearch import CoSearchConfig, network_space_for
    from naas.nas.nested import NestedConfig
    from naas.nas.screen import ScreenConfig
    from naas.search.arch_encoding import ArchSpace
    from naas.search.arch_search import ArchSearchConfig
    from naas.search.mapping_search import MappingSearchConfig

    if method not in ("nested", "joint"):
        raise NaasError(f"method: choose nested or joint, got {method!r}")
    nets, _ = network_space_for(space, predictor)
    if start_network is not None and (method != "nested" or not isinstance(start_network, nets.config_type)):
        raise NaasError(f"start_network: give a {nets.config_type.__name__} of the {space} space, with "
                        "method='nested'")
    spent = _budget(budget)
    hand = hand_design(spent)
    config = CoSearchConfig(popsize=popsize, generations=generations, seed=_check_seed(seed),
                            accuracy_floor=accuracy_floor, edp_budget=edp_budget, optimizer=optimizer,
                            inner=ArchSearchConfig(popsize=arch_popsize, generations=arch_generations,
                                                   mapping=MappingSearchConfig(**(mapping or {})), optimizer=optimizer))
    nested = NestedConfig() if screen_generations is None else NestedConfig(screen=ScreenConfig(screen_generations))
    return CoSearchPlan(space, ArchSpace(spent, max_axes=search_axes(hand, max_axes)), predictor, config, hand,
                        method, start_network, nested)


def run_cosearch(plan: CoSearchPlan, progress=None):
    """Runs a ``plan_cosearch`` plan; ``progress`` as ``cosearch``'s."""
    from naas.nas.cosearch import cosearch as joint_cosearch
    from naas.nas.nested import nested_cosearch

    if plan.method == "nested":
        return nested_cosearch(plan.arch_space, plan.predictor, plan.config, progress, plan.space,
                               None if plan.hand is None else plan.hand.connectivity,
                               () if plan.hand is None else (plan.hand,), start_network=plan.start_network,
                               nested=plan.nested)
    return joint_cosearch(plan.arch_space, plan.predictor, plan.config, progress, network_space=plan.space)


def cosearch(space: str, budget: Budget | Accelerator | str, predictor, *, accuracy_floor: float | None = None,
             edp_budget: float | None = None, seed: int = 0, generations: int = 10, popsize: int = 12,
             method: str = "nested", arch_generations: int = 20, arch_popsize: int = 12, mapping: dict | None = None,
             start_network=None, progress=None, optimizer: str = "cma", max_axes: int | None = None,
             screen_generations: int | None = None):
    """The network level: a once-for-all sub-network of ``space`` ("ofa-mbv3" or
    "ofa-resnet50"), its accelerator and mappings; ``predictor`` is an accuracy predictor
    (``naas.nas.predictors``: ``OFAMLPPredictor.load(path)``, ``CallablePredictor``, ...).
    Returns ``naas.nas.cosearch.CoSearchResult``; its ``best`` carries the network, design,
    mappings and accuracy. ``start_network`` (nested only; a configuration of the space, e.g.
    ``naas.nas.ofa_resnet50.RESNET50``) is the first candidate and the network search's start.
    ``optimizer``: the network level's and the accelerator level's, by its
    ``naas.search.optimizer`` name. ``max_axes``: the most array axes a design may have
    (default: the budget's hand design's, at least 2). ``screen_generations``: the nested
    search's predictor screen under an accuracy floor (``naas.nas.screen``; 16 predictor calls
    each; 0: none; default ``ScreenConfig``'s). The same as ``run_cosearch(plan_cosearch(...), progress)``."""
    return run_cosearch(plan_cosearch(space, budget, predictor, accuracy_floor=accuracy_floor, edp_budget=edp_budget,
                                      seed=seed, generations=generations, popsize=popsize, method=method,
                                      arch_generations=arch_generations, arch_popsize=arch_popsize, mapping=mapping,
                                      start_network=start_network, optimizer=optimizer, max_axes=max_axes,
                                      screen_generations=screen_generations),
                        progress)


#: the peers ``export`` writes for: Timeloop's v0.4 format (timeloopfe), its v0.3 format (Timeloop
#: v3 / Accelergy 0.3), ZigZag 3.9
EXPORT_FORMATS = ("timeloop", "timeloop-v3", "zigzag")


@dataclass(frozen=True)
class Export:
    """What ``export`` wrote: the files, notes on them (a padded layer, a split fanout), naas's
    own cost of the exported design and mappings, and, after a rescore, the peer's per-layer
    ``{"layer", "energy_pj", "latency_cycles"}`` by layer name."""

    folder: Path
    to: str
    paths: list[Path]
    notes: list[str]
    cost: NetworkCost
    peer: dict[str, dict] | None = None


def export(network: Network | Layer | str, accelerator: Accelerator | str, folder: str | Path, *,
           to: str = "timeloop", mappings: dict[str, Mapping] | str | None = None, tables: str = "naas",
           rescore: bool = False) -> Export:
    """Write a design, a network and every layer's mapping (``default_mappings``) as a peer's
    input files into ``folder``; ``to`` is one of ``EXPORT_FORMATS``. ``tables`` (Timeloop):
    "naas" writes naas's energy and area tables, "accelergy" none, so Timeloop asks Accelergy.
    ``rescore`` runs the peer on the export (ZigZag, installed with ``.[zigzag]``; timeloop-model
    on PATH or ``$NAAS_TIMELOOP_MODEL`` for "timeloop-v3"). Nothing is written for settings
    or a mapping the peers would reject."""
    if to not in EXPORT_FORMATS:
        raise NaasError(f"to: choose one of {', '.join(EXPORT_FORMATS)}, got {to!r}")
    from naas.interop.timeloop import TABLES

    if tables not in TABLES:
        raise NaasError(f"tables: choose {' or '.join(TABLES)}, got {tables!r}")
    if tables != "naas" and not to.startswith("timeloop"):
        raise NaasError("tables: energy tables are for Timeloop; use them with --to timeloop or timeloop-v3")
    if rescore and to == "timeloop":
        raise NaasError("rescore: timeloop-model (Timeloop v3) reads the v0.3 format; use --to timeloop-v3 "
                        "(the v0.4 format runs through timeloopfe)")
    net, design = _network(network), _accelerator(accelerator)
    given = default_mappings(net, design, mappings)
    cost = evaluate_network(net, design, given)
    for name, layer_cost in zip(cost.layer_names, cost.layers):
        if not layer_cost.valid:
            raise NaasError(f"mapping {name}: {layer_cost.reason}; the peers would reject it too, so nothing was "
                            "exported")
    if to.startswith("timeloop"):
        from naas.interop.timeloop import export_timeloop

        paths, notes = export_timeloop(design, net, given, folder, version="0.3" if to == "timeloop-v3" else "0.4",
                                       tables=tables)
    else:
        from naas.interop.zigzag import export_zigzag

        paths, notes = export_zigzag(design, net, given, folder), []
    peer = None
    if rescore and to == "zigzag":
        from naas.interop.zigzag import rescore_in_zigzag

        peer = {r["layer"]: r for r in rescore_in_zigzag(folder)}
    elif rescore:
        from naas.interop.timeloop import safe_name
        from naas.interop.timeloop_run import rescore_export

        layers = [(nl.layer.name, safe_name(nl.layer.name)) for nl in net.layers]
        peer = {r["layer"]: r for r in rescore_export(folder, layers)}
    return Export(Path(folder), to, paths, notes, cost, peer)


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise NaasError(f"seed: must be a non-negative integer, got {seed!r}")
    return int(seed)


def load(path: str | Path) -> Accelerator | Network | dict[str, Mapping]:
    """A design, a network or a mappings file, told apart by its keys (``array``; ``layers`` as
    a list; ``layers`` as a name -> mapping table)."""
    data = read_yaml(path, "spec")
    if isinstance(data, dict) and "array" in data:
        return accelerator_from_dict(data, source=str(path))
    if isinstance(data, dict) and isinstance(data.get("layers"), list):
        return network_from_dict(data, source=str(path))
    if isinstance(data, dict) and isinstance(data.get("layers"), dict):
        return {str(name): mapping_from_dict(raw, f"mapping {name}") for name, raw in data["layers"].items()}
    raise NaasError(f"spec: {path} is not a design (array: [...]), a network (layers: [...]) or mappings "
                    "(layers: {name: mapping}); see docs/specs.md")


def save(spec: Accelerator | Network | dict[str, Mapping], path: str | Path) -> None:
    """Write a design, a network or a layer name -> mapping table as YAML that ``load`` (and
    the command line) reads back."""
    if isinstance(spec, Accelerator):
        save_accelerator(spec, path)
    elif isinstance(spec, Network):
        save_network(spec, path)
    elif isinstance(spec, dict) and all(isinstance(m, Mapping) for m in spec.values()):
        save_mappings(spec, path)
    else:
        raise NaasError(f"spec: save takes an Accelerator, a Network or a dict of Mappings, got {type(spec).__name__}")


__all__ = ["evaluate", "default_mappings", "map", "search", "plan_search", "run_search", "cosearch", "plan_cosearch",
           "run_cosearch", "export", "Export", "EXPORT_FORMATS", "load", "save", "MapResult", "SearchResult",
           "SearchPlan", "CoSearchPlan"]
