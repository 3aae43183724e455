"""Single-call generators: from a description, from examples (with optional feedback), or a
puzzle's ``sol`` from its ``sat``."""

from __future__ import annotations

import dspy

from ..benchmarks import TaskView
from ._common import (
    attempt_from,
    description_of,
    function_header,
    puzzle_inputs,
    reply_field,
    require_kind,
    task_inputs,
)
from ._signatures import ExamplesToCode, PuzzleToCode, SpecToCode


class CodeFromSpec(dspy.Module):
    """Description (and function header) to code, in one call. Examples are not shown."""

    kind = "function"
    parse_mode: str | None = None  # how replies are parsed (see set_parse_mode); None: DSPy settings

    def __init__(self) -> None:
        super().__init__()
        self.generate = dspy.Predict(SpecToCode)

    def max_lm_calls(self) -> int:
        return 1

    def forward(self, task: TaskView) -> dspy.Prediction:
        require_kind(self, task, self.kind)
        raw = reply_field(self.generate, "code", parse_mode=self.parse_mode, description=description_of(task), function_header=function_header(task))
        attempt = attempt_from(raw, task)
        return dspy.Prediction(code=attempt.code, attempts=[attempt.as_dict()], lm_calls=1)


class CodeFromExamples(dspy.Module):
    """Examples (plus the description and feedback from earlier rounds, if any) to code, in one call."""

    kind = "function"
    parse_mode: str | None = None  # how replies are parsed (see set_parse_mode); None: DSPy settings

    def __init__(self) -> None:
        super().__init__()
        self.generate = dspy.Predict(ExamplesToCode)

    def max_lm_calls(self) -> int:
        return 1

    def forward(self, task: TaskView, feedback: str = "") -> dspy.Prediction:
        require_kind(self, task, self.kind)
        raw = reply_field(self.generate, "code", parse_mode=self.parse_mode, **task_inputs(task), feedback=feedback or "")
        attempt = attempt_from(raw, task)
        return dspy.Prediction(code=attempt.code, attempts=[attempt.as_dict()], lm_calls=1)


class SolvePuzzle(dspy.Module):
    """A puzzle (``sat``, the answer type, the ``sol`` header, the words if shown, and the
    answers earlier rounds had rejected) to ``sol``, in one call: the puzzle form of both
    :class:`CodeFromExamples` and :class:`CodeFromSpec` (a puzzle's spec is its ``sat``)."""

    kind = "puzzle"
    parse_mode: str | None = None  # how replies are parsed (see set_parse_mode); None: DSPy settings

    def __init__(self) -> None:
        super().__init__()
        self.generate = dspy.Predict(PuzzleToCode)

    def max_lm_calls(self) -> int:
        return 1

    def forward(self, task: TaskView) -> dspy.Prediction:
        require_kind(self, task, self.kind)
        raw = reply_field(self.generate, "code", parse_mode=self.parse_mode, **puzzle_inputs(task))
        attempt = attempt_from(raw, task)
        return dspy.Prediction(code=attempt.code, attempts=[attempt.as_dict()], lm_calls=1)
