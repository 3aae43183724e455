"""How input/output examples are written in prompts, and read back: one format everywhere.

An example is one line of Python, ``f(1, [2, 3]) == 6``: the call with literal arguments,
``==``, and the expected value. Modules render examples this way, feedback names failing
tests this way, and the offline backend parses them back with ``ast`` (never ``eval``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import _pyast
from .execution import IOTest

MAX_VALUE_CHARS = 2000
MAX_PART_CHARS = 300  # longest call / expected / got rendering in feedback


def truncate(text: str, limit: int = MAX_PART_CHARS) -> str:
    """Cut ``text`` to at most ``limit`` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    marker = f"... [{len(text)} chars]"
    return text[: max(0, limit - len(marker))] + marker


def _value(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails still gets a line
        text = f"<{type(value).__name__}>"
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def render_call(entry: str, test: IOTest) -> str:
    """The test's call as source text, e.g. ``f(1, [2, 3], key='x')``."""
    parts = [_value(arg) for arg in test.args]
    parts += [f"{key}={_value(value)}" for key, value in test.kwargs.items()]
    return f"{entry}({', '.join(parts)})"


def render_example(entry: str, test: IOTest) -> str:
    """One example line: ``f(1, [2, 3]) == 6`` (``is``, truthiness and tolerance made explicit)."""
    call = render_call(entry, test)
    if test.compare == "truthy":
        return f"bool({call}) == True"
    if test.compare == "falsy":
        return f"bool({call}) == False"
    if test.compare == "is":
        return f"{call} is {_value(test.expected)}"
    line = f"{call} == {_value(test.expected)}"
    if test.atol is not None or test.rtol is not None:
        line += f"  # within atol={test.atol or 0}, rtol={test.rtol or 0}"
    return line


def render_examples(entry: str, tests: Iterable[IOTest]) -> str:
    return "\n".join(render_example(entry, t) for t in tests)


@dataclass(frozen=True)
class ParsedExample:
    entry: str
    args: tuple
    kwargs: dict
    expected: Any


def parse_example(line: str) -> ParsedExample | None:
    """Read back a line written by :func:`render_example`; ``None`` if it is not one."""
    try:
        tree = _pyast.parse(line.strip(), mode="eval")
    except SyntaxError:
        return None
    node = tree.body
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.Is))):
        return None
    call, expected_node = node.left, node.comparators[0]
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "bool" and call.args:
        call = call.args[0]  # bool(f(x)) == True: the call's truth is the example
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
        return None
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    try:
        args = tuple(ast.literal_eval(a) for a in call.args)
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
        expected = ast.literal_eval(expected_node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return ParsedExample(call.func.id, args, kwargs, expected)


def parse_examples(text: str) -> list[ParsedExample]:
    """Every example line in ``text`` (other lines, such as prose or fences, are skipped)."""
    found = []
    for line in text.splitlines():
        parsed = parse_example(line.split("  #", 1)[0])
        if parsed is not None:
            found.append(parsed)
    return found
