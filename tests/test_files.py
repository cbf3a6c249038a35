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
