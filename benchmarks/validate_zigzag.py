"""Our cost model against ZigZag 3.9.1's on the same layer, design and mapping.

    python -m benchmarks.validate_zigzag [--mappings 100] [--loma] [--latency-model ports|roofline]
                                         [--no-hold-operands] [--uneven]

For the five anchor layers (shared/anchors/zigzag) on two designs exported to ZigZag with our
own technology table (naas.interop.zigzag.hardware_dict: same per-word energies, sizes and link
widths), every random valid mapping from our decoder is re-scored in ZigZag's
CostModelEvaluation with the same spatial unrolling, loop order and memory-level cuts. NoC
energy, which ZigZag does not model, is left out of ours. Our designs use the "ports" latency
model (ZigZag's memory-port rules) unless --latency-model roofline, hold their operands in
the MACs (ZigZag's access_same_data_considered_as_no_access) unless --no-hold-operands, and
reuse no input halos (ZigZag counts little of it).
With --uneven the random mappings are uneven ones (each operand cut at its own levels).
Reported per layer and design:
Spearman rank correlation of EDP, median relative difference of energy and of latency. With
--loma, our mapper's best mapping (LOMA_SEARCH: uneven mappings, population 48, at most 300
generations, patience 60, the best of LOMA_SEEDS seeds; still well under LOMA's time) re-scored in ZigZag is set against ZigZag's own LOMA search (lpf_limit
6, opt EDP) on the same exported design.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import statistics
import tempfile
import time
from dataclasses import replace

import numpy as np

from naas.arch import baseline
from naas.arch.spec import LATENCY_MODELS
from naas.cost import evaluate_mapping
from naas.cost.batched import evaluate_stacked
from naas.cost.target import compile_target, stack_targets
from naas.interop.zigzag import ZigZagScorer, export_zigzag
from naas.mapping import MappingBatch
from naas.search.mapping_encoding import decode_mappings, gene_count
from naas.search.mapping_search import MappingSearchConfig, search_mappings
from naas.workload import Layer, Network

LAYERS = [
    Layer("vgg16_conv1_1", K=64, C=3, P=224, Q=224, R=3, S=3),
    Layer("vgg16_conv2_1", K=128, C=64, P=112, Q=112, R=3, S=3),
    Layer("vgg16_conv5_1", K=512, C=512, P=14, Q=14, R=3, S=3),
    Layer("resnet50_1x1", K=256, C=64, P=56, Q=56),
    Layer("mbv2_dw144", G=144, P=56, Q=56, R=3, S=3),
]
DESIGNS = ["eyeriss", "nvdla256"]
LOMA_SEARCH = MappingSearchConfig(popsize=48, generations=300, patience=60, uneven=True)
LOMA_SEEDS = 4


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def random_valid_mappings(layer: Layer, design, count: int, seed: int, uneven: bool = False) -> MappingBatch:
    targets = stack_targets([compile_target(layer, design)])
    genes = np.random.default_rng(seed).random((1, 4 * count, gene_count(targets.n_slots, 0, uneven)))
    temporal, order, spatial, lifts = decode_mappings(genes, targets, 0, uneven)
    valid = evaluate_stacked(targets, temporal, order, spatial, lifts).valid[0]
    keep = np.flatnonzero(valid)[:count]
    return MappingBatch(temporal[0, keep], order[0, keep], spatial[0, keep][:, : len(design.spatial_slots)],
                        None if lifts is None else lifts[0, keep])


def design_under(name: str, latency_model: str, hold_operands: bool, halo_reuse: bool = False):
    """A baseline costed ZigZag's way: its latency model and operand holding, and (unless asked)
    without input halo reuse, of which ZigZag counts little (docs/cost-model.md)."""
    return dataclasses.replace(baseline(name), latency_model=latency_model, hold_operands=hold_operands,
                               halo_reuse=halo_reuse)


def compare(count: int, seed: int = 0, layers: list[Layer] = LAYERS, designs: list[str] = DESIGNS,
            latency_model: str = "ports", hold_operands: bool = True, uneven: bool = False) -> list[dict]:
    rows = []
    for design_name in designs:
        design = design_under(design_name, latency_model, hold_operands)
        with tempfile.TemporaryDirectory() as folder:
            scorer = ZigZagScorer(design, folder)
            for layer in layers:
                batch = random_valid_mappings(layer, design, count, seed, uneven)
                ours_e, ours_l, zz_e, zz_l = [], [], [], []
                parts = {part: [0.0, 0.0] for part in PARTS}
                for i in range(len(batch)):
                    mapping = batch.mapping(i)
                    ours = evaluate_mapping(layer, design, mapping)
                    cme = scorer.score(layer, mapping)
                    for part, (mine, theirs) in energy_parts(ours, cme).items():
                        parts[part][0] += mine
                        parts[part][1] += theirs
                    ours_e.append(ours.energy_pj - sum(ours.energy_breakdown_pj["NoC"].values()))
                    ours_l.append(ours.latency_cycles)
                    zz_e.append(float(cme.energy_total))
                    zz_l.append(float(cme.latency_total2))
                oe, ol, ze, zl = map(np.array, (ours_e, ours_l, zz_e, zz_l))
                rows.append({
                    "design": design_name, "layer": layer.name, "mappings": len(batch),
                    "spearman_edp": spearman(oe * ol, ze * zl),
                    "median_energy_diff": float(np.median(np.abs(oe - ze) / ze)),
                    "median_latency_diff": float(np.median(np.abs(ol - zl) / zl)),
                    "median_energy_ratio": float(np.median(oe / ze)),
                    "median_latency_ratio": float(np.median(ol / zl)),
                    "points": {"ours_energy": oe.tolist(), "zigzag_energy": ze.tolist(),
                               "ours_latency": ol.tolist(), "zigzag_latency": zl.tolist()},
                    "parts": parts,
                })
    return rows


#: (level, operand) energy parts both tools report, and the MACs
PARTS = [("MAC", "-")] + [(level, op) for level in ("L1", "L2", "DRAM") for op in "WIO"]


def energy_parts(ours, cme) -> dict[tuple[str, str], tuple[float, float]]:
    """Our energy and ZigZag's per memory level and operand (and MACs), pJ, for one mapping."""
    theirs = {str(op): levels for op, levels in cme.mem_energy_breakdown.items()}
    parts = {("MAC", "-"): (ours.mac_energy_pj, float(cme.mac_energy))}
    for index, level in enumerate(("L1", "L2", "DRAM")):
        for op in "WIO":
            parts[(level, op)] = (ours.energy_breakdown_pj[level][op], float(theirs[op][index]))
    return parts


