"""The hardware target: every per-(layer, accelerator) number the cost model reads, declared once.

A field's name, type, shape, unit and the rule that computes it from a layer and an accelerator
live in ``FIELDS`` and nowhere else. ``Targets`` (a named tuple of arrays with the problem
first) is built from it for one problem or many stacked, and the numba kernels, the decoders
and the torch backend all take that one tuple, reading field ``f`` of problem ``k`` as
``targets.f[k]``. A new hardware field is one entry here plus the rule that reads it.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from naas.arch.spec import Accelerator
from naas.cost.energy import EnergyTable, energy_table
from naas.cost.noc import relevance_bits
from naas.workload.dims import DIM_INDEX, OPERANDS
from naas.workload.layer import Layer

#: The model's on/off choices, packed in one field (``switches``) because every further field
#: of ``Targets`` costs the numba kernel dearly: at 31 fields it ran at half its speed.
SWITCHES = ("l2_unified", "noc_mesh", "mesh_links", "port_model", "hold_operands", "halo_reuse", "input_per_pe")
L2_UNIFIED, NOC_MESH, MESH_LINKS, PORT_MODEL, HOLD_OPERANDS, HALO_REUSE, INPUT_PER_PE = range(len(SWITCHES))
#: The switches ``mapping_cost``'s ``any_of`` lists, in its order.
ANY_OF = (PORT_MODEL, HOLD_OPERANDS, NOC_MESH, MESH_LINKS, HALO_REUSE, INPUT_PER_PE)


def switches(arch: Accelerator) -> tuple[bool, ...]:
    """``arch``'s model switches in SWITCHES order."""
    return (arch.l2_unified, arch.noc_model == "mesh",
            arch.noc_model == "mesh" and any(a.link_words_per_cycle is not None for a in arch.axes),
            arch.latency_model == "ports", arch.hold_operands, arch.halo_reuse, arch.input_multicast == "per_pe")


#: A field with one value per array axis / per spatial slot (``Accelerator.spatial_slots``: an
#: axis and a dim it may unroll); stacked arrays are padded to the widest.
AXES = "axes"
SLOTS = "slots"


@dataclass(frozen=True)
class TargetField:
    """One number (or vector) of a target. ``width`` is None for a scalar per problem, an int
    for a vector of that length, ``AXES`` or ``SLOTS`` for one value per array axis or spatial
    slot (padded with ``pad``, which with a padded slot's factor of 1 unrolls nothing).
    ``of_layer``: the value depends on the layer; the others depend on the accelerator only and
    are computed once per design."""

    name: str
    dtype: type
    width: int | str | None
    unit: str
    doc: str
    value: Callable[[Layer, Accelerator, EnergyTable], Any]
    pad: float = 0
    of_layer: bool = False


