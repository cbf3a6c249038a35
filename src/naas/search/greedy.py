"""The greedy default mapper: good enough to evaluate a design without a search.

For each of a few stationarity presets it unrolls the array axes as fully as the layer allows,
fills L1 and then L2 greedily with the largest divisor of each remaining dim that still fits,
in the preset's priority order, and leaves the rest to DRAM. All presets are scored with the
batched cost model and the lowest-EDP valid mapping wins. This is a baseline, not a search.
``network_mappings`` gives every layer of a network its given mapping, or this default.
"""

from __future__ import annotations

from naas.arch.spec import Accelerator
from naas.cost import rules
from naas.cost.batched import evaluate_batch
from naas.cost.reference import require_slots
from naas.cost.target import compile_target
from naas.errors import NaasError
from naas.mapping.mapping import LEVELS, Mapping, MappingBatch
from naas.workload.dims import DIM_INDEX, DIMS, divisors, least_padding_factor
from naas.workload.layer import Layer
from naas.workload.network import Network

#: name -> (dims grown first at L1 and L2, loop order of L2 and DRAM from outermost to innermost).
#: The innermost loops of the order are irrelevant to the operand the preset keeps stationary.
PRESETS: dict[str, tuple[str, str]] = {
    "output_stationary": ("RSCQPKNG", "NGKPQCRS"),
    "weight_stationary": ("QPNRSCKG", "GKCRSNPQ"),
    "input_stationary": ("KRSCQPNG", "NGCPQRSK"),
}


def _spatial_factors(layer: Layer, arch: Accelerator) -> tuple[list[int], list[int]]:
    """Unroll each spatial slot in turn as far as its axis's free PEs allow, with the least
    padding; returns (spatial, remaining)."""
    remaining = list(layer.dims)
    used = [1] * len(arch.axes)
    spatial = []
    for a, dim in arch.spatial_slots:
        d = DIM_INDEX[dim]
        factor = least_padding_factor(remaining[d], arch.axes[a].size // used[a])
        spatial.append(factor)
        used[a] *= factor
        remaining[d] = -(-remaining[d] // factor)
    return spatial, remaining


def _fits(layer: Layer, arch: Accelerator, loops: list[int], level: int) -> bool:
    geometry = (layer.stride_h, layer.stride_w, layer.dilation_h, layer.dilation_w)
    return rules.tiles_fit(level, loops, geometry, arch.l1_words(), arch.l2_words(), arch.l2_unified)


def greedy_mapping(layer: Layer, arch: Accelerator, preset: str) -> Mapping:
    priority, order = PRESETS[preset]
    spatial, remaining = _spatial_factors(layer, arch)
    per_dim_spatial = [1] * len(DIMS)
    for (_, dim), factor in zip(arch.spatial_slots, spatial):
        per_dim_spatial[DIM_INDEX[dim]] *= factor
    temporal = [[1] * len(DIMS) for _ in LEVELS]
    loops = [1] * len(DIMS)
    for level in (0, 1):
        for name in priority:
            d = DIM_INDEX[name]
            for factor in reversed(divisors(remaining[d])):
                temporal[level][d] = factor
                if _fits(layer, arch, rules.level_loops(level, temporal, per_dim_spatial, loops), level):
                    break
            remaining[d] //= temporal[level][d]
    temporal[2] = remaining
    return Mapping(
        temporal=tuple(tuple(t) for t in temporal),
        orders=(tuple(DIMS), tuple(order), tuple(order)),
        spatial=tuple(spatial),
    )


def default_mapping(layer: Layer, arch: Accelerator) -> Mapping:
    """The best valid greedy mapping over PRESETS, by EDP under the batched model."""
    candidates = [greedy_mapping(layer, arch, p) for p in PRESETS]
    cost = evaluate_batch(compile_target(layer, arch), MappingBatch.from_mappings(candidates))
    if not cost.valid.any():
        raise NaasError(
            f"mapping: no greedy mapping of layer {layer.name!r} fits {arch.name!r} "
            "(the array's tiles overflow the global buffer); enlarge global_buffer bytes"
        )
    return candidates[int(cost.edp.argmin())]


def network_mappings(
    network: Network, arch: Accelerator, given: dict[str, Mapping] | None = None
) -> dict[str, Mapping]:
    """The given mapping of each layer, or the greedy default where none is given."""
    given = given or {}
    unknown = set(given) - {nl.layer.name for nl in network.layers}
    if unknown:
        raise NaasError(f"mapping: layers {sorted(unknown)} are not in network {network.name!r}; check the names")
    out = {}
    for nl in network.layers:
        m = given.get(nl.layer.name)
        if m is not None:
            require_slots(nl.layer.name, arch, m)
        out[nl.layer.name] = m if m is not None else default_mapping(nl.layer, arch)
    return out
