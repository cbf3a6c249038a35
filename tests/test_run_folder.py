"""A search's --out folder: an earlier search there is refused unless --resume or --overwrite,
a live search's lock is respected and a dead one's taken over, and Ctrl-C before the first
checkpoint says that nothing was saved."""

import subprocess
import sys

import pytest

import naas.search.arch_search as arch_search
import naas.search.baselines as baselines
from naas.cli import main
from naas.errors import NaasError
from naas.run_folder import LOCK, search_lock

TINY = """name: tiny
layers:
  - {name: c1, dims: {K: 16, C: 8, P: 8, Q: 8, R: 3, S: 3}}
  - {name: fc, dims: {K: 10, C: 64}}
"""


def _search(tmp_path, out, *extra):
    (tmp_path / "tiny.yaml").write_text(TINY)
    return main(["search", "--network", str(tmp_path / "tiny.yaml"), "--budget", "eyeriss", "--generations", "1",
                 "--popsize", "4", "--map-generations", "4", "--map-popsize", "8", "--no-sizing-baseline",
                 "--out", str(out), "--quiet", *extra])


def test_an_earlier_search_is_refused_then_replaced_with_overwrite_keeping_other_files(tmp_path, capsys):
    out = tmp_path / "run"
    assert _search(tmp_path, out) == 0
    (out / "notes.txt").write_text("mine")
    before = (out / "summary.json").read_text()
    assert _search(tmp_path, out) == 2
    err = capsys.readouterr().err
    assert f"out: {out} holds an earlier search" in err and "--overwrite replaces it" in err
    assert (out / "summary.json").read_text() == before
    assert _search(tmp_path, out, "--overwrite") == 0
    assert (out / "notes.txt").read_text() == "mine" and (out / "summary.json").exists()
    assert not (out / LOCK).exists()


def test_a_live_search_holds_the_folder_and_a_dead_ones_lock_is_taken_over(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / LOCK).write_text("1")  # pid 1 is always alive
    with pytest.raises(NaasError, match="another naas search \\(process 1\\) is writing"):
        with search_lock(out):
            pass
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / LOCK).write_text(str(dead.pid))
    with search_lock(out):
        assert (out / LOCK).exists()
    assert not (out / LOCK).exists()


# the hand design, scored before the joint ES; a scoring in the connectivity search's base
@pytest.mark.parametrize("where,connectivity", [(baselines, "es"), (arch_search, "sweep")])
def test_ctrl_c_before_the_first_checkpoint_says_nothing_was_saved(tmp_path, monkeypatch, capsys, where,
                                                                   connectivity):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(where, "score_designs", interrupted)
    out = tmp_path / "run"
    assert _search(tmp_path, out, "--connectivity", connectivity) == 130
    assert "naas: interrupted: nothing was saved" in capsys.readouterr().err
    assert not out.exists()  # the folder it created, empty, is gone again
    monkeypatch.undo()
    assert _search(tmp_path, out, "--connectivity", connectivity) == 0  # runs again, nothing in the way
