import json
import subprocess
import sys

import pytest

from naas.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "naas.cli", *args], capture_output=True, text=True)


def test_zoo_lists_every_network(capsys):
    assert main(["zoo"]) == 0
    out = capsys.readouterr().out
    for name in ("vgg16", "resnet50", "unet", "mobilenet_v2", "squeezenet", "mnasnet_a1", "bert_base_block"):
        assert name in out


def test_arch_show_prints_a_loadable_spec(tmp_path, capsys):
    assert main(["arch", "show", "eyeriss"]) == 0
    text = capsys.readouterr().out
    (tmp_path / "e.yaml").write_text(text)
    assert main(["arch", "show", str(tmp_path / "e.yaml")]) == 0
    assert "168 PEs" in capsys.readouterr().out


def test_evaluate_table_json_and_mapping_round_trip(tmp_path, capsys):
    args = ["evaluate", "--network", "resnet18", "--arch", "eyeriss", "--json", str(tmp_path / "r.json"),
            "--save-mappings", str(tmp_path / "m.yaml")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "TOTAL" in out and "layer1.0.conv1" in out
    doc = json.loads((tmp_path / "r.json").read_text())
    total = doc["totals"]
    assert total["edp_pj_cycles"] == pytest.approx(total["energy_pj"] * total["latency_cycles"])
    assert sum(l["energy_pj"] * l["repeat"] for l in doc["layers"]) == pytest.approx(total["energy_pj"])
    assert main(["evaluate", "--network", "resnet18", "--arch", "eyeriss", "--mapping", str(tmp_path / "m.yaml"),
                 "--json", str(tmp_path / "r2.json")]) == 0
    assert json.loads((tmp_path / "r2.json").read_text())["totals"] == total


@pytest.mark.parametrize("args,message", [
    (["evaluate", "--network", "alexnet", "--arch", "eyeriss"], "unknown model 'alexnet'"),
    (["evaluate", "--network", "resnet50", "--arch", "eyeriss2"], "unknown design 'eyeriss2'"),
    (["evaluate", "--network", "missing.yaml", "--arch", "eyeriss"], "cannot read missing.yaml"),
    (["map", "--network", "resnet18", "--arch", "eyeriss", "--seed", "-1"], "seed: must be a non-negative integer"),
    (["search", "--network", "resnet18", "--budget", "eyeriss", "--workers", "-1", "--out", "never"],
     "workers: must be >= 1, got -1"),
    (["search", "--network", "resnet18", "--budget", "eyeriss", "--seed", "3.5"],
     "argument --seed: invalid int value: '3.5' (`naas search --help` lists the options)"),
    (["evaluate", "--network", "resnet18", "--arch"], "argument --arch: expected one argument"),
])
def test_bad_input_is_one_line_without_traceback(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_mapping_that_does_not_fit_is_reported(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "layers:\n  conv1:\n    spatial: [7, 1, 1, 1, 14]\n    temporal:\n      L1: {K: 64, C: 3, S: 7}\n      L2: {Q: 112, P: 8}\n"
    )
    result = run_cli("evaluate", "--network", "resnet18", "--arch", "eyeriss", "--mapping", str(tmp_path / "m.yaml"))
    assert result.returncode == 2
    assert "INVALID" in result.stdout and "L1 tile of W does not fit" in result.stdout
    assert result.stderr.startswith("naas: error: mapping:") and "Traceback" not in result.stderr
    exported = run_cli("export", "--arch", "eyeriss", "--network", "resnet18", "--mapping", str(tmp_path / "m.yaml"),
                       "--to", "timeloop", str(tmp_path / "tl"))
    assert exported.returncode == 2 and "naas: error: mapping conv1: L1 tile of W does not fit" in exported.stderr
    assert not (tmp_path / "tl").exists()  # nothing written for a mapping the peers would reject


def test_map_searches_mappings_that_beat_the_greedy_default(tmp_path, capsys):
    assert main(["map", "--network", "squeezenet", "--arch", "eyeriss", "--map-generations", "20",
                 "--map-popsize", "12", "--out", str(tmp_path / "m.yaml"), "--json", str(tmp_path / "searched.json")]) == 0
    assert "mappings searched by CMA-ES" in capsys.readouterr().out
    assert main(["evaluate", "--network", "squeezenet", "--arch", "eyeriss", "--json", str(tmp_path / "greedy.json")]) == 0
    assert main(["evaluate", "--network", "squeezenet", "--arch", "eyeriss", "--mapping", str(tmp_path / "m.yaml"),
                 "--json", str(tmp_path / "again.json")]) == 0
    searched = json.loads((tmp_path / "searched.json").read_text())["totals"]
    greedy = json.loads((tmp_path / "greedy.json").read_text())["totals"]
    again = json.loads((tmp_path / "again.json").read_text())["totals"]
    assert again == searched
    assert searched["edp_pj_cycles"] < greedy["edp_pj_cycles"]


def test_latency_model_option_costs_the_design_with_ports(tmp_path):
    def totals(*extra):
        assert main(["evaluate", "--network", "resnet18", "--arch", "nvdla256", "--json", str(tmp_path / "r.json"),
                     *extra]) == 0
        return json.loads((tmp_path / "r.json").read_text())["totals"]

    # The same mappings under each model (the default mapper picks by the design's own costs).
    mappings = str(tmp_path / "m.yaml")
    roofline = totals("--save-mappings", mappings)
    ports = totals("--latency-model", "ports", "--mapping", mappings)
    assert ports["energy_pj"] == pytest.approx(roofline["energy_pj"])
    assert ports["latency_cycles"] > roofline["latency_cycles"]  # one-word PE registers stall refills
    held = totals("--hold-operands", "--mapping", mappings)
    assert held["latency_cycles"] == roofline["latency_cycles"]
    assert held["energy_pj"] < roofline["energy_pj"]  # fewer PE-buffer reads, nothing else changes


def test_json_to_stdout_is_the_json_alone():
    result = run_cli("evaluate", "--network", "squeezenet", "--arch", "eyeriss", "--json", "-")
    assert result.returncode == 0
    assert json.loads(result.stdout)["totals"]["edp_pj_cycles"] > 0
    assert "TOTAL" in result.stderr


def test_progress_off_a_terminal_is_timestamped_lines_on_stderr_and_quiet_silences_it(tmp_path, capsys):
    import re

    args = ["search", "--network", "squeezenet", "--budget", "eyeriss", "--generations", "2", "--popsize", "4",
            "--map-generations", "6", "--map-popsize", "8"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "[naas]" in line]
    assert len(lines) >= 3  # two base generations, the hand design, sweeps
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d \[naas\] \S", line) for line in lines)
    assert "best EDP" in lines[0] and "pJ x cycles" in lines[0]
    assert main([*args, "--out", str(tmp_path / "b"), "--quiet"]) == 0
    assert "[naas]" not in capsys.readouterr().err


def test_resume_with_a_larger_generation_count_extends_the_search(tmp_path, capsys):
    args = ["search", "--network", "squeezenet", "--budget", "eyeriss", "--popsize", "4",
            "--map-generations", "6", "--map-popsize", "8", "--quiet"]
    assert main([*args, "--generations", "2", "--out", str(tmp_path / "r")]) == 0
    assert main([*args, "--resume", str(tmp_path / "r")]) == 0  # keeps its 2 generations
    assert main([*args, "--generations", "3", "--resume", str(tmp_path / "r")]) == 0
    assert main([*args, "--generations", "3", "--out", str(tmp_path / "d")]) == 0
    extended, direct = (json.loads((tmp_path / d / "summary.json").read_text())["naas"] for d in ("r", "d"))
    assert extended == direct
    assert main([*args, "--generations", "2", "--map-popsize", "10", "--resume", str(tmp_path / "r")]) == 2
    assert "config.mapping.popsize: 8 in the checkpoint, 10 now" in capsys.readouterr().err


def test_the_papers_joint_es_still_runs_with_its_own_sizing_only_search(tmp_path, capsys):
    out = tmp_path / "es"
    assert main(["search", "--network", "squeezenet", "--budget", "shidiannao", "--generations", "2", "--popsize", "4",
                 "--map-generations", "6", "--map-popsize", "8", "--connectivity", "es", "--encoding", "index",
                 "--out", str(out), "--quiet"]) == 0
    assert (out / "checkpoint-sizing.json").exists() and (out / "history-sizing.json").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["connectivity"] == "es" and summary["settings"]["encoding"] == "index"
    assert "sizing-only (shidiannao connectivity)" in summary["baselines"]
    assert all("phase" not in h for h in json.loads((out / "history.json").read_text()))


def test_map_reports_progress_per_chunk_of_layers_with_the_same_mappings(tmp_path, capsys):
    """`naas map` runs its layers in chunks when it reports progress; every layer's search is
    its own, so the mappings are those of one compiled call (--quiet)."""
    import re

    args = ["map", "--network", "resnet50", "--arch", "eyeriss", "--map-generations", "6", "--map-popsize", "8"]
    assert main([*args, "--out", str(tmp_path / "chunked.yaml")]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "[map]" in line]
    assert len(lines) >= 2 and all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d \[map\] \d+/\d+ layers", x) for x in lines)
    done = [int(re.search(r"\] (\d+)/(\d+)", x).group(1)) for x in lines]
    total = int(re.search(r"/(\d+) layers", lines[-1]).group(1))
    assert done == sorted(done) and done[-1] == total
    assert main([*args, "--out", str(tmp_path / "one.yaml"), "--quiet"]) == 0
    assert "[map]" not in capsys.readouterr().err
    assert (tmp_path / "chunked.yaml").read_text() == (tmp_path / "one.yaml").read_text()


def test_naas_search_reports_what_the_python_api_finds(tmp_path):
    """`naas search` and `naas.search(..., baselines=True)` are one library function: the same
    settings give the same design, fitness and baselines (the joint ES, so the sizing-only
    search runs on its own)."""
    import naas

    out = tmp_path / "cli"
    assert main(["search", "--network", "squeezenet", "--budget", "shidiannao", "--generations", "2", "--popsize", "4",
                 "--map-generations", "6", "--map-popsize", "8", "--connectivity", "es", "--seed", "3",
                 "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    found = naas.search("squeezenet", "shidiannao", seed=3, generations=2, popsize=4, connectivity="es",
                        mapping={"generations": 6, "popsize": 8}, baselines=True)
    assert found.design.dataflow == summary["naas"]["dataflow"] and found.fitness == summary["naas"]["fitness"]
    assert found.baselines == {label: s["fitness"] for label, s in summary["baselines"].items()}
    assert set(found.baselines) == {"shidiannao (hand design, searched mappings)", "sizing-only (shidiannao connectivity)"}
