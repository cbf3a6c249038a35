import pytest

from naas.errors import NaasError
from naas.workload import Layer, load_network, save_network, zoo_network
from naas.workload.zoo import ZOO
from tests.conftest import find_layer

# Published multiply-accumulate counts at 224x224, batch 1.
PUBLISHED_MACS = {
    "vgg16": (15.5e9, 0.01),        # Simonyan & Zisserman 2015; 15.5 GMAC commonly cited
    "resnet50": (4.1e9, 0.01),      # torchvision ResNet-50 (v1.5): 4.09 GMAC
    "resnet18": (1.8e9, 0.01),      # He et al. 2016 Table 1: 1.8 GFLOPs (multiply-adds)
    "mobilenet_v2": (300e6, 0.01),  # Sandler et al. 2018 Table 4: 300M multiply-adds
    "mnasnet_a1": (312e6, 0.01),    # Tan et al. 2019 Table 1: 312M multiply-adds
    "squeezenet": (819e6, 0.01),    # torchvision squeezenet1_0: 0.82 GFLOPs (multiply-adds)
}


@pytest.mark.parametrize("name", sorted(PUBLISHED_MACS))
def test_zoo_macs_match_published(name):
    expected, tolerance = PUBLISHED_MACS[name]
    assert zoo_network(name).macs == pytest.approx(expected, rel=tolerance)


def test_resnet50_and_mobilenet_weights_match_published():
    # He et al. 2016: 25.5M parameters (ours counts conv/FC weights only, no biases/BN).
    assert zoo_network("resnet50").weight_count == pytest.approx(25.5e6, rel=0.01)
    assert zoo_network("mobilenet_v2").weight_count == pytest.approx(3.47e6, rel=0.01)


def test_unet_matches_an_independent_count():
    # Ronneberger et al. 2015, Fig. 1, recomputed here level by level with unpadded 3x3 convs.
    macs, size, cin = 0, 572, 1
    for level, width in enumerate([64, 128, 256, 512, 1024]):
        for _ in range(2):
            size -= 2
            macs += size * size * width * cin * 9
            cin = width
        if level < 4:
            size //= 2
    for width in [512, 256, 128, 64]:
        macs += size * size * cin * width * 4  # 2x2 up-conv: each input pixel feeds 4 outputs
        size *= 2
        cin = 2 * width
        for _ in range(2):
            size -= 2
            macs += size * size * width * cin * 9
            cin = width
    macs += size * size * cin * 2
    net = zoo_network("unet")
    assert size == 388  # the paper's output map
    assert net.macs == macs
    assert net.layer_count == 23


def test_bert_block_is_the_published_gemms():
    net = zoo_network("bert")
    # 4 x 768^2 projections, 2 x 768*3072 FFN, 2 x 12 heads x 128^2 x 64 per token batch of 128.
    expected = 128 * (4 * 768 * 768 + 2 * 768 * 3072) + 2 * 12 * 128 * 128 * 64
    assert net.macs == expected
    scores = find_layer(net, "attention_scores")
    assert (scores.G, scores.P, scores.C, scores.K) == (12, 128, 64, 128)


def test_depthwise_layers_use_groups():
    layer = find_layer(zoo_network("mobilenet_v2"), "block3.depthwise")
    assert layer.G == 144 and layer.K == 1 and layer.C == 1 and layer.R == 3


def test_conv2d_output_size_and_strides():
    layer = Layer.conv2d("c", 3, 64, 224, 7, stride=2, padding=3)
    assert (layer.P, layer.Q, layer.stride_h) == (112, 112, 2)
    assert layer.input_rows == (112 - 1) * 2 + 7  # padded input rows read


def test_every_zoo_network_round_trips_through_yaml(tmp_path):
    for name in ZOO:
        net = zoo_network(name)
        save_network(net, tmp_path / f"{name}.yaml")
        assert load_network(tmp_path / f"{name}.yaml") == net


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_bad_layer_sizes_name_the_field(bad):
    with pytest.raises(NaasError, match=r"layer 'x' dims\.K: must be (an integer )?in \[1, 2\^24\]"):
        Layer("x", K=bad)


def test_unknown_model_name_lists_choices():
    with pytest.raises(NaasError, match="unknown model 'alexnet'.*resnet50"):
        zoo_network("alexnet")


def test_malformed_network_yaml(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("name: x\nlayers:\n  - name: a\n    dims: {K: 4, Z: 2}\n")
    with pytest.raises(NaasError, match=r"layers\[0\] dims: unknown dims \['Z'\]"):
        load_network(path)
    path.write_text("name: x\nlayers:\n  - name: a\n    dims: {K: -4}\n")
    with pytest.raises(NaasError, match=r"layer 'a' dims\.K: must be in \[1, 2\^24\], got -4"):
        load_network(path)
    path.write_text("name: [unclosed\n")
    with pytest.raises(NaasError, match="not valid YAML"):
        load_network(path)
