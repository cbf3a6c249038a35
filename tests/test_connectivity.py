"""The connectivity search: candidates, the never-worse-than-sizing-only guarantee, determinism
and resume."""

from dataclasses import replace

import numpy as np
import pytest

from naas.arch import Budget, baseline
from naas.errors import NaasError
from naas.exec.executors import InProcessExecutor, PoolExecutor
from naas.search.arch_encoding import ArchSpace, decode_accelerator
from naas.search.arch_search import ArchSearchConfig, search_accelerator
from naas.search.baselines import hand_label, search_with_baselines, sizing_label
from naas.search.connectivity import active_dims, canonical, design_identity, neighbours, ordered_tuples
from naas.search.connectivity_explorer import (
    ConnectivityExplorer,
    ExplorationStart,
    Trial,
    TrialOutcome,
    balanced,
    fresh,
    sweep_stream,
)
from naas.search.connectivity_search import EXPLORE_SHARE, phase_folder, search_connectivity
from naas.search.mapping_search import MappingSearchConfig
from naas.workload import zoo_network

NETS = [zoo_network("squeezenet")]
HAND = baseline("eyeriss")
SPACE = ArchSpace(Budget.of(HAND), max_axes=2)
START = tuple(a.parallel_dims for a in HAND.axes)
# designs scored at a patience of 3, the leaders re-mapped at the end
CONFIG = ArchSearchConfig(popsize=8, generations=14, seed=1, scoring_patience=3,
                          mapping=MappingSearchConfig(popsize=8, generations=10))


def _steps(history):
    return [{k: v for k, v in h.items() if k != "seconds"} for h in history]


def _key(result):
    best = result.best
    return best.fitness, best.design, best.mappings, _steps(result.history), result.evaluations


def test_neighbours_are_every_one_move_connectivity_written_out():
    moves = set(neighbours((("K",), ("C",)), ("K", "C", "P"), max_axes=2))
    assert moves == {
        (("P",), ("C",)), (("K", "P"), ("C",)),  # axis 0: replace K, add P
        (("K",), ("P",)), (("K",), ("C", "P")),  # axis 1: replace C, add P
        (("C",), ("K",)),                        # swap the axes (sizes stay in place)
        (("C",),), (("K",),),                    # drop an axis
    }
    # a several-dim axis also loses or hands over a dim; a third axis may be added
    moves = set(neighbours((("K", "C"), ("P",)), ("K", "C", "P", "Q"), max_axes=3))
    assert {(("C",), ("P",)), (("C",), ("K", "P")), (("K", "C"), ("P",), ("Q",))} <= moves
    assert (("K", "C"), ("P",)) not in moves


def test_candidates_use_only_dims_some_layer_needs():
    dims = active_dims([zoo_network("mobilenet_v2")])
    assert dims == ("K", "C", "P", "Q", "R", "S")  # N and G are 1 (G rides with C and K)
    assert len(ordered_tuples(dims, 2)) == 6 + 6 * 5
    assert canonical((("R", "K", "C"), ("P",))) == (("K", "C", "R"), ("P",))


def test_a_design_listed_with_its_axes_in_another_order_is_one_design():
    genes = [0.5] * 18
    a = decode_accelerator(genes, ArchSpace(SPACE.budget, fixed_dataflow=(("C",), ("K",))))
    b = replace(a, axes=tuple(reversed(a.axes)))
    assert a.dataflow != b.dataflow and design_identity(a) == design_identity(b)


def test_never_worse_than_sizing_only_at_most_half_again_its_designs():
    """The guarantee: the base of the search is the sizing-only search (same seed, same
    generations; it re-maps the sizing-only search's leaders too), and the exploration after it
    scores at most half as many designs again."""
    sizing = search_accelerator(NETS, ArchSpace(SPACE.budget, max_axes=2, fixed_dataflow=START), CONFIG)
    result = search_connectivity(NETS, SPACE, CONFIG, START, (HAND,))
    assert sizing.history[-1]["phase"] == "remap" and result.history[-1]["phase"] == "remap"
    assert _steps(result.base.history) == _steps(sizing.history[:-1])
    assert result.base.best.fitness == sizing.best.fitness and result.base.best.design == sizing.best.design
    assert result.best.fitness <= sizing.best.fitness
    assert result.designs_scored <= (1 + EXPLORE_SHARE) * sizing.designs_scored
    assert result.rounds, "the exploration ran"
    hand = next(h for h in result.history if h["phase"] == "known designs")
    assert hand["new_designs"] == 1 and result.best.fitness <= hand["generation_best"]


def test_the_hand_baseline_is_the_searchs_own_score_of_it():
    """The summary's hand-design row is the score the search itself gave the hand design, so
    NAAS's result never reads worse than it (a second search on another stream could)."""
    run = search_with_baselines(NETS, SPACE, CONFIG, HAND)
    hand = run.baselines[hand_label(HAND)]
    assert [hand] == run.result.known and hand.design == HAND
    assert run.result.best.fitness <= hand.fitness
    assert run.baselines[sizing_label(HAND)] is run.result.base.best


def test_the_exploration_leaves_a_poor_start_connectivity():
    poor = (("S",), ("R",))  # 3 x 3 at most on layers with 1 x 1 and 3 x 3 filters
    result = search_connectivity(NETS, SPACE, CONFIG, poor)
    assert result.best.fitness < 0.5 * result.base.best.fitness
    assert canonical(tuple(a.parallel_dims for a in result.best.design.axes)) != canonical(poor)


