"""The mesh network rules (``noc_model: mesh``): the wire a delivery round crosses along the
array axes, written once for the reference, the numba kernel and the torch backend (the same
restrictions as ``naas.cost.rules``). docs/cost-model.md derives them and works examples.

Geometry. The PEs sit on a grid, one PE pitch apart; the global buffer feeds the array from
the corner before the first PE of every axis, and a word is routed axis by axis, branching
along each next axis at every position it reached on the ones before. Along axis a the
mapping keeps s_a = r_a * m_a PEs busy, where r_a is the product of the spatial factors of
dims relevant to the operand (different words) and m_a of the irrelevant ones (copies of one
word: a multicast for W and I, a spatial reduction for O). The copies of a word sit next to
each other, so along one axis word j (0-based) of r_a spans (j + 1) * m_a pitches; summed over
the r_a words that is s_a (r_a + 1) / 2 pitches, and over the grid

    tree = sum_a (prod_{b before a} m_b) (prod_{b!=a} r_b) s_a (r_a + 1) / 2

pitches per round of one word to every busy PE. Each operand's network routes its axes in the
order that makes this least (Eyeriss has one network per operand): swapping two neighbouring
axes shows that order is ascending (m_a - 1) / (m_a (r_a + 1)), unicast axes first, multicast
and reduction axes last. A unicast to s PEs along one line is then
s (s + 1) / 2 (average (s + 1) / 2 hops), a multicast to all of them s (the wire spanned), a
systolic forward the same s neighbour hops. Partial sums reduced along an axis cross the same
tree in reverse, with one add per merged sum; a partial sum sent back to its group's first PE
(the reduction's root) crosses ``to_root`` = sum_a (m_a (r_a - 1) / 2 + 1) pitches. Both are
returned doubled so they stay integers (a torch int64 / 2 would be float32). The rules a
mapping search calls per candidate are inlined where numba compiles them, as ``naas.cost.rules``
says why.
"""

from __future__ import annotations

from numba.extending import register_jitable

from naas.branchfree import larger, pick
from naas.workload.dims import DIM_INDEX, RELEVANT


def relevance_bits(dim: str) -> int:
    """A slot's ``slot_relevance``: bit op (0 W, 1 I, 2 O) set where ``dim`` is relevant to it."""
    return sum(1 << op for op in range(RELEVANT.shape[0]) if RELEVANT[op, DIM_INDEX[dim]])


@register_jitable(inline="always")
def fill_relevant_spread(spatial, slot_axis, slot_relevance, n_slots: int, n_axes: int, spread):
    """Write r_a of every operand into ``spread[1 + op][a]``: the product of the spatial factors
    of the slots on axis a whose dim is relevant to it (bit ``op`` of ``slot_relevance``).
    ``spread[0][a]`` is the caller's: s_a, the PEs busy along axis a."""
    for a in range(n_axes):
        r_w = 1
        r_i = 1
        r_o = 1
        for s in range(n_slots):
            factor = pick(slot_axis[s] == a, spatial[s], 1)
            bits = slot_relevance[s]
            r_w = r_w * pick(bits & 1, factor, 1)
            r_i = r_i * pick((bits >> 1) & 1, factor, 1)
            r_o = r_o * pick((bits >> 2) & 1, factor, 1)
        spread[1][a] = r_w
        spread[2][a] = r_i
        spread[3][a] = r_o


