"""Tests for ExecutionMetric, the execution-based DSPy metric, with a fake sandbox."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import dspy
import pytest

from codeloop.execution import IOTest, Limits, RunResult, Status, Test, Verdict
from codeloop.metrics import ExecutionMetric, SupportsRun

PASS = Verdict(status=Status.PASSED, output=3, output_repr="3")
WRONG = Verdict(status=Status.FAILED, output=4, output_repr="4", reason="expected 6, got 4")

TESTS = [IOTest(args=(1, [2, 3]), expected=6), IOTest(args=(0, []), expected=0)]


class FakeSandbox:
    """Returns a prepared RunResult and records every call."""

    def __init__(self, *verdicts: Verdict) -> None:
        self.result = RunResult(verdicts=verdicts)
        self.calls: list[tuple[str, str, tuple[Test, ...], Limits | None]] = []

    def run(self, code: str, entry: str, tests: Sequence[Test], limits: Limits | None = None) -> RunResult:
        self.calls.append((code, entry, tuple(tests), limits))
        return self.result


def example(**fields: Any) -> dspy.Example:
    base = {"prompt": "sum the list", "tests": TESTS, "entry_point": "f"}
    base.update(fields)
    return dspy.Example(**base).with_inputs("prompt")


CODE = "def f(a, xs):\n    return a + sum(xs)\n"


def test_fake_sandbox_satisfies_protocol() -> None:
    assert isinstance(FakeSandbox(), SupportsRun)


def test_all_pass_scores_one_and_runs_the_right_things() -> None:
    sandbox = FakeSandbox(PASS, PASS)
    limits = Limits(timeout_s=1.0)
    metric = ExecutionMetric(sandbox, limits=limits)
    out = metric(example(), dspy.Prediction(code=CODE))
    assert isinstance(out, dspy.Prediction)
    assert out.score == 1.0
    assert out.feedback == "All 2 tests passed."
    assert sandbox.calls == [(CODE, "f", tuple(TESTS), limits)]


def test_partial_pass_default_all_pass_scores_zero() -> None:
    out = ExecutionMetric(FakeSandbox(WRONG, PASS))(example(), dspy.Prediction(code=CODE))
    assert out.score == 0.0
    assert "f(1, [2, 3])" in out.feedback
    assert "expected: 6" in out.feedback
    assert out.feedback.endswith("got: 4")


def test_pass_ratio_mode() -> None:
    metric = ExecutionMetric(FakeSandbox(WRONG, PASS), score="pass_ratio")
    out = metric(example(), dspy.Prediction(code=CODE))
    assert out.score == 0.5
    assert "1 of 2 tests failed" in out.feedback


def test_feedback_for_exceptions() -> None:
    error = Verdict(status=Status.ERROR, error_type="TypeError", error_message="unsupported operand")
    out = ExecutionMetric(FakeSandbox(error, error))(example(), dspy.Prediction(code=CODE))
    assert out.score == 0.0
    assert "f(1, [2, 3])" in out.feedback and "expected: 6" in out.feedback
    assert "TypeError: unsupported operand" in out.feedback


def test_trace_means_bootstrapping_and_returns_bool() -> None:
    trace = [("predictor", {"prompt": "p"}, dspy.Prediction(code=CODE))]
    assert ExecutionMetric(FakeSandbox(PASS, PASS))(example(), dspy.Prediction(code=CODE), trace) is True
    assert ExecutionMetric(FakeSandbox(PASS, WRONG))(example(), dspy.Prediction(code=CODE), trace) is False
    # pass_ratio mode still demands every test for a demo
    assert (
        ExecutionMetric(FakeSandbox(PASS, WRONG), score="pass_ratio")(
            example(), dspy.Prediction(code=CODE), []
        )
        is False
    )
    # an empty trace list is still a trace
    assert ExecutionMetric(FakeSandbox(PASS, PASS))(example(), dspy.Prediction(code=CODE), trace=[]) is True


def test_gepa_five_argument_form_returns_prediction() -> None:
    metric = ExecutionMetric(FakeSandbox(WRONG, PASS), score="pass_ratio")
    gold, pred = example(), dspy.Prediction(code=CODE)
    inspect.signature(metric).bind(None, None, None, None, None)  # what dspy.GEPA checks

    plain = metric(gold, pred)
    scoring = metric(gold, pred, None, None, None)  # GEPA's module-level scoring
    trace = [("predictor", {"prompt": "p"}, pred)]
    feedback = metric(gold, pred, trace, "generate", trace)  # GEPA's per-predictor feedback call
    keywords = metric(gold=gold, pred=pred, trace=trace, pred_name="generate", pred_trace=trace)
    for out in (plain, scoring, feedback, keywords):
        assert isinstance(out, dspy.Prediction)
        assert out.score == 0.5
        assert out.feedback == plain.feedback
        assert hasattr(out, "feedback") and out["feedback"]  # what GEPA's feedback_fn reads


def test_gepa_accepts_the_metric() -> None:
    dspy.GEPA(metric=ExecutionMetric(FakeSandbox(PASS)), auto="light", reflection_lm=dspy.LM("openai/unused"))


def test_gepa_flex_scoring_keywords() -> None:
    # evaluate_with_trace passes only the declared keywords, including program_trace
    out = ExecutionMetric(FakeSandbox(PASS, PASS))(
        example(), dspy.Prediction(code=CODE), trace=None, pred_name=None, pred_trace=None, program_trace=[]
    )
    assert isinstance(out, dspy.Prediction) and out.score == 1.0


@pytest.mark.parametrize(
    ("pred", "needle"),
    [
        (dspy.Prediction(answer="x"), "no field 'code'"),
        (dspy.Prediction(code=None), "field 'code' is empty"),
        (dspy.Prediction(code="   \n"), "field 'code' is empty"),
        (dspy.Prediction(code=42), "holds a int"),
        (None, "no field 'code'"),
        (object(), "no field 'code'"),
    ],
)
def test_missing_or_empty_code_scores_zero_without_running(pred: Any, needle: str) -> None:
    sandbox = FakeSandbox(PASS, PASS)
    metric = ExecutionMetric(sandbox)
    out = metric(example(), pred)
    assert out.score == 0.0
    assert "No code was produced" in out.feedback
    assert needle in out.feedback
    assert metric(example(), pred, trace=[]) is False
    assert metric(example(), pred, [], "generate", []).score == 0.0
    assert sandbox.calls == []


def test_broken_getattr_on_prediction_does_not_raise() -> None:
    class Broken:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("boom")

    out = ExecutionMetric(FakeSandbox(PASS))(example(), Broken())
    assert out.score == 0.0 and "no field 'code'" in out.feedback


@pytest.mark.parametrize(
    ("gold", "needle"),
    [
        (dspy.Example(prompt="p", entry_point="f"), "no field 'tests'"),
        (dspy.Example(prompt="p", tests=TESTS), "no field 'entry_point'"),
        (example(tests=[]), "holds no tests"),
        (example(tests="assert f(1) == 2"), "not a list of tests"),
        (example(tests=[{"args": [1], "expected": 2, "kind": "nope"}]), "not a list of tests"),
        (example(entry_point=""), "not a function name"),
    ],
)
def test_bad_example_scores_zero_and_names_the_field(
    gold: dspy.Example, needle: str, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = FakeSandbox(PASS)
    out = ExecutionMetric(sandbox)(gold, dspy.Prediction(code=CODE))
    assert out.score == 0.0
    assert needle in out.feedback
    assert sandbox.calls == []
    assert needle in caplog.text


def test_tests_given_as_dicts_are_validated_into_models() -> None:
    sandbox = FakeSandbox(PASS, PASS)
    gold = example(
        tests=[{"args": [1, [2, 3]], "expected": 6}, {"kind": "assert", "code": "assert f(0, []) == 0"}]
    )
    assert ExecutionMetric(sandbox)(gold, dspy.Prediction(code=CODE)).score == 1.0
    _, _, tests, _ = sandbox.calls[0]
    assert tests[0] == TESTS[0]
    assert tests[1].kind == "assert"


def test_custom_field_names_and_plain_dicts() -> None:
    sandbox = FakeSandbox(PASS)
    metric = ExecutionMetric(sandbox, tests_field="visible", entry_field="fn", code_field="program")
    gold = {"visible": TESTS[:1], "fn": "solve"}
    assert metric(gold, {"program": CODE}).score == 1.0
    assert sandbox.calls[0][:2] == (CODE, "solve")
    out = metric(gold, dspy.Prediction(code=CODE))
    assert "no field 'program'" in out.feedback


def test_constructor_validation() -> None:
    with pytest.raises(TypeError, match="run\\(\\) method"):
        ExecutionMetric(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="score='best'"):
        ExecutionMetric(FakeSandbox(), score="best")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ExecutionMetric(FakeSandbox(), "tests")  # type: ignore[misc]  # fields are keyword-only


def test_works_inside_dspy_evaluate() -> None:
    class Echo(dspy.Module):
        def forward(self, prompt: str) -> dspy.Prediction:
            return dspy.Prediction(code=CODE if prompt == "good" else None)

    metric = ExecutionMetric(FakeSandbox(PASS, PASS))
    devset = [example(prompt="good"), example(prompt="bad")]
    result = dspy.Evaluate(devset=devset, metric=metric, num_threads=1, display_progress=False)(Echo())
    assert result.score == pytest.approx(50.0)
    scores = [float(score) for _, _, score in result.results]
    assert scores == [1.0, 0.0]
