"""Search checkpoints: one JSON file, written atomically after every outer generation, with a
checksum and a fingerprint of the search's settings, so that a corrupted or foreign file is
refused with a clear error instead of silently restarting."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from naas.errors import NaasError
from naas.files import write_text_atomic

FORMAT = "naas-search-checkpoint"
VERSION = 1


def fingerprint(settings: dict) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


def save_checkpoint(path: str | Path, settings_fingerprint: str, payload: dict) -> None:
    body = json.dumps(payload, sort_keys=True)
    document = {
        "format": FORMAT, "version": VERSION, "fingerprint": settings_fingerprint,
        "payload_sha256": hashlib.sha256(body.encode()).hexdigest(), "payload": body,
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
    if document.get("version") != VERSION:
        raise NaasError(f"checkpoint: {path} has version {document.get('version')}, this naas reads {VERSION}")
    body = document.get("payload", "")
    if hashlib.sha256(str(body).encode()).hexdigest() != document.get("payload_sha256"):
        raise NaasError(f"checkpoint: {path} is corrupted (checksum mismatch); delete it to start over")
    if document.get("fingerprint") != settings_fingerprint:
        raise NaasError(
            f"checkpoint: {path} was written by a different search (networks, budget or settings "
            "differ); resume with the original settings or choose a new --out"
        )
    return json.loads(body)
