"""The first 64-bit word of ``numpy.random.default_rng(entropy)`` for many entropies at once.

A full search seeds every mapping search from its own entropy (``score_pairs``: the design's
seed and the layer's position), and a generator built per problem costs about 23 us, most of
it ``SeedSequence``'s Python-level set-up: 1.5 s of a large search's minute. This computes the
same word without the generators, so every result stays what it was: ``SeedSequence``'s
hash of the entropy into a pool of four 32-bit words and its state of four 64-bit words
(O'Neill's seed_seq alternative, as NumPy implements it in ``numpy/random/bit_generator.pyx``),
PCG64 seeded from that state (``pcg_setseq_128_srandom``) and its first XSL-RR output, which is
what ``Generator.integers(0, 2**64, dtype=np.uint64)`` returns (O'Neill, "PCG: A Family of
Simple Fast Space-Efficient Statistically Good Algorithms for Random Number Generation",
HMC-CS-2014-0905). ``tests/test_seed_streams.py`` holds it equal to NumPy's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

_MASK32 = np.uint64(0xFFFFFFFF)
_INIT_A = np.uint64(0x43B0D7E5)
_MULT_A = np.uint64(0x931E8875)
_INIT_B = np.uint64(0x8B51F9DD)
_MULT_B = np.uint64(0x58F38DED)
_MIX_MULT_L = np.uint64(0xCA01F9DD)
_MIX_MULT_R = np.uint64(0x4973F715)
_XSHIFT = np.uint64(16)
_POOL = 4
#: PCG's default 128-bit LCG multiplier, high and low words
_PCG_MULT_HI = np.uint64(0x2360ED051FC65DA4)
_PCG_MULT_LO = np.uint64(0x4385DF649FCCF645)


@numba.njit(cache=True, nogil=True, inline="always")
def _hashmix(value, hash_const):
    """SeedSequence's hashmix on 32-bit words held in uint64; returns (value, next constant)."""
    value = (value ^ hash_const) & _MASK32
    hash_const = (hash_const * _MULT_A) & _MASK32
    value = (value * hash_const) & _MASK32
    return value ^ (value >> _XSHIFT), hash_const


@numba.njit(cache=True, nogil=True, inline="always")
def _mix(x, y):
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
    return result ^ (result >> _XSHIFT)


@numba.njit(cache=True, nogil=True, inline="always")
def _mul_64x64(a, b):
    """The 128-bit product of two 64-bit words as (high, low)."""
    a_lo, a_hi = a & _MASK32, a >> np.uint64(32)
    b_lo, b_hi = b & _MASK32, b >> np.uint64(32)
    lo_lo = a_lo * b_lo
    hi_lo = a_hi * b_lo
    lo_hi = a_lo * b_hi
    cross = (lo_lo >> np.uint64(32)) + (hi_lo & _MASK32) + lo_hi
    high = a_hi * b_hi + (hi_lo >> np.uint64(32)) + (cross >> np.uint64(32))
    return high, (cross << np.uint64(32)) | (lo_lo & _MASK32)


@numba.njit(cache=True, nogil=True, inline="always")
def _add_128(a_hi, a_lo, b_hi, b_lo):
    """a + b, mod 2**128, as (high, low)."""
    low = a_lo + b_lo
    return a_hi + b_hi + (np.uint64(1) if low < a_lo else np.uint64(0)), low


@numba.njit(cache=True, nogil=True, inline="always")
def _pcg_step(state_hi, state_lo, inc_hi, inc_lo):
    """state * multiplier + inc, mod 2**128."""
    high, low = _mul_64x64(state_lo, _PCG_MULT_LO)
    return _add_128(high + state_lo * _PCG_MULT_HI + state_hi * _PCG_MULT_LO, low, inc_hi, inc_lo)


@numba.njit(cache=True, nogil=True)
def _first_words(words, offsets, out):
    pool = np.empty(_POOL, np.uint64)
    state = np.empty(2 * _POOL, np.uint64)
    for k in range(out.shape[0]):
        first, count = offsets[k], offsets[k + 1] - offsets[k]
        hash_const = _INIT_A
        for i in range(_POOL):
            value = words[first + i] if i < count else np.uint64(0)
            pool[i], hash_const = _hashmix(value, hash_const)
        for src in range(_POOL):
            for dst in range(_POOL):
                if src != dst:
                    hashed, hash_const = _hashmix(pool[src], hash_const)
                    pool[dst] = _mix(pool[dst], hashed)
        for src in range(_POOL, count):
            for dst in range(_POOL):
                hashed, hash_const = _hashmix(words[first + src], hash_const)
                pool[dst] = _mix(pool[dst], hashed)
        hash_const = _INIT_B
        for i in range(2 * _POOL):
            value = (pool[i % _POOL] ^ hash_const) & _MASK32
            hash_const = (hash_const * _MULT_B) & _MASK32
            value = (value * hash_const) & _MASK32
            state[i] = value ^ (value >> _XSHIFT)
        # four little-endian 64-bit words: the initial state (high, low), then the sequence
        init_hi = state[0] | (state[1] << np.uint64(32))
        init_lo = state[2] | (state[3] << np.uint64(32))
        seq_hi = state[4] | (state[5] << np.uint64(32))
        seq_lo = state[6] | (state[7] << np.uint64(32))
        inc_hi = (seq_hi << np.uint64(1)) | (seq_lo >> np.uint64(63))
        inc_lo = (seq_lo << np.uint64(1)) | np.uint64(1)
        # seeding: a step from 0 (which leaves inc), plus the initial state, a step; then the
        # step of the first draw
        hi, lo = _add_128(inc_hi, inc_lo, init_hi, init_lo)
        hi, lo = _pcg_step(hi, lo, inc_hi, inc_lo)
        hi, lo = _pcg_step(hi, lo, inc_hi, inc_lo)
        value = hi ^ lo
        rot = hi >> np.uint64(58)
        out[k] = (value >> rot) | (value << ((np.uint64(64) - rot) & np.uint64(63)))


def _words(value: int, out: list[int]) -> None:
    """``value``'s 32-bit words, least significant first (0 is one word), as SeedSequence
    splits an entropy's integers."""
    value = int(value)
    if value < 0:
        raise ValueError(f"seed entropy: must be non-negative integers, got {value}")
    out.append(value & 0xFFFFFFFF)
    value >>= 32
    while value:
        out.append(value & 0xFFFFFFFF)
        value >>= 32


def first_words(entropies: Sequence[Sequence[int]]) -> np.ndarray:
    """(K,) uint64: ``np.random.default_rng(list(e)).integers(0, 2**64, dtype=np.uint64)`` for
    each entropy ``e`` (a sequence of non-negative integers) of ``entropies``."""
    words: list[int] = []
    offsets = [0]
    for entropy in entropies:
        for value in entropy:
            _words(value, words)
        offsets.append(len(words))
    out = np.empty(len(entropies), dtype=np.uint64)
    _first_words(np.array(words, dtype=np.uint64), np.array(offsets, dtype=np.int64), out)
    return out
