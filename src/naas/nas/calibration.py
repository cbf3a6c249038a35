"""An accuracy predictor's scale against measured ImageNet top-1: the offset between what it
predicts for once-for-all's specialised, fine-tuned sub-networks and what they measured.

once-for-all publishes those nets (``ofa/ofa_specialized/NAME/{net.config,run.config}`` in
github.com/han-cai/files, the measured top-1 in each NAME). ``specialised_config`` reads one
into the MobileNet-V3 space, ``calibrate`` fits the offset, and ``PUBLISHED_MBV3_CALIBRATION``
is that fit for the published MobileNet-V3 predictor (reproduced by
``python -m benchmarks.calibrate_predictor``; a test holds the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from naas.errors import NaasError
from naas.nas.ofa_mbv3 import MAX_DEPTH, STAGES, MobileNetV3Config


@dataclass(frozen=True)
class Calibration:
    """ImageNet top-1 ~ predicted + ``offset_pct``. Over ``nets`` specialised nets the
    residuals measured - predicted had mean ``offset_pct``, standard deviation ``spread_pct``
    and range [``low_pct``, ``high_pct``]; ``correlation`` is Pearson's r of predicted and
    measured. ``source`` says which nets and which predictor."""

    offset_pct: float
    spread_pct: float
    low_pct: float
    high_pct: float
    correlation: float
    nets: int
    source: str

    def imagenet(self, predicted_pct: float) -> float:
        return predicted_pct + self.offset_pct

    def describe(self, predicted_pct: float) -> str:
        return (f"{predicted_pct:.2f} % predicted ~ {self.imagenet(predicted_pct):.1f} % ImageNet top-1 "
                f"(offset {self.offset_pct:+.2f} +- {self.spread_pct:.2f} points, from {self.source})")


#: The published MobileNet-V3 predictor (acc_predictor.pth, sha256 48685122...) against the ten
#: w1.2 specialised nets of once-for-all (first conv 24 channels: flops-389M/482M/595M,
#: note10_lat-30/41/50/64ms, pixel1_lat-79/132/143ms, fine-tuned 75 epochs), each predicted at
#: the trained resolution nearest its own (224 for all ten). Measured by
#: ``python -m benchmarks.calibrate_predictor`` (2026-12-03).
PUBLISHED_MBV3_CALIBRATION = Calibration(
    offset_pct=-3.4177, spread_pct=0.1547, low_pct=-3.6360, high_pct=-3.2134, correlation=0.9742, nets=10,
    source="once-for-all's 10 specialised MobileNet-V3 w1.2 nets, fine-tuned",
)
#: sha256 of the published MobileNet-V3 predictor file the calibration above belongs to.
PUBLISHED_MBV3_SHA256 = "48685122a3540636b06699af66cd816456b25f29b69563e2fda9bed4018eeba0"


def specialised_config(net_config: dict, image_size: int, resolutions: tuple[int, ...]) -> MobileNetV3Config:
    """A once-for-all ``net.config`` (MobileNetV3) as a configuration of the space, at the
    resolution of ``resolutions`` nearest ``image_size`` (the larger on a tie). Stages are told
    apart by their first block, which has no shortcut (its shape changes); slots a stage's
    depth skips repeat its last block (the predictor ignores them)."""
    try:
        blocks = net_config["blocks"][1:]  # the first block is fixed in the space
        stages: list[list[tuple[int, int]]] = []
        for block in blocks:
            conv = block["mobile_inverted_conv"]
            if block["shortcut"] is None:
                stages.append([])
            stages[-1].append((int(conv["kernel_size"]), int(conv["expand_ratio"])))
    except (KeyError, TypeError, IndexError):
        raise NaasError("calibration: net.config is not a once-for-all MobileNetV3 net") from None
    if len(stages) != STAGES or any(not 1 <= len(s) <= MAX_DEPTH for s in stages):
        raise NaasError(f"calibration: net.config has {len(stages)} stages; the space has {STAGES} of 1-{MAX_DEPTH} blocks")
    kernels, expands = [], []
    for stage in stages:
        for i in range(MAX_DEPTH):
            kernel, expand = stage[min(i, len(stage) - 1)]
            kernels.append(kernel)
            expands.append(expand)
    resolution = min(resolutions, key=lambda r: (abs(r - image_size), -r))
    return MobileNetV3Config(tuple(kernels), tuple(expands), tuple(len(s) for s in stages), resolution)


def calibrate(predicted_pct: np.ndarray, measured_pct: np.ndarray, source: str) -> Calibration:
    """The offset of measured from predicted accuracies, with its spread."""
    predicted, measured = np.asarray(predicted_pct, float), np.asarray(measured_pct, float)
    if predicted.shape != measured.shape or predicted.size < 2:
        raise NaasError("calibration: give at least two nets, each predicted and measured")
    residual = measured - predicted
    return Calibration(round(float(residual.mean()), 4), round(float(residual.std(ddof=1)), 4),
                       round(float(residual.min()), 4), round(float(residual.max()), 4),
                       round(float(np.corrcoef(predicted, measured)[0, 1]), 4), int(predicted.size), source)
