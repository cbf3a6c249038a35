"""The cost-model rules, written once so that the readable reference (plain Python), the
batched kernel (compiled with numba) and the torch backend run the same definitions. Word
counts are totals over one pass of the layer; every rule is documented in docs/cost-model.md.

Every argument is a number or an int-indexable sequence of numbers, where a number is a Python
or numba scalar or a torch tensor (then the rule runs elementwise over a batch). So the rules
branch only on Python ints fixed by the caller (an operand index, a loop count), never on a
value: ``naas.branchfree`` stands in for ``if``/``min``/``max``. They must also stay
numba-compilable: no dicts, no objects, no exceptions. ``register_jitable`` leaves each one a
plain Python function and lets numba compile it where a jitted caller uses it. Most of those
the mapping searches call per candidate with arrays are inlined there (``inline="always"``), as
a call pays reference counts on every array it passes (a tenth of a search's time,
BENCHMARKS.md section 9); ``fill_count`` is not, as numba's inliner then warns about its loop
variables at every compile.
"""

from __future__ import annotations

from numba.extending import register_jitable

from naas.branchfree import larger, pick, smaller
from naas.workload.layer import input_extent

# Validity codes (the reason a mapping is invalid), with the index they refer to.
VALID = 0
BAD_FACTOR = 1        # a tiling or spatial factor < 1 (dim index)
NOT_COVERED = 2       # the factors of a dim multiply to less than its size (dim index)
SPATIAL_OVERFLOW = 3  # a spatial factor larger than its array axis (axis index)
L1_OVERFLOW = 4       # an operand's L1 tile larger than its per-PE buffer (operand index)
L2_OVERFLOW = 5       # global-buffer tiles too large (operand index, or -1 for a unified buffer)

#: buffer_overflow's answer when every tile fits.
FITS = -2

# Rows of an access-count tuple.
L1_READS, L1_WRITES, NOC_WORDS, L2_READS, L2_WRITES, DRAM_READS, DRAM_WRITES = range(7)


@register_jitable
def operand_footprint(op: int, f, stride_h, stride_w, dil_h, dil_w):
    """Distinct words of operand ``op`` (0 W, 1 I, 2 O) touched by loops of bounds f[N..S]."""
    if op == 0:
        return f[1] * f[2] * f[3] * f[6] * f[7]
    if op == 1:
        return (f[0] * f[1] * f[3] * input_extent(f[4], f[6], stride_h, dil_h)
                * input_extent(f[5], f[7], stride_w, dil_w))
    return f[0] * f[1] * f[2] * f[4] * f[5]


@register_jitable
def footprints(f, geometry):
    """The W, I and O footprints of loops of bounds f[N..S]; ``geometry`` is (stride_h,
    stride_w, dilation_h, dilation_w)."""
    sh, sw, dh, dw = geometry[0], geometry[1], geometry[2], geometry[3]
    return (operand_footprint(0, f, sh, sw, dh, dw), operand_footprint(1, f, sh, sw, dh, dw),
            operand_footprint(2, f, sh, sw, dh, dw))


@register_jitable
def scaled(f, g):
    """The 8 loop bounds f[d] * g[d], as a tuple."""
    return (f[0] * g[0], f[1] * g[1], f[2] * g[2], f[3] * g[3], f[4] * g[4], f[5] * g[5], f[6] * g[6],
            f[7] * g[7])


@register_jitable
def uneven_footprints(f, lifted, geometry):
    """The W, I and O footprints when operand op's tile spans loops of bounds f[d] *
    lifted[op][d]: the loops of its level and those its uneven cut lifts into it."""
    sh, sw, dh, dw = geometry[0], geometry[1], geometry[2], geometry[3]
    return (operand_footprint(0, scaled(f, lifted[0]), sh, sw, dh, dw),
            operand_footprint(1, scaled(f, lifted[1]), sh, sw, dh, dw),
            operand_footprint(2, scaled(f, lifted[2]), sh, sw, dh, dw))


