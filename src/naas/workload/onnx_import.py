"""ONNX graphs to networks: Conv (groups, strides, dilations, pads), Gemm and MatMul (batched
attention matmuls too), with shape inference. Every other op is counted and reported as
skipped, never dropped silently."""

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


def _shapes(model) -> dict[str, list[int]]:
    """Static shapes of every tensor (symbolic dims, such as a batch dim, count as 1)."""
    shapes = {}
    graph = model.graph
    for value in list(graph.input) + list(graph.value_info) + list(graph.output):
        dims = value.type.tensor_type.shape.dim
        shapes[value.name] = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1 for d in dims]
    for init in graph.initializer:
        shapes[init.name] = list(init.dims)
    return shapes


def _attrs(node) -> dict:
    onnx = _onnx()
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(node, shapes, name: str) -> Layer:
    x, w = shapes[node.input[0]], shapes[node.input[1]]
    if len(x) != 4:
        x = x + [1] * (4 - len(x))
        w = w + [1] * (4 - len(w))
    a = _attrs(node)
    group = int(a.get("group", 1))
    strides = list(a.get("strides", [1, 1])) + [1]
    dilations = list(a.get("dilations", [1, 1])) + [1]
    out = shapes.get(node.output[0])
    if out is None or len(out) != 4:
        raise NaasError(f"import: no inferred output shape for Conv {name!r}; run onnx shape inference first")
    return Layer(name, N=x[0], G=group, K=w[0] // group, C=w[1], P=out[2], Q=out[3], R=w[2], S=w[3],
                 stride_h=int(strides[0]), stride_w=int(strides[1]),
                 dilation_h=int(dilations[0]), dilation_w=int(dilations[1]))


def _gemm(node, shapes, name: str) -> Layer:
    a_shape, b_shape = shapes[node.input[0]], shapes[node.input[1]]
    attrs = _attrs(node)
    m, k = (a_shape[1], a_shape[0]) if attrs.get("transA", 0) else (a_shape[0], a_shape[1])
    n = b_shape[0] if attrs.get("transB", 0) else b_shape[1]
    return Layer.gemm(name, m, k, n)


def _matmul(node, shapes, initializers: set[str], name: str) -> Layer:
    a_shape, b_shape = shapes[node.input[0]], shapes[node.input[1]]
    if len(a_shape) == 1:
        a_shape = [1] + a_shape
    if len(b_shape) == 1:
        b_shape = b_shape + [1]
    m, k, n = a_shape[-2], a_shape[-1], b_shape[-1]
    lead_a, lead_b = a_shape[:-2], b_shape[:-2]
    if node.input[1] in initializers or not lead_b:
        # activations x weights: every leading dim of A is just more rows
        return Layer.gemm(name, math.prod(lead_a) * m, k, n)
    lead = [max(x, y) for x, y in zip([1] * (len(lead_b) - len(lead_a)) + lead_a,
                                      [1] * (len(lead_a) - len(lead_b)) + lead_b)]
    batch = lead[0] if len(lead) > 1 else 1
    groups = math.prod(lead[1:]) if len(lead) > 1 else math.prod(lead)
    return Layer.gemm(name, m, k, n, groups=groups, batch=batch)


def network_from_onnx(source: str | Path, name: str | None = None) -> tuple[Network, Counter]:
    """The network of an ONNX file and a count of the op types it skipped."""
    onnx = _onnx()
    path = Path(source)
    try:
        model = onnx.load(str(path))
        model = onnx.shape_inference.infer_shapes(model)
    except FileNotFoundError:
        raise NaasError(f"import: {path} does not exist") from None
    except Exception as exc:  # onnx raises DecodeError, ValidationError, ...: all mean a bad file
        raise NaasError(f"import: {path} is not a valid ONNX model ({type(exc).__name__})") from None
    shapes = _shapes(model)
    initializers = {i.name for i in model.graph.initializer}
    layers, skipped = [], Counter()
    for i, node in enumerate(model.graph.node):
        label = node.name or f"{node.op_type.lower()}_{i}"
        try:
            if node.op_type == "Conv":
                layers.append(_conv(node, shapes, label))
            elif node.op_type == "Gemm":
                layers.append(_gemm(node, shapes, label))
            elif node.op_type == "MatMul":
                layers.append(_matmul(node, shapes, initializers, label))
            else:
                skipped[node.op_type] += 1
        except KeyError as exc:
            raise NaasError(f"import: no shape for tensor {exc} of node {label!r}; the model needs static input shapes") from None
    if not layers:
        raise NaasError(f"import: {path} has no Conv, Gemm or MatMul layer to map")
    if skipped:
        warnings.warn("skipped ops without MACs to map: " + ", ".join(f"{op} x{n}" for op, n in sorted(skipped.items())),
                      stacklevel=2)
    return Network.from_layers(name or path.stem, layers), skipped
