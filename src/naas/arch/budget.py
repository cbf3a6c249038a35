"""Resource budgets (PEs, on-chip bytes, optionally area) and the check of a design against one."""

from __future__ import annotations

from dataclasses import dataclass

from naas.arch.spec import Accelerator
from naas.errors import NaasError, field_error, require_positive_int, require_positive_number


@dataclass(frozen=True)
class Budget:
    name: str
    max_pes: int
    max_onchip_bytes: int
    max_area_mm2: float | None = None

    def __post_init__(self) -> None:
        require_positive_int(self.max_pes, "budget max_pes")
        require_positive_int(self.max_onchip_bytes, "budget max_onchip_bytes")
        if self.max_area_mm2 is not None:
            require_positive_number(self.max_area_mm2, "budget max_area_mm2")

    @classmethod
    def of(cls, arch: Accelerator) -> "Budget":
        """The budget a hand design spends: its PEs and its on-chip bytes."""
        return cls(arch.name, arch.num_pes, arch.onchip_bytes)

    def violation(self, arch: Accelerator) -> str | None:
        """Why ``arch`` exceeds this budget, or None when it fits."""
        if arch.num_pes > self.max_pes:
            return f"{arch.num_pes} PEs > budget {self.max_pes}"
        if arch.onchip_bytes > self.max_onchip_bytes:
            return f"{arch.onchip_bytes} on-chip bytes > budget {self.max_onchip_bytes}"
        if self.max_area_mm2 is not None and arch.area_mm2 > self.max_area_mm2:
            return f"area {arch.area_mm2:.3f} mm^2 > budget {self.max_area_mm2}"
        return None


def parse_budget(text: str) -> Budget:
    """A baseline name ('eyeriss') or 'pes=168,bytes=181248[,area=...]'."""
    from naas.arch.baselines import baseline

    if "=" not in text:
        return Budget.of(baseline(text))
    fields: dict[str, str] = {}
    for part in text.split(","):
        key, _, value = part.partition("=")
        fields[key.strip().lower()] = value.strip()
    unknown = set(fields) - {"pes", "bytes", "area"}
    if unknown or "pes" not in fields or "bytes" not in fields:
        raise NaasError("budget: write a baseline name or 'pes=N,bytes=N[,area=MM2]'")
    try:
        return Budget(
            "custom", int(fields["pes"]), int(float(fields["bytes"])),
            float(fields["area"]) if "area" in fields else None,
        )
    except ValueError:
        raise field_error("budget", f"{text!r} has a non-numeric value") from None
