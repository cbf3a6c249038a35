"""What a search minimises: EDP (default), energy or latency, on a log scale. The array
functions take numpy arrays or torch tensors alike."""

from __future__ import annotations

import numpy as np

from naas.errors import NaasError
from naas.search.cmaes import array_module

OBJECTIVES = ("edp", "energy", "latency")
#: The unit of each objective's value (and so of a design's fitness, their geometric mean over
#: the networks).
OBJECTIVE_UNITS = {"edp": "pJ x cycles", "energy": "pJ", "latency": "cycles"}

#: What an evolution strategy is told for a candidate without a finite cost: worse than any
#: real log-objective.
INFEASIBLE = 1e3
#: Weight of a candidate's squared distance outside [0, 1]^n (the decoders clip to the box),
#: so that the search mean does not drift away from it.
BOX_PENALTY = 0.1


def check_objective(name: str) -> str:
    if name not in OBJECTIVES:
        raise NaasError(f"objective: unknown {name!r}; choose one of {', '.join(OBJECTIVES)}")
    return name


def layer_objective(name: str, energy_pj: np.ndarray, latency_cycles: np.ndarray,
                    valid: np.ndarray) -> np.ndarray:
    """The per-layer value to minimise (inf where invalid)."""
    if name == "energy":
        value = energy_pj
    elif name == "latency":
        value = latency_cycles
    else:
        value = energy_pj * latency_cycles
    return array_module(value).where(valid, value, np.inf)


def log_objective(values: np.ndarray) -> np.ndarray:
    """log(value), and INFEASIBLE where the value is not finite."""
    xp = array_module(values)
    finite = xp.isfinite(values)
    return xp.where(finite, xp.log(xp.where(finite, values, 1.0)), INFEASIBLE)


def box_penalty(genes: np.ndarray, clipped: np.ndarray) -> np.ndarray:
    """BOX_PENALTY x squared distance of each gene vector (last axis) to its clipped self."""
    return BOX_PENALTY * ((genes - clipped) ** 2).sum(-1)


def network_objective(name: str, energy_pj: float, latency_cycles: float) -> float:
    """Network value: EDP = total energy x total latency, or either total alone."""
    if name == "energy":
        return energy_pj
    if name == "latency":
        return latency_cycles
    return energy_pj * latency_cycles


def check_search_sizes(what: str, popsize: int, generations: int, sigma0: float) -> None:
    """An evolution strategy needs two candidates to rank and at least one generation."""
    if popsize < 2:
        raise NaasError(f"{what} popsize: must be >= 2, got {popsize}")
    if generations < 1:
        raise NaasError(f"{what} generations: must be >= 1, got {generations}")
    if not sigma0 > 0:
        raise NaasError(f"{what} sigma0: must be > 0, got {sigma0}")
