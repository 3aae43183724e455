"""Compiled programs as JSON files that rebuild without knowing how they were compiled.

The file holds the module's registry name, an optional wrapper (per-input retrieval), how
it was compiled, and DSPy's state of every predictor (instructions and demos). Loading
builds the module by name, wraps it, and loads the state; DSPy's own ``program.save``
alone cannot do that, since it stores state, not structure.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import dspy

from .._files import write_json_atomically
from ..exceptions import ConfigError
from ..execution import Sandbox
from ..modules import build_module, module_kind

FORMAT = "codeloop-program/1"
# wrapper name -> (module, class); the class has ``wrap(inner)`` and DSPy's dump/load_state
WRAPPERS: dict[str, tuple[str, str]] = {"retrieval": (".exemplars", "RetrievalProgram")}


def _wrapper_of(program: dspy.Module) -> str | None:
    for name, (module, cls) in WRAPPERS.items():
        try:
            klass = getattr(importlib.import_module(module, __package__), cls)
        except (ImportError, AttributeError):
            continue
        if isinstance(program, klass):
            return name
    return None


def save_program(program: dspy.Module, path: str | Path, *, module: str,
                 compiled_with: dict[str, Any] | None = None) -> Path:
    """Save ``program`` (built from the registry's ``module``) with its structure and the kind of
    task it takes (``"function"`` or ``"puzzle"``)."""
    if "forward" in vars(program):
        raise ConfigError("this program replaces its forward method at run time (as DSPy's KNNFewShot does), so "
                          "its state cannot be saved; codeloop's `nearest` optimizer gives a saveable equivalent")
    inner = getattr(program, "program", program)  # a wrapper (per-input retrieval) holds the module
    kind = module_kind(program) if hasattr(program, "kind") else module_kind(inner)
    record = {"format": FORMAT, "module": module, "kind": kind, "wrapper": _wrapper_of(program),
              "compiled_with": compiled_with or {}, "state": program.dump_state()}
    return write_json_atomically(Path(path), record)


def load_program(path: str | Path, *, sandbox: Sandbox | None = None) -> tuple[dspy.Module, dict[str, Any]]:
    """The program saved at ``path``, and its record's metadata (module, wrapper, compiled_with)."""
    path = Path(path)
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"no compiled program at {path}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        found = record.get("format") if isinstance(record, dict) else type(record).__name__
        raise ConfigError(f"{path}: field 'format' is {found!r}, expected {FORMAT!r} "
                          "(a file written by codeloop's save_program or `codeloop run`)")
    kind = record.get("kind", "function")  # files written before puzzles were a kind take functions
    program = build_module(record.get("module"), sandbox=sandbox, kind=kind)
    wrapper = record.get("wrapper")
    if wrapper is not None:
        if wrapper not in WRAPPERS:
            raise ConfigError(f"{path}: field 'wrapper' is {wrapper!r}; accepted: {', '.join(WRAPPERS)} or null")
        module, cls = WRAPPERS[wrapper]
        program = getattr(importlib.import_module(module, __package__), cls).wrap(program)
    if not isinstance(record.get("state"), dict):
        raise ConfigError(f"{path}: field 'state' is missing or not an object (the predictors' saved state)")
    program.load_state(record["state"])
    meta = {k: record.get(k) for k in ("module", "wrapper", "compiled_with")}
    meta["kind"] = kind
    return program, meta
