import re

import pytest

from naas.arch import BASELINES, baseline
from naas.cost import evaluate_mapping
from naas.errors import NaasError
from naas.mapping import Mapping
from naas.mapping.io import load_mappings, save_mappings
from naas.search.greedy import default_mapping
from naas.workload import DIMS, Layer, zoo_network
from tests.conftest import toy_arch

ONES = (1,) * 8
LAYER = Layer("tiny", K=2, C=2, P=2)


def f(**kw):
    return tuple(kw.get(d, 1) for d in DIMS)


@pytest.mark.parametrize("mapping,reason", [
    (Mapping((f(C=2), f(P=2), ONES), (DIMS,) * 3, (1, 1)), "factors of K multiply to less than its size 2"),
    (Mapping((f(C=2), f(P=2), ONES), (DIMS,) * 3, (3, 1)), "spatial factors of axis 0 \\(K, G\\) multiply to more than its 2 PEs"),
    (Mapping((f(C=2, P=2, K=2), ONES, ONES), (DIMS,) * 3, (1, 1)), None),
])
def test_validity_names_the_rule(mapping, reason):
    c = evaluate_mapping(LAYER, toy_arch(), mapping)
    if reason is None:
        assert c.valid and c.reason == ""
    else:
        assert not c.valid and c.edp == float("inf")
        assert re.search(reason, c.reason)


def test_capacity_violations_name_level_and_operand():
    big = Layer("big", K=2, C=8, P=4)
    m = Mapping((f(C=8, P=4), ONES, ONES), (DIMS,) * 3, (2, 1))
    c = evaluate_mapping(big, toy_arch(), m)
    # I tile = C8 x P4 = 32 words > 8 (W's 8 words fit exactly).
    assert not c.valid and "L1 tile of I does not fit the 16 B per-PE buffer" in c.reason
    m2 = Mapping((ONES, f(C=8, P=4), ONES), (DIMS,) * 3, (2, 1))
    c2 = evaluate_mapping(big, toy_arch(), m2)
    assert not c2.valid and "unified 64 B global buffer" in c2.reason


@pytest.mark.parametrize("design", list(BASELINES))
@pytest.mark.parametrize("net", ["resnet50", "mobilenet_v2", "bert"])
def test_default_mapper_gives_valid_mappings(design, net):
    arch = baseline(design)
    for nl in zoo_network(net).layers:
        c = evaluate_mapping(nl.layer, arch, default_mapping(nl.layer, arch))
        assert c.valid, f"{nl.layer.name}: {c.reason}"


def test_default_mapper_reports_an_impossible_buffer():
    tiny_l2 = toy_arch(l2_bytes=2)
    with pytest.raises(NaasError, match="enlarge global_buffer bytes"):
        default_mapping(Layer("x", K=2, C=4, P=4), tiny_l2)


def test_mappings_round_trip_through_yaml(tmp_path):
    arch = baseline("eyeriss")
    net = zoo_network("resnet18")
    mappings = {nl.layer.name: default_mapping(nl.layer, arch) for nl in net.layers}
    save_mappings(mappings, tmp_path / "m.yaml")
    assert load_mappings(tmp_path / "m.yaml") == mappings


def test_bad_mapping_files(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("layers:\n  conv1:\n    spatial: [1, 1]\n    temporal: {L1: {K: 0}}\n")
    with pytest.raises(NaasError, match=r"mapping conv1 temporal L1 K: must be an integer in \[1, 2\^24\]"):
        load_mappings(path)
    path.write_text("layers:\n  conv1:\n    spatial: [1]\n    temporal: {}\n    order: {L2: NGKC}\n")
    with pytest.raises(NaasError, match="orders L2: must be a permutation"):
        load_mappings(path)
    path.write_text("layers:\n  conv1:\n    spatial: [1]\n    temporal: {}\n    lifts: {W: [0, 9]}\n")
    with pytest.raises(NaasError, match="mapping lifts: give \\(L1, L2\\) lifts of 0 to 8"):
        load_mappings(path)
    path.write_text("layers:\n  conv1:\n    spatial: [1]\n    temporal: {}\n    lifts: {W: 2}\n")
    with pytest.raises(NaasError, match="mapping conv1 lifts W: give \\[L1 lift, L2 lift\\]"):
        load_mappings(path)


def test_uneven_mappings_round_trip_through_yaml(tmp_path):
    m = default_mapping(Layer("x", K=8, C=4, P=4), baseline("eyeriss"))
    uneven = {"x": Mapping(m.temporal, m.orders, m.spatial, lifts=((1, 2), (0, 0), (3, 0)))}
    save_mappings(uneven, tmp_path / "m.yaml")
    assert "lifts" in (tmp_path / "m.yaml").read_text()
    assert load_mappings(tmp_path / "m.yaml") == uneven
