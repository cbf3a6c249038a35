"""naas: Neural Accelerator Architecture Search (Lin, Yang and Han, DAC 2021).

The front door (``naas.api``, docs/api.md): ``naas.evaluate``, ``naas.map``, ``naas.search``
(``plan_search`` then ``run_search``), ``naas.cosearch`` (``plan_cosearch``, ``run_cosearch``),
``naas.export`` (the peers' input files), ``naas.load``, ``naas.save``, and the spec types
``naas.Accelerator``, ``naas.Network``, ``naas.Layer``, ``naas.Budget``, and the pluggable parts:
``naas.CostModel`` (``NumbaCostModel``, ``TorchCostModel``, ``register_cost_model``), ``naas.Optimizer`` (``CMA``,
``RandomSearch``, ``register_optimizer``; the connectivity search's ``ConnectivityExplorer``, built
from an ``ExplorationStart``) and the loop that drives them, ``naas.evolve``. They
load on first use, so ``import naas`` (and the command line's static commands) stays light.
"""

__version__ = "0.1.0"

_FRONT_DOOR = {
    "evaluate": "naas.api", "default_mappings": "naas.api", "map": "naas.api", "cosearch": "naas.api", "load": "naas.api",
    "save": "naas.api", "MapResult": "naas.api", "SearchResult": "naas.api", "plan_search": "naas.api",
    "run_search": "naas.api", "SearchPlan": "naas.api", "plan_cosearch": "naas.api", "run_cosearch": "naas.api",
    "CoSearchPlan": "naas.api", "export": "naas.api", "Export": "naas.api",
    "Accelerator": "naas.arch.spec", "ArrayAxis": "naas.arch.spec", "OperandBytes": "naas.arch.spec",
    "Budget": "naas.arch.budget", "Network": "naas.workload.network", "NetworkLayer": "naas.workload.network",
    "Layer": "naas.workload.layer",
    "Mapping": "naas.mapping.mapping", "NaasError": "naas.errors",
    "CostModel": "naas.cost.model", "NumbaCostModel": "naas.cost.model", "TorchCostModel": "naas.cost.model",
    "register_cost_model": "naas.cost.model",
    "Optimizer": "naas.search.optimizer", "OptimizerResult": "naas.search.optimizer", "CMA": "naas.search.optimizer",
    "RandomSearch": "naas.search.optimizer", "register_optimizer": "naas.search.optimizer",
    "evolve": "naas.search.optimizer", "ConnectivityExplorer": "naas.search.connectivity_explorer",
    "ExplorationStart": "naas.search.connectivity_explorer",
}

__all__ = ["__version__", "search", *_FRONT_DOOR]


def __getattr__(name: str):
    import importlib

    if name == "search":  # the package naas.search, which calls naas.api.search (its docstring says why)
        return importlib.import_module("naas.search")
    if name in _FRONT_DOOR:
        return getattr(importlib.import_module(_FRONT_DOOR[name]), name)
    raise AttributeError(f"module 'naas' has no attribute {name!r}")
