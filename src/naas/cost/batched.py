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

from naas.arch.spec import Accelerator
from naas.cost import rules
from naas.cost.mapping_cost import mapping_cost
from naas.cost.target import ANY_OF, HOLD_OPERANDS, PORT_MODEL, Targets, compile_target
from naas.mapping.mapping import MappingBatch
from naas.workload.dims import RELEVANT, WHOLLY_RELEVANT
from naas.workload.layer import Layer


def _use_source_keyed_cache() -> None:
    """Point numba's on-disk cache at a folder named by a hash of every naas source. numba
    keys its cache on a kernel's own file only, so an edit to a rule in another module (the
    search kernels compile in the cost model, the decoders and the optimiser) would otherwise be
    served a stale compiled kernel. A user's own NUMBA_CACHE_DIR is left alone."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
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


# Inlined into the kernel, not called per candidate: a call passing the Targets tuple pays
# reference counts on its arrays, about 15 % of the cost model (BENCHMARKS.md section 9). The
# rule stays a plain function for torch; njit's inlining keeps the even path free of the uneven
# code, which register_jitable's would not.
_mapping_cost = numba.njit(cache=True, nogil=True, inline="always")(mapping_cost)


@numba.njit(cache=True, nogil=True)
def _kernel(hw, k, temporal, order, spatial, lifts, lift_row, energy, latency, edp, util, reason, reason_arg,
            breakdown, want_breakdown, todo=None):
    """Problem ``k`` of targets ``hw`` under each candidate b of temporal, order and spatial
    (B, ...); its uneven cuts are ``lifts[lift_row, b]`` (None: even mappings). ``todo`` (B,),
    if given, picks the candidates to cost; the others' outputs are left as they are."""
    n_slots = spatial.shape[1]
    switch = hw.switches[k]
    port_model, hold_operands = switch[PORT_MODEL], switch[HOLD_OPERANDS]
    any_of = (switch[ANY_OF[0]], switch[ANY_OF[1]], switch[ANY_OF[2]], switch[ANY_OF[3]], switch[ANY_OF[4]],
              switch[ANY_OF[5]])
    loops = np.empty((4, 8), np.int64)
    spread = np.empty((4, hw.axis_size.shape[1]), np.int64)
    nest_bounds = np.empty(24, np.int64)
    nest_relevant = np.empty((3, 24), np.int64)
    nest_wholly = np.empty((3, 24), np.int64)
    nest_dims = np.zeros(24, np.int64)
    parts = np.empty((4, 3))
    # numba compiles this kernel once for even batches (lifts None) and once for uneven ones,
    # so the even path carries no uneven code.
    uneven = None if lifts is None else np.ones((3, 2, 9), np.int64)
    for b in range(temporal.shape[0]):
        if todo is not None and not todo[b]:
            continue
        # The loop nest innermost first: the L1 block, the L2 block, the DRAM block.
        # The L1 block's loop order matters to the port model and to held operands only.
        for i in range(0 if port_model or hold_operands else 8, 24):
            level = i // 8
            d = order[b, level, 7 - i % 8]
            nest_bounds[i] = temporal[b, level, d]
            nest_dims[i] = d
            for op in range(3):
                nest_relevant[op, i] = RELEVANT[op, d]
            if port_model:
                for op in range(3):
                    nest_wholly[op, i] = WHOLLY_RELEVANT[op, d]
        if lifts is not None:
            uneven_loops(order[b], temporal[b], lifts[lift_row, b], uneven)
        total, cycles, code, arg = _mapping_cost(hw, k, temporal[b], spatial[b], n_slots, nest_bounds, nest_relevant,
                                                 nest_wholly, nest_dims, uneven, any_of, loops, spread, parts)
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
        util[b] = hw.layer_macs[k] / (hw.num_pes[k] * cycles)
        if want_breakdown:
            breakdown[b] = parts


def _lifts_or_none(lifts: np.ndarray) -> np.ndarray | None:
    """The uneven cuts (K, B, 3, 2) for the kernel, None when every mapping is even (its fast
    path)."""
    return np.ascontiguousarray(lifts, dtype=np.int64) if lifts.any() else None


def evaluate_batch(target: Targets | tuple[Layer, Accelerator], batch: MappingBatch,
                   breakdown: bool = False) -> BatchCost:
    """Cost of every mapping in ``batch``; ``target`` is one compiled (layer, accelerator)."""
    if not isinstance(target, Targets):
        target = compile_target(*target)
    n = len(batch)
    energy = np.empty(n)
    latency = np.empty(n)
    edp = np.empty(n)
    util = np.empty(n)
    reason = np.empty(n, dtype=np.int8)
    reason_arg = np.empty(n, dtype=np.int8)
    parts = np.zeros((n if breakdown else 1, 4, 3))
    _kernel(target, 0, np.ascontiguousarray(batch.temporal, dtype=np.int64),
            np.ascontiguousarray(batch.order, dtype=np.int64), np.ascontiguousarray(batch.spatial, dtype=np.int64),
            _lifts_or_none(batch.lifts[None]), 0, energy, latency, edp, util, reason, reason_arg, parts, breakdown)
    return BatchCost(energy, latency, edp, util, reason == 0, reason, reason_arg,
                     parts if breakdown else None)


@numba.njit(cache=True, nogil=True)
def _stacked_kernel(hw, temporal, order, spatial, lifts, energy, latency, edp, util, reason, reason_arg, breakdown):
    for k in range(temporal.shape[0]):
        _kernel(hw, k, temporal[k], order[k], spatial[k], lifts, k, energy[k], latency[k], edp[k], util[k],
                reason[k], reason_arg[k], breakdown, False)


def evaluate_stacked(targets: Targets, temporal: np.ndarray, order: np.ndarray,
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
    _stacked_kernel(targets, temporal, order, spatial, lifts, energy, latency, edp, util, reason, reason_arg,
                    np.zeros((1, 4, 3)))
    return BatchCost(energy, latency, edp, util, reason == 0, reason, reason_arg, None)
