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


def difference(saved: object, now: object, where: str = "") -> str | None:
    """The first setting that differs between two settings documents, as 'path: A then, B now'."""
    if isinstance(saved, dict) and isinstance(now, dict):
        parts = [(f"{where}.{key}" if where else str(key), saved.get(key, "(absent)"), now.get(key, "(absent)"))
                 for key in sorted(set(saved) | set(now), key=str)]
    elif isinstance(saved, list) and isinstance(now, list) and len(saved) == len(now):
        parts = [(f"{where}[{i}]", a, b) for i, (a, b) in enumerate(zip(saved, now))]
    else:
        parts = None
    if parts is not None:
        return next((found for path, a, b in parts if (found := difference(a, b, path))), None)
    if saved != now:
        def show(value: object) -> str:
            text = json.dumps(value, default=str)
            return text if len(text) <= 60 else text[:57] + "..."
        return f"{where or 'settings'}: {show(saved)} in the checkpoint, {show(now)} now"
    return None


def load_checkpoint(path: str | Path, settings_fingerprint: str | tuple[str, ...], settings: dict | None = None) -> dict:
    """The checkpoint's payload, if its fingerprint is (one of) ``settings_fingerprint``; a
    mismatch names the first differing setting when the checkpoint kept its ``settings``."""
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
    payload = json.loads(body)
    accepted = (settings_fingerprint,) if isinstance(settings_fingerprint, str) else settings_fingerprint
    if document.get("fingerprint") not in accepted:
        differs = None
        if settings is not None and isinstance(payload, dict) and isinstance(payload.get("settings"), dict):
            differs = difference(payload["settings"], json.loads(json.dumps(settings, default=str)))
        raise NaasError(
            f"checkpoint: {path} was written by a different search ("
            + (differs or "networks, budget or settings differ")
            + "); resume with the original settings or choose a new --out"
        )
    return payload


def saved_value(path: str | Path, key: str) -> object | None:
    """One value of a checkpoint's payload, or None where the file or the key is missing or
    unreadable (``load_checkpoint`` reports those properly when the search resumes)."""
    try:
        document = json.loads(Path(path).read_text())
        return json.loads(document["payload"]).get(key)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


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
