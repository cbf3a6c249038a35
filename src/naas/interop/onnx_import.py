"""ONNX graphs to networks: Conv (groups, strides, dilations, pads), Gemm and MatMul (batched
attention matmuls too), with shape inference at batch 1. Every other op is counted and
reported as skipped, never dropped silently; an impossible shape is refused naming its node."""

from __future__ import annotations

import math
import warnings
from collections import Counter
from pathlib import Path

from naas.errors import NaasError
from naas.workload.layer import Layer
from naas.workload.network import Network


def _onnx():
    try:
        import onnx
    except ImportError:
        raise NaasError("import: the onnx package is not installed; pip install 'naas[onnx]'") from None
    return onnx


def _static_inputs(model) -> None:
    """Fix the graph inputs' symbolic dims (a dynamic batch) to 1 before shape inference, so
    the shapes derived from them infer their true sizes: a Reshape to [1, -1] after a Conv
    keeps its 2,048 features instead of an unknown dim."""
    for value in model.graph.input:
        for dim in value.type.tensor_type.shape.dim:
            if not dim.HasField("dim_value"):
                dim.dim_value = 1


def _shapes(model) -> dict[str, list[int | None]]:
    """Inferred shapes of every tensor; None for a dim shape inference left unknown."""
    shapes = {}
    graph = model.graph
    for value in list(graph.input) + list(graph.value_info) + list(graph.output):
        dims = value.type.tensor_type.shape.dim
        shapes[value.name] = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    for init in graph.initializer:
        shapes[init.name] = list(init.dims)
    return shapes


def _shape(shapes, tensor: str, node: str) -> list[int]:
    """The shape of ``tensor``, every dim known and positive, or a NaasError naming the node."""
    if tensor not in shapes:
        raise NaasError(f"import: no shape for tensor {tensor!r} of node {node!r}; the model needs static "
                        "input shapes")
    shape = shapes[tensor]
    if any(d is None for d in shape):
        raise NaasError(f"import: node {node!r}: tensor {tensor!r} has shape {shape} with unknown dims; give the "
                        "model static shapes")
    if any(d <= 0 for d in shape):
        raise NaasError(f"import: node {node!r}: tensor {tensor!r} has impossible shape {shape} (a dim <= 0: a "
                        "kernel larger than its input, or an empty tensor)")
    return shape


def _attrs(node) -> dict:
    onnx = _onnx()
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(node, shapes, name: str) -> Layer:
    x, w = _shape(shapes, node.input[0], name), _shape(shapes, node.input[1], name)
    if len(x) not in (3, 4) or len(w) != len(x):
        raise NaasError(f"import: Conv {name!r}: input {x} and weight {w} must both be 3-D or 4-D")
    x, w = x + [1] * (4 - len(x)), w + [1] * (4 - len(w))
    a = _attrs(node)
    group = int(a.get("group", 1))
    if group < 1 or x[1] != w[1] * group or w[0] % group:
        raise NaasError(f"import: Conv {name!r}: {x[1]} input channels, weight {w} and group {group} do not fit "
                        "(input channels = weight's dim 1 x group, output channels a multiple of group)")
    strides = list(a.get("strides", [1, 1])) + [1]
    dilations = list(a.get("dilations", [1, 1])) + [1]
    out = _shape(shapes, node.output[0], name)
    out = out + [1] * (4 - len(out))
    return Layer(name, N=x[0], G=group, K=w[0] // group, C=w[1], P=out[2], Q=out[3], R=w[2], S=w[3],
                 stride_h=int(strides[0]), stride_w=int(strides[1]),
                 dilation_h=int(dilations[0]), dilation_w=int(dilations[1]))


def _gemm(node, shapes, name: str) -> Layer:
    a_shape, b_shape = _shape(shapes, node.input[0], name), _shape(shapes, node.input[1], name)
    if len(a_shape) != 2 or len(b_shape) != 2:
        raise NaasError(f"import: Gemm {name!r}: A {a_shape} and B {b_shape} must be 2-D")
    attrs = _attrs(node)
    m, k = (a_shape[1], a_shape[0]) if attrs.get("transA", 0) else (a_shape[0], a_shape[1])
    k_b, n = (b_shape[1], b_shape[0]) if attrs.get("transB", 0) else (b_shape[0], b_shape[1])
    if k != k_b:
        raise NaasError(f"import: Gemm {name!r}: A {a_shape} and B {b_shape} do not multiply ({k} != {k_b})")
    return Layer.gemm(name, m, k, n)


def _matmul(node, shapes, initializers: set[str], name: str) -> Layer:
    a_shape, b_shape = _shape(shapes, node.input[0], name), _shape(shapes, node.input[1], name)
    if len(a_shape) == 1:
        a_shape = [1] + a_shape
    if len(b_shape) == 1:
        b_shape = b_shape + [1]
    m, k, n = a_shape[-2], a_shape[-1], b_shape[-1]
    if k != b_shape[-2]:
        raise NaasError(f"import: MatMul {name!r}: {a_shape} x {b_shape} do not multiply ({k} != {b_shape[-2]})")
    lead_a, lead_b = a_shape[:-2], b_shape[:-2]
    if node.input[1] in initializers or not lead_b:
        # activations x weights: every leading dim of A is just more rows
        return Layer.gemm(name, math.prod(lead_a) * m, k, n)
    lead = [max(x, y) for x, y in zip([1] * (len(lead_b) - len(lead_a)) + lead_a,
                                      [1] * (len(lead_a) - len(lead_b)) + lead_b)]
    batch = lead[0] if len(lead) > 1 else 1
    groups = math.prod(lead[1:]) if len(lead) > 1 else math.prod(lead)
    return Layer.gemm(name, m, k, n, groups=groups, batch=batch)


def _check_opset(model, path: Path) -> None:
    onnx = _onnx()
    supported = onnx.defs.onnx_opset_version()
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx") and opset.version > supported:
            raise NaasError(f"import: {path} uses ONNX opset {opset.version}; the installed onnx knows up to "
                            f"{supported}: export with opset <= {supported} or upgrade onnx")


def network_from_onnx(source: str | Path, name: str | None = None) -> tuple[Network, Counter]:
    """The network of an ONNX file and a count of the op types it skipped."""
    onnx = _onnx()
    path = Path(source)
    try:
        model = onnx.load(str(path))
        _check_opset(model, path)
        _static_inputs(model)
        model = onnx.shape_inference.infer_shapes(model)
    except FileNotFoundError:
        raise NaasError(f"import: {path} does not exist") from None
    except NaasError:
        raise
    except Exception as exc:  # onnx raises DecodeError, ValidationError, ...: all mean a bad file
        raise NaasError(f"import: {path} is not a valid ONNX model ({type(exc).__name__})") from None
    shapes = _shapes(model)
    initializers = {i.name for i in model.graph.initializer}
    layers, skipped = [], Counter()
    for i, node in enumerate(model.graph.node):
        label = node.name or f"{node.op_type.lower()}_{i}"
        if node.op_type == "Conv":
            layers.append(_conv(node, shapes, label))
        elif node.op_type == "Gemm":
            layers.append(_gemm(node, shapes, label))
        elif node.op_type == "MatMul":
            layers.append(_matmul(node, shapes, initializers, label))
        else:
            skipped[node.op_type] += 1
    if not layers:
        raise NaasError(f"import: {path} has no Conv, Gemm or MatMul layer to map")
    if skipped:
        warnings.warn("skipped ops without MACs to map: " + ", ".join(f"{op} x{n}" for op, n in sorted(skipped.items())),
                      stacklevel=2)
    return Network.from_layers(name or path.stem, layers), skipped
