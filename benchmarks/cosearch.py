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
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from naas.arch import Budget, baseline  # noqa: E402
from naas.arch.io import save_accelerator  # noqa: E402
from naas.errors import NaasError  # noqa: E402
from naas.mapping.io import save_mappings  # noqa: E402
from naas.nas.cosearch import CoSearchConfig, cosearch  # noqa: E402
from naas.nas.ofa_mbv3 import MobileNetV3Config  # noqa: E402
from naas.nas.ofa_resnet50 import BLOCK_SLOTS, ResNet50Config  # noqa: E402
from naas.nas.predictors import CallablePredictor, OFAMLPPredictor, fetch_published_predictor  # noqa: E402
from naas.search.arch_encoding import ArchSpace  # noqa: E402
from naas.search.arch_search import ArchSearchConfig, score_designs, search_accelerator  # noqa: E402
from naas.workload import zoo_network  # noqa: E402
from naas.workload.io import save_network  # noqa: E402

#: ResNet-50's measured ImageNet top-1 (%): He et al., CVPR 2016, as torchvision's model card reports it.
RESNET50_TOP1 = 76.13
#: ResNet-50 in the OFA ResNet-50 space: extra depths 1, 2, 2, 1 on the base 2, 2, 4, 2 (the stem
#: keeps its middle conv), expand ratio 0.25, width 1.0 everywhere, 224 px.
RESNET50_CONFIG = ResNet50Config((2, 1, 2, 2, 1), (0.25,) * BLOCK_SLOTS, (1.0,) * 6, 224)


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--space", default="ofa-resnet50", choices=["ofa-resnet50", "ofa-mbv3"])
    parser.add_argument("--predictor", default="published", help="'published' or a predictor file")
    parser.add_argument("--accuracy", help="module:function instead of an OFA predictor file")
    parser.add_argument("--accuracy-floor", type=float, help="default: ResNet-50's accuracy on the same scale")
    parser.add_argument("--generations", type=int, default=20)
    parser.add_argument("--popsize", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="save (c)'s network, accelerator and mappings here")
    args = parser.parse_args()
    try:
        predictor, source = _predictor(args)
        floor, floor_source = _floor(args, predictor)
    except NaasError as exc:
        sys.exit(f"benchmarks.cosearch: {exc}")
    print(f"accuracy predictor: {source}; floor {floor:.2f} % ({floor_source})", flush=True)
    eyeriss = baseline("eyeriss")
    space = ArchSpace(Budget.of(eyeriss))
    config = ArchSearchConfig(popsize=args.popsize, generations=args.generations, seed=args.seed)
    resnet50 = zoo_network("resnet50")
    start = time.perf_counter()
    hand = score_designs([eyeriss], [resnet50], config, [(args.seed, 10**6)])[0]
    a_seconds = time.perf_counter() - start

    def progress(label):
        return lambda r: print(f"[{label}] gen {r.get('step', r.get('generation', 0)) + 1}/{args.generations}",
                               file=sys.stderr, flush=True)

    start = time.perf_counter()
    searched = search_accelerator([resnet50], space, config, progress("b"))
    b_seconds = time.perf_counter() - start
    start = time.perf_counter()
    result = cosearch(space, predictor, CoSearchConfig(popsize=args.popsize, generations=args.generations,
                                                       seed=args.seed, accuracy_floor=floor, inner=config),
                      progress("c"), network_space=args.space)
    c_seconds = time.perf_counter() - start
    best = result.best
    if args.out:
        out = Path(args.out)
        save_network(best.network, out / "network.yaml")
        save_accelerator(best.score.design, out / "design.yaml")
        save_mappings(best.score.mappings[best.network.name], out / "mappings.yaml")
    resnet_accuracy = (_accuracy(predictor, float(predictor.predict([RESNET50_CONFIG])[0]))
                       if args.space == "ofa-resnet50" else f"{RESNET50_TOP1} % ImageNet (measured)")
    a = hand.energy_pj["resnet50"] * hand.latency_cycles["resnet50"]
    b = searched.best.energy_pj["resnet50"] * searched.best.latency_cycles["resnet50"]
    print("| | network | MACs (M) | accuracy | accelerator | EDP (pJ x cycles) | EDP: (a) / this | wall s |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| (a) | ResNet-50 | {resnet50.macs / 1e6:,.0f} | {resnet_accuracy} | Eyeriss, "
          f"searched mappings | {a:.4e} | 1.00x | {a_seconds:.0f} |")
    print(f"| (b) | ResNet-50 | {resnet50.macs / 1e6:,.0f} | {resnet_accuracy} | NAAS, "
          f"{searched.best.design.dataflow} | {b:.4e} | {a / b:.2f}x | {b_seconds:.0f} |")
    print(f"| (c) | {args.space} co-searched | {best.network.macs / 1e6:,.0f} | {_accuracy(predictor, best.accuracy)}"
          f"{'' if result.history[-1]['feasible'] else ' (floor NOT met)'} | co-searched, "
          f"{best.score.design.dataflow} | {best.edp:.4e} | {a / best.edp:.2f}x | {c_seconds:.0f} |")
    candidates = args.popsize * args.generations
    print(f"\n(c): {candidates} candidates, {result.scored} scored ({candidates - result.scored} answered by the "
          f"cache), {result.evaluations:,} mapping evaluations; Pareto front of {len(result.front)}")


if __name__ == "__main__":
    main()
