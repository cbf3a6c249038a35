"""The batched cost model: the rules of ``naas.cost.rules`` compiled with numba and run over
arrays of candidate mappings in one fused loop (no temporaries per candidate).

Search only ever calls this path; tests hold it equal to ``naas.cost.reference``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

import naas
from naas.arch.spec import Accelerator
from naas.cost import rules
from naas.cost.energy import energy_table
from naas.cost.mapping_cost import mapping_cost
from naas.mapping.mapping import MappingBatch
from naas.workload.dims import DIM_INDEX, OPERANDS, RELEVANT, WHOLLY_RELEVANT
from naas.workload.layer import Layer


def _use_source_keyed_cache() -> None:
    """Point numba's on-disk cache at a folder named by a hash of every naas source. numba
    keys its cache on a kernel's own file only, so an edit to a rule in another module (the
    search kernels compile in the cost model, the decoders and the optimiser) would otherwise be
    served a stale compiled kernel. A user's own NUMBA_CACHE_DIR is left alone."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    digest = hashlib.sha256()
    for source in sorted(Path(naas.__file__).parent.rglob("*.py")):
        digest.update(source.relative_to(Path(naas.__file__).parent).as_posix().encode())
        digest.update(source.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    numba.config.CACHE_DIR = str(base / "naas" / f"numba-{digest.hexdigest()[:16]}")


_use_source_keyed_cache()


@dataclass(frozen=True)
class BatchCost:
    """Per-candidate results. ``breakdown_pj`` is (B, 4, 3): ENERGY_LEVELS x operands.
    ``reason``/``reason_arg`` are the validity code of ``naas.cost.rules`` and its index."""

    energy_pj: np.ndarray
    latency_cycles: np.ndarray
    edp: np.ndarray
    utilization: np.ndarray
    valid: np.ndarray
    reason: np.ndarray
    reason_arg: np.ndarray
    breakdown_pj: np.ndarray | None


@numba.njit(cache=True, nogil=True)
def uneven_loops(order, temporal, lifts, out):
    """Per operand and level (L1, L2), the loops its uneven cut lifts into its tile: out[op,
    level, d] the product of their bounds of dim d, out[op, level, 8] how many (``mapping_cost``'s
    ``uneven``)."""
    for op in range(3):
        for level in range(2):
            out[op, level, :8] = 1
            out[op, level, 8] = lifts[op, level]
            for j in range(lifts[op, level]):
                d = order[level + 1, 7 - j]
                out[op, level, d] *= temporal[level + 1, d]


@numba.njit(cache=True, nogil=True)
def _kernel(
    layer_dims, geometry, layer_macs, temporal, order, spatial, lifts, problem, axis_dim, axis_size,
    l1_words, l2_words, l2_unified, e_mac, e_l1, e_l2, e_noc, e_dram, links, num_pes, systolic,
    port_model, port_words, hold_operands, energy, latency, edp, util, reason, reason_arg, breakdown, want_breakdown,
):
    n_axes = axis_dim.shape[0]
    loops = np.empty((3, 8), np.int64)
    nest_bounds = np.empty(24, np.int64)
    nest_relevant = np.empty((3, 24), np.int64)
    nest_wholly = np.empty((3, 24), np.int64)
    parts = np.empty((4, 3))
    # numba compiles this kernel once for even batches (lifts None) and once for uneven ones
    # (lifts[problem, b] the cuts of candidate b), so the even path carries no uneven code.
    uneven = None if lifts is None else np.ones((3, 2, 9), np.int64)
    for b in range(temporal.shape[0]):
        # The loop nest innermost first: the L1 block, the L2 block, the DRAM block.
        # The L1 block's loop order matters to the port model and to held operands only.
        for i in range(0 if port_model or hold_operands else 8, 24):
            level = i // 8
            d = order[b, level, 7 - i % 8]
            nest_bounds[i] = temporal[b, level, d]
            for op in range(3):
                nest_relevant[op, i] = RELEVANT[op, d]
            if port_model:
                for op in range(3):
                    nest_wholly[op, i] = WHOLLY_RELEVANT[op, d]
        if lifts is not None:
            uneven_loops(order[b], temporal[b], lifts[problem, b], uneven)
        total, cycles, code, arg = mapping_cost(
            layer_dims, geometry, temporal[b], spatial[b], axis_dim, axis_size, n_axes, l1_words, l2_words,
            l2_unified, systolic, nest_bounds, nest_relevant, nest_wholly, uneven, e_mac, e_l1, e_l2, e_noc,
            e_dram, links, port_model, port_words, hold_operands, (port_model, hold_operands), loops, parts)
        reason[b] = code
        reason_arg[b] = arg
        if code == rules.BAD_FACTOR:
            energy[b] = np.inf
            latency[b] = np.inf
            edp[b] = np.inf
            util[b] = 0.0
            continue
        energy[b] = total
        latency[b] = cycles
        edp[b] = total * cycles if code == rules.VALID else np.inf
        util[b] = layer_macs / (num_pes * cycles)
        if want_breakdown:
            breakdown[b] = parts


@dataclass(frozen=True)
class CompiledTarget:
    """A layer on an accelerator, flattened to the arrays the kernel reads. Build it once per
    (layer, accelerator) and evaluate many mapping batches against it."""

    layer_dims: np.ndarray
    geometry: np.ndarray
    layer_macs: int
    axis_dim: np.ndarray
    axis_size: np.ndarray
    l1_words: np.ndarray
    l2_words: np.ndarray
    l2_unified: bool
    e_mac: float
    e_l1: np.ndarray
    e_l2: np.ndarray
    e_noc: float
    e_dram: float
    links: np.ndarray
    num_pes: int
    systolic: int  # stationary operand index, -1 for a broadcast array
    port_model: bool  # the memory-port latency model, else the roofline
    port_words: np.ndarray  # port widths of the global buffer (each part's) and DRAM, words/cycle
    hold_operands: bool  # the MACs hold their input operands (rules.held_run)


def compile_target(layer: Layer, arch: Accelerator) -> CompiledTarget:
    energies = energy_table(arch)
    return CompiledTarget(
        layer_dims=np.array(layer.dims, dtype=np.int64),
        geometry=np.array([layer.stride_h, layer.stride_w, layer.dilation_h, layer.dilation_w], dtype=np.int64),
        layer_macs=layer.macs,
        axis_dim=np.array([DIM_INDEX[a.parallel_dim] for a in arch.axes], dtype=np.int64),
        axis_size=np.array([a.size for a in arch.axes], dtype=np.int64),
        l1_words=np.array(arch.l1_words(), dtype=np.int64),
        l2_words=np.array(arch.l2_words(), dtype=np.int64),
        l2_unified=arch.l2_unified,
        e_mac=energies.mac_pj,
        e_l1=np.array(energies.l1_pj, dtype=np.float64),
        e_l2=np.array(energies.l2_pj, dtype=np.float64),
        e_noc=energies.noc_pj,
        e_dram=energies.dram_pj,
        links=np.array([arch.noc_words_per_cycle, arch.dram_words_per_cycle], dtype=np.float64),
        num_pes=arch.num_pes,
        systolic=-1 if arch.systolic is None else OPERANDS.index(arch.systolic),
        port_model=arch.latency_model == "ports",
        port_words=np.array(arch.port_words(), dtype=np.int64),
        hold_operands=arch.hold_operands,
    )


def _lifts_or_none(lifts: np.ndarray) -> np.ndarray | None:
    """The uneven cuts (K, B, 3, 2) for the kernel, None when every mapping is even (its fast
    path)."""
    return np.ascontiguousarray(lifts, dtype=np.int64) if lifts.any() else None


def evaluate_batch(
    target: CompiledTarget | tuple[Layer, Accelerator], batch: MappingBatch, breakdown: bool = False
) -> BatchCost:
    """Cost of every mapping in ``batch``; ``target`` is a compiled (layer, accelerator)."""
    if isinstance(target, tuple):
        target = compile_target(*target)
    n = len(batch)
    energy = np.empty(n)
    latency = np.empty(n)
    edp = np.empty(n)
    util = np.empty(n)
    reason = np.empty(n, dtype=np.int8)
    reason_arg = np.empty(n, dtype=np.int8)
    parts = np.zeros((n if breakdown else 1, 4, 3))
    t = target
    _kernel(
        t.layer_dims, t.geometry, t.layer_macs, np.ascontiguousarray(batch.temporal, dtype=np.int64),
        np.ascontiguousarray(batch.order, dtype=np.int64), np.ascontiguousarray(batch.spatial, dtype=np.int64),
        _lifts_or_none(batch.lifts[None]), 0, t.axis_dim, t.axis_size, t.l1_words, t.l2_words, t.l2_unified,
        t.e_mac, t.e_l1, t.e_l2,
        t.e_noc, t.e_dram, t.links, t.num_pes, t.systolic, t.port_model, t.port_words, t.hold_operands,
        energy, latency, edp, util, reason, reason_arg, parts, breakdown,
    )
    return BatchCost(energy, latency, edp, util, reason == 0, reason, reason_arg,
                     parts if breakdown else None)


@dataclass(frozen=True)
class StackedTargets:
    """K (layer, accelerator) problems stacked for one kernel call. Arrays with fewer axes
    than the widest are padded with size-1 axes, which unroll nothing."""

    layer_dims: np.ndarray   # (K, 8)
    geometry: np.ndarray     # (K, 4)
    layer_macs: np.ndarray   # (K,)
    axis_dim: np.ndarray     # (K, A)
    axis_size: np.ndarray    # (K, A)
    axis_count: np.ndarray   # (K,) each problem's own axes, the first of its A
    l1_words: np.ndarray     # (K, 3)
    l2_words: np.ndarray     # (K, 3)
    l2_unified: np.ndarray   # (K,) bool
    e_mac: np.ndarray        # (K,)
    e_l1: np.ndarray         # (K, 3)
    e_l2: np.ndarray         # (K, 3)
    e_noc: np.ndarray        # (K,)
    e_dram: np.ndarray       # (K,)
    links: np.ndarray        # (K, 2)
    num_pes: np.ndarray      # (K,)
    systolic: np.ndarray     # (K,) stationary operand index, -1 for none
    port_model: np.ndarray   # (K,) bool
    port_words: np.ndarray   # (K, 2)
    hold_operands: np.ndarray  # (K,) bool

    def __len__(self) -> int:
        return self.layer_dims.shape[0]

    @property
    def n_axes(self) -> int:
        return self.axis_dim.shape[1]

    def subset(self, rows: np.ndarray) -> "StackedTargets":
        """The problems at ``rows``, in that order."""
        return StackedTargets(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})


