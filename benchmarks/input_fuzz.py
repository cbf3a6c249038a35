"""Malformed input through the loaders and the CLI, counted by outcome.

    python -m benchmarks.input_fuzz [--per-class 400] [--seed 0]

Each input class perturbs one field of a valid file (or one CLI option) with a value drawn
from a pool of hard cases (negative, zero, huge, NaN, inf, wrong types and shapes, misspelt
keys) and records what happened: refused with a one-line naas error, accepted and costed to
finite positive numbers, accepted with a non-finite or non-positive result, any other
exception (a traceback for a user), or a hang (over 60 s). The unit-test fuzz
(tests/test_inputs.py) runs the same idea small enough for CI.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import math
import os
import random
import shutil
import signal
import tempfile
from collections import Counter

from naas.arch import baseline
from naas.arch.budget import parse_budget
from naas.arch.io import accelerator_from_dict, accelerator_to_dict
from naas.cli import main as cli_main
from naas.cost.network import evaluate_network
from naas.errors import NaasError
from naas.mapping.io import mapping_from_dict, mapping_to_dict
from naas.search.greedy import network_mappings
from naas.workload.io import network_from_dict

HARD_VALUES = [-1, 0, 1, 2, 3.5, 7, 2**24, 2**24 + 1, 2**40, 2**63, 1e30, -1e30, 1e-300, math.nan, math.inf,
               -math.inf, True, False, None, "", "2", "abc", [], [2], [1, 2], [1, 2, 3], {}, {"a": 1}]
DESIGN = accelerator_to_dict(baseline("eyeriss"))
NETWORK = {"name": "n", "layers": [{"name": "c", "dims": {"K": 8, "C": 8, "P": 8, "Q": 8, "R": 3, "S": 3},
                                    "stride": [1, 1], "repeat": 2}]}
MAPPING = mapping_to_dict(network_mappings(network_from_dict(NETWORK), baseline("eyeriss"))["c"])
DESIGN_PATHS = [[k] for k in DESIGN] + [["array", 0, "size"], ["array", 0, "parallel_dims"], ["array", 1, "size"],
                                        ["array", 0, "link_words_per_cycle"], ["pe_buffers_bytes", "W"],
                                        ["global_buffer", "bytes"], ["global_buffer", "partition"], ["clock_mzh"]]
NETWORK_PATHS = [["layers", 0, k] for k in ("dims", "stride", "dilation", "repeat", "name", "strides")] + [
    ["layers", 0, "dims", d] for d in "NGKCPQRS"] + [["layers"], ["name"], ["layers", 0]]
MAPPING_PATHS = [["spatial"], ["temporal"], ["order"], ["lifts"], ["temporal", "L1"], ["temporal", "L2", "K"],
                 ["order", "L2"], ["lifts", "W"], ["spatal"]]
#: options whose every valid value is quick to run (a valid --generations 2^24 is a long search, not a bug)
CLI_OPTIONS = [("evaluate", "--batch"), ("evaluate", "--arch"), ("evaluate", "--network"), ("map", "--seed"),
               ("map", "--batch"), ("search", "--workers"), ("search", "--budget"), ("search", "--max-axes"),
               ("search", "--seed"), ("search", "--out")]


class Hang(Exception):
    pass


def _perturb(data: dict, path: list, value) -> dict:
    """``data`` with the key at ``path`` set to ``value``; missing mappings on the way are added."""
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
    node[path[-1]] = copy.deepcopy(value)
    return out


def _costed(network, arch) -> str:
    result = evaluate_network(network, arch, network_mappings(network, arch))
    ok = all(math.isfinite(x) and x > 0 for x in (result.energy_pj, result.latency_cycles))
    return "accepted" if ok else "non-finite accepted"


def _design(rng):
    arch = accelerator_from_dict(_perturb(DESIGN, rng.choice(DESIGN_PATHS), rng.choice(HARD_VALUES)))
    return _costed(network_from_dict(NETWORK), arch)


def _network(rng):
    network = network_from_dict(_perturb(NETWORK, rng.choice(NETWORK_PATHS), rng.choice(HARD_VALUES)))
    return _costed(network, baseline("eyeriss"))


def _mapping(rng):
    mapping = mapping_from_dict(_perturb(MAPPING, rng.choice(MAPPING_PATHS), rng.choice(HARD_VALUES)), "m")
    network = network_from_dict(NETWORK)
    result = evaluate_network(network, baseline("eyeriss"), {"c": mapping})
    if not result.valid:
        return "refused"  # evaluate reports an invalid mapping as such, with its reason
    return "accepted" if math.isfinite(result.edp) and result.edp > 0 else "non-finite accepted"


def _budget(rng):
    keys = ["pes", "bytes", "area", "noc", "dram", "pez"]
    parts = [f"{rng.choice(keys)}={rng.choice(HARD_VALUES)}" for _ in range(rng.randint(1, 4))]
    budget = parse_budget(",".join(["pes=168", "bytes=181248"][:rng.randint(0, 2)] + parts))
    return "accepted" if budget.max_pes >= 1 and budget.max_onchip_bytes >= 1 else "non-finite accepted"


def _cli(rng):
    command, option = rng.choice(CLI_OPTIONS)
    value = str(rng.choice(HARD_VALUES))
    folder = tempfile.mkdtemp()
    argv = {"evaluate": ["evaluate", "--network", "squeezenet", "--arch", "eyeriss"],
            "map": ["map", "--network", "squeezenet", "--arch", "eyeriss", "--map-generations", "2"],
            "search": ["search", "--network", "squeezenet", "--budget", "eyeriss", "--generations", "1",
                       "--popsize", "2", "--map-generations", "2", "--map-popsize", "4", "--no-sizing-baseline",
                       "--out", f"{folder}/run", "--quiet"],
            }[command] + [option, value]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        try:
            code = cli_main(argv)
        except SystemExit as exc:  # argparse: a usage error, one line and exit 2
            code = exc.code
    shutil.rmtree(folder, ignore_errors=True)
    if code == 2 and err.getvalue().count("\n") <= 1:
        return "refused"
    if code == 0:
        return "accepted"
    raise RuntimeError(f"naas {' '.join(argv[:1] + argv[-2:])}: exit {code}, stderr {err.getvalue()[-200:]!r}")


CLASSES = {"design YAML": _design, "network YAML": _network, "mapping YAML": _mapping, "--budget": _budget,
           "CLI options": _cli}


def _alarm(signum, frame):
    raise Hang


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-class", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.chdir(tempfile.mkdtemp())  # a fuzzed --out names a folder relative to here
    signal.signal(signal.SIGALRM, _alarm)
    print("| input class | tried | refused (one-line error) | accepted, finite | non-finite accepted | "
          "other exception | hang > 60 s |\n|---|---|---|---|---|---|---|")
    for label, fn in CLASSES.items():
        counts: Counter = Counter()
        examples: dict[str, str] = {}
        for _ in range(args.per_class):
            signal.alarm(60)
            try:
                outcome = fn(rng)
            except NaasError as exc:
                outcome = "refused" if "\n" not in str(exc) else "other exception"
            except Hang:
                outcome = "hang"
            except Exception as exc:  # every other escape is a bug this benchmark exists to count
                outcome = "other exception"
                examples.setdefault(outcome, f"{type(exc).__name__}: {exc}")
            finally:
                signal.alarm(0)
            counts[outcome] += 1
        print(f"| {label} | {args.per_class} | {counts['refused']} | {counts['accepted']} | "
              f"{counts['non-finite accepted']} | {counts['other exception']} | {counts['hang']} |")
        for kind, text in examples.items():
            print(f"|  e.g. {kind} | {text[:120]} | | | | | |")


if __name__ == "__main__":
    main()
