"""The ask/tell optimiser every search level drives, and the one evolution loop that drives it.

An ``Optimizer`` minimises over real vectors (the encodings' genes, meant for [0, 1]^n;
candidates outside are clipped by the caller, which adds ``objective.box_penalty``):
``ask()`` gives a generation of candidates (popsize, n), ``tell(x, f)`` takes those same
candidates with their values, ``stop`` says it has converged, and ``result`` is the best seen.
``CMA`` (CMA-ES, the default of every level) and ``RandomSearch`` implement it; a user's own
plugs in by name (``register_optimizer``), so that a search's settings, its checkpoint fingerprint
included, name it. ``evolve`` is the loop: ask, score, tell, report, until the generations
are spent or the optimiser stops. The connectivity search's categorical part is an optimiser
of the same shape over another kind of candidate: it asks for trials (connectivities to sweep or
to refine by a sizing search) and is told their outcomes
(``naas.search.connectivity_explorer``).

The mapping level's default (CMA-ES over the numba cost model) runs this loop fused into one
compiled call over all layers (``naas.search.compiled_search``); any other optimiser or cost
model runs it through ``evolve`` (``naas.search.generic_mapping_search``), and so does the torch
device search, all layers at once (``BatchedCMAOptimizer``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, runtime_checkable

import numpy as np

from naas.errors import NaasError
from naas.registry import Registry
from naas.search.cmaes import BatchedCMA


@dataclass(frozen=True)
class OptimizerResult:
    """The best candidate told so far (None before any tell), its value and how many were told."""

    x: np.ndarray | None
    f: float
    evaluations: int


@runtime_checkable
class Optimizer(Protocol):
    """What a search level needs of an optimiser (minimisation)."""

    def ask(self) -> np.ndarray:
        """The next generation's candidates, (popsize, n)."""
        ...

    def tell(self, x: np.ndarray, f: np.ndarray) -> None:
        """The values (popsize,) of the candidates ``x`` of the last ``ask``."""
        ...

    @property
    def stop(self) -> bool:
        """True once asking more is pointless."""
        ...

    @property
    def result(self) -> OptimizerResult:
        ...


#: Builds an optimiser: (start mean (n,), initial step size, random generator, popsize).
OptimizerFactory = Callable[[np.ndarray, float, np.random.Generator, int], Optimizer]


class _Best:
    """The best candidate told, kept by every optimiser here the same way."""

    def __init__(self) -> None:
        self.x: np.ndarray | None = None
        self.f = np.inf
        self.evaluations = 0

    def offer(self, x: np.ndarray, f: np.ndarray) -> None:
        self.evaluations += len(f)
        i = int(np.argmin(f))
        if self.x is None or f[i] < self.f:
            self.x, self.f = np.array(x[i]), float(f[i])

    def result(self) -> OptimizerResult:
        return OptimizerResult(self.x, self.f, self.evaluations)


def _check_told(asked: np.ndarray | None, x: np.ndarray, f: np.ndarray) -> None:
    if asked is None:
        raise NaasError("tell: no candidates were asked for; call ask() first")
    if x is not asked and (np.shape(x) != asked.shape or not np.array_equal(x, asked)):
        raise NaasError("tell: give the candidates of the last ask(), unchanged and in its order")
    if np.shape(f) != (asked.shape[0],):
        raise NaasError(f"tell: {asked.shape[0]} values needed, one per candidate, got shape {np.shape(f)}")


class _AskTell:
    """What the optimisers here share: the candidates of the last ask (a tell must give them
    back, checked), the best told (``_Best``) as the result, and no stopping rule of their own.
    Each says what a tell teaches it in ``_learn``."""

    def __init__(self) -> None:
        self._asked = None
        self._best = _Best()

    def tell(self, x: np.ndarray, f: np.ndarray) -> None:
        f = np.asarray(f, dtype=np.float64)
        _check_told(self._asked, x, f)
        self._learn(f)
        self._best.offer(self._asked, f)
        self._asked = None

    def _learn(self, f: np.ndarray) -> None:
        """What the values ``f`` of the last ask change in the optimiser (nothing, here)."""

    @property
    def stop(self) -> bool:
        return False

    @property
    def result(self) -> OptimizerResult:
        return self._best.result()


