"""The torch backend (cost model, decoder, CMA-ES, mapping search) against the numba/numpy one,
on CPU torch so that no GPU is needed."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from naas.arch import baseline  # noqa: E402
from naas.cli import main  # noqa: E402
from naas.cost.batched import evaluate_batch, evaluate_stacked  # noqa: E402
from naas.cost.target import compile_target, stack_targets  # noqa: E402
from naas.cost.torch_backend import evaluate_device, resolve_device, to_device  # noqa: E402
from naas.errors import NaasError  # noqa: E402
from naas.mapping.mapping import MappingBatch  # noqa: E402
from naas.mapping.sampling import random_mappings  # noqa: E402
from naas.search.cmaes import BatchedCMA  # noqa: E402
from naas.search.device_decoding import decode_device, divisor_table  # noqa: E402
from naas.search.mapping_encoding import ENCODINGS, decode_mappings, gene_count  # noqa: E402
from naas.search.mapping_search import MappingSearchConfig, search_mappings  # noqa: E402
from naas.workload import zoo_network  # noqa: E402
from tests.test_cost_properties import PROPERTY_SETTINGS, designs, layers  # noqa: E402

ARCHS = ("eyeriss", "shidiannao", "edge_tpu", "nvdla256", "tpu")


def _problems():
    picked = [nl.layer for nl in zoo_network("mobilenet_v2").layers[:6]]
    picked += [nl.layer for nl in zoo_network("vgg16").layers[-2:]]
    designs = [baseline(name) for name in ARCHS]
    designs += [dataclasses.replace(baseline(name), latency_model="ports", hold_operands=name == "eyeriss")
                for name in ("eyeriss", "nvdla256")]
    designs += [dataclasses.replace(baseline(name), noc_model="flat") for name in ("eyeriss", "nvdla256")]
    designs += [dataclasses.replace(baseline(name), halo_reuse=True, input_multicast="per_pe")
                for name in ("eyeriss", "shidiannao")]
    tpu = baseline("tpu")
    designs.append(dataclasses.replace(tpu, noc_model="mesh", axes=(tpu.axes[0], dataclasses.replace(
        tpu.axes[1], link_words_per_cycle=1.0))))
    return [(layer, design) for layer in picked for design in designs]


def _random_batch(problems, per_problem, rng):
    targets = stack_targets([compile_target(layer, arch) for layer, arch in problems])
    shape = (len(problems), per_problem)
    temporal = np.empty(shape + (3, 8), np.int64)
    order = np.empty_like(temporal)
    spatial = np.ones(shape + (targets.n_slots,), np.int64)
    for k, (layer, arch) in enumerate(problems):
        batch = random_mappings(layer, arch, per_problem, rng)
        temporal[k], order[k] = batch.temporal, batch.order
        spatial[k, :, : batch.spatial.shape[1]] = batch.spatial
    return targets, temporal, order, spatial


def _device_cost(targets, temporal, order, spatial, breakdown=False, lifts=None):
    return evaluate_device(to_device(targets, "cpu"), torch.from_numpy(temporal), torch.from_numpy(order),
                           torch.from_numpy(spatial), breakdown=breakdown,
                           lifts=None if lifts is None else torch.from_numpy(lifts)).to_numpy()


def test_torch_cost_equals_numba_on_zoo_layers_and_baselines():
    targets, temporal, order, spatial = _random_batch(_problems(), 300, np.random.default_rng(0))
    temporal[0, :5, 1, 2] = 0  # a few mappings with a factor < 1
    want = evaluate_stacked(targets, temporal, order, spatial)
    got = _device_cost(targets, temporal, order, spatial)
    assert 0 < want.valid.mean() < 1
    np.testing.assert_array_equal(got.reason, want.reason)
    np.testing.assert_array_equal(got.reason_arg, want.reason_arg)
    for name in ("energy_pj", "latency_cycles", "edp", "utilization"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-12)


@PROPERTY_SETTINGS
@given(layer=layers, arch=designs(), seed=st.integers(0, 2**32 - 1), uneven=st.booleans())
def test_torch_cost_and_breakdown_equal_numba_on_random_designs(layer, arch, seed, uneven):
    batch = random_mappings(layer, arch, 30, np.random.default_rng(seed), uneven=uneven)
    want = evaluate_batch((layer, arch), batch, breakdown=True)
    targets = stack_targets([compile_target(layer, arch)])
    got = _device_cost(targets, batch.temporal[None], batch.order[None], batch.spatial[None], breakdown=True,
                       lifts=batch.lifts[None])
    np.testing.assert_array_equal(got.reason[0], want.reason)
    for name in ("energy_pj", "latency_cycles", "edp", "utilization"):
        np.testing.assert_allclose(getattr(got, name)[0], getattr(want, name), rtol=1e-12)
    np.testing.assert_allclose(got.breakdown_pj[0], want.breakdown_pj, rtol=1e-12)


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_torch_decoder_equals_numba_decoder(encoding):
    problems = _problems()
    targets = stack_targets([compile_target(layer, arch) for layer, arch in problems])
    code = ENCODINGS[encoding]
    rng = np.random.default_rng(5)
    genes = np.clip(rng.normal(0.5, 0.4, (len(problems), 60, gene_count(targets.n_slots, code))), 0, 1)
    genes[:, :3] = np.round(genes[:, :3])  # corners of the box, where ties and caps bite
    want = decode_mappings(genes, targets, code)
    got = decode_device(torch.from_numpy(genes), to_device(targets, "cpu"), code)
    for w, g in zip(want, got):
        np.testing.assert_array_equal(g.numpy(), w)


def test_divisor_table_lists_divisors_ascending():
    table, counts = divisor_table(60, torch.device("cpu"))
    assert table[60, : counts[60]].tolist() == [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60]
    assert table[7, : counts[7]].tolist() == [1, 7] and counts[1] == 1
    with pytest.raises(NaasError, match="use --backend numba"):
        divisor_table(10**7, torch.device("cpu"))


class _SharedSteps(BatchedCMA):
    """Takes its steps y from a numpy generator, so that numpy and torch states see the same
    ones (eigenvector signs differ between LAPACKs, so equal z would not give equal y)."""

    steps: np.random.Generator | None = None

    def ask(self):
        super().ask()
        y = self.steps.standard_normal((self.shape[0], self.params.popsize, self.shape[1])) * 0.5
        self._last_y = torch.from_numpy(y) if isinstance(self.mean, torch.Tensor) else y
        return self.mean[:, None, :] + self.sigma[:, None, None] * self._last_y


def test_cma_update_is_the_same_on_numpy_and_torch():
    k, n = 3, 6
    on_numpy = _SharedSteps.start(np.full((k, n), 0.5), 0.3, [np.random.default_rng(i) for i in range(k)], 10)
    on_torch = _SharedSteps.start(torch.full((k, n), 0.5), 0.3, torch.Generator(), 10)
    on_numpy.steps, on_torch.steps = np.random.default_rng(9), np.random.default_rng(9)
    for _ in range(25):
        a, b = on_numpy.ask(), on_torch.ask()
        np.testing.assert_allclose(b.numpy(), a, rtol=1e-9, atol=1e-12)
        fitness = ((a - 0.2) ** 2).sum(-1)
        on_numpy.tell(fitness)
        on_torch.tell(torch.from_numpy(fitness))
    for name in ("mean", "sigma", "cov", "p_sigma", "p_c"):
        np.testing.assert_allclose(getattr(on_torch, name).numpy(), getattr(on_numpy, name), rtol=1e-9, atol=1e-12)


def test_torch_cma_converges_on_a_sphere():
    es = BatchedCMA.start(torch.full((2, 5), 2.0, dtype=torch.float64), 0.5, torch.Generator().manual_seed(0))
    for _ in range(150):
        x = es.ask()
        es.tell(((x - 0.3) ** 2).sum(-1))
    assert torch.allclose(es.mean, torch.full((2, 5), 0.3, dtype=torch.float64), atol=1e-3)


def test_torch_search_matches_numba_search_quality_and_repeats():
    problems = [(nl.layer, baseline(name)) for nl in zoo_network("resnet18").layers[:6]
                for name in ("eyeriss", "edge_tpu")]
    numba_result = search_mappings(problems, MappingSearchConfig(), np.random.default_rng(1))
    config = MappingSearchConfig(backend="torch", device="cpu")
    first = search_mappings(problems, config, np.random.default_rng(1))
    again = search_mappings(problems, config, np.random.default_rng(1))
    np.testing.assert_array_equal(first.objective, again.objective)
    assert first.valid.all()
    # The best mapping it reports costs what it says, under the numba model.
    best = first.best
    for j, (layer, arch) in enumerate(problems):
        one = MappingBatch(best.temporal[j : j + 1], best.order[j : j + 1], best.spatial[j : j + 1, : len(arch.spatial_slots)])
        assert evaluate_batch((layer, arch), one).edp[0] == pytest.approx(first.objective[j], rel=1e-12)
    ratio = first.objective / numba_result.objective
    assert np.exp(np.mean(np.log(ratio))) < 1.1
    assert first.history.shape == (first.generations, len(problems))


def test_device_errors_are_one_line():
    with pytest.raises(NaasError, match="device: unknown"):
        resolve_device("tpu")
    with pytest.raises(NaasError, match="numba backend runs on the CPU"):
        MappingSearchConfig(device="cuda")
    with pytest.raises(NaasError, match="backend: unknown"):
        MappingSearchConfig(backend="jax")
    with pytest.raises(NaasError, match="compile: torch.compile applies to the torch backend"):
        MappingSearchConfig(compile=True)
    if not torch.cuda.is_available():
        with pytest.raises(NaasError, match="no CUDA GPU"):
            resolve_device("cuda")


def test_cli_search_and_map_on_the_torch_backend(tmp_path, capsys):
    assert main(["map", "--network", "resnet18", "--arch", "eyeriss", "--backend", "torch",
                 "--map-generations", "4"]) == 0
    assert "TOTAL" in capsys.readouterr().out
    assert main(["search", "--network", "resnet18", "--budget", "eyeriss", "--backend", "torch",
                 "--generations", "2", "--popsize", "4", "--map-generations", "3", "--no-sizing-baseline",
                 "--out", str(tmp_path / "run")]) == 0
    assert (tmp_path / "run" / "checkpoint-naas.json").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error where no GPU is present")
def test_cli_cuda_without_a_gpu_is_a_one_line_error(capsys):
    assert main(["map", "--network", "resnet18", "--arch", "eyeriss", "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no CUDA GPU" in err


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_cost_and_decoder_equal_numba():
    targets, temporal, order, spatial = _random_batch(_problems(), 200, np.random.default_rng(2))
    want = evaluate_stacked(targets, temporal, order, spatial)
    on_gpu = to_device(targets, "cuda")
    got = evaluate_device(on_gpu, *(torch.from_numpy(x).cuda() for x in (temporal, order, spatial))).to_numpy()
    np.testing.assert_array_equal(got.reason, want.reason)
    np.testing.assert_allclose(got.edp, want.edp, rtol=1e-12)
    genes = np.random.default_rng(3).uniform(0, 1, (targets.problems, 50, gene_count(targets.n_slots, 0)))
    decoded = decode_device(torch.from_numpy(genes).cuda(), on_gpu, 0)
    # CUDA's pow may round differently from the CPU's in the last bit, so allow rare ties to differ.
    same = np.mean([np.array_equal(g.cpu().numpy()[k, p], w[k, p]) for g, w in zip(decoded, decode_mappings(genes, targets, 0))
                    for k in range(targets.problems) for p in range(50)])
    assert same > 0.999


def test_compiled_scoring_traces_as_one_graph_and_equals_eager():
    """The compiled search step is one graph (no break splits the fusion), reused for another
    batch size, and computes what eager torch does. Traced with the "eager" backend: inductor's
    code generation takes minutes and is exercised by benchmarks/device_search.py."""
    from naas.search.device_mapping_search import compiled_score_candidates, score_candidates

    torch._dynamo.utils.counters.clear()
    traced = compiled_score_candidates("eager")
    # mesh networks (the default), so the fused graph holds the network rules; both batches share
    # the flags (network, port model, held operands, halo reuse, multicast) that shape the trace
    def flags(arch):
        return arch.noc_model, arch.latency_model, arch.hold_operands, arch.halo_reuse, arch.input_multicast

    problems = [(layer, arch) for layer, arch in _problems() if flags(arch) == flags(baseline("eyeriss"))][::3]
    table = divisor_table(max(max(layer.dims) for layer, _ in problems), torch.device("cpu"))  # one network's
    for some, seed in ((problems, 4), (problems[:3], 5)):
        targets = to_device(stack_targets([compile_target(layer, arch) for layer, arch in some]), "cpu")
        genes = torch.rand((len(some), 16, gene_count(targets.n_slots, 0)), dtype=torch.float64,
                           generator=torch.Generator().manual_seed(seed)) * 1.2 - 0.1
        for got, want in zip(traced(genes, targets, 0, "edp", table), score_candidates(genes, targets, 0, "edp", table)):
            torch.testing.assert_close(got, want, rtol=0, atol=0)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] == 1
