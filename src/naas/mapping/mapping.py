"""A compiler mapping of one layer: tiling factors and loop order per temporal level, and a
spatial factor per array axis; plus the array form the batched cost model consumes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from naas.errors import field_error
from naas.workload.dims import DIM_INDEX, DIMS

#: Temporal levels, innermost first: per-PE buffers, global buffer, DRAM.
LEVELS: tuple[str, ...] = ("L1", "L2", "DRAM")


@dataclass(frozen=True)
class Mapping:
    """``temporal[l][d]`` is the tiling factor of dim d (DIMS order) at level l (LEVELS order).
    ``orders[l]`` lists the dims of level l from outermost to innermost loop.
    ``spatial[a]`` is the factor of array axis a's parallel dim unrolled along that axis.

    The loop nest, outermost first: DRAM loops, L2 loops, spatial loops, L1 loops, MAC.
    """

    temporal: tuple[tuple[int, ...], ...]
    orders: tuple[tuple[str, ...], ...]
    spatial: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.temporal) != len(LEVELS) or any(len(t) != len(DIMS) for t in self.temporal):
            raise field_error("mapping temporal", f"give {len(DIMS)} factors for each of {', '.join(LEVELS)}")
        if len(self.orders) != len(LEVELS):
            raise field_error("mapping orders", f"give one loop order per level ({', '.join(LEVELS)})")
        for level, order in zip(LEVELS, self.orders):
            if sorted(order) != sorted(DIMS):
                raise field_error(f"mapping orders {level}", f"must be a permutation of {''.join(DIMS)}, got {''.join(order)}")


@dataclass(frozen=True)
class MappingBatch:
    """B mappings of one layer as arrays: temporal (B,3,8) factors, order (B,3,8) dim indices
    outermost first, spatial (B,A) factors."""

    temporal: np.ndarray
    order: np.ndarray
    spatial: np.ndarray

    def __post_init__(self) -> None:
        b = self.temporal.shape[0]
        if self.temporal.shape != (b, len(LEVELS), len(DIMS)) or self.order.shape != self.temporal.shape:
            raise ValueError(f"mapping batch: temporal and order must be (B, 3, 8), got "
                             f"{self.temporal.shape} and {self.order.shape}")
        if self.spatial.ndim != 2 or self.spatial.shape[0] != b:
            raise ValueError(f"mapping batch: spatial must be (B, axes), got {self.spatial.shape}")

    def __len__(self) -> int:
        return self.temporal.shape[0]

    @classmethod
    def from_mappings(cls, mappings: list[Mapping]) -> "MappingBatch":
        temporal = np.array([m.temporal for m in mappings], dtype=np.int64)
        order = np.array([[[DIM_INDEX[d] for d in o] for o in m.orders] for m in mappings], dtype=np.int64)
        spatial = np.array([m.spatial for m in mappings], dtype=np.int64).reshape(len(mappings), -1)
        return cls(temporal, order, spatial)

    def mapping(self, i: int) -> Mapping:
        return Mapping(
            temporal=tuple(tuple(int(x) for x in row) for row in self.temporal[i]),
            orders=tuple(tuple(DIMS[j] for j in row) for row in self.order[i]),
            spatial=tuple(int(x) for x in self.spatial[i]),
        )
