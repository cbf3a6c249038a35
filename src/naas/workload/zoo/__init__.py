"""The model zoo: networks by name, each built from the shapes in its original paper."""

from __future__ import annotations

from typing import Callable

from naas.errors import NaasError
from naas.workload.network import Network
from naas.workload.zoo.cnn import resnet18, resnet50, squeezenet, vgg16
from naas.workload.zoo.mobile import mnasnet_a1, mobilenet_v2
from naas.workload.zoo.transformer import bert_base_block
from naas.workload.zoo.unet import unet

#: name -> builder(resolution, batch). The first six are the networks of the NAAS paper.
ZOO: dict[str, Callable[..., Network]] = {
    "vgg16": vgg16,
    "resnet50": resnet50,
    "unet": unet,
    "mobilenet_v2": mobilenet_v2,
    "squeezenet": squeezenet,
    "mnasnet_a1": mnasnet_a1,
    "resnet18": resnet18,
    "bert_base_block": bert_base_block,
}

_ALIASES = {"mobilenetv2": "mobilenet_v2", "mbv2": "mobilenet_v2", "mnasnet": "mnasnet_a1",
            "squeezenet1_0": "squeezenet", "bert": "bert_base_block", "vgg": "vgg16"}


def zoo_network(name: str, batch: int = 1) -> Network:
    """A zoo network by name (case-insensitive; '-' and '_' are the same)."""
    key = name.lower().replace("-", "_")
    key = _ALIASES.get(key.replace("_", ""), _ALIASES.get(key, key))
    if key not in ZOO:
        raise NaasError(
            f"network: unknown model {name!r}; choose one of {', '.join(ZOO)} or give a YAML file"
        )
    return ZOO[key](batch=batch)
