"""ONNX and PyTorch import against the zoo (optional extras: onnx, torch, torchvision)."""

import subprocess
import sys
import warnings

import pytest

from naas.errors import NaasError
from naas.workload import zoo_network

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from naas.interop.onnx_import import network_from_onnx  # noqa: E402
from naas.interop.torch_import import from_torch  # noqa: E402


def _export(model, example, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), example, str(path), dynamo=False)


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2"])
def test_torchvision_models_import_both_ways_like_the_zoo(name, tmp_path):
    torchvision = pytest.importorskip("torchvision")
    from naas.interop.torch_import import from_torchvision

    zoo = zoo_network(name)
    traced = from_torchvision(name)
    assert (traced.layer_count, traced.macs, traced.weight_count) == (zoo.layer_count, zoo.macs, zoo.weight_count)
    model = torchvision.models.get_model(name, weights=None)
    _export(model, torch.zeros(1, 3, 224, 224), tmp_path / "m.onnx")
    with pytest.warns(UserWarning, match="skipped ops without MACs to map: .*Add x"):
        imported, skipped = network_from_onnx(tmp_path / "m.onnx")
    assert (imported.layer_count, imported.macs) == (zoo.layer_count, zoo.macs)
    assert skipped["Add"] > 0


class TinyAttention(torch.nn.Module):
    """A transformer block written with explicit matmuls, as many users write attention."""

    def __init__(self, dim=64, heads=4, ffn=256):
        super().__init__()
        self.heads = heads
        self.qkv = torch.nn.Linear(dim, 3 * dim)
        self.proj = torch.nn.Linear(dim, dim)
        self.up = torch.nn.Linear(dim, ffn)
        self.down = torch.nn.Linear(ffn, dim)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        scores = torch.matmul(q, k.transpose(-2, -1)).softmax(-1)
        context = torch.matmul(scores, v).transpose(1, 2).reshape(b, n, d)
        x = x + self.proj(context)
        return x + self.down(torch.relu(self.up(x)))


