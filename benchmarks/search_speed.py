"""Wall time and result of full NAAS searches over several seeds: the light-weight scenario
(Eyeriss budget; MobileNet-V2, SqueezeNet, MnasNet-A1; 30 generations) and the large-model one
(Edge-TPU budget, up to 4 axes; VGG-16, ResNet-50, U-Net; 60 generations), as in section 4.

    python -m benchmarks.search_speed --scenario light --seeds 0,1,2 [--executor pool --workers 2]
        [--connectivity sweep] [--scoring-patience 10] [--map-patience 20]

``--connectivity es`` (default here, as section 9 has always measured it) is the paper's joint
CMA-ES; ``sweep`` the connectivity search ``naas search`` runs by default (the sizing-only
search on the hand design's connectivity, then sweeps and halving, at most 1.5x its designs).

Prints one JSON line per seed (seconds, mapping evaluations, evaluations per second, best
geomean EDP and its dataflow); run it under two commits to compare them side by side.
"""

from __future__ import annotations

import argparse
import json
import time

from naas.arch import Budget, baseline
from naas.search.arch_encoding import ArchSpace
from naas.search.arch_search import ArchSearchConfig, search_accelerator
from naas.search.connectivity_search import search_connectivity
from naas.search.mapping_settings import MappingSearchConfig
from naas.workload import zoo_network

SCENARIOS = {
    "light": ("eyeriss", ["mobilenet_v2", "squeezenet", "mnasnet_a1"], 30),
    "large": ("edge_tpu", ["vgg16", "resnet50", "unet"], 60),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=list(SCENARIOS), default="light")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--generations", type=int, help="default: the scenario's")
    parser.add_argument("--executor", choices=["inprocess", "pool"], default="inprocess")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connectivity", choices=["es", "sweep"], default="es")
    parser.add_argument("--scoring-patience", type=int, help="ArchSearchConfig.scoring_patience (default: its default, 10)")
    parser.add_argument("--map-patience", type=int, help="MappingSearchConfig.patience (default: its default)")
    args = parser.parse_args()
    budget_name, names, generations = SCENARIOS[args.scenario]
    hand = baseline(budget_name)
    space = ArchSpace(Budget.of(hand), max_axes=max(2, len(hand.axes)))
    networks = [zoo_network(n) for n in names]
    for seed in (int(s) for s in args.seeds.split(",")):
        extra = {} if args.scoring_patience is None else {"scoring_patience": args.scoring_patience}
        if args.map_patience is not None:
            extra["mapping"] = MappingSearchConfig(patience=args.map_patience)
        config = ArchSearchConfig(generations=args.generations or generations, seed=seed, **extra)
        executor = None
        if args.executor == "pool":
            from naas.exec.executors import PoolExecutor

            executor = PoolExecutor(args.workers)
        start = time.perf_counter()
        try:
            if args.connectivity == "es":
                result = search_accelerator(networks, space, config, executor=executor)
            else:
                result = search_connectivity(networks, space, config, hand.connectivity, (hand,), executor=executor)
        finally:
            if executor is not None:
                executor.close()
        seconds = time.perf_counter() - start
        print(json.dumps({
            "scenario": args.scenario, "seed": seed, "generations": config.generations,
            "executor": args.executor, "connectivity": args.connectivity, "designs": result.designs_scored,
            "seconds": round(seconds, 1), "evaluations": result.evaluations,
            "evaluations_per_s": round(result.evaluations / seconds), "geomean_edp": result.best.fitness,
            "dataflow": result.best.design.dataflow,
        }), flush=True)


if __name__ == "__main__":
    main()
