"""A design and one layer's mapping as Timeloop sees them, independent of the file format: the
storage levels outermost first (what each keeps, its size and bandwidth), the padded problem
instance, and the mapping directives per level. Both Timeloop formats (v0.4 for timeloopfe,
v0.3 for Timeloop v3) are written from this one description.

The per-PE buffers are three single-operand levels (weights, inputs, psums) stacked in that
order with every L1 loop on the innermost, so each one's tile is its operand's footprint of
the L1 loops; a partitioned global buffer is three such levels above the PE array in the same
way. The array fans out from the innermost global-buffer level, meshX and meshY at once.
Where some layer unrolls a dim along both directions (a depthwise layer's G on a C x K
array), which one spatial directive cannot express, it fans out in two steps instead: meshX
to a column level that keeps nothing (Timeloop's Eyeriss-like example's DummyBuffer), then
meshY to the PEs, with a spatial factor at each. Timeloop counts multicast per fanout step,
so the two-step form reads overlapping input windows more often (docs/interop.md). Energy
and area tables are in ``naas.interop.timeloop_tables``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from naas.arch.spec import Accelerator
from naas.cost.reference import spatial_factors_per_dim
from naas.errors import NaasError
from naas.mapping.mapping import Mapping
from naas.workload.dims import DIM_INDEX, DIMS
from naas.workload.layer import Layer

DATASPACES = ("Weights", "Inputs", "Outputs")
SPADS = ("weights_spad", "inputs_spad", "psum_spad")
GLB_PARTS = ("weights_glb", "inputs_glb", "outputs_glb")
COLUMN = "pe_column"

#: Where a level's instances are: one on the chip, one per column of the array, one per PE.
PLACEMENTS = ("chip", "column", "pe")


@dataclass(frozen=True)
class StorageLevel:
    """One Timeloop storage level: ``keeps`` the dataspaces it holds (the rest bypass it),
    ``depth_words`` its capacity (None: DRAM, unbounded), ``placement`` one of PLACEMENTS,
    ``bandwidth_words_per_cycle`` its reads and writes together (None: unbounded): naas's
    global-buffer link carries both directions, as its DRAM link does."""

    name: str
    component_class: str
    keeps: tuple[str, ...]
    depth_words: int | None
    placement: str
    bandwidth_words_per_cycle: float | None


@dataclass(frozen=True)
class Directive:
    """One mapping directive: the loops of ``target`` (``factors`` in DIMS order, the
    permutation innermost first as Timeloop lists it); ``split`` for a spatial directive is
    how many of the permutation's first dims run along meshX."""

    target: str
    kind: str
    factors: tuple[int, ...]
    permutation: str
    split: int | None = None


def container_name(design: Accelerator) -> str:
    """The design's name as a Timeloop identifier."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", design.name)
    return name if name[:1].isalpha() else f"a_{name}"


def mesh(design: Accelerator) -> tuple[int, int]:
    """(meshX, meshY): Timeloop meshes are 2-D, so axis 0 is meshY and the product of the
    other axes meshX."""
    x = 1
    for axis in design.axes[1:]:
        x *= axis.size
    return x, design.axes[0].size


def storage_levels(design: Accelerator, split_fanout: bool = False) -> tuple[StorageLevel, ...]:
    """The design's storage levels, outermost first; ``split_fanout`` adds the column level."""
    l2_bw = design.noc_words_per_cycle
    levels = [StorageLevel("DRAM", "DRAM", DATASPACES, None, "chip", design.dram_words_per_cycle)]
    if design.l2_unified:
        levels.append(StorageLevel("global_buffer", "SRAM", DATASPACES, design.l2_words()[0], "chip", l2_bw))
    else:
        levels += [StorageLevel(name, "SRAM", (space,), words, "chip", l2_bw / 3)
                   for name, space, words in zip(GLB_PARTS, DATASPACES, design.l2_words())]
    if split_fanout:
        levels.append(StorageLevel(COLUMN, "regfile", (), 1, "column", None))
    levels += [StorageLevel(name, "regfile", (space,), max(1, words), "pe", None)
               for name, space, words in zip(SPADS, DATASPACES, design.l1_words())]
    return tuple(levels)


