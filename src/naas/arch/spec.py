"""The accelerator template of DESIGN.md as an immutable, validated spec."""

from __future__ import annotations

from dataclasses import dataclass, field

from naas.arch.technology import HOROWITZ_45NM, Technology
from naas.errors import field_error, require_positive_int, require_positive_number
from naas.workload.dims import DIM_INDEX, DIMS, OPERANDS

#: How memory traffic delays compute; see ``Accelerator``.
LATENCY_MODELS = ("roofline", "ports")
#: How the on-chip network between the global buffer and the PEs is priced; see ``Accelerator``.
NOC_MODELS = ("flat", "mesh")


#: Dims that share a channel network: a depthwise layer's channels are its groups G (C = K =
#: 1), so an axis wired to spread C or K over its PEs spreads G the same way.
CHANNEL_DIMS = ("C", "K")


@dataclass(frozen=True)
class ArrayAxis:
    """One axis of the PE array: its size in PEs and the loop dims it may unroll. A mapping
    gives each of them a spatial factor, and their product is at most ``size``: several dims
    per axis are how the hand designs fill their arrays (Eyeriss's replication of filter rows,
    filters and channels along its 12 rows; Timeloop's several spatial factors per level;
    MAESTRO's Cluster directive). A string of dim letters ("RKC") stands for the tuple.

    ``link_words_per_cycle``: words per cycle each link along this axis carries, per operand
    network, when the network is a mesh (``noc_model: mesh``); None (default) leaves the axis'
    links unbounded, so only the array link ``noc_words_per_cycle`` limits delivery."""

    size: int
    parallel_dims: tuple[str, ...]
    link_words_per_cycle: float | None = None

    def __post_init__(self) -> None:
        require_positive_int(self.size, "array axis size")
        if isinstance(self.parallel_dims, str):
            object.__setattr__(self, "parallel_dims", tuple(self.parallel_dims))
        dims = self.parallel_dims
        if not isinstance(dims, tuple) or not dims:
            raise field_error("array axis parallel_dims", f"give a non-empty list of dims from {', '.join(DIMS)}, "
                              f"got {dims!r}")
        for d in dims:
            if d not in DIM_INDEX:
                raise field_error("array axis parallel_dims", f"unknown dimension {d!r}; use one of {', '.join(DIMS)}")
        if len(set(dims)) != len(dims):
            raise field_error("array axis parallel_dims", f"{''.join(dims)} repeats a dim; list each once")
        if self.link_words_per_cycle is not None:
            require_positive_number(self.link_words_per_cycle, "array axis link_words_per_cycle")

    @property
    def unrolled_dims(self) -> tuple[str, ...]:
        """The parallel dims, with G after them where a channel dim is parallel (CHANNEL_DIMS)."""
        if "G" in self.parallel_dims or not set(CHANNEL_DIMS) & set(self.parallel_dims):
            return self.parallel_dims
        return self.parallel_dims + ("G",)

    @property
    def link_width(self) -> float:
        """``link_words_per_cycle``, inf where the links are unbounded."""
        return float("inf") if self.link_words_per_cycle is None else self.link_words_per_cycle

    @property
    def label(self) -> str:
        """'RKC12': the parallel dims and the size."""
        return f"{''.join(self.parallel_dims)}{self.size}"


@dataclass(frozen=True)
class OperandBytes:
    """A size in bytes for each operand: weights W, inputs I, outputs/partial sums O."""

    W: int
    I: int  # noqa: E741 - the field's name is the operand's
    O: int  # noqa: E741

    def __post_init__(self) -> None:
        for op in OPERANDS:
            require_positive_int(getattr(self, op), f"buffer bytes {op}")

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.W, self.I, self.O)

    @property
    def total(self) -> int:
        return self.W + self.I + self.O


