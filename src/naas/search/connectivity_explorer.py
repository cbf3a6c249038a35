"""The connectivity search's categorical part as an ask/tell optimiser: sweeps around an
incumbent connectivity and successive halving of the best swept ones.

Each ``ask`` gives a batch of ``Trial`` s: either sweep points (designs scored as they are, one
batch) or warm-started sizing searches (one after the other); each ``tell`` takes their
``TrialOutcome`` s: the fitness each reached, the genes it reached it at and the designs it
scored, which the exploration's design budget counts. ``naas.search.optimizer.evolve`` drives it
like the gene-space optimisers, and ``naas.search.connectivity_search`` scores its trials.

A round: at the incumbent's sizes, and at those sizes with the PEs split evenly over the axes
(``balanced``), every connectivity one move from the incumbent's (``connectivity.neighbours``)
and every ordered one-dim-per-axis connectivity of up to two axes is swept, a design met
before skipped. The best ``SURVIVORS`` distinct swept connectivities each get a sizing search
of g generations warm-started at their genes (step size ``REFINE_SIGMA``), the best of them 2g
more; if that one beats the incumbent it becomes the incumbent and a new round starts, while
designs remain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from naas.arch.budget import Budget
from naas.arch.spec import Accelerator
from naas.errors import NaasError
from naas.search.arch_encoding import SHAPE_GENES, ArchSpace, decode_accelerator
from naas.search.connectivity import Connectivity, canonical, design_identity, neighbours, ordered_tuples
from naas.search.optimizer import OptimizerResult

#: swept connectivities that get a warm-started sizing search
SURVIVORS = 3
#: step size of the warm-started sizing searches (genes in [0, 1]; the base starts at 0.3)
REFINE_SIGMA = 0.1
#: rounds at most (each: a sweep and two rungs of halving)
MAX_ROUNDS = 99


def sweep_stream(seed: int, round_: int, i: int) -> tuple[int, ...]:
    """The inner-search stream of sweep point ``i`` of round ``round_`` (0: the sweeps before
    the exploration). The ES's streams are (seed, generation, i) and (seed, run, generation, i):
    a 3-tuple led by 10**6 + round never meets them."""
    return (seed, 10**6 + 1 + round_, i)


def _refine_seed(seed: int, round_: int, rung: int, j: int) -> int:
    return int(np.random.SeedSequence([seed, 7, round_, rung, j]).generate_state(1)[0])


def balanced(genes: np.ndarray) -> np.ndarray:
    """``genes`` with the PEs split evenly over the axes (the shape genes at their centre): an
    incumbent whose sizes put nearly every PE on one axis would otherwise judge every two-axis
    connectivity as a one-axis array."""
    out = np.array(genes, dtype=np.float64)
    out[SHAPE_GENES] = 0.5
    return out


def fresh(candidates: list[tuple[Connectivity, np.ndarray]], budget: Budget,
          seen: set) -> list[tuple[Connectivity, Accelerator, np.ndarray]]:
    """The (connectivity, genes) candidates with their designs, those not yet in ``seen``
    (which they join)."""
    out = []
    for c, genes in candidates:
        design = decode_accelerator(genes, ArchSpace(budget, fixed_dataflow=c))
        identity = design_identity(design)
        if identity not in seen:
            seen.add(identity)
            out.append((c, design, genes))
    return out


@dataclass(frozen=True)
class ExplorationStart:
    """Where an exploration starts: the incumbent ``connectivity``, whose design at ``genes``
    has ``fitness``; ``seen`` the identities (``connectivity.design_identity``) of the designs
    already scored, never to be swept again (an explorer adds those it asks for);
    ``designs_left`` how many designs its trials may score; ``popsize`` the designs per
    generation of its sizing searches; ``dims`` and ``max_axes`` the connectivities it may try;
    ``seed`` the search's seed."""

    connectivity: Connectivity
    genes: np.ndarray
    fitness: float
    seen: set
    budget: Budget
    dims: tuple[str, ...]
    max_axes: int
    designs_left: int
    popsize: int
    seed: int


@dataclass(frozen=True, eq=False)
class Trial:
    """One thing to score. A sweep point (``generations`` 0): ``design``, decoded from
    ``genes`` on ``connectivity``, scored as it is on inner-search stream ``seed``. Otherwise a
    sizing search on ``connectivity`` of ``generations`` generations of ``popsize`` designs,
    started at ``genes`` with step size ``sigma0`` and seeded ``seed``. ``phase`` names it in a
    search's history, ``name`` in its checkpoint folder (a sweep's points share both)."""

    phase: str
    name: str
    connectivity: Connectivity
    genes: np.ndarray
    seed: int | tuple[int, ...]
    design: Accelerator | None = None
    generations: int = 0
    popsize: int = 0
    sigma0: float = REFINE_SIGMA


@dataclass(frozen=True)
class TrialOutcome:
    """What a trial reached: its best ``fitness`` (``arch_search.area_fitness``), the genes of
    that design (None where a sizing search has none to give: the trial's own genes stand), and
    how many designs it scored."""

    fitness: float
    genes: np.ndarray | None
    designs: int


