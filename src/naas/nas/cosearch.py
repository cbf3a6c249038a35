"""The network level of NAAS: one evolution strategy over a once-for-all network configuration
and an accelerator together, each candidate scored by its network's EDP on its accelerator
(every layer's mapping searched, as in the accelerator search) and by a predicted accuracy.

Objectives: minimise EDP under an accuracy floor (default), or maximise accuracy under an EDP
budget; every evaluated candidate also feeds the Pareto front of accuracy against EDP.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from naas.errors import NaasError
from naas.nas import ofa_mbv3, ofa_resnet50
from naas.nas.predictors import AccuracyPredictor
from naas.search.arch_encoding import GENES as ARCH_GENES
from naas.search.arch_encoding import ArchSpace, decode_accelerator
from naas.search.arch_search import ArchSearchConfig, design_key, score_pairs
from naas.search.design_score import DesignScore
from naas.search.objective import INFEASIBLE, box_penalty, check_search_sizes
from naas.search.optimizer import evolve, optimizer_factory
from naas.workload.network import Network

SLOTS = ofa_mbv3.STAGES * ofa_mbv3.MAX_DEPTH
NETWORK_GENES = 2 * SLOTS + ofa_mbv3.STAGES + 1
#: fitness added per percentage point of accuracy below the floor (or per e-fold over the EDP
#: budget). A smooth penalty gives CMA-ES a slope back to the feasible region; the reported best
#: is still ranked feasible-first (``rank``), since a finite penalty can let a slightly
#: infeasible candidate out-score a feasible one.
_PENALTY = 10.0


def _pick(gene: float, choices: tuple) -> object:
    return choices[min(len(choices) - 1, int(min(max(gene, 0.0), 1.0) * len(choices)))]


def decode_network(genes: np.ndarray, resolutions: tuple[int, ...] = ofa_mbv3.RESOLUTIONS,
                   width: float = 1.2) -> ofa_mbv3.MobileNetV3Config:
    """MobileNet-V3 genes: 20 kernels, 20 expand ratios, 5 depths, 1 resolution (one of
    ``resolutions``), in [0, 1]."""
    return ofa_mbv3.MobileNetV3Config(
        kernels=tuple(_pick(g, ofa_mbv3.KERNELS) for g in genes[:SLOTS]),
        expands=tuple(_pick(g, ofa_mbv3.EXPANDS) for g in genes[SLOTS:2 * SLOTS]),
        depths=tuple(_pick(g, ofa_mbv3.DEPTHS) for g in genes[2 * SLOTS:2 * SLOTS + ofa_mbv3.STAGES]),
        resolution=_pick(genes[-1], resolutions),
        width=width,
    )


def decode_resnet50(genes: np.ndarray,
                    resolutions: tuple[int, ...] = ofa_resnet50.RESOLUTIONS) -> ofa_resnet50.ResNet50Config:
    """ResNet-50 genes: 5 depths, 18 expand ratios, 6 width multipliers, 1 resolution (one of
    ``resolutions``)."""
    slots = ofa_resnet50.BLOCK_SLOTS
    return ofa_resnet50.ResNet50Config(
        depths=tuple(_pick(g, ofa_resnet50.EXTRA_DEPTHS) for g in genes[:5]),
        expands=tuple(_pick(g, ofa_resnet50.EXPANDS) for g in genes[5:5 + slots]),
        widths=tuple(_pick(g, ofa_resnet50.WIDTHS) for g in genes[5 + slots:11 + slots]),
        resolution=_pick(genes[11 + slots], resolutions),
    )


def _gene(value: object, choices: tuple) -> float:
    """The centre of the bin ``_pick`` reads as ``value`` (the nearest choice, for a
    resolution off the grid)."""
    if value not in choices:
        value = min(choices, key=lambda c: abs(c - value))
    return (choices.index(value) + 0.5) / len(choices)


def encode_network(config: ofa_mbv3.MobileNetV3Config,
                   resolutions: tuple[int, ...] = ofa_mbv3.RESOLUTIONS) -> np.ndarray:
    """The genes ``decode_network`` reads as ``config``."""
    return np.array([*(_gene(k, ofa_mbv3.KERNELS) for k in config.kernels),
                     *(_gene(e, ofa_mbv3.EXPANDS) for e in config.expands),
                     *(_gene(d, ofa_mbv3.DEPTHS) for d in config.depths), _gene(config.resolution, resolutions)])


def encode_resnet50(config: ofa_resnet50.ResNet50Config,
                    resolutions: tuple[int, ...] = ofa_resnet50.RESOLUTIONS) -> np.ndarray:
    """The genes ``decode_resnet50`` reads as ``config``."""
    return np.array([*(_gene(d, ofa_resnet50.EXTRA_DEPTHS) for d in config.depths),
                     *(_gene(e, ofa_resnet50.EXPANDS) for e in config.expands),
                     *(_gene(w, ofa_resnet50.WIDTHS) for w in config.widths), _gene(config.resolution, resolutions)])


@dataclass(frozen=True)
class NetworkSpace:
    """A once-for-all space: how many genes, its configurations' type, how they decode (onto a resolution grid, by
    default ``resolutions``) and encode, how a configuration builds."""

    name: str
    genes: int
    config_type: type
    decode: Callable[[np.ndarray, tuple[int, ...]], object]
    encode: Callable[[object, tuple[int, ...]], np.ndarray]
    build: Callable[[object], Network]
    resolutions: tuple[int, ...]


SPACES = {
    "ofa-mbv3": NetworkSpace("ofa-mbv3", NETWORK_GENES, ofa_mbv3.MobileNetV3Config, decode_network, encode_network,
                             ofa_mbv3.mobilenet_v3_network, ofa_mbv3.RESOLUTIONS),
    "ofa-resnet50": NetworkSpace("ofa-resnet50", 5 + ofa_resnet50.BLOCK_SLOTS + 6 + 1, ofa_resnet50.ResNet50Config,
                                 decode_resnet50, encode_resnet50, ofa_resnet50.resnet50_network, ofa_resnet50.RESOLUTIONS),
}


@dataclass(frozen=True)
class CoSearchConfig:
    popsize: int = 12
    generations: int = 10
    sigma0: float = 0.3
    seed: int = 0
    accuracy_floor: float | None = None
    edp_budget: float | None = None
    inner: ArchSearchConfig = field(default_factory=ArchSearchConfig)
    #: the network level's optimiser (``naas.search.optimizer``: "cma", "random" or one registered)
    optimizer: str = "cma"

    def __post_init__(self) -> None:
        optimizer_factory(self.optimizer)
        if (self.accuracy_floor is None) == (self.edp_budget is None):
            raise NaasError("cosearch: give exactly one of --accuracy-floor (minimise EDP) or --edp-budget "
                            "(maximise accuracy)")
        check_search_sizes("cosearch", self.popsize, self.generations, self.sigma0)


@dataclass(frozen=True)
class Candidate:
    config: object
    network: Network
    score: DesignScore
    accuracy: float

    @property
    def edp(self) -> float:
        name = self.network.name
        return self.score.energy_pj[name] * self.score.latency_cycles[name]


@dataclass
class CoSearchResult:
    best: Candidate
    front: list[Candidate]
    history: list[dict]
    evaluations: int
    seconds: float
    scored: int  # distinct (network, design) pairs whose mappings were searched; the rest hit the cache
    #: the best few designs found for the best network, best first (the nested search's final
    #: accelerator search; empty from the joint search)
    leaders: list[DesignScore] = field(default_factory=list)


def candidate_fitness(candidate: Candidate, config: CoSearchConfig) -> float:
    if not math.isfinite(candidate.edp):
        return INFEASIBLE
    if config.accuracy_floor is not None:
        return math.log(candidate.edp) + _PENALTY * max(0.0, config.accuracy_floor - candidate.accuracy)
    return -candidate.accuracy + _PENALTY * max(0.0, math.log(candidate.edp / config.edp_budget))


def is_feasible(candidate: Candidate, config: CoSearchConfig) -> bool:
    if config.accuracy_floor is not None:
        return candidate.accuracy >= config.accuracy_floor
    return candidate.edp <= config.edp_budget


def rank(candidate: Candidate, config: CoSearchConfig) -> tuple[bool, float]:
    return (not is_feasible(candidate, config), candidate_fitness(candidate, config))


def told_values(candidates: list[Candidate], config: CoSearchConfig, genes: np.ndarray,
                clipped: np.ndarray) -> np.ndarray:
    """What the optimiser is told of one generation's candidates: their fitness plus the box
    penalty of their ``genes``."""
    return np.array([candidate_fitness(c, config) for c in candidates]) + box_penalty(genes, clipped)


def best_of(candidates: list[Candidate], config: CoSearchConfig, best: Candidate | None) -> Candidate:
    """The best of ``candidates`` and ``best``, feasible first (``rank``)."""
    for c in candidates:
        if best is None or rank(c, config) < rank(best, config):
            best = c
    return best


def pareto_front(candidates: list[Candidate]) -> list[Candidate]:
    """Candidates no other beats on both accuracy (higher) and EDP (lower), by EDP."""
    ordered = sorted(candidates, key=lambda c: (c.edp, -c.accuracy))
    front, best_accuracy = [], -math.inf
    for c in ordered:
        if c.accuracy > best_accuracy:
            front.append(c)
            best_accuracy = c.accuracy
    return front


def network_space_for(name: str, predictor: AccuracyPredictor) -> tuple[NetworkSpace, tuple[int, ...]]:
    """The network space ``name`` and the resolutions a search of it uses with ``predictor``
    (the grid it was trained on, where it has one); refuses a predictor of another space."""
    if name not in SPACES:
        raise NaasError(f"space: unknown {name!r}; choose one of {', '.join(SPACES)}")
    nets = SPACES[name]
    predictor_space = getattr(predictor, "space", name)
    if predictor_space != name:
        raise NaasError(f"predictor: it predicts the {predictor_space} space, not {name}; "
                        f"give --space {predictor_space} or another predictor")
    return nets, getattr(predictor, "resolutions", None) or nets.resolutions


def cosearch(space: ArchSpace, predictor: AccuracyPredictor, config: CoSearchConfig,
             progress: Callable[[dict], None] | None = None, network_space: str = "ofa-mbv3") -> CoSearchResult:
    """Same seed, same result. Each generation scores its new (network, design) pairs. A
    predictor with a ``resolutions`` grid (what it was trained on) keeps the search to it."""
    nets, resolutions = network_space_for(network_space, predictor)
    start = time.perf_counter()
    optimizer = optimizer_factory(config.optimizer)(np.full(nets.genes + ARCH_GENES, 0.5), config.sigma0,
                                                    np.random.default_rng(config.seed), config.popsize)
    seen: dict[tuple, Candidate] = {}
    history: list[dict] = []
    evaluations, best, told = 0, None, []

    def score(genes: np.ndarray, generation: int) -> np.ndarray:
        nonlocal evaluations, told
        clipped = np.clip(genes, 0.0, 1.0)
        pairs = [(nets.decode(g[:nets.genes], resolutions), decode_accelerator(g[nets.genes:], space))
                 for g in clipped]
        keys = [(net_config, design_key(design)) for net_config, design in pairs]
        fresh = {}
        for i, key in enumerate(keys):
            if key not in seen and key not in fresh:
                fresh[key] = i
        if fresh:
            configs = [pairs[i][0] for i in fresh.values()]
            accuracies = predictor.predict(configs)
            networks = [nets.build(net_config) for net_config in configs]
            scores = score_pairs([(pairs[i][1], [network]) for i, network in zip(fresh.values(), networks)],
                                 config.inner, [(config.seed, generation, i) for i in fresh.values()])
            for key, net_config, network, s, accuracy in zip(fresh, configs, networks, scores, accuracies):
                evaluations += s.evaluations
                seen[key] = Candidate(net_config, network, s, float(accuracy))
        told = [seen[key] for key in keys]
        return told_values(told, config, genes, clipped)

    def after(generation: int, genes: np.ndarray, values: np.ndarray) -> None:
        nonlocal best
        best = best_of(told, config, best)
        record = {"generation": generation, "evaluations": evaluations, "seconds": time.perf_counter() - start,
                  "best_edp": best.edp, "best_accuracy": best.accuracy, "feasible": is_feasible(best, config)}
        history.append(record)
        if progress:
            progress(record)

    evolve(optimizer, score, config.generations, after)
    return CoSearchResult(best, pareto_front(list(seen.values())), history, evaluations,
                          time.perf_counter() - start, len(seen))