@register_jitable
def buffer_overflow(tiles, words, unified):
    """Which tile overflows its buffer: the first operand's index, -1 when the three tiles
    together overflow a unified buffer (of ``words[0]`` words), or FITS. ``tiles`` and
    ``words`` are per operand (W, I, O)."""
    first = FITS
    for op in (2, 1, 0):
        first = pick(tiles[op] > words[op], op, first)
    together = pick(tiles[0] + tiles[1] + tiles[2] > words[0], -1, FITS)
    return pick(unified, together, first)


@register_jitable
def level_loops(level, temporal, spatial_dim, loops):
    """The per-dim loop bounds the tiles of the per-PE buffers (level 0) or of the global buffer
    (level 1: the PE's loops, the array's unrolling and the global buffer's own) span, into
    ``loops``; ``temporal`` per level, per dim."""
    for j in range(8):
        loops[j] = temporal[0][j] if level == 0 else temporal[0][j] * spatial_dim[j] * temporal[1][j]
    return loops


@register_jitable(inline="always")
def tiles_fit(level, loops, geometry, l1_words, l2_words, unified):
    """Whether the tiles of ``loops`` fit the per-PE buffers (level 0) or the global buffer
    (level 1)."""
    tiles = footprints(loops, geometry)
    if level == 0:
        return buffer_overflow(tiles, l1_words, False) == FITS
    return buffer_overflow(tiles, l2_words, unified) == FITS


@register_jitable
def fill_count(relevant, loop_bounds, n: int, below):
    """How many times a tile is loaded, given ``n`` loops listed innermost first, of which the
    first ``below`` are inside the tile (its operand's uneven cut lifts them in) and the rest
    outside, and whether each is relevant to the tile's operand (1/0, ``RELEVANT[op, loop
    dim]``). The tile stays resident across the innermost run of outside loops irrelevant to
    it; from the first relevant loop outwards every iteration reloads it. Loops of bound 1 do
    not iterate."""
    count = 1
    resident = 1
    for i in range(n):
        resident = resident * (1 - relevant[i] * (i >= below) * (loop_bounds[i] > 1))
        count = count * pick(resident, 1, loop_bounds[i])
    return count


@register_jitable
def held_run(relevant, loop_bounds, n: int):
    """How many consecutive cycles a PE's MAC uses the same word of an operand: the product of
    the innermost loops of the nest (``n`` loops innermost first) irrelevant to it, up to the
    first relevant loop that iterates. With ``hold_operands`` the MAC keeps that word on its
    input latch and reads its L1 once per run (ZigZag's access_same_data_considered_as_no_access)."""
    run = 1
    resident = 1
    for i in range(n):
        resident = resident * (1 - relevant[i] * (loop_bounds[i] > 1))
        run = run * pick(resident, loop_bounds[i], 1)
    return run


@register_jitable
def distinct_tiles(relevant, loop_bounds, n: int, below):
    """How many different tiles of an operand the ``n`` loops walk through, of which the first
    ``below`` are inside the tile (see ``fill_count``)."""
    count = 1
    for i in range(n):
        count = count * pick(relevant[i] * (i >= below), loop_bounds[i], 1)
    return count


@register_jitable
def psums_returned(l1_fills, l1_distinct, array_tile):
    """Partial sums the global buffer sends back to the array: every L1 fill of an output tile
    after its first brings the array's tile of them back (read-modify-write)."""
    return (l1_fills - l1_distinct) * array_tile


@register_jitable
def refill_loop(relevant, loop_bounds, loop_dims, n: int, below):
    """(dim, bound) of the innermost loop outside a tile that refills it (see ``fill_count``;
    ``n`` loops innermost first, the first ``below`` inside the tile, ``loop_dims`` their
    dims), or (-1, 1) when none iterates."""
    dim = -1
    bound = 1
    searching = 1
    for i in range(n):
        first = searching * relevant[i] * (i >= below) * (loop_bounds[i] > 1)
        searching = searching * (1 - first)
        dim = pick(first, loop_dims[i], dim)
        bound = pick(first, loop_bounds[i], bound)
    return dim, bound


