"""The mesh network (``noc_model: mesh``) on cases worked out by hand (docs/cost-model.md).

The technology is chosen so that one word over one PE pitch costs 1 pJ (a 1 mm^2 PE, wire
1/16 pJ per bit per mm, 16-bit words) and a partial-sum add 0.25 pJ. Every mapping keeps
every tile at one word per PE and loads it once, so a part's energy is its pitches of wire.
"""

import dataclasses

import numpy as np
import pytest

from naas.arch import baseline
from naas.arch.spec import ArrayAxis
from naas.arch.technology import Technology
from naas.cost.batched import evaluate_batch
from naas.cost.reference import evaluate_mapping
from naas.errors import NaasError
from naas.mapping import Mapping, MappingBatch
from naas.mapping.sampling import random_mappings
from naas.workload import DIMS, Layer, zoo_network
from tests.conftest import toy_arch

ONES = (1,) * 8
MESH_TECH = Technology(
    name="mesh-toy", mac_energy_pj=1.0, sram_energy_points=((4.0, 1.0), (64.0, 4.0)),
    noc_energy_pj_per_word=0.5, dram_energy_pj_per_word=100.0, pe_area_um2=1e6,
    sram_area_um2_per_kb=1e-12, wire_energy_pj_per_bit_mm=1 / 16, adder_energy_pj=0.25,
)


def _noc(layer, axes, spatial, **changes):
    arch = toy_arch(axes=axes, technology=MESH_TECH, noc_model="mesh", **changes)
    mapping = Mapping((ONES, ONES, ONES), (DIMS, DIMS, DIMS), spatial)
    cost = evaluate_mapping(layer, arch, mapping)
    assert cost.valid, cost.reason
    batched = evaluate_batch((layer, arch), MappingBatch.from_mappings([mapping]), breakdown=True)
    for op, name in enumerate("WIO"):
        assert batched.breakdown_pj[0, 3, op] == pytest.approx(cost.energy_breakdown_pj["NoC"][name], rel=1e-12)
    return {part: {op: pytest.approx(pj, abs=1e-9) for op, pj in per_op.items()}
            for part, per_op in cost.noc_breakdown_pj.items()}


def test_pitch_and_hop_energy():
    arch = toy_arch(technology=MESH_TECH, noc_model="mesh")
    assert arch.pe_pitch_mm == pytest.approx(1.0)
    from naas.cost.energy import energy_table
    assert energy_table(arch).hop_pj == pytest.approx(1.0)


def test_one_dimensional_multicast_spans_the_line():
    # Four PEs along P. Weights ignore P: one word spans all four PEs, 4 pitches. Inputs and
    # outputs depend on P: unicast to PE i (1-based) costs i pitches, 1+2+3+4 = 10.
    got = _noc(Layer("l", P=4), (ArrayAxis(4, "P"),), (4,))
    assert got["axis 0 (P4)"] == {"W": 4, "I": 10, "O": 10}
    assert got["reduction adds"]["O"] == 0


def test_two_dimensional_unicast_is_the_manhattan_distance():
    # Outputs on a 2 x 3 grid (K x P), all different: the word for PE (i, j) crosses i + j
    # pitches (1-based): along K 3 x (1 + 2) = 9, along P 2 x (1 + 2 + 3) = 12.
    got = _noc(Layer("l", K=2, P=3), (ArrayAxis(2, "K"), ArrayAxis(3, "P")), (2, 1, 3))
    assert got["axis 0 (K2)"]["O"] == 9
    assert got["axis 1 (P3)"]["O"] == 12


def test_reduction_chain_adds_once_per_merged_partial_sum():
    # Four PEs along C reduce one output word: partial sums hop PE 4 -> 3 -> 2 -> 1 -> buffer,
    # 4 pitches, with 3 adds of 0.25 pJ. Weights and inputs depend on C: 1+2+3+4 = 10 each.
    got = _noc(Layer("l", C=4), (ArrayAxis(4, "C"),), (4, 1))
    assert got["axis 0 (C4)"] == {"W": 10, "I": 10, "O": 4}
    assert got["reduction adds"]["O"] == 0.75


def test_systolic_forward_routes_the_unicast_axis_first():
    # A 2 x 2 weight-stationary array (C rows x K columns). An input word of row c enters
    # along C (c pitches) and is forwarded along its row past both K columns (2 pitches):
    # along C 1 + 2 = 3, along K 2 + 2 = 4. Outputs: each K column's 2 partial sums run down C
    # (2 pitches, routed last: 2 x 2 = 4), after reaching their column along K (1 + 2 = 3).
    got = _noc(Layer("l", C=2, K=2), (ArrayAxis(2, "C"), ArrayAxis(2, "K")), (2, 1, 2, 1), systolic="W")
    assert got["axis 0 (C2)"]["I"] == 3 and got["axis 1 (K2)"]["I"] == 4
    assert got["axis 1 (K2)"]["O"] == 3 and got["axis 0 (C2)"]["O"] == 4
    assert got["reduction adds"]["O"] == 2 * 0.25


