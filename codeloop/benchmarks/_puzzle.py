"""Puzzles as a task kind: judging an answer, and the feedback a rejected answer gives.

A puzzle is judged by its :class:`~codeloop.execution.SatTest`s: the sandbox runs the
candidate's ``sol()`` in one child, the answer crosses back as data, ``sat(answer)`` runs in a
fresh child without the candidate's code, and the parent passes the test only on an exact
``True``; then the parent checks the answer's type against ``sat``'s annotation
(:func:`~codeloop.metrics.check_answer_types`). Nothing the candidate prints or returns
besides its answer is looked at.

What a puzzle can reveal when an answer fails is not a counterexample input (it has none)
but the answer itself and ``sat``'s verdict on it: :func:`rejection`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from .._format import truncate
from ..exceptions import ConfigError
from ..execution import Limits, RunResult, Sandbox, Verdict
from ..metrics import check_answer_types, describe_outcome
from ._task import RejectedAnswer, Task

TaskKind = Literal["function", "puzzle"]
#: limits a puzzle is judged under unless a run sets its own: P3's answers can be long (its
#: reference for Fibonacci:2 is a 5 MB list) and some references take seconds (Mastermind:2,
#: 5.5 s here); with the sandbox's defaults (256 KB, 2 s) 21 of the 1012 test-split references
#: fail their own puzzle, with these 1 (ExponentialCoinMoves:0 returns 77 MB)
PUZZLE_LIMITS = Limits(max_output_bytes=16_000_000, timeout_s=10.0, candidate_timeout_s=30.0)
MAX_ANSWER_CHARS = 300
_SAT_PREFIX = "sat(answer) did not return True: "
_SAT_RETURNED = re.compile(r"^expected True, got (.*)$", re.DOTALL)


def judge_puzzle(task: Task, code: str, sandbox: Sandbox, limits: Limits | None = None) -> RunResult:
    """Run ``code``'s ``sol`` against the puzzle's sat tests (under ``limits``, default
    :data:`PUZZLE_LIMITS`): one verdict per sat test."""
    tests = task.sat_tests
    return check_answer_types(sandbox.run(code, task.entry_point, tests, limits or PUZZLE_LIMITS), tests)


def rejection(verdict: Verdict, round_number: int) -> RejectedAnswer:
    """What a failed puzzle verdict tells the solver: the answer ``sol()`` returned (if any)
    and what ``sat`` (or the type check) said of it, or what ``sol()`` did instead."""
    if not verdict.has_output:
        return RejectedAnswer(round=round_number, answer=None, verdict=f"sol() {describe_outcome(verdict)}")
    answer = truncate(verdict.output_repr or repr(verdict.output), MAX_ANSWER_CHARS)
    reason = verdict.reason or verdict.status.value
    if reason.startswith(_SAT_PREFIX):
        why = reason[len(_SAT_PREFIX):]
        returned = _SAT_RETURNED.match(why)
        reason = f"sat returned {returned.group(1)}" if returned else f"sat did not return True: {why}"
    return RejectedAnswer(round=round_number, answer=answer, verdict=truncate(reason, MAX_ANSWER_CHARS))


def suite_kind(tasks: Iterable[Task], name: str = "the suite") -> TaskKind:
    """``"puzzle"`` when every task is a puzzle, ``"function"`` when none is; a mix is refused
    (one program is built for one kind: its predictors' signatures differ)."""
    kinds = {"puzzle" if task.is_puzzle else "function" for task in tasks}
    if len(kinds) > 1:
        raise ConfigError(f"{name} mixes puzzles and function tasks; one program serves one kind, "
                          "so run them as two suites")
    return "puzzle" if kinds == {"puzzle"} else "function"