@register_jitable
def halo_fill_words(refill, fills, tile, tile_loops, geometry):
    """Words an input tile loads over its ``fills`` when each fill keeps the rows (columns)
    the previous tile shares with it and fetches only the new ones (input halo reuse in time,
    as Timeloop counts). Along the loop that refills it (``refill_loop``'s (dim, bound)), a
    step of P (R) moves the tile's input window by its P extent x stride (R extent x
    dilation) rows, so a tile of ``rows`` rows keeps rows - shift of them; Q and S likewise
    along columns. The first fill of every run of that loop loads the whole tile, as does
    every step of a refilling loop of another dim. ``tile_loops`` are the loop bounds per dim
    inside the tile, ``tile`` its footprint; a window with gaps (stride or dilation above the
    filter) keeps nothing."""
    d, bound = refill[0], refill[1]
    sh, sw, dh, dw = geometry[0], geometry[1], geometry[2], geometry[3]
    rows = input_extent(tile_loops[4], tile_loops[6], sh, dh)
    cols = input_extent(tile_loops[5], tile_loops[7], sw, dw)
    dense_rows = rows == (tile_loops[4] - 1) * sh + (tile_loops[6] - 1) * dh + 1
    dense_cols = cols == (tile_loops[5] - 1) * sw + (tile_loops[7] - 1) * dw + 1
    kept_rows = larger(rows - pick(d == 4, tile_loops[4] * sh, tile_loops[6] * dh), 0) * dense_rows
    kept_cols = larger(cols - pick(d == 5, tile_loops[5] * sw, tile_loops[7] * dw), 0) * dense_cols
    # the tile is channels x rows x cols words (operand_footprint), so a kept row is its
    # channels x cols words; no division in the kernel's hot path
    channels = tile_loops[0] * tile_loops[1] * tile_loops[3]
    kept = pick((d == 4) + (d == 6), kept_rows * cols * channels,
                pick((d == 5) + (d == 7), kept_cols * rows * channels, 0))
    # a factor < 1 (an invalid mapping, costed anyway) must not divide by zero
    return fills * tile - (fills // larger(bound, 1)) * (bound - 1) * kept


@register_jitable(inline="always")
def input_fill_words(refill1, refill2, l1_fills, l2_fills, tiles, tile_loops, geometry):
    """The input operand's words (``operand_accesses``) with halo reuse: its per-PE L1 tile and
    the array's tile refill along ``refill1`` (``refill_loop`` of the loops outside L1), its L2
    tile along ``refill2``; ``tiles`` and ``tile_loops`` are those three tiles' footprints and
    loop bounds per dim."""
    return (halo_fill_words(refill1, l1_fills, tiles[0], tile_loops[0], geometry),
            halo_fill_words(refill1, l1_fills, tiles[1], tile_loops[1], geometry),
            halo_fill_words(refill2, l2_fills, tiles[2], tile_loops[2], geometry))


@register_jitable
def gcd(a, b):
    """Greatest common divisor of positive ints, branch-free: 32 Euclid steps cover every pair
    below 2.1 million (the Fibonacci bound), far above a tile extent times a stride."""
    for _ in range(32):
        more = b > 0
        a, b = pick(more, b, a), pick(more, a % larger(b, 1), 0)
    return a


@register_jitable
def window_positions(m, n, a, b):
    """How many different values a*p + b*r takes for p < m, r < n (a, b >= 1): the different
    input windows along one image axis of PEs that unroll m output rows (a window apart by
    a = the PE's P extent x stride) and n filter rows (b = its R extent x dilation). With
    g = gcd(a, b), equal values form chains (p, r), (p - b/g, r + a/g), ..., and each chain
    has one end: p < b/g, or r >= n - a/g."""
    g = gcd(larger(a, 1), larger(b, 1))
    a1, b1 = larger(a, 1) // g, larger(b, 1) // g
    return smaller(b1, m) * n + larger(m - b1, 0) * smaller(a1, n)


@register_jitable
def distinct_windows(unroll, tile_loops, geometry):
    """PEs with different input windows (``input_multicast: per_pe`` reads each once): the
    unrolling of N, G and C times the different window positions along rows (P and R
    unrolled) and along columns (Q and S). ``unroll`` is the spatial factor per dim,
    ``tile_loops`` the per-PE input tile's loop bounds per dim."""
    sh, sw, dh, dw = geometry[0], geometry[1], geometry[2], geometry[3]
    rows = window_positions(unroll[4], unroll[6], tile_loops[4] * sh, tile_loops[6] * dh)
    cols = window_positions(unroll[5], unroll[7], tile_loops[5] * sw, tile_loops[7] * dw)
    return unroll[0] * unroll[1] * unroll[3] * rows * cols


@register_jitable
def operand_accesses(
    op: int, macs: int, pes_used: int, array_tile: int, words, l1_fills: int, l2_fills: int,
    l1_distinct: int, l2_distinct: int, l2_tile: int, held: int,
):
    """Word counts of one operand: (L1 reads, L1 writes, NoC words, L2 reads, L2 writes,
    DRAM reads, DRAM writes). L1 counts are summed over all PEs.

    ``words`` are what its tiles load over the layer (``halo_fill_words`` or fills x tile): (into one PE's L1, out
    of L2 for the whole array, into L2 from DRAM).
    An input operand's L1 is read once per ``held`` MACs (``held_run`` where the MAC holds its
    operands, else 1); the output register is read and written by every MAC.

    ``array_tile`` is the operand's footprint over the L1 and spatial loops: the distinct words
    the whole array holds at once. An L2 read feeds every PE that needs the word (multicast),
    and outputs reduced along an axis arrive at L2 once (spatial reduction), so L2 traffic
    counts the array's words while the NoC delivers each PE's.
    Outputs: every fill of a tile after its first brings a partial sum back (read-modify-write).
    """
    pe_words, array_words, l2_words = words[0], words[1], words[2]
    if op != 2:
        l1_fill_words = pe_words * pes_used
        return (macs // held, l1_fill_words, l1_fill_words, array_words, l2_words, l2_words, 0)
    drained = pe_words * pes_used
    psums_in = psums_returned(l1_fills, l1_distinct, array_tile)
    l2_drained = l2_words
    dram_psums_in = (l2_fills - l2_distinct) * l2_tile
    return (
        macs + drained,
        macs + psums_in,
        drained + psums_in,
        psums_in + l2_drained,
        array_words + dram_psums_in,
        dram_psums_in,
        l2_drained,
    )


@register_jitable
def array_traffic_words(op: int, array_words, l1_fills: int, array_tile: int, l1_distinct: int) -> int:
    """Words crossing the L2<->array link for one operand (what the NoC bandwidth limits):
    the ``array_words`` its fills read from L2 (``operand_accesses``), and for outputs the partial
    sums sent back."""
    if op != 2:
        return array_words
    return array_words + psums_returned(l1_fills, l1_distinct, array_tile)


@register_jitable
def systolic_fill_drain_cycles(axis_sizes, n_axes: int, stationary, l1_fills):
    """Pipeline fill and drain of a systolic array that keeps operand ``stationary`` in its PEs
    (-1: a broadcast array, no fill or drain); ``l1_fills`` are the L1 fills of W, I and O.

    Each fold (an L1 fill of the stationary operand) pays the skew of the array, the sum of its
    axis lengths minus one per axis; a stationary weight or input tile is first shifted in
    along axis 0, one row per cycle. This is SCALE-Sim's 2a + b + T - 2 cycles per fold for
    weight/input-stationary and a + b + T - 2 for output-stationary arrays."""
    skew = 0
    for a in range(n_axes):
        skew = skew + axis_sizes[a] - 1
    folds = 0
    for op in range(3):
        folds = folds + (stationary == op) * l1_fills[op]
    return folds * (skew + (stationary != 2) * axis_sizes[0])


@register_jitable
def latency_cycles(compute, array_words, dram_words, noc_words_per_cycle, dram_words_per_cycle,
                   fill_drain):
    """Cycles of the layer: compute (one MAC per PE per cycle) unless a link is the bottleneck."""
    # No "+ 0.0" to make it a float: on an int64 tensor that gives torch's default float32.
    cycles = larger(compute + fill_drain, array_words / noc_words_per_cycle)
    return larger(cycles, dram_words / dram_words_per_cycle)


# The memory-port latency model (``latency_model: ports``, docs/cost-model.md), after ZigZag's
# (Mei et al., "ZigZag", IEEE TC 2021; zigzag-dse 3.9 cost_model.calc_latency): every memory has
# one read and one write port (DRAM one port for both), each transfer of an operand takes whole
# cycles of its port, and a refill overlaps compute only where the buffer has room for a second
# tile. The nest below is the whole loop nest innermost first: L1 block [0, 8), L2 block
# [8, 16), DRAM block [16, 24); an operand's own levels end at its cuts (8 and 16, later where
# an uneven mapping lifts them), which are numbers, so level ranges are masks, not slices.
# Divisors are kept >= 1: a mapping with a factor < 1 still flows through here (its numbers
# are discarded) and must not divide by zero.

#: A flow that moves nothing, to pad a port's list of flows.
IDLE_FLOW = (0, 0, 1, 1, 1)


@register_jitable
def loops_below(bounds, cut, n: int):
    """The product of the nest's loops below position ``cut`` (<= ``n``): the cycles one pass
    of them takes."""
    product = 1
    for i in range(n):
        product = product * pick(i < cut, bounds[i], 1)
    return product


@register_jitable
def top_irrelevant_loops(relevant, bounds, lo, hi, n: int, period, if_none):
    """The loops a tile stays resident across at the top of its level: the product of the
    level's loops [lo, hi) (hi <= ``n``) above its outermost relevant loop and the irrelevant
    loops merged into it from above, which together end where the tile's ``period`` (cycles)
    ends. ``if_none`` is the divisor to use when the level has no relevant loop (1 for L1, whose
    whole period is then irrelevant; ``period`` for L2, whose block is then empty)."""
    prefix = 1
    through_last = if_none
    for i in range(n):
        inside = i < hi
        prefix = prefix * pick(inside, bounds[i], 1)
        through_last = pick(relevant[i] * (bounds[i] > 1) * (i >= lo) * inside, prefix, through_last)
    return period // larger(through_last, 1)


@register_jitable
def top_relevant_loops(wholly_relevant, bounds, lo, hi, n: int, merged):
    """The product of the wholly relevant loops at the top of a level's loops [lo, hi) (hi <=
    ``n``): each of their steps replaces the whole tile, so only a 1/this share of it must be
    buffered twice. ``merged`` is true when irrelevant loops from above were merged on top
    (then 1)."""
    run = 1
    for i in range(n):
        step = pick((1 - wholly_relevant[i]) * (bounds[i] > 1), 1, run * bounds[i])
        run = pick((i >= lo) * (i < hi), step, run)
    return pick(merged, 1, run)


@register_jitable
def has_room(effective, words):
    """Whether a buffer of ``words`` can hold a second copy of the changing part of a tile."""
    return (2 * effective <= words) * 1


@register_jitable
def shared_buffer_room(effective, words):
    """``has_room`` for the W, I and O tiles of one unified buffer, granted in ZigZag's order
    O, W, I: an operand has room while the buffer is at most half full, or while its own tile
    fits the space left, which it then takes."""
    used = effective[0] + effective[1] + effective[2]
    room = [0, 0, 0]
    for op in (2, 0, 1):
        half = (2 * used <= words) * 1
        fits = (effective[op] + used <= words) * 1
        room[op] = half + (1 - half) * fits
        used = used + (1 - half) * fits * effective[op]
    return room[0], room[1], room[2]


@register_jitable
def refill_window(period, room, top_irrelevant):
    """Cycles a tile of ``period`` cycles leaves for its successor to arrive: all of them when
    the buffer has room for both, else only the last pass of its top irrelevant loops."""
    return pick(room, period, period // larger(top_irrelevant, 1))


@register_jitable
def tile_timing(relevant, wholly_relevant, bounds, l1_fills, l2_fills, cycles, cut1, cut2, max_lift: int,
                l1_tile, l2_tile):
    """For one operand: the cycles one L1 tile and one L2 tile live (their periods), the
    resident loops on top of each (``top_irrelevant_loops``) and the share of each tile that
    must be buffered twice to refill it during compute. The operand's L1 holds the nest's
    loops below ``cut1`` (<= 8 + ``max_lift``), its L2 those below ``cut2`` (<= 16 + ``max_lift``)."""
    n1 = 8 + max_lift
    n2 = 16 + max_lift
    p1 = cycles // larger(l1_fills, 1)
    p2 = cycles // larger(l2_fills, 1)
    return (p1, p2,
            top_irrelevant_loops(relevant, bounds, 0, cut1, n1, p1, 1),
            top_irrelevant_loops(relevant, bounds, cut1, cut2, n2, p2, p2),
            l1_tile // larger(top_relevant_loops(wholly_relevant, bounds, 0, cut1, n1,
                                                 p1 > loops_below(bounds, cut1, n1)), 1),
            l2_tile // larger(top_relevant_loops(wholly_relevant, bounds, cut1, cut2, n2,
                                                 p2 > loops_below(bounds, cut2, n2)), 1))


