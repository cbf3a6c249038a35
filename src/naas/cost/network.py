"""Costing a whole network on one design: each layer under its mapping, then the totals."""

from __future__ import annotations

from naas.arch.spec import Accelerator
from naas.cost.energy import energy_table
from naas.cost.reference import evaluate_mapping, require_slots
from naas.cost.result import NetworkCost
from naas.errors import NaasError
from naas.mapping.greedy import default_mapping
from naas.mapping.mapping import Mapping
from naas.workload.network import Network


def network_mappings(
    network: Network, arch: Accelerator, given: dict[str, Mapping] | None = None
) -> dict[str, Mapping]:
    """The given mapping of each layer, or the greedy default where none is given."""
    given = given or {}
    unknown = set(given) - {nl.layer.name for nl in network.layers}
    if unknown:
        raise NaasError(f"mapping: layers {sorted(unknown)} are not in network {network.name!r}; check the names")
    out = {}
    for nl in network.layers:
        m = given.get(nl.layer.name)
        if m is not None:
            require_slots(nl.layer.name, arch, m)
        out[nl.layer.name] = m if m is not None else default_mapping(nl.layer, arch)
    return out


def evaluate_network(network: Network, arch: Accelerator, mappings: dict[str, Mapping]) -> NetworkCost:
    """Per-layer costs with breakdowns (scalar reference: one mapping per layer)."""
    energies = energy_table(arch)
    costs = tuple(evaluate_mapping(nl.layer, arch, mappings[nl.layer.name], energies) for nl in network.layers)
    return NetworkCost(
        layer_names=tuple(nl.layer.name for nl in network.layers),
        repeats=tuple(nl.repeat for nl in network.layers),
        layers=costs,
    )
