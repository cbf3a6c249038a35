"""Resource budgets (PEs, on-chip bytes, optionally area) and the check of a design against one."""

from __future__ import annotations

from dataclasses import dataclass

from naas.arch.spec import (
    CLOCK_MHZ,
    DRAM_WORDS,
    HALO_REUSE,
    HOLD_OPERANDS,
    INPUT_MULTICAST,
    LATENCY_MODEL,
    MAX_BYTES,
    MAX_PES,
    NOC_MODEL,
    NOC_WORDS,
    WORD_BITS,
    Accelerator,
)
from naas.errors import NaasError, field_error
from naas.specfields import Spec, check_declared


@dataclass(frozen=True)
class Budget:
    """What a searched design may spend. The link bandwidths, word width, clock and latency
    model are not searched: a design under a baseline's budget keeps that baseline's (same PEs,
    same SRAM, same bandwidth, costed the same way)."""

    name: str = Spec("text", "the budget's name (a baseline's, or custom)").field()
    max_pes: int = Spec("int", "PEs a design may have", "PEs", 1, MAX_PES).field()
    max_onchip_bytes: int = Spec("int", "bytes of all PE buffers plus the global buffer", "B", 1,
                                 MAX_BYTES).field()
    max_area_mm2: float | None = Spec("number", "area a design may take (null: unbounded)", "mm^2", 0, 1e6,
                                      low_open=True, optional=True).field(None)
    noc_words_per_cycle: float = NOC_WORDS.field(16.0)
    dram_words_per_cycle: float = DRAM_WORDS.field(8.0)
    word_bits: int = WORD_BITS.field(16)
    clock_mhz: float = CLOCK_MHZ.field(200.0)
    latency_model: str = LATENCY_MODEL.field("roofline")
    hold_operands: bool = HOLD_OPERANDS.field(False)
    noc_model: str = NOC_MODEL.field("mesh")
    halo_reuse: bool = HALO_REUSE.field(True)
    input_multicast: str = INPUT_MULTICAST.field("distinct")

    def __post_init__(self) -> None:
        check_declared(self, "budget")
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
                   arch.hold_operands, arch.noc_model, arch.halo_reuse, arch.input_multicast)

    def violation(self, arch: Accelerator) -> str | None:
        """Why ``arch`` exceeds this budget, or None when it fits."""
        if arch.num_pes > self.max_pes:
            return f"{arch.num_pes} PEs > budget {self.max_pes}"
        if arch.onchip_bytes > self.max_onchip_bytes:
            return f"{arch.onchip_bytes} on-chip bytes > budget {self.max_onchip_bytes}"
        if self.max_area_mm2 is not None and arch.area_mm2 > self.max_area_mm2:
            return f"area {arch.area_mm2:.3f} mm^2 > budget {self.max_area_mm2}"
        return None


def hand_design(budget: Budget) -> Accelerator | None:
    """The hand design whose budget this is (by name), costed as the budget says (its latency
    model, operand holding, network model, halo reuse and input multicast), or None for a budget of numbers."""
    from dataclasses import replace

    from naas.arch.baselines import BASELINES, baseline

    if budget.name not in BASELINES:
        return None
    return replace(baseline(budget.name), latency_model=budget.latency_model, hold_operands=budget.hold_operands,
                   noc_model=budget.noc_model, halo_reuse=budget.halo_reuse, input_multicast=budget.input_multicast)


def search_axes(hand: Accelerator | None, max_axes: int | None = None) -> int:
    """``max_axes`` if given, else 2 or the hand design's axis count if larger, so that the
    searched space contains the hand design."""
    return max_axes or max(2, len(hand.axes) if hand else 2)


#: --budget's short keys and the Budget fields they set
BUDGET_KEYS = {"pes": "max_pes", "bytes": "max_onchip_bytes", "area": "max_area_mm2", "noc": "noc_words_per_cycle",
               "dram": "dram_words_per_cycle"}


def parse_budget(text: str) -> Budget:
    """A baseline name ('eyeriss') or 'pes=168,bytes=181248[,area=MM2,noc=W,dram=W]'."""
    from naas.arch.baselines import baseline

    if "=" not in text:
        return Budget.of(baseline(text))
    fields: dict[str, float] = {}
    for part in text.split(","):
        key, _, value = part.partition("=")
        key = key.strip().lower()
        if key not in BUDGET_KEYS:
            raise NaasError(f"budget: unknown key {key!r} in {text!r}; write a baseline name or "
                            "'pes=N,bytes=N[,area=MM2,noc=W,dram=W]'")
        if key in fields:
            raise field_error(f"budget {key}", f"given twice in {text!r}; give it once")
        try:
            fields[key] = float(value)
        except ValueError:
            raise field_error(f"budget {key}", f"{value.strip()!r} is not a number") from None
    for key in ("pes", "bytes"):
        if key not in fields:
            raise field_error(f"budget {key}", "missing; write 'pes=N,bytes=N[,area=MM2,noc=W,dram=W]'")
    return Budget("custom", **{BUDGET_KEYS[k]: v for k, v in fields.items()})
