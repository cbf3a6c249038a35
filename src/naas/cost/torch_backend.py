"""The batched cost model on torch tensors, on a CPU or a CUDA device.

It runs the same ``naas.cost.mapping_cost`` as the numba kernel, once over a whole batch of K
problems x P candidate mappings: every per-candidate number is a (K, P) tensor and every
per-problem number a (K, 1) tensor, so the rules broadcast. Tests hold it equal to the numba
kernel on CPU torch. torch is an optional dependency (the ``torch`` extra); import this module
only where the caller asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from naas.cost import rules
from naas.cost.batched import BatchCost
from naas.cost.mapping_cost import mapping_cost
from naas.cost.target import ANY_OF, Targets
from naas.errors import NaasError
from naas.workload.dims import RELEVANT, WHOLLY_RELEVANT


def resolve_device(name: str) -> torch.device:
    """The torch device ``name`` ('cpu', 'cuda', 'cuda:1'), checked to be usable here."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise NaasError(f"device: unknown {name!r}; use cpu or cuda") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise NaasError("device: cuda requested but torch sees no CUDA GPU here; use --device cpu")
    if device.type not in ("cpu", "cuda"):
        raise NaasError(f"device: {name!r} is not supported; use cpu or cuda")
    return device


@dataclass(frozen=True)
class DeviceTargets:
    """``Targets`` on a device, each field laid out [index][problem][1] ((K, 1) for a scalar) so
    that per-problem values broadcast against per-candidate (K, P) tensors, with the tables and
    host-side facts the torch paths need."""

    hw: Targets
    relevant: torch.Tensor     # (3, 8) RELEVANT, on the device
    wholly_relevant: torch.Tensor  # (3, 8) WHOLLY_RELEVANT, on the device
    largest_dim: int           # the largest layer dim, kept on the host
    any_of: tuple[bool, ...]   # per ANY_OF switch, whether any problem has it on, kept on the host

    @property
    def problems(self) -> int:
        return self.hw.layer_dims.shape[1]

    @property
    def n_slots(self) -> int:
        return self.hw.slot_dim.shape[0]

    @property
    def device(self) -> torch.device:
        return self.hw.layer_dims.device


def to_device(targets: Targets, device: torch.device | str) -> DeviceTargets:
    def moved(values: np.ndarray) -> torch.Tensor:
        values = torch.as_tensor(np.asarray(values), device=device)
        if values.ndim == 1:
            return values[:, None]
        return values.T.contiguous()[:, :, None]

    return DeviceTargets(Targets(*(moved(values) for values in targets)),
                         relevant=torch.tensor(RELEVANT.tolist(), device=device),
                         wholly_relevant=torch.tensor(WHOLLY_RELEVANT.tolist(), device=device),
                         largest_dim=int(targets.layer_dims.max()),
                         any_of=tuple(bool(targets.switches[:, s].any()) for s in ANY_OF))


@dataclass(frozen=True)
class DeviceCost:
    """Per-candidate results as (K, P) tensors on the targets' device; see ``BatchCost``."""

    energy_pj: torch.Tensor
    latency_cycles: torch.Tensor
    edp: torch.Tensor
    utilization: torch.Tensor
    reason: torch.Tensor
    reason_arg: torch.Tensor
    breakdown_pj: torch.Tensor | None  # (K, P, 4, 3) when asked for

    @property
    def valid(self) -> torch.Tensor:
        return self.reason == rules.VALID

    def to_numpy(self) -> BatchCost:
        def host(t: torch.Tensor) -> np.ndarray:
            return t.detach().cpu().numpy()

        reason = host(self.reason).astype(np.int8)
        return BatchCost(host(self.energy_pj), host(self.latency_cycles), host(self.edp),
                         host(self.utilization), reason == rules.VALID, reason,
                         host(self.reason_arg).astype(np.int8),
                         None if self.breakdown_pj is None else host(self.breakdown_pj))


