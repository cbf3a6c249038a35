"""Every naas module imports as a program's first naas import (no import cycles hidden by the
order the tests happen to import things in)."""

import subprocess
import sys
from pathlib import Path

import naas

SCRIPT = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "naas" or m.startswith("naas.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc}")
print("\\n".join(failed))
"""


def test_every_module_imports_first():
    root = Path(naas.__file__).parent
    names = sorted("naas." + ".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
                   for p in root.rglob("*.py"))
    names = [n.removesuffix(".") for n in names]
    done = subprocess.run([sys.executable, "-c", SCRIPT, *names], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", done.stdout
    assert len(names) > 40
