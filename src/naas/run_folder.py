"""A search's output folder: one search writes it at a time (a lock file naming its process),
and a new search never mixes its files with an earlier one's unless told to replace them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from naas.errors import NaasError

LOCK = ".naas-search.lock"
#: what ``naas search``, ``naas cosearch`` and ``naas report`` write into the folder
SEARCH_OUTPUTS = (
    "checkpoint-naas.json", "checkpoint-naas.designs.jsonl", "checkpoint-naas.phases", "checkpoint-sizing.json",
    "checkpoint-sizing.designs.jsonl", "design.yaml", "mappings", "history.json", "history-sizing.json",
    "summary.json", "summary.md", "report.html", "figures", "network.yaml", "mappings.yaml", "config.json",
    "front.json",
)


def search_outputs(out: Path) -> list[str]:
    """The names of an earlier search's files in ``out``."""
    return [name for name in SEARCH_OUTPUTS if (out / name).exists()]


def refuse_earlier_search(out: Path, resumable: bool) -> None:
    """A NaasError if ``out`` holds an earlier search's files, naming them and the way out."""
    earlier = search_outputs(out)
    if earlier:
        how = f"--resume {out} continues it, --overwrite replaces it" if resumable else "--overwrite replaces it"
        raise NaasError(f"out: {out} holds an earlier search ({', '.join(earlier)}); {how}")


def clear_search(out: Path) -> None:
    """Remove an earlier search's files from ``out`` (nothing else there)."""
    for name in search_outputs(out):
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


@contextmanager
def search_lock(out: Path, clear: bool = False) -> Iterator[None]:
    """Hold ``out`` for this process while the block runs (first removing an earlier search's
    files if ``clear``); a NaasError if a live process holds it. A lock left by a process that
    died (a kill -9, a crash) is taken over. A folder this creates and leaves empty (the search
    failed before writing) is removed again."""
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NaasError(f"out: cannot create the folder {out} ({exc.strerror}); choose another --out") from None
    lock = out / LOCK
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                holder = 0
            if holder and holder != os.getpid() and _alive(holder):
                raise NaasError(f"out: another naas search (process {holder}) is writing {out}; wait for it "
                                f"or choose another --out") from None
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        break
    else:
        raise NaasError(f"out: could not lock {out} ({lock} keeps reappearing); choose another --out")
    try:
        if clear:
            clear_search(out)
        yield
    finally:
        lock.unlink(missing_ok=True)
        if created and not any(out.iterdir()):
            out.rmdir()
