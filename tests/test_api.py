"""The front door: docs/api.md's examples run as written, and bad input is one line."""

import re
from pathlib import Path

import pytest

import naas

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def test_the_api_page_examples_run_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 8
    scope: dict = {}
    for block in blocks:  # one scope: later examples build on earlier ones, as on the page
        exec(compile(block, str(DOC), "exec"), scope)
    out = capsys.readouterr().out
    assert "pJ x cycles" in out and (tmp_path / "found.yaml").exists()
    assert "popsize: must be >= 2, got 1" in out  # plan_search refused it in one line


def test_import_naas_is_light_and_names_the_front_door():
    import subprocess
    import sys

    code = "import sys, naas; assert 'numba' not in sys.modules, 'numba'; print(sorted(naas.__all__))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for name in ("evaluate", "map", "search", "cosearch", "load", "save", "Accelerator", "Network", "Budget"):
        assert name in result.stdout


def test_bad_arguments_are_one_line_errors(tmp_path):
    with pytest.raises(naas.NaasError, match="seed: must be a non-negative integer"):
        naas.map("squeezenet", "eyeriss", seed=-1)
    with pytest.raises(naas.NaasError, match="network: give a Network"):
        naas.evaluate(3, "eyeriss")
    with pytest.raises(naas.NaasError, match="connectivity: choose sweep or es"):
        naas.search("squeezenet", "eyeriss", connectivity="random")
    with pytest.raises(naas.NaasError, match="explore: only the connectivity search explores; set connectivity='sweep'"):
        naas.plan_search("squeezenet", "eyeriss", connectivity="es", explore=naas.ConnectivityExplorer)
    with pytest.raises(naas.NaasError, match=r"explore: give a callable \(ExplorationStart\)"):
        naas.plan_search("squeezenet", "eyeriss", explore="halving")
    with pytest.raises(naas.NaasError, match="network: the same network is given twice"):
        naas.plan_search(["squeezenet", "squeezenet"], "eyeriss")
    from naas.nas.ofa_resnet50 import RESNET50
    from naas.nas.predictors import CallablePredictor

    toy = CallablePredictor(lambda c: 80.0, "toy")
    with pytest.raises(naas.NaasError, match="method: choose nested or joint"):
        naas.plan_cosearch("ofa-mbv3", "eyeriss", toy, accuracy_floor=70, method="grid")
    with pytest.raises(naas.NaasError, match="start_network: give a MobileNetV3Config of the ofa-mbv3 space"):
        naas.plan_cosearch("ofa-mbv3", "eyeriss", toy, accuracy_floor=70, start_network=RESNET50)
    plan = naas.plan_cosearch("ofa-resnet50", "eyeriss", toy, accuracy_floor=70, start_network=RESNET50)
    assert (plan.method, plan.start_network, plan.arch_space.max_axes) == ("nested", RESNET50, 2)
    (tmp_path / "x.yaml").write_text("name: x\n")
    with pytest.raises(naas.NaasError, match="is not a design"):
        naas.load(tmp_path / "x.yaml")
    with pytest.raises(AttributeError):
        naas.no_such_thing  # noqa: B018


def test_export_writes_the_peers_files_and_refuses_before_writing(tmp_path):
    layer = naas.Layer.conv2d("conv", in_channels=32, out_channels=64, in_size=28, kernel=3)
    zigzag = naas.export(layer, "eyeriss", tmp_path / "zz", to="zigzag")
    assert sorted(p.name for p in zigzag.paths) == ["hardware.yaml", "mapping.yaml", "workload.yaml"]
    assert all(p.exists() for p in zigzag.paths) and zigzag.peer is None
    assert zigzag.cost.edp == naas.evaluate(layer, "eyeriss").edp
    timeloop = naas.export(layer, "eyeriss", tmp_path / "tl", to="timeloop", tables="accelergy")
    assert not any(p.name in ("ERT.yaml", "ART.yaml") for p in timeloop.paths)
    for settings, message in [({"to": "maestro"}, "to: choose one of timeloop, timeloop-v3, zigzag"),
                              ({"to": "zigzag", "tables": "accelergy"}, "tables: energy tables are for Timeloop"),
                              ({"to": "timeloop", "rescore": True}, "rescore: timeloop-model"),
                              ({"tables": "cacti"}, "tables: choose naas or accelergy")]:
        with pytest.raises(naas.NaasError, match=message):
            naas.export(layer, "eyeriss", tmp_path / "no", **settings)
    assert not (tmp_path / "no").exists()


def test_map_never_ends_above_the_greedy_default_on_any_layer():
    # 64 candidates per layer: the search alone ends above the greedy mapper on some layers
    # (8 of 22), and those keep the greedy mapping
    mapped = naas.map("squeezenet", "eyeriss", seed=0, generations=8, popsize=8)
    default = naas.evaluate("squeezenet", "eyeriss")
    greedy = naas.default_mappings("squeezenet", "eyeriss")
    kept = 0
    for name, searched, d in zip(mapped.cost.layer_names, mapped.cost.layers, default.layers):
        assert searched.edp <= d.edp
        kept += mapped.mappings[name] == greedy[name]
    assert 0 < kept < len(default.layers)
