"""Single-call generators: from a description, or from examples (with optional feedback)."""

from __future__ import annotations

import dspy

from ..benchmarks import TaskView
from ._common import attempt_from, description_of, function_header, reply_field, task_inputs
from ._signatures import ExamplesToCode, SpecToCode


class CodeFromSpec(dspy.Module):
    """Description (and function header) to code, in one call. Examples are not shown."""

    def __init__(self) -> None:
        super().__init__()
        self.generate = dspy.Predict(SpecToCode)

    def max_lm_calls(self) -> int:
        return 1

    def forward(self, task: TaskView) -> dspy.Prediction:
        raw = reply_field(self.generate, "code", description=description_of(task), function_header=function_header(task))
        attempt = attempt_from(raw, task)
        return dspy.Prediction(code=attempt.code, attempts=[attempt.as_dict()], lm_calls=1)


class CodeFromExamples(dspy.Module):
    """Examples (plus the description and feedback from earlier rounds, if any) to code, in one call."""

    def __init__(self) -> None:
        super().__init__()
        self.generate = dspy.Predict(ExamplesToCode)

    def max_lm_calls(self) -> int:
        return 1

    def forward(self, task: TaskView, feedback: str = "") -> dspy.Prediction:
        raw = reply_field(self.generate, "code", **task_inputs(task), feedback=feedback or "")
        attempt = attempt_from(raw, task)
        return dspy.Prediction(code=attempt.code, attempts=[attempt.as_dict()], lm_calls=1)
