"""What `naas search` writes: the design, every layer's mapping, the history and a summary
against the baselines."""

from __future__ import annotations

import math
from pathlib import Path

from naas.arch.io import accelerator_to_dict
from naas.files import write_json_atomic, write_text_atomic, write_yaml_atomic
from naas.mapping.io import mapping_to_dict
from naas.report.tables import format_table
from naas.search.arch_search import ArchSearchResult
from naas.search.design_score import DesignScore
from naas.search.objective import OBJECTIVE_UNITS
from naas.workload.network import Network


def design_summary(score: DesignScore, networks: list[Network]) -> dict:
    d = score.design
    return {
        "design": d.name,
        "dataflow": d.dataflow,
        "pes": d.num_pes,
        "pe_buffers_bytes": dict(zip("WIO", d.l1_bytes.as_tuple())),
        "global_buffer_bytes": d.l2_bytes,
        "onchip_bytes": d.onchip_bytes,
        "area_mm2": d.area_mm2,
        "fitness": score.fitness,
        "networks": {
            n.name: {
                "energy_pj": score.energy_pj[n.name],
                "latency_cycles": score.latency_cycles[n.name],
                "edp_pj_cycles": score.energy_pj[n.name] * score.latency_cycles[n.name],
            } for n in networks
        },
    }


def comparison_rows(naas: DesignScore, others: dict[str, DesignScore], networks: list[Network]) -> list[dict]:
    """Per baseline and network: speed-up, energy saving and EDP gain of NAAS over it."""
    rows = []
    for label, other in others.items():
        for n in networks:
            e0, l0 = other.energy_pj[n.name], other.latency_cycles[n.name]
            e1, l1 = naas.energy_pj[n.name], naas.latency_cycles[n.name]
            rows.append({
                "baseline": label, "network": n.name, "speedup": l0 / l1, "energy_saving": e0 / e1,
                "edp_gain": (e0 * l0) / (e1 * l1),
            })
    return rows


def write_search_outputs(out: str | Path, networks: list[Network], result: ArchSearchResult,
                         baselines: dict[str, DesignScore], settings: dict,
                         sizing_history: list[dict] | None = None) -> str:
    """Write everything under ``out``; returns the summary text printed to the user."""
    out = Path(out)
    best = result.best
    write_yaml_atomic(out / "design.yaml", accelerator_to_dict(best.design))
    for n in networks:
        write_yaml_atomic(out / "mappings" / f"{n.name}.yaml",
                          {"layers": {layer: mapping_to_dict(m) for layer, m in best.mappings[n.name].items()}})
    write_json_atomic(out / "history.json", result.history)
    if sizing_history is not None:
        write_json_atomic(out / "history-sizing.json", sizing_history)
    rows = comparison_rows(best, baselines, networks)
    fitness_unit = OBJECTIVE_UNITS[settings.get("objective", "edp")]
    summary = {
        "units": {
            "fitness": f"{fitness_unit}: the objective ({settings.get('objective', 'edp')}), geometric mean over "
                       "the networks; history.json's best and generation_best are fitnesses too",
            "seconds": "s (wall time of the search; history.json's seconds likewise)",
            "comparison": "speedup, energy_saving and edp_gain are the baseline's latency, energy or EDP over "
                          "NAAS's (dimensionless; > 1: NAAS is better)",
            "other keys": "the unit is the key's suffix: _pj pJ, _cycles cycles, _pj_cycles pJ x cycles, _bytes B, "
                          "_mm2 mm^2; pes count PEs, evaluations count cost-model calls",
        },
        "settings": settings,
        "interrupted": result.interrupted,
        "evaluations": result.evaluations,
        "seconds": result.seconds,
        "naas": design_summary(best, networks),
        "baselines": {label: design_summary(s, networks) for label, s in baselines.items()},
        "comparison": rows,
    }
    write_json_atomic(out / "summary.json", summary)
    text = summary_text(best, baselines, networks, rows, result)
    write_text_atomic(out / "summary.md", text + "\n")
    return text


def summary_text(best: DesignScore, baselines: dict[str, DesignScore], networks: list[Network],
                 rows: list[dict], result: ArchSearchResult) -> str:
    d = best.design
    lines = [
        f"NAAS design: {d.dataflow} ({d.num_pes} PEs), PE buffers W/I/O "
        f"{'/'.join(map(str, d.l1_bytes.as_tuple()))} B, global buffer {d.l2_bytes:,} B "
        f"({d.onchip_bytes:,} B on chip)",
        f"{result.evaluations:,} mapping evaluations in {result.seconds:.1f} s"
        + (" (interrupted: best so far)" if result.interrupted else ""),
        "",
    ]
    table = []
    for label, score in [("naas", best), *baselines.items()]:
        for n in networks:
            e, lat = score.energy_pj[n.name], score.latency_cycles[n.name]
            table.append([label, score.design.dataflow, n.name, f"{e / 1e6:,.1f}", f"{lat:,.0f}",
                          f"{lat / (score.design.clock_mhz * 1e3):,.3f}", f"{e * lat:.3e}"])
    lines.append(format_table(["design", "dataflow", "network", "energy (uJ)", "latency (cycles)",
                               "latency (ms)", "EDP (pJ x cycles)"], table))
    lines.append(f"latency in ms at each design's clock ({d.clock_mhz:g} MHz for NAAS's); EDP = energy (pJ) x "
                 "latency (cycles)")
    if rows:
        lines.append("")
        lines.append(format_table(
            ["NAAS vs", "network", "speed-up", "energy: it / NAAS", "EDP gain"],
            [[r["baseline"], r["network"], f"{r['speedup']:.2f}x", f"{r['energy_saving']:.2f}x",
              f"{r['edp_gain']:.2f}x"] for r in rows]))
        lines.append("every ratio is the baseline's latency, energy or EDP over NAAS's: > 1 means NAAS is better")
        for label in baselines:
            gains = [r["edp_gain"] for r in rows if r["baseline"] == label]
            lines.append(f"geomean EDP gain over {label}: "
                         f"{math.exp(sum(map(math.log, gains)) / len(gains)):.2f}x")
    return "\n".join(lines)
