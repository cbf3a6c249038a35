"""Resource budgets (PEs, on-chip bytes, optionally area) and the check of a design against one."""

from __future__ import annotations

from dataclasses import dataclass

from naas.arch.spec import LATENCY_MODELS, NOC_MODELS, Accelerator
from naas.errors import (
    NaasError,
    field_error,
    require_positive_int,
    require_positive_number,
)


@dataclass(frozen=True)
class Budget:
    """What a searched design may spend. The link bandwidths, word width, clock and latency
    model are not searched: a design under a baseline's budget keeps that baseline's (same PEs,
    same SRAM, same bandwidth, costed the same way)."""

    name: str
    max_pes: int
    max_onchip_bytes: int
    max_area_mm2: float | None = None
    noc_words_per_cycle: float = 16.0
    dram_words_per_cycle: float = 8.0
    word_bits: int = 16
    clock_mhz: float = 200.0
    latency_model: str = "roofline"
    hold_operands: bool = False
    noc_model: str = "flat"

    def __post_init__(self) -> None:
        require_positive_int(self.max_pes, "budget max_pes")
        require_positive_int(self.max_onchip_bytes, "budget max_onchip_bytes")
        if self.max_area_mm2 is not None:
            require_positive_number(self.max_area_mm2, "budget max_area_mm2")
        require_positive_number(self.noc_words_per_cycle, "budget noc_words_per_cycle")
        require_positive_number(self.dram_words_per_cycle, "budget dram_words_per_cycle")
        if self.latency_model not in LATENCY_MODELS:
            raise field_error("budget latency_model",
                              f"must be one of {', '.join(LATENCY_MODELS)}, got {self.latency_model!r}")
        if not isinstance(self.hold_operands, bool):
            raise field_error("budget hold_operands", f"must be true or false, got {self.hold_operands!r}")
        if self.noc_model not in NOC_MODELS:
            raise field_error("budget noc_model", f"must be one of {', '.join(NOC_MODELS)}, got {self.noc_model!r}")
        min_bytes = self.max_pes * 3 * self.word_bits // 8 + 16 * 3
        if self.max_onchip_bytes < min_bytes:
            raise field_error(
                "budget max_onchip_bytes",
                f"{self.max_onchip_bytes} B cannot hold one word per operand in each of {self.max_pes} "
                f"PEs plus a global buffer; give at least {min_bytes}",
            )

    @classmethod
    def of(cls, arch: Accelerator) -> "Budget":
        """The budget a hand design spends: its PEs, on-chip bytes, links and clock."""
        return cls(arch.name, arch.num_pes, arch.onchip_bytes, None, arch.noc_words_per_cycle,
                   arch.dram_words_per_cycle, arch.word_bits, arch.clock_mhz, arch.latency_model,
                   arch.hold_operands, arch.noc_model)

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
    """A baseline name ('eyeriss') or 'pes=168,bytes=181248[,area=MM2,noc=W,dram=W]'."""
    from naas.arch.baselines import baseline

    if "=" not in text:
        return Budget.of(baseline(text))
    fields: dict[str, str] = {}
    for part in text.split(","):
        key, _, value = part.partition("=")
        fields[key.strip().lower()] = value.strip()
    unknown = set(fields) - {"pes", "bytes", "area", "noc", "dram"}
    if unknown or "pes" not in fields or "bytes" not in fields:
        raise NaasError("budget: write a baseline name or 'pes=N,bytes=N[,area=MM2,noc=W,dram=W]'")
    try:
        numbers = (int(fields["pes"]), int(float(fields["bytes"])),
                   float(fields["area"]) if "area" in fields else None,
                   float(fields.get("noc", 16.0)), float(fields.get("dram", 8.0)))
    except ValueError:
        raise field_error("budget", f"{text!r} has a non-numeric value") from None
    return Budget("custom", *numbers)
