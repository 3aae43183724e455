"""The catalog entry: one target functionality, its reference solution and its inputs.

Expected outputs are never written here: ``_build`` derives them by running ``reference``
in the sandbox on each of ``inputs``.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from typing import Any

from ... import _pyast

CATEGORIES: tuple[str, ...] = ("strings", "lists", "numbers", "dicts_sets", "algorithms")
MIN_INPUTS = 12
N_EXAMPLES = 3


@dataclass(frozen=True)
class Spec:
    """One bundled task before its outputs are known.

    ``reference`` is Python source defining exactly one top-level function,
    ``entry_point``; ``params`` are its parameter names; each of ``inputs`` is an argument
    tuple. The first three inputs become the visible examples, so they are typical cases.
    """

    id: str
    entry_point: str
    params: tuple[str, ...]
    description: str
    reference: str
    inputs: tuple[tuple[Any, ...], ...]
    tags: tuple[str, ...] = ()

    @property
    def category(self) -> str:
        return self.id.split("/", 1)[0]


def entry_function(reference: str) -> ast.FunctionDef:
    """The one top-level function ``reference`` defines (imports may precede it)."""
    functions = [node for node in _pyast.parse(reference).body if isinstance(node, ast.FunctionDef)]
    if len(functions) != 1:
        raise ValueError(f"a reference must define exactly one top-level function, found {len(functions)}")
    return functions[0]


def spec(id: str, description: str, reference: str, inputs: list[Any], tags: tuple[str, ...] = ()) -> Spec:
    """Make a :class:`Spec`; entry point and parameter names come from ``reference``.

    For a one-parameter function each input is the argument itself; otherwise each input
    is a tuple with one value per parameter.
    """
    category = id.split("/", 1)[0]
    if category not in CATEGORIES or "/" not in id:
        raise ValueError(f"spec id {id!r} must look like '<category>/<name>' with a category in {CATEGORIES}")
    source = textwrap.dedent(reference).strip("\n") + "\n"
    function = entry_function(source)
    names = tuple(a.arg for a in function.args.args)
    if function.args.vararg or function.args.kwarg or function.args.kwonlyargs or function.args.defaults:
        raise ValueError(f"{id}: the reference must take plain positional parameters only")
    if len(names) == 1:
        args = tuple((value,) for value in inputs)
    else:
        args = tuple(tuple(value) for value in inputs)
        bad = [value for value in args if len(value) != len(names)]
        if bad:
            raise ValueError(f"{id}: input {bad[0]!r} does not have {len(names)} arguments")
    if len(args) < MIN_INPUTS:
        raise ValueError(f"{id}: needs at least {MIN_INPUTS} inputs, has {len(args)}")
    if not description.strip():
        raise ValueError(f"{id}: empty description")
    return Spec(id=id, entry_point=function.name, params=names, description=" ".join(description.split()),
                reference=source, inputs=args, tags=(category, *tags))
