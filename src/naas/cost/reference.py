"""The readable scalar reference of the cost model: one layer, one mapping, plain Python.

It exists to be read and to hold the batched kernel to account; search never calls it.
"""

from __future__ import annotations

from naas.arch.spec import Accelerator
from naas.cost import noc, rules
from naas.cost.energy import EnergyTable, energy_table
from naas.cost.result import ENERGY_LEVELS, LayerCost
from naas.errors import NaasError
from naas.mapping.mapping import LEVELS, Mapping
from naas.workload.dims import DIM_INDEX, DIMS, OPERANDS, RELEVANT, WHOLLY_RELEVANT
from naas.workload.layer import Layer


def spatial_factors_per_dim(arch: Accelerator, mapping: Mapping) -> list[int]:
    """Product of the spatial factors unrolling each dim (1 where no axis unrolls it)."""
    per_dim = [1] * len(DIMS)
    for (_, dim), factor in zip(arch.spatial_slots, mapping.spatial):
        per_dim[DIM_INDEX[dim]] *= factor
    return per_dim


def spatial_factors_per_axis(arch: Accelerator, mapping: Mapping) -> list[int]:
    """Product of the spatial factors along each array axis: the PEs it keeps busy."""
    per_axis = [1] * len(arch.axes)
    for (axis, _), factor in zip(arch.spatial_slots, mapping.spatial):
        per_axis[axis] *= factor
    return per_axis


def mesh_spread(arch: Accelerator, mapping: Mapping) -> list[list[int]]:
    """``naas.cost.noc``'s spread: the PEs busy along each axis, then each operand's r_a."""
    slot_axis = [a for a, _ in arch.spatial_slots]
    relevance = [noc.relevance_bits(d) for _, d in arch.spatial_slots]
    n_axes = len(arch.axes)
    spread = [spatial_factors_per_axis(arch, mapping)] + [[1] * n_axes for _ in range(3)]
    noc.fill_relevant_spread(mapping.spatial, slot_axis, relevance, len(slot_axis), n_axes, spread)
    return spread


def noc_energy_parts(arch: Accelerator, spread: list[list[int]] | None, energies: EnergyTable, op: int,
                     l1_fills: int, pe_words: int, array_tile: int, l1_distinct: int, pes_used: int,
                     noc_words: int) -> dict[str, float]:
    """Operand ``op``'s network energy by part (``LayerCost.noc_breakdown_pj``): the flat price
    of its ``noc_words``, or the mesh's wire per axis and reduction adds (``naas.cost.noc``;
    ``spread`` from ``mesh_spread``, None for a flat network; ``pe_words`` the words each PE
    loads, ``rules.operand_accesses``)."""
    if spread is None:
        return {"flat": energies.noc_pj * noc_words}
    n_axes = len(arch.axes)
    psums_in = rules.psums_returned(l1_fills, l1_distinct, array_tile)
    parts = {}
    for a, axis in enumerate(arch.axes):
        tree, to_root, _ = noc.axis_hops(op, a, spread, n_axes, n_axes)
        parts[f"axis {a} ({axis.label})"] = noc.wire_energy_pj(op, pe_words, psums_in, tree, to_root,
                                                              energies.hop_pj)
    distinct = noc.mesh_hops(op, spread, n_axes, n_axes)[2]
    parts["reduction adds"] = noc.reduction_energy_pj(op, pe_words, pes_used, distinct, energies.add_pj)
    return parts


def require_slots(name: str, arch: Accelerator, mapping: Mapping) -> None:
    """Refuse a mapping of layer ``name`` whose spatial factors are not one per spatial slot."""
    slots = arch.spatial_slots
    if len(mapping.spatial) != len(slots):
        raise NaasError(
            f"mapping {name} spatial: {len(mapping.spatial)} factors for an array of {len(slots)} spatial "
            f"slots ({', '.join(f'axis {a} {d}' for a, d in slots)}); give one per slot"
        )


def invalid_reason(layer: Layer, arch: Accelerator, mapping: Mapping) -> str:
    """The first rule ``mapping`` breaks on ``arch``, as a sentence; '' when it is valid."""
    code, arg = _validity(layer, arch, mapping)
    return describe_violation(code, arg, layer, arch)