FIELDS: tuple[TargetField, ...] = (
    TargetField("layer_dims", np.int64, 8, "iterations", "the layer's loop bounds in DIMS order",
                lambda layer, arch, e: layer.dims, of_layer=True),
    TargetField("geometry", np.int64, 4, "", "stride_h, stride_w, dilation_h, dilation_w",
                lambda layer, arch, e: (layer.stride_h, layer.stride_w, layer.dilation_h, layer.dilation_w),
                of_layer=True),
    TargetField("layer_macs", np.int64, None, "MACs", "the layer's multiply-accumulates",
                lambda layer, arch, e: layer.macs, of_layer=True),
    TargetField("slot_dim", np.int64, SLOTS, "", "index of the dim each spatial factor unrolls",
                lambda layer, arch, e: [DIM_INDEX[d] for _, d in arch.spatial_slots], pad=0),
    TargetField("slot_axis", np.int64, SLOTS, "", "the array axis each spatial factor unrolls along",
                lambda layer, arch, e: [a for a, _ in arch.spatial_slots], pad=0),
    TargetField("slot_relevance", np.int64, SLOTS, "", "bit op (0 W, 1 I, 2 O) set where the slot's dim is "
                "relevant to that operand", lambda layer, arch, e: [relevance_bits(d) for _, d in arch.spatial_slots],
                pad=0),
    TargetField("slot_count", np.int64, None, "factors", "the array's own spatial slots (the first of the "
                "padded width)", lambda layer, arch, e: len(arch.spatial_slots)),
    TargetField("axis_size", np.int64, AXES, "PEs", "PEs along each array axis",
                lambda layer, arch, e: [a.size for a in arch.axes], pad=1),
    TargetField("axis_link", np.float64, AXES, "words/cycle", "each link's bandwidth along each axis, per operand "
                "network, on a mesh (inf: unbounded)",
                lambda layer, arch, e: [a.link_width for a in arch.axes], pad=np.inf),
    TargetField("axis_count", np.int64, None, "axes", "the array's own axes (the first of the padded width)",
                lambda layer, arch, e: len(arch.axes)),
    TargetField("l1_words", np.int64, 3, "words", "per-PE buffer per operand (W, I, O)",
                lambda layer, arch, e: arch.l1_words()),
    TargetField("l2_words", np.int64, 3, "words", "global-buffer part per operand (W, I, O); all three the "
                "whole buffer when unified", lambda layer, arch, e: arch.l2_words()),
    TargetField("e_mac", np.float64, None, "pJ/MAC", "energy of one MAC", lambda layer, arch, e: e.mac_pj),
    TargetField("e_l1", np.float64, 3, "pJ/word", "per-PE buffer access energy per operand",
                lambda layer, arch, e: e.l1_pj),
    TargetField("e_l2", np.float64, 3, "pJ/word", "global-buffer access energy per operand",
                lambda layer, arch, e: e.l2_pj),
    TargetField("e_noc", np.float64, None, "pJ/word", "delivering one word between the global buffer and a PE",
                lambda layer, arch, e: e.noc_pj),
    TargetField("e_hop", np.float64, None, "pJ/word", "one word over one PE pitch of wire (mesh)",
                lambda layer, arch, e: e.hop_pj),
    TargetField("e_add", np.float64, None, "pJ/add", "one partial-sum add of a spatial reduction (mesh)",
                lambda layer, arch, e: e.add_pj),
    TargetField("e_dram", np.float64, None, "pJ/word", "one DRAM word", lambda layer, arch, e: e.dram_pj),
    TargetField("links", np.float64, 2, "words/cycle", "global buffer <-> array and DRAM <-> global buffer "
                "bandwidth", lambda layer, arch, e: (arch.noc_words_per_cycle, arch.dram_words_per_cycle)),
    TargetField("num_pes", np.int64, None, "PEs", "PEs in the array", lambda layer, arch, e: arch.num_pes),
    TargetField("systolic", np.int64, None, "", "stationary operand of a systolic array, -1 for a broadcast one",
                lambda layer, arch, e: -1 if arch.systolic is None else OPERANDS.index(arch.systolic)),
    TargetField("port_words", np.int64, 2, "words/cycle", "port widths of the global buffer (each part's) and "
                "DRAM", lambda layer, arch, e: arch.port_words()),
    TargetField("switches", np.bool_, len(SWITCHES), "", "in SWITCHES order: the operands share one global "
                "buffer; the network is priced as a mesh (naas.cost.noc), else flat; a mesh with an axis of "
                "bounded link width (noc.link_cycles applies); the memory-port latency model, else the roofline; "
                "the MACs hold their input operands (rules.held_run); input tiles keep the rows and columns they "
                "share with the previous one (rules.halo_fill_words); the global buffer reads each PE's input "
                "window whole (input_multicast: per_pe)", lambda layer, arch, e: switches(arch)),
)


class Targets(namedtuple("Targets", [f.name for f in FIELDS])):
    """K (layer, accelerator) problems, each field an array with the problem first (``FIELDS``
    says what each holds). numba passes it to a kernel as one argument."""

    __slots__ = ()

    @property
    def problems(self) -> int:
        return self.layer_dims.shape[0]

    @property
    def n_axes(self) -> int:
        """The padded axis width: the widest array's axes."""
        return self.axis_size.shape[1]

    @property
    def n_slots(self) -> int:
        """The padded spatial width: the most spatial factors of any array."""
        return self.slot_dim.shape[1]

    def subset(self, rows: np.ndarray) -> "Targets":
        """The problems at ``rows``, in that order."""
        return Targets(*(values[rows] for values in self))


def compile_target(layer: Layer, arch: Accelerator) -> Targets:
    """One problem's target (K = 1). Build it once per (layer, accelerator) and evaluate many
    mapping batches against it."""
    return compile_targets([layer], arch)


def compile_targets(layers: list[Layer], arch: Accelerator) -> Targets:
    """The targets of ``layers`` on one accelerator (K = len(layers)): the design's fields and
    energies computed once, not once per layer."""
    energies = energy_table(arch)

    def rows(f: TargetField) -> np.ndarray:
        if f.of_layer:
            return np.array([f.value(layer, arch, energies) for layer in layers], dtype=f.dtype)
        one = np.array([f.value(layers[0], arch, energies)], dtype=f.dtype)
        return np.repeat(one, len(layers), axis=0)

    return Targets(*(rows(f) for f in FIELDS))


def stack_targets(targets: list[Targets]) -> Targets:
    """Problems stacked for one kernel call; arrays with fewer axes than the widest are padded
    with axes that unroll nothing."""
    widths = {AXES: max(t.n_axes for t in targets), SLOTS: max(t.n_slots for t in targets)}

    def stacked(i: int, field: TargetField) -> np.ndarray:
        parts = [t[i] for t in targets]
        if field.width not in widths or all(p.shape[1] == widths[field.width] for p in parts):
            return np.concatenate(parts)
        # one padded array filled part by part: np.pad per part costs more than the copy
        out = np.full((sum(p.shape[0] for p in parts), widths[field.width]), field.pad, dtype=parts[0].dtype)
        row = 0
        for p in parts:
            out[row:row + p.shape[0], :p.shape[1]] = p
            row += p.shape[0]
        return out

    return Targets(*(stacked(i, field) for i, field in enumerate(FIELDS)))