def storage_attributes(design: Accelerator, level: StorageLevel, naas_tables: bool, keys: tuple[str, str, str],
                       text=str, hyphenated: bool = False) -> dict:
    """A storage level's attributes, one word per access; ``keys`` spell block size, word bits
    and address-generation energy in the format's way, ``text`` wraps a string value. With
    naas's tables the address generation costs nothing (naas models none). On a ``mesh``
    design the on-chip levels also price the network to the level below them
    (``network_attributes``)."""
    block, word_bits, addr_gen = keys
    bits = design.word_bits
    attrs: dict = {"width": bits, block: 1, word_bits: bits}
    if level.component_class == "DRAM":
        attrs = {"type": text("LPDDR4"), **attrs}
    else:
        attrs["depth"] = level.depth_words
    if level.bandwidth_words_per_cycle is not None:
        attrs["shared_bandwidth"] = level.bandwidth_words_per_cycle
    if naas_tables:
        attrs[addr_gen] = 0.0
    if level.component_class != "DRAM":
        attrs.update(network_attributes(design, hyphenated))
    return attrs


def network_attributes(design: Accelerator, hyphenated: bool) -> dict:
    """The wire of Timeloop's legacy network from a level to the ones it feeds, at naas's price
    (``wire_energy_pj_per_bit_mm``) over one PE pitch (``Accelerator.pe_pitch_mm``, in um as
    Timeloop's tile width), for a ``mesh`` design; nothing for ``flat`` (Timeloop's network
    then costs nothing, and naas's flat per-word price has no Timeloop counterpart). Networks
    that fan out to one instance cross no hop, so every on-chip level may carry it."""
    if design.noc_model != "mesh":
        return {}
    names = ("wire-energy", "tile-width", "network-word-bits") if hyphenated else \
        ("wire_energy", "tile_width", "network_word_bits")
    values = (design.technology.wire_energy_pj_per_bit_mm, design.pe_pitch_mm * 1000.0, design.word_bits)
    return dict(zip(names, values))


def padded_dims(layer: Layer, design: Accelerator, mapping: Mapping) -> tuple[int, ...]:
    """Each dim's extent as the mapping iterates it: the product of its factors over the levels
    and the array, at least the layer's size (more where the mapping pads)."""
    spatial = spatial_factors_per_dim(design, mapping)
    out = []
    for d in range(len(DIMS)):
        extent = spatial[d]
        for level in mapping.temporal:
            extent *= level[d]
        out.append(extent)
    return tuple(out)


def _check_even(layer: Layer, mapping: Mapping) -> None:
    if mapping.uneven:
        raise NaasError(f"export: layer {layer.name} has an uneven mapping (per-operand level cuts), which "
                        "Timeloop's one tiling per level cannot express; export it to zigzag, or search without "
                        "--uneven")


def _order(dims_outermost_first) -> str:
    return "".join(reversed(dims_outermost_first))


def _unrolled(design: Accelerator, along_y: bool) -> list[str]:
    """The dims the axes along meshY (axis 0) or along meshX (the others) unroll."""
    return list(dict.fromkeys(d for a, d in design.spatial_slots if (a == 0) == along_y))


def _spatial(design: Accelerator, mapping: Mapping, along_y: bool) -> tuple[tuple[int, ...], str]:
    """The factors per dim of the axes along meshY or along meshX, and a permutation listing
    their dims first."""
    factors = [1] * len(DIMS)
    for (axis, dim), factor in zip(design.spatial_slots, mapping.spatial):
        if (axis == 0) == along_y:
            factors[DIM_INDEX[dim]] *= factor
    unrolled = _unrolled(design, along_y)
    return tuple(factors), "".join(unrolled + [d for d in DIMS if d not in unrolled])


def needs_split_fanout(design: Accelerator, mapping: Mapping) -> bool:
    """Whether the mapping unrolls some dim along meshY (axis 0) and along meshX (the others)."""
    y = {d for (a, d), f in zip(design.spatial_slots, mapping.spatial) if a == 0 and f > 1}
    x = {d for (a, d), f in zip(design.spatial_slots, mapping.spatial) if a > 0 and f > 1}
    return bool(x & y)


