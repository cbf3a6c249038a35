"""A network: an ordered list of named layers, each with a repeat count."""

from __future__ import annotations

from dataclasses import dataclass

from naas.errors import NaasError
from naas.specfields import Spec, check_declared
from naas.workload.layer import Layer


@dataclass(frozen=True)
class NetworkLayer:
    """A layer of a network and how many times it runs per inference (identical blocks)."""

    layer: Layer
    repeat: int = Spec("int", "how many times the layer runs per inference (identical blocks)", "", 1,
                       2**20).field(1)

    def __post_init__(self) -> None:
        check_declared(self, f"layer {self.layer.name!r}")


@dataclass(frozen=True)
class Network:
    name: str = Spec("text", "the network's name (absent in a file: the file's name)").field()
    layers: tuple[NetworkLayer, ...] = Spec("structured", "the layers in order, each a layer (table above) and its "
                                            "repeat").field()

    def __post_init__(self) -> None:
        check_declared(self, "network")
        if not self.layers:
            raise NaasError(f"network {self.name!r} layers: no layers; give at least one")

    @classmethod
    def from_layers(cls, name: str, layers: list[Layer]) -> "Network":
        """Merge layers of identical shape into one entry with a repeat count, keeping first names."""
        merged: dict[tuple, list] = {}
        for layer in layers:
            key = layer.shape
            if key in merged:
                merged[key][1] += 1
            else:
                merged[key] = [layer, 1]
        return cls(name, tuple(NetworkLayer(layer, n) for layer, n in merged.values()))

    @property
    def macs(self) -> int:
        return sum(nl.layer.macs * nl.repeat for nl in self.layers)

    @property
    def weight_count(self) -> int:
        return sum(nl.layer.weight_count * nl.repeat for nl in self.layers)

    @property
    def layer_count(self) -> int:
        """Layers counted with their repeats (what a framework would list)."""
        return sum(nl.repeat for nl in self.layers)
