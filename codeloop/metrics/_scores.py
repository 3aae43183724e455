"""Per-task scores from sandbox results.

Example-based code generation has two sub-objectives: *conformity* to the examples shown
in the prompt (visible tests) and *correctness* on tests the model never saw (hidden tests).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from codeloop.execution import RunResult


def all_pass(result: RunResult) -> bool:
    """True if every test passed and there was at least one test."""
    return result.passed


def pass_ratio(result: RunResult) -> float:
    """The fraction of tests that passed, in [0, 1]; 0.0 when no test ran."""
    return result.pass_ratio


class TaskScore(BaseModel):
    """How one candidate did on one task.

    ``conformity`` and ``visible_pass_ratio`` are ``None`` when the task had no visible
    examples (nothing to conform to), so aggregates can skip them instead of counting a
    vacuous pass or a spurious failure.
    """

    model_config = ConfigDict(frozen=True)

    conformity: bool | None = Field(description="passes ALL visible examples (None: no visible examples)")
    correctness: bool = Field(description="passes ALL hidden tests")
    visible_pass_ratio: float | None = Field(
        ge=0.0, le=1.0, description="fraction of visible examples passed"
    )
    hidden_pass_ratio: float = Field(ge=0.0, le=1.0, description="fraction of hidden tests passed")


def score_task(visible: RunResult | None, hidden: RunResult) -> TaskScore:
    """Score one candidate from its visible-example run (or ``None``) and its hidden-test run.

    A run with no verdicts counts as not passed (see ``RunResult.passed``).
    """
    return TaskScore(
        conformity=None if visible is None else all_pass(visible),
        correctness=all_pass(hidden),
        visible_pass_ratio=None if visible is None else pass_ratio(visible),
        hidden_pass_ratio=pass_ratio(hidden),
    )
