"""The network level: co-search of an OFA MobileNet-V3 configuration, an accelerator and the
mappings, against a toy accuracy predictor (tests download nothing)."""

import json

import pytest

from naas.arch import parse_budget
from naas.cli import main
from naas.errors import NaasError
from naas.nas.cosearch import Candidate, CoSearchConfig, cosearch, pareto_front
from naas.nas.predictors import CallablePredictor
from naas.search.arch_encoding import ArchSpace
from naas.search.arch_search import ArchSearchConfig, score_designs
from naas.search.mapping_search import MappingSearchConfig

INNER = ArchSearchConfig(mapping=MappingSearchConfig(popsize=8, generations=12))


def toy_top1(config):
    """Deeper, wider, higher-resolution networks score higher: a stand-in for a predictor."""
    return 70 + 0.5 * sum(config.depths) + 0.3 * sum(config.expands) / 20 + (config.resolution - 128) / 32


PREDICTOR = CallablePredictor(toy_top1, "toy")
SPACE = ArchSpace(parse_budget("eyeriss"))


def test_accuracy_floor_is_met_and_the_search_is_reproducible():
    config = CoSearchConfig(popsize=6, generations=3, accuracy_floor=78.0, inner=INNER)
    a = cosearch(SPACE, PREDICTOR, config)
    b = cosearch(SPACE, PREDICTOR, config)
    assert a.best.accuracy >= 78.0 and a.history[-1]["feasible"]
    assert (a.best.edp, a.best.config, a.best.score.design) == (b.best.edp, b.best.config, b.best.score.design)
    assert parse_budget("eyeriss").violation(a.best.score.design) is None
    assert a.best.accuracy == pytest.approx(toy_top1(a.best.config))


def test_edp_budget_mode_maximises_accuracy_under_it():
    loose = CoSearchConfig(popsize=6, generations=3, edp_budget=1e18, inner=INNER)
    result = cosearch(SPACE, PREDICTOR, loose)
    assert result.best.edp <= 1e18
    assert all(c.accuracy <= result.best.accuracy or c.edp > 1e18 for c in result.front)


def test_pareto_front_keeps_only_non_dominated_points():
    class Fake(Candidate):
        def __init__(self, accuracy, edp):
            object.__setattr__(self, "accuracy", accuracy)
            object.__setattr__(self, "_edp", edp)

        @property
        def edp(self):
            return self._edp

    points = [Fake(70, 1.0), Fake(72, 2.0), Fake(71, 3.0), Fake(75, 5.0), Fake(74, 6.0)]
    assert [(p.accuracy, p.edp) for p in pareto_front(points)] == [(70, 1.0), (72, 2.0), (75, 5.0)]


def test_config_needs_exactly_one_goal():
    with pytest.raises(NaasError, match="exactly one of"):
        CoSearchConfig()
    with pytest.raises(NaasError, match="exactly one of"):
        CoSearchConfig(accuracy_floor=70.0, edp_budget=1e18)


def test_cli_cosearch_writes_what_evaluate_accepts(tmp_path, capsys):
    out = tmp_path / "cs"
    assert main(["cosearch", "--budget", "eyeriss", "--accuracy-floor", "77", "--accuracy",
                 "tests.test_cosearch:toy_top1", "--generations", "2", "--popsize", "4", "--map-generations", "12",
                 "--map-popsize", "8", "--arch-generations", "3", "--arch-popsize", "4", "--out", str(out),
                 "--quiet"]) == 0
    text = capsys.readouterr().out
    history = json.loads((out / "history.json").read_text())
    assert history[-1]["phase"] == "final accelerator search" and history[-1]["feasible"]
    assert "on that predictor's own scale (top-1 %); no ImageNet calibration is known for it" in text
    assert "predictor screen: " in text and "started the network search" in text
    front = json.loads((out / "front.json").read_text())
    assert front and all(a["edp_pj_cycles"] <= b["edp_pj_cycles"] and a["accuracy"] < b["accuracy"]
                         for a, b in zip(front, front[1:]))
    assert main(["evaluate", "--network", str(out / "network.yaml"), "--arch", str(out / "design.yaml"),
                 "--mapping", str(out / "mappings.yaml"), "--json", str(tmp_path / "e.json")]) == 0
    edp = json.loads((tmp_path / "e.json").read_text())["totals"]["edp_pj_cycles"]
    assert f"EDP {edp:.4e}" in text
    assert main(["cosearch", "--budget", "eyeriss", "--accuracy-floor", "77", "--accuracy", "x:y",
                 "--accuracy-table", "t.yaml", "--out", str(out)]) == 2
    assert "give one of --predictor, --accuracy or --accuracy-table" in capsys.readouterr().err
    assert main(["cosearch", "--budget", "eyeriss", "--accuracy-floor", "77", "--accuracy",
                 "tests.test_cosearch:toy_top1", "--out", str(out)]) == 2
    assert f"out: {out} holds an earlier search" in capsys.readouterr().err
    assert json.loads((out / "front.json").read_text()) == front


