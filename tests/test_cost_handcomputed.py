"""Tiny cases whose every number is worked out by hand here (see docs/cost-model.md)."""

from dataclasses import replace

import pytest

from naas.arch.spec import ArrayAxis, OperandBytes
from naas.cost import rules
from naas.cost.batched import evaluate_batch
from naas.cost.reference import evaluate_mapping, outer_loops, relevance
from naas.mapping import Mapping, MappingBatch
from naas.workload import DIMS, Layer
from tests.conftest import toy_arch

ONES = (1,) * 8


def factors(**kw):
    return tuple(kw.get(d, 1) for d in DIMS)


LAYER = Layer("tiny", K=2, C=2, P=2)  # 8 MACs


def test_tiny_layer_every_count_by_hand():
    arch = toy_arch()
    # K unrolled over the 2 PEs, C=2 in L1, P=2 at L2, nothing left for DRAM.
    m = Mapping(temporal=(factors(C=2), factors(P=2), ONES), orders=(DIMS, DIMS, DIMS), spatial=(2, 1))
    c = evaluate_mapping(LAYER, arch, m)
    assert c.valid
    # Tiles: L1 W=C=2, I=C=2, O=1; array (x K2) W=4, I=2, O=2; L2 (x P2) W=4, I=4, O=4.
    # L1 fills (outer loop P=2): W stays (P irrelevant) -> 1; I -> 2; O -> 2 (both distinct).
    # W: L1 r=8 MACs, w=1 fill x 2 words x 2 PEs=4; NoC 4; L2 r=1 x 4=4, w=4; DRAM r=4.
    assert c.accesses["L1"]["W"] == (8, 4)
    assert c.accesses["L2"]["W"] == (4, 4)
    assert c.accesses["DRAM"]["W"] == (4, 0)
    # I: L1 w=2 fills x 2 x 2 PEs=8 (multicast: L2 reads 2 fills x 2 words=4).
    assert c.accesses["L1"]["I"] == (8, 8)
    assert c.accesses["L2"]["I"] == (4, 4)
    assert c.accesses["NoC"]["I"] == (8, 0)
    # O: drained 2 fills x 1 word x 2 PEs = 4, no partial sums come back; L1 r=8+4, w=8.
    assert c.accesses["L1"]["O"] == (12, 8)
    assert c.accesses["L2"]["O"] == (4, 4)  # 4 drained to DRAM, 2 fills x 2 words written
    assert c.accesses["DRAM"]["O"] == (0, 4)
    # Energy: MAC 8x1; L1 (12+16+20) words x 2 pJ = 96; L2 24 x 4 pJ = 96;
    # DRAM 12 x 100 = 1200; NoC (4+8+4) x 0.5 = 8. Total 1408 pJ.
    assert c.mac_energy_pj == 8
    assert sum(c.energy_breakdown_pj["L1"].values()) == pytest.approx(96)
    assert sum(c.energy_breakdown_pj["L2"].values()) == pytest.approx(96)
    assert sum(c.energy_breakdown_pj["DRAM"].values()) == pytest.approx(1200)
    assert sum(c.energy_breakdown_pj["NoC"].values()) == pytest.approx(8)
    assert c.energy_pj == pytest.approx(1408)
    # Latency: compute 2x2=4 cycles; NoC (4+4+4) words / 4 = 3; DRAM 12 words / 2 = 6 -> 6.
    assert c.compute_cycles == 4
    assert c.latency_cycles == 6
    assert c.utilization == pytest.approx(8 / (2 * 6))
    assert c.edp == pytest.approx(1408 * 6)
    batched = evaluate_batch((LAYER, arch), MappingBatch.from_mappings([m]))
    assert batched.energy_pj[0] == pytest.approx(1408) and batched.latency_cycles[0] == 6


