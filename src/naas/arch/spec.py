"""The accelerator template (PE array axes, per-PE buffers, global buffer, links) as an immutable, validated spec."""

from __future__ import annotations

from dataclasses import dataclass

from naas.arch.technology import HOROWITZ_45NM, Technology
from naas.errors import field_error
from naas.specfields import Spec, check_declared
from naas.workload.dims import DIM_INDEX, DIMS, OPERANDS

#: How memory traffic delays compute; see ``Accelerator``.
LATENCY_MODELS = ("roofline", "ports")
#: How the on-chip network between the global buffer and the PEs is priced; see ``Accelerator``.
NOC_MODELS = ("flat", "mesh")
#: How overlapping input windows of neighbouring PEs reach the array; see ``Accelerator``.
INPUT_MULTICASTS = ("distinct", "per_pe")


#: Sanity bounds, not physics: they keep every count the cost model forms exact in 64-bit
#: integers and doubles, and catch a unit slip (bits for bytes, Hz for MHz) at load time.
MAX_BYTES = 2**40
MAX_PES = 2**20
#: ~1.1e12: room for the 1e12 words/cycle that stand for an unbounded link (SCALE-Sim's model)
MAX_WORDS_PER_CYCLE = 2**40

#: Fields an accelerator and a budget share (a design under a budget keeps the budget's).
NOC_WORDS = Spec("number", "words per cycle between the global buffer and the PE array", "words/cycle",
                 0.001, MAX_WORDS_PER_CYCLE)
DRAM_WORDS = Spec("number", "words per cycle between DRAM and the global buffer", "words/cycle",
                  0.001, MAX_WORDS_PER_CYCLE)
WORD_BITS = Spec("int", "bits per word of every operand", "bits", 8, 64, multiple_of=8)
CLOCK_MHZ = Spec("number", "clock frequency (converts cycles to seconds in reports)", "MHz", 0, 1e5, low_open=True)
LATENCY_MODEL = Spec("choice", "how memory traffic delays compute (docs/cost-model.md); --latency-model overrides it",
                     choices=LATENCY_MODELS)
HOLD_OPERANDS = Spec("bool", "the MACs hold a weight or input word across consecutive cycles that use it, "
                     "reading the PE buffer once per run (ZigZag's default); --hold-operands turns it on")
NOC_MODEL = Spec("choice", "how the global buffer -> PE network is priced: one energy per delivered word, or the "
                 "wire each word crosses (docs/cost-model.md); --noc-model overrides it", choices=NOC_MODELS)
HALO_REUSE = Spec("bool", "an input tile keeps the rows and columns it shares with the previous one and loads only "
                  "the new ones (Timeloop's count); --halo-reuse / --no-halo-reuse override it")
