"""The once-for-all ResNet-50 space (Cai et al., ICLR 2020; OFA's `OFAResNets`): elastic depth
(0-2 extra bottlenecks on the base depths 2, 2, 4, 2, and whether the stem keeps its middle
conv), expand ratio 0.2/0.25/0.35 per bottleneck, width multiplier 0.65/0.8/1.0 for the stem
and each stage, resolution 128-224, as networks.

Shapes: a three-conv 3x3 stem (3 -> c/2 stride 2, c/2 -> c/2, c/2 -> c with c = 64 x width),
3x3/2 max pooling, four stages of bottlenecks (1x1, 3x3 with the stage's stride, 1x1; widths
256, 512, 1024, 2048 x width; the bottleneck is width x expand ratio) whose first block adds an
average-pool + 1x1 conv shortcut when the shape changes, global pooling and the classifier.
Channel counts are rounded to multiples of 8 as OFA does.
"""

from __future__ import annotations

from dataclasses import dataclass

from naas.errors import NaasError
from naas.nas.ofa_mbv3 import make_divisible
from naas.workload.layer import Layer
from naas.workload.network import Network

BASE_DEPTHS = (2, 2, 4, 2)
EXTRA_DEPTHS = (0, 1, 2)
EXPANDS = (0.2, 0.25, 0.35)
WIDTHS = (0.65, 0.8, 1.0)
RESOLUTIONS = tuple(range(128, 225, 4))
STAGE_WIDTHS = (256, 512, 1024, 2048)
BLOCK_SLOTS = sum(b + max(EXTRA_DEPTHS) for b in BASE_DEPTHS)  # 18


@dataclass(frozen=True)
class ResNet50Config:
    """``depths``: 5 values in 0..2 (stem: 2 keeps its middle conv; stages: extra blocks);
    ``expands``: one ratio per block slot (18); ``widths``: 6 multipliers (stem's first two
    convs, stem output, then one per stage); ``resolution``."""

    depths: tuple[int, ...]
    expands: tuple[float, ...]
    widths: tuple[float, ...]
    resolution: int = 224

    def __post_init__(self) -> None:
        if len(self.depths) != 5 or any(d not in EXTRA_DEPTHS for d in self.depths):
            raise NaasError(f"ofa-resnet50 d: give 5 depths from {EXTRA_DEPTHS}")
        if len(self.expands) != BLOCK_SLOTS or any(e not in EXPANDS for e in self.expands):
            raise NaasError(f"ofa-resnet50 e: give {BLOCK_SLOTS} expand ratios from {EXPANDS}")
        if len(self.widths) != 6 or any(w not in WIDTHS for w in self.widths):
            raise NaasError(f"ofa-resnet50 w: give 6 width multipliers from {WIDTHS}")
        if not 32 <= self.resolution <= 512:
            raise NaasError(f"ofa-resnet50 r: resolution {self.resolution} outside 32-512")

    @classmethod
    def largest(cls, resolution: int = 224) -> "ResNet50Config":
        return cls((2,) * 5, (0.35,) * BLOCK_SLOTS, (1.0,) * 6, resolution)


def resnet50_network(config: ResNet50Config, batch: int = 1) -> Network:
    stem_out = make_divisible(64 * config.widths[1])
    stem_mid = make_divisible(make_divisible(64 * config.widths[0]) // 2)
    size = config.resolution
    layers = [Layer.conv2d("stem.conv1", 3, stem_mid, size, 3, stride=2, batch=batch)]
    size = layers[-1].P
    if config.depths[0] == max(EXTRA_DEPTHS):
        layers.append(Layer.conv2d("stem.conv2", stem_mid, stem_mid, size, 3, batch=batch))
    layers.append(Layer.conv2d("stem.conv3", stem_mid, stem_out, size, 3, batch=batch))
    size = (size + 2 - 3) // 2 + 1  # 3x3/2 max pooling, padding 1
    cin, slot = stem_out, 0
    for stage, (base, width) in enumerate(zip(BASE_DEPTHS, STAGE_WIDTHS)):
        cout = make_divisible(width * config.widths[stage + 2])
        for b in range(base + max(EXTRA_DEPTHS)):
            if b < base + config.depths[stage + 1]:
                stride = (1 if stage == 0 else 2) if b == 0 else 1
                mid = make_divisible(round(cout * config.expands[slot]))
                out_size = (size - 1) // stride + 1
                tag = f"stage{stage + 1}.block{b}"
                layers += [
                    Layer.conv2d(f"{tag}.conv1", cin, mid, size, 1, batch=batch),
                    Layer.conv2d(f"{tag}.conv2", mid, mid, size, 3, stride=stride, batch=batch),
                    Layer.conv2d(f"{tag}.conv3", mid, cout, out_size, 1, batch=batch),
                ]
                if stride != 1 or cin != cout:
                    layers.append(Layer.conv2d(f"{tag}.downsample", cin, cout, out_size, 1, batch=batch))
                cin, size = cout, out_size
            slot += 1
    layers.append(Layer.gemm("classifier", batch, cin, 1000))
    return Network.from_layers(f"ofa_resnet50_r{config.resolution}", layers)


#: ResNet-50 itself in this space (He et al. 2016): extra depths 1, 2, 2, 1 on the base 2, 2, 4, 2
#: (the stem keeps its middle conv), expand ratio 0.25, width 1.0 everywhere, 224 px.
RESNET50 = ResNet50Config((2, 1, 2, 2, 1), (0.25,) * BLOCK_SLOTS, (1.0,) * 6, 224)
