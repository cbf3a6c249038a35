"""The eight loop dimensions of a layer and which operands each one indexes."""

from __future__ import annotations

import numpy as np

from naas.errors import field_error

#: Loop dimensions, in the canonical order used by every array in naas.
DIMS: tuple[str, ...] = ("N", "G", "K", "C", "P", "Q", "R", "S")
DIM_INDEX: dict[str, int] = {d: i for i, d in enumerate(DIMS)}
N, G, K, C, P, Q, R, S = range(8)

#: Operands, in the canonical order used by every array in naas.
OPERANDS: tuple[str, ...] = ("W", "I", "O")
OPERAND_INDEX: dict[str, int] = {o: i for i, o in enumerate(OPERANDS)}
W, I, O = range(3)

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

#: Reduction dims: walking one of them accumulates into the same output.
REDUCTION_DIMS: frozenset[str] = frozenset({"C", "R", "S"})


def dim_index(name: str, field: str) -> int:
    """Index of a dimension name, or a NaasError naming ``field``."""
    key = str(name).upper()
    if key not in DIM_INDEX:
        raise field_error(field, f"unknown loop dimension {name!r}; use one of {', '.join(DIMS)}")
    return DIM_INDEX[key]