def parts_table(rows: list[dict], parts: list = PARTS, peer: str = "ZigZag",
                columns: tuple[str, ...] = ("level", "operand")) -> str:
    """Per design, our energy and the peer's summed over every layer and mapping, per part (a
    tuple of ``columns`` cells, or one cell): the share of the peer's total each takes and
    ours / the peer's."""
    lines = [f"| design | {' | '.join(columns)} | {peer} share of its total | ours / {peer} |",
             "|---|" + "---|" * (len(columns) + 2)]
    for design in dict.fromkeys(r["design"] for r in rows):
        totals = {part: [0.0, 0.0] for part in parts}
        for r in (r for r in rows if r["design"] == design):
            for part in parts:
                totals[part][0] += r["parts"][part][0]
                totals[part][1] += r["parts"][part][1]
        everything = sum(theirs for _, theirs in totals.values())
        for part, (mine, theirs) in totals.items():
            cells = " | ".join(part if isinstance(part, tuple) else (part,))
            ratio = f"{mine / theirs:.3f}" if theirs else "-"
            lines.append(f"| {design} | {cells} | {100 * theirs / everything:.1f}% | {ratio} |")
    return "\n".join(lines)


def loma_cross_check(latency_model: str = "ports", hold_operands: bool = True, layers: list[Layer] = LAYERS,
                     designs: list[str] = DESIGNS) -> list[dict]:
    from zigzag.api import get_hardware_performance_zigzag

    rows = []
    warm_up = design_under(designs[0], latency_model, hold_operands)
    search_mappings([(layers[0], warm_up)], replace(LOMA_SEARCH, generations=1), np.random.default_rng(0))
    for design_name in designs:
        design = design_under(design_name, latency_model, hold_operands)
        for layer in layers:
            start = time.perf_counter()
            runs = [search_mappings([(layer, design)], LOMA_SEARCH, np.random.default_rng(seed))
                    for seed in range(LOMA_SEEDS)]
            ours_s = time.perf_counter() - start
            found = min(runs, key=lambda run: run.objective[0])
            best = found.best.mapping(0, len(design.spatial_slots))
            with tempfile.TemporaryDirectory() as folder:
                cme = ZigZagScorer(design, folder).score(layer, best)
                export_zigzag(design, Network.from_layers("one", [layer]), {layer.name: best}, folder)
                spatial_only = f"{folder}/mapping.yaml"
                text = open(spatial_only).read()
                open(spatial_only, "w").write(text.split("  temporal_ordering:")[0] + "  memory_operand_links:" +
                                              text.split("  memory_operand_links:", 1)[1])
                start = time.perf_counter()
                energy, latency, _ = get_hardware_performance_zigzag(
                    f"{folder}/workload.yaml", f"{folder}/hardware.yaml", spatial_only, opt="EDP", lpf_limit=6,
                    dump_folder=f"{folder}/out", loma_show_progress_bar=False)
                loma_s = time.perf_counter() - start
            rows.append({"design": design_name, "layer": layer.name,
                         "ours_in_zigzag_edp": float(cme.energy_total * cme.latency_total2),
                         "loma_edp": float(energy * latency), "ours_evals": sum(run.evaluations for run in runs),
                         "ours_s": ours_s,
                         "loma_s": loma_s})
    return rows


