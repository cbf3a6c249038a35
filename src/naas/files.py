"""Files: atomic writes (a reader, or a crash, never sees a half-written result) and YAML
reads that fail with one line naming the file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import yaml

from naas.errors import NaasError


def _process_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Read once at import: os.umask can only be read by setting it, which would race with threads.
_UMASK = _process_umask()


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed over it, with the mode an
    ordinary new file would get (mkstemp's own is 0600 whatever the umask). A path that cannot
    be written is a one-line NaasError, and nothing is left behind."""
    path = Path(path)
    if path.is_dir():
        raise NaasError(f"{path}: is a folder; give a file path to write")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise NaasError(f"{path}: cannot write there ({exc.strerror}); give a writable path") from None
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise NaasError(f"{path}: cannot write ({exc.strerror}); give a writable path") from None
        raise


def write_json_atomic(path: str | Path, data: object) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, default=_jsonable))


def write_yaml_atomic(path: str | Path, data: object) -> None:
    write_text_atomic(path, yaml.safe_dump(data, sort_keys=False, width=100))


def _jsonable(value: object) -> object:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def read_yaml(path: str | Path, what: str) -> object:
    """The parsed YAML at ``path``; ``what`` names the input in the error ('arch', 'network')."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text())
    except OSError as exc:
        raise NaasError(f"{what}: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise NaasError(f"{what}: {path} is not UTF-8 text; save it as UTF-8 YAML") from None
    except yaml.YAMLError as exc:
        raise NaasError(f"{what}: {path} is not valid YAML ({str(exc).splitlines()[0]})") from None
