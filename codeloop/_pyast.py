"""``ast.parse`` and ``ast.literal_eval`` that are safe to call from several threads.

CPython 3.11 keeps the AST constructor's recursion counter per interpreter, not per thread.
If a thread switch happens while one thread turns a parse tree into ``ast`` objects (garbage
collection can run Python code there) and another thread starts a parse, the first one fails
with ``SystemError: AST constructor recursion depth mismatch`` (python/cpython#106905 and the
reports linked there). codeloop parses in evaluation threads: the offline backend reads demo
code and examples, modules extract code. So every parse here holds one lock, and a parse that
still meets the error (another library parsing at that moment) is tried again: the error says
nothing about the source, and the same source parses on the next try.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_LOCK = threading.RLock()  # re-entrant: a collection inside a parse may run code that parses
_RACE = "AST constructor recursion depth mismatch"
ATTEMPTS = 4


def parse(source: str, *args: Any, **kwargs: Any) -> ast.AST:
    """:func:`ast.parse`, serialized and retried on CPython's spurious recursion-depth error."""
    for attempt in range(ATTEMPTS):
        try:
            with _LOCK:
                return ast.parse(source, *args, **kwargs)
        except SystemError as exc:
            if _RACE not in str(exc) or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def literal_eval(text: str) -> Any:
    """:func:`ast.literal_eval` of a string, with its parse done by :func:`parse`."""
    return ast.literal_eval(parse(text.lstrip(" \t"), mode="eval"))
