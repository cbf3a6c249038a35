"""Export a design, layers and mappings as ZigZag (zigzag-dse 3.9.x) inputs: an accelerator
YAML, a workload YAML and a mapping YAML, so the same design and mapping can be re-scored with
ZigZag's `get_hardware_performance_zigzag`.

What carries over: the PE array (one ZigZag operational-array dimension per axis), per-PE
register files per operand, a shared global buffer and DRAM with our per-word energies and
link bandwidths, each layer's spatial unrolling, and its full temporal loop order (ZigZag's
`temporal_ordering`, innermost first). What ZigZag decides itself: where the loop nest is cut
into memory levels (its allocator fills each level greedily), so tile sizes may differ.
"""

from __future__ import annotations

from pathlib import Path

from naas.arch.spec import Accelerator
from naas.cost.energy import energy_table
from naas.files import write_yaml_atomic
from naas.mapping.mapping import Mapping
from naas.workload.dims import DIMS
from naas.workload.layer import Layer
from naas.workload.network import Network

#: our dim -> ZigZag loop dim
ZIGZAG_DIMS = {"N": "B", "G": "G", "K": "K", "C": "C", "P": "OY", "Q": "OX", "R": "FY", "S": "FX"}
OPERAND_LINKS = {"O": "O", "W": "I2", "I": "I1"}


def _port(name: str, kind: str, bits: int, allocation: list[str], word_bits: int) -> dict:
    """ZigZag counts ceil(bits moved / bandwidth_min) x bandwidth_min / bandwidth_max accesses,
    each costing r_cost or w_cost: a one-word minimum keeps narrow transfers from paying for
    the full link width."""
    return {"name": name, "type": kind, "bandwidth_min": word_bits, "bandwidth_max": bits, "allocation": allocation}


def _memory(size_bits: int, cost_pj: float, operands: list[str], bits: int, served: list[str],
            word_bits: int) -> dict:
    read = [f"{o}, tl" for o in operands] + (["O, th"] if "O" in operands else [])
    write = [f"{o}, fh" for o in operands] + (["O, fl"] if "O" in operands else [])
    return {
        "size": size_bits, "r_cost": cost_pj, "w_cost": cost_pj, "area": 0, "latency": 1,
        "operands": operands,
        "ports": [_port("r_port_1", "read", bits, read, word_bits), _port("w_port_1", "write", bits, write, word_bits)],
        "served_dimensions": served,
    }