def test_loop_order_decides_partial_sum_traffic():
    arch = toy_arch()
    l2 = factors(C=2, P=2)
    c_outer = Mapping((ONES, l2, ONES), (DIMS, ("C", "P", "N", "G", "K", "Q", "R", "S"), DIMS), (2, 1))
    c_inner = Mapping((ONES, l2, ONES), (DIMS, ("P", "C", "N", "G", "K", "Q", "R", "S"), DIMS), (2, 1))
    # C outside P: outputs are revisited for each C -> 4 fills of 2 distinct tiles, so
    # (4 - 2) x 2 words = 4 partial sums come back from L2. Weights: C relevant -> 2 fills.
    a = evaluate_mapping(LAYER, arch, c_outer)
    assert a.accesses["L2"]["O"][0] - 4 == 4  # reads minus the 4 drained to DRAM
    assert a.accesses["L1"]["W"][1] == 2 * 1 * 2
    # C innermost: the output tile stays while C turns -> no read-back, but weights reload 4x.
    b = evaluate_mapping(LAYER, arch, c_inner)
    assert b.accesses["L2"]["O"][0] - 4 == 0
    assert b.accesses["L1"]["W"][1] == 4 * 1 * 2


def test_fill_count_skips_innermost_irrelevant_loops():
    # W ignores N and P. Loops innermost first: P=4, N=2, K=3, P=5 -> resident over P and N,
    # then K and the outer P each reload: 3 x 5 = 15.
    dims = [4, 0, 2, 4]
    bounds = [4, 2, 3, 5]
    assert rules.fill_count(relevance(0, dims), bounds, 4, 0) == 15
    assert rules.distinct_tiles(relevance(0, dims), bounds, 4, 0) == 3
    assert rules.fill_count(relevance(2, dims), bounds, 4, 0) == 4 * 2 * 3 * 5  # O: P is relevant at once


def test_outer_loops_lists_l2_then_dram_innermost_first():
    m = Mapping((ONES, factors(K=2, C=3), factors(P=5)), (DIMS, DIMS, DIMS), (1, 1))
    dims, bounds = outer_loops(m, 0)
    assert dims[:8] == [7, 6, 5, 4, 3, 2, 1, 0] and bounds[4] == 3 and bounds[5] == 2
    assert bounds[8 + 3] == 5


def test_systolic_fill_and_drain_adds_a_skew_per_fold():
    arch = toy_arch(systolic="W")
    m = Mapping((factors(C=2), factors(P=2), ONES), (DIMS, DIMS, DIMS), (2, 1))
    # Weight-stationary: W has 1 L1 fill = 1 fold. Per fold: skew of a 2-PE axis = 2 - 1 = 1
    # cycle, plus shifting the stationary weights in along axis 0 = 2 cycles.
    c = evaluate_mapping(LAYER, arch, m)
    flat = evaluate_mapping(LAYER, toy_arch(dram_words_per_cycle=100.0, noc_words_per_cycle=100.0), m)
    sys_fast = evaluate_mapping(LAYER, toy_arch(systolic="W", dram_words_per_cycle=100.0,
                                                noc_words_per_cycle=100.0), m)
    assert flat.latency_cycles == 4 and sys_fast.latency_cycles == 4 + 3
    assert c.latency_cycles == 7  # 4 + 3 now exceeds the 6 DRAM cycles
    # Output-stationary: O has 2 L1 fills = 2 folds of 1 skew cycle each, no shifting in.
    os_fast = evaluate_mapping(LAYER, toy_arch(systolic="O", dram_words_per_cycle=100.0,
                                               noc_words_per_cycle=100.0), m)
    assert os_fast.latency_cycles == 4 + 2


def test_padding_is_paid_for():
    arch = toy_arch()
    layer = Layer("odd", K=3, C=2, P=2)  # K=3 on a 2-PE axis: 2 x 2 covers it with one spare
    m = Mapping((factors(C=2), factors(P=2, K=2), ONES), (DIMS, DIMS, DIMS), (2, 1))
    c = evaluate_mapping(layer, arch, m)
    assert c.valid and c.compute_cycles == 8
    assert c.mac_energy_pj == 16  # 16 MAC slots for 12 real MACs
    assert c.utilization < 12 / (2 * 8) + 1e-12


