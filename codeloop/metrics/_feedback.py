"""Turn a sandbox result into short feedback text for an LM (e.g. GEPA's reflection step).

The text names the first failing test: the call as the model would write it
(``f(1, [2, 3])``), the expected value, and what the candidate produced instead. It
reveals expected values, so only feed it tests the program may learn from (visible or
training tests), never held-out ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codeloop._format import render_call, truncate
from codeloop.execution import AssertTest, IOTest, RunResult, SatTest, Status, Test, Verdict

MAX_FEEDBACK_CHARS = 2000  # longest feedback text overall


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a user object whose __repr__ is broken
        return f"<unrepresentable {type(value).__name__}: {type(exc).__name__}>"


def _expected(test: IOTest) -> str:
    text = truncate(_safe_repr(test.expected))
    tolerances = [
        f"{name}={value}" for name, value in (("atol", test.atol), ("rtol", test.rtol)) if value is not None
    ]
    if tolerances:
        text += f" (within {', '.join(tolerances)})"
    return text


def _error(verdict: Verdict) -> str:
    if verdict.error_type:
        message = (verdict.error_message or "").strip()
        return f"{verdict.error_type}: {message}" if message else verdict.error_type
    return verdict.reason or "an exception"


def describe_outcome(verdict: Verdict) -> str:
    """What the candidate did on one test, in words: the output, an error, a timeout, a crash."""
    status = verdict.status
    if status is Status.PASSED:
        text = "passed"
    elif status is Status.ERROR:
        text = f"raised {_error(verdict)}"
    elif status is Status.TIMEOUT:
        text = "timed out" + (f" ({verdict.reason})" if verdict.reason else "")
    elif status is Status.CRASHED:
        text = "crashed" + (f" ({verdict.reason})" if verdict.reason else "")
    else:  # FAILED: ran, but the output was wrong or could not cross the boundary
        if verdict.output_repr is not None:
            text = verdict.output_repr
        elif verdict.error_type:  # an assertion test that failed its assert
            text = _error(verdict)
        elif verdict.reason:
            return truncate(verdict.reason)
        else:
            text = _safe_repr(verdict.output)
        # Add the reason when it says more than the output (e.g. "cannot cross the boundary"),
        # not when it merely repeats it ("expected 2, got 1").
        if verdict.reason and text not in verdict.reason:
            return f"{truncate(text)} ({truncate(verdict.reason)})"
    return truncate(text)


def _describe_test(index: int, tests: Sequence[Test], entry: str) -> tuple[str, str]:
    """(what was run, what was expected) for the test at ``index``."""
    test = tests[index] if index < len(tests) else None
    if isinstance(test, IOTest):
        return truncate(render_call(entry, test)), _expected(test)
    if isinstance(test, AssertTest):
        return "assertion test:\n" + truncate(test.code.strip(), 600), "the assertions to pass"
    if isinstance(test, SatTest):
        return f"sat({truncate(render_call(entry, IOTest(args=test.args, kwargs=test.kwargs)))})", \
            "sat to return True (with an answer of the type sat declares)"
    return f"test #{index + 1} (no test description available)", "a pass"


def feedback_for(result: RunResult, tests: Sequence[Test], entry: str) -> str:
    """Feedback text for one run: all-passed, or the first failing test with expected vs got."""
    total = len(result.verdicts)
    if total == 0:
        return "No tests were run, so the code could not be checked."
    failure = result.first_failure()
    if failure is None:
        return f"All {total} tests passed." if total != 1 else "The 1 test passed."
    index, verdict = failure
    ran, expected = _describe_test(index, tests, entry)
    n_failed = total - result.n_passed
    lines = [
        f"{n_failed} of {total} tests failed. First failing test (#{index + 1}):",
        f"input: {ran}",
        f"expected: {expected}",
        f"got: {describe_outcome(verdict)}",
    ]
    return truncate("\n".join(lines), MAX_FEEDBACK_CHARS)
