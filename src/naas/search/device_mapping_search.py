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
    best_value = torch.full((k,), float("inf"), dtype=torch.float64, device=device)
    best_energy, best_latency = best_value.clone(), best_value.clone()
    best_temporal = torch.ones((k, 3, 8), dtype=torch.long, device=device)
    best_order = torch.arange(8, device=device).repeat(k, 3, 1)
    best_spatial = torch.ones((k, targets.n_axes), dtype=torch.long, device=device)
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
        improved = gen_value < best_value
        significant = gen_value < best_value * (1 - config.tolerance)
        best_value = torch.where(improved, gen_value, best_value)
        best_energy = torch.where(improved, cost.energy_pj[rows, pick], best_energy)
        best_latency = torch.where(improved, cost.latency_cycles[rows, pick], best_latency)
        best_temporal = torch.where(improved[:, None, None], temporal[rows, pick], best_temporal)
        best_order = torch.where(improved[:, None, None], order[rows, pick], best_order)
        best_spatial = torch.where(improved[:, None], spatial[rows, pick], best_spatial)
        history.append(best_value.clone())
        evaluations += active * config.popsize
        stalled = torch.where(significant, 0, stalled + 1)
        active &= stalled < config.patience
        if not bool(active.any()):
            break

    def host(t: torch.Tensor) -> np.ndarray:
        return t.cpu().numpy()

    best_value = host(best_value)
    return MappingSearchResult(
        best=MappingBatch(host(best_temporal), host(best_order), host(best_spatial)),
        energy_pj=host(best_energy),
        latency_cycles=host(best_latency),
        valid=np.isfinite(best_value),
        objective=best_value,
        evaluations=int(evaluations.sum()),
        evaluations_per_problem=host(evaluations),
        generations=len(history),
        history=host(torch.stack(history)),
    )
