"""Accuracy predictors: a network configuration -> predicted ImageNet top-1 (%).

* ``OFAMLPPredictor``: once-for-all's MobileNet-V3 accuracy predictors, two file formats:
  - the published one (the OFA tutorial's ``AccuracyPredictor``, fetched by the `ofa` package
    from PUBLISHED_PREDICTOR_URL): an ``nn.Sequential`` of Linear(128, 400), ReLU, two more
    Linear(400, 400)+ReLU, Linear(400, 1) over 60 kernel one-hots, 60 expand-ratio one-hots
    (zeros for block slots a stage's depth skips) and 8 resolution one-hots ((r - 112) // 16);
  - the ``ofa.nas.accuracy_predictor.AccuracyPredictor`` state dict (``layers.*``, ``base_acc``)
    over ``MobileNetArchEncoder``'s resolution-first layout.
  Loaded with torch from a local file, or fetched once and cached (``fetch_published_predictor``);
  evaluated with numpy. Both output top-1 as a fraction; naas reports percent.
* ``TablePredictor``: exact look-ups in a user table.
* ``CallablePredictor``: any ``module:function`` taking a configuration.
"""

from __future__ import annotations

import importlib
import os
import urllib.request
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from naas.errors import NaasError
from naas.nas.ofa_mbv3 import EXPANDS, KERNELS, MAX_DEPTH, RESOLUTIONS, STAGES, MobileNetV3Config

#: Where the `ofa` package (ofa/tutorial/accuracy_predictor.py) downloads the published predictor.
PUBLISHED_PREDICTOR_URL = "https://raw.githubusercontent.com/han-cai/files/master/ofa/acc_predictor.pth"
_SLOTS = STAGES * MAX_DEPTH


class AccuracyPredictor(Protocol):
    def predict(self, configs: list) -> np.ndarray: ...


def _block_one_hots(config: MobileNetV3Config) -> tuple[np.ndarray, np.ndarray]:
    kernels = np.zeros(_SLOTS * len(KERNELS))
    expands = np.zeros(_SLOTS * len(EXPANDS))
    for stage in range(STAGES):
        for b in range(config.depths[stage]):
            slot = stage * MAX_DEPTH + b
            kernels[slot * len(KERNELS) + KERNELS.index(config.kernels[slot])] = 1
            expands[slot * len(EXPANDS) + EXPANDS.index(config.expands[slot])] = 1
    return kernels, expands


def published_features(config: MobileNetV3Config) -> np.ndarray:
    """The published predictor's 128-d input: kernels, expand ratios, (r - 112) // 16."""
    kernels, expands = _block_one_hots(config)
    slot = (config.resolution - 112) // 16
    if config.resolution % 16 or not 0 <= slot < 8:
        raise NaasError(f"predictor: the published predictor knows resolutions 112-224 in steps of 16, "
                        f"not {config.resolution}")
    resolution = np.zeros(8)
    resolution[slot] = 1
    return np.concatenate([kernels, expands, resolution])


def encoder_features(config: MobileNetV3Config, resolutions: tuple[int, ...] = RESOLUTIONS) -> np.ndarray:
    """ofa.nas's MobileNetArchEncoder layout: resolution one-hot first, then kernels, expands."""
    if config.resolution not in resolutions:
        raise NaasError(f"predictor: resolution {config.resolution} is not one of the predictor's {resolutions}")
    resolution = np.zeros(len(resolutions))
    resolution[resolutions.index(config.resolution)] = 1
    kernels, expands = _block_one_hots(config)
    return np.concatenate([resolution, kernels, expands])


