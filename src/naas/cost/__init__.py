"""The analytical cost model: shared rules, a scalar reference and a batched (numba) path."""

from naas.cost.batched import BatchCost, evaluate_batch
from naas.cost.network import evaluate_network
from naas.cost.reference import evaluate_mapping
from naas.cost.result import ENERGY_LEVELS, LayerCost, NetworkCost
from naas.cost.target import compile_target

__all__ = ["BatchCost", "compile_target", "evaluate_batch", "evaluate_mapping", "evaluate_network",
           "ENERGY_LEVELS", "LayerCost", "NetworkCost"]
