"""The inner mapping search on one torch device: candidates are sampled, decoded, costed and
ranked without leaving it (a GPU, or CPU torch where none is at hand).

The same search as ``naas.search.mapping_search`` (same encoding, CMA-ES, objective and
per-problem stopping) with three differences: one torch generator draws every problem's samples,
so a problem's result depends on which problems share its batch; a stopped problem's
candidates are still costed (and ignored) so that no generation waits on the host, save one
check of whether any problem is still running; and one optimiser of one width searches every
problem's genes, the dead ones of its bound-1 dims too (``mapping_encoding.live_genes``).

Decoding and costing a generation is thousands of small tensor operations: eager, a GPU spends
its time launching them. ``score_candidates`` is therefore one pure function that torch.compile
fuses (``MappingSearchConfig.compile``; by default on CUDA only). Compiling takes minutes the
first time (262 s on an H100 machine, 502 s on 2 CPU cores); torch keeps the kernels in its
on-disk caches (``TORCHINDUCTOR_CACHE_DIR``, by default under the machine's temp folder), so a
later process re-traces and loads them (34 s on 2 CPU cores, ``benchmarks/device_warmup.py``).
On the H100 a compiled ResNet-50 search generation ran 5.4x faster than eager, so compiling
pays off from about 35 outer generations on (BENCHMARKS.md section 7).
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from naas.cost.target import Targets
from naas.cost.torch_backend import DeviceTargets, evaluate_device, resolve_device, to_device
from naas.mapping.mapping import MappingBatch
from naas.search.cmaes import BatchedCMA
from naas.search.device_decoding import decode_device, divisor_table
from naas.search.mapping_encoding import ENCODINGS, gene_count
from naas.search.mapping_settings import MappingSearchResult
from naas.search.objective import box_penalty, layer_objective, log_objective
from naas.search.optimizer import BatchedCMAOptimizer, evolve
from naas.search.stall import significant


def score_candidates(genes: torch.Tensor, targets: DeviceTargets, encoding: int, objective: str,
                     table: tuple[torch.Tensor, torch.Tensor]):
    """(K, P, n) genes -> what the search needs of them: the objective value (inf where invalid)
    and box penalty (K, P), the decoded mapping (temporal, order, spatial), energy and latency."""
    clipped = genes.clamp(0.0, 1.0)
    temporal, order, spatial = decode_device(clipped, targets, encoding, table)
    cost = evaluate_device(targets, temporal, order, spatial)
    value = layer_objective(objective, cost.energy_pj, cost.latency_cycles, cost.valid)
    return value, box_penalty(genes, clipped), temporal, order, spatial, cost.energy_pj, cost.latency_cycles


@functools.lru_cache(maxsize=2)
def compiled_score_candidates(backend: str = "inductor"):
    """``score_candidates`` through torch.compile as one graph (a graph break would split the
    fusion, so it is an error). Shapes are dynamic so that batches of other sizes (K problems,
    P candidates) reuse the compiled kernels; duck sizing is off, since it would tie K to any
    constant size it happens to equal (4 problems and the 4 geometry values, say) and recompile,
    minutes, for the next K. ``backend="eager"`` traces without generating kernels (tests)."""
    compiled = torch.compile(score_candidates, dynamic=True, fullgraph=True, backend=backend)

    def score(*args):
        with torch.fx.experimental._config.patch(use_duck_shape=False):
            return compiled(*args)

    return score


def compiles(config, device: torch.device) -> bool:
    """Whether a search with ``config`` (a MappingSearchConfig) on ``device`` compiles its step."""
    return config.compile if config.compile is not None else device.type == "cuda"


def search_mappings_on_device(targets: Targets | DeviceTargets, config, seed: int):
    """``search_mappings`` with ``config`` (a MappingSearchConfig) on ``config.device`` (or the
    device of ``targets`` already there); returns its MappingSearchResult with numpy arrays."""
    if isinstance(targets, Targets):
        targets = to_device(targets, resolve_device(config.device))
    device = targets.device
    encoding = ENCODINGS[config.encoding]
    score = compiled_score_candidates() if compiles(config, device) else score_candidates
    table = divisor_table(targets.largest_dim, device)
    k, n = targets.problems, gene_count(targets.n_slots, encoding)
    generator = torch.Generator(device=device).manual_seed(seed)
    optimizer = BatchedCMAOptimizer(BatchedCMA.start(torch.full((k, n), 0.5, dtype=torch.float64, device=device),
                                                     config.sigma0, generator, config.popsize,
                                                     config.covariance == "separable"))
    rows = torch.arange(k, device=device)
    inf = torch.tensor(float("inf"), dtype=torch.float64, device=device)
    unset = torch.full((k,), float("inf"), dtype=torch.float64, device=device)
    best = {
        "value": unset, "energy": unset, "latency": unset,
        "temporal": torch.ones((k, 3, 8), dtype=torch.long, device=device),
        "order": torch.arange(8, device=device).repeat(k, 3, 1),
        "spatial": torch.ones((k, targets.n_slots), dtype=torch.long, device=device),
    }
    stalled = torch.zeros(k, dtype=torch.long, device=device)
    active = torch.ones(k, dtype=torch.bool, device=device)
    evaluations = torch.zeros(k, dtype=torch.long, device=device)
    history = []

    def told(genes: torch.Tensor, generation: int) -> torch.Tensor:
        nonlocal best, stalled, active
        value, penalty, temporal, order, spatial, energy, latency = score(genes, targets, encoding,
                                                                         config.objective, table)
        value = torch.where(active[:, None], value, inf)
        gen_value, pick = value.min(1)
        improved = gen_value < best["value"]
        progress = significant(gen_value, best["value"], config.tolerance)
        found = {"value": gen_value, "energy": energy[rows, pick], "latency": latency[rows, pick],
                 "temporal": temporal[rows, pick], "order": order[rows, pick], "spatial": spatial[rows, pick]}
        best = {name: torch.where(improved.view(-1, *[1] * (kept.ndim - 1)), found[name], kept)
                for name, kept in best.items()}
        history.append(best["value"])
        evaluations.add_(active * config.popsize)
        stalled = torch.where(progress, 0, stalled + 1)
        active = active & (stalled < config.patience)
        return log_objective(value) + penalty

    evolve(optimizer, told, config.generations, until=lambda: not bool(active.any()))

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
