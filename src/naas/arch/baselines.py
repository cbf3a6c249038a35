"""Hand-designed accelerators in the naas template, each citing where its numbers come from.

All designs use 16-bit words and the same technology table, so that comparisons between them
measure dataflow and sizing, not process or precision. Figures we had to assume (a bandwidth
a paper does not state) are marked 'assumed' here and in docs/technology.md. Each array is
wired as its paper runs it: an axis lists every dim the paper spreads over it, and an axis that
spreads channels (C or K) spreads a depthwise layer's channels (G) too. The designs that unroll
window dims (P, Q, R, S) say how their PEs' overlapping input windows arrive
(``input_multicast``); NVDLA and the TPU unroll none, so it does not apply to them.
"""

from __future__ import annotations

from naas.arch.spec import Accelerator, ArrayAxis, OperandBytes
from naas.errors import NaasError

KIB = 1024
MIB = 1024 * KIB


def eyeriss() -> Accelerator:
    return Accelerator(
        name="eyeriss",
        axes=(ArrayAxis(12, ("R", "K", "C")), ArrayAxis(14, ("P",))),
        l1_bytes=OperandBytes(W=224 * 2, I=12 * 2, O=24 * 2),
        l2_bytes=108 * KIB,
        noc_words_per_cycle=12.0,
        dram_words_per_cycle=4.0,
        clock_mhz=200.0,
        input_multicast="distinct",
        source=(
            "Chen et al., 'Eyeriss', JSSC 2017 / ISCA 2016: 12x14 PEs, 108 KB global buffer, "
            "spads of 12 (ifmap) / 224 (filter) / 24 (psum) 16-bit words; row-stationary: a logical "
            "PE set of filter rows (R) x output rows (E, our P) on the 12 x 14 array, the set "
            "replicated down the 12 rows for more filters (K) or channels (C) when R < 12 "
            "(JSSC 2017 Sec. V-B: e.g. AlexNet CONV3-5's 3 x 13 sets four times), so the 12-PE "
            "axis unrolls R, K and C and the 14-PE axis P. NoC: three 64-bit "
            "buses (filter/ifmap/psum) = 12 words/cycle; DRAM: 64-bit link = 4 words/cycle; 200 MHz. "
            "An ifmap row is multicast at once to the diagonal of PEs that share it (ISCA 2016, "
            "row stationary), so each distinct input word leaves the buffer once (input_multicast: "
            "distinct)."
        ),
    )


def nvdla(macs: int) -> Accelerator:
    shapes = {
        256: (32, 8, 128 * KIB, "nv_small_256"),
        1024: (64, 16, 1 * MIB, "nv_medium_1024_full"),
    }
    if macs not in shapes:
        raise NaasError(f"arch: NVDLA comes with 256 or 1024 MACs, not {macs}")
    atomic_c, atomic_k, cbuf, config = shapes[macs]
    return Accelerator(
        name=f"nvdla{macs}",
        axes=(ArrayAxis(atomic_c, "C"), ArrayAxis(atomic_k, "K")),
        l1_bytes=OperandBytes(W=2, I=2, O=2),
        l2_bytes=cbuf,
        noc_words_per_cycle=float(atomic_c + atomic_k),
        dram_words_per_cycle=8.0,
        clock_mhz=1000.0,
        source=(
            f"NVDLA open-source hardware, spec configuration {config}: atomic-C {atomic_c} x "
            f"atomic-K {atomic_k} MAC array (C x K parallel), {cbuf // KIB} KiB convolution "
            "buffer, 1 GHz (nvdla.org primer). One weight and one input register per MAC; "
            "accumulation in CACC counted at the buffer level. A depthwise layer spreads its "
            "channels (G) over the channel lanes, as MAESTRO's NVDLA-style depthwise dataflow "
            "does (Kwon et al., MICRO 2019). Bandwidths assumed: one atomic "
            "cube of inputs and of weights per cycle; 8 words/cycle DRAM."
        ),
    )


