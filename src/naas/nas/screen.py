"""The predictor screen: a search over the network alone, on its predicted accuracy and its MACs
(no accelerator, no mapping), for the smallest network an accuracy floor admits.

A network's accuracy costs a predictor call (microseconds) where its EDP costs an accelerator
search (seconds), and under a floor the feasible region can be thin: in the ResNet-50 space the
published predictor reads ResNet-50's value only on a narrow shelf of networks (62 of 20,000
random ones), which the network ES of a co-search, at a few dozen candidates, does not find.
The screen spends thousands of predictor calls to find that shelf's smallest network, which the
nested co-search then starts from (``naas.nas.nested``). MACs stand in for EDP here only to pick
a start: every network the co-search keeps is still ranked by its EDP on its accelerator.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from naas.errors import NaasError
from naas.nas.predictors import AccuracyPredictor
from naas.search.objective import box_penalty
from naas.search.optimizer import evolve, optimizer_factory

#: fitness added per percentage point under the floor: any shortfall above a thousandth of a
#: point outweighs an e-fold in MACs, so the search keeps to the feasible side of the shelf.
_FLOOR_PENALTY = 1000.0


@dataclass(frozen=True)
class ScreenConfig:
    """``generations`` x ``popsize`` predictor calls at most (0 generations: no screen), from the
    start network with step size ``sigma0`` in the network's [0, 1] genes."""

    generations: int = 200
    popsize: int = 16
    sigma0: float = 0.2

    def __post_init__(self) -> None:
        if isinstance(self.generations, bool) or not isinstance(self.generations, int) or self.generations < 0:
            raise NaasError(f"screen generations: must be an integer >= 0 (0: no screen), got {self.generations!r}")
        if self.popsize < 2:
            raise NaasError(f"screen popsize: must be >= 2, got {self.popsize}")
        if not 0.0 < self.sigma0 <= 1.0:
            raise NaasError(f"screen sigma0: must be in (0, 1], got {self.sigma0}")


@dataclass(frozen=True)
class ScreenResult:
    """``best``: the feasible configuration with the fewest MACs seen (the start network when it
    is feasible and nothing smaller is), None when no configuration met the floor."""

    best: object | None
    macs: int
    accuracy: float
    networks: int  # distinct configurations the predictor scored
    seconds: float


def screen_network(nets, resolutions: tuple[int, ...], predictor: AccuracyPredictor, floor: float,
                   start: object, seed: int, config: ScreenConfig = ScreenConfig(),
                   optimizer: str = "cma") -> ScreenResult:
    """Minimise MACs subject to predicted accuracy >= ``floor`` over the network space ``nets``
    (``naas.nas.cosearch.NetworkSpace``), starting at the configuration ``start``. Same seed,
    same result."""
    begin = time.perf_counter()
    macs: dict[object, int] = {}
    accuracy: dict[object, float] = {}
    chosen = None

    def assess(configs: list) -> None:
        nonlocal chosen
        fresh = list(dict.fromkeys(c for c in configs if c not in macs))
        if not fresh:
            return
        for c, a in zip(fresh, predictor.predict(fresh)):
            macs[c], accuracy[c] = nets.build(c).macs, float(a)
            if accuracy[c] >= floor and (chosen is None or macs[c] < macs[chosen]):
                chosen = c

    def score(raw: np.ndarray, generation: int) -> np.ndarray:
        clipped = np.clip(raw, 0.0, 1.0)
        configs = [nets.decode(g, resolutions) for g in clipped]
        assess(configs)
        values = [math.log(macs[c]) + _FLOOR_PENALTY * max(0.0, floor - accuracy[c]) for c in configs]
        return np.array(values) + box_penalty(raw, clipped)

    assess([start])
    if config.generations:
        search = optimizer_factory(optimizer)(nets.encode(start, resolutions), config.sigma0,
                                              np.random.default_rng(seed), config.popsize)
        evolve(search, score, config.generations)
    return ScreenResult(chosen, macs[chosen] if chosen is not None else 0,
                        accuracy[chosen] if chosen is not None else math.nan, len(macs),
                        time.perf_counter() - begin)
