"""Encodings of an accelerator under a budget as a real vector in [0, 1]^n, and the decoder.

Importance encoding (NAAS), n = 18:
  genes[0]      array dimensionality k in 1..max_axes
  genes[1:9]    connectivity: one importance per loop dim; the top-k dims, most important first,
                are the parallel dims of the k axes
  genes[9]      PEs: log-uniform from sqrt(max) to max, in steps of 8
  genes[10:13]  shape: axis sizes (steps of 2) splitting the PEs in log-space (up to 4 axes)
  genes[13]     per-PE L1 bytes: log-uniform from one word per operand to 90 % of the budget
  genes[14:17]  how the L1 bytes split between W, I and O (steps of 16 B above 16 B)
  genes[17]     global buffer: log-uniform from 1/64 of what the L1s leave to all of it
Index encoding (the ablation): genes[1] is one real selecting an entry of the list of every
ordered k-tuple of distinct dims (8, 56, 336 or 1680 entries for k = 1..4), the k axes' parallel
dims; genes[2:9] are unused; everything numeric stays as above.

Every decoded design meets the PE and on-chip-byte budget by construction; an area budget, if
any, is checked by the caller.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np

from naas.arch.budget import Budget
from naas.arch.spec import Accelerator, ArrayAxis, OperandBytes
from naas.errors import field_error
from naas.workload.dims import DIM_INDEX, DIMS

PE_STEP = 8
AXIS_STEP = 2
BUFFER_STEP = 16
GENES = 18
#: the genes that split the PEs over the axes
SHAPE_GENES = slice(10, 13)


@dataclass(frozen=True)
class ArchSpace:
    """What the accelerator search may choose. ``fixed_dataflow`` (each axis's parallel dims, a
    tuple of dims or a string such as ``"RKC"``, as ``ArrayAxis`` takes them) pins the
    connectivity, for the sizing-only baseline."""

    budget: Budget
    max_axes: int = 2
    encoding: str = "importance"
    fixed_dataflow: tuple[tuple[str, ...], ...] | None = None

    def __post_init__(self) -> None:
        if self.fixed_dataflow is None and not 1 <= self.max_axes <= 4:
            raise field_error("search max_axes", "must be 1 to 4")
        if self.encoding not in ("importance", "index"):
            raise field_error("search encoding", "choose importance or index")
        if self.fixed_dataflow is not None:
            object.__setattr__(self, "fixed_dataflow", tuple(
                tuple(dims) if isinstance(dims, str) else dims for dims in self.fixed_dataflow))
            if not 1 <= len(self.fixed_dataflow) <= 4:
                raise field_error("search fixed_dataflow", "give the parallel dims of 1 to 4 axes")
            for dims in self.fixed_dataflow:
                if not isinstance(dims, tuple) or not dims or any(d not in DIM_INDEX for d in dims):
                    raise field_error("search fixed_dataflow", f"each axis needs a tuple of dims from {''.join(DIMS)}, "
                                      f"got {dims!r}")


def _round_step(value: float, step: int) -> int:
    """Nearest multiple of ``step`` (at least ``step``), or 1 below half a step."""
    if value < step / 2:
        return 1
    return max(step, int(round(value / step)) * step)


def _axis_sizes(pes: int, k: int, shape_genes: np.ndarray) -> list[int]:
    sizes = []
    left = pes
    for i in range(k - 1):
        # Axis i takes up to 2/(k-i) of the remaining log-size (all of it for the last split),
        # so on average the PEs spread evenly over the k axes.
        exponent = min(1.0, float(shape_genes[i]) * 2.0 / (k - i))
        size = _round_step(left ** exponent, AXIS_STEP)
        size = max(1, min(size, left))
        sizes.append(size)
        left = max(1, left // size)
    sizes.append(left if left < AXIS_STEP else (left // AXIS_STEP) * AXIS_STEP)
    return sizes


@functools.cache
def _ordered_tuples(k: int) -> tuple[tuple[tuple[str, ...], ...], ...]:
    return tuple(tuple((d,) for d in combo) for combo in itertools.permutations(DIMS, k))


def _parallel_dims(genes: np.ndarray, k: int, space: ArchSpace) -> tuple[tuple[str, ...], ...]:
    if space.fixed_dataflow is not None:
        return space.fixed_dataflow
    if space.encoding == "index":
        tuples = _ordered_tuples(k)
        return tuples[min(len(tuples) - 1, int(genes[1] * len(tuples)))]
    order = sorted(range(8), key=lambda d: -genes[1 + d])
    return tuple((DIMS[d],) for d in order[:k])


def decode_accelerator(genes: np.ndarray, space: ArchSpace, name: str = "naas") -> Accelerator:
    g = np.clip(np.asarray(genes, dtype=np.float64), 0.0, 1.0)
    budget = space.budget
    word = budget.word_bits // 8
    k = len(space.fixed_dataflow) if space.fixed_dataflow else min(space.max_axes, 1 + int(g[0] * space.max_axes))
    dims = _parallel_dims(g, k, space)
    pes_target = budget.max_pes ** (0.5 + 0.5 * g[9])
    pes_target = max(1, int(pes_target // PE_STEP) * PE_STEP) if pes_target >= PE_STEP else max(1, int(pes_target))
    sizes = _axis_sizes(min(pes_target, budget.max_pes), k, g[SHAPE_GENES])
    pes = math.prod(sizes)

    l2_floor = 3 * BUFFER_STEP
    l1_min = 3 * word
    l1_cap = max(l1_min, int(0.9 * (budget.max_onchip_bytes - l2_floor) / pes))
    l1_total = l1_min * (l1_cap / l1_min) ** g[13]
    share = g[14:17] + 1e-3
    share = share / share.sum()
    l1 = []
    for s in share:
        b = max(word, l1_total * s)
        b = int(b // BUFFER_STEP) * BUFFER_STEP if b >= BUFFER_STEP else int(b // word) * word
        l1.append(max(word, b))
    while pes * sum(l1) > budget.max_onchip_bytes - l2_floor:
        i = int(np.argmax(l1))  # rounding overshot: trim the largest buffer one step
        l1[i] -= BUFFER_STEP if l1[i] >= 2 * BUFFER_STEP else word
    rest = budget.max_onchip_bytes - pes * sum(l1)
    l2 = rest * 64.0 ** (g[17] - 1.0)
    l2 = max(l2_floor, int(l2 // BUFFER_STEP) * BUFFER_STEP)
    return Accelerator(
        name=name,
        axes=tuple(ArrayAxis(size, dim) for size, dim in zip(sizes, dims)),
        l1_bytes=OperandBytes(*l1),
        l2_bytes=l2,
        noc_words_per_cycle=budget.noc_words_per_cycle,
        dram_words_per_cycle=budget.dram_words_per_cycle,
        word_bits=budget.word_bits,
        clock_mhz=budget.clock_mhz,
        latency_model=budget.latency_model,
        hold_operands=budget.hold_operands,
        noc_model=budget.noc_model,
        halo_reuse=budget.halo_reuse,
        input_multicast=budget.input_multicast,
        source=f"searched by naas under the {budget.name} budget",
    )
