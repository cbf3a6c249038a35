"""Mapping-search quality against the exhaustive optimum on small layers.

    python -m benchmarks.mapping_quality [--seeds 3]

For each small layer and design: the exhaustive optimum's EDP, the EDP CMA-ES (importance
encoding) finds and the evaluations it used, and random search in the same encoding with the
same number of evaluations. Ratios are found / optimum (1.0 = optimal).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from naas.arch.spec import Accelerator, ArrayAxis, OperandBytes
from naas.cost.batched import evaluate_stacked
from naas.cost.target import compile_target, stack_targets
from naas.search.exhaustive import exhaustive_search
from naas.search.mapping_encoding import IMPORTANCE, decode_mappings, gene_count
from naas.search.mapping_search import MappingSearchConfig, search_mappings
from naas.search.objective import layer_objective
from naas.workload.layer import Layer

DESIGNS = [
    Accelerator(name="kc4x4", axes=(ArrayAxis(4, "K"), ArrayAxis(4, "C")), l1_bytes=OperandBytes(32, 32, 16),
                l2_bytes=4096, noc_words_per_cycle=8.0, dram_words_per_cycle=2.0),
    Accelerator(name="pq4x4", axes=(ArrayAxis(4, "P"), ArrayAxis(4, "Q")), l1_bytes=OperandBytes(16, 16, 8),
                l2_bytes=2048, noc_words_per_cycle=4.0, dram_words_per_cycle=1.0),
]
LAYERS = [
    Layer("pw_k16c8_8x8", K=16, C=8, P=8, Q=8),
    Layer("dw_g8_8x8_3x3", G=8, P=8, Q=8, R=3, S=3),
    Layer("pw_k16c16_4x4", K=16, C=16, P=4, Q=4),
    Layer("conv_k8c8_4x4_3x1", K=8, C=8, P=4, Q=4, R=3),
    Layer("gemm_32x32x16", K=32, C=32, P=16),
    Layer("conv_k4c4_8x8_3x3", K=4, C=4, P=8, Q=8, R=3, S=3),
    Layer("batch2_k8c8_4x4", N=2, K=8, C=8, P=4, Q=4),
    Layer("strided_k8c4_4x4_3x3", K=8, C=4, P=4, Q=4, R=3, S=3, stride_h=2, stride_w=2),
]


def random_search(layer: Layer, arch: Accelerator, evaluations: int, seed: int) -> float:
    targets = stack_targets([compile_target(layer, arch)])
    genes = np.random.default_rng(seed).random((1, evaluations, gene_count(targets.n_slots, IMPORTANCE)))
    cost = evaluate_stacked(targets, *decode_mappings(genes, targets, IMPORTANCE))
    return float(layer_objective("edp", cost.energy_pj, cost.latency_cycles, cost.valid).min())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    config = MappingSearchConfig()
    print("| layer | design | space | exhaustive s | ES EDP / opt (median of seeds) | ES worst seed | ES evals | random / opt (same evals) |")
    print("|---|---|---|---|---|---|---|---|")
    es_ratios, random_ratios = [], []
    for layer in LAYERS:
        for arch in DESIGNS:
            start = time.perf_counter()
            try:
                opt = exhaustive_search(layer, arch)
            except ValueError as exc:  # a space the enumeration cannot walk (a dim on several axes)
                print(f"| {layer.name} | {arch.name} | not enumerated: {exc} | | | | | |")
                continue
            seconds = time.perf_counter() - start
            ratios, rand, evals = [], [], []
            for seed in range(args.seeds):
                r = search_mappings([(layer, arch)], config, np.random.default_rng(seed))
                ratios.append(r.objective[0] / opt.objective)
                evals.append(r.evaluations)
                rand.append(random_search(layer, arch, r.evaluations, seed) / opt.objective)
            es_ratios += ratios
            random_ratios += rand
            print(f"| {layer.name} | {arch.name} | {opt.evaluations:,} | {seconds:.1f} | "
                  f"{statistics.median(ratios):.4f} | {max(ratios):.4f} | {int(statistics.median(evals)):,} | "
                  f"{statistics.median(rand):.4f} |")
    print(f"\nAll runs: ES median {statistics.median(es_ratios):.4f}, worst {max(es_ratios):.4f}; "
          f"random median {statistics.median(random_ratios):.4f}, worst {max(random_ratios):.4f}")


if __name__ == "__main__":
    main()
