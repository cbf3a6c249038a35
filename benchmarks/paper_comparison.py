"""The NAAS paper's comparison under our model: one chip per budget, scored by the geometric
mean of its networks' EDP, against (a) the hand design with searched mappings, (b) sizing-only
search (the hand design's connectivity, sizes searched), (c) random accelerator search with as
many designs, and the index-encoding ablation.

    python -m benchmarks.paper_comparison --budgets edge_tpu,nvdla1024 --json out.json

Scenarios (paper, Sec. 4): large models VGG-16, ResNet-50, U-Net under the Edge-TPU and
NVDLA-1024 budgets; light-weight models MobileNet-V2, SqueezeNet, MnasNet under ShiDianNao,
Eyeriss and NVDLA-256. Every design's mappings are searched with the same inner settings.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from dataclasses import replace

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from naas.arch import Budget, baseline  # noqa: E402
from naas.search.arch_encoding import GENES, ArchSpace, decode_accelerator  # noqa: E402
from naas.search.arch_search import ArchSearchConfig, score_designs, search_accelerator  # noqa: E402
from naas.workload import zoo_network  # noqa: E402

LARGE = ["vgg16", "resnet50", "unet"]
LIGHT = ["mobilenet_v2", "squeezenet", "mnasnet_a1"]
SCENARIOS = {"edge_tpu": LARGE, "nvdla1024": LARGE, "shidiannao": LIGHT, "eyeriss": LIGHT, "nvdla256": LIGHT}


def _per_network(score, networks):
    return {n.name: {"energy_pj": score.energy_pj[n.name], "latency_cycles": score.latency_cycles[n.name]}
            for n in networks}


def run_budget(name: str, config: ArchSearchConfig, ablation: bool, random_baseline: bool,
               naas_generations: int | None = None, noc_model: str = "flat") -> dict:
    networks = [zoo_network(n) for n in SCENARIOS[name]]
    hand = replace(baseline(name), noc_model=noc_model)
    budget = Budget.of(hand)
    out: dict = {"budget": name, "networks": SCENARIOS[name], "hand_dataflow": hand.dataflow, "noc_model": noc_model}
    start = time.perf_counter()
    hand_score = score_designs([hand], networks, config, [(config.seed, 10**6)])[0]
    out["hand"] = {"fitness": hand_score.fitness, "per_network": _per_network(hand_score, networks)}
    max_axes = max(2, len(hand.axes))  # NAAS's space must contain the hand design's
    runs = {"naas": ArchSpace(budget, max_axes=max_axes),
            "sizing_only": ArchSpace(budget, max_axes=len(hand.axes),
                                     fixed_dataflow=tuple(a.parallel_dims for a in hand.axes))}
    if ablation:
        runs["index_encoding"] = ArchSpace(budget, max_axes=max_axes, encoding="index")
    for label, space in runs.items():
        # The NAAS space contains the sizing-only one and is larger: it may get more generations.
        generations = config.generations if label == "sizing_only" else (naas_generations or config.generations)
        result = search_accelerator(networks, space, replace(config, generations=generations))
        out[label] = {
            "fitness": result.best.fitness, "dataflow": result.best.design.dataflow,
            "pes": result.best.design.num_pes, "l1": result.best.design.l1_bytes.as_tuple(),
            "l2": result.best.design.l2_bytes, "per_network": _per_network(result.best, networks),
            "seconds": result.seconds, "evaluations": result.evaluations,
            "history": [h["best"] for h in result.history],
        }
    if random_baseline:
        rng = np.random.default_rng([config.seed, 7])
        designs = [decode_accelerator(rng.random(GENES), runs["naas"]) for _ in range(config.popsize * config.generations)]
        t0 = time.perf_counter()
        scores = []
        for i in range(0, len(designs), config.popsize):
            chunk = designs[i:i + config.popsize]
            scores += score_designs(chunk, networks, config, [(config.seed, 8, i + j) for j in range(len(chunk))])
        best = min(scores, key=lambda s: s.fitness)
        out["random"] = {"fitness": best.fitness, "dataflow": best.design.dataflow,
                         "per_network": _per_network(best, networks), "seconds": time.perf_counter() - t0}
    out["seconds"] = time.perf_counter() - start
    return out


def report(results: list[dict]) -> str:
    lines = ["| budget | network | vs hand: speed-up | energy saving | EDP gain | vs sizing-only: EDP gain | NAAS dataflow |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        for net in r["networks"]:
            n, h, s = r["naas"]["per_network"][net], r["hand"]["per_network"][net], r["sizing_only"]["per_network"][net]
            edp = n["energy_pj"] * n["latency_cycles"]
            lines.append(
                f"| {r['budget']} | {net} | {h['latency_cycles'] / n['latency_cycles']:.2f}x | "
                f"{h['energy_pj'] / n['energy_pj']:.2f}x | {h['energy_pj'] * h['latency_cycles'] / edp:.2f}x | "
                f"{s['energy_pj'] * s['latency_cycles'] / edp:.2f}x | {r['naas']['dataflow']} |")
    lines += ["", "| budget | geomean EDP: hand / NAAS | sizing-only / NAAS | random / NAAS | index / importance "
              "| NAAS search s | NAAS evaluations | sizing-only evaluations |",
              "|---|---|---|---|---|---|---|---|"]
    for r in results:
        naas = r["naas"]["fitness"]
        rnd = f"{r['random']['fitness'] / naas:.2f}x" if "random" in r else "-"
        idx = f"{r['index_encoding']['fitness'] / naas:.2f}x" if "index_encoding" in r else "-"
        lines.append(f"| {r['budget']} | {r['hand']['fitness'] / naas:.2f}x | {r['sizing_only']['fitness'] / naas:.2f}x | "
                     f"{rnd} | {idx} | {r['naas']['seconds']:.0f} | {r['naas']['evaluations']:,} | "
                     f"{r['sizing_only']['evaluations']:,} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budgets", default=",".join(SCENARIOS))
    parser.add_argument("--generations", type=int, default=20)
    parser.add_argument("--popsize", type=int, default=12)
    parser.add_argument("--naas-generations", type=int, help="generations of the NAAS and index searches "
                        "(default: --generations, which the sizing-only search always uses)")
    parser.add_argument("--restarts", type=int, default=0, help="outer-search restarts, for every search")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ablation", default="", help="budgets that also run the index-encoding ablation")
    parser.add_argument("--random", default="", help="budgets that also run random accelerator search")
    parser.add_argument("--noc-model", default="flat", choices=["flat", "mesh"],
                        help="how every design's on-chip network is priced (docs/cost-model.md)")
    parser.add_argument("--json", help="write every number here")
    parser.add_argument("--from-json", nargs="*", help="only print the report of earlier --json files")
    args = parser.parse_args()
    if args.from_json:
        results = [r for path in args.from_json for r in json.loads(open(path).read())]
        print(report(results))
        return
    config = ArchSearchConfig(popsize=args.popsize, generations=args.generations, seed=args.seed,
                              restarts=args.restarts)
    results = []
    for name in args.budgets.split(","):
        results.append(run_budget(name, config, name in args.ablation.split(","), name in args.random.split(","),
                                  args.naas_generations, args.noc_model))
        if args.json:
            with open(args.json, "w") as handle:
                json.dump(results, handle, indent=1)
        print(f"{name}: done in {results[-1]['seconds']:.0f} s", flush=True)
    print(report(results))
    print(f"\ngeomean over budgets of hand/NAAS EDP: "
          f"{math.exp(np.mean([math.log(r['hand']['fitness'] / r['naas']['fitness']) for r in results])):.2f}x")


if __name__ == "__main__":
    main()
