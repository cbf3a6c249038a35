"""The eight loop dimensions of a layer and which operands each one indexes."""

from __future__ import annotations

import math

import numpy as np
from numba.extending import register_jitable

#: Loop dimensions, in the canonical order used by every array in naas.
DIMS: tuple[str, ...] = ("N", "G", "K", "C", "P", "Q", "R", "S")
DIM_INDEX: dict[str, int] = {d: i for i, d in enumerate(DIMS)}

#: Operands, in the canonical order used by every array in naas.
OPERANDS: tuple[str, ...] = ("W", "I", "O")

#: RELEVANT[operand, dim] is 1 when the operand's data changes along that dim. Inputs depend on
#: P and R (and Q and S) through the sliding window, so all four are relevant to them.
RELEVANT = np.array(
    [
        #  N  G  K  C  P  Q  R  S
        [0, 1, 1, 1, 0, 0, 1, 1],  # W
        [1, 1, 0, 1, 1, 1, 1, 1],  # I
        [1, 1, 1, 0, 1, 1, 0, 0],  # O
    ],
    dtype=np.int64,
)
RELEVANT.setflags(write=False)


#: WHOLLY_RELEVANT[operand, dim] is 1 when every step along the dim brings the operand a whole
#: new tile: RELEVANT without the sliding-window dims of the inputs, where consecutive windows
#: overlap. ZigZag calls the window dims "partially relevant" (pr).
WHOLLY_RELEVANT = RELEVANT.copy()
WHOLLY_RELEVANT[1, 4:] = 0
WHOLLY_RELEVANT.setflags(write=False)


def divisors(n: int) -> list[int]:
    """The divisors of ``n`` >= 1, ascending, found in O(sqrt n) steps (a layer dim may be 2^24)."""
    return [int(d) for d in divisors_into(n, np.empty(2 * math.isqrt(n) + 1, dtype=np.int64))]


@register_jitable
def divisors_into(n, out):
    """The divisors of ``n`` >= 1, ascending, by trial division up to sqrt n into ``out`` (room
    for 2 sqrt n of them); returns the filled part."""
    count = 0
    i = 1
    while i * i <= n:
        if n % i == 0:
            out[count] = i
            count += 1
        i += 1
    top = count
    for j in range(top - 1, -1, -1):
        partner = n // out[j]
        if partner != out[j]:
            out[count] = partner
            count += 1
    return out[:count]


def divisor_lists(largest: int) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, values): the divisors of every n below ``largest``, ascending, at
    values[offsets[n]:offsets[n + 1]] (a sieve: the searches' lookup table)."""
    counts = np.zeros(largest, dtype=np.int64)
    for i in range(1, largest):
        counts[i::i] += 1
    offsets = np.zeros(largest + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    values = np.empty(offsets[-1], dtype=np.int64)
    filled = offsets[:-1].copy()
    for i in range(1, largest):
        multiples = np.arange(i, largest, i)
        values[filled[multiples]] = i
        filled[multiples] += 1
    return offsets, values


@register_jitable
def least_padding_factor(size, most):
    """The unroll factor of at most ``most`` that covers ``size`` in the fewest steps with the
    least padding: ceil(size / ceil(size / most)). Integer arithmetic only, so the greedy and
    exhaustive mappers (ints), the numba decoder (inlined) and the torch decoder (tensors) share it."""
    steps = (size + most - 1) // most
    return (size + steps - 1) // steps