def test_replicated_axis_multicasts_within_each_copy():
    # One axis of 4 PEs carrying filter rows R2 and filters K2 (Eyeriss's replication). Inputs
    # ignore K: each of the 2 input words reaches its 2 neighbouring copies, spans 2 and 4.
    # Weights depend on both: unicast, 10. Outputs ignore R: 2 words each reduced from 2 PEs,
    # spans 2 and 4, one add each.
    got = _noc(Layer("l", K=2, R=2), (ArrayAxis(4, ("R", "K")),), (2, 2, 1))
    assert got["axis 0 (RK4)"] == {"W": 10, "I": 6, "O": 6}
    assert got["reduction adds"]["O"] == 0.5


def test_flat_network_keeps_its_per_word_price():
    arch = toy_arch(technology=MESH_TECH)
    mapping = Mapping((ONES, ONES, ONES), (DIMS, DIMS, DIMS), (2, 1))
    cost = evaluate_mapping(Layer("l", K=2), arch, mapping)
    assert set(cost.noc_breakdown_pj) == {"flat"}
    assert cost.noc_breakdown_pj["flat"] == cost.energy_breakdown_pj["NoC"]


def test_mesh_makes_multicast_cheaper_than_unicast_where_flat_cannot_tell():
    # The same 8 words to 8 PEs: as a multicast of one word (W along P) or as 8 unicasts (I).
    got = _noc(Layer("l", P=8), (ArrayAxis(8, "P"),), (8,), l1_bytes=toy_arch().l1_bytes)
    assert got["axis 0 (P8)"]["W"] == 8 and got["axis 0 (P8)"]["I"] == 36


def test_noc_model_is_validated():
    with pytest.raises(NaasError, match="arch noc_model: must be one of flat, mesh"):
        toy_arch(noc_model="torus")


def test_mesh_lowers_eyeriss_noc_share_on_a_zoo_layer():
    # Row-stationary multicasts weights along the output rows and inputs along the filters: on
    # VGG-16 conv2_1 a mesh prices those copies by the wire, below the flat 2x-MAC per word.
    layer = zoo_network("vgg16").layers[2].layer
    flat = dataclasses.replace(baseline("eyeriss"), noc_model="flat")
    mesh = baseline("eyeriss")
    assert mesh.noc_model == "mesh"  # the default
    batch = random_mappings(layer, flat, 3000, np.random.default_rng(0))
    a = evaluate_batch((layer, flat), batch, breakdown=True)
    b = evaluate_batch((layer, mesh), batch, breakdown=True)
    valid = a.valid & b.valid
    assert valid.sum() > 20
    assert np.array_equal(a.latency_cycles, b.latency_cycles)
    assert np.median(b.breakdown_pj[valid, 3].sum(-1) / a.breakdown_pj[valid, 3].sum(-1)) < 1


def _latency(axes, spatial, layer):
    arch = toy_arch(axes=axes, technology=MESH_TECH, noc_model="mesh", noc_words_per_cycle=100.0,
                    dram_words_per_cycle=100.0)
    mapping = Mapping((ONES, ONES, ONES), (DIMS, DIMS, DIMS), spatial)
    cost = evaluate_mapping(layer, arch, mapping)
    batched = evaluate_batch((layer, arch), MappingBatch.from_mappings([mapping]))
    assert batched.latency_cycles[0] == pytest.approx(cost.latency_cycles, rel=1e-12)
    return cost.latency_cycles


def test_axis_links_bound_latency_by_the_words_their_busiest_link_carries():
    # K2 x P4, one MAC each (1 cycle of compute). Inputs ignore K: routed along P first, the
    # first P link carries all 4 input words; outputs (8 different words) along K first: the
    # first K link carries all 8, a P line 4; weights (2 words) cross each K link's line once.
    layer = Layer("l", K=2, P=4)
    assert _latency((ArrayAxis(2, "K"), ArrayAxis(4, "P")), (2, 1, 4), layer) == 1
    assert _latency((ArrayAxis(2, "K"), ArrayAxis(4, "P", link_words_per_cycle=1.0)), (2, 1, 4), layer) == 4
    assert _latency((ArrayAxis(2, "K", link_words_per_cycle=1.0), ArrayAxis(4, "P")), (2, 1, 4), layer) == 8
    assert _latency((ArrayAxis(2, "K", link_words_per_cycle=2.0), ArrayAxis(4, "P")), (2, 1, 4), layer) == 4
    flat = toy_arch(axes=(ArrayAxis(2, "K", link_words_per_cycle=1.0), ArrayAxis(4, "P")), noc_words_per_cycle=100.0,
                    dram_words_per_cycle=100.0)
    mapping = Mapping((ONES, ONES, ONES), (DIMS, DIMS, DIMS), (2, 1, 4))
    assert evaluate_mapping(layer, flat, mapping).latency_cycles == 1  # a flat network has no links


def test_axis_link_is_validated_and_round_trips():
    from naas.arch.io import accelerator_from_dict, accelerator_to_dict

    with pytest.raises(NaasError, match="link_words_per_cycle"):
        ArrayAxis(4, "P", link_words_per_cycle=0)
    arch = toy_arch(axes=(ArrayAxis(4, "P", link_words_per_cycle=2.0),), noc_model="mesh")
    assert accelerator_from_dict(accelerator_to_dict(arch)).axes == arch.axes
