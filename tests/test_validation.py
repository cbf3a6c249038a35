"""CI-sized guards of the cross-checks against peer tools (docs/validation.md)."""

import statistics
from pathlib import Path

import pytest

from naas.cost import evaluate_mapping
from naas.mapping.systolic import gemm_equivalent, systolic_design, systolic_mapping
from naas.workload import Layer

ANCHORS = Path(__file__).resolve().parents[2] / "shared" / "anchors"


def test_systolic_cycles_follow_scalesim_closed_forms():
    # SCALE-Sim 3.0.0 per fold: a + b + T - 2 (OS), 2a + b + T - 2 (WS, IS); total - 1.
    layer = Layer("l", K=100, C=20, P=10, Q=10, R=3, S=3)
    gemm = gemm_equivalent(layer)
    a, b = 16, 8
    for df, (sr, sc, t) in {"os": (100, 100, 180), "ws": (180, 100, 100), "is": (180, 100, 100)}.items():
        folds = -(-sr // a) * -(-sc // b)
        per_fold = (a if df == "os" else 2 * a) + b + t - 2
        design = systolic_design(a, b, df)
        cost = evaluate_mapping(gemm, design, systolic_mapping(gemm, design, df))
        assert cost.latency_cycles == folds * per_fold


@pytest.mark.skipif(not (ANCHORS / "scalesim" / "results.json").exists(), reason="shared/anchors not present")
def test_latency_matches_scalesim_on_every_anchor_layer():
    from benchmarks.validate_scalesim import compare

    rows = compare(ANCHORS / "scalesim")
    assert len(rows) >= 100
    diffs = [abs(r["rel_diff"]) for r in rows]
    assert statistics.median(diffs) < 0.001
    assert max(diffs) < 0.01


def test_energy_latency_and_ranks_agree_with_zigzag_on_fixed_mappings():
    pytest.importorskip("zigzag")
    import logging

    from benchmarks import validate_zigzag

    logging.disable(logging.WARNING)
    try:
        rows = validate_zigzag.compare(12, layers=validate_zigzag.LAYERS[2:4])  # conv5_1, resnet50 1x1
    finally:
        logging.disable(logging.NOTSET)
    assert len(rows) == 4
    for row in rows:
        assert row["spearman_edp"] >= 0.9, row
        assert row["median_energy_diff"] <= 0.10, row
        assert row["median_latency_diff"] <= 0.10, row  # our "ports" latency model is ZigZag's
