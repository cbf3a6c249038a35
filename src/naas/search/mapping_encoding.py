"""Encodings of a layer's mapping as a real vector in [0, 1]^n, and their decoders.

Importance encoding (NAAS): one real 'importance' per loop dimension and decision.
  genes[0:8]    tile priority: dims claim L1 and then L2 space in descending importance
  genes[8:16]   L2 loop order: descending importance = outermost first
  genes[16:24]  DRAM loop order, likewise
  genes[24:32]  L1 tiling: a dim's L1 factor is the divisor of its remaining size nearest
                (in log) to remaining**gene, so one vector means the same on every layer
  genes[32:40]  L2 tiling, likewise on what L1 left
  genes[40:40+S] spatial, one per spatial slot (``Accelerator.spatial_slots``: an axis and a
                dim it unrolls), in order: a slot unrolls about min(free PEs, dim)**gene of
                its dim, with the least padding for that degree of parallelism, where the free
                PEs are its axis's size over the factors of the axis's earlier slots

Index encoding (the ablation, as in the paper's comparison): the same decisions as indices.
  genes[0:3]    tile priority, L2 order, DRAM order: each a permutation index in [0, 8!)
  genes[3:19]   L1 then L2 tiling: an index into the divisor list of the remaining size
  genes[19:19+S] spatial: the unroll factor as an index in [1, min(free PEs, dim)]

Uneven mappings (both encodings, when asked for): six more genes after the spatial ones, the
L1 and L2 lift of W, I and O (``Mapping.lifts``), each floor(gene * 9) loops.

Decoding repairs capacity: a dim whose chosen factor would overflow a buffer steps down to
the largest smaller divisor that fits, in tile-priority order, so every decoded mapping fits its L1s, and
fits L2 unless the array's own tile does not (then the cost model reports it invalid); a lift
that would overflow steps down a loop at a time, W then I then O, L1 before L2.
"""

from __future__ import annotations

import numba
import numpy as np
from numba.extending import register_jitable

from naas.cost.batched import uneven_loops
from naas.cost.rules import FITS, buffer_overflow, level_loops, tiles_fit, uneven_footprints
from naas.cost.target import L2_UNIFIED, Targets
from naas.workload.dims import divisor_lists, divisors_into, least_padding_factor

IMPORTANCE = 0
INDEX = 1
ENCODINGS = {"importance": IMPORTANCE, "index": INDEX}
_MAX_DIVISORS = 1024
FACTORIALS = np.array([1, 1, 2, 6, 24, 120, 720, 5040, 40320], dtype=np.int64)


@register_jitable
def base_genes(encoding: int) -> tuple[int, int]:
    """Index of the first tiling gene and of the first spatial gene (a plain function that numba
    kernels also compile in, so that torch.compile traces the torch decoder through it)."""
    return (24, 40) if encoding == IMPORTANCE else (3, 19)


#: genes of an uneven mapping's cuts: (L1, L2) lifts of W, I and O
LIFT_GENES = 6


def gene_count(n_slots: int, encoding: int, uneven: bool = False) -> int:
    return base_genes(encoding)[1] + n_slots + (LIFT_GENES if uneven else 0)


@register_jitable
def live_genes(encoding, layer_dims, slot_dim, n_slots, uneven, out):
    """The genes that can change a problem's mapping, in ascending order, into ``out``; returns
    how many. A dim of bound 1 tiles by 1 at every level, unrolls by 1 and, wherever its loop
    sits in an order, changes no cost (``tests/test_cost_properties.py``), so its genes (tile
    priority, orders and tilings under importance; tilings under index) and those of the
    spatial slots that unroll it decide nothing: searching them only dilutes the optimiser's
    learning rates. At least one, gene 0, so that a layer of bounds all 1 still has a search."""
    base_tiling, base_spatial = base_genes(encoding)
    count = 0
    for j in range(base_tiling):
        if encoding == 1 or layer_dims[j % 8] > 1:
            out[count] = j
            count += 1
    for j in range(base_tiling, base_spatial):
        if layer_dims[(j - base_tiling) % 8] > 1:
            out[count] = j
            count += 1
    for s in range(n_slots):
        if layer_dims[slot_dim[s]] > 1:
            out[count] = base_spatial + s
            count += 1
    if uneven:
        for j in range(LIFT_GENES):
            out[count] = base_spatial + n_slots + j
            count += 1
    if count == 0:
        out[0] = 0
        count = 1
    return count


