"""The puzzle's type check: a P3 answer must have the type ``sat`` declares for it.

A tiny shared helper (pure functions on plain values): the metrics apply it to verdicts
(``codeloop.metrics.check_answer_types``), and the offline backend uses it to pick the answers
it proposes.

A puzzle's ``sat(answer, ...)`` annotates its first parameter (``def sat(li: List[int])``), and
an answer of another type does not solve the puzzle even where ``sat`` happens to return True
for it (``3.0`` for an ``int``, ``True`` for an ``int``, a tuple for a ``List``). The sandbox
passes a :class:`~codeloop.execution.SatTest` when ``sat(answer)`` returned exactly ``True``;
``check_answer_types`` then applies this check, in the trusted parent, on the answer
as it crossed the boundary (plain built-in values: a subclass crossed as its base, so the
check is on ``type(value) is ...``, as P3's own check is).

Understood annotations: ``int``, ``float``, ``str``, ``bool``, ``List[T]`` / ``list[T]``,
``Set[T]``, ``Dict[K, V]``, ``Tuple[T, ...]`` / ``Tuple[A, B]``, nested. Any other annotation
(or none) leaves the answer unchecked: only ``sat`` decides.
"""

from __future__ import annotations

import ast
import functools
from typing import Any

from . import _pyast

_SCALARS = {"int": int, "float": float, "str": str, "bool": bool}
_CONTAINERS = {"List": list, "list": list, "Set": set, "set": set, "Dict": dict, "dict": dict,
               "Tuple": tuple, "tuple": tuple}


@functools.lru_cache(maxsize=4096)
def sat_answer_type(sat: str) -> str | None:
    """The annotation of ``sat``'s first parameter, as written (``None``: none, or no ``sat``)."""
    try:
        tree = _pyast.parse(sat)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for node in reversed(tree.body):  # the last definition is the one a run calls
        if isinstance(node, ast.FunctionDef) and node.name == "sat":
            arguments = [*node.args.posonlyargs, *node.args.args]
            if not arguments or arguments[0].annotation is None:
                return None
            return ast.get_source_segment(sat, arguments[0].annotation)
    return None


@functools.lru_cache(maxsize=1024)
def _parse_type(annotation: str) -> ast.expr | None:
    try:
        return _pyast.parse(annotation.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _understood(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in _SCALARS
    if isinstance(node, ast.Attribute):  # typing.List[int]
        return False
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in _CONTAINERS:
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return all(isinstance(i, ast.Constant) and i.value is Ellipsis or _understood(i) for i in inner)
    return False


def _name(value: Any) -> str:
    return type(value).__name__


def _problem(value: Any, node: ast.expr, path: str) -> str | None:
    if isinstance(node, ast.Name):
        wanted = _SCALARS[node.id]
        return None if type(value) is wanted else f"{path} is a {_name(value)}, not a {node.id}"
    container = _CONTAINERS[node.value.id]  # type: ignore[union-attr]
    if type(value) is not container:
        return f"{path} is a {_name(value)}, not a {container.__name__}"
    inner = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    if container is dict:
        if len(inner) != 2:
            return None
        for key, item in value.items():
            problem = _problem(key, inner[0], f"a key of {path}") or _problem(item, inner[1], f"{path}[{key!r:.40}]")
            if problem:
                return problem
        return None
    if container is tuple and not (len(inner) == 2 and isinstance(inner[1], ast.Constant)):
        if len(value) != len(inner):
            return f"{path} has {len(value)} items, not {len(inner)}"
        pairs = list(zip(value, inner))
    else:
        pairs = [(item, inner[0]) for item in value]
    for i, (item, item_type) in enumerate(pairs):
        problem = _problem(item, item_type, f"{path}[{i}]" if container is not set else f"an item of {path}")
        if problem:
            return problem
    return None


def answer_type_problem(value: Any, annotation: str | None) -> str | None:
    """Why ``value`` does not have the type ``annotation`` names, or ``None`` if it does (or
    if the annotation is one this check does not understand, which leaves it unchecked)."""
    if not annotation:
        return None
    node = _parse_type(annotation)
    if node is None or not _understood(node):
        return None
    try:
        return _problem(value, node, "the answer")
    except RecursionError:
        return "the answer is nested too deeply to check its type"
