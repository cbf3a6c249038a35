"""Timeloop exports: the v0.4 (timeloopfe) and v0.3 (Timeloop v3 / Accelergy 0.3) formats'
structure, the padded problem, the energy and area tables; and timeloop-model on an export
where it is installed (``timeloop-model`` on PATH or $NAAS_TIMELOOP_MODEL)."""

import math
import subprocess
import sys
from dataclasses import replace

import pytest
import yaml

from naas.arch import baseline
from naas.cost import evaluate_mapping
from naas.cost.energy import energy_table
from naas.cost.reference import spatial_factors_per_dim
from naas.errors import NaasError
from naas.interop.timeloop import export_timeloop
from naas.interop.timeloop_nest import directives, needs_split_fanout
from naas.interop.timeloop_run import find_timeloop_model, parse_stats, run_timeloop_model
from naas.search.greedy import network_mappings
from naas.workload import DIMS, Layer, Network, zoo_network
from tests.conftest import export_and_rescore


class _TaggedLoader(yaml.SafeLoader):
    """Reads v0.4's !Container / !Component tags as plain mappings with a 'tag' key."""


def _tagged(loader, suffix, node):
    data = loader.construct_mapping(node, deep=True)
    data["tag"] = suffix
    return data


_TaggedLoader.add_multi_constructor("!", _tagged)


def _factors(entry) -> dict[str, int]:
    items = entry["factors"].split() if isinstance(entry["factors"], str) else entry["factors"]
    return {d: int(v) for d, v in (item.split("=") for item in items)}


def _check_mapping(entries, instance, fanouts):
    """Every dim's factors multiply to the instance exactly; each spatial directive sits on a
    level that fans out (``fanouts``: target -> its fanout) and fits it."""
    product = {d: 1 for d in DIMS}
    spatial = {}
    for entry in entries:
        if entry["type"] in ("temporal", "spatial"):
            assert sorted(entry["permutation"]) == sorted(DIMS)
            for d, v in _factors(entry).items():
                product[d] *= v
        if entry["type"] == "spatial":
            spatial[entry["target"]] = math.prod(_factors(entry).values())
    assert set(spatial) == set(fanouts) and all(spatial[t] <= fanouts[t] for t in fanouts)
    assert product == {d: instance[d] for d in DIMS}