class CMA(_AskTell):
    """CMA-ES (``naas.search.cmaes``, Hansen's defaults) as an ``Optimizer``; ``stop`` once
    every coordinate's step is below ``tol_x`` (pycma's tolx)."""

    def __init__(self, es: BatchedCMA, tol_x: float = 1e-11) -> None:
        if es.shape[0] != 1:
            raise ValueError("CMA optimises one problem; BatchedCMA runs many")
        super().__init__()
        self.es = es
        self.tol_x = tol_x

    @classmethod
    def start(cls, mean: np.ndarray, sigma: float, rng: np.random.Generator, popsize: int,
              separable: bool = False) -> "CMA":
        return cls(BatchedCMA.start(np.asarray(mean, dtype=np.float64)[None, :], sigma, [rng], popsize, separable))

    def ask(self) -> np.ndarray:
        self._asked = self.es.ask()[0]
        return self._asked

    def _learn(self, f: np.ndarray) -> None:
        self.es.tell(f[None, :])

    @property
    def stop(self) -> bool:
        spread = self.es.sigma[0] * np.sqrt(np.max(np.diagonal(self.es.cov[0])))
        return bool(spread < self.tol_x)

    def state(self) -> dict:
        """The CMA-ES state a checkpoint keeps (``BatchedCMA.state``)."""
        return self.es.state()

    @classmethod
    def from_state(cls, state: dict) -> "CMA":
        return cls(BatchedCMA.from_state(state))


class BatchedCMAOptimizer(_AskTell):
    """K independent CMA-ES problems at once (``BatchedCMA``, numpy or torch on a device) in the
    same ask/tell shape, one more leading axis: ``ask()`` (K, popsize, n), ``tell(x, f)`` with f
    (K, popsize). The torch device search drives it with ``evolve``; its best per problem is the
    caller's to keep (``result`` counts what was told)."""

    def __init__(self, es: BatchedCMA) -> None:
        super().__init__()
        self.es = es

    def ask(self):
        self._asked = self.es.ask()
        return self._asked

    def tell(self, x, f) -> None:
        if self._asked is None or x is not self._asked:
            raise NaasError("tell: give the candidates of the last ask(), unchanged")
        self.es.tell(f)
        self._best.evaluations += int(f.shape[0] * f.shape[1])
        self._asked = None


class RandomSearch(_AskTell):
    """Uniform samples of [0, 1]^n, the baseline any optimiser should beat; never stops."""

    def __init__(self, n: int, rng: np.random.Generator, popsize: int) -> None:
        super().__init__()
        self.n, self.rng, self.popsize = n, rng, popsize

    @classmethod
    def start(cls, mean: np.ndarray, sigma: float, rng: np.random.Generator, popsize: int) -> "RandomSearch":
        return cls(len(mean), rng, popsize)

    def ask(self) -> np.ndarray:
        self._asked = self.rng.random((self.popsize, self.n))
        return self._asked


_OPTIMIZERS = Registry("optimizer", "(mean, sigma, rng, popsize) -> Optimizer",
                       {"cma": CMA.start, "random": RandomSearch.start}, "naas.register_optimizer")


def register_optimizer(name: str, factory: OptimizerFactory) -> None:
    """Make ``factory`` the optimiser called ``name`` in search settings (``ArchSearchConfig.optimizer``,
    ``naas.search(optimizer=...)``); registering a name again replaces it (a notebook cell run
    twice), except the built-in ones."""
    _OPTIMIZERS.register(name, factory)


def optimizer_factory(name: str) -> OptimizerFactory:
    """The factory registered as ``name``."""
    return _OPTIMIZERS.factory(name)


def evolve(optimizer: Optimizer, score: Callable[[np.ndarray, int], np.ndarray], generations: int,
           after: Callable[[int, np.ndarray, np.ndarray], None] | None = None, first: int = 0,
           until: Callable[[], bool] | None = None) -> OptimizerResult:
    """Generations ``first`` .. ``generations - 1``: ask, ``score(x, generation)`` (the values to
    tell, penalties included), tell, then ``after(generation, x, values)``; ends early once the
    optimiser stops or ``until()`` says so. Returns the optimiser's result."""
    for generation in range(first, generations):
        if optimizer.stop:
            break
        x = optimizer.ask()
        values = score(x, generation)
        optimizer.tell(x, values)
        if after is not None:
            after(generation, x, values)
        if until is not None and until():
            break
    return optimizer.result
