"""Our cost model against Timeloop v3's on the same layer, design and mapping, at equal prices.

    python -m benchmarks.validate_timeloop [--mappings 60] [--json FILE] [--halo-reuse]
                                           [--input-multicast distinct|per_pe] [--noc-model flat|mesh]

Skips (exit 0, one line) where ``timeloop-model`` is absent (PATH or $NAAS_TIMELOOP_MODEL).
For the five anchor layers (shared/anchors/zigzag, as benchmarks.validate_zigzag) on Eyeriss
and NVDLA-256, every random valid mapping from our decoder is exported with
``naas export --to timeloop-v3``'s code, naas's own energy and area tables included, and run
through timeloop-model. Reported per layer and design: Spearman rank correlation of EDP,
energy and latency, and the median and worst relative differences of energy and latency; then
the energy per component summed over every mapping (where the models differ).

A flat network has no Timeloop counterpart, so there ours leaves its NoC out. A mesh design's
export carries the wire (naas's price per bit and mm, one PE pitch per hop) and Timeloop's
legacy network prices it: ours then includes its wire (the public Timeloop prices no
spatial-reduction adds, so those are compared as counts), and the weights' wire is re-derived
from Timeloop's hop rule one floorplan convention at a time, to show where the two part."""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.validate_zigzag import DESIGNS, LAYERS, parts_table, random_valid_mappings, spearman
from naas.arch import baseline
from naas.cost import evaluate_mapping
from naas.interop.timeloop import export_timeloop
from naas.interop.timeloop_nest import DATASPACES, directives, mesh, needs_split_fanout
from naas.interop.timeloop_run import find_timeloop_model, run_timeloop_model
from naas.workload import Network
from naas.workload.dims import DIMS

#: Our energy parts beside the Timeloop components that hold them.
COMPONENTS = {"mac": ("MAC",), "weights_spad": ("L1", "W"), "inputs_spad": ("L1", "I"), "psum_spad": ("L1", "O"),
              "global_buffer": ("L2",), "DRAM": ("DRAM",)}


OPERANDS = ("W", "I", "O")


def _our_parts(cost) -> dict[str, float]:
    b = cost.energy_breakdown_pj
    return {"mac": cost.mac_energy_pj, "weights_spad": b["L1"]["W"], "inputs_spad": b["L1"]["I"],
            "psum_spad": b["L1"]["O"], "global_buffer": sum(b["L2"].values()), "DRAM": sum(b["DRAM"].values())}


