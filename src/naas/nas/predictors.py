"""Accuracy predictors: a network configuration -> predicted top-1 (%).

* ``OFAMLPPredictor``: once-for-all's accuracy predictors (3-layer MLPs), read from their torch
  files without torch (``naas.nas.state_dict``), evaluated with numpy:
  - the published MobileNet-V3 one (the OFA tutorial's ``AccuracyPredictor``): an
    ``nn.Sequential`` of Linear(128, 400), ReLU, two more Linear(400, 400)+ReLU, Linear(400, 1)
    over 60 kernel one-hots, 60 expand-ratio one-hots (zeros for block slots a stage's depth
    skips) and 8 resolution one-hots ((r - 112) // 16); trained on resolutions 160-224 in steps
    of 16 (the tutorial's ``ArchManager.resolutions``), which a search using it keeps to;
  - ``ofa.nas.accuracy_predictor.AccuracyPredictor`` state dicts (``layers.*``, ``base_acc``)
    over ``MobileNetArchEncoder`` (resolution first, then kernels and expand ratios) or
    ``ResNetArchEncoder`` (82 inputs: 8 resolutions, the stem's depth, 6 width multipliers, 18
    expand ratios), the published ResNet-50 one among them.
  Both output top-1 as a fraction; naas reports percent. Their figures are the predictor's,
  not measured ImageNet accuracy.
* ``TablePredictor``: exact look-ups in a user table.
* ``CallablePredictor``: any ``module:function`` taking a configuration.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import urllib.request
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from naas.errors import NaasError
from naas.nas import ofa_resnet50
from naas.nas.calibration import PUBLISHED_MBV3_CALIBRATION, PUBLISHED_MBV3_SHA256, Calibration
from naas.nas.ofa_mbv3 import EXPANDS, KERNELS, MAX_DEPTH, RESOLUTIONS, STAGES, MobileNetV3Config
from naas.nas.state_dict import load_state_dict

#: Where once-for-all's own code downloads each space's published predictor, and the name it
#: is cached under (``fetch_published_predictor``).
PUBLISHED_PREDICTORS = {
    "ofa-mbv3": ("https://raw.githubusercontent.com/han-cai/files/master/ofa/acc_predictor.pth",
                 "ofa_acc_predictor.pth"),
    "ofa-resnet50": ("https://raw.githubusercontent.com/han-cai/files/master/ofa/ofa_resnet50_acc_predictor.pth",
                     "ofa_resnet50_acc_predictor.pth"),
}
#: The resolutions the published MobileNet-V3 predictor was trained on (the OFA tutorial's
#: ``ArchManager.resolutions``); its encoding has slots for 112-224 in steps of 16.
TUTORIAL_RESOLUTIONS = (160, 176, 192, 208, 224)
#: ``ResNetArchEncoder``'s resolutions for the published ResNet-50 predictor (OFA README).
RESNET50_RESOLUTIONS = (128, 144, 160, 176, 192, 224, 240, 256)
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


def _resolution_one_hot(resolution: int, resolutions: tuple[int, ...]) -> np.ndarray:
    if resolution not in resolutions:
        raise NaasError(f"predictor: resolution {resolution} is not one of the predictor's {resolutions}")
    one_hot = np.zeros(len(resolutions))
    one_hot[resolutions.index(resolution)] = 1
    return one_hot


def encoder_features(config: MobileNetV3Config, resolutions: tuple[int, ...] = RESOLUTIONS) -> np.ndarray:
    """ofa.nas's MobileNetArchEncoder layout: resolution one-hot first, then kernels, expands."""
    kernels, expands = _block_one_hots(config)
    return np.concatenate([_resolution_one_hot(config.resolution, resolutions), kernels, expands])


