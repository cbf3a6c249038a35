"""A fresh process's warm-up of the compiled device search: with an empty compile cache, then
again in a new process with the cache the first one left (torch's on-disk inductor and
AOTAutograd caches, under ``TORCHINDUCTOR_CACHE_DIR``), so that the second figure is what every
search after the first pays on that machine.

    python -m benchmarks.device_warmup [--device cuda] [--network resnet50] [--layers 4]

Each process runs one mapping search of the network's first ``--layers`` distinct layers on the
Edge-TPU design with the decode+cost step compiled, then the same search again (the kernels
then loaded, not built); the warm-up is the first search's seconds less the second's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def _one_process(device: str, network: str, layers: int) -> dict:
    import numpy as np
    import torch

    from naas.arch import baseline
    from naas.search.mapping_search import search_mappings
    from naas.search.mapping_settings import MappingSearchConfig
    from naas.workload import zoo_network

    design = baseline("edge_tpu")
    shapes = list({nl.layer.shape: nl.layer for nl in zoo_network(network).layers}.values())[:layers]
    config = MappingSearchConfig(backend="torch", device=device, compile=True, generations=4)
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        search_mappings([(layer, design) for layer in shapes], config, np.random.default_rng(0))
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
    return {"first_s": seconds[0], "second_s": seconds[1], "warmup_s": seconds[0] - seconds[1],
            "torch": torch.__version__}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default=None, help="default: cuda where available, else cpu")
    parser.add_argument("--network", default="resnet50")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.device is None:
        import torch

        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.child:
        print(json.dumps(_one_process(args.device, args.network, args.layers)))
        return
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, TORCHINDUCTOR_CACHE_DIR=cache)
        command = [sys.executable, "-m", "benchmarks.device_warmup", "--child", "--device", args.device,
                   "--network", args.network, "--layers", str(args.layers)]
        for label in ("empty cache", "warm cache"):
            start = time.perf_counter()
            out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
            row = json.loads(out.strip().splitlines()[-1])
            print(f"{label}: process {time.perf_counter() - start:.1f} s, first search {row['first_s']:.1f} s, "
                  f"second {row['second_s']:.1f} s, warm-up {row['warmup_s']:.1f} s "
                  f"(device {args.device}, torch {row['torch']})", flush=True)


if __name__ == "__main__":
    main()