def resnet_top1(config):
    return 74 + sum(config.depths) / 2 + sum(config.widths) + (config.resolution - 128) / 48


def test_resnet50_space_cosearch_runs_through_the_cli(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["cosearch", "--space", "ofa-resnet50", "--budget", "nvdla256", "--accuracy-floor", "80",
                 "--accuracy", "tests.test_cosearch:resnet_top1", "--generations", "2", "--popsize", "4",
                 "--map-generations", "10", "--map-popsize", "8", "--arch-generations", "3", "--arch-popsize", "4",
                 "--method", "joint", "--out", str(out), "--quiet"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert set(config) == {"depths", "expands", "widths", "resolution"}
    assert "co-search of the ofa-resnet50 space" in capsys.readouterr().out
    assert main(["cosearch", "--space", "ofa-mbv3", "--budget", "eyeriss", "--accuracy-floor", "80", "--accuracy",
                 "tests.test_cosearch:toy_top1", "--start-network", "resnet50", "--out", str(tmp_path / "x")]) == 2
    assert "start-network: resnet50 is a network of --space ofa-resnet50" in capsys.readouterr().err


def test_nested_cosearch_is_reproducible_feasible_and_searches_the_best_networks_accelerator():
    from dataclasses import replace

    from naas.arch import baseline
    from naas.nas.nested import nested_cosearch

    hand = baseline("eyeriss")
    config = CoSearchConfig(popsize=4, generations=2, accuracy_floor=78.0, inner=replace(INNER, popsize=4, generations=3))
    start = tuple(a.parallel_dims for a in hand.axes)
    a = nested_cosearch(SPACE, PREDICTOR, config, start=start, known=(hand,))
    b = nested_cosearch(SPACE, PREDICTOR, config, start=start, known=(hand,))
    assert (a.best.edp, a.best.config, a.best.score.design) == (b.best.edp, b.best.config, b.best.score.design)
    assert a.best.accuracy >= 78.0 and a.history[-1]["feasible"]
    assert a.history[-1]["phase"] == "final accelerator search"
    # the final accelerator search only improves on the best network's score in the generations
    assert a.best.edp <= min(r["best_edp"] for r in a.history[:-1] if r["feasible"])
    # the best network's own score on the hand design: the final search knew that design
    hand_score = score_designs([hand], [a.best.network], config.inner, [(0, 1)])[0]
    assert a.best.edp <= hand_score.energy_pj[a.best.network.name] * hand_score.latency_cycles[a.best.network.name] * 1.05
    assert parse_budget("eyeriss").violation(a.best.score.design) is None



def test_each_space_encodes_a_configuration_into_the_genes_that_decode_to_it():
    import numpy as np

    from naas.nas.cosearch import SPACES
    from naas.nas.ofa_resnet50 import RESNET50

    for space in SPACES.values():
        rng = np.random.default_rng(3)
        for _ in range(20):
            config = space.decode(rng.random(space.genes), space.resolutions)
            assert space.decode(space.encode(config, space.resolutions), space.resolutions) == config
    r50 = SPACES["ofa-resnet50"]
    assert r50.decode(r50.encode(RESNET50, r50.resolutions), r50.resolutions) == RESNET50


def test_a_nested_search_started_from_a_network_never_ends_worse_than_it():
    from dataclasses import replace

    from naas.arch import baseline
    from naas.nas.nested import nested_cosearch
    from naas.nas.ofa_resnet50 import RESNET50, resnet50_network
    from naas.search.connectivity_search import search_connectivity

    hand = baseline("eyeriss")
    floor = resnet_top1(RESNET50)
    config = CoSearchConfig(popsize=4, generations=1, accuracy_floor=floor, inner=replace(INNER, popsize=4, generations=2))
    start = tuple(a.parallel_dims for a in hand.axes)
    result = nested_cosearch(SPACE, CallablePredictor(resnet_top1, "toy"), config, None, "ofa-resnet50", start,
                             (hand,), start_network=RESNET50)
    # the start network on its own searched accelerator, as an accelerator-only search finds it
    network = resnet50_network(RESNET50)
    alone = search_connectivity([network], SPACE, replace(config.inner, seed=config.seed), start, (hand,)).best
    assert result.best.accuracy >= floor
    assert result.best.edp <= alone.energy_pj[network.name] * alone.latency_cycles[network.name]
    # the predictor screen found a smaller network at the floor, which the network ES started from
    screen = next(r for r in result.history if r.get("phase") == "predictor screen")
    assert screen["screened_accuracy"] >= floor and screen["screened_macs"] < network.macs