def test_small_transformer_imports_both_ways(tmp_path):
    model, x = TinyAttention(), torch.zeros(2, 16, 64)
    # qkv 3*64*64, proj 64*64, ffn 2*64*256 per token (2x16 tokens); attention 2 x 4 heads x 16x16x16 twice.
    expected = 32 * (3 * 64 * 64 + 64 * 64 + 2 * 64 * 256) + 2 * (2 * 4 * 16 * 16 * 16)
    traced = from_torch(model, x)
    assert traced.macs == expected and traced.layer_count == 6
    scores = next(nl.layer for nl in traced.layers if nl.layer.K == 16 and nl.layer.C == 16)
    assert (scores.N, scores.G) == (2, 4)
    _export(model, x, tmp_path / "t.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imported, _ = network_from_onnx(tmp_path / "t.onnx")
    assert imported.macs == expected and imported.layer_count == 6


def test_torch_multihead_attention_layer_matches_the_bert_block():
    layer = torch.nn.TransformerEncoderLayer(768, 12, 3072, dropout=0.0, batch_first=True)
    traced = from_torch(layer, torch.zeros(1, 128, 768))
    zoo = zoo_network("bert_base_block")
    assert (traced.macs, traced.layer_count) == (zoo.macs, zoo.layer_count)


def test_bad_models_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"definitely not protobuf")
    with pytest.raises(NaasError, match="is not a valid ONNX model"):
        network_from_onnx(bad)
    with pytest.raises(NaasError, match="no Conv, Gemm or MatMul layer"):
        _export(torch.nn.ReLU(), torch.zeros(1, 4), tmp_path / "relu.onnx")
        network_from_onnx(tmp_path / "relu.onnx")
    with pytest.raises(NaasError, match="ran no conv, linear, matmul"):
        from_torch(torch.nn.ReLU(), torch.zeros(1, 4))
    result = subprocess.run([sys.executable, "-m", "naas.cli", "import", "torchvision:resnet5", "-o",
                             str(tmp_path / "x.yaml")], capture_output=True, text=True)
    if "torchvision is not installed" not in result.stderr:
        assert result.returncode == 2 and "no model 'resnet5'; did you mean" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_import_writes_a_network_evaluate_accepts(tmp_path):
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(8, 8, 3, groups=8))
    _export(model, torch.zeros(1, 3, 32, 32), tmp_path / "m.onnx")
    out = tmp_path / "net.yaml"
    result = subprocess.run([sys.executable, "-m", "naas.cli", "import", str(tmp_path / "m.onnx"), "-o", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("naas: warning: skipped ops") == 1 and "Relu x1" in result.stderr
    from naas.workload import load_network

    net = load_network(out)
    assert [nl.layer.G for nl in net.layers] == [1, 8]
    assert net.macs == 32 * 32 * 8 * 3 * 9 + 30 * 30 * 8 * 9


def _onnx_model(path, nodes, x_shape, weights, opset=13):
    """An ONNX file of ``nodes`` on input x; ``weights`` maps initializer names to shapes (zeros)
    or to arrays."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    inits = [numpy_helper.from_array(w if isinstance(w, np.ndarray) else np.zeros(w, np.float32), name)
             for name, w in weights.items()]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, None)], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]), str(path))
    return path


@pytest.mark.parametrize("x_shape,w_shape,group,opset,message", [
    ([1, 3, 2, 2], [8, 3, 5, 5], 1, 13, "node 'conv_0': tensor 'y' has impossible shape [1, 8, -2, -2]"),
    ([1, 3, 0, 8], [8, 3, 3, 3], 1, 13, "node 'conv_0': tensor 'x' has impossible shape [1, 3, 0, 8]"),
    ([1, 3, 8, 8], [8, 1, 3, 3], 2, 13, "Conv 'conv_0': 3 input channels, weight [8, 1, 3, 3] and group 2 do not fit"),
    ([1, 3, 8, 8], [8, 3, 3, 3], 1, 99, "uses ONNX opset 99; the installed onnx knows up to"),
])
def test_impossible_onnx_convs_are_refused_naming_the_node(tmp_path, x_shape, w_shape, group, opset, message):
    from onnx import helper

    node = helper.make_node("Conv", ["x", "w"], ["y"], group=group)
    path = _onnx_model(tmp_path / "m.onnx", [node], x_shape, {"w": w_shape}, opset)
    with pytest.raises(NaasError) as caught:
        network_from_onnx(path)
    assert message in str(caught.value)


def test_a_matmul_whose_inner_dims_differ_is_refused(tmp_path):
    from onnx import helper

    path = _onnx_model(tmp_path / "m.onnx", [helper.make_node("MatMul", ["x", "w"], ["y"])], [4, 8], {"w": [9, 16]})
    with pytest.raises(NaasError, match="MatMul 'matmul_0': \\[4, 8\\] x \\[9, 16\\] do not multiply"):
        network_from_onnx(path)


def test_a_dynamic_batch_reshape_then_gemm_keeps_its_features(tmp_path):
    from onnx import helper

    nodes = [helper.make_node("Conv", ["x", "w1"], ["a"], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["a", "w2"], ["b"], strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("Reshape", ["b", "shape"], ["c"]),
             helper.make_node("Gemm", ["c", "fc"], ["y"], transB=1)]
    import numpy as np

    weights = {"w1": [16, 3, 3, 3], "w2": [8, 16, 3, 3], "shape": np.array([1, -1], np.int64), "fc": [10, 8 * 4 * 4]}
    path = _onnx_model(tmp_path / "m.onnx", nodes, ["batch", 3, 8, 8], weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        network, _ = network_from_onnx(path)
    gemm = network.layers[-1].layer
    assert (gemm.K, gemm.C, gemm.P, gemm.N) == (10, 128, 1, 1)
