"""The pluggable parts (issue 22): cost models and optimisers behind their protocols, and the
one evolution loop that drives them."""

import dataclasses

import numpy as np
import pytest

import naas
from naas.arch import baseline
from naas.cost.model import NumbaCostModel
from naas.search.mapping_search import search_mappings
from naas.search.mapping_settings import MappingSearchConfig
from naas.search.optimizer import CMA, RandomSearch, evolve, optimizer_factory, register_optimizer

LAYER = naas.Layer.conv2d("conv", in_channels=32, out_channels=64, in_size=14, kernel=3)
SMALL = {"generations": 12, "popsize": 8}


class CountingModel(NumbaCostModel):
    """naas's model, counting what it is asked."""

    def __init__(self):
        self.compiled = 0
        self.scored = 0

    def compile(self, layer, accelerator):
        self.compiled += 1
        return super().compile(layer, accelerator)

    def evaluate(self, problem, batch):
        self.scored += len(batch)
        return super().evaluate(problem, batch)


class LatencyBlind(NumbaCostModel):
    """naas's energy with one cycle per mapping: EDP under it is energy."""

    def evaluate(self, problem, batch):
        cost = super().evaluate(problem, batch)
        return dataclasses.replace(cost, latency_cycles=np.ones_like(cost.latency_cycles))


def _search(config, **plug):
    problems = [(LAYER, baseline("eyeriss")), (LAYER, baseline("nvdla256"))]
    return search_mappings(problems, MappingSearchConfig(**config), np.random.default_rng(5), **plug)


def test_a_users_cost_model_is_compiled_once_per_problem_and_asked_for_every_evaluation():
    model = CountingModel()
    result = _search(SMALL, cost_model=model)
    assert model.compiled == 2
    assert model.scored == result.evaluations > 0
    assert result.valid.all()


def test_the_search_minimises_what_the_cost_model_says():
    # EDP under a model with latency 1 is energy: the same search as minimising naas's energy
    blind = _search(SMALL, cost_model=LatencyBlind())
    energy = _search({**SMALL, "objective": "energy"}, cost_model=NumbaCostModel())
    assert np.array_equal(blind.best.temporal, energy.best.temporal)
    assert np.array_equal(blind.best.spatial, energy.best.spatial)
    assert np.allclose(blind.objective, energy.objective)
    assert (blind.latency_cycles == 1).all()


def test_the_torch_cost_model_searches_as_the_numba_one():
    pytest.importorskip("torch")
    from naas.cost.model import TorchCostModel

    on_numba = _search(SMALL, cost_model=NumbaCostModel())
    on_torch = _search(SMALL, cost_model=TorchCostModel("cpu"))
    assert np.array_equal(on_numba.best.temporal, on_torch.best.temporal)
    assert np.allclose(on_numba.objective, on_torch.objective, rtol=1e-12)


def test_optimisers_plug_into_the_mapping_search_and_the_same_seed_gives_the_same_result():
    a = _search(SMALL, optimizer="random")
    b = _search(SMALL, optimizer="random")
    assert np.array_equal(a.objective, b.objective)
    cma = _search({**SMALL, "generations": 30}, optimizer="cma")
    random = _search({**SMALL, "generations": 30}, optimizer="random")
    assert (cma.objective <= random.objective * 1.05).all()


def test_the_generic_loop_stops_on_the_stall_rule():
    result = _search({"generations": 200, "popsize": 8, "patience": 3, "tolerance": 0.5}, optimizer="random")
    assert result.evaluations < 2 * 200 * 8
    assert result.history.shape[0] == result.generations
    assert np.array_equal(result.history[-1], result.objective)


def test_cma_refuses_a_tell_of_other_candidates_and_converges_on_a_sphere():
    opt = CMA.start(np.full(3, 0.5), 0.3, np.random.default_rng(0), 6)
    with pytest.raises(naas.NaasError, match="call ask"):
        opt.tell(np.zeros((6, 3)), np.zeros(6))
    x = opt.ask()
    with pytest.raises(naas.NaasError, match="unchanged and in its order"):
        opt.tell(x[::-1], np.zeros(6))
    with pytest.raises(naas.NaasError, match="6 values needed"):
        opt.tell(x, np.zeros(5))
    opt.tell(x, ((x - 0.2) ** 2).sum(1))
    result = evolve(opt, lambda x, g: ((x - 0.2) ** 2).sum(1), 80, first=1)
    assert result.f < 1e-8 and np.allclose(result.x, 0.2, atol=1e-3)
    assert result.evaluations == 80 * 6