def _ports_arch(l1_w_bytes: int, pes: int = 1):
    return toy_arch(axes=(ArrayAxis(pes, "K"),), l1_bytes=OperandBytes(l1_w_bytes, 32, 32), l2_bytes=4096,
                    dram_words_per_cycle=4.0, latency_model="ports")


def test_ports_model_charges_each_operand_its_own_port_cycle():
    # One PE; C=2 outside Q=4, both at L2: every cycle the global buffer's single read port
    # delivers a new input word and reads a partial sum back (O is refilled: C is outside Q),
    # each a whole port cycle although the port is 4 words wide. W's second word, 7 input words
    # and 7 partial sums (the first transfer of each flow is the initial load, not counted) need
    # 1 + 7 + 7 port cycles within 8 compute cycles: 7 stall cycles. Before the first MAC the
    # first W and I words come down (each tile is loaded once or is one word: a port cycle per
    # link; W's and I's share both links: 1 + max(1 + 1, 1) = 3), after the last the last
    # output goes up (1 + 1): 5 cycles of load and drain.
    layer = Layer("q", C=2, Q=4)
    m = Mapping((ONES, factors(C=2, Q=4), ONES), (DIMS, DIMS, DIMS), (1, 1))
    arch = _ports_arch(2)
    assert evaluate_mapping(layer, arch, m).latency_cycles == 8 + 7 + 5
    # The roofline packs all 22 link words into 5.5 cycles of the 4-word link: compute-bound.
    roofline = evaluate_mapping(layer, toy_arch(axes=(ArrayAxis(1, "K"),), dram_words_per_cycle=4.0), m)
    assert roofline.latency_cycles == 8
    batched = evaluate_batch((layer, arch), MappingBatch.from_mappings([m]))
    assert batched.latency_cycles[0] == 20


def test_ports_model_overlaps_a_refill_only_with_room_for_a_second_tile():
    # 16 PEs unroll K; each holds one weight for Q=8 cycles (L1), then C=2 (L2) brings the next
    # 16 weights: 4 cycles of the 4-word global-buffer port. A 2-word L1 can take the next weight
    # while the current one is in use (a window of all 8 cycles); a 1-word L1 only during the
    # last pass of the resident Q loop (8 / 8 = 1 cycle), so the refill stalls 4 - 1 = 3 cycles.
    # Both pay the same load and drain: W's first 16 weights take 4 cycles of the 4-word port
    # and I's first 8 inputs 8 cycles of each PE's one-word register port, after the global
    # buffer's own first tiles (loaded once: a cycle for W, 2 for I's 8 words); the better
    # order is I's shared part first: 2 + max(1 + 4, 8) = 10. The 8 outputs of each PE then
    # drain through its register port (8) and up to DRAM (2): 10.
    layer = Layer("k", K=16, C=2, Q=8)
    m = Mapping((factors(Q=8), factors(C=2), ONES), (DIMS, DIMS, DIMS), (16, 1))
    assert evaluate_mapping(layer, _ports_arch(4, pes=16), m).latency_cycles == 16 + 10 + 10
    assert evaluate_mapping(layer, _ports_arch(2, pes=16), m).latency_cycles == 16 + 3 + 10 + 10


