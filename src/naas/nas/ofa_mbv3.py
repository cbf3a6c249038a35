"""The once-for-all MobileNet-V3 space (Cai et al., ICLR 2020): five stages of elastic depth
2/3/4, per-block kernel 3/5/7 and expand ratio 3/4/6, input resolution 128-224, as networks.

Shapes follow the OFA reference model `ofa_mbv3_d234_e346_k357_w{1.0,1.2}`: a 3x3/2 stem conv,
a fixed 3x3 depthwise-separable first block, five stages of MBConv blocks (stage widths 24, 40,
80, 112, 160 x width multiplier, strides 2, 2, 2, 1, 2, squeeze-excite in stages 2, 4, 5 with
reduction 4 on the expanded channels), a 1x1 conv to 960, global pooling, a 1x1 conv to 1280
and the classifier. Channel counts are rounded to multiples of 8 as OFA does.
"""

from __future__ import annotations

from dataclasses import dataclass

from naas.errors import NaasError
from naas.workload.layer import Layer
from naas.workload.network import Network

KERNELS = (3, 5, 7)
EXPANDS = (3, 4, 6)
DEPTHS = (2, 3, 4)
RESOLUTIONS = tuple(range(128, 225, 4))
STAGES = 5
MAX_DEPTH = 4
_BASE_WIDTHS = (16, 16, 24, 40, 80, 112, 160, 960, 1280)
_STRIDES = (2, 2, 2, 1, 2)
_SE = (False, True, False, True, True)


def make_divisible(value: float, divisor: int = 8) -> int:
    """OFA's (and MobileNet's) channel rounding: nearest multiple of 8, never 10 % below."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


@dataclass(frozen=True)
class MobileNetV3Config:
    """One sub-network: kernel and expand ratio for all 20 block slots (the first ``depths[s]``
    slots of stage s are used), depth per stage, input resolution."""

    kernels: tuple[int, ...]
    expands: tuple[int, ...]
    depths: tuple[int, ...]
    resolution: int = 224
    width: float = 1.2

    def __post_init__(self) -> None:
        slots = STAGES * MAX_DEPTH
        if len(self.kernels) != slots or any(k not in KERNELS for k in self.kernels):
            raise NaasError(f"ofa-mbv3 ks: give {slots} kernel sizes from {KERNELS}")
        if len(self.expands) != slots or any(e not in EXPANDS for e in self.expands):
            raise NaasError(f"ofa-mbv3 e: give {slots} expand ratios from {EXPANDS}")
        if len(self.depths) != STAGES or any(d not in DEPTHS for d in self.depths):
            raise NaasError(f"ofa-mbv3 d: give {STAGES} depths from {DEPTHS}")
        if not 32 <= self.resolution <= 512:
            raise NaasError(f"ofa-mbv3 r: resolution {self.resolution} outside 32-512")

    @classmethod
    def largest(cls, resolution: int = 224, width: float = 1.2) -> "MobileNetV3Config":
        return cls((7,) * 20, (6,) * 20, (4,) * 5, resolution, width)

    @classmethod
    def from_ofa(cls, arch: dict, width: float = 1.2) -> "MobileNetV3Config":
        """OFA's own dict form: {'ks': [...20], 'e': [...20], 'd': [...5], 'r': [res]}."""
        resolution = arch.get("r", [224])
        return cls(tuple(arch["ks"]), tuple(arch["e"]), tuple(arch["d"]),
                   int(resolution[0] if isinstance(resolution, (list, tuple)) else resolution), width)


def mobilenet_v3_network(config: MobileNetV3Config, batch: int = 1) -> Network:
    w = [make_divisible(b * config.width) for b in _BASE_WIDTHS[:-2]]
    final_expand = make_divisible(_BASE_WIDTHS[-2] * config.width)
    last = make_divisible(_BASE_WIDTHS[-1] * config.width)
    size = config.resolution
    layers = [Layer.conv2d("first_conv", 3, w[0], size, 3, stride=2, batch=batch)]
    size = layers[-1].P
    layers += [
        Layer.conv2d("first_block.depthwise", w[0], w[0], size, 3, groups=w[0], batch=batch),
        Layer.conv2d("first_block.project", w[0], w[1], size, 1, batch=batch),
    ]
    cin = w[1]
    for stage in range(STAGES):
        cout = w[stage + 2]
        for b in range(config.depths[stage]):
            slot = stage * MAX_DEPTH + b
            kernel, expand = config.kernels[slot], config.expands[slot]
            stride = _STRIDES[stage] if b == 0 else 1
            hidden = make_divisible(round(cin * expand))
            tag = f"stage{stage + 1}.block{b}"
            layers.append(Layer.conv2d(f"{tag}.expand", cin, hidden, size, 1, batch=batch))
            layers.append(Layer.conv2d(f"{tag}.depthwise", hidden, hidden, size, kernel, stride=stride,
                                       groups=hidden, batch=batch))
            size = layers[-1].P
            if _SE[stage]:
                squeezed = make_divisible(hidden // 4)
                layers += [Layer.gemm(f"{tag}.se_reduce", batch, hidden, squeezed),
                           Layer.gemm(f"{tag}.se_expand", batch, squeezed, hidden)]
            layers.append(Layer.conv2d(f"{tag}.project", hidden, cout, size, 1, batch=batch))
            cin = cout
    layers += [
        Layer.conv2d("final_expand", cin, final_expand, size, 1, batch=batch),
        Layer.gemm("feature_mix", batch, final_expand, last),
        Layer.gemm("classifier", batch, last, 1000),
    ]
    return Network.from_layers(f"ofa_mbv3_r{config.resolution}", layers)
