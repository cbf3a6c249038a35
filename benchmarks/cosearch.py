"""The network level under the Eyeriss budget (BENCHMARKS.md section 6): EDP, accuracy and
MACs of (a) ResNet-50 on Eyeriss with searched mappings, (b) ResNet-50 on a NAAS-searched
accelerator, (c) the co-searched network of ``--space`` on its co-searched accelerator with an
accuracy floor of ResNet-50's accuracy on the predictor's scale; the search cost of (c) and how
many candidates its (network, design) cache answered.

    python -m benchmarks.cosearch --space ofa-resnet50 --seed 0 --out runs/cs-r50
    python -m benchmarks.cosearch --space ofa-mbv3 --predictor FILE --seed 1
    python -m benchmarks.cosearch --accuracy module:function --accuracy-floor 76 ...   # another predictor

The predictor is loaded and checked before any search. ResNet-50's accuracy on the predictor's
scale: in the ResNet-50 space, the predictor's figure for ResNet-50's own configuration (depths
3, 4, 6, 3, expand 0.25, full width, 224 px); in the MobileNet-V3 space, ResNet-50's measured
76.1 % (He et al. 2016, as torchvision reports it) moved onto the predictor's scale by its
calibration. ``--accuracy-floor`` overrides either.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from benchmarks.paper_comparison import _rescore_seed  # noqa: E402
from naas.arch import Budget, baseline  # noqa: E402
from naas.arch.io import save_accelerator  # noqa: E402
from naas.errors import NaasError  # noqa: E402
from naas.mapping.io import save_mappings  # noqa: E402
from naas.nas.cosearch import CoSearchConfig, cosearch  # noqa: E402
from naas.nas.nested import NestedConfig, nested_cosearch  # noqa: E402
from naas.nas.screen import ScreenConfig  # noqa: E402
from naas.nas.ofa_mbv3 import MobileNetV3Config  # noqa: E402
from naas.nas.ofa_resnet50 import RESNET50, resnet50_network  # noqa: E402
from naas.nas.predictors import CallablePredictor, OFAMLPPredictor, fetch_published_predictor  # noqa: E402
from naas.search.arch_encoding import ArchSpace  # noqa: E402
from naas.search.arch_search import ArchSearchConfig, score_designs  # noqa: E402
from naas.search.connectivity_search import search_connectivity  # noqa: E402
from naas.workload import zoo_network  # noqa: E402
from naas.workload.io import save_network  # noqa: E402

#: ResNet-50's measured ImageNet top-1 (%): He et al., CVPR 2016, as torchvision's model card reports it.
RESNET50_TOP1 = 76.13
RESNET50_CONFIG = RESNET50


def _predictor(args):
    if args.accuracy:
        return CallablePredictor.from_spec(args.accuracy), args.accuracy
    path = fetch_published_predictor(space=args.space) if args.predictor == "published" else args.predictor
    predictor = OFAMLPPredictor.load(path)
    probe = RESNET50_CONFIG if args.space == "ofa-resnet50" else MobileNetV3Config.largest(max(predictor.resolutions))
    predictor.predict([probe])  # a wrong space or format fails here, before any search
    return predictor, str(path)


def _floor(args, predictor) -> tuple[float, str]:
    if args.accuracy_floor is not None:
        return args.accuracy_floor, "given"
    if args.space == "ofa-resnet50":
        return float(predictor.predict([RESNET50_CONFIG])[0]), "the predictor's figure for ResNet-50"
    calibration = getattr(predictor, "calibration", None)
    if calibration is None:
        raise NaasError("accuracy-floor: this predictor has no ImageNet calibration; give --accuracy-floor")
    return RESNET50_TOP1 - calibration.offset_pct, f"ResNet-50's {RESNET50_TOP1} % on the predictor's scale"


def _accuracy(predictor, predicted: float) -> str:
    calibration = getattr(predictor, "calibration", None)
    calibrated = "" if calibration is None else f" (~{calibration.imagenet(predicted):.1f} % ImageNet)"
    return f"{predicted:.2f} % predicted{calibrated}"


def run_seed(args, predictor, floor: float, seed: int) -> dict:
    """(a), (b) and (c) for one seed: EDP, accuracy, MACs, wall time, search cost."""
    eyeriss = baseline("eyeriss")
    space = ArchSpace(Budget.of(eyeriss))
    config = ArchSearchConfig(popsize=args.arch_popsize, generations=args.arch_generations, seed=seed)
    hand_connectivity = eyeriss.connectivity
    # the ResNet-50 the rows compare: in the ResNet-50 space the space's own (once-for-all's,
    # with its three-conv stem: 4,329 M MACs), the network the predictor scores; in the
    # MobileNet-V3 space torchvision's (4,089 M MACs), whose measured top-1 sets the floor
    resnet50 = resnet50_network(RESNET50) if args.space == "ofa-resnet50" else zoo_network("resnet50")

    def progress(label):
        return lambda r: print(f"[seed {seed} {label}] {r.get('phase', 'gen')} {r.get('generation', 0) + 1} "
                               f"{r['seconds']:.0f} s", file=sys.stderr, flush=True)

    # every figure below is a fresh inner search seeded by its design (paper_comparison's
    # re-score): a design two rows share gets the same score, and no row wins by a lucky search
    start = time.perf_counter()
    hand = score_designs([eyeriss], [resnet50], config, [_rescore_seed(eyeriss)])[0]
    a_seconds = time.perf_counter() - start
    start = time.perf_counter()
    found = search_connectivity([resnet50], space, config, hand_connectivity, (eyeriss,), progress("b"))
    b_seconds = time.perf_counter() - start
    leaders = found.leaders or [found.best]
    searched = min(score_designs([s.design for s in leaders], [resnet50], config,
                                 [_rescore_seed(s.design) for s in leaders]), key=lambda s: s.fitness)
    start = time.perf_counter()
    cosearch_config = CoSearchConfig(popsize=args.popsize, generations=args.generations, seed=seed,
                                     accuracy_floor=floor, inner=config)
    if args.method == "nested":
        # in the ResNet-50 space the search starts from ResNet-50 itself (its start network)
        result = nested_cosearch(space, predictor, cosearch_config, progress("c"), args.space, hand_connectivity,
                                 (eyeriss,), start_network=RESNET50 if args.space == "ofa-resnet50" else None,
                                 nested=NestedConfig(screen=ScreenConfig(generations=args.screen_generations)))
    else:
        result = cosearch(space, predictor, cosearch_config, progress("c"), network_space=args.space)
    c_seconds = time.perf_counter() - start
    best = result.best
    # (c)'s leaders re-scored as (b)'s are: the best few designs for its network, best kept
    designs = [s.design for s in (result.leaders or [best.score])]
    best = replace(best, score=min(score_designs(designs, [best.network], config, [_rescore_seed(d) for d in designs]),
                                   key=lambda s: s.fitness))
    if args.out:
        out = Path(args.out) / f"seed{seed}"
        save_network(best.network, out / "network.yaml")
        save_accelerator(best.score.design, out / "design.yaml")
        save_mappings(best.score.mappings[best.network.name], out / "mappings.yaml")
    resnet_predicted = float(predictor.predict([RESNET50_CONFIG])[0]) if args.space == "ofa-resnet50" else None
    name = resnet50.name
    edp = {"a": hand.energy_pj[name] * hand.latency_cycles[name],
           "b": searched.energy_pj[name] * searched.latency_cycles[name], "c": best.edp}
    return {"seed": seed, "space": args.space, "method": args.method, "floor": floor, "edp": edp,
            "seconds": {"a": a_seconds, "b": b_seconds, "c": c_seconds},
            "macs": {"a": resnet50.macs, "b": resnet50.macs, "c": best.network.macs},
            "accuracy": {"resnet50": resnet_predicted, "c": best.accuracy},
            "feasible": result.history[-1]["feasible"],
            "dataflow": {"b": searched.design.dataflow, "c": best.score.design.dataflow},
            "evaluations": {"b": found.evaluations, "c": result.evaluations},
            "designs": {"b": found.designs_scored, "c": result.scored},
            "candidates": result.history[-1].get("candidates"),
            "screen": next((r for r in result.history if r.get("phase") == "predictor screen"), None),
            "networks": result.history[-1].get("networks")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--space", default="ofa-resnet50", choices=["ofa-resnet50", "ofa-mbv3"])
    parser.add_argument("--predictor", default="published", help="'published' or a predictor file")
    parser.add_argument("--accuracy", help="module:function instead of an OFA predictor file")
    parser.add_argument("--accuracy-floor", type=float, help="default: ResNet-50's accuracy on the same scale")
    parser.add_argument("--method", choices=["nested", "joint"], default="nested", help="(c)'s co-search")
    parser.add_argument("--generations", type=int, default=8, help="network generations of (c)")
    parser.add_argument("--popsize", type=int, default=8, help="network candidates per generation of (c)")
    parser.add_argument("--arch-generations", type=int, default=20, help="accelerator generations of (b), (c)")
    parser.add_argument("--arch-popsize", type=int, default=12)
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--screen-generations", type=int, default=ScreenConfig().generations,
                        help="generations of (c)'s predictor screen (0: none, as before 2026-12-07)")
    parser.add_argument("--out", help="save (c)'s network, accelerator and mappings under OUT/seedN")
    parser.add_argument("--json", help="write every number here (after every seed)")
    args = parser.parse_args()
    try:
        predictor, source = _predictor(args)
        floor, floor_source = _floor(args, predictor)
    except NaasError as exc:
        sys.exit(f"benchmarks.cosearch: {exc}")
    print(f"accuracy predictor: {source}; floor {floor:.2f} % ({floor_source})", flush=True)
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        rows.append(run_seed(args, predictor, floor, seed))
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1))
    resnet_accuracy = (_accuracy(predictor, rows[0]["accuracy"]["resnet50"]) if args.space == "ofa-resnet50"
                       else f"{RESNET50_TOP1} % ImageNet (measured)")
    print("| seed | | network | MACs (M) | accuracy | accelerator | EDP (pJ x cycles) | EDP: (a) / this | "
          "designs scored | wall s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        a = r["edp"]["a"]
        print(f"| {r['seed']} | (a) | ResNet-50 | {r['macs']['a'] / 1e6:,.0f} | {resnet_accuracy} | Eyeriss, "
              f"searched mappings | {a:.4e} | 1.00x | 1 | {r['seconds']['a']:.0f} |")
        print(f"| {r['seed']} | (b) | ResNet-50 | {r['macs']['b'] / 1e6:,.0f} | {resnet_accuracy} | NAAS, "
              f"{r['dataflow']['b']} | {r['edp']['b']:.4e} | {a / r['edp']['b']:.2f}x | {r['designs']['b']} | "
              f"{r['seconds']['b']:.0f} |")
        print(f"| {r['seed']} | (c) | {args.space} co-searched | {r['macs']['c'] / 1e6:,.0f} | "
              f"{_accuracy(predictor, r['accuracy']['c'])}{'' if r['feasible'] else ' (floor NOT met)'} | "
              f"co-searched, {r['dataflow']['c']} | {r['edp']['c']:.4e} | {a / r['edp']['c']:.2f}x | "
              f"{r['designs']['c']} | {r['seconds']['c']:.0f} |")
    for r in rows:
        if r["networks"] is not None:
            print(f"seed {r['seed']} (c): {r['candidates']} network candidates, {r['networks']} distinct "
                  f"({r['candidates'] - r['networks']} answered by the cache); {r['evaluations']['c']:,} mapping "
                  f"evaluations; (b): {r['evaluations']['b']:,}")
        if r.get("screen"):
            screen = r["screen"]
            print(f"seed {r['seed']} (c) predictor screen: {screen['networks']:,} networks predicted in "
                  f"{screen['screen_seconds']:.1f} s, smallest at the floor {screen['screened_macs'] / 1e6:,.0f} M "
                  f"MACs ({_accuracy(predictor, screen['screened_accuracy'])})")
    ratios = sorted(r["edp"]["b"] / r["edp"]["c"] for r in rows)
    print(f"\n(b) / (c) EDP over seeds: median {ratios[len(ratios) // 2]:.2f}x, range {ratios[0]:.2f}-{ratios[-1]:.2f}x; "
          f"(a) / (c): median {sorted(r['edp']['a'] / r['edp']['c'] for r in rows)[len(rows) // 2]:.2f}x")


if __name__ == "__main__":
    main()
