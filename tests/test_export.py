"""Timeloop and ZigZag exports (ZigZag re-scoring runs when the zigzag extra is installed)."""

import math
import subprocess
import sys
from dataclasses import replace

import pytest
import yaml

from naas.arch import baseline
from naas.mapping.greedy import network_mappings
from naas.errors import NaasError
from naas.report.timeloop import export_timeloop
from naas.report.zigzag import export_zigzag
from naas.workload import DIMS, zoo_network


class _TaggedLoader(yaml.SafeLoader):
    """Reads Timeloop's !Container / !Component tags as plain mappings with a 'tag' key."""


def _tagged(loader, suffix, node):
    data = loader.construct_mapping(node, deep=True)
    data["tag"] = suffix
    return data


_TaggedLoader.add_multi_constructor("!", _tagged)


@pytest.mark.parametrize("design", ["eyeriss", "edge_tpu", "tpu"])
def test_timeloop_export_covers_every_layer(design, tmp_path):
    arch = baseline(design)
    network = zoo_network("mobilenet_v2")
    mappings = network_mappings(network, arch)
    export_timeloop(arch, network, mappings, tmp_path)
    nodes = yaml.load((tmp_path / "arch.yaml").read_text(), Loader=_TaggedLoader)["architecture"]["nodes"]
    pe = next(n for n in nodes if n.get("name") == "PE")
    assert pe["spatial"]["meshX"] * pe["spatial"]["meshY"] == arch.num_pes
    depths = {n["name"]: n["attributes"]["depth"] for n in nodes if n["name"].endswith("spad")}
    assert depths == {"weights_spad": arch.l1_words()[0], "inputs_spad": arch.l1_words()[1],
                      "psum_spad": arch.l1_words()[2]}
    for nl in network.layers:
        layer = nl.layer
        problem = yaml.safe_load((tmp_path / f"{layer.name}.problem.yaml").read_text())["problem"]
        assert [problem["instance"][d] for d in DIMS] == list(layer.dims)
        entries = yaml.safe_load((tmp_path / f"{layer.name}.mapping.yaml").read_text())["mapping"]
        product = {d: 1 for d in DIMS}
        for entry in entries:
            if entry["type"] in ("temporal", "spatial"):
                assert sorted(entry["permutation"]) == sorted(DIMS)
                for item in entry["factors"].split():
                    dim, value = item.split("=")
                    product[dim] *= int(value)
        assert all(product[d] >= getattr(layer, d) for d in DIMS), layer.name


def test_zigzag_export_is_well_formed(tmp_path):
    arch = baseline("eyeriss")
    network = zoo_network("resnet18")
    export_zigzag(arch, network, network_mappings(network, arch), tmp_path)
    hardware = yaml.safe_load((tmp_path / "hardware.yaml").read_text())
    assert hardware["operational_array"]["sizes"] == [12, 14]
    assert set(hardware["memories"]) == {"rf_W", "rf_I", "rf_O", "global_buffer", "dram"}
    partitioned = yaml.safe_load(yaml.safe_dump(__import__("naas.report.zigzag", fromlist=["x"]).hardware_dict(
        baseline("shidiannao"))))
    assert {"global_buffer_W", "global_buffer_I", "global_buffer_O"} <= set(partitioned["memories"])
    workload = yaml.safe_load((tmp_path / "workload.yaml").read_text())
    assert [w["name"] for w in workload] == [nl.layer.name for nl in network.layers]
    assert all(math.prod(w["loop_sizes"]) == nl.layer.macs for w, nl in zip(workload, network.layers))
    mapping = yaml.safe_load((tmp_path / "mapping.yaml").read_text())
    assert mapping[-1]["name"] == "default" and len(mapping) == len(network.layers) + 1


def test_zigzag_rescores_an_exported_layer_side_by_side(tmp_path):
    pytest.importorskip("zigzag")
    (tmp_path / "net.yaml").write_text(
        "name: one\nlayers:\n  - name: conv\n    dims: {K: 64, C: 32, P: 28, Q: 28, R: 3, S: 3}\n")
    result = subprocess.run([sys.executable, "-m", "naas.cli", "export", "--arch", "eyeriss", "--network",
                             str(tmp_path / "net.yaml"), "--to", "zigzag", str(tmp_path / "zz"), "--rescore"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("conv"))
    repeat, ours_e, bare_e, zz_e, e_ratio, ours_l, zz_l, l_ratio = row.split()[1:9]
    ours_e, bare_e, zz_e, ours_l, zz_l = (float(x.replace(",", "")) for x in (ours_e, bare_e, zz_e, ours_l, zz_l))
    # Same design and loop order, ZigZag choosing its own memory cuts: the same ballpark.
    assert 0.5 < zz_e / bare_e < 2 and 0.5 < zz_l / ours_l < 2
    assert bare_e < ours_e and float(e_ratio.rstrip("x")) == pytest.approx(zz_e / bare_e, rel=2e-3)
    total = next(line for line in result.stdout.splitlines() if line.startswith("TOTAL")).split()
    assert total[1] == row.split()[2] and "ZigZag models none" in result.stdout


def test_export_refuses_rescore_for_timeloop(tmp_path):
    result = subprocess.run([sys.executable, "-m", "naas.cli", "export", "--arch", "eyeriss", "--network", "resnet18",
                             "--to", "timeloop", str(tmp_path), "--rescore"], capture_output=True, text=True)
    assert result.returncode == 2 and "--rescore runs ZigZag" in result.stderr


def test_timeloop_export_refuses_an_uneven_mapping(tmp_path):
    arch = baseline("eyeriss")
    network = zoo_network("mobilenet_v2")
    mappings = network_mappings(network, arch)
    first = network.layers[0].layer.name
    mappings[first] = replace(mappings[first], lifts=((0, 1), (0, 0), (0, 0)))
    with pytest.raises(NaasError, match=f"export: layer {first} has an uneven mapping"):
        export_timeloop(arch, network, mappings, tmp_path)