@register_jitable
def ceil_div(a, b):
    return (a + b - 1) // b


@register_jitable
def _flow_terms(flow, cycles):
    active, busy, window, period, count = flow
    stall = active * (busy - window) * (count - 1)
    open_cycles = active * window * (count - 1)
    span = active * pick(window == period, cycles, open_cycles)
    return larger(stall, 0), smaller(stall, 0), open_cycles, span


@register_jitable
def port_stall_cycles(f0, f1, f2, f3, cycles):
    """Stall cycles of one memory port over ``cycles`` of compute. Each flow is (active, port
    cycles per transfer, window, period, transfers); a transfer that overruns its window stalls
    by the excess, and the port stalls too where its flows together need more than the union
    of their windows (taken as the widest; all of ``cycles`` when a window is its whole period).
    The first period of every flow is the initial load, which is not counted."""
    o0, u0, w0, s0 = _flow_terms(f0, cycles)
    o1, u1, w1, s1 = _flow_terms(f1, cycles)
    o2, u2, w2, s2 = _flow_terms(f2, cycles)
    o3, u3, w3, s3 = _flow_terms(f3, cycles)
    union = larger(larger(s0, s1), larger(s2, s3))
    return o0 + o1 + o2 + o3 + larger(u0 + u1 + u2 + u3 + w0 + w1 + w2 + w3 - union, 0)


