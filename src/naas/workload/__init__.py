"""Workloads: layers as eight-dimension loop nests, networks, the zoo, their YAML (the ONNX and
PyTorch importers live in ``naas.interop``)."""

from naas.workload.dims import DIMS, OPERANDS
from naas.workload.io import load_network, resolve_network, save_network
from naas.workload.layer import Layer
from naas.workload.network import Network, NetworkLayer
from naas.workload.zoo import ZOO, zoo_network

__all__ = ["DIMS", "OPERANDS", "Layer", "Network", "NetworkLayer", "ZOO", "zoo_network",
           "load_network", "save_network", "resolve_network"]
