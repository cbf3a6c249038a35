"""The cost of one mapping from its loop bounds, written once for both batched backends: the
numba kernel calls it per candidate with scalars, the torch backend once with tensors holding a
whole batch (see ``naas.cost.rules`` for what such code may and may not do).

Sequences are indexed [dim], [axis], [operand] or [level][dim] with plain ints. The caller
gathers what depends on the loop order (``nest_bounds``, ``nest_relevant``, ``uneven``), because
gathering by a value is spelt differently in numba and torch, and provides the scratch sequences
written here, ``loops`` (4 x 8: the L1, array and L2 tiles' loop bounds per dim, then the
spatial factor per dim) and ``parts`` (numpy arrays in numba, lists in torch).
"""

from __future__ import annotations

from numba.extending import register_jitable

from naas.branchfree import larger, pick
from naas.cost import noc, rules
from naas.cost.target import HALO_REUSE, HOLD_OPERANDS, INPUT_PER_PE, L2_UNIFIED, NOC_MESH, PORT_MODEL


@register_jitable
def _first_failure(code, arg, failed, new_code, new_arg):
    """Keep the first rule a mapping breaks: (code, arg) unless it is still valid (code VALID,
    arg 0) and fails now."""
    take = (code == rules.VALID) * failed
    return code + take * new_code, arg + take * new_arg


@register_jitable
def _halo_words(on, words, relevant, nest_bounds, nest_dims, lifts, l1_fills, l2_fills, l1_tile, array_tile,
                l2_tile, loops, uneven, geometry):
    """The input operand's ``words`` (``rules.operand_accesses``), with halo reuse
    (``rules.input_fill_words``) where ``on``."""
    refill1 = rules.refill_loop(relevant[8:], nest_bounds[8:], nest_dims[8:], 16, lifts[1][0])
    refill2 = rules.refill_loop(relevant[16:], nest_bounds[16:], nest_dims[16:], 8, lifts[1][1])
    tiles = (l1_tile, array_tile, l2_tile)
    # the even and uneven tile loops are different types to numba, so each gets its own call
    if uneven is None:
        halo = rules.input_fill_words(refill1, refill2, l1_fills, l2_fills, tiles, (loops[0], loops[1], loops[2]),
                                      geometry)
    else:
        halo = rules.input_fill_words(refill1, refill2, l1_fills, l2_fills, tiles,
                                      (rules.scaled(loops[0], uneven[1][0]), rules.scaled(loops[1], uneven[1][0]),
                                       rules.scaled(loops[2], uneven[1][1])), geometry)
    return (pick(on, halo[0], words[0]), pick(on, halo[1], words[1]), pick(on, halo[2], words[2]))


@register_jitable
def _input_windows(loops, uneven, geometry):
    """``rules.distinct_windows`` of the per-PE input tile (its uneven cut's, if any);
    ``loops[3]`` holds the spatial factor per dim."""
    if uneven is None:
        return rules.distinct_windows(loops[3], loops[0], geometry)
    return rules.distinct_windows(loops[3], rules.scaled(loops[0], uneven[1][0]), geometry)


