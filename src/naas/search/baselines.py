"""NAAS together with the searches it must not lose to: the hand design (its connectivity and
sizes, every layer's mapping searched; under the connectivity search, as that search scored it)
and the sizing-only search on the hand connectivity.

With the connectivity search (``connectivity="sweep"``) the sizing-only search is the base of
NAAS itself (same seed, same result), so it costs nothing more; with the paper's joint ES
(``"es"``) it runs after, on the same executor, with its own checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from naas.arch.spec import Accelerator
from naas.errors import NaasError
from naas.exec.executors import Executor
from naas.search.arch_encoding import ArchSpace
from naas.search.arch_search import ArchSearchConfig, ArchSearchResult, score_designs, search_accelerator
from naas.search.connectivity import design_identity
from naas.search.connectivity_search import ConnectivitySearchResult, search_connectivity
from naas.search.design_score import DesignScore
from naas.workload.network import Network

CONNECTIVITY_SEARCHES = ("sweep", "es")

#: ``progress(search)`` for search "naas" or "sizing-only" gives that search's per-record
#: callback (or None); one with a ``close()`` is closed when its search ends
ProgressFactory = Callable[[str], Callable[[dict], None] | None]


@dataclass
class BaselinedSearch:
    """NAAS's result, the baselines' scores by label (hand design first) and the sizing-only
    search's per-generation history (None without it)."""

    result: ArchSearchResult | ConnectivitySearchResult
    baselines: dict[str, DesignScore]
    sizing_history: list[dict] | None


def hand_label(hand: Accelerator) -> str:
    return f"{hand.name} (hand design, searched mappings)"


def sizing_label(hand: Accelerator) -> str:
    return f"sizing-only ({hand.name} connectivity)"


def search_with_baselines(networks: list[Network], space: ArchSpace, config: ArchSearchConfig,
                          hand: Accelerator | None, *, connectivity: str = "sweep", score_hand: bool = True,
                          sizing_baseline: bool = True, executor: Executor | None = None,
                          out: str | Path | None = None, resume: bool = False,
                          progress: ProgressFactory | None = None,
                          explore: Callable | None = None) -> BaselinedSearch:
    """NAAS on ``space`` and, where the budget is a hand design's (``hand``), its baselines.
    ``out``: the folder of the checkpoints (checkpoint-naas.json, checkpoint-sizing.json);
    ``resume`` continues the joint ES's from them (the connectivity search always does)."""
    if connectivity not in CONNECTIVITY_SEARCHES:
        raise NaasError(f"connectivity: choose {' or '.join(CONNECTIVITY_SEARCHES)}, got {connectivity!r}")
    baselines: dict[str, DesignScore] = {}

    def score_alone(design: Accelerator) -> DesignScore:
        return score_designs([design], networks, config, [(config.seed, 10**6)])[0]

    def checkpoint(name: str) -> Path | None:
        return None if out is None else Path(out) / f"checkpoint-{name}.json"

    sizing_history = None
    if connectivity == "sweep":
        result = _phase(progress, "naas", lambda shown: search_connectivity(
            networks, space, config, None if hand is None else hand.connectivity, () if hand is None else (hand,),
            shown, executor, checkpoint("naas"), explore))
        if hand is not None and score_hand:
            # the search's own score of the hand design, which its result never loses to (a second
            # inner search on another stream could land either side of it)
            scored = [s for s in result.known if design_identity(s.design) == design_identity(hand)]
            baselines[hand_label(hand)] = scored[0] if scored else score_alone(hand)
        if hand is not None and result.base is not None and sizing_baseline:
            baselines[sizing_label(hand)] = result.base.best
            sizing_history = result.base.history
        return BaselinedSearch(result, baselines, sizing_history)
    if hand is not None and score_hand:
        baselines[hand_label(hand)] = score_alone(hand)
    result = _phase(progress, "naas", lambda shown: search_accelerator(
        networks, space, config, shown, executor, checkpoint("naas"), resume=resume))
    if hand is not None and sizing_baseline and not result.interrupted:
        fixed = ArchSpace(space.budget, max_axes=len(hand.axes), encoding=space.encoding,
                          fixed_dataflow=hand.connectivity)
        sizing = _phase(progress, "sizing-only", lambda shown: search_accelerator(
            networks, fixed, config, shown, executor, checkpoint("sizing"), resume=resume))
        if sizing.interrupted:
            result.interrupted = True
        baselines[sizing_label(hand)] = sizing.best
        sizing_history = sizing.history
    return BaselinedSearch(result, baselines, sizing_history)


def _phase(progress: ProgressFactory | None, search: str, run):
    shown = None if progress is None else progress(search)
    try:
        return run(shown)
    finally:
        close = getattr(shown, "close", None)
        if close is not None:
            close()
