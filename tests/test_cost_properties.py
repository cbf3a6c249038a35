"""Invariants of the cost model on random layers, designs and mappings (hypothesis)."""

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naas.arch import baseline
from naas.arch.spec import INPUT_MULTICASTS, LATENCY_MODELS, NOC_MODELS, Accelerator, ArrayAxis, OperandBytes
from naas.cost import rules
from naas.cost.batched import evaluate_batch
from naas.cost.reference import evaluate_mapping, outer_loops, relevance
from naas.cost.target import compile_target
from naas.mapping import Mapping
from naas.mapping.sampling import random_mappings
from naas.workload import DIMS, Layer, zoo_network
from naas.workload.dims import RELEVANT

small = st.integers(1, 12)

layers = st.builds(
    Layer, name=st.just("h"), N=st.integers(1, 2), G=st.integers(1, 3), K=small, C=small,
    P=small, Q=small, R=st.integers(1, 5), S=st.integers(1, 5), stride_h=st.integers(1, 2),
    stride_w=st.integers(1, 2), dilation_h=st.integers(1, 2),
)


@st.composite
def designs(draw):
    n_axes = draw(st.integers(1, 3))
    axes = tuple(ArrayAxis(draw(st.integers(1, 16)), tuple(draw(st.lists(st.sampled_from(DIMS), min_size=1,
                                                                              max_size=3, unique=True))),
                           draw(st.sampled_from([None, 0.5, 4.0])))
                 for _ in range(n_axes))
    l1 = OperandBytes(*(2 * draw(st.integers(1, 64)) for _ in range(3)))
    partitioned = draw(st.booleans())
    l2_parts = OperandBytes(*(2 * draw(st.integers(16, 4096)) for _ in range(3)))
    return Accelerator(
        name="h", axes=axes, l1_bytes=l1, l2_bytes=l2_parts.total,
        l2_partition=l2_parts if partitioned else None,
        noc_words_per_cycle=draw(st.sampled_from([1.0, 4.0, 64.0])),
        dram_words_per_cycle=draw(st.sampled_from([0.5, 2.0, 16.0])),
        systolic=draw(st.sampled_from([None, "W", "I", "O"])),
        latency_model=draw(st.sampled_from(LATENCY_MODELS)),
        hold_operands=draw(st.booleans()),
        noc_model=draw(st.sampled_from(NOC_MODELS)),
        halo_reuse=draw(st.booleans()),
        input_multicast=draw(st.sampled_from(INPUT_MULTICASTS)),
    )


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(layer=layers, arch=designs(), seed=st.integers(0, 2**32 - 1), uneven=st.booleans())
def test_batched_equals_reference(layer, arch, seed, uneven):
    batch = random_mappings(layer, arch, 40, np.random.default_rng(seed), uneven=uneven)
    got = evaluate_batch((layer, arch), batch, breakdown=True)
    for i in range(len(batch)):
        ref = evaluate_mapping(layer, arch, batch.mapping(i))
        assert got.valid[i] == ref.valid
        assert got.energy_pj[i] == pytest.approx(ref.energy_pj, rel=1e-12)
        assert got.latency_cycles[i] == pytest.approx(ref.latency_cycles, rel=1e-12)
        assert got.utilization[i] == pytest.approx(ref.utilization, rel=1e-12)
        for lvl, level in enumerate(("L1", "L2", "DRAM", "NoC")):
            for op, name in enumerate("WIO"):
                assert got.breakdown_pj[i, lvl, op] == pytest.approx(ref.energy_breakdown_pj[level][name], rel=1e-12)


@pytest.mark.parametrize("net,layer_index,design,latency_model,hold,uneven,noc_model,halo,multicast", [
    ("vgg16", 2, "eyeriss", "roofline", False, False, "flat", True, "per_pe"),
    ("resnet50", 1, "tpu", "roofline", True, True, "mesh", True, "distinct"),
    ("mobilenet_v2", 5, "shidiannao", "ports", False, True, "flat", True, "per_pe"),
    ("bert", 3, "edge_tpu", "ports", True, False, "mesh", False, "distinct"),
    ("unet", 20, "nvdla1024", "roofline", False, False, "flat", False, "distinct"),
    ("vgg16", 2, "eyeriss", "ports", True, False, "mesh", False, "distinct"),
    ("resnet50", 1, "nvdla256", "ports", True, True, "mesh", False, "per_pe"),
    ("mobilenet_v2", 4, "nvdla256", "roofline", False, False, "mesh", True, "distinct"),
])
def test_batched_equals_reference_on_thousands_of_zoo_mappings(net, layer_index, design, latency_model, hold, uneven,
                                                               noc_model, halo, multicast):
    layer = zoo_network(net).layers[layer_index].layer
    arch = dataclasses.replace(baseline(design), latency_model=latency_model, hold_operands=hold, noc_model=noc_model,
                               halo_reuse=halo, input_multicast=multicast)
    batch = random_mappings(layer, arch, 3000, np.random.default_rng(layer_index), uneven=uneven)
    got = evaluate_batch(compile_target(layer, arch), batch)
    for i in range(len(batch)):
        ref = evaluate_mapping(layer, arch, batch.mapping(i))
        assert (got.valid[i], got.reason[i] != 0) == (ref.valid, bool(ref.reason))
        assert got.energy_pj[i] == pytest.approx(ref.energy_pj, rel=1e-12)
        assert got.latency_cycles[i] == pytest.approx(ref.latency_cycles, rel=1e-12)


