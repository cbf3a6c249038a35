"""Workloads: layers as eight-dimension loop nests, networks, the zoo, importers."""

from naas.workload.dims import DIMS, OPERANDS
from naas.workload.io import load_network, resolve_network, save_network
from naas.workload.layer import Layer
from naas.workload.network import Network, NetworkLayer
from naas.workload.onnx_import import network_from_onnx
from naas.workload.torch_import import from_torch, from_torchvision
from naas.workload.zoo import ZOO, zoo_network

__all__ = ["DIMS", "OPERANDS", "Layer", "Network", "NetworkLayer", "ZOO", "zoo_network",
           "load_network", "save_network", "resolve_network", "from_torch", "from_torchvision",
           "network_from_onnx"]