def test_held_operands_read_the_pe_buffer_once_per_run_of_the_same_word():
    # K unrolled over the 2 PEs; P=2 innermost, then C=2. A weight serves both P steps in a row,
    # so a MAC that holds it reads its L1 4 times instead of 8; an input changes every step (P
    # is relevant to it), so it is still read 8 times. The run crosses an empty L1 block and
    # skips loops of bound 1 the same way.
    hold = toy_arch(hold_operands=True)
    for m in (Mapping((factors(P=2), factors(C=2), ONES), (DIMS, DIMS, DIMS), (2, 1)),
              Mapping((ONES, factors(P=2, C=2), ONES), (DIMS, DIMS, DIMS), (2, 1))):
        held, every = evaluate_mapping(LAYER, hold, m), evaluate_mapping(LAYER, toy_arch(), m)
        assert held.accesses["L1"]["W"][0] == 4 and every.accesses["L1"]["W"][0] == 8
        assert held.accesses["L1"]["I"] == every.accesses["L1"]["I"] and held.accesses["L1"]["I"][0] == 8
        assert held.accesses["L1"]["O"] == every.accesses["L1"]["O"]
        saved = every.energy_breakdown_pj["L1"]["W"] - held.energy_breakdown_pj["L1"]["W"]
        assert saved == pytest.approx(4 * every.energy_breakdown_pj["L1"]["W"] / (8 + every.accesses["L1"]["W"][1]))
        assert evaluate_batch((LAYER, hold), MappingBatch.from_mappings([m])).energy_pj[0] == pytest.approx(held.energy_pj)


def test_an_uneven_cut_keeps_the_weights_in_the_global_buffer():
    # K unrolled over 2 PEs; P=2 at L2; C=2 then P=4 at DRAM (C innermost). Evenly cut, the
    # 2-word weight tile changes with C and is fetched 2 x 4 = 8 times: 16 DRAM words for 4
    # weights. Lifting C into W's L2 tile (4 words, which fit beside I's 2 and O's 4 in the
    # 32-word buffer) leaves only P outside it, irrelevant to W: fetched once, 4 words. Inputs
    # and outputs keep their cut and their counts.
    layer = Layer("u", K=2, C=2, P=8)
    even = Mapping((ONES, factors(P=2), factors(C=2, P=4)), (DIMS, DIMS, ("N", "G", "K", "P", "Q", "R", "S", "C")),
                   (2, 1))
    uneven = Mapping(even.temporal, even.orders, even.spatial, lifts=((0, 1), (0, 0), (0, 0)))
    arch = toy_arch()
    before, after = evaluate_mapping(layer, arch, even), evaluate_mapping(layer, arch, uneven)
    assert before.valid and after.valid
    assert before.accesses["DRAM"]["W"] == (16, 0) and after.accesses["DRAM"]["W"] == (4, 0)
    assert before.accesses["L2"]["W"][1] == 16 and after.accesses["L2"]["W"][1] == 4
    for op in "IO":
        assert after.accesses["DRAM"][op] == before.accesses["DRAM"][op]
    batched = evaluate_batch((layer, arch), MappingBatch.from_mappings([even, uneven]))
    assert batched.energy_pj.tolist() == pytest.approx([before.energy_pj, after.energy_pj])
    # A cut that lifts the whole DRAM level into O's tile (K2 x P8 = 16 words) overflows.
    too_far = Mapping(even.temporal, even.orders, even.spatial, lifts=((0, 1), (0, 8), (0, 8)))
    assert "do not fit the unified" in evaluate_mapping(layer, arch, too_far).reason


SLIDE = Layer("slide", P=8, R=3)  # a 1-D convolution: 10 input rows, 24 MACs


def _input_counts(arch, mapping, layer=SLIDE):
    ref = evaluate_mapping(layer, arch, mapping)
    batched = evaluate_batch((layer, arch), MappingBatch.from_mappings([mapping]), breakdown=True)
    assert batched.energy_pj[0] == pytest.approx(ref.energy_pj, rel=1e-12)
    assert batched.breakdown_pj[0, 0, 1] == pytest.approx(ref.energy_breakdown_pj["L1"]["I"], rel=1e-12)
    return ref.accesses["L1"]["I"][1], ref.accesses["L2"]["I"][0], ref.accesses["DRAM"]["I"][0]


def test_halo_reuse_along_a_p_loop_loads_one_new_row_per_step():
    # L1 holds R=3 (one output row's window: 3 input rows); the L2 level steps P 8 times.
    m = Mapping(temporal=(factors(R=3), factors(P=8), ONES), orders=(DIMS, DIMS, DIMS), spatial=(1, 1))
    # Without halo reuse every step reloads the 3-row window: 8 x 3 = 24 L1 writes and L2 reads.
    assert _input_counts(toy_arch(halo_reuse=False), m) == (24, 24, 10)
    # With it, a step moves the window by P extent 1 x stride 1 row: 3 + 7 x 1 = 10.
    assert _input_counts(toy_arch(halo_reuse=True), m) == (10, 10, 10)