def hardware_dict(design: Accelerator) -> dict:
    """Costs are per port access: one word for register files, a full link width above."""
    energies = energy_table(design)
    bits = design.word_bits
    dims = [f"D{i + 1}" for i in range(len(design.axes))]
    memories = {}
    for op, words, cost in zip("WIO", design.l1_words(), energies.l1_pj):
        memories[f"rf_{op}"] = _memory(words * bits, cost, [OPERAND_LINKS[op]], bits, [], bits)
    noc_words = max(1, int(design.noc_words_per_cycle))
    if design.l2_partition is None:
        memories["global_buffer"] = _memory(design.l2_bytes * 8, energies.l2_pj[0] * noc_words,
                                            ["I1", "I2", "O"], bits * noc_words, dims, bits)
    else:
        # one buffer per operand, sharing the link width between them
        share = max(1, noc_words // 3)
        for op, part, cost in zip("WIO", design.l2_partition.as_tuple(), energies.l2_pj):
            memories[f"global_buffer_{op}"] = _memory(part * 8, cost * share, [OPERAND_LINKS[op]], bits * share, dims,
                                                      bits)
    dram_words = max(1, int(design.dram_words_per_cycle))
    dram = _memory(10**12, energies.dram_pj * dram_words, ["I1", "I2", "O"], bits * dram_words, dims, bits)
    dram["ports"] = [_port("rw_port_1", "read_write", bits * dram_words,
                           [f"{o}, {d}" for o in ("I1", "I2", "O") for d in ("fh", "tl")] + ["O, fl", "O, th"], bits)]
    memories["dram"] = dram
    array = {"unit_energy": energies.mac_pj, "unit_area": 1, "dimensions": dims,
             "sizes": [a.size for a in design.axes]}
    if design.systolic is not None:
        array["systolic_dimensions"] = dims
    return {"name": design.name, "memories": memories, "operational_array": array}


def layer_dict(layer: Layer, layer_id: int, bits: int) -> dict:
    return {
        "id": layer_id,
        "name": layer.name,
        "operator_type": "Conv",
        "equation": "O[b][g][k][oy][ox]+=W[g][k][c][fy][fx]*I[b][g][c][iy][ix]",
        "dimension_relations": [f"ix={layer.stride_w}*ox+{layer.dilation_w}*fx",
                                f"iy={layer.stride_h}*oy+{layer.dilation_h}*fy"],
        "loop_dims": [ZIGZAG_DIMS[d] for d in DIMS],
        "loop_sizes": list(layer.dims),
        "operand_precision": {"W": bits, "I": bits, "O": bits, "O_final": bits},
        "operand_source": {"I": layer_id, "W": layer_id},
    }


def zigzag_spatial_mapping(design: Accelerator, mapping: Mapping) -> dict:
    """ZigZag's spatial mapping: per array dimension, the dims unrolled along it and their
    factors (its mixed unrolling when several); an axis that unrolls nothing lists its first
    dim with factor 1."""
    spatial: dict[str, list[str]] = {}
    for (a, dim), factor in zip(design.spatial_slots, mapping.spatial):
        entries = spatial.setdefault(f"D{a + 1}", [])
        if factor > 1 or not entries:
            entries.append(f"{ZIGZAG_DIMS[dim]}, {factor}")
    return {name: [e for e in entries if not e.endswith(", 1")] or entries[:1] for name, entries in spatial.items()}


def mapping_entry(layer: Layer, design: Accelerator, mapping: Mapping) -> dict:
    spatial = zigzag_spatial_mapping(design, mapping)
    ordering = []
    for level in range(3):
        for dim in reversed(mapping.orders[level]):
            factor = mapping.temporal[level][DIMS.index(dim)]
            if factor > 1:
                ordering.append([ZIGZAG_DIMS[dim], factor])
    return {"name": layer.name, "spatial_mapping": spatial, "temporal_ordering": ordering,
            "memory_operand_links": dict(OPERAND_LINKS)}


def export_zigzag(design: Accelerator, network: Network, mappings: dict[str, Mapping], out: str | Path) -> list[Path]:
    out = Path(out)
    layers = [nl.layer for nl in network.layers]
    paths = [out / "hardware.yaml", out / "workload.yaml", out / "mapping.yaml"]
    write_yaml_atomic(paths[0], hardware_dict(design))
    write_yaml_atomic(paths[1], [layer_dict(layer, i, design.word_bits) for i, layer in enumerate(layers)])
    entries = [mapping_entry(layer, design, mappings[layer.name]) for layer in layers]
    # ZigZag requires an entry named 'default' for layers no entry names; ours names them all.
    default = {"name": "default", "spatial_mapping": entries[0]["spatial_mapping"],
               "memory_operand_links": dict(OPERAND_LINKS)}
    write_yaml_atomic(paths[2], entries + [default])
    return paths


def rescore_in_zigzag(folder: str | Path) -> list[dict]:
    """Run ZigZag on an exported folder; per layer its energy (pJ) and latency (cycles)."""
    import logging

    try:
        from zigzag.api import get_hardware_performance_zigzag
    except ImportError:
        from naas.errors import NaasError

        raise NaasError("export: zigzag-dse is not installed; pip install 'naas[zigzag]'") from None
    folder = Path(folder)
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # ZigZag logs every stage at INFO/WARNING
    try:
        _, _, cmes = get_hardware_performance_zigzag(
            str(folder / "workload.yaml"), str(folder / "hardware.yaml"), str(folder / "mapping.yaml"),
            opt="EDP", dump_folder=str(folder / "zigzag-output"), loma_show_progress_bar=False)
    finally:
        logging.disable(previous)
    return [{"layer": cme.layer.name, "energy_pj": float(cme.energy_total), "latency_cycles": float(cme.latency_total2)}
            for cme, _ in cmes[0][1]]


def zigzag_temporal_spec(mapping: Mapping) -> dict[str, list[list[tuple[str, int]]]]:
    """Our loop nest as ZigZag's per-operand TemporalMapping spec: for every operand the same
    loops, innermost first, cut into its three levels (register file, global buffer, DRAM)
    exactly where its L1 / L2 / DRAM levels are (each operand's own cuts in an uneven mapping)."""
    nest = [(ZIGZAG_DIMS[d], mapping.temporal[level][DIMS.index(d)])
            for level in range(3) for d in reversed(mapping.orders[level])]
    spec = {}
    for op, (l1_lift, l2_lift) in zip("WIO", mapping.lifts):
        cuts = (0, 8 + l1_lift, 16 + l2_lift, 24)
        spec[op] = [[loop for loop in nest[lo:hi] if loop[1] > 1] for lo, hi in zip(cuts, cuts[1:])]
    return spec


class ZigZagScorer:
    """Re-scores single fixed mappings of ours in ZigZag's cost model (no LOMA search), with the
    hardware of ``hardware_dict`` - the recipe of shared/anchors/zigzag/fixed_mapping.py."""

    def __init__(self, design: Accelerator, folder: str | Path):
        from zigzag.stages.parser.accelerator_parser import AcceleratorParserStage

        self.design = design
        folder = Path(folder)
        write_yaml_atomic(folder / "hardware.yaml", hardware_dict(design))
        self.accelerator = AcceleratorParserStage.parse_accelerator(str(folder / "hardware.yaml"))

    def score(self, layer: Layer, mapping: Mapping):
        """ZigZag's CostModelEvaluation of ``mapping`` (energy_total, latency_total2, ...)."""
        from zigzag.cost_model.cost_model import CostModelEvaluation
        from zigzag.datatypes import LayerDim, LayerOperand
        from zigzag.mapping.temporal_mapping import TemporalMapping, TemporalMappingType
        from zigzag.parser.mapping_validator import MappingValidator
        from zigzag.parser.workload_factory import LayerNodeFactory
        from zigzag.parser.workload_validator import WorkloadValidator
        from zigzag.stages.evaluation.cost_model_evaluation import CostModelStage
        from zigzag.stages.mapping.spatial_mapping_conversion import (
            SpatialMappingConversionStage,
        )
        from zigzag.stages.mapping.spatial_mapping_generation import (
            SpatialMappingGeneratorStage,
        )

        mapping_data = [{"name": "default", "spatial_mapping": zigzag_spatial_mapping(self.design, mapping),
                         "memory_operand_links": dict(OPERAND_LINKS)}]
        mv = MappingValidator(mapping_data)
        wv = WorkloadValidator([layer_dict(layer, 0, self.design.word_bits)])
        if not (mv.validate() and wv.validate()):
            raise ValueError("ZigZag rejected the exported layer or mapping")
        node = LayerNodeFactory(wv.normalized_data[0], mv.normalized_data).create()
        generator = SpatialMappingGeneratorStage([CostModelStage], accelerator=self.accelerator, layer=node)
        node.spatial_mapping = next(generator.generate_spatial_mappings())
        conversion = SpatialMappingConversionStage([CostModelStage], accelerator=self.accelerator, layer=node)
        spatial_mapping, spatial_int = conversion.convert_user_spatial_mapping(node.spatial_mapping)
        spec = zigzag_temporal_spec(mapping)
        temporal = TemporalMapping({LayerOperand(op): [[(LayerDim(d), s) for d, s in lvl] for lvl in lvls]
                                    for op, lvls in spec.items()}, node, TemporalMappingType.UNEVEN)
        return CostModelEvaluation(accelerator=self.accelerator, layer=node, spatial_mapping=spatial_mapping,
                                   spatial_mapping_int=spatial_int, temporal_mapping=temporal,
                                   access_same_data_considered_as_no_access=True)
