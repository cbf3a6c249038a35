"""Progress of a long command on stderr: a live bar on a terminal (tqdm), a timestamped line
per step anywhere else (a log file, nohup, CI), nothing with --quiet."""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO


class Progress:
    """Called with each progress record; ``describe`` turns one into text, ``position`` into
    how far along the work is (of ``total``, in ``unit``)."""

    def __init__(self, label: str, describe: Callable[[dict], str], position: Callable[[dict], int],
                 total: int | None, unit: str, stream: TextIO | None = None):
        self.label, self.describe, self.position = label, describe, position
        self.stream = stream or sys.stderr
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=f"[{label}]", unit=f" {unit}", file=self.stream, dynamic_ncols=True,
                            leave=True)

    def __call__(self, record: dict) -> None:
        if self.bar is None:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
            print(f"{stamp} [{self.label}] {self.describe(record)}", file=self.stream, flush=True)
            return
        self.bar.n = max(self.bar.n, self.position(record))
        self.bar.set_postfix_str(self.describe(record), refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
