"""Accelerator specs to and from YAML (validated on load)."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict
from pathlib import Path

from naas.arch.spec import Accelerator, ArrayAxis, OperandBytes
from naas.arch.technology import TECHNOLOGIES, Technology
from naas.errors import NaasError, field_error, refuse_unknown_keys
from naas.files import read_yaml, write_yaml_atomic
from naas.specfields import given_fields, yaml_keys

_REQUIRED = ("name", "array", "pe_buffers_bytes", "global_buffer")
#: the top-level scalars, read as declared on Accelerator (absent: its default)
_SCALARS = ("noc_words_per_cycle", "dram_words_per_cycle", "word_bits", "clock_mhz", "systolic", "latency_model",
            "hold_operands", "noc_model", "halo_reuse", "input_multicast")


def technology_to_dict(tech: Technology) -> dict:
    data = asdict(tech)
    data["sram_energy_points"] = [list(p) for p in tech.sram_energy_points]
    return data


def accelerator_to_dict(arch: Accelerator) -> dict:
    gb: dict = {"bytes": arch.l2_bytes}
    if arch.l2_partition is not None:
        gb["partition"] = dict(zip("WIO", arch.l2_partition.as_tuple()))
    tech = arch.technology
    return {
        "name": arch.name,
        "source": arch.source,
        "array": [{"size": a.size, "parallel_dims": list(a.parallel_dims)}
                  | ({} if a.link_words_per_cycle is None else {"link_words_per_cycle": a.link_words_per_cycle})
                  for a in arch.axes],
        "pe_buffers_bytes": dict(zip("WIO", arch.l1_bytes.as_tuple())),
        "global_buffer": gb,
        "noc_words_per_cycle": arch.noc_words_per_cycle,
        "dram_words_per_cycle": arch.dram_words_per_cycle,
        "word_bits": arch.word_bits,
        "clock_mhz": arch.clock_mhz,
        "systolic": arch.systolic,
        "latency_model": arch.latency_model,
        "hold_operands": arch.hold_operands,
        "noc_model": arch.noc_model,
        "halo_reuse": arch.halo_reuse,
        "input_multicast": arch.input_multicast,
        "technology": tech.name if TECHNOLOGIES.get(tech.name) == tech else technology_to_dict(tech),
    }


def _operand_bytes(raw: object, where: str) -> OperandBytes:
    if not isinstance(raw, dict) or set(raw) != {"W", "I", "O"}:
        raise field_error(where, "give bytes for exactly W, I and O, e.g. {W: 448, I: 24, O: 48}")
    return OperandBytes(W=raw["W"], I=raw["I"], O=raw["O"])


def _technology(raw: object) -> Technology:
    if raw is None:
        return TECHNOLOGIES["horowitz_45nm"]
    if isinstance(raw, str):
        if raw not in TECHNOLOGIES:
            raise field_error("technology", f"unknown table {raw!r}; use {', '.join(TECHNOLOGIES)} or inline one")
        return TECHNOLOGIES[raw]
    if not isinstance(raw, dict):
        raise field_error("technology", "give a table name or a mapping of its fields")
    known = tuple(f.name for f in dataclasses.fields(Technology))
    refuse_unknown_keys(raw, known, "technology")
    points = raw.get("sram_energy_points")
    if not isinstance(points, list) or not all(isinstance(p, list) and len(p) == 2 for p in points):
        raise field_error("technology sram_energy_points", "give a list of [size_bytes, pJ] pairs")
    try:
        return Technology(**(raw | {"sram_energy_points": tuple(tuple(p) for p in points)}))
    except TypeError as exc:
        raise field_error("technology", f"incomplete table ({exc}); give every field of docs/technology.md") from None


def _array_axis(axis: dict, where: str) -> ArrayAxis:
    """An axis from ``{size, parallel_dims: [R, K, C]}``; ``parallel_dim: K`` is the one-dim form."""
    refuse_unknown_keys(axis, yaml_keys(ArrayAxis) + ("parallel_dim",), where)
    if "size" not in axis or ("parallel_dims" in axis) == ("parallel_dim" in axis):
        raise field_error(where, "needs 'size' and one of 'parallel_dims' (a list) or 'parallel_dim'")
    dims = axis.get("parallel_dims", [axis.get("parallel_dim")])
    if not isinstance(dims, list) or not all(isinstance(d, str) for d in dims):
        raise field_error(f"{where} parallel_dims", f"give a list of dim names such as [R, K, C], got {dims!r}")
    try:
        return ArrayAxis(axis["size"], tuple(d.upper() for d in dims), axis.get("link_words_per_cycle"))
    except NaasError as exc:
        raise NaasError(f"{where}: {exc}") from None


def accelerator_from_dict(data: object, source: str = "arch") -> Accelerator:
    if not isinstance(data, dict):
        raise NaasError(f"{source}: expected a mapping with fields {', '.join(_REQUIRED)}")
    refuse_unknown_keys(data, yaml_keys(Accelerator), source)
    for key in _REQUIRED:
        if key not in data:
            raise field_error(f"{source} {key}", "missing; see docs/specs.md for the format")
    array = data["array"]
    if not isinstance(array, list) or not all(isinstance(a, dict) for a in array):
        raise field_error(f"{source} array", "give a list of {size, parallel_dims} axes")
    axes = tuple(_array_axis(axis, f"{source} array[{i}]") for i, axis in enumerate(array))
    gb = data["global_buffer"]
    if not isinstance(gb, dict) or "bytes" not in gb:
        raise field_error(f"{source} global_buffer", "needs 'bytes' (and optionally 'partition')")
    refuse_unknown_keys(gb, ("bytes", "partition"), f"{source} global_buffer")
    partition = gb.get("partition")
    return Accelerator(
        name=str(data["name"]),
        axes=axes,
        l1_bytes=_operand_bytes(data["pe_buffers_bytes"], f"{source} pe_buffers_bytes"),
        l2_bytes=gb["bytes"],
        l2_partition=None if partition is None else _operand_bytes(partition, f"{source} global_buffer partition"),
        technology=_technology(data.get("technology")),
        **given_fields(data, Accelerator, _SCALARS),
        source=str(data.get("source", "")),
    )


def save_accelerator(arch: Accelerator, path: str | Path) -> None:
    write_yaml_atomic(path, accelerator_to_dict(arch))


def load_accelerator(path: str | Path) -> Accelerator:
    data = read_yaml(path, "arch")
    return accelerator_from_dict(data, source=str(path))


def resolve_accelerator(name_or_path: str) -> Accelerator:
    """A baseline name, or a path to an accelerator YAML file."""
    from naas.arch.baselines import baseline

    if name_or_path.endswith((".yaml", ".yml")) or Path(name_or_path).is_file():
        return load_accelerator(name_or_path)
    return baseline(name_or_path)
