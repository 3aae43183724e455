"""Generate, check on the visible examples, refine with the failures, repeat."""

from __future__ import annotations

import dspy

from ..benchmarks import TaskView
from ..execution import Sandbox
from ._calls import max_lm_calls, module_kind
from ._common import (
    MAX_FAILURES_SHOWN,
    SandboxRef,
    attempt_from,
    best_attempt,
    check,
    failure_feedback,
    parse_route,
    reply_field,
    require_kind,
    task_inputs,
)
from ._signatures import RefineCode, RefinePuzzle


class GenerateCheckRefine(dspy.Module):
    """Generate with ``inner``; run the code on the task's VISIBLE examples in the sandbox; while
    some fail (and iterations remain), show the failures to ``refine`` for a new version.

    ``max_iters`` counts every attempt, the first included. The prediction is the best attempt
    (most visible examples passed, the earliest on ties), with ``attempts`` (every attempt and
    its score), ``verdicts`` (the returned code's, per visible example), ``lm_calls`` and
    ``feedback`` (the texts the refiner was given).

    A refined version identical to an earlier attempt ends the loop (unless
    ``refine_temperature`` is set): the next prompt would repeat an earlier one, and at
    temperature 0 (or from the cache) so would the answer.

    With a puzzle solver as ``inner`` (``kind == "puzzle"``) it refines puzzles: the check runs
    ``sat(sol())`` (the puzzle's ``sat`` is visible by design), and ``refine`` is a
    :class:`RefinePuzzle` predictor told what each ``sol()`` of this call returned and what
    ``sat`` said of it (a puzzle has no examples to fail, so earlier answers are the feedback).
    """

    parse_mode: str | None = None  # how replies are parsed (see set_parse_mode); None: DSPy settings

    def __init__(self, inner: dspy.Module, max_iters: int = 3, sandbox: Sandbox | None = None,
                 refine_temperature: float | None = None) -> None:
        super().__init__()
        if max_iters < 1:
            raise ValueError(f"max_iters must be at least 1, got {max_iters}")
        self.inner = inner
        self.kind = module_kind(inner)
        self.refine = dspy.Predict(RefinePuzzle if self.kind == "puzzle" else RefineCode)
        self.max_iters = max_iters
        self.refine_temperature = refine_temperature
        self.sandbox = SandboxRef(sandbox)

    def max_lm_calls(self) -> int:
        return max_lm_calls(self.inner) + self.max_iters - 1

    def forward(self, task: TaskView) -> dspy.Prediction:
        require_kind(self, task, self.kind)
        sandbox = self.sandbox.get()
        first = self.inner(task=task)
        lm_calls = int(getattr(first, "lm_calls", 1) or 0)
        attempt = attempt_from(first.code, task, parse=parse_route(first))
        attempts = [attempt]
        result = check(attempt, task, sandbox)
        feedbacks: list[str] = []
        inputs = task_inputs(task)
        for iteration in range(1, self.max_iters):
            if attempt.extraction_ok and attempt.total is not None and attempt.passed == attempt.total:
                break
            feedback = failure_feedback(attempt, result, task)
            if self.kind == "puzzle" and feedbacks:  # every answer sat turned down in this call, the latest last
                feedback = "\n".join([*feedbacks[-1].splitlines(), *feedback.splitlines()][-MAX_FAILURES_SHOWN:])
            feedbacks.append(feedback)
            config = ({"rollout_id": iteration, "temperature": self.refine_temperature}
                      if self.refine_temperature is not None else {})
            raw = reply_field(self.refine, "code", parse_mode=self.parse_mode, **inputs, previous_code=attempt.code, feedback=feedback, config=config)
            lm_calls += 1
            attempt = attempt_from(raw, task, stage=f"refine-{iteration}")
            repeated = any(attempt.code == a.code for a in attempts)
            attempts.append(attempt)
            result = check(attempt, task, sandbox)
            if repeated and not self.refine_temperature:
                break  # the next refine prompt would repeat an earlier one: so would its answer
        best = best_attempt(attempts)
        return dspy.Prediction(code=best.code, attempts=[a.as_dict() for a in attempts], verdicts=best.verdicts,
                               lm_calls=lm_calls, feedback=feedbacks)
