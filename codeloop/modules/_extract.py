"""Getting the function out of what an LM wrote: fences, prose, usage examples and all.

``extract_code`` never raises on bad input: it returns an :class:`Extraction` whose ``ok``
says whether the entry point is defined at top level in code that parses, and whose
``reason`` says what went wrong otherwise.

What is kept: top-level imports, function and class definitions, and simple assignments
(constants, ``f = lambda ...``). What is dropped: prose, fences, and top-level statements
that would run on import (``print(...)``, ``assert ...``, ``if __name__ == "__main__":``).
When several blocks define the same name, the last definition wins (LMs often write a
first draft, then a corrected one).
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

from .. import _pyast

# An opening fence (``` or ~~~, three or more, optional language tag), its body, and the
# matching closing fence or the end of the text (LMs get cut off mid-block).
_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+.-]*)[^\n]*\n(?P<body>.*?)"
                    r"(?:^[ \t]*(?P=fence)[ \t]*$|\Z)", re.DOTALL | re.MULTILINE)
_NON_PYTHON = {"text", "txt", "console", "shell", "sh", "bash", "output", "json", "plaintext", "diff"}
_CODE_START = re.compile(r"^(?:async\s+def|def|class|import|from|@)\b|^[A-Za-z_]\w*\s*(?::[^=]*)?=[^=]")


@dataclass(frozen=True)
class Extraction:
    """The extracted code, whether it is usable, and why not if it is not."""

    code: str
    ok: bool
    reason: str = ""


def _blocks(text: str) -> tuple[list[str], bool]:
    """Fenced code blocks (likely Python) in ``text``, and whether any fence was found."""
    found = list(_FENCE.finditer(text))
    blocks = [m.group("body") for m in found if m.group("lang").lower() not in _NON_PYTHON]
    return blocks, bool(found)


def _parse(source: str) -> tuple[ast.Module | None, str]:
    try:
        return _pyast.parse(source), ""
    except SyntaxError as err:
        return None, f"syntax error: {err.msg} (line {err.lineno})"
    except (ValueError, RecursionError, MemoryError) as err:  # null bytes, absurd nesting
        return None, f"unparseable: {type(err).__name__}"


def _salvage(source: str) -> tuple[ast.Module | None, str, str]:
    """Parse ``source``, or the largest code-looking part of it: prose lines before the first
    ``def``/``import``/assignment are skipped, and trailing lines are dropped until it parses."""
    tree, error = _parse(source)
    if tree is not None and _defines(tree):
        return tree, source, ""
    whole = tree  # parses, but defines nothing: maybe a definition sits inside a string ({"code": """def..."""})
    dedented = textwrap.dedent(source)
    tree, _ = _parse(dedented)
    if tree is not None and _defines(tree):
        return tree, dedented, ""
    whole = whole or tree
    lines = source.splitlines()
    starts = [i for i, line in enumerate(lines) if _CODE_START.match(line.lstrip())]
    tries = 0
    for start in starts[:20]:
        for end in range(min(len(lines), start + 400), start, -1):  # not every suffix of a huge text
            tries += 1
            if tries > 3000:
                return (whole, source, "") if whole is not None else (None, source, error)
            chunk = textwrap.dedent("\n".join(lines[start:end]))
            tree, _ = _parse(chunk)
            if tree is not None and _defines(tree):
                return tree, chunk, ""
    if whole is not None:
        return whole, source, ""
    return None, source, error


def _defines(tree: ast.Module) -> bool:
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in tree.body)


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return [node.target.id]
    return []


def _calls(node: ast.AST) -> set[str]:
    return {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def _kept(tree: ast.Module, source: str, functions: set[str]) -> list[tuple[str, str]]:
    """(key, source text) of each top-level statement worth keeping, in order. An assignment
    that calls one of ``functions`` (``result = f([1, 2])``) is usage, not definition: dropped."""
    lines = source.splitlines()
    kept = []
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and _calls(node) & functions:
            continue
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        segment = "\n".join(lines[first - 1:node.end_lineno])
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            kept.append((f"import:{segment.strip()}", segment))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)):
            names = _defined_names(node)
            if names:
                kept.append((f"name:{names[0]}", segment))
    return kept


def extract_code(text: str | None, entry_point: str) -> Extraction:
    """The Python in ``text`` that defines ``entry_point``, with everything else dropped."""
    if not text or not text.strip():
        return Extraction("", False, "the output is empty")
    blocks, fenced = _blocks(text)
    sources = blocks if blocks else [text]
    if fenced and not blocks:  # only non-Python fences: the code is in the prose, or inside one (```json {"code": ...})
        sources = [_FENCE.sub("", text), *(m.group("body") for m in _FENCE.finditer(text))]
    parsed: list[tuple[ast.Module, str]] = []
    errors = []
    for source in sources:
        tree, code, error = _salvage(source)
        if tree is None:
            errors.append(error)
        else:
            parsed.append((tree, code))
    if fenced and blocks and not any(_has(tree, entry_point) for tree, _ in parsed):
        tree, code, error = _salvage(_FENCE.sub(lambda m: m.group("body"), text))  # code outside the fences?
        if tree is not None and _has(tree, entry_point):
            parsed = [(tree, code)]
    if not parsed:
        first_code = sources[0].strip()
        return Extraction(first_code, False, errors[0] if errors else "no Python code found")
    functions = {n.name for tree, _ in parsed for n in tree.body
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    order: list[str] = []
    chosen: dict[str, str] = {}
    for tree, code in parsed:
        for key, segment in _kept(tree, code, functions):
            if key not in chosen:
                order.append(key)
            chosen[key] = segment  # the last definition wins
    imports = [chosen[k] for k in order if k.startswith("import:")]
    rest = [chosen[k] for k in order if not k.startswith("import:")]
    code = "\n".join(imports) + ("\n\n" if imports and rest else "") + "\n\n".join(rest)
    code = code.strip() + "\n" if code.strip() else ""
    defined = [k.split(":", 1)[1] for k in order if k.startswith("name:")]
    if entry_point not in defined:
        names = ", ".join(defined) or "nothing"
        reason = f"no top-level definition of {entry_point!r} (defines: {names})"
        if errors:
            reason += f"; a code block did not parse: {errors[0]}"
        return Extraction(code, False, reason)
    tree, error = _parse(code)
    if tree is None:  # cannot happen for segments that parsed, but say so rather than raise
        return Extraction(code, False, error)
    return Extraction(code, True, "")


def _has(tree: ast.Module, name: str) -> bool:
    return any(name in _defined_names(node) for node in tree.body)
