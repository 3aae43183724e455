"""The layering of docs/architecture.md holds: import-linter's contracts (``[tool.importlinter]``
in pyproject.toml) are kept, and no package reaches into another package's private modules."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "codeloop"
# Modules at the root of the package that every package may import.
SHARED_HELPERS = frozenset({"codeloop._cancel", "codeloop._files", "codeloop._format", "codeloop._progress",
                            "codeloop._pyast"})


def test_import_contracts_are_kept() -> None:
    """``lint-imports`` on this repository's code (not an installed copy) keeps every contract."""
    try:
        import importlinter  # noqa: F401
    except ImportError:
        pytest.fail("import-linter is not installed: pip install -e '.[dev]'")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    script = "import sys; from importlinter.cli import lint_imports_command; sys.argv[0] = 'lint-imports'; lint_imports_command()"
    run = subprocess.run([sys.executable, "-c", script, "--no-cache"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"lint-imports found broken contracts:\n{run.stdout}\n{run.stderr}"
    assert str(PACKAGE) in _imported_from(env), "lint-imports would analyse another copy of codeloop"


def _imported_from(env: dict[str, str]) -> str:
    probe = "import codeloop; print(codeloop.__file__)"
    return subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True,
                          check=True).stdout


def _module_name(path: Path) -> tuple[str, bool]:
    """The dotted name of the module in ``path``, and whether it is a package's ``__init__``."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _is_module(name: str) -> bool:
    place = REPO.joinpath(*name.split("."))
    return place.with_suffix(".py").is_file() or (place / "__init__.py").is_file()


def _imported_modules(source: str, name: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every module that the source of module ``name`` imports,
    relative imports resolved, and ``from package import submodule`` naming the submodule too."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:
                if _is_module(f"{module}.{alias.name}"):
                    yield node.lineno, f"{module}.{alias.name}"


def _top_level(name: str) -> str:
    """``codeloop.X`` for any module inside top-level package (or root module) X; ``codeloop`` itself."""
    return ".".join(name.split(".")[:2])


def _reaches_into_private(importer: str, imported: str) -> bool:
    if imported.split(".")[0] != "codeloop" or _top_level(imported) == _top_level(importer):
        return False
    owner = _top_level(imported)
    if owner.rpartition(".")[2].startswith("_"):
        # A root module: a shared helper, or (``_app``) only for ``codeloop/__init__.py``.
        return owner not in SHARED_HELPERS and importer != "codeloop"
    inside = imported.split(".")[2:]
    return any(part.startswith("_") and part != "__init__" for part in inside)


def test_no_package_imports_another_packages_private_modules() -> None:
    """Packages use each other through their ``__init__`` exports, never ``..other._module``."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer, is_package = _module_name(path)
        for line, imported in _imported_modules(path.read_text(encoding="utf-8"), importer, is_package):
            if _reaches_into_private(importer, imported):
                offenders.append((str(path.relative_to(REPO)), line, imported))
    assert not offenders, (f"{len(offenders)} imports reach into another package's private modules "
                           "(import the name from the package instead):\n"
                           + "\n".join(f"{file}:{line} -> {module}" for file, line, module in sorted(offenders)))


@pytest.mark.parametrize(("importer", "imported", "private"), [
    ("codeloop.modules._basic", "codeloop.benchmarks._task", True),
    ("codeloop.modules._basic", "codeloop.benchmarks.rounds._protocol", True),
    ("codeloop.modules._basic", "codeloop.benchmarks.rounds", False),
    ("codeloop.modules._basic", "codeloop.benchmarks", False),
    ("codeloop.modules._basic", "codeloop.lm.synth.api", False),
    ("codeloop.optimizers.joint._search", "codeloop.optimizers._base", False),
    ("codeloop.benchmarks._example_based", "codeloop.benchmarks.rounds._protocol", False),
    ("codeloop.execution._sandbox", "codeloop._pyast", False),
    ("codeloop.cli", "codeloop._app", True),
    ("codeloop", "codeloop._app", False),
    ("codeloop.cli", "codeloop.experiments", False),
    ("codeloop._format", "codeloop.execution._codec", True),
    ("codeloop.modules._basic", "dspy._private", False),
])
def test_what_counts_as_reaching_into_private(importer: str, imported: str, private: bool) -> None:
    assert _reaches_into_private(importer, imported) is private


def test_imports_resolve_to_absolute_module_names() -> None:
    source = ("from ..benchmarks._task import TaskView\n"
              "from ..benchmarks import rounds, load_suite\n"
              "from . import _common\n"
              "import codeloop.lm\n")
    found = list(_imported_modules(source, "codeloop.modules._basic", is_package=False))
    assert found == [(1, "codeloop.benchmarks._task"), (2, "codeloop.benchmarks"), (2, "codeloop.benchmarks.rounds"),
                     (3, "codeloop.modules"), (3, "codeloop.modules._common"), (4, "codeloop.lm")]
    in_package = list(_imported_modules("from .. import exceptions\n", "codeloop.lm", is_package=True))
    assert in_package == [(1, "codeloop"), (1, "codeloop.exceptions")]