#: what a gene the optimiser leaves out (``live_genes``) holds while its live ones are decoded
DEAD_GENE = 0.5


def live_gene_indices(targets: Targets, k: int, encoding: int, uneven: bool) -> np.ndarray:
    """``live_genes`` of problem ``k`` of ``targets``, as an index array."""
    n_slots = int(targets.slot_count[k])
    out = np.empty(gene_count(n_slots, encoding, uneven), dtype=np.int64)
    return out[:live_genes(encoding, targets.layer_dims[k], targets.slot_dim[k], n_slots, uneven, out)]


#: Divisors of every n below DIVISOR_TABLE_DIM, ascending: values[offsets[n]:offsets[n + 1]],
#: and their natural logs beside them (offsets, values, logs). Searches decode millions of tiles,
#: and looking divisors (and their logs) up costs far less than finding them.
DIVISOR_TABLE_DIM = 1 << 14
_OFFSETS, _VALUES = divisor_lists(DIVISOR_TABLE_DIM)
DIVISOR_TABLE = (_OFFSETS, _VALUES, np.log(_VALUES.astype(np.float64)))


@numba.njit(cache=True, nogil=True)
def _clip01(x):
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


@numba.njit(cache=True, nogil=True)
def _insertion_order(genes, start, out):
    """Dims sorted by descending gene value (stable on ties): outermost / first."""
    for i in range(8):
        j = i
        while j > 0 and genes[start + out[j - 1]] < genes[start + i]:
            out[j] = out[j - 1]
            j -= 1
        out[j] = i


@numba.njit(cache=True, nogil=True)
def _order_by_importance(genes, start, out):
    """``_insertion_order``, placing each dim at its rank instead: the dims with a larger gene,
    or an equal one and a lower index, come before it. Counting ranks takes branch-free
    comparisons where sorting random genes mispredicts most of its branches (a quarter of the
    decoding time). Not inlined: inlined three times into the decoder it made the decoding 20 %
    slower, reference counts saved included. A NaN gene, which ranks nowhere, takes the
    insertion sort."""
    for i in range(8):
        if genes[start + i] != genes[start + i]:
            _insertion_order(genes, start, out)
            return
    for i in range(8):
        g = genes[start + i]
        rank = 0
        for j in range(8):
            h = genes[start + j]
            rank += int(h > g) + int(h == g) * int(j < i)
        out[rank] = i


@numba.njit(cache=True, nogil=True)
def _order_by_index(gene, out):
    """The permutation with Lehmer index floor(gene * 8!)."""
    code = int(_clip01(gene) * 40320.0)
    if code > 40319:
        code = 40319
    pool = np.arange(8)
    left = 8
    for i in range(8):
        f = FACTORIALS[7 - i]
        pick = code // f
        code -= pick * f
        out[i] = pool[pick]
        for j in range(pick, left - 1):
            pool[j] = pool[j + 1]
        left -= 1


@numba.njit(cache=True, nogil=True, inline="always")
def _log_of(n, div_offsets, div_logs):
    """ln n, from the divisor table where n is in it (n is its own largest divisor)."""
    if n < div_offsets.shape[0] - 1:
        return div_logs[div_offsets[n + 1] - 1]
    return np.log(n)


