"""`naas report DIR`: a self-contained HTML page (figures embedded) of a search's output."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from naas.arch.io import load_accelerator
from naas.cost.network import evaluate_network
from naas.errors import NaasError
from naas.files import write_text_atomic
from naas.mapping.io import load_mappings
from naas.report import figures
from naas.report.tables import noc_breakdown_table
from naas.workload.io import resolve_network


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except OSError:
        raise NaasError(f"report: {path} is missing; is this the --out folder of a naas search?") from None
    except json.JSONDecodeError:
        raise NaasError(f"report: {path} is not valid JSON") from None


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def summary_html(summary: dict, clock_mhz: float) -> list[str]:
    """The search's result as HTML: the found design, every design's cost per network, and the
    gains over the baselines (each a baseline's figure over NAAS's: > 1 means NAAS is better)."""
    naas = summary["naas"]
    buffers = naas["pe_buffers_bytes"]
    rows = []
    for label, data in [("naas", naas), *summary["baselines"].items()]:
        for network, c in data["networks"].items():
            rows.append([label, data["dataflow"], network, f"{c['energy_pj'] / 1e6:,.1f}", f"{c['latency_cycles']:,.0f}",
                         f"{c['latency_cycles'] / (clock_mhz * 1e3):,.3f}", f"{figures.summary_edp(data, network):.3e}"])
    out = [f"<p>Found design: <b>{html.escape(naas['dataflow'])}</b>, {naas['pes']} PEs, PE buffers W/I/O "
           f"{buffers['W']}/{buffers['I']}/{buffers['O']} B, global buffer {naas['global_buffer_bytes']:,} B "
           f"({naas['onchip_bytes']:,} B on chip). {summary['evaluations']:,} mapping evaluations in "
           f"{summary['seconds']:.1f} s" + (" (interrupted: best so far)" if summary.get("interrupted") else "") + ".</p>",
           _table(["design", "dataflow", "network", "energy (uJ)", "latency (cycles)", f"latency (ms at {clock_mhz:g} MHz)",
                   "EDP (pJ x cycles)"], rows)]
    if summary["comparison"]:
        out.append("<p>NAAS against each baseline: the baseline's latency, energy or EDP over NAAS's "
                   "(&gt; 1 means NAAS is better).</p>")
        out.append(_table(["NAAS vs", "network", "speed-up", "energy: it / NAAS", "EDP gain"],
                          [[r["baseline"], r["network"], f"{r['speedup']:.2f}x", f"{r['energy_saving']:.2f}x",
                            f"{r['edp_gain']:.2f}x"] for r in summary["comparison"]]))
    return out


def build_report(out: str | Path) -> Path:
    """Write DIR/report.html and DIR/figures/*.png; returns the HTML path."""
    out = Path(out)
    summary = _read_json(out / "summary.json")
    histories = {"naas": _read_json(out / "history.json")}
    if (out / "history-sizing.json").exists():
        histories["sizing-only"] = _read_json(out / "history-sizing.json")
    design = load_accelerator(out / "design.yaml")
    costs = {}
    for name in summary["settings"]["networks"]:
        network = resolve_network(name)
        costs[name] = evaluate_network(network, design, load_mappings(out / "mappings" / f"{name}.yaml"))
    pngs = {
        "convergence": figures.convergence(histories),
        "edp_vs_baselines": figures.edp_against_baselines(summary),
        "energy_breakdown": figures.energy_breakdown_chart(costs),
        "pe_array": figures.pe_array_drawing(design),
        **{f"layers_{name}": figures.per_layer_chart(name, cost) for name, cost in costs.items()},
    }
    (out / "figures").mkdir(exist_ok=True)
    for name, data in pngs.items():
        (out / "figures" / f"{name}.png").write_bytes(data)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>naas search report</title>",
        "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}img{max-width:100%}"
        "pre{background:#f4f4f4;padding:1em;overflow-x:auto}table{border-collapse:collapse;margin:1em 0}"
        "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}"
        "td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}</style></head><body>",
        f"<h1>naas search: {html.escape(', '.join(summary['settings']['networks']))} under the "
        f"{html.escape(summary['settings']['budget'])} budget</h1>",
        *summary_html(summary, design.clock_mhz),
    ]
    titles = {"convergence": "Convergence", "edp_vs_baselines": "EDP gain of NAAS over the baselines",
              "energy_breakdown": "Energy per memory level and operand (found design)",
              "pe_array": "The found PE array"}
    for name, data in pngs.items():
        title = titles.get(name, f"Per-layer latency and PE utilisation: {name.removeprefix('layers_')}")
        encoded = base64.b64encode(data).decode()
        parts.append(f"<h2>{html.escape(title)}</h2><img alt='{name}' src='data:image/png;base64,{encoded}'>")
    for name, cost in costs.items():
        parts.append(f"<h2>On-chip network energy per part and operand: {html.escape(name)} "
                     f"({html.escape(design.noc_model)} network)</h2><pre>{html.escape(noc_breakdown_table(cost))}</pre>")
    parts.append("</body></html>")
    path = out / "report.html"
    write_text_atomic(path, "\n".join(parts))
    return path
