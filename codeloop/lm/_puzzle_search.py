"""The offline backend's answer to a puzzle: simple candidate answers, checked against the
``sat`` its prompt shows.

A puzzle request is recognised from the prompt alone: an input holding the source of a function
``sat(answer, ...)`` and a ``def sol(...)`` header. The backend then does what a search-based
synthesizer can honestly do with a verifier in hand: it lists cheap candidate expressions, in
order (``sol``'s parameters as they are; literals written in ``sat`` and the header, ints
also plus and minus one; one-step expressions over the parameters such as ``sorted(p)``,
``p[::-1]``, ``len(p)``, ``a + b``, ``list(range(n))``, ``'a' * n``; small constants of the
answer type), runs ``sat`` on each in the sandbox, in one child, and keeps those for which
``sat`` returned True with an answer of the type ``sat`` declares. It reads nothing but the
prompt; the puzzle's real judge runs again, separately, on whatever it returns. Answers an
earlier round had rejected (quoted in the prompt as ``sol() returned X``) are not proposed
again. The search is small, so most puzzles are beyond it: P3's are written to need real
reasoning.
"""

from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass
from typing import Any

from .. import _pyast
from .._answer_types import answer_type_problem, sat_answer_type
from ..execution import IOTest, Limits, Sandbox, default_sandbox

#: what one probe (all candidates of a request, one child) may take
PROBE_LIMITS = Limits(timeout_s=1.0, candidate_timeout_s=3.0)
MAX_CANDIDATES = 500
_INT_CONSTANTS = (0, 1, -1, 2, 3, 10, 100, 1000)
_TYPED_CONSTANTS = {"int": [repr(v) for v in _INT_CONSTANTS], "float": ["0.0", "1.0", "0.5", "-1.0", "2.0"],
                    "str": ["''", "'a'", "'ab'", "'abc'", "'0'"], "bool": ["True", "False"]}
_UNARY = {  # by the parameter's default's type: expressions over it (``{p}``)
    int: ["{p} + 1", "{p} - 1", "-{p}", "{p} * 2", "{p} // 2", "{p} * {p}", "list(range({p}))",
          "list(range(1, {p} + 1))", "[0] * {p}", "[1] * {p}", "'a' * {p}", "str({p})", "float({p})", "abs({p})"],
    float: ["{p} + 1", "{p} - 1", "-{p}", "{p} * 2", "{p} / 2", "{p} ** 0.5", "int({p})", "round({p})"],
    str: ["{p}[::-1]", "{p}.upper()", "{p}.lower()", "{p}.swapcase()", "{p}.strip()", "len({p})", "sorted({p})",
          "list({p})", "{p}.split()", "{p} + {p}", "''.join(sorted({p}))", "{p}[0]", "{p}[-1]", "int({p})"],
    list: ["sorted({p})", "{p}[::-1]", "len({p})", "sum({p})", "max({p})", "min({p})", "sorted(set({p}))",
           "list(range(len({p})))", "{p}[0]", "{p}[-1]", "sorted({p}, reverse=True)", "[x * 2 for x in {p}]",
           "' '.join({p})", "''.join({p})", "{p} + {p}", "[{p}]"],
    bool: ["not {p}"],
}
_BINARY = ["{a} + {b}", "{a} - {b}", "{b} - {a}", "{a} * {b}", "{a} // {b}", "{b} // {a}", "{a} % {b}",
           "{b} % {a}", "{a} ** {b}", "[{a}, {b}]", "{a}[{b}]"]
#: how the prompt quotes an answer that was rejected (feedback and earlier rounds alike)
_REJECTED = re.compile(r"sol\(\) returned (.*?); (?=sat |wrong answer type)")


@dataclass(frozen=True)
class PuzzleRequest:
    """A puzzle as the prompt states it."""

    sat: str
    header: str  # "def sol(n=3)": the function to write, without the colon
    params: tuple[tuple[str, Any], ...]  # sol's parameters and their default values (None if none)
    answer_type: str | None


@dataclass(frozen=True)
class PuzzleAnswer:
    code: str
    expression: str
    tried: int  # candidates sent to sat
    satisfying: int  # of those, how many sat accepted with the declared type
    note: str


def _sat_source(text: str) -> str | None:
    try:
        tree = _pyast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    defines = any(isinstance(node, ast.FunctionDef) and node.name == "sat" for node in tree.body)
    return text if defines else None


