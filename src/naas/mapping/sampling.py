"""Random mappings of a layer on an accelerator: the random-search baseline and test fodder."""

from __future__ import annotations

import numpy as np

from naas.arch.spec import Accelerator
from naas.mapping.mapping import LEVELS, MappingBatch
from naas.workload.dims import DIM_INDEX, DIMS
from naas.workload.layer import Layer


def random_mappings(layer: Layer, arch: Accelerator, count: int, rng: np.random.Generator,
                    uneven: bool = False) -> MappingBatch:
    """``count`` mappings whose factors cover every dim (ceil splits, log-uniform per level),
    with spatial factors within the axes (slot by slot, each up to what its axis has left) and uniformly random loop orders; with ``uneven``,
    half of them get uniformly random uneven cuts (``Mapping.lifts``). Capacity is not
    enforced: some candidates overflow a buffer, as a search's would."""
    dims = np.array(layer.dims, dtype=np.int64)
    slots = arch.spatial_slots
    spatial = np.ones((count, len(slots)), dtype=np.int64)
    unrolled = np.ones((count, len(DIMS)), dtype=np.int64)
    used = np.ones((count, len(arch.axes)), dtype=np.int64)
    for s, (a, dim) in enumerate(slots):
        d = DIM_INDEX[dim]
        remaining = -(-dims[d] // unrolled[:, d])
        hi = np.minimum(arch.axes[a].size // used[:, a], remaining)
        spatial[:, s] = rng.integers(1, hi + 1)
        unrolled[:, d] *= spatial[:, s]
        used[:, a] *= spatial[:, s]
    remaining = -(-dims[None, :] // unrolled)
    temporal = np.ones((count, len(LEVELS), len(DIMS)), dtype=np.int64)
    for level in range(len(LEVELS) - 1):
        share = rng.random((count, len(DIMS)))
        factor = np.maximum(1, np.floor(remaining.astype(np.float64) ** share + 1e-9)).astype(np.int64)
        temporal[:, level] = factor
        remaining = -(-remaining // factor)
    temporal[:, -1] = remaining
    order = np.argsort(rng.random((count, len(LEVELS), len(DIMS))), axis=2).astype(np.int64)
    lifts = None
    if uneven:
        lifts = rng.integers(0, len(DIMS) + 1, (count, 3, 2)) * (rng.random((count, 1, 1)) < 0.5)
    return MappingBatch(temporal, order, spatial, lifts)
