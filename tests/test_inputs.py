"""Bad input ends as one NaasError naming the field, never a traceback or a silent default; the
docs' field tables are the declared fields; a fuzz over the loaders never lets an exception
escape or a non-finite result through."""

import copy
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naas.arch import baseline
from naas.arch.budget import parse_budget
from naas.arch.io import accelerator_from_dict, accelerator_to_dict
from naas.cost.network import evaluate_network
from naas.errors import NaasError
from naas.mapping.io import mapping_from_dict, mapping_to_dict
from naas.search.greedy import network_mappings
from naas.spec_docs import field_tables
from naas.workload.io import network_from_dict, network_to_dict
from naas.workload.layer import Layer

DOCS = Path(__file__).resolve().parents[1] / "docs" / "specs.md"
EYERISS = accelerator_to_dict(baseline("eyeriss"))
NET = {"name": "n", "layers": [{"name": "c", "dims": {"K": 8, "C": 8, "P": 8, "Q": 8, "R": 3, "S": 3},
                                "stride": [1, 1], "repeat": 2}]}


def test_the_docs_field_tables_are_the_declared_fields():
    assert field_tables() in DOCS.read_text(), "regenerate with: python -m naas.spec_docs docs/specs.md"


@pytest.mark.parametrize("key,value,message", [
    ("clock_mhz", math.inf, "arch clock_mhz: must be a finite number in (0, 100,000] MHz"),
    ("clock_mhz", math.nan, "arch clock_mhz: must be a finite number"),
    ("dram_words_per_cycle", 1e-300, "arch dram_words_per_cycle: must be in [0.001, 2^40] words/cycle"),
    ("noc_words_per_cycle", "16", "arch noc_words_per_cycle: must be a number"),
    ("word_bits", 12, "arch word_bits: must be in [8, 64], a multiple of 8"),
    ("word_bits", 16.5, "arch word_bits: must be an integer"),
    ("hold_operands", "yes", "arch hold_operands: must be true or false"),
    ("systolic", "X", "arch systolic: must be one of W, I, O or null"),
    ("noc_model", "Mesh", "arch noc_model: must be one of flat, mesh"),
    ("array", [{"size": 2**17, "parallel_dims": ["K"]}], "array axis size: must be in [1, 2^16] PEs"),
    ("array", [{"size": 2**16, "parallel_dims": ["K"]}, {"size": 2**16, "parallel_dims": ["C"]}],
     "arch array: 4294967296 PEs; give at most"),
    ("pe_buffers_bytes", {"W": math.inf, "I": 1, "O": 1}, "buffer bytes W: must be a finite number"),
    ("global_buffer", {"bytes": 2**50}, "arch global_buffer.bytes: must be in [1, 2^40] B"),
    ("technology", {"name": "t"}, "technology sram_energy_points: give a list"),
])
def test_bad_design_values_name_the_field_and_its_range(key, value, message):
    with pytest.raises(NaasError) as caught:
        accelerator_from_dict(EYERISS | {key: value})
    assert message in str(caught.value)


def test_an_inline_technology_with_a_non_finite_energy_is_refused():
    tech = {"name": "t", "mac_energy_pj": 1.0, "sram_energy_points": [[512, 1.0], [4096, 2.0]],
            "noc_energy_pj_per_word": math.nan, "dram_energy_pj_per_word": 100.0, "pe_area_um2": 1000.0,
            "sram_area_um2_per_kb": 5000.0}
    with pytest.raises(NaasError, match="technology noc_energy_pj_per_word: must be a finite number"):
        accelerator_from_dict(EYERISS | {"technology": tech})
    with pytest.raises(NaasError, match="technology mac_energ: unknown key; did you mean 'mac_energy_pj'"):
        accelerator_from_dict(EYERISS | {"technology": tech | {"noc_energy_pj_per_word": 1.0, "mac_energ": 1}})
    assert accelerator_from_dict(EYERISS | {"technology": tech | {"noc_energy_pj_per_word": 1.0}})


@pytest.mark.parametrize("change,message", [
    ({"stride": [2]}, "layers[0] stride: give one integer or [rows, cols], got [2]"),
    ({"stride": "2"}, "layers[0] stride: give one integer or [rows, cols]"),
    ({"stride": None}, "layers[0] stride: give one integer or [rows, cols]"),
    ({"stride": {}}, "layers[0] stride: give one integer or [rows, cols]"),
    ({"stride": [1, 2, 3]}, "layers[0] stride: give one integer or [rows, cols]"),
    ({"repeat": 1e30}, "layer 'c' repeat: must be in [1, 2^20], got 1e+30"),
    ({"dims": {"K": math.nan}}, "layer 'c' dims.K: must be a finite number in [1, 2^24]"),
    ({"dims": {"K": 2**40}}, "layer 'c' dims.K: must be in [1, 2^24]"),
    ({"dims": {"K": True}}, "layer 'c' dims.K: must be an integer"),
    ({"dims": {"K": 2**24, "C": 2**24, "P": 2**8}}, "layer 'c' dims: 7.21e+16 MACs; give at most 2^53"),
])
def test_bad_layers_name_the_field(change, message):
    net = copy.deepcopy(NET)
    net["layers"][0].update(change)
    with pytest.raises(NaasError) as caught:
        network_from_dict(net)
    assert message in str(caught.value)