@register_jitable
def refill_windows(timing, l1_words, l2_room):
    """(L1 window, L2 window) of one operand from its ``tile_timing``: whether the L1 has room
    is decided here, the global buffer's by the caller (it may be shared)."""
    p1, p2, top1, top2, effective1, _ = timing
    return refill_window(p1, has_room(effective1, l1_words), top1), refill_window(p2, l2_room, top2)


@register_jitable
def memory_port_stall_cycles(cycles, l1_tiles, array_tiles, l2_tiles, l1_fills, l2_fills, l1_periods,
                             l2_periods, l1_windows, l2_windows, psums, gb_port_words, dram_port_words,
                             unified):
    """The largest stall of any memory port (ports run in parallel). Per operand: the L1 and
    L2 tiles change ``l1_fills``/``l2_fills`` times, once a period, each change has its window;
    ``psums`` says whether partial sums flow back into the MACs' registers, the L1s and the
    global buffer (output-irrelevant loops above each). Per-PE register ports move one word a
    cycle."""
    t = cycles
    p1, p2 = l1_periods, l2_periods
    # Per-PE registers: inputs are refilled through their write port; the output register is
    # read and written by the MAC every cycle, drained up and (with partial sums) refilled.
    stall = larger(port_stall_cycles((1, l1_tiles[0], l1_windows[0], p1[0], l1_fills[0]),
                                     IDLE_FLOW, IDLE_FLOW, IDLE_FLOW, t), 0)
    stall = larger(stall, port_stall_cycles((1, l1_tiles[1], l1_windows[1], p1[1], l1_fills[1]),
                                            IDLE_FLOW, IDLE_FLOW, IDLE_FLOW, t))
    drain = (1, l1_tiles[2], l1_windows[2], p1[2], l1_fills[2])
    stall = larger(stall, port_stall_cycles((psums[0], 1, 1, 1, t), drain, IDLE_FLOW, IDLE_FLOW, t))
    refill = (psums[1], l1_tiles[2], l1_windows[2], p1[2], l1_fills[2])
    stall = larger(stall, port_stall_cycles((1, 1, 1, 1, t), refill, IDLE_FLOW, IDLE_FLOW, t))
    # Global buffer: read to the array (psums back too) and up to DRAM, written from both.
    w_out = (1, ceil_div(array_tiles[0], gb_port_words), l1_windows[0], p1[0], l1_fills[0])
    i_out = (1, ceil_div(array_tiles[1], gb_port_words), l1_windows[1], p1[1], l1_fills[1])
    o_array = ceil_div(array_tiles[2], gb_port_words)
    o_in = (1, o_array, l1_windows[2], p1[2], l1_fills[2])
    o_back = (psums[1], o_array, l1_windows[2], p1[2], l1_fills[2])
    w_in = (1, ceil_div(l2_tiles[0], gb_port_words), l2_windows[0], p2[0], l2_fills[0])
    i_in = (1, ceil_div(l2_tiles[1], gb_port_words), l2_windows[1], p2[1], l2_fills[1])
    o_l2 = ceil_div(l2_tiles[2], gb_port_words)
    o_up = (1, o_l2, l2_windows[2], p2[2], l2_fills[2])
    o_down = (psums[2], o_l2, l2_windows[2], p2[2], l2_fills[2])
    shared = larger(port_stall_cycles(w_out, i_out, o_back, o_up, t),
                    port_stall_cycles(w_in, i_in, o_in, o_down, t))
    own = larger(larger(port_stall_cycles(w_out, IDLE_FLOW, IDLE_FLOW, IDLE_FLOW, t),
                        port_stall_cycles(w_in, IDLE_FLOW, IDLE_FLOW, IDLE_FLOW, t)),
                 larger(port_stall_cycles(i_out, IDLE_FLOW, IDLE_FLOW, IDLE_FLOW, t),
                        port_stall_cycles(i_in, IDLE_FLOW, IDLE_FLOW, IDLE_FLOW, t)))
    own = larger(own, larger(port_stall_cycles(o_back, o_up, IDLE_FLOW, IDLE_FLOW, t),
                             port_stall_cycles(o_in, o_down, IDLE_FLOW, IDLE_FLOW, t)))
    stall = larger(stall, pick(unified, shared, own))
    # DRAM: one port for everything.
    o_dram = ceil_div(l2_tiles[2], dram_port_words)
    return larger(stall, port_stall_cycles(
        (1, ceil_div(l2_tiles[0], dram_port_words), l2_windows[0], p2[0], l2_fills[0]),
        (1, ceil_div(l2_tiles[1], dram_port_words), l2_windows[1], p2[1], l2_fills[1]),
        (1, o_dram, l2_windows[2], p2[2], l2_fills[2]),
        (psums[2], o_dram, l2_windows[2], p2[2], l2_fills[2]), t))