def loop_nest(temporal: torch.Tensor, order: torch.Tensor, relevant: torch.Tensor,
              wholly_relevant: torch.Tensor):
    """The 24 temporal loops innermost first (L1, L2, DRAM blocks): their bounds (24, K, P),
    their relevance and whole relevance to each operand (3, 24, K, P) each, and their dims
    (24, K, P)."""
    k, p = temporal.shape[:2]
    dims = order.flip(-1)
    bounds = torch.gather(temporal, 3, dims).reshape(k, p, 24)
    flat = dims.reshape(k, p, 24)
    return (bounds.permute(2, 0, 1), relevant[:, flat].permute(0, 3, 1, 2),
            wholly_relevant[:, flat].permute(0, 3, 1, 2), flat.permute(2, 0, 1))


def uneven_loops(temporal: torch.Tensor, order: torch.Tensor, lifts: torch.Tensor) -> torch.Tensor:
    """``mapping_cost``'s ``uneven`` as (3, 2, 9, K, P): per operand and level (L1, L2), the
    product per dim of the loops its uneven cut lifts into its tile (the innermost ``lifts`` of
    the level above), then how many."""
    dims = order[:, :, 1:].flip(-1)  # (K, P, 2, 8): the L2 and DRAM blocks, innermost first
    bounds = torch.gather(temporal[:, :, 1:], 3, dims)
    position = torch.arange(8, device=temporal.device)
    taken = position < lifts[..., None]  # (K, P, 3, 2, 8 positions)
    is_dim = dims[:, :, None, :, :, None] == position  # (K, P, 1, 2, 8 positions, 8 dims)
    factors = torch.where(taken[..., None] & is_dim, bounds[:, :, None, :, :, None], 1)
    counts = lifts.permute(2, 3, 0, 1)[:, :, None]
    return torch.cat([factors.prod(dim=4).permute(2, 3, 4, 0, 1), counts], dim=2)


def evaluate_device(targets: DeviceTargets, temporal: torch.Tensor, order: torch.Tensor,
                    spatial: torch.Tensor, breakdown: bool = False, lifts: torch.Tensor | None = None) -> DeviceCost:
    """Cost of P candidate mappings for each of K problems: int64 tensors temporal (K, P, 3, 8),
    order (K, P, 3, 8), spatial (K, P, S slots) and uneven cuts ``lifts`` (K, P, 3, 2; None: even) on
    the targets' device, results (K, P)."""
    t = targets
    uneven = None if lifts is None or not bool(lifts.any()) else uneven_loops(temporal, order, lifts)
    nest_bounds, nest_relevant, nest_wholly, nest_dims = loop_nest(temporal, order, t.relevant, t.wholly_relevant)
    parts = [[None] * 3 for _ in range(4)]
    energy, cycles, code, arg = mapping_cost(
        t.hw, ..., temporal.permute(2, 3, 0, 1), spatial.permute(2, 0, 1), t.n_slots, nest_bounds, nest_relevant,
        nest_wholly, nest_dims, uneven, t.any_of, [[None] * 8 for _ in range(4)],
        [[None] * t.hw.axis_size.shape[0] for _ in range(4)], parts)
    shape = temporal.shape[:2]
    code = torch.as_tensor(code, device=temporal.device).expand(shape)
    arg = torch.as_tensor(arg, device=temporal.device).expand(shape)
    bad = code == rules.BAD_FACTOR
    inf = torch.tensor(float("inf"), dtype=torch.float64, device=temporal.device)
    energy = torch.where(bad, inf, energy)
    latency = torch.where(bad, inf, cycles)
    edp = torch.where(code == rules.VALID, energy * latency, inf)
    utilization = torch.where(bad, 0.0, t.hw.layer_macs / (t.hw.num_pes * cycles))
    table = None
    if breakdown:
        table = torch.stack([torch.stack([torch.broadcast_to(x, shape) for x in level], -1) for level in parts], -2)
    return DeviceCost(energy, latency, edp, utilization, code, arg, table)
