"""The fixed systolic dataflows of SCALE-Sim (output-, weight-, input-stationary) as a naas
design and mapping, so that our latency can be checked against its cycle counts.

SCALE-Sim maps a conv onto an a x b array as a GEMM (E*F output pixels, R*S*C window, K
filters): OS unrolls pixels x filters and streams the window; WS unrolls window x filters and
streams pixels; IS unrolls window x pixels and streams filters. Each fold of the unrolled
dims over the array streams T values through it.
"""

from __future__ import annotations

from naas.arch.spec import Accelerator, ArrayAxis, OperandBytes
from naas.mapping.mapping import Mapping
from naas.workload.dims import DIM_INDEX, DIMS, least_padding_factor
from naas.workload.layer import Layer

#: dataflow -> (dim along axis 0, dim along axis 1, streamed dim) of the GEMM-equivalent layer
#: with P = output pixels, C = window (R*S*C), K = filters.
DATAFLOWS = {"os": ("P", "K", "C"), "ws": ("C", "K", "P"), "is": ("C", "P", "K")}


def gemm_equivalent(layer: Layer) -> Layer:
    """The layer as SCALE-Sim sees it: P = E*F pixels, C = R*S*C window, K filters."""
    return Layer(f"{layer.name}_gemm", N=layer.N, G=layer.G, K=layer.K,
                 C=layer.R * layer.S * layer.C, P=layer.P * layer.Q)


STATIONARY = {"os": "O", "ws": "W", "is": "I"}


def systolic_design(rows: int, cols: int, dataflow: str) -> Accelerator:
    """An a x b systolic array with one-word PE registers and links too wide to stall, as
    SCALE-Sim's compute-cycle count assumes."""
    first, second, _ = DATAFLOWS[dataflow]
    return Accelerator(
        name=f"systolic_{rows}x{cols}_{dataflow}", axes=(ArrayAxis(rows, first), ArrayAxis(cols, second)),
        l1_bytes=OperandBytes(2, 2, 2), l2_bytes=1 << 30, noc_words_per_cycle=1e12,
        dram_words_per_cycle=1e12, systolic=STATIONARY[dataflow],
    )


def systolic_mapping(gemm: Layer, design: Accelerator, dataflow: str) -> Mapping:
    """Fold the unrolled dims over the array (DRAM loops), stream the third dim innermost (L2)."""
    first, second, streamed = DATAFLOWS[dataflow]
    sizes = dict(zip(DIMS, gemm.dims))
    spatial, folds = [], {}
    for a, dim in design.spatial_slots:
        if dim != (first, second)[a]:
            spatial.append(1)  # the G a channel axis could unroll: the GEMM's groups stay outside
            continue
        spatial.append(least_padding_factor(sizes[dim], design.axes[a].size))
        folds[dim] = -(-sizes[dim] // spatial[-1])  # the steps of that factor
    l2 = [1] * 8
    l2[DIM_INDEX[streamed]] = sizes[streamed]
    dram = [1] * 8
    for dim, steps in folds.items():
        dram[DIM_INDEX[dim]] = steps
    for dim in ("N", "G"):
        dram[DIM_INDEX[dim]] = sizes[dim]
    order = tuple(d for d in DIMS if d != streamed) + (streamed,)
    return Mapping(temporal=((1,) * 8, tuple(l2), tuple(dram)), orders=(DIMS, order, order), spatial=tuple(spatial))
