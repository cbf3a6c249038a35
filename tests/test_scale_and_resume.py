"""Executors, checkpoint/resume (SIGKILL included) and refusal of bad checkpoints."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from naas.arch import parse_budget
from naas.errors import NaasError
from naas.exec.executors import InProcessExecutor, PoolExecutor
from naas.search.arch_encoding import ArchSpace
from naas.search.arch_search import ArchSearchConfig, design_key, search_accelerator, search_settings
from naas.search.checkpoint import journal_path
from naas.search.design_score import score_from_dict
from naas.search.mapping_search import MappingSearchConfig
from naas.workload import zoo_network

CONFIG = ArchSearchConfig(popsize=4, generations=4, mapping=MappingSearchConfig(popsize=8, generations=12))
NETS = [zoo_network("squeezenet")]
SPACE = ArchSpace(parse_budget("eyeriss"))


def _key(result):
    return result.best.fitness, result.best.design, [h["best"] for h in result.history], result.evaluations


def _full_key(result):
    """Everything a search returns that a user sees: the best design's score with every layer's
    mapping, and the history."""
    best = result.best
    return (best.fitness, best.design, best.energy_pj, best.latency_cycles, best.mappings, best.evaluations,
            [{k: v for k, v in h.items() if k != "seconds"} for h in result.history], result.evaluations)


def test_the_same_search_on_pools_of_1_2_and_3_workers_matches_in_process_bit_for_bit():
    # arrays of 1 to 4 axes in one generation: a design's inner search once depended on the
    # widest array it was batched with, and the pool chunks designs by its worker count
    config = ArchSearchConfig(popsize=6, generations=3, mapping=MappingSearchConfig(popsize=8, generations=6))
    space = ArchSpace(parse_budget("edge_tpu"), max_axes=4)
    reference = _full_key(search_accelerator(NETS, space, config, executor=InProcessExecutor()))
    for workers in (1, 2, 3):
        pool = PoolExecutor(workers)
        try:
            pooled = search_accelerator(NETS, space, config, executor=pool)
        finally:
            pool.close()
        assert _full_key(pooled) == reference, f"{workers} workers"


@pytest.mark.parametrize("restarts", [0, 1])
def test_resume_after_an_interrupt_ends_like_an_uninterrupted_run(tmp_path, restarts):
    config = replace(CONFIG, restarts=restarts)
    reference = search_accelerator(NETS, SPACE, config)
    checkpoint = tmp_path / "ck.json"

    stop_at = 1 + 4 * restarts  # within the first run, or just into the restart

    def stop(record):
        if record["step"] == stop_at:
            raise KeyboardInterrupt

    first = search_accelerator(NETS, SPACE, config, progress=stop, checkpoint=checkpoint)
    assert first.interrupted and len(first.history) == stop_at + 1
    resumed = search_accelerator(NETS, SPACE, config, checkpoint=checkpoint, resume=True)
    assert _key(resumed)[:3] == _key(reference)[:3]
    assert resumed.evaluations == reference.evaluations


def test_corrupted_and_foreign_checkpoints_are_refused(tmp_path):
    checkpoint = tmp_path / "ck.json"
    search_accelerator(NETS, SPACE, ArchSearchConfig(popsize=3, generations=1, mapping=CONFIG.mapping),
                       checkpoint=checkpoint)
    with pytest.raises(NaasError, match=r"different search \(config.popsize: 3 in the checkpoint, 4 now\)"):
        search_accelerator(NETS, SPACE, CONFIG, checkpoint=checkpoint, resume=True)
    document = json.loads(checkpoint.read_text())
    document["payload"] = document["payload"].replace('"evaluations"', '"evaluationz"', 1)
    checkpoint.write_text(json.dumps(document))
    with pytest.raises(NaasError, match="corrupted \\(checksum mismatch\\)"):
        search_accelerator(NETS, SPACE, CONFIG, checkpoint=checkpoint, resume=True)
    checkpoint.write_text("{not json")
    with pytest.raises(NaasError, match="corrupted \\(not JSON\\)"):
        search_accelerator(NETS, SPACE, CONFIG, checkpoint=checkpoint, resume=True)
    checkpoint.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(NaasError, match="not a naas search checkpoint"):
        search_accelerator(NETS, SPACE, CONFIG, checkpoint=checkpoint, resume=True)


def test_a_search_explored_at_full_patience_resumes_only_as_one(tmp_path):
    """A search exploring at the full patience (every search from before the scoring patience)
    leaves the field out of its settings (so does one whose mapping searches, 12 generations
    here, are too short to stop sooner), so its checkpoints resume as they did; one with a
    scoring patience (the default 10) is another search."""
    checkpoint = tmp_path / "ck.json"
    full = replace(CONFIG, scoring_patience=None)
    search_accelerator(NETS, SPACE, replace(full, generations=1), checkpoint=checkpoint)
    assert "scoring_patience" not in _payload(checkpoint)["settings"]["config"]
    with pytest.raises(NaasError, match=r'config.scoring_patience: "\(absent\)" in the checkpoint, 10 now'):
        search_accelerator(NETS, SPACE, CONFIG, checkpoint=checkpoint, resume=True)
    resumed = search_accelerator(NETS, SPACE, replace(CONFIG, scoring_patience=12), checkpoint=checkpoint,
                                 resume=True)
    assert _key(resumed) == _key(search_accelerator(NETS, SPACE, full))


def test_resume_with_more_generations_extends_a_finished_search_to_the_longer_runs_result(tmp_path):
    checkpoint = tmp_path / "ck.json"
    short, long = replace(CONFIG, generations=2), replace(CONFIG, generations=4)
    search_accelerator(NETS, SPACE, short, checkpoint=checkpoint)
    extended = search_accelerator(NETS, SPACE, long, checkpoint=checkpoint, resume=True)
    assert _full_key(extended) == _full_key(search_accelerator(NETS, SPACE, long))
    with pytest.raises(NaasError, match="has done 4 generations; give --generations >= 4"):
        search_accelerator(NETS, SPACE, short, checkpoint=checkpoint, resume=True)


def test_an_extended_connectivity_search_runs_its_exploration_again_on_the_longer_base(tmp_path):
    from naas.search.connectivity_search import search_connectivity

    checkpoint = tmp_path / "checkpoint-naas.json"
    config = ArchSearchConfig(popsize=8, generations=10, seed=1, mapping=CONFIG.mapping)
    start = (("R", "K", "C"), ("P",))
    search_connectivity(NETS, SPACE, replace(config, generations=6), start, checkpoint=checkpoint)
    extended = search_connectivity(NETS, SPACE, config, start, checkpoint=checkpoint)
    direct = search_connectivity(NETS, SPACE, config, start)
    assert _full_key(extended) == _full_key(direct)


def test_a_search_under_another_latency_model_does_not_resume_this_one(tmp_path):
    checkpoint = tmp_path / "ck.json"
    one = ArchSearchConfig(popsize=4, generations=1, mapping=CONFIG.mapping)
    search_accelerator(NETS, SPACE, one, checkpoint=checkpoint)
    ports = ArchSpace(replace(SPACE.budget, latency_model="ports"))
    with pytest.raises(NaasError, match="different search"):
        search_accelerator(NETS, ports, one, checkpoint=checkpoint, resume=True)
    held = ArchSpace(replace(SPACE.budget, hold_operands=True))
    with pytest.raises(NaasError, match="different search"):
        search_accelerator(NETS, held, one, checkpoint=checkpoint, resume=True)
    # Defaults are left out of the fingerprint, so checkpoints older than the fields resume.
    assert not {"latency_model", "hold_operands"} & set(search_settings(NETS, SPACE, one)["space"]["budget"])


def _interrupted_after(config, checkpoint, stop_at):
    def stop(record):
        if record["step"] == stop_at:
            raise KeyboardInterrupt

    return search_accelerator(NETS, SPACE, config, progress=stop, checkpoint=checkpoint)


def _payload(checkpoint):
    return json.loads(json.loads(checkpoint.read_text())["payload"])


def test_designs_go_to_an_append_only_journal_and_a_torn_tail_is_dropped(tmp_path):
    reference = search_accelerator(NETS, SPACE, CONFIG)
    checkpoint = tmp_path / "ck.json"
    _interrupted_after(CONFIG, checkpoint, 1)
    journal = journal_path(checkpoint)
    payload = _payload(checkpoint)
    assert "cache" not in payload and payload["designs"] == len(journal.read_text().splitlines()) > 0
    counted = journal.read_bytes()
    # a crash after the next generation's designs were appended, and one in the middle of a line
    journal.write_bytes(counted + counted.splitlines(keepends=True)[0] + b'{"sha256": "ab')
    resumed = search_accelerator(NETS, SPACE, CONFIG, checkpoint=checkpoint, resume=True)
    assert _key(resumed)[:3] == _key(reference)[:3] and resumed.evaluations == reference.evaluations
    assert journal.read_bytes().startswith(counted)
    assert len(journal.read_text().splitlines()) == _payload(checkpoint)["designs"]


def test_a_corrupted_journal_line_is_a_one_line_error(tmp_path):
    checkpoint = tmp_path / "ck.json"
    _interrupted_after(CONFIG, checkpoint, 1)
    journal = journal_path(checkpoint)
    journal.write_text(journal.read_text().replace('"sha256": "', '"sha256": "0', 1))
    with pytest.raises(NaasError, match="line 1 is missing or corrupted"):
        search_accelerator(NETS, SPACE, CONFIG, checkpoint=checkpoint, resume=True)
    journal.unlink()
    with pytest.raises(NaasError, match="cannot read .*designs.jsonl"):
        search_accelerator(NETS, SPACE, CONFIG, checkpoint=checkpoint, resume=True)


def test_a_version_1_checkpoint_with_designs_inline_still_resumes(tmp_path):
    reference = search_accelerator(NETS, SPACE, CONFIG)
    checkpoint = tmp_path / "ck.json"
    _interrupted_after(CONFIG, checkpoint, 1)
    payload = _payload(checkpoint)
    records = [json.loads(json.loads(line)["record"]) for line in journal_path(checkpoint).read_text().splitlines()]
    payload["cache"] = {design_key(score_from_dict(r).design): r for r in records}
    del payload["designs"]
    journal_path(checkpoint).unlink()
    body = json.dumps(payload, sort_keys=True)
    document = json.loads(checkpoint.read_text())
    document.update(version=1, payload=body, payload_sha256=hashlib.sha256(body.encode()).hexdigest())
    checkpoint.write_text(json.dumps(document))
    resumed = search_accelerator(NETS, SPACE, CONFIG, checkpoint=checkpoint, resume=True)
    assert _key(resumed)[:3] == _key(reference)[:3]
    assert _payload(checkpoint)["designs"] == len(journal_path(checkpoint).read_text().splitlines())


SEARCH_ARGS = ["--network", "squeezenet", "--budget", "eyeriss", "--generations", "6", "--popsize", "4",
               "--map-generations", "12", "--map-popsize", "8", "--executor", "inprocess",
               "--no-sizing-baseline", "--quiet"]


def _naas(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "naas.cli", "search", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _generations_done(checkpoint: Path) -> int:
    try:
        return json.loads(json.loads(checkpoint.read_text())["payload"])["next_step"]
    except (OSError, ValueError, KeyError):
        return 0


def test_sigkill_mid_search_then_resume_matches_an_uninterrupted_run(tmp_path):
    whole = _naas(*SEARCH_ARGS, "--out", str(tmp_path / "whole"))
    assert whole.wait(timeout=600) == 0, whole.stderr.read()
    killed_dir = tmp_path / "killed"
    victim = _naas(*SEARCH_ARGS, "--out", str(killed_dir))
    checkpoint = killed_dir / "checkpoint-naas.json"
    deadline = time.time() + 600
    while _generations_done(checkpoint) < 2 and victim.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert victim.poll() is None, "the search ended before it could be killed"
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    done_at_kill = _generations_done(checkpoint)
    assert 2 <= done_at_kill < 6
    resumed = _naas(*SEARCH_ARGS, "--resume", str(killed_dir))
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read()
    a = json.loads((tmp_path / "whole" / "summary.json").read_text())["naas"]
    b = json.loads((killed_dir / "summary.json").read_text())["naas"]
    assert a == b
    history = json.loads((killed_dir / "history.json").read_text())
    assert [h["generation"] for h in history if h["phase"] == "base"] == list(range(6))
    assert [h["step"] for h in history] == list(range(len(history)))


def test_ray_executor_gives_the_same_result():
    ray = pytest.importorskip("ray")
    from naas.exec.executors import RayExecutor

    reference = search_accelerator(NETS, SPACE, CONFIG)
    executor = RayExecutor(workers=2)
    try:
        remote = search_accelerator(NETS, SPACE, CONFIG, executor=executor)
    finally:
        executor.close()
    assert not ray.is_initialized()
    assert _key(remote) == _key(reference)


def test_report_builds_a_self_contained_page(tmp_path):
    pytest.importorskip("matplotlib")
    from naas.cli import main

    out = tmp_path / "run"
    assert main(["search", *SEARCH_ARGS[:-2], "--generations", "2", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 5  # convergence, EDP, energy, array, 1 network
    assert page.count("<table>") == 2 and "EDP (pJ x cycles)" in page and "&gt; 1 means NAAS is better" in page
    for name in ("convergence", "edp_vs_baselines", "energy_breakdown", "pe_array", "layers_squeezenet"):
        assert (out / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["units"]["fitness"].startswith("pJ x cycles") and "edp_pj_cycles" in summary["naas"]["networks"][
        "squeezenet"]
    # a summary written before the EDP key carried its unit still makes a report, with the same figures
    for design in [summary["naas"], *summary["baselines"].values()]:
        for entry in design["networks"].values():
            entry["edp"] = entry.pop("edp_pj_cycles")
    (out / "summary.json").write_text(json.dumps(summary))
    before = page
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").read_text() == before


def test_report_of_a_folder_without_a_search_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "naas.cli", "report", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 2 and "is missing; is this the --out folder" in result.stderr


def test_ctrl_c_writes_the_best_design_so_far(tmp_path):
    out = tmp_path / "run"
    args = [a for a in SEARCH_ARGS if a != "inprocess"]
    args[args.index("--executor") + 1:args.index("--executor") + 1] = ["pool", "--workers", "2"]
    # A shell that runs this suite in the background hands its children SIGINT ignored;
    # give the search the default disposition a terminal's foreground job has.
    victim = _naas(*args, "--out", str(out), start_new_session=True,
                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 600
    while _generations_done(out / "checkpoint-naas.json") < 1 and victim.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert victim.poll() is None
    os.killpg(victim.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    _, stderr = victim.communicate(timeout=600)
    assert victim.returncode == 130, stderr
    assert "Traceback" not in stderr and "resume with the same options" in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True
    assert (out / "design.yaml").exists() and (out / "mappings" / "squeezenet.yaml").exists()
