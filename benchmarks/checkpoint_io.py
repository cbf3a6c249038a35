"""Checkpoint cost of a long search: bytes written and seconds spent by the design journal
(each new design appended once, then the small state file rewritten) against rewriting every
scored design each generation (the format before the journal), in one run on the same search.

    python -m benchmarks.checkpoint_io [--generations 100] [--network resnet50]

The search writes the journal format; after each generation the old format is replayed from the
same designs and state with the same serialiser and atomic write, so the two columns differ only
in what is written.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from naas.arch import parse_budget
from naas.search import checkpoint as checkpoint_io
from naas.search.arch_encoding import ArchSpace
from naas.search.arch_search import ArchSearchConfig, search_accelerator
from naas.search.mapping_search import MappingSearchConfig
from naas.workload import zoo_network


def timed(function, seconds: list[float]):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        function(*args, **kwargs)
        seconds.append(time.perf_counter() - start)

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--network", default="resnet50")
    parser.add_argument("--generations", type=int, default=100)
    parser.add_argument("--popsize", type=int, default=12)
    args = parser.parse_args()
    # a short mapping search: what is measured is the checkpoint, not the search
    config = ArchSearchConfig(popsize=args.popsize, generations=args.generations,
                              mapping=MappingSearchConfig(popsize=8, generations=4))
    journal_seconds: list[float] = []
    checkpoint_io.append_journal = timed(checkpoint_io.append_journal, journal_seconds)
    checkpoint_io.save_checkpoint = timed(checkpoint_io.save_checkpoint, journal_seconds)
    with tempfile.TemporaryDirectory() as folder:
        checkpoint = Path(folder) / "checkpoint-naas.json"
        journal = checkpoint_io.journal_path(checkpoint)
        rewrite = Path(folder) / "rewrite.json"
        written = {"journal": [], "rewrite": []}
        rewrite_seconds: list[float] = []

        def replay_rewrite(record: dict) -> None:
            state = json.loads(json.loads(checkpoint.read_text())["payload"])
            lines = journal.read_text().splitlines()
            appended = lines[len(lines) - record["new_designs"]:]
            written["journal"].append(checkpoint.stat().st_size + sum(len(line) + 1 for line in appended))
            designs = {str(i): json.loads(json.loads(line)["record"]) for i, line in enumerate(lines)}
            payload = {**{k: v for k, v in state.items() if k != "designs"}, "cache": designs}
            start = time.perf_counter()
            checkpoint_io.write_text_atomic(rewrite, json.dumps({"payload": json.dumps(payload, sort_keys=True)}))
            rewrite_seconds.append(time.perf_counter() - start)
            written["rewrite"].append(rewrite.stat().st_size)

        result = search_accelerator([zoo_network(args.network)], ArchSpace(parse_budget("eyeriss")), config,
                                    progress=replay_rewrite, checkpoint=checkpoint)
        designs = len(journal.read_text().splitlines())
    print(f"{args.network}, {args.generations} generations x {args.popsize} designs, {designs} distinct designs; "
          f"search {result.seconds:.1f} s")
    print("| checkpoint format | bytes, first generation | bytes, last generation | bytes in all | seconds in all |")
    print("|---|---|---|---|---|")
    for name, label, seconds in (("journal", "journal: new designs appended, state rewritten", journal_seconds),
                                 ("rewrite", "every design rewritten each generation", rewrite_seconds)):
        sizes = written[name]
        print(f"| {label} | {sizes[0]:,} | {sizes[-1]:,} | {sum(sizes):,} | {sum(seconds):.2f} |")
    print(f"\nbytes in all, rewrite / journal: {sum(written['rewrite']) / sum(written['journal']):.1f}x; "
          f"seconds: {sum(rewrite_seconds) / sum(journal_seconds):.1f}x")


if __name__ == "__main__":
    main()
