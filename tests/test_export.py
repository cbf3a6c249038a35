"""ZigZag exports (re-scoring runs when the zigzag extra is installed)."""

import math

import pytest
import yaml

from naas.arch import baseline
from naas.interop.zigzag import export_zigzag
from naas.search.greedy import network_mappings
from naas.workload import zoo_network
from tests.conftest import export_and_rescore


def test_zigzag_export_is_well_formed(tmp_path):
    arch = baseline("eyeriss")
    network = zoo_network("resnet18")
    export_zigzag(arch, network, network_mappings(network, arch), tmp_path)
    hardware = yaml.safe_load((tmp_path / "hardware.yaml").read_text())
    assert hardware["operational_array"]["sizes"] == [12, 14]
    assert set(hardware["memories"]) == {"rf_W", "rf_I", "rf_O", "global_buffer", "dram"}
    partitioned = yaml.safe_load(yaml.safe_dump(__import__("naas.interop.zigzag", fromlist=["x"]).hardware_dict(
        baseline("shidiannao"))))
    assert {"global_buffer_W", "global_buffer_I", "global_buffer_O"} <= set(partitioned["memories"])
    workload = yaml.safe_load((tmp_path / "workload.yaml").read_text())
    assert [w["name"] for w in workload] == [nl.layer.name for nl in network.layers]
    assert all(math.prod(w["loop_sizes"]) == nl.layer.macs for w, nl in zip(workload, network.layers))
    mapping = yaml.safe_load((tmp_path / "mapping.yaml").read_text())
    assert mapping[-1]["name"] == "default" and len(mapping) == len(network.layers) + 1


def test_zigzag_rescores_an_exported_layer_side_by_side(tmp_path):
    pytest.importorskip("zigzag")
    result, row = export_and_rescore(tmp_path, "zigzag")
    repeat, ours_e, bare_e, zz_e, e_ratio, ours_l, zz_l, l_ratio = row[1:9]
    ours_e, bare_e, zz_e, ours_l, zz_l = (float(x.replace(",", "")) for x in (ours_e, bare_e, zz_e, ours_l, zz_l))
    # Same design and loop order, ZigZag choosing its own memory cuts: the same ballpark.
    assert 0.5 < zz_e / bare_e < 2 and 0.5 < zz_l / ours_l < 2
    assert bare_e < ours_e and float(e_ratio.rstrip("x")) == pytest.approx(zz_e / bare_e, rel=2e-3)
    total = next(line for line in result.stdout.splitlines() if line.startswith("TOTAL")).split()
    assert total[1] == row[2] and "ZigZag export carries none" in result.stdout