def test_halo_reuse_along_an_r_loop_restarts_at_each_p_step():
    # L1 holds P=4 (4 input rows); L2 loops innermost first: R=3, then P=2.
    m = Mapping(temporal=(factors(P=4), factors(P=2, R=3), ONES),
                orders=(DIMS, DIMS, ("N", "G", "K", "C", "Q", "S", "P", "R")), spatial=(1, 1))
    assert _input_counts(toy_arch(halo_reuse=False), m) == (24, 24, 10)  # 2 x 3 fills x 4 rows
    # Each R step shifts by R extent 1 x dilation 1: per P step 4 + 2 x 1 = 6 rows; 2 P steps.
    assert _input_counts(toy_arch(halo_reuse=True), m) == (12, 12, 10)


def _both_multicasts(arch, layer, m):
    out = []
    for arch_ in (arch, replace(arch, input_multicast="per_pe")):
        ref = evaluate_mapping(layer, arch_, m)
        batched = evaluate_batch((layer, arch_), MappingBatch.from_mappings([m]))
        assert batched.energy_pj[0] == pytest.approx(ref.energy_pj, rel=1e-12)
        out.append(ref)
    return out


def test_per_pe_multicast_merges_identical_windows_only():
    # An R3 x P4 array (Eyeriss's row-stationary layout), one MAC per PE: PE (r, p) reads input
    # row p + r, so the PEs of a diagonal read the same row: 4 + 3 - 1 = 6 different windows,
    # which are also the union (6 rows): both settings read 6 words.
    arch = toy_arch(axes=(ArrayAxis(3, "R"), ArrayAxis(4, "P")), l2_bytes=64)
    layer = Layer("rows", P=4, R=3)
    m = Mapping(temporal=(ONES, ONES, ONES), orders=(DIMS, DIMS, DIMS), spatial=(3, 4))
    distinct, per_pe = _both_multicasts(arch, layer, m)
    assert distinct.accesses["L2"]["I"][0] == per_pe.accesses["L2"]["I"][0] == 6
    assert distinct.accesses["NoC"]["I"] == per_pe.accesses["NoC"]["I"] == (12, 0)  # one word to every PE


def test_per_pe_multicast_reads_overlapping_windows_whole():
    # Now each PE holds 2 output rows (P=2 in L1): PE (r, p) reads rows 2p + r .. 2p + r + 1.
    # Starts 2p + r for p < 4, r < 3: 0..8 -> 9 different 2-row windows (18 words), whose union
    # is 10 rows (0..9).
    arch = toy_arch(axes=(ArrayAxis(3, "R"), ArrayAxis(4, "P")), l2_bytes=64)
    layer = Layer("rows", P=8, R=3)
    m = Mapping(temporal=(factors(P=2), ONES, ONES), orders=(DIMS, DIMS, DIMS), spatial=(3, 4))
    distinct, per_pe = _both_multicasts(arch, layer, m)
    assert distinct.accesses["L2"]["I"][0] == 10 and per_pe.accesses["L2"]["I"][0] == 18
    assert rules.window_positions(4, 3, 2, 1) == 9 and rules.window_positions(4, 3, 1, 1) == 6
    assert rules.window_positions(4, 3, 3, 1) == 12 and rules.window_positions(1, 5, 7, 2) == 5


def test_window_positions_counts_what_enumeration_counts():
    import itertools
    import math

    for m, n, a, b in itertools.product(range(1, 7), range(1, 7), range(1, 6), range(1, 6)):
        assert rules.window_positions(m, n, a, b) == len({a * p + b * r for p in range(m) for r in range(n)})
    assert all(rules.gcd(x, y) == math.gcd(x, y) for x in range(1, 60) for y in range(1, 60))