@pytest.mark.parametrize("change,message", [
    ({"temporal": []}, "m temporal: give {level: ...}"),
    ({"order": "NGKCPQRS"}, "m order: give {level: ...}"),
    ({"order": {"L1": 7}}, "m order L1: give the dims outermost first as one string"),
    ({"temporal": {"L1": {"K": 2**30}}}, "m temporal L1 K: must be an integer in [1, 2^24]"),
    ({"spatial": [True]}, "m spatial: give a list of positive integers"),
])
def test_bad_mappings_name_the_field(change, message):
    good = mapping_to_dict(network_mappings(network_from_dict(NET), baseline("eyeriss"))["c"])
    with pytest.raises(NaasError) as caught:
        mapping_from_dict(good | change, "m")
    assert message in str(caught.value)


@pytest.mark.parametrize("text,message", [
    ("pes=168,bytes=inf", "budget max_onchip_bytes: must be a finite number"),
    ("pes=168,bytes=181248,pes=1", "budget pes: given twice"),
    ("pes=nan,bytes=181248", "budget max_pes: must be a finite number"),
    ("pes=1e30,bytes=181248", "budget max_pes: must be in [1, 2^20] PEs"),
    ("pes=168,bytes=181248,clock=3", "budget: unknown key 'clock'"),
    ("pes=168,bytes=lots", "budget bytes: 'lots' is not a number"),
    ("pes=168", "budget bytes: missing"),
])
def test_bad_budgets_name_the_field(text, message):
    with pytest.raises(NaasError) as caught:
        parse_budget(text)
    assert message in str(caught.value)


def test_a_layer_of_the_largest_prime_dim_maps_without_counting_divisors_one_by_one():
    prime = 16_777_213  # the largest prime below 2^24: trial division to it would take seconds per call
    net = network_from_dict({"name": "p", "layers": [{"name": "fc", "dims": {"K": prime, "C": 3}}]})
    arch = baseline("eyeriss")
    result = evaluate_network(net, arch, network_mappings(net, arch))
    assert math.isfinite(result.edp) and result.edp > 0


# -- fuzz: any perturbation of a valid file is either refused cleanly or costs to finite numbers --

_VALUES = st.one_of(
    st.integers(-3, 2**26), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
    st.text(max_size=4), st.lists(st.integers(-1, 40), max_size=3), st.dictionaries(st.text(max_size=2),
                                                                                     st.integers(0, 9), max_size=2),
)


def _perturb(data: dict, path: list, value) -> dict:
    """``data`` with the key at ``path`` set to ``value`` (a missing last key is added)."""
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


_ARCH_PATHS = [[k] for k in EYERISS] + [["array", 0, "size"], ["array", 1, "parallel_dims"], ["pe_buffers_bytes", "W"],
                                         ["global_buffer", "bytes"], ["word_bitz"]]
_NET_PATHS = [["layers", 0, k] for k in ("dims", "stride", "dilation", "repeat", "name", "strides")] + [
    ["layers", 0, "dims", d] for d in "NGKCPQRSX"] + [["layers"], ["name"]]


def _cost_is_finite(net, arch):
    result = evaluate_network(net, arch, network_mappings(net, arch))
    assert math.isfinite(result.energy_pj) and math.isfinite(result.latency_cycles)
    assert result.energy_pj > 0 and result.latency_cycles > 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(_ARCH_PATHS), value=_VALUES)
def test_fuzzed_designs_are_refused_cleanly_or_cost_finitely(path, value):
    try:  # a design too small for any mapping of the layer is refused by the mapper, also cleanly
        _cost_is_finite(network_from_dict(NET), accelerator_from_dict(_perturb(EYERISS, path, value)))
    except NaasError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(_NET_PATHS), value=_VALUES)
def test_fuzzed_networks_are_refused_cleanly_or_cost_finitely(path, value):
    try:
        net = network_from_dict(_perturb(NET, path, value))
        assert network_from_dict(network_to_dict(net)) == net
        _cost_is_finite(net, baseline("eyeriss"))
    except NaasError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet="pesbytarnodm=,.0123456789-infa", max_size=40))
def test_fuzzed_budgets_are_refused_cleanly_or_valid(text):
    try:
        budget = parse_budget(text)
    except NaasError as exc:
        assert "\n" not in str(exc)
        return
    assert budget.max_pes >= 1 and math.isfinite(budget.max_onchip_bytes)


def test_layer_sizes_may_be_integral_floats_and_are_stored_as_ints():
    layer = Layer("c", K=8.0, C=4)
    assert layer.K == 8 and isinstance(layer.K, int)


@pytest.mark.parametrize("path", [["noc_words_per_cycle"], ["dram_words_per_cycle"]])
def test_a_vanishing_bandwidth_is_refused_rather_than_costed_as_infinite_latency(path):
    # hypothesis found 2.2e-308 words/cycle accepted (> 0) and costed as an infinite latency
    with pytest.raises(NaasError, match=path[0]):
        accelerator_from_dict(_perturb(EYERISS, path, 2.2250738585072014e-308))