def test_without_a_hand_design_the_search_starts_from_the_best_swept_connectivity():
    result = search_connectivity(NETS, SPACE, replace(CONFIG, generations=3))
    assert result.history[0]["phase"] == "start sweep"
    # the centre of the size space splits its PEs 6 x 6: C6 x K6 is K6 x C6, so 6 one-axis and
    # 15 two-axis designs, not 6 + 30
    assert result.history[0]["new_designs"] == 6 + 15
    assert result.best.fitness <= result.base.best.fitness


def test_same_seed_same_result_on_a_pool():
    reference = search_connectivity(NETS, SPACE, CONFIG, START, executor=InProcessExecutor())
    pool = PoolExecutor(2)
    try:
        pooled = search_connectivity(NETS, SPACE, CONFIG, START, executor=pool)
    finally:
        pool.close()
    assert _key(pooled) == _key(reference)


@pytest.mark.parametrize("stop_at", ["base", "sweep 1", "refine 1.0"])
def test_an_interrupted_search_run_again_ends_like_an_uninterrupted_one(tmp_path, stop_at):
    reference = search_connectivity(NETS, SPACE, CONFIG, START)
    checkpoint = tmp_path / "checkpoint-naas.json"
    seen = []

    def stop(record):
        seen.append(record["phase"])
        if record["phase"].startswith(stop_at) and seen.count(record["phase"]) == 1 and record["generation"] >= 0:
            raise KeyboardInterrupt

    first = search_connectivity(NETS, SPACE, CONFIG, START, progress=stop, checkpoint=checkpoint)
    assert first.interrupted
    assert phase_folder(checkpoint).is_dir()
    resumed = search_connectivity(NETS, SPACE, CONFIG, START, checkpoint=checkpoint)
    assert not resumed.interrupted
    assert _key(resumed)[:3] == _key(reference)[:3]
    assert resumed.evaluations == reference.evaluations


def _start(designs_left=100):
    return ExplorationStart(START, np.full(18, 0.5), 1.0, set(), SPACE.budget, active_dims(NETS), 2, designs_left, 4, 0)


def test_the_explorer_asks_a_sweep_then_halving_and_moves_to_a_champion_that_wins():
    explorer = ConnectivityExplorer(_start())
    sweep = explorer.ask()
    assert sweep and all(t.generations == 0 and t.design is not None for t in sweep)
    assert len(sweep) <= 100 - 5 * 4  # the designs of one halving (3 searches of g, one of 2g) kept back
    with pytest.raises(NaasError, match="tell: give the trials of the last ask"):
        explorer.tell(list(reversed(sweep)), [TrialOutcome(2.0, None, 1)] * len(sweep))
    winner = 5
    explorer.tell(sweep, [TrialOutcome(0.5 if i == winner else 2.0, None, 1) for i in range(len(sweep))])
    rung0 = explorer.ask()
    g = (100 - len(sweep)) // 20
    assert len(rung0) == 3 and {t.generations for t in rung0} == {g}
    assert rung0[0].connectivity == sweep[winner].connectivity and rung0[0].genes is sweep[winner].genes
    refined = np.full(18, 0.25)
    explorer.tell(rung0, [TrialOutcome(0.6, None, 4 * g), TrialOutcome(0.4, refined, 4 * g), TrialOutcome(0.9, None, 0)])
    (rung1,) = explorer.ask()
    assert rung1.connectivity == rung0[1].connectivity and rung1.generations == 2 * g and rung1.genes is refined
    assert not explorer.stop
    explorer.tell([rung1], [TrialOutcome(0.3, refined, 8 * g)])
    assert explorer.rounds[0]["champion"] == rung0[1].connectivity and explorer.incumbent == rung0[1].connectivity
    assert explorer.result.f == 0.3
    assert explorer.ask()[0].phase == "sweep 2"  # a new round around the champion


def test_the_explorer_stops_when_the_champion_does_not_beat_the_incumbent():
    explorer = ConnectivityExplorer(_start(designs_left=30))  # one sweep, no halving: g = 0
    sweep = explorer.ask()
    explorer.tell(sweep, [TrialOutcome(1.5, None, 1)] * len(sweep))
    assert explorer.stop and explorer.ask() == [] and explorer.rounds[0]["rung_generations"] == 0
    assert explorer.result.f == 1.0 and explorer.incumbent == START


class _Greedy:
    """An explorer of one's own that never stops: five designs around the start at a time."""

    def __init__(self, start):
        connectivities = [*neighbours(start.connectivity, start.dims, start.max_axes),
                          *ordered_tuples(start.dims, start.max_axes)]
        self.pool = fresh([(c, genes) for genes in (start.genes, balanced(start.genes)) for c in connectivities],
                          start.budget, start.seen)
        self.seed, self.asked = start.seed, 0

    def ask(self):
        batch = self.pool[self.asked:self.asked + 5]
        trials = [Trial("greedy", f"greedy{self.asked}", c, genes, sweep_stream(self.seed, 1, self.asked + i), design)
                  for i, (c, design, genes) in enumerate(batch)]
        self.asked += len(batch)
        return trials

    def tell(self, trials, outcomes):
        pass

    stop = False
    result = None


def test_a_users_explorer_runs_in_the_loop_and_no_batch_starts_once_the_designs_are_spent():
    result = search_connectivity(NETS, SPACE, CONFIG, START, explore=_Greedy)
    allowed = result.base.designs_scored + int(EXPLORE_SHARE * result.base.designs_scored)
    greedy = [h for h in result.history if h["phase"] == "greedy"]
    assert greedy and all(h["new_designs"] <= 5 for h in greedy)
    assert allowed <= result.designs_scored < allowed + 5  # the pool outlasts the designs left
    assert result.rounds == [] and result.best.fitness <= result.base.best.fitness
