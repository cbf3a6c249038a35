"""A layer as one loop nest over N G K C P Q R S, with strides and dilations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from numba.extending import register_jitable

from naas.branchfree import smaller
from naas.errors import field_error
from naas.specfields import Spec, check_declared
from naas.workload.dims import DIMS

#: Bounds that keep the mapping decoders' divisor lists short (no n below 2^24 has 1,024
#: divisors) and every count exact; a layer beyond them is a unit slip, not a workload.
MAX_DIM = 2**24
MAX_LAYER_MACS = 2**53


def _dim(dim: str, doc: str) -> Spec:
    return Spec("int", doc, "", 1, MAX_DIM, key=f"dims.{dim}")


def _geometry(doc: str, key: str) -> Spec:
    return Spec("int", doc, "", 1, 2**16, key=key)


def conv_output_size(in_size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output rows (or cols) of a convolution, as PyTorch and ONNX define it."""
    return (in_size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@register_jitable
def input_extent(out_tile: int, filter_tile: int, stride: int, dilation: int) -> int:
    """Input rows that ``out_tile`` output rows x ``filter_tile`` filter rows read.

    The window spans (out-1)*stride + (filter-1)*dilation + 1 rows, but when the stride or the
    dilation leaves gaps (a 1x1 conv with stride 2 reads every other row) no more than
    out*filter distinct rows are read. Shared by the cost model (numba-compiled there).
    """
    span = (out_tile - 1) * stride + (filter_tile - 1) * dilation + 1
    pairs = out_tile * filter_tile
    return smaller(pairs, span)


@dataclass(frozen=True)
class Layer:
    """One layer's loop nest.

    N batch, G groups, K output channels per group, C input channels per group, P x Q output
    rows x cols, R x S filter rows x cols. A dense conv has G=1, a depthwise conv G=channels and
    K=C=1, a GEMM (M x Kr times Kr x Nc) is a 1x1 conv with P=M, C=Kr, K=Nc.
    """

    name: str = Spec("text", "the layer's name (a mapping file keys its layers by it)").field()
    N: int = _dim("N", "batch").field(1)
    G: int = _dim("G", "groups (a depthwise conv: its channels)").field(1)
    K: int = _dim("K", "output channels per group").field(1)
    C: int = _dim("C", "input channels per group").field(1)
    P: int = _dim("P", "output rows").field(1)
    Q: int = _dim("Q", "output columns").field(1)
    R: int = _dim("R", "filter rows").field(1)
    S: int = _dim("S", "filter columns").field(1)
    stride_h: int = _geometry("stride between output rows", "stride[0]").field(1)
    stride_w: int = _geometry("stride between output columns", "stride[1]").field(1)
    dilation_h: int = _geometry("dilation of filter rows", "dilation[0]").field(1)
    dilation_w: int = _geometry("dilation of filter columns", "dilation[1]").field(1)

    def __post_init__(self) -> None:
        check_declared(self, f"layer {self.name!r}")
        if self.macs > MAX_LAYER_MACS:
            raise field_error(f"layer {self.name!r} dims", f"{self.macs:.3g} MACs; give at most 2^53 per layer "
                              "(the cost model counts accesses in doubles, exact to 2^53)")

    # cached: a full search asks every layer of every design it scores for its shape
    @cached_property
    def dims(self) -> tuple[int, ...]:
        """Sizes in DIMS order."""
        return tuple(getattr(self, d) for d in DIMS)

    @cached_property
    def shape(self) -> tuple:
        """What a layer's cost depends on besides the accelerator: its dims and geometry (two
        layers of one shape differ only in name)."""
        return (self.dims, self.stride_h, self.stride_w, self.dilation_h, self.dilation_w)

    @property
    def input_rows(self) -> int:
        """Rows of the (padded) input the layer reads (see ``input_extent``)."""
        return input_extent(self.P, self.R, self.stride_h, self.dilation_h)

    @property
    def input_cols(self) -> int:
        return input_extent(self.Q, self.S, self.stride_w, self.dilation_w)

    @property
    def macs(self) -> int:
        """Multiply-accumulates of one pass of the layer."""
        n = 1
        for size in self.dims:
            n *= size
        return n

    @property
    def weight_count(self) -> int:
        return self.G * self.K * self.C * self.R * self.S

    @property
    def input_count(self) -> int:
        return self.N * self.G * self.C * self.input_rows * self.input_cols

    @property
    def output_count(self) -> int:
        return self.N * self.G * self.K * self.P * self.Q

    @classmethod
    def conv2d(
        cls,
        name: str,
        in_channels: int,
        out_channels: int,
        in_size: int | tuple[int, int],
        kernel: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | None = None,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        batch: int = 1,
    ) -> "Layer":
        """A 2-D convolution given as a framework would: channels, input size, padding.

        ``padding=None`` means 'same'-style padding of (kernel-1)//2 * dilation.
        """
        ih, iw = _pair(in_size)
        kh, kw = _pair(kernel)
        sh, sw = _pair(stride)
        dh, dw = _pair(dilation)
        if padding is None:
            padding = (dh * (kh - 1) // 2, dw * (kw - 1) // 2)
        ph, pw = _pair(padding)
        if in_channels % groups or out_channels % groups:
            raise field_error(
                f"layer {name!r} groups",
                f"{groups} must divide in_channels={in_channels} and out_channels={out_channels}",
            )
        p = conv_output_size(ih, kh, sh, ph, dh)
        q = conv_output_size(iw, kw, sw, pw, dw)
        if p < 1 or q < 1:
            raise field_error(f"layer {name!r} in_size", f"{in_size} is too small for kernel {kernel}")
        return cls(
            name=name, N=batch, G=groups, K=out_channels // groups, C=in_channels // groups,
            P=p, Q=q, R=kh, S=kw, stride_h=sh, stride_w=sw, dilation_h=dh, dilation_w=dw,
        )

    @classmethod
    def gemm(cls, name: str, m: int, k: int, n: int, groups: int = 1, batch: int = 1) -> "Layer":
        """``groups`` independent (m x k) @ (k x n) products, as a 1x1 conv."""
        return cls(name=name, N=batch, G=groups, K=n, C=k, P=m)


def _pair(value: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        return int(value[0]), int(value[1])
    return int(value), int(value)