def stack_targets(targets: list[CompiledTarget]) -> StackedTargets:
    width = max(len(t.axis_dim) for t in targets)

    def padded(t: CompiledTarget, field: str, fill: int) -> np.ndarray:
        values = getattr(t, field)
        return np.concatenate([values, np.full(width - len(values), fill, dtype=np.int64)])

    return StackedTargets(
        layer_dims=np.stack([t.layer_dims for t in targets]),
        geometry=np.stack([t.geometry for t in targets]),
        layer_macs=np.array([t.layer_macs for t in targets], dtype=np.int64),
        axis_dim=np.stack([padded(t, "axis_dim", 0) for t in targets]),
        axis_size=np.stack([padded(t, "axis_size", 1) for t in targets]),
        axis_count=np.array([len(t.axis_dim) for t in targets], dtype=np.int64),
        l1_words=np.stack([t.l1_words for t in targets]),
        l2_words=np.stack([t.l2_words for t in targets]),
        l2_unified=np.array([t.l2_unified for t in targets]),
        e_mac=np.array([t.e_mac for t in targets]),
        e_l1=np.stack([t.e_l1 for t in targets]),
        e_l2=np.stack([t.e_l2 for t in targets]),
        e_noc=np.array([t.e_noc for t in targets]),
        e_dram=np.array([t.e_dram for t in targets]),
        links=np.stack([t.links for t in targets]),
        num_pes=np.array([t.num_pes for t in targets], dtype=np.int64),
        systolic=np.array([t.systolic for t in targets], dtype=np.int64),
        port_model=np.array([t.port_model for t in targets]),
        port_words=np.stack([t.port_words for t in targets]),
        hold_operands=np.array([t.hold_operands for t in targets]),
    )


