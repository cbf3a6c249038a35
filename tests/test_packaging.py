"""The extras install together: no two pin different versions of one package, and `all` holds
every one of them."""

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _extras() -> dict[str, list[str]]:
    return tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]


def test_no_two_extras_ask_for_different_versions_of_one_package():
    asked: dict[str, set[str]] = {}
    for name, requirements in _extras().items():
        for requirement in requirements:
            package = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
            if package != "naas":
                asked.setdefault(package, set()).add(requirement.replace(" ", ""))
    conflicting = {package: sorted(specs) for package, specs in asked.items() if len(specs) > 1}
    assert not conflicting, f"extras ask for different versions: {conflicting}"


def test_the_all_extra_installs_every_other_extra():
    extras = _extras()
    (everything,) = extras["all"]
    named = set(re.fullmatch(r"naas\[(.*)\]", everything).group(1).split(","))
    assert named == set(extras) - {"all"}