@dataclass(frozen=True)
class Accelerator:
    """PE array + per-PE L1 buffers + global buffer (L2) + DRAM, with a technology table.

    ``l2_partition`` None means a unified global buffer of ``l2_bytes`` shared by all operands;
    otherwise each operand has its own part, and the parts sum to ``l2_bytes``.
    ``systolic`` names the operand a systolic array keeps in its PEs ('W' weight-, 'I' input-,
    'O' output-stationary); such an array pays a pipeline fill and drain per fold of that
    operand. None is a broadcast array, which pays none.

    ``latency_model`` says how memory traffic delays compute (docs/cost-model.md): "roofline"
    (default) takes the slowest of compute and the two links, as if every refill overlapped
    compute and words of all operands shared each link cycle; "ports" gives every memory one
    read and one write port (DRAM one for both; a global-buffer port as wide as
    ``noc_words_per_cycle``, each part of a partitioned buffer a third of it; per-PE registers
    one word), charges each operand's transfer whole port cycles, and lets a refill overlap
    compute only where the buffer has room for a second tile, stalling otherwise (ZigZag's
    model: Mei et al., IEEE TC 2021).

    ``hold_operands`` says whether each MAC keeps its weight and input words on its input
    latches while consecutive cycles use the same word, so a PE's L1 is read once per run of
    the same word instead of once per MAC (ZigZag's default, access_same_data_considered_as_no_
    access; Timeloop and the default here read every MAC).

    ``noc_model`` prices the network between the global buffer and the PEs (docs/cost-model.md):
    "flat" (default) charges every word delivered to a PE the technology's
    ``noc_energy_pj_per_word``, multicast and spatial reduction free; "mesh" charges the wire
    each word crosses, PE pitch by PE pitch along every axis (a multicast spans its
    destinations, a unicast travels to its PE, partial sums reduced along an axis pay an add
    per hop), with the pitch taken from the area of a PE and its L1 buffers.
    """

    name: str
    axes: tuple[ArrayAxis, ...]
    l1_bytes: OperandBytes
    l2_bytes: int
    l2_partition: OperandBytes | None = None
    noc_words_per_cycle: float = 16.0
    dram_words_per_cycle: float = 8.0
    word_bits: int = 16
    clock_mhz: float = 200.0
    systolic: str | None = None
    latency_model: str = "roofline"
    hold_operands: bool = False
    noc_model: str = "flat"
    technology: Technology = HOROWITZ_45NM
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise field_error("arch name", "must be a non-empty string")
        if not 1 <= len(self.axes) <= 4:
            raise field_error("arch array", f"give 1 to 4 axes, got {len(self.axes)}")
        require_positive_int(self.l2_bytes, "arch global_buffer bytes")
        require_positive_number(self.noc_words_per_cycle, "arch noc_words_per_cycle")
        require_positive_number(self.dram_words_per_cycle, "arch dram_words_per_cycle")
        require_positive_int(self.word_bits, "arch word_bits")
        if self.word_bits % 8:
            raise field_error("arch word_bits", f"must be a multiple of 8, got {self.word_bits}")
        require_positive_number(self.clock_mhz, "arch clock_mhz")
        if self.systolic is not None and self.systolic not in OPERANDS:
            raise field_error("arch systolic", f"must be W, I, O (the stationary operand) or null, got {self.systolic!r}")
        if self.latency_model not in LATENCY_MODELS:
            raise field_error("arch latency_model",
                              f"must be one of {', '.join(LATENCY_MODELS)}, got {self.latency_model!r}")
        if not isinstance(self.hold_operands, bool):
            raise field_error("arch hold_operands", f"must be true or false, got {self.hold_operands!r}")
        if self.noc_model not in NOC_MODELS:
            raise field_error("arch noc_model", f"must be one of {', '.join(NOC_MODELS)}, got {self.noc_model!r}")
        if self.l2_partition is not None and self.l2_partition.total != self.l2_bytes:
            raise field_error(
                "arch global_buffer partition",
                f"parts sum to {self.l2_partition.total} B but bytes is {self.l2_bytes}; make them equal",
            )

    @property
    def word_bytes(self) -> int:
        return self.word_bits // 8

    @property
    def num_pes(self) -> int:
        n = 1
        for axis in self.axes:
            n *= axis.size
        return n

    @property
    def onchip_bytes(self) -> int:
        """All L1s of all PEs plus the global buffer."""
        return self.num_pes * self.l1_bytes.total + self.l2_bytes

    @property
    def area_mm2(self) -> float:
        tech = self.technology
        um2 = self.num_pes * tech.pe_area_um2 + tech.sram_area_um2(self.onchip_bytes)
        return um2 / 1e6

    @property
    def pe_pitch_mm(self) -> float:
        """Distance between neighbouring PEs: the side of a square holding one PE and its L1s."""
        tech = self.technology
        return (tech.pe_area_um2 + tech.sram_area_um2(self.l1_bytes.total)) ** 0.5 / 1000.0

    @property
    def dataflow(self) -> str:
        """The connectivity as 'RKC12 x P14'-style text: parallel dims and size per axis."""
        return " x ".join(a.label for a in self.axes)

    @property
    def spatial_slots(self) -> tuple[tuple[int, str], ...]:
        """(axis, dim) of every spatial factor a mapping gives, axis by axis in each axis's
        ``unrolled_dims`` order: ``Mapping.spatial`` lists the factors in this order."""
        return tuple((a, d) for a, axis in enumerate(self.axes) for d in axis.unrolled_dims)

    def l1_words(self) -> tuple[int, int, int]:
        return tuple(b // self.word_bytes for b in self.l1_bytes.as_tuple())  # type: ignore[return-value]

    @property
    def l2_unified(self) -> bool:
        return self.l2_partition is None

    def l2_words(self) -> tuple[int, int, int]:
        """Global-buffer words per operand; a unified buffer lists its whole size for each."""
        parts = (self.l2_bytes,) * 3 if self.l2_partition is None else self.l2_partition.as_tuple()
        return tuple(b // self.word_bytes for b in parts)  # type: ignore[return-value]

    def port_words(self) -> tuple[int, int]:
        """Port widths in whole words per cycle for the "ports" latency model: the global
        buffer's (each part's, for a partitioned one) and DRAM's."""
        gb = max(1, int(self.noc_words_per_cycle))
        return (gb if self.l2_unified else max(1, gb // 3), max(1, int(self.dram_words_per_cycle)))
