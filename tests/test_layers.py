"""The folders are layers and imports point one way down them (README, Layout): a module imports
its own package and the layers below it, never one above or beside it. Function-local imports
count too: a lazy import up a layer is still a cycle waiting to happen."""

import ast
import sys
from pathlib import Path

import naas

PACKAGE = Path(naas.__file__).parent

#: Each top-level module or package of naas and its layer; a name may import only lower layers.
LAYERS = {
    "errors": 0,
    "specfields": 1, "files": 1, "branchfree": 1, "registry": 1,
    "workload": 2,
    "arch": 3,
    "mapping": 4,
    "cost": 5, "exec": 5,
    "search": 6,
    "nas": 7,
    "interop": 8, "report": 8, "run_folder": 8,
    "api": 9, "spec_docs": 9,
    "cli": 10,
    "__init__": 11,
}

#: The one upward import allowed: calling the package ``naas.search`` runs ``naas.api.search``
#: (a package and a function cannot share that name; naas/search/__init__.py says so).
ALLOWED = {("search/__init__.py", "naas.api")}


def _imports(path: Path):
    relative = path.relative_to(PACKAGE)
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ["naas", *relative.parts[: len(relative.parts) - node.level]]
                yield ".".join(base + ([node.module] if node.module else []))
            elif node.module:
                yield node.module


def _layer_name(path: Path) -> str:
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


def test_every_top_level_name_has_a_layer():
    names = {_layer_name(path) for path in PACKAGE.rglob("*.py")}
    assert names == set(LAYERS)


def test_imports_point_down_the_layers():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        me = _layer_name(path)
        for module in _imports(path):
            parts = module.split(".")
            if parts[0] != "naas":
                continue
            other = parts[1] if len(parts) > 1 else "__init__"
            key = (path.relative_to(PACKAGE).as_posix(), module)
            if other != me and LAYERS[other] >= LAYERS[me] and key not in ALLOWED:
                wrong.append(f"{key[0]} imports {module} (layer {LAYERS[other]} from layer {LAYERS[me]})")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    # the test above must be able to fail: a cost module that imports the search is caught
    fake = tmp_path / "naas"
    (fake / "cost").mkdir(parents=True)
    (fake / "cost" / "bad.py").write_text("def f():\n    from naas.search.greedy import default_mapping\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert list(_imports(fake / "cost" / "bad.py")) == ["naas.search.greedy"]
    try:
        test_imports_point_down_the_layers()
    except AssertionError as error:
        assert "cost/bad.py imports naas.search.greedy" in str(error)
    else:
        raise AssertionError("an upward import went unseen")


def _module_name(path: Path) -> str:
    return ".".join(("naas", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")


def test_no_two_modules_import_each_other():
    # inside a layer too: a package may load its submodules, but two modules that need each
    # other are one idea split in two (or a third module both should import)
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py") if path.name != "__init__.py"}
    needs = {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}
    both = sorted({tuple(sorted((a, b))) for a, wanted in needs.items() for b in wanted if a in needs[b]})
    assert not both, both
