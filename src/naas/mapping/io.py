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
from naas.specfields import yaml_keys
from naas.workload.dims import DIM_INDEX, DIMS, OPERANDS
from naas.workload.layer import MAX_DIM


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
    refuse_unknown_keys(data, yaml_keys(Mapping), where)
    for part in ("temporal", "order"):
        if data.get(part) is None:
            continue
        if not isinstance(data[part], dict):
            raise field_error(f"{where} {part}", f"give {{level: ...}} for the levels {', '.join(LEVELS)}")
        refuse_unknown_keys(data[part], LEVELS, f"{where} {part}")
    temporal = []
    for level in LEVELS:
        factors = [1] * len(DIMS)
        raw = (data["temporal"] or {}).get(level) or {}
        if not isinstance(raw, dict):
            raise field_error(f"{where} temporal {level}", "give {dim: factor}")
        for name, factor in raw.items():
            if str(name) not in DIM_INDEX:
                raise field_error(f"{where} temporal {level}", f"unknown dim {name!r}; use {''.join(DIMS)}")
            if not _is_factor(factor):
                raise field_error(f"{where} temporal {level} {name}",
                                  f"must be an integer in [1, 2^24] (a layer dim's range), got {factor!r}")
            factors[DIM_INDEX[str(name)]] = factor
        temporal.append(tuple(factors))
    orders = []
    raw_order = data.get("order") or {}
    for level in LEVELS:
        order = raw_order.get(level, "".join(DIMS))
        if not isinstance(order, str):
            raise field_error(f"{where} order {level}", f"give the dims outermost first as one string such as "
                              f"{''.join(DIMS)}, got {order!r}")
        orders.append(tuple(order))
    spatial = data["spatial"]
    if not isinstance(spatial, list) or not all(_is_factor(s) for s in spatial):
        raise field_error(f"{where} spatial", "give a list of positive integers, one per spatial slot of the array")
    raw_lifts = data.get("lifts") or {}
    if not isinstance(raw_lifts, dict) or set(raw_lifts) - set(OPERANDS):
        raise field_error(f"{where} lifts", "give {W|I|O: [L1 lift, L2 lift]}")
    lifts = []
    for op in OPERANDS:
        pair = raw_lifts.get(op, [0, 0])
        if not (isinstance(pair, list) and len(pair) == 2
                and all(isinstance(n, int) and not isinstance(n, bool) for n in pair)):
            raise field_error(f"{where} lifts {op}", f"give [L1 lift, L2 lift] as two integers, got {pair!r}")
        lifts.append(tuple(pair))
    return Mapping(tuple(temporal), tuple(orders), tuple(spatial), tuple(lifts))


def _is_factor(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_DIM


def save_mappings(mappings: dict[str, Mapping], path: str | Path) -> None:
    data = {"layers": {name: mapping_to_dict(m) for name, m in mappings.items()}}
    write_yaml_atomic(path, data)


def load_mappings(path: str | Path) -> dict[str, Mapping]:
    data = read_yaml(path, "mapping")
    if not isinstance(data, dict) or not isinstance(data.get("layers"), dict):
        raise NaasError(f"mapping: {path} needs a 'layers' mapping of layer name -> mapping")
    return {str(name): mapping_from_dict(raw, f"mapping {name}") for name, raw in data["layers"].items()}
