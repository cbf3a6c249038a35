"""Spec fields declared once: each field's kind, range, unit and meaning, read by the specs'
validation, the YAML loaders' key checks and defaults, and the docs/specs.md tables."""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from dataclasses import dataclass
from typing import Any

from naas.errors import field_error

KINDS = ("int", "number", "bool", "choice", "text", "structured")


@dataclass(frozen=True)
class Spec:
    """How one field is checked and documented. ``kind``: int, number, bool, choice (one of
    ``choices``), text, or structured (a list or mapping its loader parses and checks).
    Numbers lie in [``low``, ``high``], or (``low``, ``high``] with ``low_open``; ``optional``
    fields may also be null. ``key`` is the YAML key where it differs from the field name."""

    kind: str
    doc: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[Any, ...] = ()
    multiple_of: int | None = None
    optional: bool = False
    key: str | None = None

    def __post_init__(self) -> None:
        # a misspelt kind would skip every check of the field it declares
        if self.kind not in KINDS:
            raise ValueError(f"Spec kind {self.kind!r}: use one of {', '.join(KINDS)}")

    def field(self, default: Any = dataclasses.MISSING, **options: Any) -> Any:
        """A dataclass field carrying this spec (a fresh one for each class that declares it);
        ``options`` go to ``dataclasses.field``."""
        return dataclasses.field(default=default, metadata={"spec": self}, **options)

    @property
    def range_text(self) -> str:
        if self.kind == "choice":
            return ", ".join(map(str, self.choices)) + (" or null" if self.optional else "")
        if self.kind not in ("int", "number") or (self.low is None and self.high is None):
            return ""
        low = "-inf" if self.low is None else _number_text(self.low)
        high = "inf" if self.high is None else _number_text(self.high)
        text = f"{'(' if self.low_open else '['}{low}, {high}]"
        return text + (f", a multiple of {self.multiple_of}" if self.multiple_of else "")

    def check(self, value: Any, where: str, key: str = "") -> Any:
        """``value`` checked against this spec (an integral float as an int), or a NaasError
        naming ``where`` (and ``key`` after it, where given) and what the field accepts."""
        if type(value) is int and self.kind in ("int", "number") and self._in_range(value):
            return value  # the common case, before any message is built
        where = f"{where} {key}" if key else where
        if value is None and self.optional:
            return None
        unit = f" {self.unit}" if self.unit else ""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise field_error(where, f"must be true or false, got {value!r}")
            return value
        if self.kind == "choice":
            if isinstance(value, (list, dict)) or value not in self.choices:
                raise field_error(where, f"must be one of {self.range_text}, got {value!r}")
            return value
        if self.kind == "text":
            if not isinstance(value, str) or (not value and not self.optional):
                raise field_error(where, f"must be a non-empty string, got {value!r}")
            return value
        if self.kind not in ("int", "number"):
            return value
        what, given = ("an integer" if self.kind == "int" else "a number"), value
        if isinstance(value, numbers.Real) and not isinstance(value, (int, float)):  # numpy scalars
            value = int(value) if isinstance(value, numbers.Integral) else float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise field_error(where, f"must be {what} in {self.range_text}{unit}, got {value!r}")
        if not math.isfinite(value):
            raise field_error(where, f"must be a finite number in {self.range_text}{unit}, got {value!r}")
        if self.kind == "int":
            if value != int(value):
                raise field_error(where, f"must be an integer in {self.range_text}{unit}, got {value!r}")
            value = int(value)
        if not self._in_range(value):
            raise field_error(where, f"must be in {self.range_text}{unit}, got {given!r}")
        return value

    def _in_range(self, value: float) -> bool:
        low_ok = self.low is None or (value > self.low if self.low_open else value >= self.low)
        high_ok = self.high is None or value <= self.high
        return low_ok and high_ok and not (self.multiple_of and value % self.multiple_of)


def _number_text(x: float) -> str:
    if x == int(x) and abs(x) >= 2**16 and int(x) & (int(x) - 1) == 0:
        return f"2^{int(x).bit_length() - 1}"
    return f"{int(x):,}" if x == int(x) else f"{x:g}"


def _default_text(default: Any) -> str:
    if default is dataclasses.MISSING:
        return "required"
    if default is None:
        return "null"
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float):
        return f"{default:g}"
    if isinstance(default, str):
        return f"`{default}`" if default else '""'
    return str(getattr(default, "name", default))


@functools.cache
def declared(cls: type) -> tuple[tuple[dataclasses.Field, Spec], ...]:
    """The fields of dataclass ``cls`` that carry a Spec, in declaration order."""
    return tuple((f, f.metadata["spec"]) for f in dataclasses.fields(cls) if "spec" in f.metadata)


def yaml_key(f: dataclasses.Field, spec: Spec) -> str:
    return spec.key or f.name


def yaml_keys(cls: type) -> tuple[str, ...]:
    """The top-level YAML keys of ``cls``'s declared fields (``dims.N`` and ``stride[0]`` are
    under ``dims`` and ``stride``), in declaration order, each once."""
    keys = (yaml_key(f, spec).split(".")[0].split("[")[0] for f, spec in declared(cls))
    return tuple(dict.fromkeys(keys))


def check_declared(obj: Any, where: str) -> None:
    """Check (and normalise, for integral floats) every declared field of frozen dataclass
    instance ``obj``; errors name ``where`` and the field's YAML key."""
    for f, spec in declared(type(obj)):
        value = getattr(obj, f.name)
        checked = spec.check(value, where, yaml_key(f, spec))
        if checked is not value:
            object.__setattr__(obj, f.name, checked)


def given_fields(data: dict, cls: type, names: tuple[str, ...]) -> dict:
    """Keyword arguments for ``cls`` from the YAML mapping ``data``: each of the fields
    ``names`` read from its YAML key where given; absent ones keep the class's declared default."""
    keys = {f.name: yaml_key(f, spec) for f, spec in declared(cls)}
    return {name: data[keys[name]] for name in names if keys[name] in data}


def spec_table(cls: type) -> str:
    """The Markdown table docs/specs.md shows for ``cls``: key, kind, default, range, unit, meaning."""
    rows = ["| key | kind | default | range | unit | meaning |", "|---|---|---|---|---|---|"]
    for f, spec in declared(cls):
        default = _default_text(f.default)
        kind = spec.kind + (" or null" if spec.optional and spec.kind != "choice" else "")
        rows.append(f"| `{yaml_key(f, spec)}` | {kind} | {default} | {spec.range_text} | {spec.unit} | "
                    f"{spec.doc} |")
    return "\n".join(rows)