def describe_violation(code: int, arg: int, layer: Layer, arch: Accelerator) -> str:
    if code == rules.VALID:
        return ""
    if code == rules.BAD_FACTOR:
        return f"factor of {DIMS[arg]} is < 1; every factor must be a positive integer"
    if code == rules.NOT_COVERED:
        return (f"factors of {DIMS[arg]} multiply to less than its size {layer.dims[arg]}; "
                "raise a tiling factor")
    if code == rules.SPATIAL_OVERFLOW:
        axis = arch.axes[arg]
        return (f"spatial factors of axis {arg} ({', '.join(axis.unrolled_dims)}) multiply to more than its "
                f"{axis.size} PEs")
    if code == rules.L1_OVERFLOW:
        return f"L1 tile of {OPERANDS[arg]} does not fit the {arch.l1_bytes.as_tuple()[arg]} B per-PE buffer"
    if arg < 0:
        return f"L2 tiles do not fit the unified {arch.l2_bytes} B global buffer"
    return f"L2 tile of {OPERANDS[arg]} does not fit its global-buffer part"


def cuts(mapping: Mapping, op: int) -> tuple[int, int]:
    """Where operand ``op``'s L1 and L2 end in the 24-loop nest (innermost first)."""
    return 8 + mapping.lifts[op][0], 16 + mapping.lifts[op][1]


def loops_inside(dims: list[int], bounds: list[int], cut: int) -> list[int]:
    """Per dim, the product of the loops of the nest (``dims``, ``bounds``, innermost first)
    below position ``cut``."""
    per_dim = [1] * len(DIMS)
    for d, bound in zip(dims[:cut], bounds[:cut]):
        per_dim[d] *= bound
    return per_dim


def _tiles(layer: Layer, arch: Accelerator, mapping: Mapping):
    """Footprints per operand (each inside its own cuts): per-PE L1 tile, the array's tile,
    the L2 tile; the loop bounds per dim inside each; the L2 loops."""
    spatial = spatial_factors_per_dim(arch, mapping)
    geometry = (layer.stride_h, layer.stride_w, layer.dilation_h, layer.dilation_w)
    dims, bounds = outer_loops(mapping, -1)
    tiles, tile_loops = {}, {}
    for op, name in enumerate(OPERANDS):
        cut1, cut2 = cuts(mapping, op)
        l1_loops = loops_inside(dims, bounds, cut1)
        array_loops = [l1_loops[d] * spatial[d] for d in range(len(DIMS))]
        l2_loops = [loops * spatial[d] for d, loops in enumerate(loops_inside(dims, bounds, cut2))]
        tile_loops[name] = (l1_loops, array_loops, l2_loops)
        tiles[name] = tuple(rules.operand_footprint(op, loops, *geometry) for loops in tile_loops[name])
    l2_loops = rules.level_loops(1, mapping.temporal, spatial, [0] * len(DIMS))
    return spatial, tiles, l2_loops, tile_loops


def _validity(layer: Layer, arch: Accelerator, mapping: Mapping) -> tuple[int, int]:
    for level in mapping.temporal:
        for d, factor in enumerate(level):
            if factor < 1:
                return rules.BAD_FACTOR, d
    for (_, dim), factor in zip(arch.spatial_slots, mapping.spatial):
        if factor < 1:
            return rules.BAD_FACTOR, DIM_INDEX[dim]
    spatial, tiles, l2_loops, _ = _tiles(layer, arch, mapping)
    for d in range(len(DIMS)):
        if l2_loops[d] * mapping.temporal[2][d] < layer.dims[d]:
            return rules.NOT_COVERED, d
    for a, (axis, used) in enumerate(zip(arch.axes, spatial_factors_per_axis(arch, mapping))):
        if used > axis.size:
            return rules.SPATIAL_OVERFLOW, a
    over = rules.buffer_overflow([tiles[name][0] for name in OPERANDS], arch.l1_words(), False)
    if over != rules.FITS:
        return rules.L1_OVERFLOW, over
    over = rules.buffer_overflow([tiles[name][2] for name in OPERANDS], arch.l2_words(), arch.l2_unified)
    if over != rules.FITS:
        return rules.L2_OVERFLOW, over
    return rules.VALID, 0


