"""Mobile networks built from inverted residual blocks: MobileNet-V2 and MnasNet-A1."""

from __future__ import annotations

from naas.workload.layer import Layer
from naas.workload.network import Network


def inverted_residual(
    tag: str, cin: int, cout: int, size: int, kernel: int, stride: int, expand: int,
    se_ratio: float, batch: int,
) -> tuple[list[Layer], int]:
    """Layers of one MBConv block (expand 1x1, depthwise kxk, optional squeeze-excite, project 1x1)
    and its output size. Squeeze-excite FCs work on the pooled vector (P=Q=1)."""
    hidden = cin * expand
    layers = []
    if expand != 1:
        layers.append(Layer.conv2d(f"{tag}.expand", cin, hidden, size, 1, batch=batch))
    layers.append(
        Layer.conv2d(f"{tag}.depthwise", hidden, hidden, size, kernel, stride=stride,
                     groups=hidden, batch=batch)
    )
    out_size = layers[-1].P
    if se_ratio:
        squeezed = max(1, int(cin * se_ratio))
        layers += [
            Layer.gemm(f"{tag}.se_reduce", batch, hidden, squeezed),
            Layer.gemm(f"{tag}.se_expand", batch, squeezed, hidden),
        ]
    layers.append(Layer.conv2d(f"{tag}.project", hidden, cout, out_size, 1, batch=batch))
    return layers, out_size


def _blocks(
    stem_layers: list[Layer], cin: int, size: int,
    settings: list[tuple[int, int, int, int, int, float]], batch: int,
) -> tuple[list[Layer], int, int]:
    """settings rows: expand, channels, repeats, first stride, kernel, se_ratio."""
    layers = list(stem_layers)
    index = 0
    for expand, cout, repeats, stride, kernel, se in settings:
        for r in range(repeats):
            block, size = inverted_residual(
                f"block{index}", cin, cout, size, kernel, stride if r == 0 else 1, expand, se, batch
            )
            layers += block
            cin, index = cout, index + 1
    return layers, cin, size


def mobilenet_v2(resolution: int = 224, batch: int = 1) -> Network:
    """MobileNet-V2 (width 1.0), Sandler et al., CVPR 2018 (Table 2)."""
    stem = [Layer.conv2d("conv_stem", 3, 32, resolution, 3, stride=2, batch=batch)]
    settings = [
        (1, 16, 1, 1, 3, 0.0), (6, 24, 2, 2, 3, 0.0), (6, 32, 3, 2, 3, 0.0), (6, 64, 4, 2, 3, 0.0),
        (6, 96, 3, 1, 3, 0.0), (6, 160, 3, 2, 3, 0.0), (6, 320, 1, 1, 3, 0.0),
    ]
    layers, cin, size = _blocks(stem, 32, stem[0].P, settings, batch)
    layers += [
        Layer.conv2d("conv_head", cin, 1280, size, 1, batch=batch),
        Layer.gemm("classifier", batch, 1280, 1000),
    ]
    return Network.from_layers("mobilenet_v2", layers)


def mnasnet_a1(resolution: int = 224, batch: int = 1) -> Network:
    """MnasNet-A1, Tan et al., CVPR 2019 (Figure 7): SepConv, then MBConv stages, some with
    squeeze-excite (ratio 0.25 of the block input), then a 1x1 conv to 1280 and the classifier."""
    stem = [Layer.conv2d("conv_stem", 3, 32, resolution, 3, stride=2, batch=batch)]
    size = stem[0].P
    stem += [
        Layer.conv2d("sepconv.depthwise", 32, 32, size, 3, groups=32, batch=batch),
        Layer.conv2d("sepconv.project", 32, 16, size, 1, batch=batch),
    ]
    settings = [
        (6, 24, 2, 2, 3, 0.0), (3, 40, 3, 2, 5, 0.25), (6, 80, 4, 2, 3, 0.0),
        (6, 112, 2, 1, 3, 0.25), (6, 160, 3, 2, 5, 0.25), (6, 320, 1, 1, 3, 0.0),
    ]
    layers, cin, size = _blocks(stem, 16, size, settings, batch)
    layers += [
        Layer.conv2d("conv_head", cin, 1280, size, 1, batch=batch),
        Layer.gemm("classifier", batch, 1280, 1000),
    ]
    return Network.from_layers("mnasnet_a1", layers)
