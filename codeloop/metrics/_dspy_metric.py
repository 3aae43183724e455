"""A DSPy metric that scores generated code by running it against the example's tests."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import TypeAdapter, ValidationError

from codeloop._format import truncate
from codeloop.execution import AssertTest, IOTest, Limits, RunResult, SatTest, Test
from codeloop.metrics._answer_types import check_answer_types
from codeloop.metrics._feedback import feedback_for
from codeloop.metrics._protocols import SupportsRun

if TYPE_CHECKING:
    import dspy

logger = logging.getLogger(__name__)

ScoreMode = Literal["all_pass", "pass_ratio"]
_SCORE_MODES: tuple[str, ...] = ("all_pass", "pass_ratio")
_TESTS = TypeAdapter(tuple[Test, ...])
_MISSING = object()


class MetricOutcome(NamedTuple):
    """What one metric call decided, before it is shaped for the caller."""

    score: float
    passed: bool
    feedback: str
    result: RunResult | None  # None when the sandbox was never called


def _field(obj: Any, name: str) -> Any:
    """``getattr(obj, name)``, or ``_MISSING``; also reads mappings. Never raises."""
    try:
        return getattr(obj, name)
    except AttributeError:
        pass
    except Exception as exc:  # a broken __getattr__ on a bad prediction
        logger.debug("reading %r from %s raised %r", name, type(obj).__name__, exc)
        return _MISSING
    if isinstance(obj, Mapping):
        try:
            return obj[name]
        except Exception:
            return _MISSING
    return _MISSING


class ExecutionMetric:
    """Score a predicted program by executing it in a sandbox against the gold example's tests.

    ``metric(example, pred)`` reads ``pred.<code_field>``, ``example.<tests_field>`` (Test
    models, or dicts that validate as them) and ``example.<entry_field>``, runs them with
    ``sandbox.run`` and returns ``dspy.Prediction(score=..., feedback=...)``. The score is
    1.0/0.0 (``score="all_pass"``) or the fraction of tests passed (``score="pass_ratio"``).

    Call forms:

    * ``metric(example, pred)``: evaluation (``dspy.Evaluate``, GEPA scoring) -> Prediction.
    * ``metric(example, pred, trace)`` with a trace: bootstrapping (``BootstrapFewShot``)
      -> ``bool``, True only if every test passed, so only fully correct demos are kept.
    * ``metric(gold, pred, trace, pred_name, pred_trace)``: GEPA's feedback call, which
      passes the captured trace *and* a predictor name -> Prediction (not a bool).

    Bad predictions never raise: a missing or empty code field scores 0 with feedback
    saying so. A badly formed example (missing tests or entry point) also scores 0, with a
    logged warning since that is a data or configuration bug. Exceptions raised by the
    sandbox itself propagate: they are infrastructure failures, which DSPy's evaluators
    count as errors rather than silently as wrong code.
    """

    def __init__(
        self,
        sandbox: SupportsRun,
        *,
        tests_field: str = "tests",
        entry_field: str = "entry_point",
        code_field: str = "code",
        limits: Limits | None = None,
        score: ScoreMode = "all_pass",
    ) -> None:
        if not callable(getattr(sandbox, "run", None)):
            raise TypeError(f"ExecutionMetric needs a sandbox with a run() method, but got {sandbox!r}")
        if score not in _SCORE_MODES:
            raise ValueError(f"ExecutionMetric score must be one of {_SCORE_MODES}, but got score={score!r}")
        self.sandbox = sandbox
        self.tests_field = tests_field
        self.entry_field = entry_field
        self.code_field = code_field
        self.limits = limits
        self.score = score

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(sandbox={self.sandbox!r}, tests_field={self.tests_field!r}, "
            f"entry_field={self.entry_field!r}, code_field={self.code_field!r}, score={self.score!r})"
        )

    def __call__(
        self,
        gold: Any,
        pred: Any,
        trace: Any = None,
        pred_name: str | None = None,
        pred_trace: Any = None,
        program_trace: Any = None,
    ) -> dspy.Prediction | bool:
        outcome = self.evaluate(gold, pred)
        if trace is not None and pred_name is None and pred_trace is None:
            return outcome.passed
        import dspy  # here, not at the top: scoring code without DSPy should not pay its 0.5 s import

        return dspy.Prediction(score=outcome.score, feedback=outcome.feedback)

    # -- the work -----------------------------------------------------------------------

    def evaluate(self, gold: Any, pred: Any) -> MetricOutcome:
        """Run the prediction's code against the example's tests; never raises on bad input."""
        code = _field(pred, self.code_field)
        if code is _MISSING:
            return self._zero(f"No code was produced: the prediction has no field {self.code_field!r}.")
        if code is None or (isinstance(code, str) and not code.strip()):
            return self._zero(f"No code was produced: the field {self.code_field!r} is empty.")
        if not isinstance(code, str):
            return self._zero(
                f"No code was produced: the field {self.code_field!r} holds a {type(code).__name__}, not a string."
            )

        tests = self._tests(gold)
        if isinstance(tests, str):
            return self._bad_example(tests)
        entry = _field(gold, self.entry_field)
        if entry is _MISSING:
            return self._bad_example(f"the example has no field {self.entry_field!r} (the entry point)")
        if not isinstance(entry, str) or not entry.strip():
            return self._bad_example(
                f"the example's field {self.entry_field!r} is not a function name: {entry!r}"
            )

        result = check_answer_types(self.sandbox.run(code, entry, tests, self.limits), tests)
        passed = result.passed
        score = result.pass_ratio if self.score == "pass_ratio" else float(passed)
        return MetricOutcome(score, passed, feedback_for(result, tests, entry), result)

    def _tests(self, gold: Any) -> tuple[Test, ...] | str:
        """The example's tests, or a description of what is wrong with them."""
        raw = _field(gold, self.tests_field)
        if raw is _MISSING:
            return f"the example has no field {self.tests_field!r} (the tests)"
        if isinstance(raw, (IOTest, AssertTest, SatTest)):
            raw = (raw,)
        if isinstance(raw, (str, bytes, Mapping)) or raw is None:
            return f"the example's field {self.tests_field!r} is not a list of tests: {type(raw).__name__}"
        try:
            tests = _TESTS.validate_python(tuple(raw))
        except (TypeError, ValidationError) as exc:
            return f"the example's field {self.tests_field!r} is not a list of tests: {truncate(str(exc))}"
        if not tests:
            return f"the example's field {self.tests_field!r} holds no tests"
        return tests

    @staticmethod
    def _zero(feedback: str) -> MetricOutcome:
        return MetricOutcome(0.0, False, feedback, None)

    def _bad_example(self, problem: str) -> MetricOutcome:
        logger.warning("ExecutionMetric cannot check this prediction: %s", problem)
        return self._zero(f"The code could not be checked: {problem}.")
