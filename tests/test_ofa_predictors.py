"""once-for-all's published predictors, read without torch (``naas.nas.state_dict``), against
the files in ../shared/ofa (skipped where they are absent; tests download nothing)."""

import hashlib
import pickle
from pathlib import Path

import numpy as np
import pytest

from naas.errors import NaasError
from naas.nas import predictors
from naas.nas.cosearch import CoSearchConfig, cosearch
from naas.nas.ofa_mbv3 import MobileNetV3Config
from naas.nas.ofa_resnet50 import BLOCK_SLOTS, ResNet50Config
from naas.nas.predictors import OFAMLPPredictor
from naas.nas.state_dict import load_state_dict
from tests.test_cosearch import INNER, SPACE

OFA = Path(__file__).resolve().parents[2] / "shared" / "ofa"
MBV3 = OFA / "acc_predictor.pth"
RESNET50 = OFA / "ofa_resnet50_acc_predictor.pth"
SHA256 = {MBV3: "48685122a3540636b06699af66cd816456b25f29b69563e2fda9bed4018eeba0",
          RESNET50: "68912b4b4be38feb504c5b773dc847af23a637984d5eaabf548de72cd0f79529"}
needs_files = pytest.mark.skipif(not (MBV3.exists() and RESNET50.exists()), reason="../shared/ofa is absent")


@needs_files
@pytest.mark.parametrize("path", [MBV3, RESNET50], ids=["mbv3", "resnet50"])
def test_state_dict_reads_the_published_files_as_torch_does(path):
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA256[path]
    ours = load_state_dict(path)
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in ours.values())
    torch = pytest.importorskip("torch")
    theirs = torch.load(str(path), map_location="cpu", weights_only=True)
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        assert np.array_equal(ours[key], value.numpy()), key


def test_state_dict_reads_the_zip_format_and_refuses_code(tmp_path):
    # A legacy-format file whose object pickle calls os.system: it must be refused unrun.
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            import os
            return os.system, (f"touch {marker}",)

    with open(tmp_path / "evil.pth", "wb") as handle:
        for part in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}, Payload()):
            pickle.dump(part, handle, protocol=2)
    with pytest.raises(NaasError, match="is not a torch state dict naas can read.*not part of a state dict"):
        load_state_dict(tmp_path / "evil.pth")
    assert not marker.exists()
    torch = pytest.importorskip("torch")
    state = {"w": torch.arange(12, dtype=torch.float32).reshape(3, 4).t(), "b": torch.tensor([0.5], dtype=torch.float64)}
    torch.save(state, tmp_path / "zip.pth")
    torch.save(state, tmp_path / "legacy.pth", _use_new_zipfile_serialization=False)
    for name in ("zip.pth", "legacy.pth"):
        got = load_state_dict(tmp_path / name)
        assert np.array_equal(got["w"], state["w"].numpy()) and got["b"].dtype == np.float64


