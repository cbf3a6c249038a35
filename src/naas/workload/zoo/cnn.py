"""Classic convolutional networks: VGG-16, ResNet-18/50, SqueezeNet 1.0 (ImageNet, 224x224)."""

from __future__ import annotations

from naas.workload.layer import Layer
from naas.workload.network import Network


def vgg16(resolution: int = 224, batch: int = 1) -> Network:
    """VGG-16, configuration D of Simonyan & Zisserman, ICLR 2015 (Table 1): 13 3x3 convs, 3 FCs."""
    stages = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
    layers, size, cin = [], resolution, 3
    for stage, (width, convs) in enumerate(stages, start=1):
        for i in range(1, convs + 1):
            layers.append(Layer.conv2d(f"conv{stage}_{i}", cin, width, size, 3, batch=batch))
            cin = width
        size //= 2
    layers += [
        Layer.gemm("fc6", batch, cin * size * size, 4096),
        Layer.gemm("fc7", batch, 4096, 4096),
        Layer.gemm("fc8", batch, 4096, 1000),
    ]
    return Network.from_layers("vgg16", layers)


def _resnet(name: str, blocks: list[int], bottleneck: bool, resolution: int, batch: int) -> Network:
    """He et al., CVPR 2016 (Table 1). The stride-2 of a bottleneck sits on its 3x3 conv
    (torchvision's "v1.5"), so MACs match the torchvision models users import."""
    size = (resolution + 2 * 3 - 7) // 2 + 1
    layers = [Layer.conv2d("conv1", 3, 64, resolution, 7, stride=2, padding=3, batch=batch)]
    size = (size + 2 * 1 - 3) // 2 + 1  # 3x3/2 max pool
    cin = 64
    expansion = 4 if bottleneck else 1
    for stage, count in enumerate(blocks):
        width = 64 * 2**stage
        for b in range(count):
            stride = 2 if (b == 0 and stage > 0) else 1
            tag = f"layer{stage + 1}.{b}"
            out_size = (size - 1) // stride + 1
            if bottleneck:
                layers += [
                    Layer.conv2d(f"{tag}.conv1", cin, width, size, 1, batch=batch),
                    Layer.conv2d(f"{tag}.conv2", width, width, size, 3, stride=stride, batch=batch),
                    Layer.conv2d(f"{tag}.conv3", width, width * 4, out_size, 1, batch=batch),
                ]
            else:
                layers += [
                    Layer.conv2d(f"{tag}.conv1", cin, width, size, 3, stride=stride, batch=batch),
                    Layer.conv2d(f"{tag}.conv2", width, width, out_size, 3, batch=batch),
                ]
            if stride != 1 or cin != width * expansion:
                layers.append(
                    Layer.conv2d(f"{tag}.downsample", cin, width * expansion, size, 1,
                                 stride=stride, batch=batch)
                )
            cin, size = width * expansion, out_size
    layers.append(Layer.gemm("fc", batch, cin, 1000))
    return Network.from_layers(name, layers)


def resnet18(resolution: int = 224, batch: int = 1) -> Network:
    return _resnet("resnet18", [2, 2, 2, 2], False, resolution, batch)


def resnet50(resolution: int = 224, batch: int = 1) -> Network:
    return _resnet("resnet50", [3, 4, 6, 3], True, resolution, batch)


def squeezenet(resolution: int = 224, batch: int = 1) -> Network:
    """SqueezeNet 1.0, Iandola et al., arXiv:1602.07360 (Table 1): conv1 7x7/2 96, eight fire
    modules (squeeze 1x1, expand 1x1 + 3x3), conv10 1x1 1000. Pools are 3x3/2, ceil mode as in
    the reference Caffe model and torchvision."""

    def pool(size: int) -> int:
        return -(-(size - 3) // 2) + 1

    layers = [Layer.conv2d("conv1", 3, 96, resolution, 7, stride=2, padding=0, batch=batch)]
    size = pool((resolution - 7) // 2 + 1)
    cin = 96
    fires = [(16, 64), (16, 64), (32, 128), (32, 128), (48, 192), (48, 192), (64, 256), (64, 256)]
    for i, (squeeze, expand) in enumerate(fires, start=2):
        layers += [
            Layer.conv2d(f"fire{i}.squeeze", cin, squeeze, size, 1, batch=batch),
            Layer.conv2d(f"fire{i}.expand1x1", squeeze, expand, size, 1, batch=batch),
            Layer.conv2d(f"fire{i}.expand3x3", squeeze, expand, size, 3, batch=batch),
        ]
        cin = 2 * expand
        if i in (4, 8):
            size = pool(size)
    layers.append(Layer.conv2d("conv10", cin, 1000, size, 1, batch=batch))
    return Network.from_layers("squeezenet", layers)
