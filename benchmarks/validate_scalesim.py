"""Our systolic latency against SCALE-Sim 3.0.0's compute cycles on the anchor layers.

    python -m benchmarks.validate_scalesim [--anchors ../shared/anchors/scalesim]

Every layer-run in the anchor's closed_form_checks (single layers and AlexNet/ResNet-18 layers
on 8x8 to 128x128 arrays, OS/WS/IS) is rebuilt as our GEMM-equivalent layer, systolic design and
fixed mapping (naas.mapping.systolic), and its latency compared with SCALE-Sim's.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
from pathlib import Path

from naas.cost import evaluate_mapping
from naas.mapping.systolic import gemm_equivalent, systolic_design, systolic_mapping
from naas.workload.layer import Layer

DEFAULT_ANCHORS = Path(__file__).resolve().parents[1].parent / "shared" / "anchors" / "scalesim"


def read_topology(path: Path) -> dict[str, Layer]:
    """SCALE-Sim conv topology CSV: name, H, W, R, S, C, K, stride (input already padded)."""
    layers = {}
    with open(path) as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        if len(row) < 8 or not row[1].strip().isdigit():
            continue
        name = row[0].strip()
        h, w, r, s, c, k, stride = (int(x) for x in row[1:8])
        p = -(-(h - r + stride) // stride)  # SCALE-Sim: ceil((H - R + s) / s)
        q = -(-(w - s + stride) // stride)
        layers[name] = Layer(name, K=k, C=c, P=p, Q=q, R=r, S=s, stride_h=stride, stride_w=stride)
    return layers


def anchor_layers(anchors: Path) -> dict[tuple[str, str], Layer]:
    """(topology, layer name) -> layer; a job named 'net_<topology>__...' runs a nets/ file."""
    layers: dict[tuple[str, str], Layer] = {}
    for path in list((anchors / "topologies").glob("*.csv")) + list((anchors / "topologies" / "nets").glob("*.csv")):
        if path.name != "empty_layout.csv":
            for name, layer in read_topology(path).items():
                layers[(path.stem.lower(), name)] = layer
    return layers


def _topology_of(job: str) -> str:
    prefix = job.split("__")[0]
    return prefix.removeprefix("net_").lower()


def compare(anchors: Path = DEFAULT_ANCHORS) -> list[dict]:
    checks = json.loads((anchors / "results.json").read_text())["closed_form_checks"]
    layers = anchor_layers(anchors)
    rows = []
    for check in checks:
        layer = layers.get((_topology_of(check["job"]), check["layer"]))
        if layer is None:
            continue
        a, b = (int(x) for x in check["array"].split("x"))
        design = systolic_design(a, b, check["df"])
        gemm = gemm_equivalent(layer)
        cost = evaluate_mapping(gemm, design, systolic_mapping(gemm, design, check["df"]))
        peer = check["scalesim_compute"]
        rows.append({"job": check["job"], "layer": check["layer"], "array": check["array"], "dataflow": check["df"],
                     "scalesim_cycles": peer, "naas_cycles": cost.latency_cycles,
                     "rel_diff": (cost.latency_cycles - peer) / peer})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--anchors", type=Path, default=DEFAULT_ANCHORS)
    args = parser.parse_args()
    rows = compare(args.anchors)
    diffs = [abs(r["rel_diff"]) for r in rows]
    print("| layer | array | dataflow | SCALE-Sim cycles | naas cycles | difference |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['layer']} | {r['array']} | {r['dataflow']} | {r['scalesim_cycles']:,} | "
              f"{r['naas_cycles']:,.0f} | {100 * r['rel_diff']:+.4f}% |")
    print(f"\n{len(rows)} layer-runs: median |difference| {100 * statistics.median(diffs):.4f}%, "
          f"max {100 * max(diffs):.4f}%")


if __name__ == "__main__":
    main()
