"""Atomic writes leave files as an ordinary write would: the mode the umask gives."""

import stat

import pytest

from naas import files


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_writes_honour_the_umask(tmp_path, monkeypatch, umask, mode):
    monkeypatch.setattr(files, "_UMASK", umask)
    files.write_json_atomic(tmp_path / "out.json", {"a": 1})
    assert stat.S_IMODE((tmp_path / "out.json").stat().st_mode) == mode
    assert not list(tmp_path.glob(".out.json.*"))  # no temporary file left behind


def test_unwritable_targets_are_one_line_errors(tmp_path):
    from naas.errors import NaasError

    with pytest.raises(NaasError, match="is a folder; give a file path"):
        files.write_text_atomic(tmp_path, "x")
    (tmp_path / "file").write_text("")
    with pytest.raises(NaasError, match="cannot write there"):
        files.write_text_atomic(tmp_path / "file" / "below.json", "x")  # a file where a folder should be
    files.write_text_atomic(tmp_path / "new" / "dir" / "out.json", "{}")  # missing folders are made
    assert (tmp_path / "new" / "dir" / "out.json").read_text() == "{}"
