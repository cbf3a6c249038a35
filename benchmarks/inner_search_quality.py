"""The mapping searches' settings against each other on real layer sets.

    python -m benchmarks.inner_search_quality [--seeds 3]

Every distinct layer shape of ResNet-50 + MobileNet-V2 on the Eyeriss hand design and two
random designs under its budget, and of VGG-16 + ResNet-50 on the Edge-TPU-like design and two
random ones under its budget, searched by each setting (covariance, population) with the same
per-layer streams. Prints, per setting, the geometric mean of the best objective over the
full-covariance, 24-candidate search, the range over (design, seed) sets, the wall time and
evaluations per second.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from naas.arch import Budget, baseline
from naas.cost.target import compile_targets, stack_targets
from naas.search.arch_encoding import GENES, ArchSpace, decode_accelerator
from naas.search.mapping_search import MappingSearchConfig, search_mappings
from naas.workload import zoo_network

SETS = (("eyeriss", ["resnet50", "mobilenet_v2"]), ("edge_tpu", ["vgg16", "resnet50"]))
SETTINGS = {
    "full, 24": MappingSearchConfig(covariance="full", popsize=24),
    "separable, 24": MappingSearchConfig(covariance="separable", popsize=24),
    "separable, 32": MappingSearchConfig(covariance="separable", popsize=32),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    cases = []
    for budget, names in SETS:
        hand = baseline(budget)
        space = ArchSpace(Budget.of(hand), max_axes=max(2, len(hand.axes)))
        layers = list({nl.layer.shape: nl.layer for n in names for nl in zoo_network(n).layers}.values())
        for design in [hand] + [decode_accelerator(g, space) for g in rng.random((2, GENES))]:
            cases.append(stack_targets([compile_targets(layers, design)]))
    for config in SETTINGS.values():  # compile once before timing
        search_mappings(cases[0].subset(np.arange(2)), config, [np.random.default_rng(0)] * 2)
    logs = {name: [] for name in SETTINGS}
    seconds = dict.fromkeys(SETTINGS, 0.0)
    evaluations = dict.fromkeys(SETTINGS, 0)
    for seed in range(args.seeds):
        for targets in cases:
            for name, config in SETTINGS.items():
                rngs = [np.random.default_rng([seed, j]) for j in range(targets.problems)]
                start = time.perf_counter()
                result = search_mappings(targets, config, rngs)
                seconds[name] += time.perf_counter() - start
                logs[name].append(np.log(result.objective))
                evaluations[name] += int(np.sum(result.evaluations_per_problem))
    print("| setting | geomean best objective / full, 24 | range over design-seed sets | wall s | "
          "evaluations per s |\n|---|---|---|---|---|")
    for name in SETTINGS:
        per_set = [np.mean(a - b) for a, b in zip(logs[name], logs["full, 24"])]
        overall = np.mean(np.concatenate([a - b for a, b in zip(logs[name], logs["full, 24"])]))
        print(f"| {name} | {np.exp(overall):.4f} | {np.exp(min(per_set)):.3f}-{np.exp(max(per_set)):.3f} | "
              f"{seconds[name]:.1f} | {evaluations[name] / seconds[name]:,.0f} |")


if __name__ == "__main__":
    main()
