"""What the exemplar strategies share: the pool they choose from, an optional scoring of the
result, the budget estimate that goes with both, and one error shape for bad settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dspy

from ...exceptions import BudgetExhausted
from ...modules import max_lm_calls
from .._base import CodeloopOptimizer, Session
from ._pool import Pool, build_pool


class ExemplarOptimizer(CodeloopOptimizer):
    """Base of the exemplar strategies.

    ``pool`` says what demos are chosen from: ``labeled`` (training references, free),
    ``bootstrapped`` (the program's own passing traces, one paid run per training task, at
    most ``max_bootstrap`` of them) or ``both``. Strategies that take no ``pool`` setting fix
    it as a class attribute. ``evaluate`` scores the result once on the valset (strategies
    that choose without scoring leave it off by default, so they cost nothing).
    """

    pool: str = "labeled"

    def __init__(self, metric: Any = None, *, max_bootstrap: int | None = None, evaluate: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.max_bootstrap = max_bootstrap
        self.evaluate = evaluate

    def bootstrap_calls(self, student: dspy.Module, n_train: int) -> int:
        if self.pool == "labeled":
            return 0
        n = n_train if self.max_bootstrap is None else min(n_train, self.max_bootstrap)
        return max_lm_calls(student) * n

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        scoring = max_lm_calls(student) * n_dev if self.evaluate else 0
        return self.bootstrap_calls(student, n_train) + scoring

    def make_pool(self, session: Session, student: dspy.Module, trainset: Sequence[dspy.Example]) -> Pool:
        return build_pool(self.pool, session, student, trainset, caller=self.name,
                          max_bootstrap=self.max_bootstrap)

    def finish(self, session: Session, program: dspy.Module, valset: list[dspy.Example],
               params: dict[str, Any]) -> dspy.Module:
        """Score the chosen program once if asked. It was chosen without the score, so a budget
        running out here loses only the score: the program is returned and ``budget_exhausted`` set."""
        if self.evaluate:
            try:
                session.evaluate(program, valset, params)
            except BudgetExhausted:
                self.budget_exhausted = True
        return program
