"""Tests first, then code (after AceCoder): write test cases from the requirement, then code
conditioned on them; generated tests that contradict a visible example are dropped."""

from __future__ import annotations

import ast

import dspy

from .. import _pyast
from .._format import parse_example, render_examples
from ..benchmarks import TaskView
from ..execution import IOTest, Sandbox, values_equal
from ._common import SandboxRef, attempt_from, check, reply_field, require_kind, task_inputs
from ._signatures import CodeFromTests, RequirementToTests

MAX_GENERATED_TESTS = 20


def _condition(line: str) -> str:
    """The condition of ``assert cond, "message"`` (or the line itself if it is not an assert)."""
    if not line.startswith("assert"):
        return line
    try:
        node = _pyast.parse(line).body[0]
    except (SyntaxError, ValueError, RecursionError, MemoryError, IndexError):
        return ""
    return ast.unparse(node.test) if isinstance(node, ast.Assert) else ""


def parse_generated_tests(text: str, entry: str) -> list[IOTest]:
    """I/O tests from ``assert f(x) == y`` lines (other lines, and calls to other names, skipped)."""
    tests: list[IOTest] = []
    for line in (text or "").splitlines():
        parsed = parse_example(_condition(line.strip()))
        if parsed is None or parsed.entry != entry:
            continue
        try:
            tests.append(IOTest(args=parsed.args, kwargs=parsed.kwargs, expected=parsed.expected))
        except Exception:  # noqa: BLE001 - a value the test model cannot hold: skip the line
            continue
    return tests


def _same_input(a: IOTest, b: IOTest) -> bool:
    try:
        return a.args == b.args and a.kwargs == b.kwargs
    except Exception:  # noqa: BLE001 - exotic values that cannot be compared
        return False


def filter_tests(generated: list[IOTest], visible: tuple[IOTest, ...]) -> tuple[list[IOTest], list[IOTest]]:
    """(kept, dropped): a generated test is dropped when a visible example has the same input and
    a different expected value; duplicates of kept tests are dropped too."""
    kept: list[IOTest] = []
    dropped: list[IOTest] = []
    for test in generated:
        contradicted = any(_same_input(test, v) and not values_equal(test.expected, v.expected, v.atol, v.rtol)
                           for v in visible if v.compare == "==")
        duplicate = any(_same_input(test, k) for k in kept) or any(_same_input(test, v) for v in visible)
        if contradicted:
            dropped.append(test)
        elif not duplicate:
            kept.append(test)
    return kept[:MAX_GENERATED_TESTS], dropped


class TestFirst(dspy.Module):
    """``write_tests`` writes asserts from the requirement; ``write_code`` writes code that passes them.

    With ``filter_tests`` (the default), generated tests contradicting a visible example are
    dropped before code is written. The prediction has ``code``, ``tests`` (the kept tests as
    example lines, for ranking by agreement), ``dropped_tests``, ``attempts``, ``verdicts`` (on
    the visible examples, when ``check`` is on) and ``lm_calls``.
    """

    __test__ = False  # not a pytest test class
    kind = "function"  # a puzzle's test is its sat: writing tests first has no puzzle form
    parse_mode: str | None = None  # how replies are parsed (see set_parse_mode); None: DSPy settings

    def __init__(self, sandbox: Sandbox | None = None, *, filter_tests: bool = True, check: bool = True) -> None:
        super().__init__()
        self.write_tests = dspy.Predict(RequirementToTests)
        self.write_code = dspy.Predict(CodeFromTests)
        self.filter = filter_tests
        self.check = check
        self.sandbox = SandboxRef(sandbox)

    def max_lm_calls(self) -> int:
        return 2

    def forward(self, task: TaskView) -> dspy.Prediction:
        require_kind(self, task, self.kind)
        inputs = task_inputs(task)
        raw_tests = reply_field(self.write_tests, "tests", parse_mode=self.parse_mode, **inputs).text
        generated = parse_generated_tests(raw_tests, task.entry_point)
        kept, dropped = filter_tests(generated, task.examples) if self.filter else (generated, [])
        tests_text = render_examples(task.entry_point, kept)
        raw = reply_field(self.write_code, "code", parse_mode=self.parse_mode, **inputs, tests=tests_text or "(no extra tests)")
        attempt = attempt_from(raw, task)
        if self.check:
            check(attempt, task, self.sandbox.get())
        return dspy.Prediction(code=attempt.code, tests=tests_text, dropped_tests=render_examples(task.entry_point,
                               dropped), attempts=[attempt.as_dict()], verdicts=attempt.verdicts, lm_calls=2)
