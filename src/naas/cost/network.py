"""Costing a whole network on one design: each layer under its mapping, then the totals."""

from __future__ import annotations

from naas.arch.spec import Accelerator
from naas.cost.energy import energy_table
from naas.cost.reference import evaluate_mapping
from naas.cost.result import NetworkCost
from naas.mapping.mapping import Mapping
from naas.workload.network import Network


def evaluate_network(network: Network, arch: Accelerator, mappings: dict[str, Mapping]) -> NetworkCost:
    """Per-layer costs with breakdowns (scalar reference: one mapping per layer)."""
    energies = energy_table(arch)
    costs = tuple(evaluate_mapping(nl.layer, arch, mappings[nl.layer.name], energies) for nl in network.layers)
    return NetworkCost(
        layer_names=tuple(nl.layer.name for nl in network.layers),
        repeats=tuple(nl.repeat for nl in network.layers),
        layers=costs,
    )
