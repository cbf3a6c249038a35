import dataclasses

import pytest

from naas.arch import (
    BASELINES,
    Budget,
    baseline,
    load_accelerator,
    parse_budget,
    save_accelerator,
)
from naas.arch.io import accelerator_from_dict, accelerator_to_dict
from naas.arch.technology import HOROWITZ_45NM
from naas.errors import NaasError


def test_eyeriss_matches_the_paper():
    a = baseline("eyeriss")
    assert a.num_pes == 168 and [x.size for x in a.axes] == [12, 14]
    assert a.l2_bytes == 108 * 1024
    assert a.l1_words() == (224, 12, 24)  # filter, ifmap, psum spads in 16-bit words


@pytest.mark.parametrize("name,pes", [("nvdla256", 256), ("nvdla1024", 1024), ("shidiannao", 64),
                                      ("edge_tpu", 1024), ("tpu", 65536)])
def test_baseline_sizes(name, pes):
    a = baseline(name)
    assert a.num_pes == pes
    assert a.source, "every baseline cites where its numbers come from"


@pytest.mark.parametrize("name", list(BASELINES))
def test_baselines_round_trip_through_yaml(name, tmp_path):
    a = baseline(name)
    save_accelerator(a, tmp_path / "a.yaml")
    assert load_accelerator(tmp_path / "a.yaml") == a


def test_sram_energy_grows_with_size_and_hits_the_cited_points():
    e = HOROWITZ_45NM.sram_energy_pj
    assert e(8192) == pytest.approx(2.5) and e(1 << 20) == pytest.approx(25.0)
    sizes = [16, 512, 4096, 65536, 1 << 22]
    assert all(e(a) < e(b) for a, b in zip(sizes, sizes[1:]))


def test_every_default_technology_figure_cites_a_source():
    for field in ("mac_energy_pj", "sram_energy_points", "noc_energy_pj_per_word",
                  "dram_energy_pj_per_word", "pe_area_um2", "sram_area_um2_per_kb"):
        assert HOROWITZ_45NM.sources.get(field)


def _spec():
    return accelerator_to_dict(baseline("eyeriss"))


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d.pop("global_buffer"), "global_buffer: missing"),
    (lambda d: d["pe_buffers_bytes"].update(W=-4), r"buffer bytes W: must be in \[1, 2\^40\] B, got -4"),
    (lambda d: d["array"][0].update(parallel_dims=["Z"]), "parallel_dims: unknown dimension 'Z'"),
    (lambda d: d["array"][1].update(size=0), r"array axis size: must be in \[1, 2\^16\] PEs, got 0"),
    (lambda d: d.update(word_bits=12), r"word_bits: must be in \[8, 64\], a multiple of 8 bits, got 12"),
    (lambda d: d.update(technology="tsmc3"), "technology: unknown table 'tsmc3'"),
    (lambda d: d["global_buffer"].update(partition={"W": 1, "I": 1, "O": 1}), "parts sum to 3 B"),
])
def test_bad_specs_name_the_field(mutate, message):
    data = _spec()
    mutate(data)
    with pytest.raises(NaasError, match=message):
        accelerator_from_dict(data)


def test_budget_by_name_and_numbers():
    b = parse_budget("eyeriss")
    eyeriss = baseline("eyeriss")
    assert (b.max_pes, b.max_onchip_bytes) == (168, eyeriss.onchip_bytes)
    assert b.violation(eyeriss) is None
    assert "PEs" in Budget("tiny", 100, 10**9).violation(eyeriss)
    assert parse_budget("pes=256,bytes=1e5").max_onchip_bytes == 100000
    with pytest.raises(NaasError, match="budget"):
        parse_budget("pes=-1,bytes=10")
    with pytest.raises(NaasError, match="unknown design"):
        parse_budget("nonesuch")


def test_latency_model_round_trips_and_a_bad_one_is_a_field_error(tmp_path):
    ports = dataclasses.replace(baseline("eyeriss"), latency_model="ports")
    save_accelerator(ports, tmp_path / "a.yaml")
    assert load_accelerator(tmp_path / "a.yaml").latency_model == "ports"
    text = (tmp_path / "a.yaml").read_text().replace("latency_model: ports", "latency_model: stalls")
    (tmp_path / "a.yaml").write_text(text)
    with pytest.raises(NaasError, match="arch latency_model: must be one of roofline, ports, got 'stalls'"):
        load_accelerator(tmp_path / "a.yaml")
    assert Budget.of(ports).latency_model == "ports"


def test_hold_operands_round_trips_and_a_bad_one_is_a_field_error(tmp_path):
    held = dataclasses.replace(baseline("eyeriss"), hold_operands=True)
    save_accelerator(held, tmp_path / "a.yaml")
    assert load_accelerator(tmp_path / "a.yaml").hold_operands is True
    text = (tmp_path / "a.yaml").read_text().replace("hold_operands: true", "hold_operands: sometimes")
    (tmp_path / "a.yaml").write_text(text)
    with pytest.raises(NaasError, match="arch hold_operands: must be true or false, got 'sometimes'"):
        load_accelerator(tmp_path / "a.yaml")
    assert Budget.of(held).hold_operands is True


def test_misspelt_keys_are_refused_with_the_nearest_name():
    from naas.mapping.io import mapping_from_dict
    from naas.workload.io import network_from_dict

    good = accelerator_to_dict(baseline("eyeriss"))
    for key, near in (("dram_word_per_cycle", "dram_words_per_cycle"), ("latency_modle", "latency_model")):
        with pytest.raises(NaasError, match=f"arch {key}: unknown key; did you mean '{near}'"):
            accelerator_from_dict({**good, key: 1})
    with pytest.raises(NaasError, match="global_buffer partiton: unknown key; did you mean 'partition'"):
        accelerator_from_dict({**good, "global_buffer": {"bytes": 110592, "partiton": {}}})
    layer = {"name": "c", "dims": {"K": 4}, "strides": [2, 2]}
    with pytest.raises(NaasError, match=r"layers\[0\] strides: unknown key; did you mean 'stride'"):
        network_from_dict({"name": "n", "layers": [layer]})
    mapping = {"spatial": [1], "temporal": {"L1": {}}, "order": {}}
    with pytest.raises(NaasError, match="m spatlal: unknown key; did you mean 'spatial'"):
        mapping_from_dict({**mapping, "spatlal": [2]}, "m")
    with pytest.raises(NaasError, match="m temporal L3: unknown key"):
        mapping_from_dict({**mapping, "temporal": {"L3": {"K": 2}}}, "m")
