"""The inner search's settings (``MappingSearchConfig``: budget, encoding, optimiser, backend,
cost model)
and its result (``MappingSearchResult``), shared by the numba and the torch searches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from naas.cost.model import cost_model_factory
from naas.errors import NaasError
from naas.mapping.mapping import MappingBatch
from naas.search.mapping_encoding import ENCODINGS
from naas.search.objective import check_objective, check_search_sizes
from naas.search.optimizer import optimizer_factory

BACKENDS = ("numba", "torch")
#: the covariance each mapping search's CMA-ES learns: its diagonal (sep-CMA-ES) or all of it
COVARIANCES = ("separable", "full")
#: --compile's choices as ``MappingSearchConfig.compile`` values
COMPILE_CHOICES = {"auto": None, "on": True, "off": False}


@dataclass(frozen=True)
class MappingSearchConfig:
    #: 32, not 24: with the separable covariance 24 candidates per generation lose up to 3.5 %
    #: per layer set against the full covariance, 32 win 0.5 % on average (BENCHMARKS.md section 9)
    popsize: int = 32
    generations: int = 80
    sigma0: float = 0.25
    encoding: str = "importance"
    objective: str = "edp"
    #: search uneven mappings too (each operand its own memory-level cuts, ``Mapping.lifts``)
    uneven: bool = False
    #: stop once no problem improved its best by more than this fraction for `patience` gens
    tolerance: float = 1e-4
    patience: int = 20
    #: "separable" (sep-CMA-ES: a diagonal covariance, O(n) per sample, learning rates (n+2)/3
    #: higher) or "full" (O(n^2) per sample). docs/search.md: at a mapping search's budget of a
    #: few hundred samples in 42 or more genes the full matrix learns little
    covariance: str = "separable"
    #: "numba" (compiled CPU kernels) or "torch" (the whole search on ``device``)
    backend: str = "numba"
    #: "cpu", "cuda" or "cuda:N"; the numba backend runs on the CPU only
    device: str = "cpu"
    #: torch backend: fuse each generation's decoding and costing with torch.compile (None: on
    #: CUDA only; compiling takes minutes, which on a CPU outweighs short searches)
    compile: bool | None = None
    #: a cost model registered by name (``naas.register_cost_model``) to search and score under
    #: (None: the backend's own, naas's model); like a mapping ``optimizer`` other than "cma",
    #: it runs every problem's search in Python (``naas.search.generic_mapping_search``)
    cost_model: str | None = None
    #: the mapping searches' optimiser by registered name (``naas.register_optimizer``)
    optimizer: str = "cma"

    def __post_init__(self) -> None:
        check_objective(self.objective)
        check_search_sizes("mapping search", self.popsize, self.generations, self.sigma0)
        if self.encoding not in ENCODINGS:
            raise NaasError(f"encoding: choose one of {', '.join(ENCODINGS)}")
        if self.covariance not in COVARIANCES:
            raise NaasError(f"covariance: unknown {self.covariance!r}; choose one of {', '.join(COVARIANCES)}")
        if self.backend not in BACKENDS:
            raise NaasError(f"backend: unknown {self.backend!r}; choose one of {', '.join(BACKENDS)}")
        if self.backend == "numba" and self.device != "cpu":
            raise NaasError(f"device: the numba backend runs on the CPU; use --backend torch for {self.device!r}")
        if self.uneven and self.backend == "torch":
            raise NaasError("uneven: uneven mappings are searched on the numba backend only; drop --uneven or "
                            "use --backend numba")
        if self.backend == "numba" and self.compile:
            raise NaasError("compile: torch.compile applies to the torch backend; add --backend torch or drop --compile on")
        if self.cost_model is not None:
            cost_model_factory(self.cost_model)
        optimizer_factory(self.optimizer)
        if self.backend == "torch" and (self.cost_model is not None or self.optimizer != "cma"):
            raise NaasError("backend: the torch backend searches under its own model with CMA-ES; leave out "
                            "cost_model and optimizer, or use the numba backend")

    @property
    def naas_model(self) -> bool:
        """Whether the searches score under naas's own model (``cost_model`` None or "numba")."""
        return self.cost_model in (None, "numba")

    @property
    def generic(self) -> bool:
        """Whether the searches run in Python through a cost model or optimiser of one's own
        (naming the built-in ones, "numba" and "cma", keeps the compiled search)."""
        return not self.naas_model or self.optimizer != "cma"


@dataclass(frozen=True)
class MappingSearchResult:
    """Best mapping of each problem with its cost; ``evaluations`` counts cost-model calls."""

    best: MappingBatch            # one row per problem
    energy_pj: np.ndarray         # (K,)
    latency_cycles: np.ndarray    # (K,)
    valid: np.ndarray             # (K,)
    objective: np.ndarray         # (K,) the searched objective (inf where nothing valid)
    evaluations: int
    evaluations_per_problem: np.ndarray  # (K,) cost-model calls each problem made before it stopped
    generations: int
    history: np.ndarray           # (generations, K) best objective so far