@register_jitable(inline="always")
def axis_hops(op: int, a: int, spread, n_axes: int, axis_count):
    """Axis ``a``'s share of one round of operand ``op``: (2 x its term of tree, 2 x its term of
    to_root, prod r_b over the axes routed after a) (module docstring), from ``spread``
    (``fill_relevant_spread``). Axes from ``axis_count`` on are padding and cost nothing."""
    r_a = spread[1 + op][a]
    m_a = spread[0][a] // larger(r_a, 1)  # >= 1: a mapping with a factor < 1 still flows through
    branched = 1
    across = 1
    after = 1
    for b in range(n_axes):
        if b != a:
            r_b = spread[1 + op][b]
            m_b = spread[0][b] // larger(r_b, 1)
            across = across * r_b
            # routed before a: the cheaper order (module docstring), ties by axis index
            key_b = (m_b - 1) * m_a * (r_a + 1)
            key_a = (m_a - 1) * m_b * (r_b + 1)
            before = (key_b < key_a) * 1 + (key_b == key_a) * (b < a)
            branched = branched * pick(before, m_b, 1)
            after = after * pick(before, 1, r_b)
    real = (a < axis_count) * 1
    return real * branched * across * r_a * m_a * (r_a + 1), real * (m_a * (r_a - 1) + 2), after


@register_jitable(inline="always")
def mesh_hops(op: int, spread, n_axes: int, axis_count):
    """(2 x tree, 2 x to_root, distinct) of operand ``op`` summed over the axes (``axis_hops``);
    ``distinct`` = prod_a r_a, the different words of one round per word of a PE's tile."""
    tree = 0
    to_root = 0
    distinct = 1
    for a in range(n_axes):
        t, u, _ = axis_hops(op, a, spread, n_axes, axis_count)
        tree = tree + t
        to_root = to_root + u
        distinct = distinct * spread[1 + op][a]
    return tree, to_root, distinct


@register_jitable(inline="always")
def busiest_link(op: int, spread, n_axes: int, axis_count, axis_link):
    """The largest, over the axes, of the words a line of the axis carries per round and word
    of a PE's tile for operand ``op`` (r_a x prod r_b over the axes routed after a: a multicast
    crosses it once) over the axis' link width ``axis_link[a]`` (inf: unbounded, 0)."""
    busiest = 0.0
    for a in range(n_axes):
        _, _, after = axis_hops(op, a, spread, n_axes, axis_count)
        busiest = larger(busiest, spread[1 + op][a] * after / axis_link[a])
    return busiest


@register_jitable
def link_cycles(op: int, pe_words, psums_in, distinct, busiest):
    """Cycles the busiest link of operand ``op``'s network needs for its words: the
    ``pe_words`` each PE loads over the layer (``rules.operand_accesses``), and for outputs the
    ``psums_in`` partial sums sent back, their share per line (``distinct`` from
    ``mesh_hops``, ``busiest`` from ``busiest_link``). One network per operand: the slowest
    of the three bounds the layer."""
    if op != 2:
        return busiest * pe_words
    # the float factor first: a torch int64 / int64 would be float32
    return busiest * pe_words + busiest * psums_in / larger(distinct, 1)


@register_jitable
def wire_energy_pj(op: int, pe_words, psums_in, tree, to_root, hop_pj):
    """Wire energy of one operand over (doubled) ``tree`` and ``to_root`` pitches, of all axes
    or one: the ``pe_words`` each PE loads move over the tree, and outputs send their
    ``psums_in`` partial sums back to the roots."""
    if op != 2:
        return 0.5 * hop_pj * (pe_words * tree)
    return 0.5 * hop_pj * (pe_words * tree + psums_in * to_root)


@register_jitable
def reduction_energy_pj(op: int, pe_words, pes_used, distinct, add_pj):
    """The adds of a spatial reduction: of the ``pes_used`` partial sums of an output word in
    a round (``pe_words`` per PE over the layer), all but its ``distinct`` words' are merged on
    the way."""
    if op != 2:
        return 0.0 * add_pj
    return add_pj * (pe_words * (pes_used - distinct))


@register_jitable
def mesh_energy_pj(op: int, pe_words, psums_in, pes_used, hops, hop_pj, add_pj):
    """Network energy of one operand on a mesh; ``hops`` is ``mesh_hops``'s answer."""
    return (wire_energy_pj(op, pe_words, psums_in, hops[0], hops[1], hop_pj)
            + reduction_energy_pj(op, pe_words, pes_used, hops[2], add_pj))
