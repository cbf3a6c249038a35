"""Accuracy predictors: a network configuration -> predicted ImageNet top-1 (%).

* ``OFAMLPPredictor``: the once-for-all accuracy predictor format — the state dict of OFA's
  ``AccuracyPredictor`` (three Linear+ReLU layers of 400, a bias-free Linear to one output, a
  ``base_acc`` offset) over its MobileNet-V3 architecture encoding (one-hot kernel and expand
  ratio per block slot, zeros for slots a shallower stage skips, one-hot resolution). Loaded
  from a local file with torch; evaluated with numpy. ImageNet figures need the published
  predictor file; a predictor of the same format trained on anything else predicts that.
* ``TablePredictor``: exact look-ups in a user table.
* ``CallablePredictor``: any ``module:function`` taking a configuration.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from naas.errors import NaasError
from naas.nas.ofa_mbv3 import EXPANDS, KERNELS, MAX_DEPTH, RESOLUTIONS, STAGES, MobileNetV3Config


class AccuracyPredictor(Protocol):
    def predict(self, configs: list[MobileNetV3Config]) -> np.ndarray: ...


def ofa_features(config: MobileNetV3Config) -> np.ndarray:
    """OFA's MobileNetArchEncoder layout: 20 x 3 kernel one-hots, 20 x 3 expand one-hots,
    then one of 25 resolutions (128..224, step 4)."""
    slots = STAGES * MAX_DEPTH
    features = np.zeros(slots * len(KERNELS) + slots * len(EXPANDS) + len(RESOLUTIONS))
    for stage in range(STAGES):
        for b in range(config.depths[stage]):
            slot = stage * MAX_DEPTH + b
            features[slot * len(KERNELS) + KERNELS.index(config.kernels[slot])] = 1
            features[slots * len(KERNELS) + slot * len(EXPANDS) + EXPANDS.index(config.expands[slot])] = 1
    if config.resolution not in RESOLUTIONS:
        raise NaasError(f"predictor: resolution {config.resolution} is not one of OFA's "
                        f"{RESOLUTIONS[0]}..{RESOLUTIONS[-1]} step 4")
    features[slots * (len(KERNELS) + len(EXPANDS)) + RESOLUTIONS.index(config.resolution)] = 1
    return features


class OFAMLPPredictor:
    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray | None]], base_acc: float, source: str):
        self.weights, self.base_acc, self.source = weights, base_acc, source

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
        try:
            hidden = sorted({int(k.split(".")[1]) for k in state if k.startswith("layers.") and k.endswith(".0.weight")})
            weights = [(state[f"layers.{i}.0.weight"].numpy(), state[f"layers.{i}.0.bias"].numpy()) for i in hidden]
            weights.append((state[f"layers.{len(hidden)}.weight"].numpy(), None))
            base = float(state["base_acc"].reshape(-1)[0])
        except (KeyError, AttributeError):
            raise NaasError(f"predictor: {path} is not in OFA's AccuracyPredictor format (layers.*, base_acc)") from None
        return cls(weights, base, str(path))

    def predict(self, configs: list[MobileNetV3Config]) -> np.ndarray:
        if not all(isinstance(c, MobileNetV3Config) for c in configs):
            raise NaasError("predictor: this OFA-format predictor reads MobileNet-V3 configurations; "
                            "use --accuracy or --accuracy-table for other spaces")
        x = np.stack([ofa_features(c) for c in configs])
        if x.shape[1] != self.weights[0][0].shape[1]:
            raise NaasError(f"predictor: {self.source} expects {self.weights[0][0].shape[1]} features, "
                            f"the MobileNet-V3 encoding has {x.shape[1]}")
        for weight, bias in self.weights[:-1]:
            x = np.maximum(x @ weight.T + bias, 0.0)
        x = x @ self.weights[-1][0].T
        # OFA's predictor outputs top-1 as a fraction; report percent.
        return 100.0 * (x[:, 0] + self.base_acc)


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
