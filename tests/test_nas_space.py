"""The once-for-all MobileNet-V3 space as networks (naas.nas.ofa_mbv3)."""

import pytest

from naas.errors import NaasError
from naas.nas.ofa_mbv3 import MobileNetV3Config, make_divisible, mobilenet_v3_network


def test_channel_rounding_matches_mobilenet():
    assert [make_divisible(w * 1.2) for w in (16, 24, 40, 80, 112, 160, 960, 1280)] == \
        [24, 32, 48, 96, 136, 192, 1152, 1536]
    assert make_divisible(36) == 40 and make_divisible(12) == 16


def test_depth_and_resolution_change_the_network_as_expected():
    small = MobileNetV3Config((3,) * 20, (3,) * 20, (2,) * 5, 128)
    net = mobilenet_v3_network(small)
    # stem 1 + first block 2 + 10 MBConv blocks x 3 + 3 SE stages x 2 blocks x 2 FCs + head 3
    assert net.layer_count == 1 + 2 + 10 * 3 + 3 * 2 * 2 + 3
    bigger = mobilenet_v3_network(MobileNetV3Config((3,) * 20, (3,) * 20, (2,) * 5, 224))
    assert bigger.macs > net.macs * 2.5  # spatial layers scale with resolution squared
    deeper = mobilenet_v3_network(MobileNetV3Config((3,) * 20, (3,) * 20, (4,) * 5, 128))
    assert deeper.layer_count == net.layer_count + 10 * 3 + 3 * 2 * 2


def test_ofa_dict_form_and_bad_configs():
    cfg = MobileNetV3Config.from_ofa({"ks": [5] * 20, "e": [4] * 20, "d": [3] * 5, "r": [160]})
    assert cfg.resolution == 160 and cfg.kernels[0] == 5
    with pytest.raises(NaasError, match="ofa-mbv3 ks"):
        MobileNetV3Config((9,) * 20, (3,) * 20, (2,) * 5)
    with pytest.raises(NaasError, match="ofa-mbv3 d"):
        MobileNetV3Config((3,) * 20, (3,) * 20, (5,) * 5)