@register_jitable
def mapping_cost(hw, k, temporal, spatial, n_slots: int, nest_bounds, nest_relevant, nest_wholly, nest_dims, uneven,
                 any_of, loops, spread, parts):
    """(energy_pj, latency_cycles, code, arg) of a mapping, and its energy per level and
    operand written into ``parts[level][op]`` (levels L1, L2, DRAM, NoC).

    ``hw`` is the ``naas.cost.target.Targets`` of the problem(s) and ``k`` which: ``hw.f[k]`` is
    field f (numba passes a problem's index, torch ``...`` over its whole batch, whose fields are
    laid out to broadcast). ``temporal[level][dim]`` are the L1, L2 and DRAM tiling factors and
    ``spatial[s]`` the factor of each of the first ``n_slots`` spatial slots (dim
    ``hw.slot_dim``, along axis ``hw.slot_axis``; an axis's factors multiply to at most its
    size). ``nest_bounds`` are the
    24 temporal loops innermost first (the L1, L2 and DRAM blocks in their orders);
    ``nest_relevant[op][i]`` / ``nest_wholly[op][i]`` are 1 where loop i is relevant / wholly
    relevant to operand op; ``nest_dims[i]`` is loop i's dim (read where ``any_of[4]``: halo
    reuse). ``uneven`` is None for an even mapping; for an uneven one
    (``Mapping.lifts``), ``uneven[op][level][dim]`` is the product per dim of the loops operand
    op's cut lifts into its L1 (level 0) or L2 (level 1) tile and ``uneven[op][level][8]`` how
    many loops that is. Being None or not is a type, so numba compiles the even path without
    the uneven code. ``any_of`` = (any candidate uses the port model, any holds operands),
    fixed by the caller, so that a batch without them does not pay for them;
    ``any_of[2]``: any candidate's network is a mesh (``naas.cost.noc``), ``any_of[3]``: any of
    those has an axis with a link width, ``any_of[4]``: any reuses input halos
    (``rules.halo_fill_words``), ``any_of[5]``: any reads input windows per PE. ``code``/``arg`` are the first validity
    rule broken (``rules.VALID`` when none); a mapping with a factor < 1 still gets numbers here,
    which the caller discards.
    """
    any_port_model, any_hold, any_mesh, any_links = any_of[0], any_of[1], any_of[2], any_of[3]
    any_halo, any_per_pe = any_of[4], any_of[5]
    layer_dims, geometry, axis_size = hw.layer_dims[k], hw.geometry[k], hw.axis_size[k]
    slot_dim, slot_axis = hw.slot_dim[k], hw.slot_axis[k]
    n_axes = axis_size.shape[0]
    switch = hw.switches[k]
    l1_words, l2_words, l2_unified = hw.l1_words[k], hw.l2_words[k], switch[L2_UNIFIED]
    e_l1, e_l2, e_noc, e_dram = hw.e_l1[k], hw.e_l2[k], hw.e_noc[k], hw.e_dram[k]
    systolic, port_model, hold_operands = hw.systolic[k], switch[PORT_MODEL], switch[HOLD_OPERANDS]
    slot_relevance, noc_mesh = hw.slot_relevance[k], switch[NOC_MESH]
    code = rules.VALID
    arg = 0
    for level in range(3):
        for d in range(8):
            code, arg = _first_failure(code, arg, temporal[level][d] < 1, rules.BAD_FACTOR, d)
    for s in range(n_slots):
        code, arg = _first_failure(code, arg, spatial[s] < 1, rules.BAD_FACTOR, slot_dim[s])
    compute = 1
    pes_used = 1
    for d in range(8):
        unroll = 1
        for s in range(n_slots):
            unroll = unroll * pick(slot_dim[s] == d, spatial[s], 1)
        loops[0][d] = temporal[0][d]
        loops[1][d] = temporal[0][d] * unroll
        loops[3][d] = unroll
        loops[2][d] = loops[1][d] * temporal[1][d]
        compute = compute * temporal[0][d] * temporal[1][d] * temporal[2][d]
        pes_used = pes_used * unroll
    for d in range(8):
        code, arg = _first_failure(code, arg, loops[2][d] * temporal[2][d] < layer_dims[d],
                                   rules.NOT_COVERED, d)
    for a in range(n_axes):
        used = 1
        for s in range(n_slots):
            used = used * pick(slot_axis[s] == a, spatial[s], 1)
        code, arg = _first_failure(code, arg, used > axis_size[a], rules.SPATIAL_OVERFLOW, a)
        spread[0][a] = used
    if uneven is None:
        lifts = ((0, 0), (0, 0), (0, 0))
        max_lift = 0
        l1_tiles = rules.footprints(loops[0], geometry)
        array_tiles = rules.footprints(loops[1], geometry)
        l2_tiles = rules.footprints(loops[2], geometry)
    else:
        lifts = ((uneven[0][0][8], uneven[0][1][8]), (uneven[1][0][8], uneven[1][1][8]),
                 (uneven[2][0][8], uneven[2][1][8]))
        max_lift = 8
        l1_lifted = (uneven[0][0], uneven[1][0], uneven[2][0])
        l2_lifted = (uneven[0][1], uneven[1][1], uneven[2][1])
        l1_tiles = rules.uneven_footprints(loops[0], l1_lifted, geometry)
        array_tiles = rules.uneven_footprints(loops[1], l1_lifted, geometry)
        l2_tiles = rules.uneven_footprints(loops[2], l2_lifted, geometry)
    over = rules.buffer_overflow(l1_tiles, l1_words, False)
    code, arg = _first_failure(code, arg, over != rules.FITS, rules.L1_OVERFLOW, over)
    over = rules.buffer_overflow(l2_tiles, l2_words, l2_unified)
    code, arg = _first_failure(code, arg, over != rules.FITS, rules.L2_OVERFLOW, over)

    macs = compute * pes_used
    energy = hw.e_mac[k] * macs
    array_words = 0
    dram_words = 0
    outer = nest_bounds[8:]
    l1_fills_by_op = (rules.fill_count(nest_relevant[0][8:], outer, 16, lifts[0][0]),
                      rules.fill_count(nest_relevant[1][8:], outer, 16, lifts[1][0]),
                      rules.fill_count(nest_relevant[2][8:], outer, 16, lifts[2][0]))
    l2_fills_by_op = (rules.fill_count(nest_relevant[0][16:], nest_bounds[16:], 8, lifts[0][1]),
                      rules.fill_count(nest_relevant[1][16:], nest_bounds[16:], 8, lifts[1][1]),
                      rules.fill_count(nest_relevant[2][16:], nest_bounds[16:], 8, lifts[2][1]))
    held_by_op = (1, 1, 1)
    if any_hold:
        held_by_op = (pick(hold_operands, rules.held_run(nest_relevant[0], nest_bounds, 24), 1),
                      pick(hold_operands, rules.held_run(nest_relevant[1], nest_bounds, 24), 1), 1)
    links = 0.0
    if any_mesh:
        noc.fill_relevant_spread(spatial, slot_axis, slot_relevance, n_slots, n_axes, spread)
    for op in range(3):
        relevant = nest_relevant[op]
        l1_fills = l1_fills_by_op[op]
        l1_distinct = rules.distinct_tiles(relevant[8:], outer, 16, lifts[op][0])
        l2_fills = l2_fills_by_op[op]
        l2_distinct = rules.distinct_tiles(relevant[16:], nest_bounds[16:], 8, lifts[op][1])
        words = (l1_fills * l1_tiles[op], l1_fills * array_tiles[op], l2_fills * l2_tiles[op])
        if op == 1 and any_halo:
            words = _halo_words(switch[HALO_REUSE], words, relevant, nest_bounds, nest_dims, lifts, l1_fills, l2_fills,
                                l1_tiles[op], array_tiles[op], l2_tiles[op], loops, uneven, geometry)
        if op == 1 and any_per_pe:
            words = (words[0], pick(switch[INPUT_PER_PE], words[0] * _input_windows(loops, uneven, geometry),
                                    words[1]), words[2])
        c = rules.operand_accesses(op, macs, pes_used, array_tiles[op], words, l1_fills, l2_fills, l1_distinct,
                                   l2_distinct, l2_tiles[op], held_by_op[op])
        parts[0][op] = e_l1[op] * (c[rules.L1_READS] + c[rules.L1_WRITES])
        parts[1][op] = e_l2[op] * (c[rules.L2_READS] + c[rules.L2_WRITES])
        parts[2][op] = e_dram * (c[rules.DRAM_READS] + c[rules.DRAM_WRITES])
        parts[3][op] = e_noc * c[rules.NOC_WORDS]
        if any_mesh:
            hops = noc.mesh_hops(op, spread, n_axes, hw.axis_count[k])
            psums_in = rules.psums_returned(l1_fills, l1_distinct, array_tiles[op])
            mesh = noc.mesh_energy_pj(op, words[0], psums_in, pes_used, hops, hw.e_hop[k], hw.e_add[k])
            parts[3][op] = pick(noc_mesh, mesh, parts[3][op])
            if any_links:
                busiest = noc.busiest_link(op, spread, n_axes, hw.axis_count[k], hw.axis_link[k])
                links = larger(links, noc.link_cycles(op, words[0], psums_in, hops[2], busiest))
        energy = energy + (parts[0][op] + parts[1][op] + parts[2][op] + parts[3][op])
        array_words = array_words + rules.array_traffic_words(op, words[1], l1_fills, array_tiles[op], l1_distinct)
        dram_words = dram_words + c[rules.DRAM_READS] + c[rules.DRAM_WRITES]
    fill_drain = rules.systolic_fill_drain_cycles(axis_size, n_axes, systolic, l1_fills_by_op)
    cycles = rules.latency_cycles(compute, array_words, dram_words, hw.links[k][0], hw.links[k][1], fill_drain)
    if any_port_model:
        # the operand loop ended on O: l1_distinct and l2_distinct are the output's
        stall = rules.nest_port_stall_cycles(nest_bounds, nest_relevant, nest_wholly, lifts, max_lift, compute, l1_tiles,
                                             array_tiles, l2_tiles, l1_fills_by_op, l2_fills_by_op,
                                             l1_distinct, l2_distinct, macs, l1_words, l2_words, l2_unified,
                                             hw.port_words[k])
        cycles = pick(port_model, compute + fill_drain + stall, cycles)
    if any_links:
        cycles = pick(noc_mesh, larger(cycles, links), cycles)
    return energy, cycles, code, arg

