"""Connectivities as categories: which loop dims may run along each array axis, the candidates a
sweep scores, and when two designs are one design with its axes listed in another order.

A connectivity is a tuple of axes, each a tuple of dims (``(("R", "K", "C"), ("P",))`` is
Eyeriss's RKC x P). Candidates use only the dims that are larger than 1 in some layer of the
networks (N and G are 1 in most CNNs: an axis of them is dead). G is never listed on its own:
an axis with C or K unrolls G beside it (``ArrayAxis.unrolled_dims``), which is how depthwise
layers reach the array.
"""

from __future__ import annotations

from itertools import permutations

from naas.arch.spec import Accelerator
from naas.workload.dims import DIMS
from naas.workload.network import Network

Connectivity = tuple[tuple[str, ...], ...]

#: dims an axis may unroll at most: Eyeriss's RKC rows are the widest hand axis we know
MAX_DIMS_PER_AXIS = 3


def active_dims(networks: list[Network]) -> tuple[str, ...]:
    """Dims larger than 1 in some layer, in DIMS order, G left to the channel dims."""
    used = {d for network in networks for nl in network.layers for d in DIMS if getattr(nl.layer, d) > 1}
    return tuple(d for d in DIMS if d in used and d != "G")


def canonical(connectivity: Connectivity) -> Connectivity:
    """Each axis' dims in DIMS order."""
    return tuple(tuple(d for d in DIMS if d in axis) for axis in connectivity)


def design_identity(design: Accelerator) -> tuple:
    """What a design is regardless of the order its axes are listed in: a C16 x K8 array is a
    K8 x C16 array (the cost model routes axes in their cheapest order and the mapping search
    places factors per axis)."""
    axes = sorted((axis.size, tuple(sorted(axis.parallel_dims)), axis.link_words_per_cycle or 0.0)
                  for axis in design.axes)
    return (tuple(axes), design.l1_bytes.as_tuple(), design.l2_bytes)


def ordered_tuples(dims: tuple[str, ...], max_axes: int) -> list[Connectivity]:
    """Every one-dim-per-axis connectivity of 1 to ``max_axes`` (at most 2) axes: the space the
    paper's encoding spans at those axis counts, small enough to score whole (42 at 7 dims)."""
    out: list[Connectivity] = []
    for k in range(1, min(2, max_axes) + 1):
        out += [tuple((d,) for d in combo) for combo in permutations(dims, k)]
    return out


def neighbours(connectivity: Connectivity, dims: tuple[str, ...], max_axes: int) -> list[Connectivity]:
    """Every connectivity one move away: replace, add or remove one dim on one axis, move a dim
    to another axis, swap two axes (sizes stay with their positions), drop an axis, or add an
    axis of one unused dim."""
    axes = [list(a) for a in connectivity]
    used = {d for a in axes for d in a}
    free = [d for d in dims if d not in used]
    moves: list[list[list[str]]] = []
    for i, axis in enumerate(axes):
        for j, d in enumerate(axis):
            for f in free:
                moves.append([a if k != i else axis[:j] + [f] + axis[j + 1:] for k, a in enumerate(axes)])
            if len(axis) > 1:
                moves.append([a if k != i else axis[:j] + axis[j + 1:] for k, a in enumerate(axes)])
                for t in range(len(axes)):
                    if t != i and len(axes[t]) < MAX_DIMS_PER_AXIS:
                        moves.append([axis[:j] + axis[j + 1:] if k == i else a + [d] if k == t else a
                                      for k, a in enumerate(axes)])
        if len(axis) < MAX_DIMS_PER_AXIS:
            for f in free:
                moves.append([a + [f] if k == i else a for k, a in enumerate(axes)])
        for t in range(i + 1, len(axes)):
            swapped = list(axes)
            swapped[i], swapped[t] = axes[t], axes[i]
            moves.append(swapped)
        if len(axes) > 1:
            moves.append(axes[:i] + axes[i + 1:])
    if len(axes) < max_axes:
        moves += [axes + [[f]] for f in free]
    seen = {canonical(connectivity)}
    out = []
    for move in moves:
        c = canonical(tuple(tuple(a) for a in move))
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out