@pytest.mark.parametrize("design", ["eyeriss", "edge_tpu", "shidiannao"])
def test_v3_export_is_timeloop_v3_format(design, tmp_path):
    arch = baseline(design)
    network = zoo_network("mobilenet_v2")
    mappings = network_mappings(network, arch)
    export_timeloop(arch, network, mappings, tmp_path, version="0.3")
    text = (tmp_path / "arch.yaml").read_text()
    spec = yaml.safe_load(text)["architecture"]  # no tags: plain YAML, as Accelergy 0.3 reads it
    assert spec["version"] == 0.3 and "nodes" not in spec
    system = spec["subtree"][0]
    assert system["local"][0]["class"] == "DRAM"
    chip = system["subtree"][0]
    pe = chip["subtree"][0]
    assert pe["name"] == f"PE[0..{arch.num_pes - 1}]"
    mesh_x = pe["local"][0]["attributes"]["meshX"]
    assert arch.num_pes % mesh_x == 0
    split = design == "edge_tpu"  # depthwise layers spread G over both axes of its C x K array
    assert (chip["local"][-1]["name"] == f"pe_column[0..{mesh_x - 1}]") == split
    for component in chip["local"] + pe["local"] + system["local"]:
        attrs = component["attributes"]
        assert attrs.get("word-bits", attrs.get("datawidth")) == arch.word_bits
        assert component["class"] in ("DRAM", "SRAM", "regfile", "intmac")
        if component["class"] != "intmac":
            assert attrs["block-size"] == 1
    assert all(c["attributes"]["meshX"] == mesh_x for c in pe["local"])
    depths = {c["name"]: c["attributes"]["depth"] for c in pe["local"] if c["class"] == "regfile"}
    assert depths == dict(zip(("weights_spad", "inputs_spad", "psum_spad"), (max(1, w) for w in arch.l1_words())))
    for nl in network.layers:
        problem = yaml.safe_load((tmp_path / f"{nl.layer.name}.problem.yaml").read_text())["problem"]
        assert [ds["name"] for ds in problem["shape"]["data-spaces"]] == ["Weights", "Inputs", "Outputs"]
        assert problem["shape"]["data-spaces"][2]["read-write"] is True
        entries = yaml.safe_load((tmp_path / f"{nl.layer.name}.mapping.yaml").read_text())["mapping"]
        assert {e["type"] for e in entries} == {"temporal", "spatial", "bypass"}
        glb = "global_buffer" if arch.l2_unified else "outputs_glb"
        fanouts = {glb: mesh_x, "pe_column": arch.num_pes // mesh_x} if split else {glb: arch.num_pes}
        _check_mapping(entries, problem["instance"], fanouts)
        assert all(problem["instance"][d] >= n for d, n in zip(DIMS, nl.layer.dims))


def test_v4_export_is_timeloopfe_format(tmp_path):
    arch = baseline("eyeriss")
    network = zoo_network("resnet18")
    export_timeloop(arch, network, network_mappings(network, arch), tmp_path, version="0.4")
    spec = yaml.load((tmp_path / "arch.yaml").read_text(), Loader=_TaggedLoader)["architecture"]
    assert spec["version"] == 0.4
    nodes = spec["nodes"]
    assert [n["tag"] for n in nodes][:3] == ["Container", "Component", "Container"]
    pe = next(n for n in nodes if n["name"] == "PE")
    assert pe["spatial"]["meshX"] * pe["spatial"]["meshY"] == arch.num_pes
    assert '"LPDDR4"' in (tmp_path / "arch.yaml").read_text()  # a string, not an expression, to timeloopfe
    for nl in network.layers:
        problem = yaml.safe_load((tmp_path / f"{nl.layer.name}.problem.yaml").read_text())["problem"]
        assert problem["version"] == 0.4 and problem["shape"]["data_spaces"][2]["read_write"] is True
        entries = yaml.safe_load((tmp_path / f"{nl.layer.name}.mapping.yaml").read_text())["mapping"]
        assert {e["type"] for e in entries} == {"temporal", "spatial", "dataspace"}
        _check_mapping(entries, problem["instance"], {"PE": arch.num_pes})


def test_a_padded_mapping_is_exported_on_the_padded_problem(tmp_path):
    arch = baseline("eyeriss")
    network = zoo_network("vgg16")
    mappings = network_mappings(network, arch)
    _, notes = export_timeloop(arch, network, mappings, tmp_path, version="0.3")
    padded = [n for n in notes if n.startswith("fc6:")]
    assert padded == ["fc6: exported on the padded problem (K 4096 -> 4104)"]
    text = (tmp_path / "fc6.problem.yaml").read_text()
    assert text.startswith("# padded problem: K 4096 -> 4104")
    assert yaml.safe_load(text)["problem"]["instance"]["K"] == 4104
    assert not any(n.startswith("conv2_1:") for n in notes)


def test_energy_and_area_tables_carry_naas_prices(tmp_path):
    arch = baseline("shidiannao")  # a partitioned global buffer: one table entry per part
    network = Network.from_layers("one", [Layer("conv", K=32, C=16, P=14, Q=14, R=3, S=3)])
    export_timeloop(arch, network, network_mappings(network, arch), tmp_path, version="0.3")
    ert = yaml.safe_load((tmp_path / "ERT.yaml").read_text())["ERT"]
    art = yaml.safe_load((tmp_path / "ART.yaml").read_text())["ART"]
    energies = energy_table(arch)
    by_name = {t["name"].split(".")[-1]: {a["name"]: a["energy"] for a in t["actions"]} for t in ert["tables"]}
    assert by_name["mac"]["mac_random"] == pytest.approx(energies.mac_pj)
    assert by_name["DRAM"]["read"] == pytest.approx(energies.dram_pj)
    for i, part in enumerate(("weights_glb", "inputs_glb", "outputs_glb")):
        assert by_name[part]["read"] == by_name[part]["write"] == pytest.approx(energies.l2_pj[i])
    for i, spad in enumerate(("weights_spad", "inputs_spad", "psum_spad")):
        assert by_name[spad]["read"] == pytest.approx(energies.l1_pj[i])
    assert ert["tables"][-1]["name"] == f"system.shidiannao.PE[0..{arch.num_pes - 1}].mac"
    area = {t["name"].split(".")[-1]: t["area"] for t in art["tables"]}
    assert area["mac"] == arch.technology.pe_area_um2
    assert area["weights_glb"] == pytest.approx(arch.technology.sram_area_um2(arch.l2_partition.W))


def test_accelergy_tables_option_writes_no_tables(tmp_path):
    arch = baseline("eyeriss")
    network = zoo_network("resnet18")
    paths, _ = export_timeloop(arch, network, network_mappings(network, arch), tmp_path, version="0.3",
                               tables="accelergy")
    assert not (tmp_path / "ERT.yaml").exists() and "addr-gen-energy" not in (tmp_path / "arch.yaml").read_text()
    with pytest.raises(NaasError, match="export --tables: unknown 'cacti'"):
        export_timeloop(arch, network, network_mappings(network, arch), tmp_path, tables="cacti")


def test_timeloop_export_refuses_an_uneven_mapping(tmp_path):
    arch = baseline("eyeriss")
    network = zoo_network("mobilenet_v2")
    mappings = network_mappings(network, arch)
    first = network.layers[0].layer.name
    mappings[first] = replace(mappings[first], lifts=((0, 1), (0, 0), (0, 0)))
    with pytest.raises(NaasError, match=f"export: layer {first} has an uneven mapping"):
        export_timeloop(arch, network, mappings, tmp_path)


def test_a_dim_on_both_mesh_directions_gets_a_factor_on_each():
    """A depthwise layer's G spread over both axes of a C x K array (Edge TPU): Timeloop gives
    a dim one spatial factor per level, so the meshX part sits on the global buffer and the
    meshY part on the column level."""
    arch = baseline("edge_tpu")
    layer = Layer("dw", G=144, P=56, Q=56, R=3, S=3)
    mapping = network_mappings(Network.from_layers("one", [layer]), arch)["dw"]
    assert needs_split_fanout(arch, mapping)
    with pytest.raises(NaasError, match="unrolls a dim along both mesh directions"):
        directives(layer, arch, mapping)
    spatial = [d for d in directives(layer, arch, mapping, split_fanout=True) if d.kind == "spatial"]
    g = DIMS.index("G")
    x, y = spatial
    assert y.target == "pe_column" and x.target.endswith(("global_buffer", "_glb"))
    assert x.factors[g] > 1 and y.factors[g] > 1 and x.split == len(DIMS) and y.split == 0
    assert x.factors[g] * y.factors[g] == spatial_factors_per_dim(arch, mapping)[g]


def test_rescore_needs_the_v3_format(tmp_path):
    result = subprocess.run([sys.executable, "-m", "naas.cli", "export", "--arch", "eyeriss", "--network", "resnet18",
                             "--to", "timeloop", str(tmp_path), "--rescore"], capture_output=True, text=True)
    assert result.returncode == 2 and "use --to timeloop-v3" in result.stderr


def test_stats_parser_reads_timeloops_summary():
    text = ("Summary Stats\n-------------\nCycles: 5963776\nEnergy: 5162.51 uJ\n\nComputes = 924844032\n"
            "fJ/Compute\n    mac                             = 890.00\n    DRAM                            = 1246.50\n"
            "    DRAM <==> global_buffer         = 0.00\n    Total                           = 5582.03\n")
    stats = parse_stats(text)
    assert stats["latency_cycles"] == 5963776 and stats["energy_pj"] == pytest.approx(5162.51e6)
    assert stats["parts_pj"]["mac"] == pytest.approx(890.0 * 924844032 / 1000)
    with pytest.raises(NaasError, match="no Energy/Cycles/Computes summary"):
        parse_stats("ERROR: key not found: data-spaces")


@pytest.mark.skipif(find_timeloop_model() is None, reason="timeloop-model not installed")
def test_timeloop_model_runs_the_export_and_agrees(tmp_path):
    """Timeloop v3 on our Eyeriss export of VGG-16 conv2_1 at naas's prices: energy without
    naas's network and cycles within a few per cent (docs/validation.md has the full study)."""
    arch = baseline("eyeriss")
    layer = Layer("conv2_1", K=128, C=64, P=112, Q=112, R=3, S=3)
    network = Network.from_layers("one", [layer])
    mappings = network_mappings(network, arch)
    export_timeloop(arch, network, mappings, tmp_path, version="0.3")
    theirs = run_timeloop_model([tmp_path / f for f in ("arch.yaml", "conv2_1.problem.yaml", "conv2_1.mapping.yaml",
                                                        "ERT.yaml", "ART.yaml")])
    ours = evaluate_mapping(layer, arch, mappings["conv2_1"])
    bare = ours.energy_pj - sum(ours.energy_breakdown_pj["NoC"].values())
    assert theirs["computes"] == layer.macs
    assert theirs["energy_pj"] == pytest.approx(bare, rel=0.1)
    assert theirs["latency_cycles"] == pytest.approx(ours.latency_cycles, rel=0.1)
    assert theirs["parts_pj"]["mac"] == pytest.approx(ours.mac_energy_pj, rel=1e-3)


@pytest.mark.skipif(find_timeloop_model() is None, reason="timeloop-model not installed")
def test_rescore_prints_timeloop_beside_naas(tmp_path):
    result, row = export_and_rescore(tmp_path, "timeloop-v3")
    bare_e, tl_e, e_ratio = float(row[3]), float(row[4]), float(row[5].rstrip("x"))
    assert e_ratio == pytest.approx(tl_e / bare_e, rel=2e-3) and 0.9 < e_ratio < 1.1
    assert "Timeloop export carries none" in result.stdout


def _components(node):
    for comp in node.get("local", []):
        yield comp
    for sub in node.get("subtree", []):
        yield from _components(sub)


def test_a_mesh_design_exports_its_wire_and_a_flat_one_none(tmp_path):
    """Timeloop's legacy network prices a hop as word bits x tile width x wire energy: a mesh
    design's on-chip levels carry naas's wire price and one PE pitch (in um) as the tile
    width; a flat design's nothing (its per-word price has no Timeloop counterpart)."""
    network = zoo_network("resnet18")
    mesh = baseline("eyeriss")
    flat = replace(mesh, noc_model="flat")
    for design, folder in ((flat, tmp_path / "flat"), (mesh, tmp_path / "mesh")):
        export_timeloop(design, network, network_mappings(network, design), folder, version="0.3")
    flat_arch = yaml.safe_load((tmp_path / "flat" / "arch.yaml").read_text())
    mesh_arch = yaml.safe_load((tmp_path / "mesh" / "arch.yaml").read_text())
    assert not any("wire-energy" in c["attributes"] for c in _components(flat_arch["architecture"]))
    on_chip = [c for c in _components(mesh_arch["architecture"]) if c["class"] != "DRAM" and c["name"] != "mac"]
    assert on_chip and all(c["attributes"]["wire-energy"] == mesh.technology.wire_energy_pj_per_bit_mm
                           and c["attributes"]["tile-width"] == pytest.approx(mesh.pe_pitch_mm * 1000)
                           and c["attributes"]["network-word-bits"] == mesh.word_bits for c in on_chip)
    export_timeloop(mesh, network, network_mappings(network, mesh), tmp_path / "v4")
    text = (tmp_path / "v4" / "arch.yaml").read_text()
    assert "wire_energy:" in text and "tile_width:" in text and "wire-energy" not in text


def test_stats_parser_reads_the_network_per_dataspace():
    block = ("        Spatial reductions                      : {r}\n"
             "        Average number of hops                  : 2.50\n"
             "        Energy (total)                          : {e} pJ\n")
    network = ("Networks\n--------\n\nNetwork 1\n---------\nglobal_buffer <==> weights_spad\n\n    STATS\n    -----\n"
               "    Weights:\n" + block.format(r=0, e=10.5) + "    Inputs:\n" + block.format(r=0, e=2.0)
               + "    Outputs:\n" + block.format(r=96, e=4.25) + "\nNetwork 2\n---------\ninputs_spad <==> psum_spad\n\n"
               "    Weights:\n" + block.format(r=0, e=1.0) + "\nOperational Intensity Stats\n")
    text = ("Buffer and Arithmetic Levels\n\n" + network + "Summary Stats\n-------------\nCycles: 10\n"
            "Energy: 0.00002 uJ\n\nComputes = 4\nfJ/Compute\n    mac = 1.00\n")
    stats = parse_stats(text)["network"]
    assert stats["Weights"] == {"energy_pj": 11.5, "spatial_reductions": 0.0}
    assert stats["Outputs"] == {"energy_pj": 4.25, "spatial_reductions": 96.0}
    assert stats["Inputs"]["energy_pj"] == 2.0


@pytest.mark.skipif(find_timeloop_model() is None, reason="timeloop-model not installed")
def test_timeloop_prices_a_mesh_exports_weights_at_our_hop_energy(tmp_path):
    """Timeloop's weight network energy on a mesh export is its hops x naas's energy per word
    and pitch: the hop energy the stats imply is exactly the design's (docs/validation.md)."""
    from benchmarks.validate_timeloop import weight_hops

    arch = replace(baseline("eyeriss"), noc_model="mesh")
    layer = Layer("conv2_1", K=128, C=64, P=112, Q=112, R=3, S=3)
    network = Network.from_layers("one", [layer])
    mapping = network_mappings(network, arch)["conv2_1"]
    export_timeloop(arch, network, {"conv2_1": mapping}, tmp_path, version="0.3")
    theirs = run_timeloop_model([tmp_path / f for f in ("arch.yaml", "conv2_1.problem.yaml", "conv2_1.mapping.yaml",
                                                        "ERT.yaml", "ART.yaml")])
    ours = evaluate_mapping(layer, arch, mapping)
    per_pe = ours.accesses["NoC"]["W"][0] / math.prod(mapping.spatial)
    hops = weight_hops(layer, arch, mapping)[0]
    hop_pj = arch.technology.wire_energy_pj_per_bit_mm * arch.word_bits * arch.pe_pitch_mm
    assert theirs["network"]["Weights"]["energy_pj"] == pytest.approx(per_pe * hops * hop_pj, rel=1e-6)


def test_a_strided_one_by_one_conv_is_exported_over_its_subsampled_input(tmp_path):
    """A 1x1 conv with stride 2 reads every other input row: naas counts those rows, Timeloop's
    projection would count the span between them too (and refuse a buffer naas filled), so the
    export writes the stride-1 conv over the rows read; a 3x3 keeps its stride."""
    from naas.interop.timeloop_nest import problem_geometry

    assert problem_geometry(Layer("ds", K=128, C=64, P=28, Q=28, stride_h=2, stride_w=2)) == (1, 1, 1, 1)
    assert problem_geometry(Layer("c", K=128, C=64, P=28, Q=28, R=3, S=3, stride_h=2, stride_w=2)) == (2, 2, 1, 1)
    arch = baseline("eyeriss")
    layer = Layer("ds", K=128, C=64, P=28, Q=28, stride_h=2, stride_w=2)
    network = Network.from_layers("one", [layer])
    mappings = network_mappings(network, arch)
    export_timeloop(arch, network, mappings, tmp_path, version="0.3")
    instance = yaml.safe_load((tmp_path / "ds.problem.yaml").read_text())["problem"]["instance"]
    assert instance["Hstride"] == 1 and instance["Wstride"] == 1
    if find_timeloop_model() is not None:
        theirs = run_timeloop_model([tmp_path / f for f in ("arch.yaml", "ds.problem.yaml", "ds.mapping.yaml",
                                                            "ERT.yaml", "ART.yaml")])
        ours = evaluate_mapping(layer, arch, mappings["ds"])
        assert theirs["parts_pj"]["inputs_spad"] == pytest.approx(ours.energy_breakdown_pj["L1"]["I"], rel=0.02)