def test_a_truncated_file_is_one_line_error(tmp_path):
    data = RESNET50.read_bytes() if RESNET50.exists() else None
    if data is None:
        pytest.skip("../shared/ofa is absent")
    (tmp_path / "cut.pth").write_bytes(data[: len(data) // 2])
    with pytest.raises(NaasError, match="truncated|not a torch state dict"):
        load_state_dict(tmp_path / "cut.pth")


def _resnet_features_by_hand(d, e, w, r):
    """ResNetArchEncoder's 82 inputs written out: 8 resolutions | stem 2 | 6 widths x 3 |
    18 expand slots x 3, the slots of stage s starting at 0, 4, 8, 14."""
    x = np.zeros(82)
    x[[128, 144, 160, 176, 192, 224, 240, 256].index(r)] = 1
    x[8 + (1 if d[0] > 0 else 0)] = 1
    for i, wi in enumerate(w):
        x[10 + 3 * i + wi] = 1
    for stage, (start, base) in enumerate(zip((0, 4, 8, 14), (2, 2, 4, 2))):
        for slot in range(start, start + base + d[stage + 1]):
            x[28 + 3 * slot + [0.2, 0.25, 0.35].index(e[slot])] = 1
    return x


def _mlp(state, x):
    for i in range(3):
        x = np.maximum(x @ state[f"layers.{i}.0.weight"].T.astype(np.float64) + state[f"layers.{i}.0.bias"], 0)
    return 100 * (x @ state["layers.3.weight"].T[:, 0] + state["base_acc"][0])


@needs_files
def test_resnet50_predictor_matches_its_encoder_written_by_hand():
    predictor = OFAMLPPredictor.load(RESNET50)
    assert predictor.space == "ofa-resnet50" and predictor.resolutions == predictors.RESNET50_RESOLUTIONS
    state = load_state_dict(RESNET50)
    cases = [((2, 2, 2, 2, 2), (0.35,) * BLOCK_SLOTS, (2,) * 6, 224),
             ((0, 0, 0, 0, 0), (0.2,) * BLOCK_SLOTS, (0,) * 6, 128),
             ((1, 2, 0, 1, 2), (0.25, 0.2, 0.35) * 6, (0, 1, 2, 2, 1, 0), 176)]
    configs = [ResNet50Config(d, e, tuple((0.65, 0.8, 1.0)[i] for i in w), r) for d, e, w, r in cases]
    expected = [_mlp(state, _resnet_features_by_hand(*case)) for case in cases]
    assert predictor.predict(configs) == pytest.approx(expected, rel=1e-5)
    assert expected[0] > expected[2] > expected[1]  # the largest net reads highest, the smallest lowest
    with pytest.raises(NaasError, match="is a ofa-resnet50 predictor"):
        predictor.predict([MobileNetV3Config.largest(224)])
    with pytest.raises(NaasError, match="resolution 208 is not one of"):
        predictor.predict([ResNet50Config((2,) * 5, (0.35,) * BLOCK_SLOTS, (1.0,) * 6, 208)])


@needs_files
def test_searches_keep_to_the_predictors_trained_resolutions():
    mbv3 = OFAMLPPredictor.load(MBV3)
    assert mbv3.resolutions == (160, 176, 192, 208, 224)
    config = CoSearchConfig(popsize=4, generations=1, accuracy_floor=70.0, inner=INNER)
    result = cosearch(SPACE, mbv3, config)
    assert result.front and all(c.config.resolution in mbv3.resolutions for c in result.front)
    with pytest.raises(NaasError, match="predicts the ofa-resnet50 space, not ofa-mbv3"):
        cosearch(SPACE, OFAMLPPredictor.load(RESNET50), config)


@needs_files
def test_published_predictors_are_served_from_the_cache_per_space(tmp_path, monkeypatch):
    for space, (_, name) in predictors.PUBLISHED_PREDICTORS.items():
        source = MBV3 if space == "ofa-mbv3" else RESNET50
        (tmp_path / name).write_bytes(source.read_bytes())
        # an address that cannot be fetched: the cached copy must be used, nothing downloaded
        monkeypatch.setitem(predictors.PUBLISHED_PREDICTORS, space, ((tmp_path / "absent").as_uri(), name))
        path = predictors.fetch_published_predictor(tmp_path, space=space)
        assert OFAMLPPredictor.load(path).space == space
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert predictors.predictor_cache_dir() == tmp_path / "xdg" / "naas"


@needs_files
def test_published_calibration_is_what_the_specialised_nets_give():
    from benchmarks.calibrate_predictor import specialised_w12_nets
    from naas.nas.calibration import PUBLISHED_MBV3_CALIBRATION, calibrate, specialised_config

    predictor = OFAMLPPredictor.load(MBV3)
    assert predictor.calibration == PUBLISHED_MBV3_CALIBRATION
    nets = specialised_w12_nets(OFA)
    assert len(nets) == 10
    configs = [specialised_config(net, size, predictor.resolutions) for _, net, size, _ in nets]
    # flops-389M: 16 blocks in stages of 2, 3, 3, 4, 4 at 224
    assert configs[[n for n, *_ in nets].index("flops-389M_top1-79.1_finetune-75")].depths == (2, 3, 3, 4, 4)
    fit = calibrate(predictor.predict(configs), [m for *_, m in nets], PUBLISHED_MBV3_CALIBRATION.source)
    assert fit == PUBLISHED_MBV3_CALIBRATION
    assert -4 < fit.offset_pct < -3 and fit.correlation > 0.9
    assert OFAMLPPredictor.load(RESNET50).calibration is None


@needs_files
def test_cosearch_summary_states_the_scale_and_the_floor_in_imagenet_terms(tmp_path, capsys):
    from naas.cli import main

    assert main(["cosearch", "--budget", "eyeriss", "--accuracy-floor", "76", "--predictor", str(MBV3),
                 "--generations", "1", "--popsize", "4", "--map-generations", "6", "--map-popsize", "8",
                 "--out", str(tmp_path / "cs"), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "calibrated: ImageNet top-1 ~ predicted -3.42 +- 0.15 points" in text
    assert "The floor 76.0 % (predictor scale) is about 72.6 % ImageNet top-1." in text
    assert "% ImageNet top-1, EDP" in text


def test_an_accuracy_table_loads_per_space_and_refuses_a_short_row(tmp_path):
    mbv3 = MobileNetV3Config((3,) * 20, (4,) * 20, (2,) * 5, 160)
    resnet = ResNet50Config((0,) * 5, (0.25,) * 18, (1,) * 6, 160)
    (tmp_path / "m.yaml").write_text(f"- {{ks: {list(mbv3.kernels)}, e: {list(mbv3.expands)}, d: {list(mbv3.depths)}, "
                                     f"r: 160, top1: 74.5}}\n")
    (tmp_path / "r.yaml").write_text(f"- {{d: {list(resnet.depths)}, e: {list(resnet.expands)}, w: {list(resnet.widths)}, "
                                     f"r: 160, top1: 76.0}}\n")
    assert predictors.TablePredictor.load(tmp_path / "m.yaml").predict([mbv3]).tolist() == [74.5]
    assert predictors.TablePredictor.load(tmp_path / "r.yaml", "ofa-resnet50").predict([resnet]).tolist() == [76.0]
    (tmp_path / "bad.yaml").write_text("- {ks: [3], top1: 70}\n")
    with pytest.raises(NaasError, match="accuracy table: every row needs ks, e, d, r and top1"):
        predictors.TablePredictor.load(tmp_path / "bad.yaml")
