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
