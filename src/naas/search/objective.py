"""What a search minimises: EDP (default), energy or latency, on a log scale."""

from __future__ import annotations

import numpy as np

from naas.errors import NaasError

OBJECTIVES = ("edp", "energy", "latency")


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
    return np.where(valid, value, np.inf)


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
