"""Sample several candidates and keep the one that does best on the visible examples."""

from __future__ import annotations

import dspy

from ..benchmarks import TaskView
from ..execution import Sandbox
from ._calls import max_lm_calls, module_kind
from ._common import Attempt, SandboxRef, attempt_from, check, parse_route
from ._test_first import parse_generated_tests


class BestOfN(dspy.Module):
    """Draw ``n`` candidates from ``module`` and return the best.

    Candidate 0 uses the LM as configured (with ``include_greedy``); the others use
    ``lm.copy(rollout_id=i, temperature=temperature)`` (DSPy 3.4: a distinct rollout id is a
    distinct cache entry, so the draws are independent). Ranking: visible examples passed,
    then agreement on the tests the candidates generated (modules such as ``TestFirst`` return
    ``tests``; pooled over all candidates), then the earliest. The prediction has ``code``,
    ``attempts`` (each candidate with ``passed``, ``total`` and ``agreement``), ``verdicts``,
    ``lm_calls`` and ``chosen`` (the winner's index). With a puzzle solver as ``module``, the
    visible check is the puzzle's ``sat``.
    """

    def __init__(self, module: dspy.Module, n: int = 5, sandbox: Sandbox | None = None, *,
                 temperature: float = 1.0, include_greedy: bool = True) -> None:
        super().__init__()
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        self.module = module
        self.kind = module_kind(module)
        self.n = n
        self.temperature = temperature
        self.include_greedy = include_greedy
        self.sandbox = SandboxRef(sandbox)

    def max_lm_calls(self) -> int:
        return max_lm_calls(self.module) * self.n

    def _draw(self, task: TaskView, i: int) -> dspy.Prediction:
        lm = dspy.settings.lm
        if lm is None or (i == 0 and self.include_greedy):
            return self.module(task=task)
        with dspy.context(lm=lm.copy(rollout_id=i, temperature=self.temperature)):
            return self.module(task=task)

    def forward(self, task: TaskView) -> dspy.Prediction:
        sandbox = self.sandbox.get()
        attempts: list[Attempt] = []
        generated_tests = []
        lm_calls = 0
        for i in range(self.n):
            prediction = self._draw(task, i)
            lm_calls += int(getattr(prediction, "lm_calls", 1) or 0)
            attempt = attempt_from(prediction.code, task, stage=f"sample-{i}", parse=parse_route(prediction))
            check(attempt, task, sandbox)
            attempts.append(attempt)
            generated_tests += parse_generated_tests(getattr(prediction, "tests", "") or "", task.entry_point)
        agreement = [0] * len(attempts)
        if generated_tests:
            for j, attempt in enumerate(attempts):
                if attempt.extraction_ok:
                    agreement[j] = sandbox.run(attempt.code, task.entry_point, generated_tests).n_passed
        chosen = max(range(len(attempts)),
                     key=lambda j: (attempts[j].passed or 0, attempts[j].extraction_ok, agreement[j], -j))
        best = attempts[chosen]
        return dspy.Prediction(code=best.code, verdicts=best.verdicts, lm_calls=lm_calls, chosen=chosen,
                               attempts=[{**a.as_dict(), "agreement": agreement[j]} for j, a in enumerate(attempts)])
