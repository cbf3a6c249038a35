"""U-Net, Ronneberger et al., MICCAI 2015 (Figure 1): 572x572 input, unpadded 3x3 convs."""

from __future__ import annotations

from naas.workload.layer import Layer
from naas.workload.network import Network


def unet(resolution: int = 572, batch: int = 1) -> Network:
    """23 conv layers: 18 unpadded 3x3 convs, 4 2x2 up-convolutions and a final 1x1 conv to 2
    classes. An up-convolution (transposed 2x2, stride 2) from C to K channels on an HxW map is
    modelled exactly as the GEMM it is: K*4 outputs per input pixel, C-deep, over HxW — the same
    MACs, weights, inputs and outputs as the transposed conv."""
    layers: list[Layer] = []
    size, cin = resolution, 1
    for level, width in enumerate([64, 128, 256, 512, 1024]):
        for i in (1, 2):
            layers.append(Layer.conv2d(f"down{level}.conv{i}", cin, width, size, 3, padding=0,
                                       batch=batch))
            cin, size = width, size - 2
        if level < 4:
            size //= 2
    for level, width in enumerate([512, 256, 128, 64]):
        layers.append(Layer(f"up{level}.upconv", N=batch, K=4 * width, C=cin, P=size, Q=size))
        size *= 2
        cin = 2 * width  # concatenated with the cropped skip connection
        for i in (1, 2):
            layers.append(Layer.conv2d(f"up{level}.conv{i}", cin, width, size, 3, padding=0,
                                       batch=batch))
            cin, size = width, size - 2
    layers.append(Layer.conv2d("head", cin, 2, size, 1, batch=batch))
    return Network.from_layers("unet", layers)
