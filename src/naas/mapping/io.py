"""Per-layer mappings of a network to and from YAML (one file per network and design).

Format, per layer name: ``spatial`` (one factor per spatial slot of the array, in
``Accelerator.spatial_slots`` order: each axis's parallel dims, then G after C or K), ``temporal`` (per level, the
factors other than 1), ``order`` (per level, dims outermost first as one string), and for an
uneven mapping ``lifts`` (per operand W/I/O, its [L1, L2] lifts; absent: even)."""

from __future__ import annotations

from pathlib import Path

from naas.errors import NaasError, field_error, refuse_unknown_keys
from naas.files import read_yaml, write_yaml_atomic
from naas.mapping.mapping import LEVELS, Mapping
from naas.workload.dims import DIM_INDEX, DIMS, OPERANDS


def mapping_to_dict(mapping: Mapping) -> dict:
    return {
        "spatial": list(mapping.spatial),
        "temporal": {
            level: {d: f for d, f in zip(DIMS, factors) if f != 1}
            for level, factors in zip(LEVELS, mapping.temporal)
        },
        "order": {level: "".join(order) for level, order in zip(LEVELS, mapping.orders)},
        **({"lifts": {op: list(pair) for op, pair in zip(OPERANDS, mapping.lifts)}} if mapping.uneven else {}),
    }


def mapping_from_dict(data: object, where: str) -> Mapping:
    if not isinstance(data, dict) or "temporal" not in data or "spatial" not in data:
        raise field_error(where, "needs 'spatial', 'temporal' and 'order'")
    refuse_unknown_keys(data, ("spatial", "temporal", "order", "lifts"), where)
    for part in ("temporal", "order"):
        if isinstance(data.get(part), dict):
            refuse_unknown_keys(data[part], LEVELS, f"{where} {part}")
    temporal = []
    for level in LEVELS:
        factors = [1] * len(DIMS)
        raw = data["temporal"].get(level) or {}
        if not isinstance(raw, dict):
            raise field_error(f"{where} temporal {level}", "give {dim: factor}")
        for name, factor in raw.items():
            if str(name) not in DIM_INDEX:
                raise field_error(f"{where} temporal {level}", f"unknown dim {name!r}; use {''.join(DIMS)}")
            if not isinstance(factor, int) or factor < 1:
                raise field_error(f"{where} temporal {level} {name}", f"must be a positive integer, got {factor!r}")
            factors[DIM_INDEX[str(name)]] = factor
        temporal.append(tuple(factors))
    orders = []
    raw_order = data.get("order") or {}
    for level in LEVELS:
        order = str(raw_order.get(level, "".join(DIMS)))
        orders.append(tuple(order))
    spatial = data["spatial"]
    if not isinstance(spatial, list) or not all(isinstance(s, int) and s >= 1 for s in spatial):
        raise field_error(f"{where} spatial", "give a list of positive integers, one per spatial slot of the array")
    raw_lifts = data.get("lifts") or {}
    if not isinstance(raw_lifts, dict) or set(raw_lifts) - set(OPERANDS):
        raise field_error(f"{where} lifts", "give {W|I|O: [L1 lift, L2 lift]}")
    lifts = []
    for op in OPERANDS:
        pair = raw_lifts.get(op, [0, 0])
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(n, int) for n in pair)):
            raise field_error(f"{where} lifts {op}", f"give [L1 lift, L2 lift] as two integers, got {pair!r}")
        lifts.append(tuple(pair))
    return Mapping(tuple(temporal), tuple(orders), tuple(spatial), tuple(lifts))


def save_mappings(mappings: dict[str, Mapping], path: str | Path) -> None:
    data = {"layers": {name: mapping_to_dict(m) for name, m in mappings.items()}}
    write_yaml_atomic(path, data)


def load_mappings(path: str | Path) -> dict[str, Mapping]:
    data = read_yaml(path, "mapping")
    if not isinstance(data, dict) or not isinstance(data.get("layers"), dict):
        raise NaasError(f"mapping: {path} needs a 'layers' mapping of layer name -> mapping")
    return {str(name): mapping_from_dict(raw, f"mapping {name}") for name, raw in data["layers"].items()}