@register_jitable
def edge_transfer_cycles(words, port_words, l1_tile, changes):
    """Port cycles to move the first (or last) tile of ``words`` before (after) compute: all
    of its transfer where the tile changes during the layer; where it moves only once, ZigZag
    overlaps that move with compute and charges only a PE's own tile (``l1_tile``) of it."""
    return pick(changes > 1, ceil_div(words, port_words), ceil_div(l1_tile, port_words))


@register_jitable
def load_and_drain_cycles(l1_tiles, array_tiles, l2_tiles, l1_fills, l2_fills, gb_port_words, dram_port_words,
                          unified):
    """Cycles before the first MAC and after the last one (ZigZag's data on- and off-loading):
    loading the first W and I tiles down both links, each link as slow as its slower port, and
    draining the last O tile up both. W and I share the global buffer's ports when it is unified
    (else each part has its own) and always the DRAM port: the shared part of one operand's
    load runs before the other's, the rest alongside; ZigZag takes the better of the two
    orders. Per-PE registers move one word a cycle."""
    down_w = larger(edge_transfer_cycles(l1_tiles[0], 1, l1_tiles[0], l1_fills[0]),
                    edge_transfer_cycles(array_tiles[0], gb_port_words, l1_tiles[0], l1_fills[0]))
    down_i = larger(edge_transfer_cycles(l1_tiles[1], 1, l1_tiles[1], l1_fills[1]),
                    edge_transfer_cycles(array_tiles[1], gb_port_words, l1_tiles[1], l1_fills[1]))
    in_w = larger(edge_transfer_cycles(l2_tiles[0], gb_port_words, l1_tiles[0], l2_fills[0]),
                  edge_transfer_cycles(l2_tiles[0], dram_port_words, l1_tiles[0], l2_fills[0]))
    in_i = larger(edge_transfer_cycles(l2_tiles[1], gb_port_words, l1_tiles[1], l2_fills[1]),
                  edge_transfer_cycles(l2_tiles[1], dram_port_words, l1_tiles[1], l2_fills[1]))
    # unified: the DRAM link is shared, the array link half-shared; partitioned: the DRAM link
    # is half-shared, the array link each operand's own.
    shared_w = pick(unified, in_w, 0)
    shared_i = pick(unified, in_i, 0)
    rest_w = pick(unified, down_w, in_w + down_w)
    rest_i = pick(unified, down_i, in_i + down_i)
    load = smaller(shared_w + larger(shared_i + rest_i, rest_w), shared_i + larger(shared_w + rest_w, rest_i))
    drain = (larger(edge_transfer_cycles(l1_tiles[2], 1, l1_tiles[2], l1_fills[2]),
                    edge_transfer_cycles(array_tiles[2], gb_port_words, l1_tiles[2], l1_fills[2]))
             + larger(edge_transfer_cycles(l2_tiles[2], gb_port_words, l1_tiles[2], l2_fills[2]),
                      edge_transfer_cycles(l2_tiles[2], dram_port_words, l1_tiles[2], l2_fills[2])))
    return load + drain