def _reference(torch, kernels, expands, depths):
    """An independent torch build of the OFA MobileNet-V3 w1.2 sub-network."""
    nn = torch.nn
    widths, final, last = [24, 24, 32, 48, 96, 136, 192], 1152, 1536
    strides, se = [2, 2, 2, 1, 2], [False, True, False, True, True]

    def round8(x):
        r = max(8, (int(x) + 4) // 8 * 8)
        return r + 8 if r < 0.9 * x else r

    class SE(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.reduce, self.expand = nn.Conv2d(c, round8(c // 4), 1), nn.Conv2d(round8(c // 4), c, 1)

        def forward(self, x):
            return x * self.expand(self.reduce(x.mean((2, 3), keepdim=True))).sigmoid()

    blocks = [nn.Conv2d(3, 24, 3, 2, 1), nn.Conv2d(24, 24, 3, 1, 1, groups=24), nn.Conv2d(24, 24, 1)]
    cin = 24
    for s in range(5):
        for b in range(depths[s]):
            k, e = kernels[4 * s + b], expands[4 * s + b]
            hidden = cin * e
            blocks += [nn.Conv2d(cin, hidden, 1), nn.Conv2d(hidden, hidden, k, strides[s] if b == 0 else 1, k // 2,
                                                            groups=hidden)]
            if se[s]:
                blocks.append(SE(hidden))
            blocks.append(nn.Conv2d(hidden, widths[s + 2], 1))
            cin = widths[s + 2]
    blocks += [nn.Conv2d(cin, final, 1), nn.AdaptiveAvgPool2d(1), nn.Conv2d(final, last, 1), nn.Flatten(),
               nn.Linear(last, 1000)]
    return nn.Sequential(*blocks)


@pytest.mark.parametrize("config", [
    MobileNetV3Config.largest(224),
    MobileNetV3Config((3, 5, 7, 3) * 5, (6, 4, 3, 6) * 5, (2, 3, 4, 3, 2), 160),
])
def test_macs_equal_an_independent_torch_build(config):
    torch = pytest.importorskip("torch")
    from naas.interop.torch_import import from_torch

    model = _reference(torch, config.kernels, config.expands, config.depths)
    traced = from_torch(model, torch.zeros(1, 3, config.resolution, config.resolution))
    ours = mobilenet_v3_network(config)
    assert (ours.macs, ours.layer_count, ours.weight_count) == (traced.macs, traced.layer_count, traced.weight_count)


def _ofa_tutorial_features(config):
    """The OFA tutorial's spec2feats, restated: zero skipped slots, one-hots, (r - 112) // 16."""
    ks, ex = list(config.kernels), list(config.expands)
    for stage, depth in enumerate(config.depths):
        for j in range(stage * 4 + depth, stage * 4 + 4):
            ks[j] = ex[j] = 0
    ks_onehot, ex_onehot, r_onehot = [0] * 60, [0] * 60, [0] * 8
    for i in range(20):
        if ks[i]:
            ks_onehot[3 * i + {3: 0, 5: 1, 7: 2}[ks[i]]] = 1
        if ex[i]:
            ex_onehot[3 * i + {3: 0, 4: 1, 6: 2}[ex[i]]] = 1
    r_onehot[(config.resolution - 112) // 16] = 1
    return ks_onehot + ex_onehot + r_onehot


def test_published_format_predictor_loads_and_matches_a_torch_forward(tmp_path):
    torch = pytest.importorskip("torch")
    from naas.nas.predictors import OFAMLPPredictor

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(128, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(),
                                torch.nn.Linear(16, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    torch.save(model.state_dict(), tmp_path / "acc.pth")
    predictor = OFAMLPPredictor.load(tmp_path / "acc.pth")
    configs = [MobileNetV3Config.largest(224), MobileNetV3Config((3, 5, 7, 3) * 5, (6, 4, 3, 6) * 5, (2, 3, 4, 3, 2), 160)]
    expected = [100 * model(torch.tensor(_ofa_tutorial_features(c), dtype=torch.float32)).item() for c in configs]
    assert predictor.predict(configs) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(NaasError, match="resolutions 112-224 in steps of 16"):
        predictor.predict([MobileNetV3Config.largest(132)])


def test_ofa_nas_format_predictor_loads(tmp_path):
    torch = pytest.importorskip("torch")
    from naas.nas.predictors import OFAMLPPredictor, encoder_features

    torch.manual_seed(1)
    n_dim = 25 + 20 * 3 + 20 * 3
    layers = torch.nn.Sequential(
        torch.nn.Sequential(torch.nn.Linear(n_dim, 16), torch.nn.ReLU()),
        torch.nn.Sequential(torch.nn.Linear(16, 16), torch.nn.ReLU()),
        torch.nn.Sequential(torch.nn.Linear(16, 16), torch.nn.ReLU()),
        torch.nn.Linear(16, 1, bias=False),
    )
    state = {f"layers.{k}": v for k, v in layers.state_dict().items()}
    state["base_acc"] = torch.tensor([0.75])
    torch.save({"state_dict": state}, tmp_path / "acc.pth")
    predictor = OFAMLPPredictor.load(tmp_path / "acc.pth")
    configs = [MobileNetV3Config.largest(224), MobileNetV3Config((3,) * 20, (3,) * 20, (2,) * 5, 128)]
    expected = [100 * (layers(torch.tensor(encoder_features(c), dtype=torch.float32)).item() + 0.75) for c in configs]
    assert predictor.predict(configs) == pytest.approx(expected, rel=1e-5)
    features = encoder_features(configs[1])
    assert features[0] == 1 and features.sum() == 1 + 10 + 10  # resolution first, 10 active blocks
    (tmp_path / "junk.pth").write_bytes(b"nope")
    with pytest.raises(NaasError, match="not a torch"):
        OFAMLPPredictor.load(tmp_path / "junk.pth")


def test_callable_and_table_predictors():
    from naas.nas.predictors import CallablePredictor, TablePredictor

    by_depth = CallablePredictor(lambda c: 70 + sum(c.depths) / 4, "test")
    small = MobileNetV3Config((3,) * 20, (3,) * 20, (2,) * 5, 128)
    assert by_depth.predict([small, MobileNetV3Config.largest()]).tolist() == [72.5, 75.0]
    table = TablePredictor({(small.kernels, small.expands, small.depths, 128, 1.2): 71.2})
    assert table.predict([small]).tolist() == [71.2]
    with pytest.raises(NaasError, match="no entry"):
        table.predict([MobileNetV3Config.largest()])
    with pytest.raises(NaasError, match="module:function"):
        CallablePredictor.from_spec("nocolon")
    assert CallablePredictor.from_spec("math:fsum").name == "math:fsum"


def _resnet_reference(torch, config):
    """An independent torch build of an OFA ResNet-50 sub-network."""
    nn = torch.nn

    def round8(x):
        r = max(8, (int(x) + 4) // 8 * 8)
        return r + 8 if r < 0.9 * x else r

    class Bottleneck(nn.Module):
        def __init__(self, cin, cout, mid, stride):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(cin, mid, 1), nn.Conv2d(mid, mid, 3, stride, 1), nn.Conv2d(mid, cout, 1))
            self.short = None
            if stride != 1 or cin != cout:
                self.short = nn.Sequential(nn.AvgPool2d(stride, stride, ceil_mode=True), nn.Conv2d(cin, cout, 1))

        def forward(self, x):
            return self.body(x) + (x if self.short is None else self.short(x))

    mid = round8(round8(64 * config.widths[0]) // 2)
    out = round8(64 * config.widths[1])
    layers = [nn.Conv2d(3, mid, 3, 2, 1)]
    if config.depths[0] == 2:
        layers.append(nn.Conv2d(mid, mid, 3, 1, 1))
    layers += [nn.Conv2d(mid, out, 3, 1, 1), nn.MaxPool2d(3, 2, 1)]
    cin, slot = out, 0
    for s, (base, width) in enumerate(zip((2, 2, 4, 2), (256, 512, 1024, 2048))):
        cout = round8(width * config.widths[s + 2])
        for b in range(base + 2):
            if b < base + config.depths[s + 1]:
                layers.append(Bottleneck(cin, cout, round8(round(cout * config.expands[slot])),
                                         (1 if s == 0 else 2) if b == 0 else 1))
                cin = cout
            slot += 1
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 1000)]
    return nn.Sequential(*layers)


@pytest.mark.parametrize("config", [
    "largest",
    ((1, 0, 2, 1, 0), (0.2, 0.25, 0.35) * 6, (0.65, 0.8, 1.0, 0.65, 0.8, 1.0), 160),
])
def test_ofa_resnet50_macs_equal_an_independent_torch_build(config):
    torch = pytest.importorskip("torch")
    from naas.interop.torch_import import from_torch
    from naas.nas.ofa_resnet50 import ResNet50Config, resnet50_network

    config = ResNet50Config.largest() if config == "largest" else ResNet50Config(*config)
    traced = from_torch(_resnet_reference(torch, config), torch.zeros(1, 3, config.resolution, config.resolution))
    ours = resnet50_network(config)
    assert (ours.macs, ours.layer_count, ours.weight_count) == (traced.macs, traced.layer_count, traced.weight_count)


def test_ofa_resnet50_width_rounding_matches_ofa_channel_lists():
    from naas.nas.ofa_mbv3 import make_divisible

    # OFA's own FLOPs model lists these channels for width 0.65 / 0.8 / 1.0.
    assert [make_divisible(64 * w) for w in (0.65, 0.8, 1.0)] == [40, 48, 64]
    assert [make_divisible(256 * w) for w in (0.65, 0.8, 1.0)] == [168, 208, 256]
    assert [make_divisible(2048 * w) for w in (0.65, 0.8, 1.0)] == [1328, 1640, 2048]


def test_published_predictor_is_fetched_once_and_cached(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from naas.nas import predictors

    model = torch.nn.Sequential(torch.nn.Linear(128, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    torch.save(model.state_dict(), tmp_path / "served.pth")
    with pytest.raises(NaasError, match="no published predictor for space"):
        predictors.fetch_published_predictor(tmp_path / "cache", space="ofa-vit")
    # A file:// address stands in for the published one: tests download nothing.
    monkeypatch.setitem(predictors.PUBLISHED_PREDICTORS, "ofa-mbv3",
                        ((tmp_path / "served.pth").as_uri(), "ofa_acc_predictor.pth"))
    cached = predictors.fetch_published_predictor(tmp_path / "cache")
    assert cached.read_bytes() == (tmp_path / "served.pth").read_bytes()
    (tmp_path / "served.pth").unlink()
    assert predictors.fetch_published_predictor(tmp_path / "cache") == cached  # no second fetch
    assert predictors.OFAMLPPredictor.load(cached).predict([MobileNetV3Config.largest(224)]).shape == (1,)
    monkeypatch.setitem(predictors.PUBLISHED_PREDICTORS, "ofa-mbv3",
                        ((tmp_path / "missing.pth").as_uri(), "ofa_acc_predictor.pth"))
    with pytest.raises(NaasError, match="cannot fetch"):
        predictors.fetch_published_predictor(tmp_path / "other-cache")