@PROPERTY_SETTINGS
@given(layer=layers, arch=designs(), seed=st.integers(0, 2**32 - 1))
def test_latency_and_dram_traffic_lower_bounds(layer, arch, seed):
    batch = random_mappings(layer, arch, 20, np.random.default_rng(seed))
    for i in range(len(batch)):
        c = evaluate_mapping(layer, arch, batch.mapping(i))
        assert c.latency_cycles >= layer.macs / arch.num_pes
        assert c.latency_cycles >= c.compute_cycles
        assert c.utilization <= 1.0 + 1e-12
        dram = c.accesses["DRAM"]
        assert dram["W"][0] >= layer.weight_count
        assert dram["I"][0] >= layer.input_count
        assert dram["O"][1] >= layer.output_count
        assert dram["O"][0] >= 0 and c.accesses["L2"]["O"][0] >= 0


def _move_innermost(order: tuple[str, ...], dim: str) -> tuple[str, ...]:
    return tuple(d for d in order if d != dim) + (dim,)


@PROPERTY_SETTINGS
@given(layer=layers, arch=designs(), seed=st.integers(0, 2**32 - 1), level=st.sampled_from([1, 2]),
       op=st.integers(0, 2), dim=st.integers(0, 7))
def test_moving_an_irrelevant_loop_innermost_never_adds_fills(layer, arch, seed, level, op, dim):
    if RELEVANT[op, dim]:
        return
    batch = random_mappings(layer, arch, 10, np.random.default_rng(seed))
    for i in range(len(batch)):
        m = batch.mapping(i)
        orders = list(m.orders)
        orders[level] = _move_innermost(orders[level], DIMS[dim])
        moved = Mapping(m.temporal, tuple(orders), m.spatial)
        for boundary in (0, 1):
            n = 16 if boundary == 0 else 8
            dims, bounds = outer_loops(m, boundary)
            before = rules.fill_count(relevance(op, dims), bounds, n, 0)
            dims, bounds = outer_loops(moved, boundary)
            after = rules.fill_count(relevance(op, dims), bounds, n, 0)
            assert after <= before
        if op != 2:  # and so the operand's traffic into L1 and from DRAM never grows
            a, b = evaluate_mapping(layer, arch, m), evaluate_mapping(layer, arch, moved)
            assert b.accesses["L1"]["WIO"[op]][1] <= a.accesses["L1"]["WIO"[op]][1]
            assert b.accesses["DRAM"]["WIO"[op]][0] <= a.accesses["DRAM"]["WIO"[op]][0]


def _order_shuffled(order, temporal, whole_l1, rng):
    """Each level's order with its loops of bound 1 moved to random places among the others
    (every L1 loop, where ``whole_l1``)."""
    out = order.copy()
    for level in range(3):
        iterating = [d for d in order[level] if temporal[level, d] > 1 and not (level == 0 and whole_l1)]
        idle = [d for d in order[level] if d not in iterating]
        places = np.sort(rng.choice(8, size=len(iterating), replace=False))
        rest = iter(rng.permutation(idle))
        walk = iter(iterating)
        out[level] = [next(walk) if i in places else next(rest) for i in range(8)]
    return out


@PROPERTY_SETTINGS
@given(layer=layers, arch=designs(), seed=st.integers(0, 2**32 - 1))
def test_where_a_loop_of_bound_one_sits_changes_no_cost(layer, arch, seed):
    """What the mapping search's memo of costs relies on (``compiled_search._memo_key``): a loop
    of bound 1 does not iterate, so its place in the order changes nothing, and without the port
    model and held operands neither does the L1 loops' order."""
    rng = np.random.default_rng(seed)
    batch = random_mappings(layer, arch, 30, rng)
    whole_l1 = arch.latency_model != "ports" and not arch.hold_operands
    shuffled = dataclasses.replace(batch, order=np.stack([_order_shuffled(o, t, whole_l1, rng)
                                                          for o, t in zip(batch.order, batch.temporal)]))
    target = compile_target(layer, arch)
    a, b = evaluate_batch(target, batch), evaluate_batch(target, shuffled)
    assert np.array_equal(a.energy_pj, b.energy_pj) and np.array_equal(a.latency_cycles, b.latency_cycles)
    assert np.array_equal(a.reason, b.reason)
