"""A counter-free random stream per problem for compiled kernels: xoshiro256** seeded by
splitmix64, standard normals by Marsaglia's polar method.

Each problem owns its four-word state, so a problem's samples depend only on its seed and not
on the thread that runs it or on the problems beside it (Blackman and Vigna, "Scrambled linear
pseudorandom number generators", ACM TOMS 2021; https://prng.di.unimi.it/).
"""

from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@register_jitable
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@register_jitable
def seed_state(seed, state):
    """Fill the four-word ``state`` from one 64-bit ``seed`` with splitmix64 (never all zero)."""
    z = np.uint64(seed)
    for i in range(4):
        z = z + _GOLDEN
        x = z
        x = (x ^ (x >> np.uint64(30))) * _MIX_1
        x = (x ^ (x >> np.uint64(27))) * _MIX_2
        state[i] = x ^ (x >> np.uint64(31))


@register_jitable
def next_u64(state):
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    state[0], state[1], state[2], state[3] = s0, s1, s2, _rotl(s3, 45)
    return result


@register_jitable
def next_unit(state):
    """Uniform in [0, 1) with 53 random bits."""
    return float(next_u64(state) >> np.uint64(11)) * _TO_UNIT


@register_jitable
def fill_normal(state, out):
    """Standard normals into the flat array ``out``, two per accepted polar pair."""
    n = out.shape[0]
    i = 0
    while i < n:
        u = 2.0 * next_unit(state) - 1.0
        v = 2.0 * next_unit(state) - 1.0
        r = u * u + v * v
        if r >= 1.0 or r == 0.0:
            continue
        f = np.sqrt(-2.0 * np.log(r) / r)
        out[i] = u * f
        if i + 1 < n:
            out[i + 1] = v * f
        i += 2
