"""The network level under the Eyeriss budget: EDP (and predicted accuracy) of
(a) ResNet-50 on Eyeriss with searched mappings, (b) ResNet-50 on a NAAS-searched accelerator,
(c) the co-searched OFA MobileNet-V3 network on its co-searched accelerator; the search cost
of (c) and how many candidates its (network, design) cache answered.

    python -m benchmarks.cosearch --predictor published --accuracy-floor 76.0
    python -m benchmarks.cosearch --accuracy module:function ...   # any other predictor

Accuracies are ImageNet top-1 only with the published once-for-all predictor.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from naas.arch import Budget, baseline  # noqa: E402
from naas.nas.cosearch import CoSearchConfig, cosearch  # noqa: E402
from naas.nas.predictors import CallablePredictor, OFAMLPPredictor, fetch_published_predictor  # noqa: E402
from naas.search.arch_encoding import ArchSpace  # noqa: E402
from naas.search.arch_search import ArchSearchConfig, score_designs, search_accelerator  # noqa: E402
from naas.workload import zoo_network  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--predictor", default="published")
    parser.add_argument("--accuracy", help="module:function instead of an OFA predictor file")
    parser.add_argument("--accuracy-floor", type=float, default=76.0)
    parser.add_argument("--generations", type=int, default=20)
    parser.add_argument("--popsize", type=int, default=12)
    args = parser.parse_args()
    if args.accuracy:
        predictor, source = CallablePredictor.from_spec(args.accuracy), args.accuracy
    else:
        path = fetch_published_predictor(space="ofa-mbv3") if args.predictor == "published" else args.predictor
        predictor, source = OFAMLPPredictor.load(path), str(path)
    eyeriss = baseline("eyeriss")
    space = ArchSpace(Budget.of(eyeriss))
    config = ArchSearchConfig(popsize=args.popsize, generations=args.generations)
    resnet50 = zoo_network("resnet50")
    hand = score_designs([eyeriss], [resnet50], config, [(0, 10**6)])[0]
    searched = search_accelerator([resnet50], space, config)
    start = time.perf_counter()
    result = cosearch(space, predictor, CoSearchConfig(popsize=args.popsize, generations=args.generations,
                                                       accuracy_floor=args.accuracy_floor, inner=config))
    seconds = time.perf_counter() - start
    candidates = args.popsize * args.generations
    print(f"accuracy predictor: {source}")
    print("| | network | accelerator | EDP (pJ x cycles) | EDP vs (a) |")
    print("|---|---|---|---|---|")
    a = hand.energy_pj["resnet50"] * hand.latency_cycles["resnet50"]
    b = searched.best.energy_pj["resnet50"] * searched.best.latency_cycles["resnet50"]
    print(f"| (a) | ResNet-50 | Eyeriss, searched mappings | {a:.4e} | 1.00x |")
    print(f"| (b) | ResNet-50 | NAAS, {searched.best.design.dataflow} | {b:.4e} | {a / b:.2f}x |")
    print(f"| (c) | OFA-MBv3 {result.best.network.macs / 1e6:,.0f} M MACs, predicted {result.best.accuracy:.2f} | "
          f"co-searched, {result.best.score.design.dataflow} | {result.best.edp:.4e} | {a / result.best.edp:.2f}x |")
    print(f"\n(c): {candidates} candidates, {result.scored} scored ({candidates - result.scored} answered by the "
          f"cache), {result.evaluations:,} mapping evaluations, {seconds:.0f} s; Pareto front of {len(result.front)}")


if __name__ == "__main__":
    main()