def test_evolve_ends_when_the_optimiser_stops():
    calls = []
    opt = CMA(CMA.start(np.full(2, 0.5), 1e-12, np.random.default_rng(0), 4).es, tol_x=1e-6)
    evolve(opt, lambda x, g: calls.append(g) or np.zeros(len(x)), 10)
    assert calls == []
    rs = RandomSearch(2, np.random.default_rng(0), 4)
    evolve(rs, lambda x, g: calls.append(g) or x.sum(1), 10, until=lambda: len(calls) >= 3)
    assert calls == [0, 1, 2] and rs.result.evaluations == 12


def test_registered_optimisers_run_the_accelerator_level_and_names_are_checked():
    told = []

    def factory(mean, sigma, rng, popsize):
        told.append(popsize)
        return RandomSearch.start(mean, sigma, rng, popsize)

    register_optimizer("test-random", factory)
    found = naas.search(LAYER, "eyeriss", seed=0, generations=2, popsize=3, connectivity="es",
                        optimizer="test-random", mapping=SMALL)
    assert told == [3] and np.isfinite(found.fitness)
    with pytest.raises(naas.NaasError, match="optimizer: unknown 'nope'"):
        naas.search(LAYER, "eyeriss", optimizer="nope")
    with pytest.raises(naas.NaasError, match="built in"):
        register_optimizer("cma", factory)
    assert optimizer_factory("test-random") is factory


def test_a_search_under_another_optimiser_is_not_resumed_from_its_checkpoint(tmp_path):
    from naas.arch import Budget
    from naas.search.arch_encoding import ArchSpace
    from naas.search.arch_search import ArchSearchConfig, search_accelerator

    network = naas.Network("one", (naas.NetworkLayer(LAYER),))
    space = ArchSpace(Budget.of(baseline("eyeriss")), max_axes=2)
    config = ArchSearchConfig(generations=1, popsize=3, optimizer="random", mapping=MappingSearchConfig(**SMALL))
    search_accelerator([network], space, config, checkpoint=tmp_path / "c.json")
    with pytest.raises(naas.NaasError, match="does not resume"):
        search_accelerator([network], space, dataclasses.replace(config, generations=2),
                           checkpoint=tmp_path / "c.json", resume=True)


def test_the_batched_optimiser_of_the_device_search_takes_its_own_candidates_only():
    from naas.search.cmaes import BatchedCMA
    from naas.search.optimizer import BatchedCMAOptimizer

    rngs = [np.random.default_rng(i) for i in range(3)]
    opt = BatchedCMAOptimizer(BatchedCMA.start(np.full((3, 4), 0.5), 0.2, rngs, 6))
    x = opt.ask()
    assert x.shape == (3, 6, 4)
    with pytest.raises(naas.NaasError, match="unchanged"):
        opt.tell(x.copy(), np.zeros((3, 6)))
    opt.tell(x, ((x - 0.3) ** 2).sum(-1))
    evolve(opt, lambda x, g: ((x - 0.3) ** 2).sum(-1), 60, first=1)
    assert opt.result.evaluations == 60 * 3 * 6
    assert np.allclose(opt.es.mean, 0.3, atol=1e-3)


def test_a_registered_cost_model_and_optimiser_score_every_design_of_an_accelerator_search():
    from naas.cost.model import register_cost_model

    register_cost_model("test-latency-blind", LatencyBlind)
    found = naas.search(LAYER, "eyeriss", seed=0, generations=2, popsize=3, connectivity="es",
                        mapping={**SMALL, "cost_model": "test-latency-blind", "optimizer": "random"})
    assert list(found.latency_cycles.values()) == [1.0]  # every design scored under the model
    assert found.fitness == pytest.approx(list(found.energy_pj.values())[0], rel=1e-12)
    assert not MappingSearchConfig(cost_model="numba", optimizer="cma").generic  # the built-ins: compiled
    with pytest.raises(naas.NaasError, match="cost_model: unknown 'nope'; choose one of"):
        MappingSearchConfig(cost_model="nope")
    with pytest.raises(naas.NaasError, match="built in"):
        register_cost_model("numba", LatencyBlind)
    with pytest.raises(naas.NaasError, match="the torch backend searches under its own model"):
        MappingSearchConfig(backend="torch", cost_model="test-latency-blind")


def test_the_default_cost_model_and_optimiser_leave_a_searchs_fingerprint_as_it_was():
    from naas.arch import Budget
    from naas.search.arch_encoding import ArchSpace
    from naas.search.arch_search import ArchSearchConfig, search_settings

    network = naas.Network("one", (naas.NetworkLayer(LAYER),))
    space = ArchSpace(Budget.of(baseline("eyeriss")), max_axes=2)
    mapping = search_settings([network], space, ArchSearchConfig())["config"]["mapping"]
    assert "cost_model" not in mapping and "optimizer" not in mapping
    named = search_settings([network], space, ArchSearchConfig(mapping=MappingSearchConfig(optimizer="random")))
    assert named["config"]["mapping"]["optimizer"] == "random"