def _header(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("def sol(") or line.startswith("def sol ("):
            return line.removesuffix(":").rstrip()
    return None


def find_puzzle(inputs: dict[str, str]) -> PuzzleRequest | None:
    """The puzzle a request's inputs state, or ``None`` if they state none."""
    sat = next((s for s in (_sat_source(v.strip()) for v in inputs.values() if "def sat" in v) if s), None)
    header = next((h for h in (_header(v) for v in inputs.values() if "def sol" in v) if h), None)
    if sat is None or header is None:
        return None
    try:
        node = _pyast.parse(f"{header}:\n    pass\n").body[0]
    except (SyntaxError, ValueError, RecursionError, MemoryError, IndexError):
        return None
    if not isinstance(node, ast.FunctionDef):
        return None
    names = [a.arg for a in node.args.args]
    defaults: list[Any] = [None] * (len(names) - len(node.args.defaults))
    for value in node.args.defaults:
        try:
            defaults.append(ast.literal_eval(value))
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            defaults.append(None)
    return PuzzleRequest(sat=sat, header=header, params=tuple(zip(names, defaults)),
                         answer_type=sat_answer_type(sat))


def _literals(source: str) -> list[str]:
    """Literal values written in ``source`` (strings, numbers, list literals), as expressions."""
    found: list[str] = []
    try:
        tree = _pyast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return found
    for node in ast.walk(tree):
        value: Any = None
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float)) \
                and not isinstance(node.value, bool):
            value = node.value
        elif isinstance(node, (ast.List, ast.Tuple)):
            try:
                value = ast.literal_eval(node)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
            value = list(value)
        else:
            continue
        try:
            text = repr(value)
        except ValueError:  # an int too long for decimal
            continue
        if len(text) <= 2000:
            found.append(text)
            if isinstance(value, int):
                found += [repr(value + 1), repr(value - 1)]
    return found


def candidates(puzzle: PuzzleRequest, limit: int) -> list[str]:
    """Candidate expressions for ``sol``'s return value, cheapest first, without repeats."""
    ordered: list[str] = [name for name, _ in puzzle.params]
    ordered += _literals(puzzle.sat) + _literals(puzzle.header + ": pass")
    for name, value in puzzle.params:
        kind = type(value) if type(value) in _UNARY else None
        if kind is not None:
            ordered += [form.format(p=name) for form in _UNARY[kind]]
    names = [name for name, _ in puzzle.params]
    for a in names:
        for b in names:
            if a != b:
                ordered += [form.format(a=a, b=b) for form in _BINARY]
    base = (puzzle.answer_type or "").replace(" ", "")
    element = base
    while element.startswith(("List[", "list[")) and element.endswith("]"):
        element = element[5:-1]
    ordered += _TYPED_CONSTANTS.get(base, [])
    if element != base:
        ordered += ["[]"] + [f"[{c}]" for c in _TYPED_CONSTANTS.get(element, [])[:3]]
    seen: set[str] = set()
    unique = []
    for expression in ordered:
        if expression not in seen:
            seen.add(expression)
            unique.append(expression)
    return unique[:limit]


def _probe_code(puzzle: PuzzleRequest, expressions: list[str]) -> str:
    params = puzzle.header.split("(", 1)[1].rsplit(")", 1)[0]
    lines = ["import copy", puzzle.sat.rstrip(), ""]
    for i, expression in enumerate(expressions):
        lines += [f"def _candidate_{i}({params}):", f"    return {expression}", ""]
    lines += [f"_CANDIDATES = [{', '.join(f'_candidate_{i}' for i in range(len(expressions)))}]", "",
              "def probe(i):", "    answer = _CANDIDATES[i]()", "    kept = copy.deepcopy(answer)",
              "    return [kept, sat(answer) is True]", ""]
    return "\n".join(lines)


def solve_puzzle(puzzle: PuzzleRequest, *, max_candidates: int, rejected_text: str = "", temperature: float = 0.0,
                 seed: int = 0, sandbox: Sandbox | None = None) -> PuzzleAnswer:
    """Check up to ``max_candidates`` candidates against ``sat`` in the sandbox; the cheapest one
    it accepts (at temperature 0; above it, one of those, seeded), else the cheapest of the right
    type not rejected before (above temperature 0, a seeded one of those)."""
    expressions = candidates(puzzle, max(1, min(max_candidates, MAX_CANDIDATES)))
    box = sandbox or default_sandbox()
    tests = [IOTest(args=(i,), expected=None) for i in range(len(expressions))]
    result = box.run(_probe_code(puzzle, expressions), "probe", tests, PROBE_LIMITS)
    rejected = _rejected_answers(rejected_text)
    satisfying, typed = [], []
    for expression, verdict in zip(expressions, result.verdicts):
        output = verdict.output
        if not (verdict.has_output and isinstance(output, list) and len(output) == 2):
            continue
        answer, accepted = output
        if answer_type_problem(answer, puzzle.answer_type) is not None:
            continue
        if accepted is True:
            satisfying.append(expression)
        elif not any(type(answer) is type(r) and _equal(answer, r) for r in rejected):
            typed.append(expression)
    rng = random.Random(seed)
    if satisfying:
        chosen = satisfying[0] if temperature <= 0 else rng.choice(satisfying)
        note = f"sat accepted {len(satisfying)} of {len(expressions)} candidates"
    elif typed:
        chosen = typed[0] if temperature <= 0 else rng.choice(typed)
        note = f"sat accepted none of {len(expressions)} candidates; a guess of the right type"
    else:
        chosen = "None"
        note = f"no candidate of {len(expressions)} had the answer type"
    return PuzzleAnswer(code=f"{puzzle.header}:\n    return {chosen}\n", expression=chosen, tried=len(expressions),
                        satisfying=len(satisfying), note=note)


def _rejected_answers(text: str) -> list[Any]:
    """The answers the prompt says were rejected (those whose quoted form is a full literal)."""
    found = []
    for quoted in _REJECTED.findall(text or ""):
        try:
            found.append(_pyast.literal_eval(quoted))
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
    return found


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - values from the child are plain, but be safe
        return False
