"""A compiler mapping of one layer: tiling factors and loop order per temporal level, and a
spatial factor per spatial slot (an array axis and a dim it unrolls); plus the array form the batched cost model consumes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from naas.errors import field_error
from naas.specfields import Spec
from naas.workload.dims import DIM_INDEX, DIMS

#: Temporal levels, innermost first: per-PE buffers, global buffer, DRAM.
LEVELS: tuple[str, ...] = ("L1", "L2", "DRAM")
_FACTORS_PER_LEVEL = (len(DIMS),) * len(LEVELS)
_DIM_SET = frozenset(DIMS)
#: every operand's (L1, L2) lift of an even mapping
_EVEN = ((0, 0), (0, 0), (0, 0))


@dataclass(frozen=True)
class Mapping:
    """``temporal[l][d]`` is the tiling factor of dim d (DIMS order) at level l (LEVELS order).
    ``orders[l]`` lists the dims of level l from outermost to innermost loop.
    ``spatial[s]`` is the factor of spatial slot s (``Accelerator.spatial_slots``: an array axis
    and one of the dims it unrolls), so an axis unrolls the product of its slots' factors.

    The loop nest, outermost first: DRAM loops, L2 loops, spatial loops, L1 loops, MAC.

    ``lifts[op] = (l1, l2)`` makes the mapping uneven (ZigZag's per-operand memory levels, Mei
    et al., IEEE TC 2021): operand op (W, I, O) cuts the same loop nest into its own levels, its
    L1 tile also holding the innermost ``l1`` loops of the L2 level (in ``orders[1]``) and its L2
    tile the innermost ``l2`` loops of the DRAM level, 0 to 8 each. All (0, 0) is the even
    mapping: one cut per level for every operand.
    """

    temporal: tuple[tuple[int, ...], ...] = Spec(
        "structured", "per level (L1, L2, DRAM), {dim: factor} for the factors other than 1; each dim's factors "
        "over the levels and its spatial slots cover its size").field()
    orders: tuple[tuple[str, ...], ...] = Spec(
        "structured", "per level, the eight dims outermost first as one string (absent: NGKCPQRS)",
        key="order").field()
    spatial: tuple[int, ...] = Spec(
        "structured", "one factor per spatial slot of the array, axis by axis in its unrolled_dims order").field()
    lifts: tuple[tuple[int, int], ...] = Spec(
        "structured", "an uneven mapping: per operand W/I/O, [L1 lift, L2 lift], 0 to 8 each (absent: even)",
        optional=True).field(_EVEN)

    def __post_init__(self) -> None:
        # a full search builds one per layer of every design it scores: checks without generators
        if tuple(map(len, self.temporal)) != _FACTORS_PER_LEVEL:
            raise field_error("mapping temporal", f"give {len(DIMS)} factors for each of {', '.join(LEVELS)}")
        if len(self.orders) != len(LEVELS):
            raise field_error("mapping orders", f"give one loop order per level ({', '.join(LEVELS)})")
        for level, order in zip(LEVELS, self.orders):
            if len(order) != len(DIMS) or set(order) != _DIM_SET:
                raise field_error(f"mapping orders {level}", f"must be a permutation of {''.join(DIMS)}, got {''.join(order)}")
        if self.lifts != _EVEN and (tuple(map(len, self.lifts)) != (2, 2, 2) or not all(
                0 <= n <= len(DIMS) for pair in self.lifts for n in pair)):
            raise field_error("mapping lifts", f"give (L1, L2) lifts of 0 to {len(DIMS)} for each of W, I, O")

    @property
    def uneven(self) -> bool:
        return any(any(pair) for pair in self.lifts)


@dataclass(frozen=True)
class MappingBatch:
    """B mappings of one layer as arrays: temporal (B,3,8) factors, order (B,3,8) dim indices
    outermost first, spatial (B,S) factors per spatial slot, lifts (B,3,2) uneven cuts (None: all even)."""

    temporal: np.ndarray
    order: np.ndarray
    spatial: np.ndarray
    lifts: np.ndarray | None = None

    def __post_init__(self) -> None:
        b = self.temporal.shape[0]
        if self.lifts is None:
            object.__setattr__(self, "lifts", np.zeros((b, 3, 2), dtype=np.int64))
        if self.lifts.shape != (b, 3, 2) or self.lifts.min(initial=0) < 0 or self.lifts.max(initial=0) > len(DIMS):
            raise ValueError(f"mapping batch: lifts must be (B, 3, 2) in [0, {len(DIMS)}], got shape {self.lifts.shape}")
        if self.temporal.shape != (b, len(LEVELS), len(DIMS)) or self.order.shape != self.temporal.shape:
            raise ValueError(f"mapping batch: temporal and order must be (B, 3, 8), got "
                             f"{self.temporal.shape} and {self.order.shape}")
        if self.spatial.ndim != 2 or self.spatial.shape[0] != b:
            raise ValueError(f"mapping batch: spatial must be (B, slots), got {self.spatial.shape}")

    def __len__(self) -> int:
        return self.temporal.shape[0]

    @classmethod
    def from_mappings(cls, mappings: list[Mapping]) -> "MappingBatch":
        temporal = np.array([m.temporal for m in mappings], dtype=np.int64)
        order = np.array([[[DIM_INDEX[d] for d in o] for o in m.orders] for m in mappings], dtype=np.int64)
        spatial = np.array([m.spatial for m in mappings], dtype=np.int64).reshape(len(mappings), -1)
        lifts = np.array([m.lifts for m in mappings], dtype=np.int64).reshape(len(mappings), 3, 2)
        return cls(temporal, order, spatial, lifts)

    def mapping(self, i: int, n_slots: int | None = None) -> Mapping:
        """Row i as a ``Mapping``, with its first ``n_slots`` spatial factors only (a batch of
        problems stacked together pads every array to the most slots; None: all of them)."""
        return self.mappings([i], [n_slots])[0]

    def mappings(self, rows: list[int], n_slots: list[int | None]) -> list[Mapping]:
        """``mapping(rows[j], n_slots[j])`` for every j, the arrays converted once."""
        temporal, order = self.temporal[rows].tolist(), self.order[rows].tolist()
        spatial, lifts = self.spatial[rows].tolist(), self.lifts[rows].tolist()
        return [Mapping(temporal=tuple(map(tuple, temporal[j])),
                        orders=tuple(tuple(DIMS[d] for d in level) for level in order[j]),
                        spatial=tuple(spatial[j][:n_slots[j]]),
                        lifts=tuple(map(tuple, lifts[j])))
                for j in range(len(rows))]
