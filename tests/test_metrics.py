"""Tests for codeloop.metrics: per-task scores, pass@k, and feedback text."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from pydantic import ValidationError

from codeloop.execution import AssertTest, IOTest, RunResult, Status, Verdict
from codeloop.metrics import (
    TaskScore,
    all_pass,
    describe_outcome,
    feedback_for,
    mean_pass_at_k,
    pass_at_k,
    pass_ratio,
    render_call,
    score_task,
)

PASS = Verdict(status=Status.PASSED, output=1, output_repr="1")


def fail(output_repr: str = "4", output: object = 4) -> Verdict:
    reason = f"expected something else, got {output_repr}"
    return Verdict(status=Status.FAILED, output=output, output_repr=output_repr, reason=reason)


def run(*verdicts: Verdict) -> RunResult:
    return RunResult(verdicts=verdicts)


# -- per-task scores ----------------------------------------------------------------------


def test_all_pass_and_pass_ratio() -> None:
    assert all_pass(run(PASS, PASS)) is True
    assert pass_ratio(run(PASS, PASS)) == 1.0
    assert all_pass(run(PASS, fail(), PASS, fail())) is False
    assert pass_ratio(run(PASS, fail(), PASS, fail())) == 0.5
    assert pass_ratio(run(fail())) == 0.0


def test_empty_run_is_not_a_pass() -> None:
    assert all_pass(run()) is False
    assert pass_ratio(run()) == 0.0


def test_score_task_separates_conformity_from_correctness() -> None:
    score = score_task(visible=run(PASS, PASS), hidden=run(PASS, fail(), fail(), PASS))
    assert score == TaskScore(
        conformity=True, correctness=False, visible_pass_ratio=1.0, hidden_pass_ratio=0.5
    )

    score = score_task(visible=run(PASS, fail()), hidden=run(PASS))
    assert score.conformity is False
    assert score.correctness is True
    assert score.visible_pass_ratio == 0.5
    assert score.hidden_pass_ratio == 1.0


def test_score_task_without_visible_examples() -> None:
    score = score_task(visible=None, hidden=run(PASS))
    assert score.conformity is None
    assert score.visible_pass_ratio is None
    assert score.correctness is True


def test_task_score_is_frozen_and_validated() -> None:
    score = score_task(None, run(PASS))
    with pytest.raises(ValidationError):
        score.correctness = False  # type: ignore[misc]
    with pytest.raises(ValidationError):
        TaskScore(conformity=True, correctness=True, visible_pass_ratio=1.5, hidden_pass_ratio=1.0)


# -- pass@k -------------------------------------------------------------------------------


def exact_pass_at_k(n: int, c: int, k: int) -> Fraction:
    return 1 - Fraction(math.comb(n - c, k), math.comb(n, k))


GRID_N = [*range(1, 21), 37, 50, 64, 99, 100, 128, 150, 199, 200]


def grid() -> list[tuple[int, int, int]]:
    cases = []
    for n in GRID_N:
        ks = sorted({k for k in (1, 2, 3, 5, 10, 25, n // 3, n // 2, n - 1, n) if 1 <= k <= n})
        cases += [(n, c, k) for c in range(n + 1) for k in ks]
    return cases


def test_pass_at_k_matches_exact_binomial_formula_on_grid() -> None:
    cases = grid()
    n, c, k = (np.array(column) for column in zip(*cases, strict=True))
    exact = np.array([float(exact_pass_at_k(*case)) for case in cases])
    got = pass_at_k(n, c, k)
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, exact, rtol=1e-12, atol=0)
    # scalar path agrees with the vectorised path
    for i in range(0, len(cases), 97):
        assert pass_at_k(*cases[i]) == pytest.approx(exact[i], rel=1e-12, abs=0)


@pytest.mark.parametrize(
    ("n", "c", "k"), [(5000, 10, 100), (5000, 1, 1), (200, 1, 1), (10_000, 2, 3), (3000, 2900, 50)]
)
def test_pass_at_k_stays_precise_for_large_n(n: int, c: int, k: int) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(float(exact_pass_at_k(n, c, k)), rel=1e-12, abs=0)


@pytest.mark.parametrize(("n", "c", "k"), [(10**6, 1, 1), (10**6, 3, 1), (99_991, 1, 7)])
def test_pass_at_k_keeps_relative_precision_when_small(n: int, c: int, k: int) -> None:
    # A naive 1 - prod(1 - k/i) loses ~1e-11 relative precision here (cancellation near 1).
    assert pass_at_k(n, c, k) == pytest.approx(float(exact_pass_at_k(n, c, k)), rel=1e-14, abs=0)


def test_pass_at_k_edge_cases() -> None:
    assert pass_at_k(10, 0, 1) == 0.0
    assert pass_at_k(10, 0, 10) == 0.0
    assert pass_at_k(10, 10, 1) == 1.0
    assert pass_at_k(1, 1, 1) == 1.0
    assert pass_at_k(1, 0, 1) == 0.0
    assert pass_at_k(10, 3, 8) == 1.0  # n - c < k: every draw of 8 holds a correct sample
    assert pass_at_k(10, 3, 7) == pytest.approx(float(exact_pass_at_k(10, 3, 7)), rel=1e-12)
    assert pass_at_k(10, 1, 1) == pytest.approx(0.1, rel=1e-12)
    assert pass_at_k(10.0, 3.0, 2.0) == pytest.approx(float(exact_pass_at_k(10, 3, 2)), rel=1e-12)


def test_pass_at_k_scalar_inputs_give_python_float() -> None:
    assert type(pass_at_k(10, 3, 2)) is float
    assert type(pass_at_k(np.int64(10), np.int32(3), 2)) is float


def test_pass_at_k_vectorised_broadcasts() -> None:
    got = pass_at_k(np.array([[10], [20]]), np.array([1, 2, 3]), 1)
    assert isinstance(got, np.ndarray)
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got, [[0.1, 0.2, 0.3], [0.05, 0.1, 0.15]], rtol=1e-12)
    got = pass_at_k([10, 10, 10], [0, 5, 10], [1, 6, 10])
    np.testing.assert_allclose(got, [0.0, 1.0, 1.0])
    assert pass_at_k(np.array([], dtype=int), np.array([], dtype=int), 1).shape == (0,)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((3, 5, 1), "pass_at_k needs 0 <= c <= n, but got n=3, c=5"),
        ((3, -1, 1), "pass_at_k needs 0 <= c <= n, but got n=3, c=-1"),
        ((3, 1, 0), "pass_at_k needs k >= 1, but got k=0"),
        ((3, 1, 4), "pass_at_k needs k <= n, but got n=3, k=4"),
        (([3, 4, 5], [1, 9, 2], 1), "pass_at_k needs 0 <= c <= n, but got n=4, c=9 (at index 1)"),
        ((10, [1, 2], [1, -2]), "pass_at_k needs k >= 1, but got k=-2 (at index 1)"),
        ((3.5, 1, 1), "pass_at_k needs integer n, but got n=3.5"),
        ((10, 1, float("nan")), "pass_at_k needs integer k"),
    ],
)
def test_pass_at_k_rejects_bad_inputs_naming_the_value(args: tuple, message: str) -> None:
    with pytest.raises(ValueError) as info:
        pass_at_k(*args)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("args", [("10", 1, 1), (10, True, 1), (10, None, 1)])
def test_pass_at_k_rejects_non_numbers(args: tuple) -> None:
    with pytest.raises(TypeError, match="pass_at_k needs integer"):
        pass_at_k(*args)


def test_mean_pass_at_k() -> None:
    ns, cs = [10, 20, 5], [1, 0, 5]
    expected = float(sum(exact_pass_at_k(n, c, 2) for n, c in zip(ns, cs, strict=True)) / 3)
    assert mean_pass_at_k(ns, cs, 2) == pytest.approx(expected, rel=1e-12)
    assert type(mean_pass_at_k(ns, cs, 2)) is float
    assert mean_pass_at_k(10, [0, 10], 1) == pytest.approx(0.5)  # one n for all tasks


def test_mean_pass_at_k_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError, match="at least one task"):
        mean_pass_at_k([], [], 1)
    with pytest.raises(ValueError, match="len\\(ns\\) == len\\(cs\\)"):
        mean_pass_at_k([10, 10], [1], 1)
    with pytest.raises(ValueError, match="single k"):
        mean_pass_at_k([10], [1], [1, 2])
    with pytest.raises(ValueError, match="but got n=10, c=11"):
        mean_pass_at_k([10], [11], 1)


# -- feedback -----------------------------------------------------------------------------


def test_render_call() -> None:
    assert render_call("f", IOTest(args=(1, [2, 3]))) == "f(1, [2, 3])"
    assert render_call("g", IOTest(args=["a"], kwargs={"sep": ","})) == "g('a', sep=',')"
    assert render_call("h", IOTest()) == "h()"


def test_feedback_all_passed() -> None:
    tests = [IOTest(args=(1,), expected=1)] * 3
    assert feedback_for(run(PASS, PASS, PASS), tests, "f") == "All 3 tests passed."
    assert "passed" in feedback_for(run(PASS), tests[:1], "f")


def test_feedback_names_first_failing_input_expected_and_got() -> None:
    tests = [
        IOTest(args=(0, []), expected=0),
        IOTest(args=(1, [2, 3]), expected=6),
        IOTest(args=(2,), expected=9),
    ]
    text = feedback_for(run(PASS, fail("5", 5), fail("0", 0)), tests, "f")
    assert "2 of 3 tests failed" in text
    assert "f(1, [2, 3])" in text
    assert "expected: 6" in text
    assert "got: 5\n" in text + "\n"  # the reason only repeats the output: not added
    assert "f(2)" not in text  # only the first failure


def test_feedback_for_exception_timeout_crash() -> None:
    tests = [IOTest(args=("x",), expected=1)]
    error = Verdict(status=Status.ERROR, error_type="ZeroDivisionError", error_message="division by zero")
    text = feedback_for(run(error), tests, "f")
    assert "f('x')" in text and "expected: 1" in text
    assert "ZeroDivisionError: division by zero" in text

    timeout = Verdict(status=Status.TIMEOUT, reason="exceeded 2.0 s")
    assert "got: timed out (exceeded 2.0 s)" in feedback_for(run(timeout), tests, "f")

    crash = Verdict(status=Status.CRASHED, reason="killed by signal 9 (memory limit?)")
    assert "got: crashed (killed by signal 9 (memory limit?))" in feedback_for(run(crash), tests, "f")


def test_feedback_when_output_could_not_cross_the_boundary() -> None:
    verdict = Verdict(status=Status.FAILED, reason="return value of type generator cannot be encoded")
    text = feedback_for(run(verdict), [IOTest(expected=[1])], "f")
    assert "got: return value of type generator cannot be encoded" in text


def test_feedback_adds_a_reason_that_says_more_than_the_output() -> None:
    verdict = Verdict(
        status=Status.FAILED,
        output_repr="<generator object <genexpr> at 0x7f>",
        reason="values of type 'generator' cannot cross the sandbox boundary",
    )
    text = feedback_for(run(verdict), [IOTest(args=([1],), expected=[1])], "f")
    assert "got: <generator object <genexpr> at 0x7f> (values of type 'generator' cannot cross" in text


def test_feedback_for_none_output_and_tolerance() -> None:
    verdict = Verdict(status=Status.FAILED, output=None)
    text = feedback_for(run(verdict), [IOTest(args=(2.0,), expected=1.41, atol=1e-6)], "sqrt")
    assert "sqrt(2.0)" in text
    assert "expected: 1.41 (within atol=1e-06)" in text
    assert "got: None" in text


def test_feedback_for_assert_test() -> None:
    test = AssertTest(code="assert f(2) == 4")
    verdict = Verdict(
        status=Status.FAILED,
        error_type="AssertionError",
        error_message="",
        reason="assertion failed",
        decided_in="child",
    )
    text = feedback_for(run(verdict), [test], "f")
    assert "assert f(2) == 4" in text
    assert "got: AssertionError (assertion failed)" in text


def test_feedback_is_truncated() -> None:
    huge = "x" * 100_000
    tests = [IOTest(args=(huge,), expected=huge)]
    text = feedback_for(run(fail(repr(huge), huge)), tests, "f")
    assert len(text) < 1500
    assert "f('xxx" in text
    assert "chars]" in text


def test_feedback_survives_verdict_test_mismatch_and_empty_runs() -> None:
    assert "No tests were run" in feedback_for(run(), [IOTest()], "f")
    text = feedback_for(run(PASS, fail()), [IOTest(args=(1,), expected=1)], "f")
    assert "#2" in text and "got: 4" in text


def test_describe_outcome_repr_failure_is_contained() -> None:
    class Evil:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    verdict = Verdict(status=Status.FAILED, output=Evil())
    assert "unrepresentable Evil" in describe_outcome(verdict)


@pytest.mark.parametrize("package", ["codeloop", "codeloop.execution", "codeloop.metrics", "codeloop.benchmarks"])
def test_scoring_code_without_dspy_does_not_import_it(package):
    """DSPy takes about half a second to import; sandboxes, scores and suites do not need it."""
    import subprocess
    import sys

    probe = f"import sys, {package}; print('dspy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
