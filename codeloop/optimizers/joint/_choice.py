"""Choosing between two scored programs when the evidence is a few dozen tasks.

A dev split of 36 tasks where the program as given solves 3 cannot tell a real gain from
luck: a candidate that solves one more task is as likely to lose on test as to win (measured:
the joint search's one-demo finalist won 4/36 to 3/36 on dev and then lost on test, 0.093
against 0.148). So a candidate replaces the incumbent only if it wins on significantly more
of the same examples than it loses, by an exact one-sided sign test (McNemar's exact test
when scores are 0/1). Ties on an example carry no evidence either way and are left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


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
