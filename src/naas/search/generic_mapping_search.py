"""The mapping search on any cost model and any optimiser: each problem's own ask/tell loop
(``naas.search.optimizer.evolve``) over the same encoding, decoder, objective and stall rule as
the compiled search, which fuses this loop for CMA-ES on the numba model."""

from __future__ import annotations

import numpy as np

from naas.arch.spec import Accelerator
from naas.cost.model import CostModel
from naas.cost.target import compile_target
from naas.mapping.mapping import MappingBatch
from naas.search.mapping_encoding import DEAD_GENE, ENCODINGS, decode_mappings, gene_count, live_gene_indices
from naas.search.mapping_settings import MappingSearchConfig, MappingSearchResult
from naas.search.objective import box_penalty, layer_objective, log_objective
from naas.search.optimizer import OptimizerFactory, evolve, optimizer_factory
from naas.search.stall import significant
from naas.workload.layer import Layer


def search_mappings_with(problems: list[tuple[Layer, Accelerator]], config: MappingSearchConfig,
                         rngs: list[np.random.Generator], cost_model: CostModel,
                         optimizer: str | OptimizerFactory = "cma") -> MappingSearchResult:
    """Every problem's best mapping under ``cost_model``, searched by ``optimizer`` (a
    registered name or a factory) from ``rngs[k]``; results as ``search_mappings``'s."""
    factory = optimizer_factory(optimizer) if isinstance(optimizer, str) else optimizer
    encoding = ENCODINGS[config.encoding]
    k = len(problems)
    slots = max(len(arch.spatial_slots) for _, arch in problems)
    temporal = np.ones((k, 3, 8), dtype=np.int64)
    order = np.tile(np.arange(8, dtype=np.int64), (k, 3, 1))
    spatial = np.ones((k, slots), dtype=np.int64)  # padded slots unroll nothing
    lifts = np.zeros((k, 3, 2), dtype=np.int64)
    energy, latency, objective = np.full(k, np.inf), np.full(k, np.inf), np.full(k, np.inf)
    evaluations = np.zeros(k, dtype=np.int64)
    history = np.full((config.generations, k), np.inf)
    for i, (layer, arch) in enumerate(problems):
        target = compile_target(layer, arch)  # what the decoder reads of the hardware
        problem = cost_model.compile(layer, arch)
        n_genes = gene_count(len(arch.spatial_slots), encoding, config.uneven)
        live = live_gene_indices(target, 0, encoding, config.uneven)
        stalled = [0]

        def score(genes: np.ndarray, generation: int) -> np.ndarray:
            clipped = np.clip(genes, 0.0, 1.0)
            # the optimiser searches the live genes only (as the compiled search)
            full = np.full((len(genes), n_genes), DEAD_GENE)
            full[:, live] = clipped
            t, o, s, u = decode_mappings(full[None], target, encoding, config.uneven)
            batch = MappingBatch(t[0], o[0], s[0], None if u is None else u[0])
            cost = cost_model.evaluate(problem, batch)
            values = layer_objective(config.objective, np.asarray(cost.energy_pj, dtype=np.float64),
                                     np.asarray(cost.latency_cycles, dtype=np.float64), np.asarray(cost.valid))
            evaluations[i] += len(values)
            pick = int(np.argmin(values))
            progress = False
            if values[pick] < objective[i]:
                progress = significant(values[pick], objective[i], config.tolerance)
                objective[i] = values[pick]
                temporal[i], order[i], lifts[i] = batch.temporal[pick], batch.order[pick], batch.lifts[pick]
                spatial[i, :s.shape[2]] = batch.spatial[pick]
                energy[i], latency[i] = cost.energy_pj[pick], cost.latency_cycles[pick]
            history[generation, i] = objective[i]
            stalled[0] = 0 if progress else stalled[0] + 1
            return log_objective(values) + box_penalty(genes, clipped)

        evolve(factory(np.full(len(live), 0.5), config.sigma0, rngs[i], config.popsize), score, config.generations,
               until=lambda: stalled[0] >= config.patience)
        done = evaluations[i] // config.popsize
        history[done:, i] = objective[i]
    generations = int((evaluations // config.popsize).max())
    return MappingSearchResult(
        best=MappingBatch(temporal, order, spatial, lifts), energy_pj=energy, latency_cycles=latency,
        valid=np.isfinite(objective), objective=objective, evaluations=int(evaluations.sum()),
        evaluations_per_problem=evaluations, generations=generations, history=history[:generations])
