"""``import codeloop``: a light front door whose names all resolve, lazily, to their packages' own."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import codeloop

HEAVY = ("dspy", "pandas", "optuna", "numpy", "litellm")


def _fresh_interpreter(code: str) -> str:
    """Run ``code`` in a new interpreter (the same one, the same ``PYTHONPATH``); its stdout."""
    here = str(Path(codeloop.__file__).resolve().parent.parent)  # this copy of codeloop, first
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_codeloop_imports_no_heavy_dependency():
    out = _fresh_interpreter("import json, sys, codeloop\n"
                             "print(json.dumps([codeloop.__file__, sorted(sys.modules)]))")
    path, modules = json.loads(out)
    assert Path(path).resolve() == Path(codeloop.__file__).resolve()  # the copy under test
    assert sorted({m.split(".")[0] for m in modules} & set(HEAVY)) == []
    assert [m for m in modules if m.startswith("codeloop.")] == []


def test_a_name_imports_only_what_it_needs():
    out = _fresh_interpreter("import json, sys, codeloop\ncodeloop.Limits\nprint(json.dumps(sorted(sys.modules)))")
    assert "codeloop.execution" in json.loads(out)
    assert "dspy" not in json.loads(out)


@pytest.mark.parametrize("name", sorted(set(codeloop.__all__) - {"__version__"}))
def test_every_name_resolves_to_its_home(name):
    home = codeloop._HOME[name]
    assert home == "codeloop._app" or not any(part.startswith("_") for part in home.split(".")[1:])
    owner = importlib.import_module(home)
    assert name in getattr(owner, "__all__", [n for n in vars(owner) if not n.startswith("_")])
    assert getattr(codeloop, name) is getattr(owner, name)
    assert name in dir(codeloop)


def test_all_and_the_lazy_table_and_the_static_imports_agree():
    assert set(codeloop.__all__) == set(codeloop._HOME) | {"__version__"}
    assert len(codeloop._HOME) == sum(len(names) for names in codeloop._EXPORTS.values())  # no name twice
    tree = ast.parse(Path(codeloop.__file__).read_text())
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
    static = {alias.name: node.module for node in block.body if isinstance(node, ast.ImportFrom)
              for alias in node.names}
    assert static == codeloop._HOME


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match=r"^module 'codeloop' has no attribute 'no_such_name'$"):
        codeloop.no_such_name  # noqa: B018
    with pytest.raises(ImportError, match="no_such_name"):
        from codeloop import no_such_name  # noqa: F401