INPUT_MULTICAST = Spec("choice", "how overlapping input windows reach the PEs: each distinct word read once for all "
                       "PEs that need it (distinct), or each PE's window read whole, identical windows multicast "
                       "(per_pe); --input-multicast overrides it", choices=INPUT_MULTICASTS)


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

    size: int = Spec("int", "PEs along this axis", "PEs", 1, 2**16).field()
    parallel_dims: tuple[str, ...] = Spec(
        "structured", "the loop dims this axis may unroll, e.g. [R, K, C]; their spatial factors multiply to at "
        "most size (`parallel_dim: K` is the one-dim form)").field()
    link_words_per_cycle: float | None = Spec(
        "number", "a mesh link's width along this axis, per operand network (null: unbounded)", "words/cycle",
        0.001, MAX_WORDS_PER_CYCLE, optional=True).field(None)

    def __post_init__(self) -> None:
        check_declared(self, "array axis")
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

    W: int = Spec("int", "bytes for weights", "B", 1, MAX_BYTES).field()
    I: int = Spec("int", "bytes for inputs", "B", 1, MAX_BYTES).field()  # noqa: E741 - the operand's name
    O: int = Spec("int", "bytes for outputs and partial sums", "B", 1, MAX_BYTES).field()  # noqa: E741

    def __post_init__(self) -> None:
        check_declared(self, "buffer bytes")

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
    "mesh" (default) charges the wire each word crosses, PE pitch by PE pitch along every axis
    (a multicast spans its destinations, a unicast travels to its PE, partial sums reduced
    along an axis pay an add per hop), with the pitch taken from the area of a PE and its L1
    buffers; "flat" charges every word delivered to a PE the technology's
    ``noc_energy_pj_per_word``, multicast and spatial reduction free, whatever the dataflow.

    ``halo_reuse`` says whether an input tile, refilled along a P/Q (or R/S) loop, keeps the
    rows (columns) its input window shares with the previous tile and loads only the new ones
    (Timeloop's count; ZigZag's and our default without it reload the whole tile).

    ``input_multicast`` says how the global buffer serves PEs whose input windows overlap (an
    R x P array, a halo across PEs): "distinct" reads each word once for all the PEs that need
    it (Eyeriss's diagonal multicast, ShiDianNao's inter-PE forwarding), "per_pe" reads every
    PE's window whole and multicasts only identical windows (a generic tree network).
    """

    name: str = Spec("text", "the design's name").field()
    axes: tuple[ArrayAxis, ...] = Spec("structured", "1 to 4 axes (table below); PEs = the product of their sizes",
                                       key="array").field()
    l1_bytes: OperandBytes = Spec("structured", "each PE's L1 buffer per operand, {W, I, O} (table below)", "B",
                                  key="pe_buffers_bytes").field()
    l2_bytes: int = Spec("int", "the global buffer's size", "B", 1, MAX_BYTES, key="global_buffer.bytes").field()
    l2_partition: OperandBytes | None = Spec(
        "structured", "a partitioned global buffer's part per operand, {W, I, O}, summing to its bytes "
        "(null: one buffer all operands share)", "B", optional=True, key="global_buffer.partition").field(None)
    noc_words_per_cycle: float = NOC_WORDS.field(16.0)
    dram_words_per_cycle: float = DRAM_WORDS.field(8.0)
    word_bits: int = WORD_BITS.field(16)
    clock_mhz: float = CLOCK_MHZ.field(200.0)
    systolic: str | None = Spec("choice", "the operand a systolic array keeps in its PEs (it pays a pipeline fill "
                                "and drain per fold of it); null: a broadcast array", choices=OPERANDS,
                                optional=True).field(None)
    latency_model: str = LATENCY_MODEL.field("roofline")
    hold_operands: bool = HOLD_OPERANDS.field(False)
    noc_model: str = NOC_MODEL.field("mesh")
    halo_reuse: bool = HALO_REUSE.field(True)
    input_multicast: str = INPUT_MULTICAST.field("distinct")
    technology: Technology = Spec("structured", "a technology table's name, or an inline table with its fields "
                                  "(docs/technology.md)").field(HOROWITZ_45NM)
    source: str = Spec("text", "where the design comes from (a paper, a search)", optional=True).field(
        "", compare=False)

    def __post_init__(self) -> None:
        check_declared(self, "arch")
        if not isinstance(self.axes, tuple) or not all(isinstance(a, ArrayAxis) for a in self.axes):
            raise field_error("arch array", "give a tuple of ArrayAxis")
        if not 1 <= len(self.axes) <= 4:
            raise field_error("arch array", f"give 1 to 4 axes, got {len(self.axes)}")
        if self.num_pes > MAX_PES:
            raise field_error("arch array", f"{self.num_pes} PEs; give at most {MAX_PES:,} (the sizes' product)")
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
    def connectivity(self) -> tuple[tuple[str, ...], ...]:
        """Each axis's parallel dims, the part of a design the connectivity search chooses."""
        return tuple(a.parallel_dims for a in self.axes)

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
