"""The inner level: per-layer mapping search on fixed accelerators, all problems at once.

Every (layer, accelerator) problem runs its own CMA-ES over the mapping encoding. On the numba
backend all K problems run in one compiled call (``naas.search.compiled_search``), spread over
the cores; on the torch backend they share one batched optimiser on the device.
"""

from __future__ import annotations

import time
from typing import Callable

import numba
import numpy as np

from naas.arch.spec import Accelerator
from naas.cost.model import CostModel, cost_model_factory
from naas.cost.target import Targets, compile_target, stack_targets
from naas.errors import NaasError
from naas.mapping.mapping import MappingBatch
from naas.search.compiled_search import search_compiled
from naas.search.mapping_encoding import ENCODINGS
from naas.search.mapping_settings import MappingSearchConfig, MappingSearchResult
from naas.search.optimizer import OptimizerFactory
from naas.search.seed_streams import first_words
from naas.workload.layer import Layer


def search_mappings(
    problems: list[tuple[Layer, Accelerator]] | Targets,
    config: MappingSearchConfig,
    rng: np.random.Generator | list[np.random.Generator] | list[tuple[int, ...]],
    progress: Callable[[dict], None] | None = None,
    cost_model: CostModel | None = None,
    optimizer: str | OptimizerFactory | None = None,
) -> MappingSearchResult:
    """``rng`` is one generator per problem, one generator to spawn them from, or one seed
    entropy per problem (non-negative integers, ``np.random.default_rng``'s argument: the same
    streams, and the compiled search, which needs only their first word, builds no generator,
    ``naas.search.seed_streams``). With ``progress`` the numba backend runs the problems in
    about ten compiled calls instead of one and reports after each ({"done", "problems",
    "evaluations", "seconds"}); every problem's search is its own, so the result is the same.
    A ``cost_model`` (``naas.cost.model.CostModel``) or an ``optimizer`` (a registered name or
    factory, ``naas.search.optimizer``), given here or named by ``config``, runs every problem's
    search in Python through them (``generic_mapping_search``) instead of the compiled CMA-ES on
    the numba model."""
    count = problems.problems if isinstance(problems, Targets) else len(problems)
    streams = rng.spawn(count) if isinstance(rng, np.random.Generator) else list(rng)

    def generators() -> list[np.random.Generator]:
        return [s if isinstance(s, np.random.Generator) else np.random.default_rng(list(s)) for s in streams]

    if cost_model is not None or optimizer is not None or config.generic:
        if isinstance(problems, Targets):
            raise NaasError("cost_model: a search with its own cost model or optimizer takes (layer, accelerator) "
                            "problems, not compiled targets")
        from naas.search.generic_mapping_search import search_mappings_with

        model = cost_model or cost_model_factory(config.cost_model or "numba")()
        return search_mappings_with(problems, config, generators(), model, optimizer or config.optimizer)
    targets = problems if isinstance(problems, Targets) else stack_targets(
        [compile_target(layer, arch) for layer, arch in problems])
    encoding = ENCODINGS[config.encoding]
    if config.backend == "torch":
        from naas.search.device_mapping_search import search_mappings_on_device

        seed = np.random.default_rng([int(r.integers(2**31)) for r in generators()]).integers(2**62)
        return search_mappings_on_device(targets, config, int(seed))
    if streams and not isinstance(streams[0], np.random.Generator):
        seeds = first_words(streams)
    else:
        seeds = np.array([r.integers(0, 2**64, dtype=np.uint64) for r in streams], dtype=np.uint64)
    out = _search_in_chunks(targets, seeds, encoding, config, progress)
    generations = int(out["generations"].max())
    evaluations = out["generations"] * config.popsize
    return MappingSearchResult(
        best=MappingBatch(out["temporal"], out["order"], out["spatial"], out["lifts"]),
        energy_pj=out["energy_pj"],
        latency_cycles=out["latency_cycles"],
        valid=np.isfinite(out["objective"]),
        objective=out["objective"],
        evaluations=int(evaluations.sum()),
        evaluations_per_problem=evaluations,
        generations=generations,
        history=out["history"][:generations],
    )


def _search_in_chunks(targets: Targets, seeds: np.ndarray, encoding: int, config: MappingSearchConfig,
                      progress: Callable[[dict], None] | None) -> dict:
    """``search_compiled`` over every problem: in one call, or with ``progress`` in chunks of
    at least four problems per thread (so the cores stay busy), reported as each ends."""
    def run(rows: np.ndarray) -> dict:
        return search_compiled(targets.subset(rows), seeds[rows], encoding, config.uneven, config.popsize,
                               config.generations, config.sigma0, config.tolerance, config.patience,
                               config.objective, config.covariance == "separable")

    k = targets.problems
    if progress is None:
        return run(np.arange(k))
    size = max(4 * numba.get_num_threads(), -(-k // 10))
    start, parts = time.perf_counter(), []
    for first in range(0, k, size):
        parts.append(run(np.arange(first, min(k, first + size))))
        done = min(k, first + size)
        progress({"step": len(parts) - 1, "done": done, "problems": k,
                  "evaluations": int(sum(p["generations"].sum() for p in parts)) * config.popsize,
                  "seconds": time.perf_counter() - start})
    return {name: np.concatenate([p[name] for p in parts], axis=1 if name == "history" else 0)
            for name in parts[0]}
