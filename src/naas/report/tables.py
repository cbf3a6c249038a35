"""Plain-text tables and JSON documents of cost results."""

from __future__ import annotations

from naas.arch.spec import Accelerator
from naas.cost.result import ENERGY_LEVELS, NetworkCost
from naas.workload.network import Network


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(headers, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)


def network_cost_table(cost: NetworkCost, clock_mhz: float | None = None) -> str:
    """Per-layer energy, latency, utilisation and EDP of one run of each layer, then the
    totals over every repeat, and how the two relate."""
    headers = ["layer", "repeat", "energy (uJ)", "latency (cycles)", "util", "EDP (pJ x cycles)", "note"]
    rows = []
    for name, repeat, c in zip(cost.layer_names, cost.repeats, cost.layers):
        rows.append([name, str(repeat), f"{c.energy_pj / 1e6:.3f}", f"{c.latency_cycles:,.0f}",
                     f"{c.utilization:.1%}", f"{c.edp:.3e}", "" if c.valid else f"INVALID: {c.reason}"])
    total_util = _network_utilization(cost)
    rows.append(["TOTAL", "", f"{cost.energy_pj / 1e6:.3f}", f"{cost.latency_cycles:,.0f}",
                 f"{total_util:.1%}", f"{cost.edp:.3e}", ""])
    time = "" if clock_mhz is None else f"; latency {cost.latency_cycles / (clock_mhz * 1e3):,.3f} ms at {clock_mhz:g} MHz"
    return (format_table(headers, rows) + "\nrows: one run of the layer; TOTAL: energy and latency summed over "
            f"rows x repeat, EDP = TOTAL energy (pJ) x TOTAL latency (cycles){time}")


def _network_utilization(cost: NetworkCost) -> float:
    """MAC-weighted: the network's MACs over PE-cycles spent, from each layer's utilisation."""
    busy = sum(c.utilization * c.latency_cycles * r for c, r in zip(cost.layers, cost.repeats))
    return busy / cost.latency_cycles if cost.latency_cycles else 0.0


def _summed(per_layer: list[dict[str, dict[str, float]]], repeats: tuple[int, ...],
            out: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """``out`` plus each layer's {part: {operand: pJ}} times its repeat count."""
    for parts, r in zip(per_layer, repeats):
        for part, per_op in parts.items():
            for op, e in per_op.items():
                out.setdefault(part, {}).setdefault(op, 0.0)
                out[part][op] += e * r
    return out


def energy_breakdown(cost: NetworkCost) -> dict[str, dict[str, float]]:
    """Network energy (pJ) per level and operand, with the MACs under 'MAC'."""
    macs = sum(c.mac_energy_pj * r for c, r in zip(cost.layers, cost.repeats))
    levels = [{level: c.energy_breakdown_pj.get(level, {}) for level in ENERGY_LEVELS} for c in cost.layers]
    return _summed(levels, cost.repeats, {"MAC": {"-": macs}})


def noc_breakdown(cost: NetworkCost) -> dict[str, dict[str, float]]:
    """Network energy (pJ) per part (``LayerCost.noc_breakdown_pj``: each array axis and the
    reduction adds of a mesh, or 'flat') and operand, summed over the layers."""
    return _summed([c.noc_breakdown_pj or {} for c in cost.layers], cost.repeats, {})


def noc_breakdown_table(cost: NetworkCost) -> str:
    """The network's energy per part and operand, in uJ."""
    rows = []
    for part, per_op in noc_breakdown(cost).items():
        rows.append([part, *(f"{per_op.get(op, 0.0) / 1e6:.3f}" for op in "WIO"),
                     f"{sum(per_op.values()) / 1e6:.3f}"])
    return format_table(["network part", "W (uJ)", "I (uJ)", "O (uJ)", "total (uJ)"], rows)


def network_cost_document(network: Network, arch: Accelerator, cost: NetworkCost) -> dict:
    """The JSON document of `naas evaluate --json`."""
    layers = []
    for name, repeat, c in zip(cost.layer_names, cost.repeats, cost.layers):
        layers.append({
            "name": name, "repeat": repeat, "energy_pj": c.energy_pj,
            "latency_cycles": c.latency_cycles, "utilization": c.utilization,
            "edp_pj_cycles": c.edp if c.valid else None, "valid": c.valid, "reason": c.reason,
            "energy_breakdown_pj": c.energy_breakdown_pj, "mac_energy_pj": c.mac_energy_pj,
            "noc_breakdown_pj": c.noc_breakdown_pj,
            "accesses_words": {lvl: {op: list(rw) for op, rw in ops.items()} for lvl, ops in c.accesses.items()},
        })
    return {
        "network": network.name,
        "arch": arch.name,
        "totals": {
            "energy_pj": cost.energy_pj, "latency_cycles": cost.latency_cycles,
            "edp_pj_cycles": cost.edp if cost.valid else None, "utilization": _network_utilization(cost),
            "macs": network.macs, "energy_breakdown_pj": energy_breakdown(cost),
            "noc_breakdown_pj": noc_breakdown(cost),
        },
        "layers": layers,
    }
