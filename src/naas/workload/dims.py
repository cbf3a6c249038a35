"""The eight loop dimensions of a layer and which operands each one indexes."""

from __future__ import annotations

import numpy as np

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
    low, high = [], []
    i = 1
    while i * i <= n:
        if n % i == 0:
            low.append(i)
            if i * i != n:
                high.append(n // i)
        i += 1
    return low + high[::-1]
