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
    summary_md = (out / "summary.md").read_text() if (out / "summary.md").exists() else ""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>naas search report</title>",
        "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}img{max-width:100%}"
        "pre{background:#f4f4f4;padding:1em;overflow-x:auto}</style></head><body>",
        f"<h1>naas search: {html.escape(', '.join(summary['settings']['networks']))} under the "
        f"{html.escape(summary['settings']['budget'])} budget</h1>",
        f"<pre>{html.escape(summary_md)}</pre>",
    ]
    titles = {"convergence": "Convergence", "edp_vs_baselines": "EDP against the baselines",
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
