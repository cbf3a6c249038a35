"""The inner mapping search on one torch device: candidates are sampled, decoded, costed and
ranked without leaving it (a GPU, or CPU torch where none is at hand).

The same search as ``naas.search.mapping_search`` (same encoding, CMA-ES, objective and
per-problem stopping) with two differences: one torch generator draws every problem's samples,
so a problem's result depends on which problems share its batch; and a stopped problem's
candidates are still costed (and ignored) so that no generation waits on the host, save one
check of whether any problem is still running.
"""

from __future__ import annotations

import numpy as np
import torch

from naas.cost.batched import StackedTargets
from naas.cost.torch_backend import DeviceTargets, evaluate_device, resolve_device, to_device
from naas.mapping.mapping import MappingBatch
from naas.search.cmaes import BatchedCMA
from naas.search.device_decoding import decode_device
from naas.search.mapping_encoding import ENCODINGS, gene_count
from naas.search.objective import box_penalty, layer_objective, log_objective


def search_mappings_on_device(targets: StackedTargets | DeviceTargets, config, seed: int, device: str = "cuda"):
    """``search_mappings`` with ``config`` (a MappingSearchConfig) on ``device``; returns its
    MappingSearchResult with numpy arrays."""
    from naas.search.mapping_search import MappingSearchResult

    if isinstance(targets, StackedTargets):
        targets = to_device(targets, resolve_device(device))
    device = targets.device
    encoding = ENCODINGS[config.encoding]
    k, n = targets.layer_dims.shape[1], gene_count(targets.n_axes, encoding)
    generator = torch.Generator(device=device).manual_seed(seed)
    es = BatchedCMA.start(torch.full((k, n), 0.5, dtype=torch.float64, device=device), config.sigma0,
                          generator, config.popsize)
    rows = torch.arange(k, device=device)
    inf = torch.tensor(float("inf"), dtype=torch.float64, device=device)
    unset = torch.full((k,), float("inf"), dtype=torch.float64, device=device)
    best = {
        "value": unset, "energy": unset, "latency": unset,
        "temporal": torch.ones((k, 3, 8), dtype=torch.long, device=device),
        "order": torch.arange(8, device=device).repeat(k, 3, 1),
        "spatial": torch.ones((k, targets.n_axes), dtype=torch.long, device=device),
    }
    stalled = torch.zeros(k, dtype=torch.long, device=device)
    active = torch.ones(k, dtype=torch.bool, device=device)
    evaluations = torch.zeros(k, dtype=torch.long, device=device)
    history = []
    for _ in range(config.generations):
        genes = es.ask()
        clipped = genes.clamp(0.0, 1.0)
        temporal, order, spatial = decode_device(clipped, targets, encoding)
        cost = evaluate_device(targets, temporal, order, spatial)
        value = layer_objective(config.objective, cost.energy_pj, cost.latency_cycles, cost.valid)
        value = torch.where(active[:, None], value, inf)
        es.tell(log_objective(value) + box_penalty(genes, clipped))
        gen_value, pick = value.min(1)
        improved = gen_value < best["value"]
        significant = gen_value < best["value"] * (1 - config.tolerance)
        found = {"value": gen_value, "energy": cost.energy_pj[rows, pick], "latency": cost.latency_cycles[rows, pick],
                 "temporal": temporal[rows, pick], "order": order[rows, pick], "spatial": spatial[rows, pick]}
        best = {name: torch.where(improved.view(-1, *[1] * (kept.ndim - 1)), found[name], kept)
                for name, kept in best.items()}
        history.append(best["value"])
        evaluations += active * config.popsize
        stalled = torch.where(significant, 0, stalled + 1)
        active &= stalled < config.patience
        if not bool(active.any()):
            break

    def host(t: torch.Tensor) -> np.ndarray:
        return t.cpu().numpy()

    best_value = host(best["value"])
    return MappingSearchResult(
        best=MappingBatch(host(best["temporal"]), host(best["order"]), host(best["spatial"])),
        energy_pj=host(best["energy"]),
        latency_cycles=host(best["latency"]),
        valid=np.isfinite(best_value),
        objective=best_value,
        evaluations=int(evaluations.sum()),
        evaluations_per_problem=host(evaluations),
        generations=len(history),
        history=host(torch.stack(history)),
    )
