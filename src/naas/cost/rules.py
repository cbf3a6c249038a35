"""The cost-model rules, written once so that the readable reference (plain Python), the
batched kernel (compiled with numba) and the torch backend run the same definitions. Word
counts are totals over one pass of the layer; every rule is documented in docs/cost-model.md.

Every argument is a number or an int-indexable sequence of numbers, where a number is a Python
or numba scalar or a torch tensor (then the rule runs elementwise over a batch). So the rules
branch only on Python ints fixed by the caller (an operand index, a loop count), never on a
value: ``naas.branchfree`` stands in for ``if``/``min``/``max``. They must also stay
numba-compilable: no dicts, no objects, no exceptions. ``register_jitable`` leaves each one a
plain Python function and lets numba compile it where a jitted caller uses it.
"""

from __future__ import annotations

from numba.extending import register_jitable

from naas.branchfree import larger, pick
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
def tiles_fit(level, loops, geometry, l1_words, l2_words, unified):
    """Whether the tiles of ``loops`` fit the per-PE buffers (level 0) or the global buffer
    (level 1)."""
    tiles = footprints(loops, geometry)
    if level == 0:
        return buffer_overflow(tiles, l1_words, False) == FITS
    return buffer_overflow(tiles, l2_words, unified) == FITS


@register_jitable
def fill_count(relevant, loop_bounds, n: int):
    """How many times a tile is loaded, given the ``n`` loops outside it listed innermost first
    and whether each is relevant to the tile's operand (1/0, ``RELEVANT[op, loop dim]``). The
    tile stays resident across the innermost run of loops irrelevant to it; from the first
    relevant loop outwards every iteration reloads it. Loops of bound 1 do not iterate."""
    count = 1
    resident = 1
    for i in range(n):
        resident = resident * (1 - relevant[i] * (loop_bounds[i] > 1))
        count = count * pick(resident, 1, loop_bounds[i])
    return count


@register_jitable
def distinct_tiles(relevant, loop_bounds, n: int):
    """How many different tiles of an operand the ``n`` outside loops walk through."""
    count = 1
    for i in range(n):
        count = count * pick(relevant[i], loop_bounds[i], 1)
    return count


@register_jitable
def operand_accesses(
    op: int, macs: int, pes_used: int, l1_tile: int, array_tile: int, l2_tile: int,
    l1_fills: int, l2_fills: int, l1_distinct: int, l2_distinct: int,
):
    """Word counts of one operand: (L1 reads, L1 writes, NoC words, L2 reads, L2 writes,
    DRAM reads, DRAM writes). L1 counts are summed over all PEs.

    ``array_tile`` is the operand's footprint over the L1 and spatial loops: the distinct words
    the whole array holds at once. An L2 read feeds every PE that needs the word (multicast),
    and outputs reduced along an axis arrive at L2 once (spatial reduction), so L2 traffic
    counts ``array_tile`` words per fill while the NoC delivers ``l1_tile`` to each PE.
    Outputs: every fill of a tile after its first brings a partial sum back (read-modify-write).
    """
    if op != 2:
        l1_fill_words = l1_fills * l1_tile * pes_used
        dram_in = l2_fills * l2_tile
        return (macs, l1_fill_words, l1_fill_words, l1_fills * array_tile, dram_in, dram_in, 0)
    drained = l1_fills * l1_tile * pes_used
    psums_in = (l1_fills - l1_distinct) * array_tile
    l2_drained = l2_fills * l2_tile
    dram_psums_in = (l2_fills - l2_distinct) * l2_tile
    return (
        macs + drained,
        macs + psums_in,
        drained + psums_in,
        psums_in + l2_drained,
        l1_fills * array_tile + dram_psums_in,
        dram_psums_in,
        l2_drained,
    )


@register_jitable
def array_traffic_words(op: int, l1_fills: int, array_tile: int, l1_distinct: int) -> int:
    """Words crossing the L2<->array link for one operand (what the NoC bandwidth limits)."""
    if op != 2:
        return l1_fills * array_tile
    return l1_fills * array_tile + (l1_fills - l1_distinct) * array_tile


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
