"""Verdicts of puzzle answers with the type check applied (see ``codeloop._answer_types``)."""

from __future__ import annotations

from collections.abc import Sequence

from codeloop._answer_types import answer_type_problem, sat_answer_type
from codeloop.execution import RunResult, SatTest, Status, Test

__all__ = ["answer_type_problem", "check_answer_types", "sat_answer_type"]


def check_answer_types(result: RunResult, tests: Sequence[Test]) -> RunResult:
    """``result`` with every passed :class:`SatTest` verdict whose answer has the wrong type
    turned into ``failed`` (the reason names the type found and the type ``sat`` declares)."""
    verdicts = list(result.verdicts)
    changed = False
    for i, (test, verdict) in enumerate(zip(tests, verdicts)):
        if not isinstance(test, SatTest) or verdict.status is not Status.PASSED:
            continue
        annotation = sat_answer_type(test.sat)
        problem = answer_type_problem(verdict.output, annotation)
        if problem:
            verdicts[i] = verdict.model_copy(update={
                "status": Status.FAILED, "reason": f"wrong answer type: {problem} (sat takes {annotation})"})
            changed = True
    return result.model_copy(update={"verdicts": tuple(verdicts)}) if changed else result