def resnet50_features(config: ofa_resnet50.ResNet50Config,
                      resolutions: tuple[int, ...] = RESNET50_RESOLUTIONS) -> np.ndarray:
    """ofa.nas's ResNetArchEncoder layout: resolution one-hot; the stem one-hot (index 1 where
    its depth is above 0); per width slot (2 stem convs, stem output, 4 stages) a one-hot of the
    multiplier; per block slot (4, 4, 6, 4 per stage) a one-hot of the expand ratio, zeros for
    slots beyond the stage's depth."""
    stem = np.zeros(2)
    stem[1 if config.depths[0] > 0 else 0] = 1
    widths = np.zeros(6 * len(ofa_resnet50.WIDTHS))
    for i, w in enumerate(config.widths):
        widths[i * len(ofa_resnet50.WIDTHS) + ofa_resnet50.WIDTHS.index(w)] = 1
    expands = np.zeros(ofa_resnet50.BLOCK_SLOTS * len(ofa_resnet50.EXPANDS))
    start = 0
    for stage, base in enumerate(ofa_resnet50.BASE_DEPTHS):
        for slot in range(start, start + base + config.depths[stage + 1]):
            expands[slot * len(ofa_resnet50.EXPANDS) + ofa_resnet50.EXPANDS.index(config.expands[slot])] = 1
        start += base + max(ofa_resnet50.EXTRA_DEPTHS)
    return np.concatenate([_resolution_one_hot(config.resolution, resolutions), stem, widths, expands])


_MBV3_BLOCK_INPUTS = _SLOTS * (len(KERNELS) + len(EXPANDS))
_RESNET50_OTHER_INPUTS = 2 + 6 * len(ofa_resnet50.WIDTHS) + ofa_resnet50.BLOCK_SLOTS * len(ofa_resnet50.EXPANDS)


class OFAMLPPredictor:
    """``space`` is the network space its configurations come from; ``resolutions`` the grid a
    search using it keeps to (those it was trained on); ``calibration`` its offset to measured
    ImageNet top-1 where one is known (the published MobileNet-V3 file), else None."""

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray | None]], base_acc: float,
                 features: Callable[[object], np.ndarray], source: str, space: str = "ofa-mbv3",
                 resolutions: tuple[int, ...] = RESOLUTIONS, calibration: Calibration | None = None):
        # the files hold float32; numpy would widen them to the features' float64 on every call
        self.weights = [(w.astype(np.float64), None if b is None else b.astype(np.float64)) for w, b in weights]
        self.base_acc, self.features, self.source = base_acc, features, source
        self.space, self.resolutions, self.calibration = space, resolutions, calibration

    @classmethod
    def load(cls, path: str | Path) -> "OFAMLPPredictor":
        state = load_state_dict(path)
        try:
            if "0.weight" in state:  # the published tutorial predictor: nn.Sequential
                linear = sorted(int(k.split(".")[0]) for k in state if k.endswith(".weight"))
                weights = [(state[f"{i}.weight"], state[f"{i}.bias"]) for i in linear]
                if weights[0][0].shape[1] != _MBV3_BLOCK_INPUTS + 8:
                    raise NaasError(f"predictor: {path} has {weights[0][0].shape[1]} inputs; the published "
                                    f"MobileNet-V3 format has {_MBV3_BLOCK_INPUTS + 8}")
                published = hashlib.sha256(Path(path).read_bytes()).hexdigest() == PUBLISHED_MBV3_SHA256
                return cls(weights, 0.0, published_features, str(path), "ofa-mbv3", TUTORIAL_RESOLUTIONS,
                           PUBLISHED_MBV3_CALIBRATION if published else None)
            hidden = sorted({int(k.split(".")[1]) for k in state if k.startswith("layers.") and k.endswith(".0.weight")})
            weights = [(state[f"layers.{i}.0.weight"], state[f"layers.{i}.0.bias"]) for i in hidden]
            weights.append((state[f"layers.{len(hidden)}.weight"], None))
            base = float(np.asarray(state["base_acc"]).reshape(-1)[0])
        except (KeyError, IndexError, ValueError):
            raise NaasError(f"predictor: {path} is in none of once-for-all's predictor formats") from None
        inputs = weights[0][0].shape[1]
        if inputs == _RESNET50_OTHER_INPUTS + len(RESNET50_RESOLUTIONS):
            return cls(weights, base, resnet50_features, str(path), "ofa-resnet50", RESNET50_RESOLUTIONS)
        n_resolutions = inputs - _MBV3_BLOCK_INPUTS
        resolutions = {len(RESOLUTIONS): RESOLUTIONS, 1: (224,)}.get(n_resolutions)
        if resolutions is None:
            raise NaasError(f"predictor: {path} takes {inputs} inputs, which matches neither once-for-all's "
                            f"MobileNet-V3 encoder (120 + 25 or 1 resolutions) nor its ResNet-50 encoder "
                            f"({_RESNET50_OTHER_INPUTS + len(RESNET50_RESOLUTIONS)})")
        return cls(weights, base, lambda c: encoder_features(c, resolutions), str(path), "ofa-mbv3", resolutions)

    def predict(self, configs: list) -> np.ndarray:
        wanted = MobileNetV3Config if self.space == "ofa-mbv3" else ofa_resnet50.ResNet50Config
        if not all(isinstance(c, wanted) for c in configs):
            raise NaasError(f"predictor: {self.source} is a {self.space} predictor; search with --space {self.space} "
                            "or give a predictor of this space")
        x = np.stack([self.features(c) for c in configs])
        for weight, bias in self.weights[:-1]:
            x = np.maximum(x @ weight.T + bias, 0.0)
        weight, bias = self.weights[-1]
        x = x @ weight.T + (0.0 if bias is None else bias)
        return 100.0 * (x[:, 0] + self.base_acc)


