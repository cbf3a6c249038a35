"""What the cost model reports for a layer and for a network."""

from __future__ import annotations

from dataclasses import dataclass

#: Where energy is spent, besides the MACs: per-PE buffers, global buffer, DRAM, and the NoC.
ENERGY_LEVELS: tuple[str, ...] = ("L1", "L2", "DRAM", "NoC")


@dataclass(frozen=True)
class LayerCost:
    """Cost of one pass of one layer under one mapping.

    ``energy_breakdown_pj[level][operand]`` splits the non-MAC energy by ENERGY_LEVELS and
    operand (W, I, O). ``accesses[level][operand]`` gives (reads, writes) in words, for the NoC
    (delivered words, 0). ``noc_breakdown_pj[part][operand]`` splits the NoC's share: per array
    axis ("axis 0 (RKC12)") and the spatial-reduction adds for a mesh network, one "flat" part
    for a flat one.
    """

    energy_pj: float
    latency_cycles: float
    mac_energy_pj: float
    energy_breakdown_pj: dict[str, dict[str, float]]
    accesses: dict[str, dict[str, tuple[int, int]]]
    utilization: float
    valid: bool
    reason: str = ""
    compute_cycles: int = 0
    noc_breakdown_pj: dict[str, dict[str, float]] | None = None

    @property
    def edp(self) -> float:
        """Energy-delay product in pJ x cycles (inf for an invalid mapping)."""
        return self.energy_pj * self.latency_cycles if self.valid else float("inf")


@dataclass(frozen=True)
class NetworkCost:
    """Per-layer costs (one pass each) with repeat counts, and the network totals."""

    layer_names: tuple[str, ...]
    repeats: tuple[int, ...]
    layers: tuple[LayerCost, ...]

    @property
    def energy_pj(self) -> float:
        return sum(c.energy_pj * r for c, r in zip(self.layers, self.repeats))

    @property
    def latency_cycles(self) -> float:
        return sum(c.latency_cycles * r for c, r in zip(self.layers, self.repeats))

    @property
    def edp(self) -> float:
        """Network EDP = total energy (pJ) x total latency (cycles), in pJ x cycles."""
        if not all(c.valid for c in self.layers):
            return float("inf")
        return self.energy_pj * self.latency_cycles

    @property
    def valid(self) -> bool:
        return all(c.valid for c in self.layers)
