"""Statistics for comparing strategies on the same test tasks.

The unit of evidence is the task: every strategy and every seed is evaluated on the same tasks,
so seeds of one task are not independent draws. Intervals therefore come from a cluster
bootstrap (resample tasks; within a task, a strategy's score is the mean over its seeds), and
the test against the baseline is an exact two-sided sign test over tasks (McNemar's exact test
when there is one seed and scores are solved or not), corrected across strategies with Holm's
step-down method.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def cluster_bootstrap(per_task: np.ndarray, baseline: int, *, resamples: int = 2000, confidence: float = 0.95,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Intervals for each strategy's mean and its difference to the baseline, resampling tasks.

    ``per_task`` is strategies x tasks (each entry a task's score averaged over the seeds). The
    same resampled tasks serve every strategy, so differences are paired. Returns
    ``(low, high, diff_low, diff_high)``, one entry per strategy.
    """
    _, tasks = per_task.shape
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, tasks, size=(resamples, tasks))
    means = per_task[:, picks].mean(axis=2)  # strategies x resamples
    diffs = means - means[baseline]
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha], axis=1)
    diff_low, diff_high = np.quantile(diffs, [alpha, 1 - alpha], axis=1)
    return low, high, diff_low, diff_high


def sign_test(challenger: Sequence[float], baseline: Sequence[float]) -> tuple[int, int, float]:
    """Tasks won, tasks lost, and the exact two-sided p-value of that split if neither were better
    (ties carry no evidence and are left out; 1.0 when nothing differs)."""
    wins = sum(c > b for c, b in zip(challenger, baseline))
    losses = sum(c < b for c, b in zip(challenger, baseline))
    n = wins + losses
    if n == 0:
        return wins, losses, 1.0
    tail = sum(math.comb(n, j) for j in range(max(wins, losses), n + 1)) / 2**n
    return wins, losses, min(1.0, 2 * tail)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input's order (family-wise error control)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