@register_jitable
def nest_port_stall_cycles(nest_bounds, nest_relevant, nest_wholly, lifts, max_lift: int, compute, l1_tiles, array_tiles,
                           l2_tiles, l1_fills, l2_fills, o_l1_distinct, o_l2_distinct, macs, l1_words,
                           l2_words, l2_unified, port_words):
    """The cycles a mapping's memory ports add to its compute: ``memory_port_stall_cycles``
    plus ``load_and_drain_cycles``. From its loop nest (24 loops innermost first, with the
    relevance flags of each operand), each operand's uneven ``lifts`` (L1, L2; none above
    ``max_lift``, a number fixed by the caller), compute cycles, tiles, fills, the distinct L1
    and L2 output tiles (``distinct_tiles``) and MACs."""
    w = tile_timing(nest_relevant[0], nest_wholly[0], nest_bounds, l1_fills[0], l2_fills[0], compute,
                    8 + lifts[0][0], 16 + lifts[0][1], max_lift, l1_tiles[0], l2_tiles[0])
    i = tile_timing(nest_relevant[1], nest_wholly[1], nest_bounds, l1_fills[1], l2_fills[1], compute,
                    8 + lifts[1][0], 16 + lifts[1][1], max_lift, l1_tiles[1], l2_tiles[1])
    o = tile_timing(nest_relevant[2], nest_wholly[2], nest_bounds, l1_fills[2], l2_fills[2], compute,
                    8 + lifts[2][0], 16 + lifts[2][1], max_lift, l1_tiles[2], l2_tiles[2])
    shared = shared_buffer_room((w[5], i[5], o[5]), l2_words[0])
    w1, w2 = refill_windows(w, l1_words[0], pick(l2_unified, shared[0], has_room(w[5], l2_words[0])))
    i1, i2 = refill_windows(i, l1_words[1], pick(l2_unified, shared[1], has_room(i[5], l2_words[1])))
    o1, o2 = refill_windows(o, l1_words[2], pick(l2_unified, shared[2], has_room(o[5], l2_words[2])))
    psums = (macs > l2_tiles[2] * o_l2_distinct, l1_fills[2] > o_l1_distinct, l2_fills[2] > o_l2_distinct)
    stall = memory_port_stall_cycles(compute, l1_tiles, array_tiles, l2_tiles, l1_fills, l2_fills,
                                     (w[0], i[0], o[0]), (w[1], i[1], o[1]), (w1, i1, o1), (w2, i2, o2),
                                     psums, port_words[0], port_words[1], l2_unified)
    return stall + load_and_drain_cycles(l1_tiles, array_tiles, l2_tiles, l1_fills, l2_fills, port_words[0],
                                         port_words[1], l2_unified)
