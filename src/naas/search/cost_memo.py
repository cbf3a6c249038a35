"""A mapping search's memo of the costs of the mappings it has met, so that a mapping met again
is not costed again.

Once a problem's CMA-ES narrows, many of its candidates decode to a mapping it has costed
already (a quarter to a third of them on section 4's scenarios, BENCHMARKS.md section 9). The
cost model is a pure function of the mapping, so the remembered cost is the cost it would
compute: searches give the same results with the memo as without it (tests hold them equal).

The memo is direct-mapped: ``MEMO_SLOTS`` rows, a mapping's row chosen by a hash of its key,
a newer mapping replacing an older one in its row. A key is what the cost depends on: the loop
bounds, each level's order of the loops that iterate (a loop of bound 1 does not, so where it
sits changes no cost, ``tests/test_cost_properties.py``; with uneven cuts, which count loops by
position, every loop, so uneven searches seldom meet a mapping again), the spatial factors and
the cuts. The L1 loops' order counts only under
the port model or held operands, as in ``naas.cost.batched._kernel``. Keys are int32: every
factor divides a layer dim, at most ``workload.layer.MAX_DIM`` = 2**24.
"""

from __future__ import annotations

import numba
import numpy as np

from naas.search.mapping_encoding import LIFT_GENES

#: rows of a problem's memo (a power of two); 1,024 found no more repeats than 256 on section 4's
#: scenarios and cost more to allocate
MEMO_SLOTS = 256
_HASH_MULTIPLIER = 1099511628211


@numba.njit(cache=True, nogil=True)
def new_memo(n_slots):
    """An empty memo for mappings of ``n_slots`` spatial slots: (keys, filled, energy_pj,
    latency_cycles, reason)."""
    return (np.empty((MEMO_SLOTS, 48 + n_slots + LIFT_GENES), np.int32), np.zeros(MEMO_SLOTS, np.bool_),
            np.empty(MEMO_SLOTS), np.empty(MEMO_SLOTS), np.empty(MEMO_SLOTS, np.int8))


@numba.njit(cache=True, nogil=True, inline="always")
def memo_key(temporal, order, spatial, lifts, p, n_slots, l1_order_counts, key):
    """Candidate p's key (module docstring) written into ``key``; returns its row and the key's
    width. ``lifts`` (1, P, 3, 2) or None (even mappings)."""
    for level in range(3):
        at = 24 + 8 * level
        for i in range(8):
            d = order[p, level, i]
            bound = temporal[p, level, d]
            key[8 * level + d] = bound
            key[at] = d
            # branch-free: which loops iterate is as random as the genes
            at += 1 if lifts is not None else int(bound > 1 and (level > 0 or l1_order_counts))
        for i in range(at, 32 + 8 * level):
            key[i] = -1
    for s in range(n_slots):
        key[48 + s] = spatial[p, s]
    width = 48 + n_slots
    if lifts is not None:
        for op in range(3):
            for level in range(2):
                key[width + 2 * op + level] = lifts[0, p, op, level]
        width += LIFT_GENES
    # four independent multiply-adds, not one chain
    h0, h1, h2, h3 = 0, 0, 0, 0
    for i in range(0, width - 3, 4):
        h0 = h0 * _HASH_MULTIPLIER + key[i]
        h1 = h1 * _HASH_MULTIPLIER + key[i + 1]
        h2 = h2 * _HASH_MULTIPLIER + key[i + 2]
        h3 = h3 * _HASH_MULTIPLIER + key[i + 3]
    for i in range(width - width % 4, width):
        h0 = h0 * _HASH_MULTIPLIER + key[i]
    h = ((h0 * _HASH_MULTIPLIER + h1) * _HASH_MULTIPLIER + h2) * _HASH_MULTIPLIER + h3
    return (h ^ (h >> 29)) & (MEMO_SLOTS - 1), width


@numba.njit(cache=True, nogil=True, inline="always")
def memo_recall(memo, key, row, width):
    """Whether ``row`` holds ``key``'s cost. If not, the row is given to ``key`` and waits for
    its cost (``memo_keep``)."""
    keys, filled = memo[0], memo[1]
    if filled[row]:
        same = True
        for i in range(width):
            if keys[row, i] != key[i]:
                same = False
                break
        if same:
            return True
    keys[row, :width] = key[:width]
    filled[row] = False
    return False


@numba.njit(cache=True, nogil=True, inline="always")
def memo_cost(memo, row):
    """(energy_pj, latency_cycles, reason) remembered in ``row``."""
    return memo[2][row], memo[3][row], memo[4][row]


@numba.njit(cache=True, nogil=True, inline="always")
def memo_keep(memo, row, energy_pj, latency_cycles, reason):
    """The cost of the key ``memo_recall`` gave ``row``."""
    memo[1][row] = True
    memo[2][row] = energy_pj
    memo[3][row] = latency_cycles
    memo[4][row] = reason
