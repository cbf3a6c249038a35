"""A network co-search's outputs in its folder: the network, design and mappings found, the
configuration, the Pareto front, the history and a summary that says on what scale its
accuracies are."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from naas.arch.io import save_accelerator
from naas.files import write_json_atomic, write_text_atomic
from naas.mapping.io import save_mappings
from naas.workload.io import save_network


def describe_screen(record: dict) -> str:
    """One line on the nested co-search's predictor screen, from its history record."""
    found = (f"the smallest at the floor, {record['screened_macs'] / 1e6:,.1f} M MACs at "
             f"{record['screened_accuracy']:.2f} % predicted, started the network search"
             if record["screened_macs"] else "none met the floor")
    return f"predictor screen: {record['networks']:,} networks predicted in {record['screen_seconds']:.1f} s; {found}"


def write_cosearch_outputs(out: Path, result, predictor, source: str, space: str, budget: str,
                           accuracy_floor: float | None, edp_budget: float | None) -> str:
    """Write ``result`` (a CoSearchResult) into ``out``; returns the summary's text. ``source``
    names the predictor; one of ``accuracy_floor`` (top-1 %) and ``edp_budget`` (pJ x cycles)
    was the constraint."""
    best = result.best
    save_network(best.network, out / "network.yaml")
    save_accelerator(best.score.design, out / "design.yaml")
    save_mappings(best.score.mappings[best.network.name], out / "mappings.yaml")
    c = best.config
    write_json_atomic(out / "config.json", asdict(c))
    write_json_atomic(out / "front.json", [
        {"accuracy": f.accuracy, "edp_pj_cycles": f.edp, "dataflow": f.score.design.dataflow, "config": asdict(f.config)}
        for f in result.front])
    write_json_atomic(out / "history.json", result.history)
    goal = (f"minimise EDP with accuracy >= {accuracy_floor}" if accuracy_floor is not None
            else f"maximise accuracy with EDP <= {edp_budget:g}")
    feasible = result.history[-1]["feasible"]
    calibration = getattr(predictor, "calibration", None)
    if calibration is None:
        scale = (f"accuracy: predicted by {source}, on that predictor's own scale (top-1 %); no ImageNet "
                 "calibration is known for it, so its figures are not measured ImageNet accuracy.")
        best_accuracy = f"{best.accuracy:.2f} % predicted"
    else:
        floor = ("" if accuracy_floor is None else
                 f" The floor {accuracy_floor} % (predictor scale) is about "
                 f"{calibration.imagenet(accuracy_floor):.1f} % ImageNet top-1.")
        scale = (f"accuracy: predicted by {source}, on the predictor's scale; calibrated: ImageNet top-1 ~ "
                 f"predicted {calibration.offset_pct:+.2f} +- {calibration.spread_pct:.2f} points "
                 f"({calibration.source}).{floor}")
        best_accuracy = calibration.describe(best.accuracy).split(" (offset")[0]
    screened = [describe_screen(r) for r in result.history if r.get("phase") == "predictor screen"]
    text = "\n".join([
        f"co-search of the {space} space under the {budget} budget: {goal}",
        scale, *screened,
        f"best: depths {c.depths}, resolution {c.resolution}, {best.network.macs / 1e6:,.1f} M MACs, "
        f"accuracy {best_accuracy}, EDP {best.edp:.4e} on {best.score.design.dataflow} "
        f"({best.score.design.num_pes} PEs)" + ("" if feasible else "  (constraint NOT met)"),
        f"Pareto front: {len(result.front)} points (front.json); {result.evaluations:,} mapping evaluations in "
        f"{result.seconds:.1f} s",
    ])
    write_text_atomic(out / "summary.md", text + "\n")
    return text