def shidiannao() -> Accelerator:
    return Accelerator(
        name="shidiannao",
        axes=(ArrayAxis(8, "P"), ArrayAxis(8, "Q")),
        l1_bytes=OperandBytes(W=2, I=4, O=2),
        l2_bytes=256 * KIB,
        l2_partition=OperandBytes(W=128 * KIB, I=64 * KIB, O=64 * KIB),
        noc_words_per_cycle=16.0,
        dram_words_per_cycle=4.0,
        clock_mhz=1000.0,
        input_multicast="distinct",
        source=(
            "Du et al., 'ShiDianNao', ISCA 2015: 8x8 output-stationary PEs (one output neuron "
            "each, output rows x cols parallel, the paper's own mapping of every layer), NBin 64 KB, NBout 64 KB, SB 128 KB, 1 GHz; "
            "per-PE weight and output registers and FIFO-H/FIFO-V input registers, through which "
            "neighbouring PEs pass the inputs their windows share, so each distinct input word "
            "leaves NBin once (input_multicast: distinct). Bandwidths assumed: 16 words/cycle "
            "buffers->array, 4 words/cycle DRAM."
        ),
    )


def edge_tpu_like() -> Accelerator:
    return Accelerator(
        name="edge_tpu",
        axes=(ArrayAxis(8, "K"), ArrayAxis(8, "C"), ArrayAxis(4, "Q"), ArrayAxis(4, "P")),
        l1_bytes=OperandBytes(W=2, I=2, O=2),
        l2_bytes=32 * KIB + 2 * MIB,
        l2_partition=OperandBytes(W=32 * KIB, I=1 * MIB, O=1 * MIB),
        noc_words_per_cycle=64.0,
        dram_words_per_cycle=8.0,
        clock_mhz=500.0,
        input_multicast="distinct",
        source=(
            "Edge-TPU internals are not public. We follow the public Edge-TPU-like design "
            "shipped with ZigZag (Mei et al., IEEE TC 2021; zigzag-dse 3.9.1 "
            "inputs/hardware/edge_tpu_like.yaml): 8x8x4x4 = 1024 PEs unrolling K8, C8, OX4, "
            "OY4, a one-word weight register per PE, 32 KB weight SRAM, 2 MB activation SRAM "
            "(split here evenly between inputs and outputs). Bandwidths assumed, and so is how the "
            "OX x OY PEs' overlapping input windows arrive: each distinct word once "
            "(input_multicast: distinct), as ZigZag counts them."
        ),
    )


def tpu_v1_like() -> Accelerator:
    return Accelerator(
        name="tpu",
        axes=(ArrayAxis(256, "C"), ArrayAxis(256, "K")),
        l1_bytes=OperandBytes(W=4, I=2, O=2),
        l2_bytes=256 * KIB + 24 * MIB + 4 * MIB,
        l2_partition=OperandBytes(W=256 * KIB, I=24 * MIB, O=4 * MIB),
        noc_words_per_cycle=512.0,
        dram_words_per_cycle=21.0,
        clock_mhz=700.0,
        systolic="W",
        source=(
            "Jouppi et al., 'In-Datacenter Performance Analysis of a TPU', ISCA 2017: 256x256 "
            "weight-stationary systolic array (inputs flow along C rows, sums along K columns; a "
            "grouped layer's channels G on either), "
            "24 MiB unified buffer, 4 MiB accumulators, weight FIFO of four 64 KiB tiles, "
            "double-buffered weight register per MAC, 700 MHz, 30 GB/s weight DRAM = 21 16-bit "
            "words/cycle; 256 words/cycle in and out of the array."
        ),
    )


BASELINES = {
    "eyeriss": eyeriss,
    "nvdla256": lambda: nvdla(256),
    "nvdla1024": lambda: nvdla(1024),
    "shidiannao": shidiannao,
    "edge_tpu": edge_tpu_like,
    "tpu": tpu_v1_like,
}


def baseline(name: str) -> Accelerator:
    key = name.lower().replace("-", "_")
    key = {"nvdla_256": "nvdla256", "nvdla_1024": "nvdla1024", "edgetpu": "edge_tpu",
           "tpu_v1": "tpu"}.get(key, key)
    if key not in BASELINES:
        raise NaasError(f"arch: unknown design {name!r}; choose one of {', '.join(BASELINES)} or give a YAML file")
    return BASELINES[key]()