@numba.njit(cache=True, nogil=True)
def _pick_divisor(logs, first, count, gene, encoding):
    """Position among the ``count`` divisors of a size whose logs are ``logs[first:]`` of the
    one the gene asks for: by index, or (importance) the one nearest size**gene by ratio, the
    smaller on a tie. The ratio falls towards the target and rises past it, so only the divisors
    either side of it compete. In logs (the size's own is its largest divisor's), as a pow per
    pick cost a quarter of the decoding; positions, not a slice, as a slice per pick costs its
    reference counts."""
    if count == 1:
        return 0
    g = _clip01(gene)
    if encoding == 1:
        pos = int(g * count)
        return count - 1 if pos >= count else pos
    want = g * logs[first + count - 1]
    above = 0
    while above < count and logs[first + above] <= want:
        above += 1
    if above == 0:
        return 0
    if above == count:
        return count - 1
    return above - 1 if want - logs[first + above - 1] <= logs[first + above] - want else above


@numba.njit(cache=True, nogil=True, inline="always")
def _decode_one(genes, encoding, hw, k, temporal, order, spatial, div_offsets, div_values, div_logs, divs, logs,
                remaining, spatial_dim, priority, loops, axis_used):
    n_slots = spatial.shape[0]
    dims, geom, axis_size = hw.layer_dims[k], hw.geometry[k], hw.axis_size[k]
    slot_dim, slot_axis = hw.slot_dim[k], hw.slot_axis[k]
    l1_words, l2_words, unified = hw.l1_words[k], hw.l2_words[k], hw.switches[k][L2_UNIFIED]
    base_tiling, base_spatial = base_genes(encoding)
    if encoding == IMPORTANCE:
        _order_by_importance(genes, 0, priority)
        _order_by_importance(genes, 8, order[1])
        _order_by_importance(genes, 16, order[2])
    else:
        _order_by_index(genes[0], priority)
        _order_by_index(genes[1], order[1])
        _order_by_index(genes[2], order[2])
    for i in range(8):
        order[0, i] = priority[i]
        remaining[i] = dims[i]
        spatial_dim[i] = 1
        axis_used[i] = 1
    for s in range(n_slots):
        d = slot_dim[s]
        a = slot_axis[s]
        free = axis_size[a] // axis_used[a]
        cap = free if free < remaining[d] else remaining[d]
        g = _clip01(genes[base_spatial + s])
        if encoding == 0:
            # cap**g as exp(g ln cap), the log looked up: a pow costs three times the exp
            want = int(np.floor(np.exp(g * _log_of(cap, div_offsets, div_logs)) + 0.5))
        else:
            want = 1 + int(g * cap)
        want = max(1, min(cap, want))
        factor = least_padding_factor(remaining[d], want)
        spatial[s] = factor
        axis_used[a] *= factor
        spatial_dim[d] *= factor
        remaining[d] = (remaining[d] + factor - 1) // factor
    for level in range(2):
        for i in range(8):
            temporal[level, i] = 1
    for level in range(2):
        for i in range(8):
            d = priority[i]
            # the divisors of what is left and their logs: the table's run, or beyond it found
            # into divs and logs
            r = remaining[d]
            if r < div_offsets.shape[0] - 1:
                choices, choice_logs = div_values, div_logs
                first = div_offsets[r]
                count = div_offsets[r + 1] - first
            else:
                choices, choice_logs = divs, logs
                first = 0
                count = divisors_into(r, divs).shape[0]
                for j in range(count):
                    logs[j] = np.log(divs[j])
            pos = _pick_divisor(choice_logs, first, count, genes[base_tiling + 8 * level + d], encoding)
            # the largest divisor up to the pick whose tiles fit, 1 if none: a footprint only
            # grows with a factor, so "fits" is monotone and a binary search finds it
            temporal[level, d] = choices[first + pos]
            # a factor of 1 (pos 0) changes no tile, so it needs no check
            if pos > 0 and not tiles_fit(level, level_loops(level, temporal, spatial_dim, loops), geom, l1_words,
                                         l2_words, unified):
                lo, hi = 0, pos - 1
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    temporal[level, d] = choices[first + mid]
                    level_loops(level, temporal, spatial_dim, loops)
                    if tiles_fit(level, loops, geom, l1_words, l2_words, unified):
                        lo = mid
                    else:
                        hi = mid - 1
                temporal[level, d] = choices[first + lo]
            remaining[d] //= temporal[level, d]
    for i in range(8):
        temporal[2, i] = remaining[i]