@numba.njit(cache=True, nogil=True)
def _stacked_kernel(s_dims, s_geom, s_macs, temporal, order, spatial, lifts, s_axis_dim, s_axis_size,
                    s_l1, s_l2, s_unified, s_emac, s_el1, s_el2, s_enoc, s_edram, s_links, s_pes,
                    s_systolic, s_ports, s_port_words, s_hold, energy, latency, edp, util, reason, reason_arg,
                    breakdown):
    for k in range(s_dims.shape[0]):
        _kernel(s_dims[k], s_geom[k], s_macs[k], temporal[k], order[k], spatial[k], lifts, k, s_axis_dim[k],
                s_axis_size[k], s_l1[k], s_l2[k], s_unified[k], s_emac[k], s_el1[k], s_el2[k],
                s_enoc[k], s_edram[k], s_links[k], s_pes[k], s_systolic[k], s_ports[k], s_port_words[k],
                s_hold[k], energy[k], latency[k], edp[k], util[k], reason[k], reason_arg[k], breakdown, False)


def evaluate_stacked(targets: StackedTargets, temporal: np.ndarray, order: np.ndarray,
                     spatial: np.ndarray, lifts: np.ndarray | None = None) -> BatchCost:
    """Cost of P candidate mappings for each of K problems: arrays (K, P, ...) in, (K, P) out;
    ``lifts`` (K, P, 3, 2) are their uneven cuts (None: even mappings)."""
    k, p = temporal.shape[:2]
    lifts = None if lifts is None else _lifts_or_none(lifts)
    energy = np.empty((k, p))
    latency = np.empty((k, p))
    edp = np.empty((k, p))
    util = np.empty((k, p))
    reason = np.empty((k, p), dtype=np.int8)
    reason_arg = np.empty((k, p), dtype=np.int8)
    t = targets
    _stacked_kernel(t.layer_dims, t.geometry, t.layer_macs, temporal, order, spatial, lifts, t.axis_dim,
                    t.axis_size, t.l1_words, t.l2_words, t.l2_unified, t.e_mac, t.e_l1, t.e_l2,
                    t.e_noc, t.e_dram, t.links, t.num_pes, t.systolic, t.port_model, t.port_words,
                    t.hold_operands, energy, latency, edp, util, reason, reason_arg, np.zeros((1, 4, 3)))
    return BatchCost(energy, latency, edp, util, reason == 0, reason, reason_arg, None)
