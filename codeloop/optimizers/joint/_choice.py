"""The joint search's final choice: a finalist, or the program as given.

A dev split of a few dozen tasks where the program as given solves a handful cannot tell a
real gain from luck: a candidate that solves one more task is as likely to lose on test as to
win. So a finalist replaces the program as given only if it wins on significantly more of the
same examples than it loses, by an exact one-sided sign test (McNemar's exact test when
scores are 0/1). Ties on an example carry no evidence either way and are left out.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


def sign_test_p(challenger: Sequence[float], incumbent: Sequence[float]) -> float:
    """The chance of at least this many wins, among the examples where the two differ, if
    neither program were better (each difference a fair coin). 1.0 with no differences."""
    if len(challenger) != len(incumbent):
        raise ValueError(f"paired scores need the same examples: {len(challenger)} against {len(incumbent)}")
    wins = sum(c > i for c, i in zip(challenger, incumbent))
    losses = sum(c < i for c, i in zip(challenger, incumbent))
    n = wins + losses
    if n == 0:
        return 1.0
    return sum(math.comb(n, j) for j in range(wins, n + 1)) / 2**n


def significantly_better(challenger: Sequence[float], incumbent: Sequence[float], alpha: float) -> bool:
    """Whether ``challenger`` beats ``incumbent`` on the same examples: a higher mean, and a
    sign test at level ``alpha`` (``alpha=1`` asks for the higher mean only)."""
    if sum(challenger) <= sum(incumbent):
        return False
    return alpha >= 1.0 or sign_test_p(challenger, incumbent) <= alpha


@dataclass(frozen=True)
class Finalist:
    """A scored trial: its mean, its per-example scores (``None`` if not recorded), its number,
    and its minibatch value (the tie-break after the mean)."""

    score: float
    scores: list[float] | None
    number: int
    minibatch_value: float


def choose(finalists: Sequence[Finalist], given: int | None, *, accept_alpha: float, where: str,
           test_on: Sequence[int] | None = None) -> dict[str, Any]:
    """Which finalist to return, and why (a JSON record; ``trial`` is the chosen number).

    ``given`` is the number of the trial that is the program as given (``None`` if it is not
    among the finalists). The best finalist (ties to the program as given, then to the better
    minibatch value, then to the earlier trial) is chosen only if it significantly beats the
    program as given on the examples ``test_on`` (indices into the scores; all by default);
    without per-example scores for both on the same examples there is no evidence to replace
    the program as given. ``accept_alpha=1`` accepts any higher mean.
    """
    def key(f: Finalist) -> tuple:
        return f.score, f.number == given, f.minibatch_value, -f.number

    best = max(finalists, key=key)
    incumbent = next((f for f in finalists if f.number == given), None)
    p_value, wins, losses = None, None, None
    if incumbent is not None and best.number != given:
        if best.scores is None or incumbent.scores is None or len(best.scores) != len(incumbent.scores):
            logger.warning("joint: trial %d and the program as given were not scored on the same examples; "
                           "keeping the program as given", best.number)
            best = incumbent
        elif accept_alpha >= 1.0:  # no test: any higher score on all the examples scored
            if best.score <= incumbent.score:
                best = incumbent
        else:
            picked = range(len(best.scores)) if test_on is None else test_on
            mine, theirs = [best.scores[i] for i in picked], [incumbent.scores[i] for i in picked]
            p_value = sign_test_p(mine, theirs)
            wins = sum(a > b for a, b in zip(mine, theirs))
            losses = sum(a < b for a, b in zip(mine, theirs))
            if not significantly_better(mine, theirs, accept_alpha):
                logger.info("joint: trial %d (%.3f on %s) does not beat the program as given (%.3f) "
                            "significantly (sign test p=%.3f > %.2f on %d tasks); keeping the program as given",
                            best.number, best.score, where, incumbent.score, p_value, accept_alpha, len(mine))
                best = incumbent
    return {"trial": best.number, "as_given": best.number == given, "given": given, "scored_on": where,
            "finalists": {f.number: f.score for f in finalists}, "sign_test_p": p_value,
            "best_finalist": max(finalists, key=key).number, "wins": wins, "losses": losses,
            "tested_on": None if test_on is None else len(test_on), "accept_alpha": accept_alpha}