def predictor_cache_dir() -> Path:
    """Where fetched predictors are kept: $XDG_CACHE_HOME/naas (default ~/.cache/naas). Copy a
    published file there under its cache name (``PUBLISHED_PREDICTORS``) to work offline."""
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "naas"


def fetch_published_predictor(cache_dir: str | Path | None = None, space: str = "ofa-mbv3") -> Path:
    """The published predictor file of ``space``, downloaded once into the cache."""
    if space not in PUBLISHED_PREDICTORS:
        raise NaasError(f"predictor: no published predictor for space {space!r}; choose one of "
                        f"{', '.join(PUBLISHED_PREDICTORS)}")
    url, name = PUBLISHED_PREDICTORS[space]
    cache = Path(cache_dir) if cache_dir else predictor_cache_dir()
    target = cache / name
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                partial.write_bytes(response.read())
        except OSError as exc:
            raise NaasError(f"predictor: cannot fetch {url} ({exc}); download it by hand to {target} "
                            f"or pass --predictor FILE") from None
        partial.replace(target)
    return target


def config_key(config) -> tuple:
    """A configuration's field values, in order, as a hashable table key."""
    return tuple(tuple(v) if isinstance(v, (list, tuple)) else v for v in vars(config).values())


class TablePredictor:
    """Accuracies listed per configuration, keyed by ``config_key``."""

    def __init__(self, table: dict[tuple, float]):
        self.table = table

    @classmethod
    def load(cls, path: str | Path, space: str = "ofa-mbv3") -> "TablePredictor":
        """A YAML list of measured accuracies, one row per configuration of ``space``: ``{ks, e,
        d, r, top1}`` (ofa-mbv3) or ``{d, e, w, r, top1}`` (ofa-resnet50)."""
        from naas.files import read_yaml

        rows = read_yaml(path, "accuracy table")
        fields = "ks, e, d, r" if space == "ofa-mbv3" else "d, e, w, r"
        if not isinstance(rows, list):
            raise NaasError(f"accuracy table: give a list of {{{fields}, top1}} rows")
        table = {}
        try:
            for r in rows:
                config = (MobileNetV3Config(tuple(r["ks"]), tuple(r["e"]), tuple(r["d"]), int(r["r"]))
                          if space == "ofa-mbv3" else
                          ofa_resnet50.ResNet50Config(tuple(r["d"]), tuple(r["e"]), tuple(r["w"]), int(r["r"])))
                table[config_key(config)] = float(r["top1"])
        except (KeyError, TypeError, ValueError):
            raise NaasError(f"accuracy table: every row needs {fields} and top1") from None
        return cls(table)

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
