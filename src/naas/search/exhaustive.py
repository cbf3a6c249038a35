"""Exhaustive mapping search of small layers: the true optimum under the model.

It enumerates the space the decoders of ``mapping_encoding`` reach: every spatial unrolling
(the least-padding factor for each degree of parallelism), every split of each dim's remainder
into L1 x L2 x DRAM divisors, and every relative order of the loops that iterate (bound > 1) at
L2 and at DRAM (the order of bound-1 loops, and of L1 loops, changes nothing in the model).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from naas.arch.spec import Accelerator
from naas.cost.batched import evaluate_batch
from naas.cost.target import compile_target
from naas.mapping.mapping import Mapping, MappingBatch
from naas.search.objective import layer_objective
from naas.workload.dims import DIM_INDEX, DIMS, divisors, least_padding_factor
from naas.workload.layer import Layer


def _dim_options(layer: Layer, arch: Accelerator) -> tuple[list[list[tuple[int, int, int, int]]], list[int]]:
    """Per dim: (spatial, L1, L2, DRAM) factor options; and the dim of each spatial slot. A
    slot's factors go up to its axis's size; where slots share an axis the cost model refuses
    the combinations that overflow it. A dim's spatial factor goes to its first slot: a dim
    unrolled on several axes (G beside C and K) is enumerated only where the layer's size of
    it is 1, so that every other slot of it is 1 too."""
    slot_dims = [DIM_INDEX[d] for _, d in arch.spatial_slots]
    shared = {d for d in slot_dims if slot_dims.count(d) > 1 and layer.dims[d] > 1}
    if shared:
        names = ", ".join(sorted(DIMS[d] for d in shared))
        raise ValueError(f"exhaustive search enumerates one spatial slot per dim; {names} is unrolled "
                         "on several axes")
    options = []
    for d, size in enumerate(layer.dims):
        spatial = [1]
        if d in slot_dims:
            cap = min(arch.axes[arch.spatial_slots[slot_dims.index(d)][0]].size, size)
            spatial = sorted({least_padding_factor(size, w) for w in range(1, cap + 1)})
        per_dim = []
        for s in spatial:
            rem = -(-size // s)
            for f0 in divisors(rem):
                for f1 in divisors(rem // f0):
                    per_dim.append((s, f0, f1, rem // (f0 * f1)))
        options.append(per_dim)
    return options, slot_dims


def space_size(layer: Layer, arch: Accelerator) -> int:
    """How many mappings ``exhaustive_search`` would evaluate."""
    options, _ = _dim_options(layer, arch)
    total = 0
    for combo in itertools.product(*options):
        l2 = sum(1 for o in combo if o[2] > 1)
        dram = sum(1 for o in combo if o[3] > 1)
        total += math.factorial(l2) * math.factorial(dram)
    return total


@dataclass(frozen=True)
class ExhaustiveResult:
    mapping: Mapping
    objective: float
    evaluations: int


def _orders(active: list[int]) -> np.ndarray:
    """Every order of the active dims (outermost first), each followed by the idle dims."""
    idle = [d for d in range(8) if d not in active]
    return np.array([list(p) + idle for p in itertools.permutations(active)], dtype=np.int64)


def exhaustive_search(layer: Layer, arch: Accelerator, objective: str = "edp") -> ExhaustiveResult:
    options, slot_dims = _dim_options(layer, arch)
    target = compile_target(layer, arch)
    best_value, best_mapping, evaluations = np.inf, None, 0
    order_cache: dict[tuple[int, ...], np.ndarray] = {}
    for combo in itertools.product(*options):
        l2_active = tuple(d for d, o in enumerate(combo) if o[2] > 1)
        dram_active = tuple(d for d, o in enumerate(combo) if o[3] > 1)
        for key in (l2_active, dram_active):
            if key not in order_cache:
                order_cache[key] = _orders(list(key))
        l2_orders, dram_orders = order_cache[l2_active], order_cache[dram_active]
        count = len(l2_orders) * len(dram_orders)
        temporal = np.array([[o[1] for o in combo], [o[2] for o in combo], [o[3] for o in combo]], dtype=np.int64)
        order = np.empty((count, 3, 8), dtype=np.int64)
        order[:, 0] = np.arange(8)
        order[:, 1] = np.repeat(l2_orders, len(dram_orders), axis=0)
        order[:, 2] = np.tile(dram_orders, (len(l2_orders), 1))
        spatial = np.array([[combo[d][0] if slot_dims.index(d) == i else 1 for i, d in enumerate(slot_dims)]]
                           * count, dtype=np.int64)
        batch = MappingBatch(np.broadcast_to(temporal, (count, 3, 8)).copy(), order, spatial)
        cost = evaluate_batch(target, batch)
        value = layer_objective(objective, cost.energy_pj, cost.latency_cycles, cost.valid)
        evaluations += count
        i = int(np.argmin(value))
        if value[i] < best_value:
            best_value, best_mapping = float(value[i]), batch.mapping(i)
    if best_mapping is None:
        raise ValueError(f"no valid mapping of {layer.name} on {arch.name}")
    return ExhaustiveResult(best_mapping, best_value, evaluations)