class OFAMLPPredictor:
    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray | None]], base_acc: float,
                 features: Callable[[MobileNetV3Config], np.ndarray], source: str):
        self.weights, self.base_acc, self.features, self.source = weights, base_acc, features, source

    @classmethod
    def load(cls, path: str | Path) -> "OFAMLPPredictor":
        try:
            import torch
        except ImportError:
            raise NaasError("predictor: loading an OFA predictor needs torch; pip install 'naas[torch]'") from None
        path = Path(path)
        try:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
        except FileNotFoundError:
            raise NaasError(f"predictor: {path} does not exist") from None
        except Exception as exc:  # torch raises several types for a file that is not a checkpoint
            raise NaasError(f"predictor: {path} is not a torch checkpoint ({type(exc).__name__})") from None
        state = state.get("state_dict", state) if isinstance(state, dict) else state
        if not isinstance(state, dict):
            raise NaasError(f"predictor: {path} holds no state dict")
        try:
            if "0.weight" in state:  # the published tutorial predictor: nn.Sequential
                linear = sorted(int(k.split(".")[0]) for k in state if k.endswith(".weight"))
                weights = [(state[f"{i}.weight"].numpy(), state[f"{i}.bias"].numpy()) for i in linear]
                return cls(weights, 0.0, published_features, str(path))
            hidden = sorted({int(k.split(".")[1]) for k in state if k.startswith("layers.") and k.endswith(".0.weight")})
            weights = [(state[f"layers.{i}.0.weight"].numpy(), state[f"layers.{i}.0.bias"].numpy()) for i in hidden]
            weights.append((state[f"layers.{len(hidden)}.weight"].numpy(), None))
            base = float(state["base_acc"].reshape(-1)[0])
        except (KeyError, AttributeError, ValueError):
            raise NaasError(f"predictor: {path} is in neither OFA predictor format") from None
        n_resolutions = weights[0][0].shape[1] - _SLOTS * (len(KERNELS) + len(EXPANDS))
        resolutions = RESOLUTIONS if n_resolutions == len(RESOLUTIONS) else (224,) if n_resolutions == 1 else None
        if resolutions is None:
            raise NaasError(f"predictor: {path} encodes {n_resolutions} resolutions; naas knows OFA's 25 or 1")
        return cls(weights, base, lambda c: encoder_features(c, resolutions), str(path))

    def predict(self, configs: list) -> np.ndarray:
        if not all(isinstance(c, MobileNetV3Config) for c in configs):
            raise NaasError("predictor: this OFA-format predictor reads MobileNet-V3 configurations; "
                            "use --accuracy or --accuracy-table for other spaces")
        x = np.stack([self.features(c) for c in configs])
        if x.shape[1] != self.weights[0][0].shape[1]:
            raise NaasError(f"predictor: {self.source} expects {self.weights[0][0].shape[1]} features, "
                            f"the encoding has {x.shape[1]}")
        for weight, bias in self.weights[:-1]:
            x = np.maximum(x @ weight.T + bias, 0.0)
        weight, bias = self.weights[-1]
        x = x @ weight.T + (0.0 if bias is None else bias)
        return 100.0 * (x[:, 0] + self.base_acc)


def fetch_published_predictor(cache_dir: str | Path | None = None) -> Path:
    """The published predictor file, downloaded once into the cache (``~/.cache/naas``)."""
    cache = Path(cache_dir or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "naas")
    target = cache / "ofa_acc_predictor.pth"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        try:
            with urllib.request.urlopen(PUBLISHED_PREDICTOR_URL, timeout=60) as response:
                partial.write_bytes(response.read())
        except OSError as exc:
            raise NaasError(f"predictor: cannot fetch {PUBLISHED_PREDICTOR_URL} ({exc}); download it by hand "
                            f"and pass --predictor FILE") from None
        partial.replace(target)
    return target


def config_key(config) -> tuple:
    """A configuration's field values, in order, as a hashable table key."""
    return tuple(tuple(v) if isinstance(v, (list, tuple)) else v for v in vars(config).values())


class TablePredictor:
    """Accuracies listed per configuration, keyed by ``config_key``."""

    def __init__(self, table: dict[tuple, float]):
        self.table = table

    def predict(self, configs: list) -> np.ndarray:
        out = []
        for c in configs:
            key = config_key(c)
            if key not in self.table:
                raise NaasError("predictor: the accuracy table has no entry for a searched configuration; "
                                "give a predictor or callable that covers the whole space")
            out.append(self.table[key])
        return np.array(out, dtype=float)


class CallablePredictor:
    def __init__(self, function: Callable[[MobileNetV3Config], float], name: str):
        self.function, self.name = function, name

    @classmethod
    def from_spec(cls, spec: str) -> "CallablePredictor":
        module_name, _, attr = spec.partition(":")
        if not module_name or not attr:
            raise NaasError(f"accuracy: write module:function, got {spec!r}")
        try:
            function = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise NaasError(f"accuracy: cannot load {spec!r} ({exc})") from None
        return cls(function, spec)

    def predict(self, configs: list[MobileNetV3Config]) -> np.ndarray:
        return np.array([float(self.function(c)) for c in configs])
