"""Our cost model against Timeloop v3's on the same layer, design and mapping, at equal prices.

    python -m benchmarks.validate_timeloop [--mappings 60] [--json FILE] [--halo-reuse]
                                           [--input-multicast distinct|per_pe]

Skips (exit 0, one line) where ``timeloop-model`` is absent (PATH or $NAAS_TIMELOOP_MODEL).
For the five anchor layers (shared/anchors/zigzag, as benchmarks.validate_zigzag) on Eyeriss
and NVDLA-256, every random valid mapping from our decoder is exported with
``naas export --to timeloop-v3``'s code, naas's own energy and area tables included, and run
through timeloop-model. The exports carry no network energy, so ours leaves its NoC out.
Reported per layer and design: Spearman rank correlation of EDP, energy and latency, and the
median and worst relative differences of energy and latency; then the energy per component
summed over every mapping (where the models differ)."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.validate_zigzag import DESIGNS, LAYERS, parts_table, random_valid_mappings, spearman
from naas.arch import baseline
from naas.cost import evaluate_mapping
from naas.export.timeloop import export_timeloop
from naas.export.timeloop_run import find_timeloop_model, run_timeloop_model
from naas.workload import Network

#: Our energy parts beside the Timeloop components that hold them.
COMPONENTS = {"mac": ("MAC",), "weights_spad": ("L1", "W"), "inputs_spad": ("L1", "I"), "psum_spad": ("L1", "O"),
              "global_buffer": ("L2",), "DRAM": ("DRAM",)}


def _our_parts(cost) -> dict[str, float]:
    b = cost.energy_breakdown_pj
    return {"mac": cost.mac_energy_pj, "weights_spad": b["L1"]["W"], "inputs_spad": b["L1"]["I"],
            "psum_spad": b["L1"]["O"], "global_buffer": sum(b["L2"].values()), "DRAM": sum(b["DRAM"].values())}


def _relative(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    return np.abs(ours - theirs) / theirs


def compare(count: int, seed: int = 0, options: dict | None = None, split_fanout: bool | None = None) -> list[dict]:
    rows = []
    for design_name in DESIGNS:
        design = replace(baseline(design_name), **(options or {}))
        for layer in LAYERS:
            batch = random_valid_mappings(layer, design, count, seed)
            ours_e, ours_l, tl_e, tl_l = [], [], [], []
            parts = {c: [0.0, 0.0] for c in COMPONENTS}
            network = Network.from_layers("one", [layer])
            with tempfile.TemporaryDirectory() as folder:
                for i in range(len(batch)):
                    mapping = batch.mapping(i)
                    ours = evaluate_mapping(layer, design, mapping)
                    export_timeloop(design, network, {layer.name: mapping}, folder, version="0.3",
                                    split_fanout=split_fanout)
                    files = [Path(folder) / f for f in ("arch.yaml", f"{layer.name}.problem.yaml",
                                                        f"{layer.name}.mapping.yaml", "ERT.yaml", "ART.yaml")]
                    theirs = run_timeloop_model(files)
                    mine = _our_parts(ours)
                    for c in COMPONENTS:
                        parts[c][0] += mine[c]
                        parts[c][1] += theirs["parts_pj"].get(c, 0.0)
                    ours_e.append(ours.energy_pj - sum(ours.energy_breakdown_pj["NoC"].values()))
                    ours_l.append(ours.latency_cycles)
                    tl_e.append(theirs["energy_pj"])
                    tl_l.append(theirs["latency_cycles"])
            oe, ol, te, tlat = map(np.array, (ours_e, ours_l, tl_e, tl_l))
            rows.append({
                "design": design_name, "layer": layer.name, "mappings": len(batch),
                "spearman_edp": spearman(oe * ol, te * tlat), "spearman_energy": spearman(oe, te),
                "spearman_latency": spearman(ol, tlat),
                "median_energy_diff": float(np.median(_relative(oe, te))),
                "worst_energy_diff": float(np.max(_relative(oe, te))),
                "median_latency_diff": float(np.median(_relative(ol, tlat))),
                "worst_latency_diff": float(np.max(_relative(ol, tlat))),
                "median_energy_ratio": float(np.median(oe / te)), "median_latency_ratio": float(np.median(ol / tlat)),
                "parts": parts,
            })
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| design | layer | mappings | Spearman EDP | Spearman energy | Spearman latency | energy diff median "
             "(worst) | latency diff median (worst) | ours/Timeloop energy | ours/Timeloop latency |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['design']} | {r['layer']} | {r['mappings']} | {r['spearman_edp']:.3f} | "
                     f"{r['spearman_energy']:.3f} | {r['spearman_latency']:.3f} | "
                     f"{100 * r['median_energy_diff']:.1f}% ({100 * r['worst_energy_diff']:.0f}%) | "
                     f"{100 * r['median_latency_diff']:.1f}% ({100 * r['worst_latency_diff']:.0f}%) | "
                     f"{r['median_energy_ratio']:.3f} | {r['median_latency_ratio']:.3f} |")
    med = statistics.median
    lines.append(f"\nmedian over layer x design: Spearman EDP {med(r['spearman_edp'] for r in rows):.3f} (lowest "
                 f"{min(r['spearman_edp'] for r in rows):.3f}), energy diff "
                 f"{100 * med(r['median_energy_diff'] for r in rows):.1f}%, latency diff "
                 f"{100 * med(r['median_latency_diff'] for r in rows):.1f}%")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mappings", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the rows here")
    parser.add_argument("--halo-reuse", action=argparse.BooleanOptionalAction, default=None,
                        help="our model's input halo reuse (default: the designs' own)")
    parser.add_argument("--input-multicast", choices=["distinct", "per_pe"],
                        help="our model's input multicast (default: the designs' own)")
    parser.add_argument("--split-fanout", action="store_true",
                        help="export every array with Timeloop's two-step fanout (column level), whose input reads "
                             "per PE window --input-multicast per_pe models")
    args = parser.parse_args()
    if find_timeloop_model() is None:
        print("validate_timeloop: skipped, timeloop-model not found (PATH or NAAS_TIMELOOP_MODEL)")
        sys.exit(0)
    options = {k: v for k, v in (("halo_reuse", args.halo_reuse), ("input_multicast", args.input_multicast))
               if v is not None}
    rows = compare(args.mappings, args.seed, options, True if args.split_fanout else None)
    print(f"our model options: {options or 'the designs own'}; Timeloop fanout: "
          f"{'split in two steps' if args.split_fanout else 'one step where it can'}\n")
    print(table(rows))
    print("\nEnergy per component, summed over every layer and mapping:\n")
    print(parts_table(rows, list(COMPONENTS), "Timeloop", ("component",)))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