def directives(layer: Layer, design: Accelerator, mapping: Mapping,
               split_fanout: bool = False) -> tuple[Directive, ...]:
    """The mapping as Timeloop directives: DRAM's loops; the global buffer's loops and the
    array's spatial factors on the innermost global-buffer level (with ``split_fanout`` only
    the meshX ones, the meshY ones on the column level); the L1 loops on the innermost per-PE
    buffer. The other levels iterate nothing. A spatial directive's ``split`` is how many of
    its permutation's first dims run along meshX."""
    _check_even(layer, mapping)
    ones = (1,) * len(DIMS)
    idle = "".join(DIMS)
    glb = [lv.name for lv in storage_levels(design) if lv.placement == "chip" and lv.name != "DRAM"]
    x_factors, x_order = _spatial(design, mapping, along_y=False)
    y_factors, y_order = _spatial(design, mapping, along_y=True)
    out: list[Directive] = [Directive("DRAM", "temporal", tuple(mapping.temporal[2]), _order(mapping.orders[2]))]
    out += [Directive(name, "temporal", ones, idle) for name in glb[:-1]]
    out.append(Directive(glb[-1], "temporal", tuple(mapping.temporal[1]), _order(mapping.orders[1])))
    if split_fanout:
        out.append(Directive(glb[-1], "spatial", x_factors, x_order, len(DIMS)))
        out.append(Directive(COLUMN, "temporal", ones, idle))
        out.append(Directive(COLUMN, "spatial", y_factors, y_order, 0))
    else:
        if needs_split_fanout(design, mapping):
            raise NaasError(f"export: layer {layer.name} unrolls a dim along both mesh directions; export it with "
                            "split_fanout")
        x_dims = [d for d in _unrolled(design, False) if y_factors[DIM_INDEX[d]] == 1]
        y_rest = [d for d in y_order if d not in x_dims]
        both = tuple(x * y for x, y in zip(x_factors, y_factors))
        out.append(Directive(glb[-1], "spatial", both, "".join(x_dims + y_rest), len(x_dims)))
    out += [Directive(name, "temporal", ones, idle) for name in SPADS[:-1]]
    out.append(Directive(SPADS[-1], "temporal", tuple(mapping.temporal[0]), _order(mapping.orders[0])))
    return tuple(out)


def factor_text(factors) -> str:
    return " ".join(f"{d}={v}" for d, v in zip(DIMS, factors))


def padding_note(layer: Layer, design: Accelerator, mapping: Mapping) -> str:
    """'' for an exact mapping; else which dims the mapping pads, as written into the export."""
    padded = padded_dims(layer, design, mapping)
    grown = [f"{d} {n} -> {p}" for d, n, p in zip(DIMS, layer.dims, padded) if p != n]
    return ", ".join(grown)


def problem_geometry(layer: Layer) -> tuple[int, int, int, int]:
    """(Hstride, Wstride, Hdilation, Wdilation) as exported. A one-tap filter along an axis
    with a stride (a strided 1x1 conv) reads every stride-th row only: naas counts those rows
    (``input_extent``), Timeloop's projection the whole span with the rows skipped between, so
    such an axis is exported as the stride-1 conv over the subsampled input, which reads and
    computes exactly the same (and fits the buffers naas checked)."""
    stride_h = 1 if layer.R == 1 else layer.stride_h
    stride_w = 1 if layer.S == 1 else layer.stride_w
    return stride_h, stride_w, layer.dilation_h, layer.dilation_w


def problem(dims: tuple[int, ...], geometry: tuple[int, int, int, int], hyphenated: bool) -> dict:
    """The problem: an explicit eight-dim convolution (so groups and dilations carry over) and
    its instance; v0.3 spells two keys with hyphens (``data-spaces``, ``read-write``), v0.4
    with underscores."""
    dataspaces, read_write = ("data-spaces", "read-write") if hyphenated else ("data_spaces", "read_write")
    sh, sw, dh, dw = geometry
    shape = {
        "name": "naas_conv",
        "dimensions": list(DIMS),
        "coefficients": [{"name": n, "default": 1} for n in ("Hstride", "Wstride", "Hdilation", "Wdilation")],
        dataspaces: [
            {"name": "Weights", "projection": [[["G"]], [["K"]], [["C"]], [["R"]], [["S"]]]},
            {"name": "Inputs", "projection": [[["N"]], [["G"]], [["C"]], [["P", "Hstride"], ["R", "Hdilation"]],
                                              [["Q", "Wstride"], ["S", "Wdilation"]]]},
            {"name": "Outputs", "projection": [[["N"]], [["G"]], [["K"]], [["P"]], [["Q"]]], read_write: True},
        ],
    }
    instance = {**dict(zip(DIMS, dims)), "Hstride": sh, "Wstride": sw, "Hdilation": dh, "Wdilation": dw}
    return {"shape": shape, "instance": instance}