def scatter(rows: list[dict], path: str) -> None:
    """Ours against ZigZag per mapping, log-log, energy and latency, one colour per layer."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(DESIGNS), 2, figsize=(10, 4.2 * len(DESIGNS)))
    for row_axes, design in zip(axes, DESIGNS):
        for ax, metric in zip(row_axes, ("energy", "latency")):
            for r in (r for r in rows if r["design"] == design):
                ax.scatter(r["points"][f"zigzag_{metric}"], r["points"][f"ours_{metric}"], s=8, label=r["layer"])
            lo, hi = ax.get_xlim()
            ax.plot([lo, hi], [lo, hi], color="grey", linewidth=0.8)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(f"ZigZag {metric}")
            ax.set_ylabel(f"naas {metric}")
            ax.set_title(f"{design}: {metric} ({'pJ' if metric == 'energy' else 'cycles'})")
        row_axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mappings", type=int, default=100)
    parser.add_argument("--loma", action="store_true")
    parser.add_argument("--plot", help="write the ours-vs-ZigZag scatter plot (PNG) here")
    parser.add_argument("--latency-model", choices=LATENCY_MODELS, default="ports",
                        help="our latency model for both designs (default: ports, ZigZag's own)")
    parser.add_argument("--hold-operands", action=argparse.BooleanOptionalAction, default=True,
                        help="our MACs hold their operands, as ZigZag's do (default: yes)")
    parser.add_argument("--uneven", action="store_true", help="compare on random uneven mappings")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    rows = compare(args.mappings, latency_model=args.latency_model, hold_operands=args.hold_operands,
                   uneven=args.uneven)
    print("| design | layer | mappings | Spearman EDP | median abs energy diff | median abs latency diff | ours/ZigZag energy | ours/ZigZag latency |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['design']} | {r['layer']} | {r['mappings']} | {r['spearman_edp']:.3f} | "
              f"{100 * r['median_energy_diff']:.1f}% | {100 * r['median_latency_diff']:.1f}% | "
              f"{r['median_energy_ratio']:.3f} | {r['median_latency_ratio']:.3f} |")
    print(f"\nmedian over layer x design: Spearman {statistics.median(r['spearman_edp'] for r in rows):.3f}, "
          f"energy diff {100 * statistics.median(r['median_energy_diff'] for r in rows):.1f}%, "
          f"latency diff {100 * statistics.median(r['median_latency_diff'] for r in rows):.1f}%")
    print("\nEnergy per memory level and operand, summed over every layer and mapping:\n")
    print(parts_table(rows))
    if args.plot:
        scatter(rows, args.plot)
    if args.loma:
        print("\n| design | layer | our best, scored by ZigZag (EDP) | LOMA best (EDP) | ours / LOMA | our evals | our s | LOMA s |")
        print("|---|---|---|---|---|---|---|---|")
        for r in loma_cross_check(args.latency_model, args.hold_operands):
            print(f"| {r['design']} | {r['layer']} | {r['ours_in_zigzag_edp']:.4g} | {r['loma_edp']:.4g} | "
                  f"{r['ours_in_zigzag_edp'] / r['loma_edp']:.4f} | {r['ours_evals']:,} | {r['ours_s']:.2f} | {r['loma_s']:.1f} |")


if __name__ == "__main__":
    main()
