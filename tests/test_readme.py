"""README.md stays true: every ``codeloop.…`` name, ``from codeloop… import …`` line and
``python -m codeloop.…`` it gives exists."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
TEXT = README.read_text()


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