@numba.njit(cache=True, nogil=True)
def _decode_lifts(genes, start, hw, k, temporal, order, spatial_dim, lifts, loops, uneven):
    """The uneven cuts the genes ask for, each stepped down until its tiles fit."""
    geom, l1_words, l2_words, unified = hw.geometry[k], hw.l1_words[k], hw.l2_words[k], hw.switches[k][L2_UNIFIED]
    for op in range(3):
        for level in range(2):
            lifts[op, level] = min(8, int(_clip01(genes[start + 2 * op + level]) * 9.0))
    for level in range(2):
        words = l1_words if level == 0 else l2_words
        level_loops(level, temporal, spatial_dim, loops)
        for op in range(3):
            while lifts[op, level] > 0:
                uneven_loops(order, temporal, lifts, uneven)
                tiles = uneven_footprints(loops, (uneven[0, level], uneven[1, level], uneven[2, level]), geom)
                if buffer_overflow(tiles, words, unified and level == 1) == FITS:
                    break
                lifts[op, level] -= 1


# Inlined where it is called (and _decode_one into it): a call passing the Targets tuple pays
# reference counts on its 29 arrays, about 0.5 us per candidate, a third of the decoding.
@numba.njit(cache=True, nogil=True, inline="always")
def decode_candidate(genes, encoding, hw, k, temporal, order, spatial, lifts, lift_row, lift_col, lift_start,
                     div_offsets, div_values, div_logs, divs, logs, work, uneven):
    """One candidate's genes for problem ``k`` of targets ``hw`` into its ``temporal``, ``order``
    and ``spatial`` (over its array's own spatial slots) and, unless ``lifts`` is None, its cuts
    ``lifts[lift_row, lift_col]`` from the genes at ``lift_start``. ``div_offsets``,
    ``div_values`` and ``div_logs`` are ``DIVISOR_TABLE``; ``divs`` and ``logs`` (1024,), ``work``
    (5, 8) and ``uneven`` (3, 2, 9) are work space."""
    _decode_one(genes, encoding, hw, k, temporal, order, spatial, div_offsets, div_values, div_logs, divs, logs,
                work[0], work[1], work[2], work[3], work[4])
    if lifts is not None:
        _decode_lifts(genes, lift_start, hw, k, temporal, order, work[1], lifts[lift_row, lift_col], work[3], uneven)


@numba.njit(cache=True, nogil=True)
def _decode_stacked(genes, encoding, hw, div_offsets, div_values, div_logs, temporal, order, spatial, lifts):
    divs = np.empty(_MAX_DIVISORS, np.int64)
    logs = np.empty(_MAX_DIVISORS)
    work = np.empty((5, 8), np.int64)
    uneven = np.empty((3, 2, 9), np.int64)
    for k in range(genes.shape[0]):
        n_slots = hw.slot_count[k]
        lift_start = base_genes(encoding)[1] + n_slots
        for p in range(genes.shape[1]):
            decode_candidate(genes[k, p], encoding, hw, k, temporal[k, p], order[k, p], spatial[k, p, :n_slots], lifts,
                             k, p, lift_start, div_offsets, div_values, div_logs, divs, logs, work, uneven)


def decode_mappings(genes: np.ndarray, targets: Targets, encoding: int = IMPORTANCE, uneven: bool = False):
    """(K, P, n) genes -> temporal (K, P, 3, 8), order (K, P, 3, 8), spatial (K, P, S slots) and the
    uneven cuts (K, P, 3, 2), None unless ``uneven``."""
    k, p, _ = genes.shape
    temporal = np.empty((k, p, 3, 8), dtype=np.int64)
    order = np.empty((k, p, 3, 8), dtype=np.int64)
    spatial = np.ones((k, p, targets.n_slots), dtype=np.int64)  # padded slots unroll nothing
    lifts = np.zeros((k, p, 3, 2), dtype=np.int64) if uneven else None
    _decode_stacked(np.ascontiguousarray(genes, dtype=np.float64), encoding, targets, *DIVISOR_TABLE, temporal,
                    order, spatial, lifts)
    return temporal, order, spatial, lifts
