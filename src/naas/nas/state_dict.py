"""A torch state dict read into numpy arrays without torch, running no code from the file.

``torch.save`` writes either its legacy format (pickles in sequence: a magic number, the
protocol, system info, the object, the storage keys, then each storage as an int64 element
count and raw little-endian data) or, since torch 1.6, a zip archive (``*/data.pkl`` and one
``*/data/KEY`` file per storage). Both pickles name their tensors through a few globals; the
unpickler here resolves exactly those (an ordered dict, the tensor rebuild functions and the
storage types) to stand-ins of its own and refuses every other global, so a file cannot run
code when it is read.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from naas.errors import NaasError

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


@dataclass
class _Storage:
    key: str
    dtype: type
    data: np.ndarray | None = None


@dataclass
class _Tensor:
    storage: _Storage
    offset: int
    size: tuple
    stride: tuple

    def array(self) -> np.ndarray:
        flat = self.storage.data
        if flat is None:
            raise NaasError(f"predictor: tensor storage {self.storage.key} is missing from the file")
        if not self.size:
            return flat[self.offset:self.offset + 1].reshape(()).copy()
        item = flat.itemsize
        view = np.lib.stride_tricks.as_strided(flat[self.offset:], shape=self.size,
                                               strides=tuple(s * item for s in self.stride))
        return np.array(view)


class _StorageType:
    def __init__(self, name: str):
        self.dtype = _STORAGE_DTYPES[name]


def _rebuild_tensor(storage, storage_offset, size, stride, *_rest) -> _Tensor:
    return _Tensor(storage, int(storage_offset), tuple(size), tuple(stride))


def _rebuild_parameter(data, *_rest):
    return data


_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
}


class _Unpickler(pickle.Unpickler):
    def __init__(self, handle, storages: dict[str, _Storage]):
        super().__init__(handle)
        self.storages = storages

    def find_class(self, module: str, name: str):
        if (module, name) in _GLOBALS:
            return _GLOBALS[(module, name)]
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a state dict")

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or len(pid) < 3 or pid[0] != "storage" or not isinstance(pid[1], _StorageType):
            raise pickle.UnpicklingError("unknown persistent id")
        key = str(pid[2])
        if key not in self.storages:
            self.storages[key] = _Storage(key, pid[1].dtype)
        return self.storages[key]


def _materialise(obj):
    if isinstance(obj, _Tensor):
        return obj.array()
    if isinstance(obj, dict):
        return {k: _materialise(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(v) for v in obj)
    return obj


def _load_zip(path: Path) -> object:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise NaasError(f"predictor: {path} is a zip file but not a torch checkpoint (no data.pkl)")
        prefix = pickles[0][: -len("data.pkl")]
        storages: dict[str, _Storage] = {}
        obj = _Unpickler(io.BytesIO(archive.read(pickles[0])), storages).load()
        for key, storage in storages.items():
            raw = archive.read(f"{prefix}data/{key}")
            storage.data = np.frombuffer(raw, dtype=np.dtype(storage.dtype).newbyteorder("<"))
    return obj


def _load_legacy(path: Path) -> object:
    with open(path, "rb") as handle:
        storages: dict[str, _Storage] = {}
        if _Unpickler(handle, storages).load() != _LEGACY_MAGIC:
            raise NaasError(f"predictor: {path} is not a torch checkpoint")
        _Unpickler(handle, storages).load()  # protocol version
        info = _Unpickler(handle, storages).load()
        if isinstance(info, dict) and not info.get("little_endian", True):
            raise NaasError(f"predictor: {path} was saved on a big-endian machine; re-save it little-endian")
        obj = _Unpickler(handle, storages).load()
        keys = _Unpickler(handle, storages).load()
        for key in keys:
            storage = storages.get(str(key))
            (count,) = struct.unpack("<q", handle.read(8))
            dtype = np.dtype(storage.dtype if storage else np.uint8)
            raw = handle.read(count * dtype.itemsize)
            if len(raw) != count * dtype.itemsize:
                raise NaasError(f"predictor: {path} is truncated")
            if storage is not None:
                storage.data = np.frombuffer(raw, dtype=dtype.newbyteorder("<"))
    return obj


def load_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """The tensors of the torch state dict saved at ``path``, as numpy arrays by name (a
    ``{"state_dict": ...}`` wrapper is unwrapped)."""
    path = Path(path)
    if not path.is_file():
        raise NaasError(f"predictor: {path} does not exist; give the path of a predictor file")
    try:
        obj = _load_zip(path) if zipfile.is_zipfile(path) else _load_legacy(path)
    except NaasError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, struct.error,
            zipfile.BadZipFile, AttributeError, IndexError) as exc:
        raise NaasError(f"predictor: {path} is not a torch state dict naas can read ({exc})") from None
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise NaasError(f"predictor: {path} holds no state dict")
    state = _materialise(obj)
    if not all(isinstance(v, np.ndarray) for v in state.values()):
        raise NaasError(f"predictor: {path} holds entries that are not tensors")
    return state
