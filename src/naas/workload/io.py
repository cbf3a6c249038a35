"""Networks to and from YAML (one file per network)."""

from __future__ import annotations

from pathlib import Path

from naas.errors import field_error, refuse_unknown_keys
from naas.files import read_yaml, write_yaml_atomic
from naas.specfields import yaml_keys
from naas.workload.dims import DIMS
from naas.workload.layer import Layer
from naas.workload.network import Network, NetworkLayer


def network_to_dict(network: Network) -> dict:
    layers = []
    for nl in network.layers:
        layer = nl.layer
        layers.append({
            "name": layer.name,
            "dims": {d: getattr(layer, d) for d in DIMS},
            "stride": [layer.stride_h, layer.stride_w],
            "dilation": [layer.dilation_h, layer.dilation_w],
            "repeat": nl.repeat,
        })
    return {"name": network.name, "layers": layers}


def network_from_dict(data: object, source: str = "network") -> Network:
    if not isinstance(data, dict) or "layers" not in data:
        raise field_error(source, "expected a mapping with 'name' and 'layers'")
    refuse_unknown_keys(data, yaml_keys(Network), source)
    raw_layers = data["layers"]
    if not isinstance(raw_layers, list) or not raw_layers:
        raise field_error(f"{source} layers", "must be a non-empty list")
    layers = []
    for i, raw in enumerate(raw_layers):
        where = f"{source} layers[{i}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("dims"), dict):
            raise field_error(where, "each layer needs 'name' and a 'dims' mapping")
        refuse_unknown_keys(raw, yaml_keys(Layer) + yaml_keys(NetworkLayer), where)
        unknown = set(map(str, raw["dims"])) - set(DIMS)
        if unknown:
            raise field_error(f"{where} dims", f"unknown dims {sorted(unknown)}; use {', '.join(DIMS)}")
        stride = _pair(raw.get("stride", 1), f"{where} stride")
        dilation = _pair(raw.get("dilation", 1), f"{where} dilation")
        layer = Layer(
            name=str(raw.get("name", f"layer{i}")),
            **{str(d): size for d, size in raw["dims"].items()},
            stride_h=stride[0], stride_w=stride[1],
            dilation_h=dilation[0], dilation_w=dilation[1],
        )
        layers.append(NetworkLayer(layer, raw.get("repeat", 1)))
    return Network(str(data.get("name", source)), tuple(layers))


def _pair(value: object, where: str) -> tuple[object, object]:
    """(rows, cols) from one number (both) or a list of two; the Layer checks the numbers."""
    if isinstance(value, list):
        if len(value) != 2:
            raise field_error(where, f"give one integer or [rows, cols], got {value!r}")
        return value[0], value[1]
    if isinstance(value, (dict, str)) or value is None:
        raise field_error(where, f"give one integer or [rows, cols], got {value!r}")
    return value, value


def save_network(network: Network, path: str | Path) -> None:
    write_yaml_atomic(path, network_to_dict(network))


def load_network(path: str | Path) -> Network:
    data = read_yaml(path, "network")
    return network_from_dict(data, source=str(path))


def resolve_network(name_or_path: str, batch: int = 1) -> Network:
    """A zoo name, or a path to a network YAML file."""
    from naas.workload.zoo import zoo_network

    if name_or_path.endswith((".yaml", ".yml")) or Path(name_or_path).is_file():
        return load_network(name_or_path)
    return zoo_network(name_or_path, batch=batch)
