"""The cost-model protocol the mapping searches score through, and naas's two implementations.

A ``CostModel`` compiles one (layer, accelerator) problem into whatever form it likes once,
then scores batches of that problem's mappings (``naas.mapping.MappingBatch``: temporal
factors, loop orders, spatial factors and uneven cuts of P mappings) into per-mapping
``energy_pj``, ``latency_cycles`` and ``valid`` arrays (``naas.cost.BatchCost`` has them). naas's
numba kernel (``NumbaCostModel``) and its torch backend (``TorchCostModel``, on a CPU or a GPU)
are two implementations; a wrapper around another tool, or a model of your own, is a third
(docs/api.md shows one). ``naas.map(..., cost_model=...)`` searches under it, and a model
registered by name (``register_cost_model``) is one a search's settings can name
(``MappingSearchConfig.cost_model``: ``naas.search(mapping={"cost_model": ...})`` scores every
design under it), its checkpoints included.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np

from naas.arch.spec import Accelerator
from naas.cost.batched import BatchCost, evaluate_batch
from naas.cost.target import compile_target
from naas.mapping.mapping import MappingBatch
from naas.registry import Registry
from naas.workload.layer import Layer


@runtime_checkable
class CostModel(Protocol):
    """What a mapping search needs of a cost model."""

    def compile(self, layer: Layer, accelerator: Accelerator) -> Any:
        """The model's own form of one problem, built once and passed to every ``evaluate``."""
        ...

    def evaluate(self, problem: Any, batch: MappingBatch) -> BatchCost:
        """The cost of each of the P mappings of ``batch``: an object with (P,) arrays
        ``energy_pj``, ``latency_cycles`` and ``valid`` (a ``BatchCost`` will do)."""
        ...


class NumbaCostModel:
    """naas's analytical model, compiled with numba (the default)."""

    def compile(self, layer: Layer, accelerator: Accelerator) -> Any:
        return compile_target(layer, accelerator)

    def evaluate(self, problem: Any, batch: MappingBatch) -> BatchCost:
        return evaluate_batch(problem, batch)


class TorchCostModel:
    """The same model on torch tensors, on ``device`` ("cpu", "cuda", "cuda:N"; the ``torch`` extra)."""

    def __init__(self, device: str = "cpu") -> None:
        from naas.cost.torch_backend import resolve_device

        self.device = resolve_device(device)

    def compile(self, layer: Layer, accelerator: Accelerator) -> Any:
        from naas.cost.torch_backend import to_device

        return to_device(compile_target(layer, accelerator), self.device)

    def evaluate(self, problem: Any, batch: MappingBatch) -> BatchCost:
        import torch

        from naas.cost.torch_backend import evaluate_device

        def tensor(values: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(np.ascontiguousarray(values, dtype=np.int64), device=self.device)[None]

        lifts = tensor(batch.lifts) if batch.lifts.any() else None
        cost = evaluate_device(problem, tensor(batch.temporal), tensor(batch.order), tensor(batch.spatial),
                               lifts=lifts).to_numpy()
        return BatchCost(*(None if v is None else v[0] for v in (getattr(cost, f.name) for f in fields(cost))))


#: Builds a cost model (no arguments): what ``register_cost_model`` takes.
CostModelFactory = Callable[[], CostModel]

_COST_MODELS = Registry("cost_model", "() -> CostModel", {"numba": NumbaCostModel}, "naas.register_cost_model")


def register_cost_model(name: str, factory: CostModelFactory) -> None:
    """Make ``factory`` (a class or function building a ``CostModel``) the cost model called
    ``name`` in search settings (``MappingSearchConfig.cost_model``); registering a name again
    replaces it (a notebook cell run twice), except the built-in "numba". Register before a
    search starts its worker processes."""
    _COST_MODELS.register(name, factory)


def cost_model_factory(name: str) -> CostModelFactory:
    """The factory registered as ``name``."""
    return _COST_MODELS.factory(name)