def _relative(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    return np.abs(ours - theirs) / theirs


def _our_wire_pj(cost) -> dict[str, float]:
    """Our mesh wire energy per operand (pJ): every axis's share, without the reduction adds
    (the public Timeloop prices no adds; the adds are compared as counts)."""
    per_axis = [v for k, v in cost.noc_breakdown_pj.items() if k != "reduction adds"]
    return {op: sum(a[op] for a in per_axis) for op in OPERANDS}


def legacy_hops(points, mesh_x: int, mesh_y: int, corner: bool = False) -> float:
    """Timeloop v3's legacy-network hops for one word multicast to ``points`` ((h, v) PE
    positions, h along meshX): injected at the meshX edge halfway up meshY, run along h to the
    farthest point, then down or up each column it reaches (nest-analysis.cpp,
    ComputeNetworkHops). Re-derived here to show where the two models' hop counts part;
    ``corner`` moves the injection to naas's corner, one pitch before the first PE of both."""
    centre = -1.0 if corner else (mesh_y - 1) / 2
    spans: dict[int, tuple[int, int]] = {}
    for h, v in points:
        low, high = spans.get(h, (v, v))
        spans[h] = (min(low, v), max(high, v))
    return max(spans) + corner + sum(max(0.0, centre - low) + max(0.0, high - centre)
                                     for low, high in spans.values())


def weight_hops(layer, design, mapping) -> tuple[float, float, float, float]:
    """The hops of one round of weights under Timeloop's legacy rule (``legacy_hops``, summed
    over the multicast groups), one convention changed at a time from Timeloop's to naas's:
    the busy PEs where Timeloop puts them (the spatial loops' linear index laid row by row on
    a meshX-wide grid); where they sit (their own meshX and meshY indices); with naas's corner
    injection; and routed along the cheaper of the two axis orders, as naas routes each
    operand's network (docs/cost-model.md)."""
    nest = directives(layer, design, mapping)
    spatial = next(d for d in nest if d.kind == "spatial")
    loops = [(dim, spatial.factors[DIMS.index(dim)]) for dim in spatial.permutation]  # innermost first
    along_x = {dim for dim, _ in loops[:spatial.split]}
    mesh_x, mesh_y = mesh(design)
    placed: dict[tuple, list] = {}
    sitting: dict[tuple, list] = {}
    for index in itertools.product(*[range(extent) for _, extent in loops]):
        linear, x, y, stride, x_stride, y_stride = 0, 0, 0, 1, 1, 1
        for (dim, extent), i in zip(loops, index):
            linear += i * stride
            stride *= extent
            if dim in along_x:
                x, x_stride = x + i * x_stride, x_stride * extent
            else:
                y, y_stride = y + i * y_stride, y_stride * extent
        word = tuple(i for (dim, _), i in zip(loops, index) if dim in "GKCRS")
        placed.setdefault(word, []).append((linear % mesh_x, linear // mesh_x))
        sitting.setdefault(word, []).append((x, y))
    return (sum(legacy_hops(p, mesh_x, mesh_y) for p in placed.values()),
            sum(legacy_hops(p, mesh_x, mesh_y) for p in sitting.values()),
            sum(legacy_hops(p, mesh_x, mesh_y, corner=True) for p in sitting.values()),
            min(sum(legacy_hops(p, mesh_x, mesh_y, corner=True) for p in sitting.values()),
                sum(legacy_hops([(v, h) for h, v in p], mesh_y, mesh_x, corner=True) for p in sitting.values())))


def _weight_steps(layer, design, mapping, ours, theirs) -> tuple[float, ...]:
    """Timeloop's weight wire energy re-derived (``weight_hops``): the hop energy it implies
    (naas's wire price over one pitch when the re-derivation holds), the factor each change
    of convention makes, and ours over the last (1: the same count)."""
    placed, sitting, corner, routed = weight_hops(layer, design, mapping)
    per_pe = ours.accesses["NoC"]["W"][0] / math.prod(mapping.spatial)
    hop_pj = theirs["network"]["Weights"]["energy_pj"] / max(per_pe * placed, 1e-12)
    return (hop_pj, sitting / placed, corner / sitting, routed / corner,
            _our_wire_pj(ours)["W"] / max(per_pe * routed * hop_pj, 1e-12))


def _network_row(ours: list[dict], theirs: list[dict]) -> dict:
    """Our mesh wire energy against Timeloop's network energy, per operand and in total: rank
    correlation over the mappings and the median ratio ours / Timeloop."""
    row: dict = {}
    for op, space in zip(OPERANDS + ("total",), DATASPACES + ("total",)):
        if op == "total":
            o = np.array([sum(x.values()) for x in ours])
            t = np.array([sum(v["energy_pj"] for v in x.values()) for x in theirs])
        else:
            o = np.array([x[op] for x in ours])
            t = np.array([x[space]["energy_pj"] for x in theirs])
        live = t > 0
        row[f"{op}_ratio"] = float(np.median(o[live] / t[live])) if live.any() else float("nan")
        row[f"{op}_spearman"] = spearman(o, t)
    return row


def compare(count: int, seed: int = 0, options: dict | None = None, split_fanout: bool | None = None) -> list[dict]:
    rows = []
    for design_name in DESIGNS:
        design = replace(baseline(design_name), **(options or {}))
        for layer in LAYERS:
            batch = random_valid_mappings(layer, design, count, seed)
            ours_e, ours_l, tl_e, tl_l = [], [], [], []
            parts = {c: [0.0, 0.0] for c in COMPONENTS}
            wire_ours, wire_theirs, adds, weights = [], [], [], []
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
                    if design.noc_model == "mesh":
                        wire_ours.append(_our_wire_pj(ours))
                        wire_theirs.append(theirs["network"])
                        adds.append((ours.noc_breakdown_pj["reduction adds"]["O"] / design.technology.adder_energy_pj,
                                     theirs["network"]["Outputs"]["spatial_reductions"]))
                        ours_e.append(ours.energy_pj - ours.noc_breakdown_pj["reduction adds"]["O"])
                        if math.prod(mapping.spatial) > 1 and not needs_split_fanout(design, mapping):
                            weights.append(_weight_steps(layer, design, mapping, ours, theirs))
                    else:
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
            if wire_ours:
                network_row = _network_row(wire_ours, wire_theirs)
                network_row["adds_equal"] = sum(abs(a - b) <= 0.5 for a, b in adds)
                hop_pj, steps = zip(*[(w[0], w[1:]) for w in weights])
                network_row["weights_hop_pj"] = (min(hop_pj), max(hop_pj))
                network_row["weights_steps"] = [float(np.median(x)) for x in zip(*steps)]
                network_row["weights_same"] = (sum(abs(w[-1] - 1) < 1e-6 for w in weights), len(weights))
                rows[-1]["network"] = network_row
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


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(row) + " |" for row in rows])


def network_table(rows: list[dict]) -> str:
    """Our mesh wire energy against Timeloop's network, per layer and design."""
    body = []
    for r in rows:
        n = r["network"]
        body.append([r["design"], r["layer"], str(r["mappings"]),
                     ", ".join(f"{n[f'{op}_ratio']:.2f}" for op in OPERANDS + ("total",)),
                     ", ".join(f"{n[f'{op}_spearman']:.2f}" for op in OPERANDS + ("total",)),
                     f"{n['adds_equal']}/{r['mappings']}"])
    return _markdown(["design", "layer", "mappings", "ours/Timeloop W, I, O, total (median)",
                      "Spearman W, I, O, total", "reduction adds equal"], body)


def weights_table(rows: list[dict]) -> str:
    """Timeloop's weight wire energy re-derived, one convention moved to naas's at a time."""
    body = []
    for r in rows:
        n = r["network"]
        low, high = n["weights_hop_pj"]
        body.append([r["design"], r["layer"], f"{low:.4f}-{high:.4f}", *(f"{x:.3f}" for x in n["weights_steps"]),
                     f"{n['weights_same'][0]}/{n['weights_same'][1]}"])
    return _markdown(["design", "layer", "Timeloop's hop energy (pJ/word/pitch)", "x busy PEs where they sit",
                      "x corner injection", "x cheaper routing order", "ours / that (median)",
                      "mappings where ours = that"], body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mappings", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the rows here")
    parser.add_argument("--halo-reuse", action=argparse.BooleanOptionalAction, default=None,
                        help="our model's input halo reuse (default: the designs' own)")
    parser.add_argument("--input-multicast", choices=["distinct", "per_pe"],
                        help="our model's input multicast (default: the designs' own)")
    parser.add_argument("--noc-model", choices=["flat", "mesh"],
                        help="our network model (default: the designs' own); with mesh the exports carry the wire "
                             "and its energy is compared with Timeloop's network")
    parser.add_argument("--split-fanout", action="store_true",
                        help="export every array with Timeloop's two-step fanout (column level), whose input reads "
                             "per PE window --input-multicast per_pe models")
    args = parser.parse_args()
    if find_timeloop_model() is None:
        print("validate_timeloop: skipped, timeloop-model not found (PATH or NAAS_TIMELOOP_MODEL)")
        sys.exit(0)
    options = {k: v for k, v in (("halo_reuse", args.halo_reuse), ("input_multicast", args.input_multicast),
                                 ("noc_model", args.noc_model)) if v is not None}
    rows = compare(args.mappings, args.seed, options, True if args.split_fanout else None)
    print(f"our model options: {options or 'the designs own'}; Timeloop fanout: "
          f"{'split in two steps' if args.split_fanout else 'one step where it can'}\n")
    print(table(rows))
    print("\nEnergy per component, summed over every layer and mapping:\n")
    print(parts_table(rows, list(COMPONENTS), "Timeloop", ("component",)))
    if any("network" in r for r in rows):
        print("\nThe network: our mesh wire energy against Timeloop's legacy network, same wire price and pitch:\n")
        print(network_table(rows))
        print("\nTimeloop's weight wire re-derived from its rule, one convention moved to ours at a time (medians over "
              "the mappings that use more than one PE and one fanout step can hold):\n")
        print(weights_table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