class ConnectivityExplorer:
    """Sweeps and successive halving (module docstring) from ``start``: the default explorer of
    the connectivity search, which takes any ask/tell optimiser of trials built from an
    ``ExplorationStart``."""

    def __init__(self, start: ExplorationStart) -> None:
        self.start = start
        self.designs_left = start.designs_left
        self.incumbent, self.fitness = start.connectivity, start.fitness
        self.genes = np.asarray(start.genes, dtype=np.float64)
        #: per round: the incumbent, how many designs it swept, the survivors, the generations
        #: each survivor's first sizing search got and the round's champion
        self.rounds: list[dict] = []
        self._told = 0
        self._asked: list[Trial] | None = None
        self._steps = self._explore()
        self._next = self._advance(None)

    def _advance(self, outcomes: list[TrialOutcome] | None) -> list[Trial] | None:
        try:
            return next(self._steps) if outcomes is None else self._steps.send(outcomes)
        except StopIteration:
            return None

    def ask(self) -> list[Trial]:
        """The next batch of trials (empty once ``stop``)."""
        self._asked = self._next or []
        return self._asked

    def tell(self, trials: list[Trial], outcomes: list[TrialOutcome]) -> None:
        """The outcomes of the last ask's trials, in order; an interrupted search may give
        fewer (the first ones), and the trials without one count as not run."""
        if self._asked is None or len(trials) != len(self._asked) or any(
                t is not a for t, a in zip(trials, self._asked)):
            raise NaasError("tell: give the trials of the last ask(), unchanged and in its order")
        if len(outcomes) > len(trials):
            raise NaasError(f"tell: at most one outcome per trial ({len(trials)}), got {len(outcomes)}")
        self._asked = None
        self._told += len(outcomes)
        self.designs_left -= sum(o.designs for o in outcomes)
        self._next = self._advance(list(outcomes))

    @property
    def stop(self) -> bool:
        """True once no round is left: the last champion did not beat the incumbent, or the
        designs are spent."""
        return self._next is None

    @property
    def result(self) -> OptimizerResult:
        """The incumbent's genes and fitness (its connectivity is ``incumbent``), and the
        trials told."""
        return OptimizerResult(self.genes, self.fitness, self._told)

    def _explore(self) -> Iterator[list[Trial]]:
        start = self.start
        unit = (SURVIVORS + 2) * start.popsize  # SURVIVORS searches of g generations, one of 2g
        for round_ in range(1, MAX_ROUNDS + 1):
            # one move from the incumbent first, at its sizes and at an even split of its PEs: a
            # sweep cut to fit the designs left keeps those
            near = neighbours(self.incumbent, start.dims, start.max_axes)
            pairs = [c for c in ordered_tuples(start.dims, start.max_axes) if canonical(c) != canonical(self.incumbent)]
            even = balanced(self.genes)
            candidates = fresh([*((c, self.genes) for c in near), *((c, even) for c in [*near, self.incumbent]),
                                *((c, even) for c in pairs), *((c, self.genes) for c in pairs)], start.budget, start.seen)
            left = self.designs_left
            candidates = candidates[:max(0, min(len(candidates), max(left // 2, left - unit)))]
            if not candidates:
                return
            outcomes = yield [Trial(f"sweep {round_}", f"sweep{round_}", c, at, sweep_stream(start.seed, round_, i),
                                    design) for i, (c, design, at) in enumerate(candidates)]
            alive: list[tuple[Connectivity, float, np.ndarray]] = []
            for i in np.argsort([o.fitness for o in outcomes], kind="stable"):
                c = candidates[i][0]
                if len(alive) < SURVIVORS and all(canonical(c) != canonical(a) for a, _, _ in alive):
                    alive.append((c, outcomes[i].fitness, candidates[i][2]))
            g = self.designs_left // unit
            record = {"round": round_, "incumbent": self.incumbent, "swept": len(candidates),
                      "survivors": [c for c, _, _ in alive], "rung_generations": g, "champion": None}
            self.rounds.append(record)
            if g >= 1:
                for rung, size in enumerate((len(alive), 1)):
                    trials = [Trial(f"refine {round_}.{rung} {''.join(map(''.join, c))}", f"refine{round_}-{rung}-{j}",
                                    c, at, _refine_seed(start.seed, round_, rung, j), generations=g * (1 + rung),
                                    popsize=start.popsize) for j, (c, _, at) in enumerate(alive[:size])]
                    outcomes = (yield trials) if trials else []
                    refined = []
                    for (c, fitness, at), o in zip(alive, outcomes):
                        if o.fitness < fitness and o.genes is not None:
                            fitness, at = o.fitness, o.genes
                        refined.append((c, fitness, at))
                    alive = sorted(refined, key=lambda item: item[1])
            if not alive:
                return
            record["champion"] = alive[0][0]
            if alive[0][1] >= self.fitness:
                return
            self.incumbent, self.fitness, self.genes = alive[0]
