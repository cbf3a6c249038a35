"""Search checkpoints: one JSON file, written atomically after every outer generation, with a
checksum and a fingerprint of the search's settings, so that a corrupted or foreign file is
refused with a clear error instead of silently restarting.

The scored designs (each with every layer's mapping, the bulk of a checkpoint) go to a journal
beside it, ``<name>.designs.jsonl``, one checksummed line per design, appended as they are
scored: rewriting them all every generation made a long search's checkpointing quadratic. The
checkpoint records how many journal lines it covers; lines beyond that (a generation that a
crash cut short) are dropped on resume."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from naas.errors import NaasError
from naas.files import write_text_atomic

FORMAT = "naas-search-checkpoint"
#: 2: designs in the journal; 1 (still read): designs inline under "cache"
VERSION = 2


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(settings: dict) -> str:
    return _digest(json.dumps(settings, sort_keys=True, default=str))


def save_checkpoint(path: str | Path, settings_fingerprint: str, payload: dict) -> None:
    body = json.dumps(payload, sort_keys=True)
    document = {
        "format": FORMAT, "version": VERSION, "fingerprint": settings_fingerprint,
        "payload_sha256": _digest(body), "payload": body,
    }
    write_text_atomic(path, json.dumps(document))


def load_checkpoint(path: str | Path, settings_fingerprint: str) -> dict:
    path = Path(path)
    try:
        document = json.loads(path.read_text())
    except OSError as exc:
        raise NaasError(f"checkpoint: cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError:
        raise NaasError(f"checkpoint: {path} is corrupted (not JSON); delete it to start over") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise NaasError(f"checkpoint: {path} is not a naas search checkpoint")
    if document.get("version") not in (1, VERSION):
        raise NaasError(f"checkpoint: {path} has version {document.get('version')}, this naas reads 1 and {VERSION}")
    body = document.get("payload", "")
    if _digest(str(body)) != document.get("payload_sha256"):
        raise NaasError(f"checkpoint: {path} is corrupted (checksum mismatch); delete it to start over")
    if document.get("fingerprint") != settings_fingerprint:
        raise NaasError(
            f"checkpoint: {path} was written by a different search (networks, budget or settings "
            "differ); resume with the original settings or choose a new --out"
        )
    return json.loads(body)


def journal_path(checkpoint: str | Path) -> Path:
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(checkpoint.stem + ".designs.jsonl")


def start_journal(checkpoint: str | Path) -> None:
    """An empty journal for a new search (an earlier search's, if any, is replaced)."""
    write_text_atomic(journal_path(checkpoint), "")


def append_journal(checkpoint: str | Path, records: list[dict]) -> None:
    """Append ``records`` durably (flushed and synced before the checkpoint that counts them)."""
    lines = []
    for record in records:
        body = json.dumps(record, sort_keys=True)
        lines.append(json.dumps({"sha256": _digest(body), "record": body}) + "\n")
    with open(journal_path(checkpoint), "a") as handle:
        handle.writelines(lines)
        handle.flush()
        os.fsync(handle.fileno())


def recover_journal(checkpoint: str | Path, count: int) -> list[dict]:
    """The first ``count`` records of the journal, each checked; the file is cut after them so
    that appends continue from the checkpoint's state."""
    path = journal_path(checkpoint)
    try:
        with open(path, "rb") as handle:
            lines = [handle.readline() for _ in range(count)]
            end = handle.tell()
    except OSError as exc:
        raise NaasError(f"checkpoint: cannot read {path}: {exc.strerror}; the checkpoint's designs are there") from None
    records = []
    for number, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
            body = entry["record"]
            intact = _digest(body) == entry["sha256"]
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            intact = False
        if not intact:
            raise NaasError(f"checkpoint: {path} line {number} is missing or corrupted; delete the checkpoint "
                            "and its journal to start over")
        records.append(json.loads(body))
    os.truncate(path, end)
    return records