def outer_loops(mapping: Mapping, level: int) -> tuple[list[int], list[int]]:
    """(dims, bounds) of the temporal loops outside temporal level ``level``, innermost first
    (level -1: the whole nest)."""
    dims: list[int] = []
    bounds: list[int] = []
    for upper in range(level + 1, len(LEVELS)):
        for name in reversed(mapping.orders[upper]):
            dims.append(DIM_INDEX[name])
            bounds.append(mapping.temporal[upper][DIM_INDEX[name]])
    return dims, bounds


def relevance(op: int, loop_dims: list[int], table=RELEVANT) -> list[int]:
    """1 for each loop whose dim is relevant to operand ``op`` (by ``table``), else 0."""
    return [int(table[op, d]) for d in loop_dims]


def evaluate_mapping(
    layer: Layer, arch: Accelerator, mapping: Mapping, energies: EnergyTable | None = None
) -> LayerCost:
    """Energy, latency, utilisation and validity of one mapping, with breakdowns."""
    require_slots(layer.name, arch, mapping)
    energies = energies or energy_table(arch)
    code, arg = _validity(layer, arch, mapping)
    if code == rules.BAD_FACTOR:
        inf = float("inf")
        return LayerCost(inf, inf, inf, {}, {}, 0.0, False, describe_violation(code, arg, layer, arch))
    spatial, tiles, _, tile_loops = _tiles(layer, arch, mapping)
    geometry = (layer.stride_h, layer.stride_w, layer.dilation_h, layer.dilation_w)

    compute_cycles = 1
    for level in mapping.temporal:
        for factor in level:
            compute_cycles *= factor
    pes_used = 1
    for factor in spatial:
        pes_used *= factor
    macs = compute_cycles * pes_used

    dims0, bounds0 = outer_loops(mapping, -1)
    accesses: dict[str, dict[str, tuple[int, int]]] = {lvl: {} for lvl in ENERGY_LEVELS}
    breakdown: dict[str, dict[str, float]] = {lvl: {} for lvl in ENERGY_LEVELS}
    array_words = 0
    dram_words = 0
    l1_fill_counts = []
    l2_fill_counts = []
    l1_distinct_counts = []
    pe_words = []
    noc_parts: dict[str, dict[str, float]] = {}
    spread = mesh_spread(arch, mapping) if arch.noc_model == "mesh" else None
    for op, name in enumerate(OPERANDS):
        l1_tile, array_tile, l2_tile = tiles[name]
        cut1, cut2 = cuts(mapping, op)
        dims1, bounds1 = dims0[cut1:], bounds0[cut1:]
        dims2, bounds2 = dims0[cut2:], bounds0[cut2:]
        relevant1, relevant2 = relevance(op, dims1), relevance(op, dims2)
        l1_fills = rules.fill_count(relevant1, bounds1, len(dims1), 0)
        l1_fill_counts.append(l1_fills)
        l2_fills = rules.fill_count(relevant2, bounds2, len(dims2), 0)
        l2_fill_counts.append(l2_fills)
        l1_distinct = rules.distinct_tiles(relevant1, bounds1, len(dims1), 0)
        l1_distinct_counts.append(l1_distinct)
        l2_distinct = rules.distinct_tiles(relevant2, bounds2, len(dims2), 0)
        held = rules.held_run(relevance(op, dims0), bounds0, len(dims0)) if arch.hold_operands and op != 2 else 1
        words = (l1_fills * l1_tile, l1_fills * array_tile, l2_fills * l2_tile)
        if op == 1 and arch.halo_reuse:
            refill1 = rules.refill_loop(relevant1, bounds1, dims1, len(dims1), 0)
            refill2 = rules.refill_loop(relevant2, bounds2, dims2, len(dims2), 0)
            words = rules.input_fill_words(refill1, refill2, l1_fills, l2_fills, tiles[name], tile_loops[name],
                                           geometry)
        if op == 1 and arch.input_multicast == "per_pe":
            words = (words[0], words[0] * rules.distinct_windows(spatial, tile_loops[name][0], geometry), words[2])
        counts = rules.operand_accesses(op, macs, pes_used, array_tile, words, l1_fills, l2_fills, l1_distinct,
                                        l2_distinct, l2_tile, held)
        accesses["L1"][name] = (counts[rules.L1_READS], counts[rules.L1_WRITES])
        accesses["L2"][name] = (counts[rules.L2_READS], counts[rules.L2_WRITES])
        accesses["DRAM"][name] = (counts[rules.DRAM_READS], counts[rules.DRAM_WRITES])
        accesses["NoC"][name] = (counts[rules.NOC_WORDS], 0)
        breakdown["L1"][name] = energies.l1_pj[op] * (counts[rules.L1_READS] + counts[rules.L1_WRITES])
        breakdown["L2"][name] = energies.l2_pj[op] * (counts[rules.L2_READS] + counts[rules.L2_WRITES])
        breakdown["DRAM"][name] = energies.dram_pj * (counts[rules.DRAM_READS] + counts[rules.DRAM_WRITES])
        for part, pj in noc_energy_parts(arch, spread, energies, op, l1_fills, words[0], array_tile, l1_distinct,
                                         pes_used, counts[rules.NOC_WORDS]).items():
            noc_parts.setdefault(part, {})[name] = pj
        breakdown["NoC"][name] = sum(noc_parts[part][name] for part in noc_parts)
        array_words += rules.array_traffic_words(op, words[1], l1_fills, array_tile, l1_distinct)
        pe_words.append(words[0])
        dram_words += counts[rules.DRAM_READS] + counts[rules.DRAM_WRITES]

    mac_energy = energies.mac_pj * macs
    energy = mac_energy + sum(sum(per_op.values()) for per_op in breakdown.values())
    stationary = -1 if arch.systolic is None else OPERANDS.index(arch.systolic)
    fill_drain = rules.systolic_fill_drain_cycles([a.size for a in arch.axes], len(arch.axes), stationary,
                                                  l1_fill_counts)
    if arch.latency_model == "ports":
        stall = rules.nest_port_stall_cycles(
            bounds0, [relevance(op, dims0) for op in range(3)],
            [relevance(op, dims0, WHOLLY_RELEVANT) for op in range(3)], mapping.lifts, 8, compute_cycles,
            [tiles[name][0] for name in OPERANDS], [tiles[name][1] for name in OPERANDS],
            [tiles[name][2] for name in OPERANDS], l1_fill_counts, l2_fill_counts,
            l1_distinct, l2_distinct, macs,  # the operand loop ended on O: the output's distinct tiles
            arch.l1_words(), arch.l2_words(), arch.l2_unified, arch.port_words())
        latency = compute_cycles + fill_drain + stall
    else:
        latency = rules.latency_cycles(compute_cycles, array_words, dram_words,
                                       arch.noc_words_per_cycle, arch.dram_words_per_cycle, fill_drain)
    if spread is not None:
        n_axes, links = len(arch.axes), [a.link_width for a in arch.axes]
        for op, name in enumerate(OPERANDS):
            distinct = noc.mesh_hops(op, spread, n_axes, n_axes)[2]
            busiest = noc.busiest_link(op, spread, n_axes, n_axes, links)
            psums_in = rules.psums_returned(l1_fill_counts[op], l1_distinct_counts[op], tiles[name][1])
            latency = max(latency, noc.link_cycles(op, pe_words[op], psums_in, distinct,
                                                   busiest))
    return LayerCost(
        energy_pj=energy,
        latency_cycles=latency,
        mac_energy_pj=mac_energy,
        energy_breakdown_pj=breakdown,
        accesses=accesses,
        utilization=layer.macs / (arch.num_pes * latency),
        valid=code == rules.VALID,
        reason=describe_violation(code, arg, layer, arch),
        compute_cycles=compute_cycles,
        noc_breakdown_pj=noc_parts,
    )

