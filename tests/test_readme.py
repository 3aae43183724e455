"""README.md stays true: its quickstart runs as written and prints what it says, and every
``codeloop.…`` name, ``from codeloop… import …`` line and ``python -m codeloop.…`` it gives exists."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import codeloop

README = Path(__file__).resolve().parent.parent / "README.md"
TEXT = README.read_text()


def _block_after(marker: str) -> str:
    """The fenced block that follows the HTML comment ``marker`` in README.md."""
    found = re.search(rf"^<!-- {re.escape(marker)} -->\n```[a-z]*\n(.*?)^```$", TEXT, re.MULTILINE | re.DOTALL)
    assert found, f"README.md has no fenced block after <!-- {marker} -->"
    return found.group(1)


def _env_for_this_copy() -> dict[str, str]:
    """The environment, with this copy of codeloop first on the path of a child interpreter."""
    here = str(Path(codeloop.__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}


def test_the_quickstart_uses_only_the_front_door():
    code = _block_after("quickstart")
    assert len(code.splitlines()) <= 15
    tree = ast.parse(code)
    imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert [ast.unparse(node) for node in imports] == ["import codeloop"]
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "codeloop"}
    assert used and used <= set(codeloop.__all__)


def test_the_quickstart_runs_and_prints_what_the_readme_says(tmp_path):
    code, expected = _block_after("quickstart"), _block_after("quickstart output")
    env = {**_env_for_this_copy(), "DSPY_CACHEDIR": str(tmp_path / "dspy-cache")}  # a run from scratch
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^solved@1 \d\.\d{3}, solved@2 \d\.\d{3} of 20 test tasks$", done.stdout, re.MULTILINE)
    assert done.stdout == expected


def _resolve(dotted: str) -> object:
    """The module or attribute ``dotted`` names: the longest importable prefix, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            found: object = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not (exc.name == name or name.startswith(f"{exc.name}.")):
                raise  # a module that exists failed to import
            continue
        for attr in parts[cut:]:
            found = getattr(found, attr)
        return found
    raise ModuleNotFoundError(dotted)


DOTTED = sorted(set(re.findall(r"\bcodeloop(?:\.[A-Za-z_]\w*)+", TEXT)))
FROM_IMPORTS = sorted(set(re.findall(r"^\s*from (codeloop[\w.]*) import \(?([\w ,\n]+?)\)?$", TEXT, re.MULTILINE)))
RUN_AS_MODULE = sorted(set(re.findall(r"python3? -m (codeloop[\w.]*)", TEXT)))


def test_the_readme_names_something():
    assert len(DOTTED) > 20 and FROM_IMPORTS and RUN_AS_MODULE


@pytest.mark.parametrize("dotted", DOTTED)
def test_every_dotted_name_exists(dotted):
    _resolve(dotted)


@pytest.mark.parametrize(("module", "names"), FROM_IMPORTS)
def test_every_from_import_line_imports(module, names):
    imported = importlib.import_module(module)
    missing = [n for n in re.split(r"[\s,]+", names.strip()) if n and not hasattr(imported, n)]
    assert missing == [], f"README.md: from {module} import ...: {missing} not in {module}"


@pytest.mark.parametrize("module", RUN_AS_MODULE)
def test_every_module_run_with_python_m_exists(module):
    assert importlib.util.find_spec(module) is not None, f"README.md: python -m {module}: no such module"
