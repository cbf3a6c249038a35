"""Export a design and its per-layer mappings as Timeloop v0.4 inputs: one architecture file,
and per layer a problem (with an explicit eight-dimension shape, so groups and dilations carry
over) and a mapping (temporal factors and permutations per level, the array's spatial factors,
and which operand each per-PE buffer keeps)."""

from __future__ import annotations

from pathlib import Path

from naas.arch.spec import Accelerator
from naas.cost.reference import spatial_factors_per_dim
from naas.errors import NaasError
from naas.files import write_text_atomic
from naas.mapping.mapping import Mapping
from naas.workload.dims import DIMS
from naas.workload.network import Network

DATASPACES = {"W": "Weights", "I": "Inputs", "O": "Outputs"}
SPADS = {"W": "weights_spad", "I": "inputs_spad", "O": "psum_spad"}

PROBLEM_SHAPE = """\
  shape:
    name: naas_conv
    dimensions: [N, G, K, C, P, Q, R, S]
    coefficients:
    - {name: Hstride, default: 1}
    - {name: Wstride, default: 1}
    - {name: Hdilation, default: 1}
    - {name: Wdilation, default: 1}
    data_spaces:
    - name: Weights
      projection: [[[G]], [[K]], [[C]], [[R]], [[S]]]
    - name: Inputs
      projection: [[[N]], [[G]], [[C]], [[P, Hstride], [R, Hdilation]], [[Q, Wstride], [S, Wdilation]]]
    - name: Outputs
      projection: [[[N]], [[G]], [[K]], [[P]], [[Q]]]
      read_write: true
"""


def _mesh(design: Accelerator) -> tuple[int, int]:
    """Timeloop meshes are 2-D: axis 0 is meshY, the product of the others meshX."""
    x = 1
    for axis in design.axes[1:]:
        x *= axis.size
    return x, design.axes[0].size


def architecture_yaml(design: Accelerator) -> str:
    mesh_x, mesh_y = _mesh(design)
    bits = design.word_bits
    l2_words = design.l2_bytes * 8 // bits
    lines = [
        "architecture:",
        "  version: 0.4",
        "  nodes:",
        "  - !Container",
        "    name: system",
        f"    attributes: {{technology: '45nm', global_cycle_seconds: {1e-6 / design.clock_mhz:.3e}}}",
        "  - !Component",
        "    name: DRAM",
        "    class: DRAM",
        f"    attributes: {{type: LPDDR4, width: 64, datawidth: {bits}, "
        f"shared_bandwidth: {design.dram_words_per_cycle}}}",
        "  - !Container",
        f"    name: {design.name}",
        "  - !Component",
        "    name: global_buffer",
        "    class: SRAM",
        f"    attributes: {{depth: {l2_words}, width: {bits}, datawidth: {bits}, "
        f"shared_bandwidth: {design.noc_words_per_cycle}}}",
        "  - !Container",
        "    name: PE",
        f"    spatial: {{meshX: {mesh_x}, meshY: {mesh_y}}}",
    ]
    for op, (spad, words) in zip("WIO", zip(SPADS.values(), design.l1_words())):
        lines += [
            "  - !Component",
            f"    name: {spad}",
            "    class: storage",
            "    subclass: aladdin_register" if words <= 1 else "    subclass: regfile",
            f"    attributes: {{depth: {max(1, words)}, width: {bits}, datawidth: {bits}}}",
            f"    constraints: {{dataspace: {{keep: [{DATASPACES[op]}], bypass: "
            f"[{', '.join(v for k, v in DATASPACES.items() if k != op)}]}}}}",
        ]
    lines += ["  - !Component", "    name: mac", "    class: intmac",
              f"    attributes: {{datawidth: {bits}, width: {bits}}}", ""]
    return "\n".join(lines)


def problem_yaml(layer) -> str:
    instance = ", ".join(f"{d}: {getattr(layer, d)}" for d in DIMS)
    return (f"problem:\n  version: 0.4\n{PROBLEM_SHAPE}  instance: {{{instance}, Hstride: {layer.stride_h}, "
            f"Wstride: {layer.stride_w}, Hdilation: {layer.dilation_h}, Wdilation: {layer.dilation_w}}}\n")


def _factors(values) -> str:
    return " ".join(f"{d}={v}" for d, v in zip(DIMS, values))


def mapping_yaml(design: Accelerator, mapping: Mapping) -> str:
    """Timeloop permutations list loops innermost first; ours list them outermost first."""
    spatial = spatial_factors_per_dim(design, mapping)
    y_dims = list(design.axes[0].unrolled_dims)
    x_dims = list(dict.fromkeys(d for a, d in design.spatial_slots if a > 0 and d not in y_dims))
    spatial_order = x_dims + y_dims
    rest = [d for d in DIMS if d not in spatial_order]
    entries = [
        ("DRAM", "temporal", _factors(mapping.temporal[2]), "".join(reversed(mapping.orders[2])), None),
        ("global_buffer", "temporal", _factors(mapping.temporal[1]), "".join(reversed(mapping.orders[1])), None),
        ("global_buffer", "spatial", _factors(spatial), "".join(spatial_order + rest), len(x_dims)),
        ("psum_spad", "temporal", _factors(mapping.temporal[0]), "".join(reversed(mapping.orders[0])), None),
        ("inputs_spad", "temporal", _factors([1] * 8), "".join(DIMS), None),
        ("weights_spad", "temporal", _factors([1] * 8), "".join(DIMS), None),
    ]
    lines = ["mapping:"]
    for target, kind, factors, permutation, split in entries:
        lines += [f"- target: {target}", f"  type: {kind}", f"  factors: {factors}", f"  permutation: {permutation}"]
        if split is not None:
            lines.append(f"  split: {split}")
    lines += ["- target: global_buffer", "  type: dataspace", "  keep: [Weights, Inputs, Outputs]", "  bypass: []"]
    for op, spad in SPADS.items():
        lines += [f"- target: {spad}", "  type: dataspace", f"  keep: [{DATASPACES[op]}]",
                  f"  bypass: [{', '.join(v for k, v in DATASPACES.items() if k != op)}]"]
    return "\n".join(lines) + "\n"


def export_timeloop(design: Accelerator, network: Network, mappings: dict[str, Mapping], out: str | Path) -> list[Path]:
    out = Path(out)
    uneven = [nl.layer.name for nl in network.layers if mappings[nl.layer.name].uneven]
    if uneven:
        raise NaasError(f"export: layer {uneven[0]} has an uneven mapping (per-operand level cuts), which "
                        "Timeloop's one tiling per level cannot express; export it to zigzag, or search without --uneven")
    written = [out / "arch.yaml"]
    write_text_atomic(written[0], architecture_yaml(design))
    for nl in network.layers:
        layer = nl.layer
        safe = layer.name.replace("/", "_").replace(" ", "_")
        write_text_atomic(out / f"{safe}.problem.yaml", problem_yaml(layer))
        write_text_atomic(out / f"{safe}.mapping.yaml", mapping_yaml(design, mappings[layer.name]))
        written += [out / f"{safe}.problem.yaml", out / f"{safe}.mapping.yaml"]
    return written
