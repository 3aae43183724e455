"""How examples are chosen: the initial k, and each round's counterexample.

``informative`` follows pragmatic example selection (Vaduguru et al., 2024): given the
programs sampled so far and the target (the reference, consistent with every example),
build the 0/1 matrix of which program is consistent with which candidate example; divide
each column by its sum (an example few programs satisfy says more), then each row by its
sum; pick the example with the highest value in the target's row. It prefers the example
that best tells the target apart from the programs seen so far. With no programs yet,
every example scores the same and the first is taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from ...execution import IOTest, encode

InitialPolicy = Literal["first", "random", "diverse", "informative"]
CounterexamplePolicy = Literal["first-failing", "random-failing", "informative"]
INITIAL_POLICIES: tuple[str, ...] = ("first", "random", "diverse", "informative")
COUNTEREXAMPLE_POLICIES: tuple[str, ...] = ("first-failing", "random-failing", "informative")


def informative_scores(consistency: np.ndarray) -> np.ndarray:
    """Scores of the candidate examples on the target's row (the last row of ``consistency``).

    ``consistency[p, e]`` is 1 when program ``p`` is consistent with example ``e``; the last
    row is the target, consistent with all of them.
    """
    matrix = np.asarray(consistency, dtype=float)
    if matrix.ndim != 2 or matrix.shape[1] == 0:
        raise ValueError(f"consistency must be a non-empty 2-D matrix, got shape {matrix.shape}")
    columns = matrix.sum(axis=0, keepdims=True)
    matrix = np.divide(matrix, columns, out=np.zeros_like(matrix), where=columns > 0)
    rows = matrix.sum(axis=1, keepdims=True)
    matrix = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    return matrix[-1]


def _features(test: IOTest) -> set[str]:
    text = repr(encode((tuple(test.args), test.expected)))
    return {text[i:i + 3] for i in range(max(1, len(text) - 2))}


def pick_diverse(pool: Sequence[IOTest], k: int, rng: np.random.Generator) -> list[int]:
    """Greedy max-min Jaccard distance over character trigrams of (input, output)."""
    if k >= len(pool):
        return list(range(len(pool)))
    features = [_features(t) for t in pool]
    chosen = [int(rng.integers(len(pool)))]
    while len(chosen) < k:
        def distance_to_chosen(i: int) -> float:
            return min(1 - len(features[i] & features[j]) / max(1, len(features[i] | features[j]))
                       for j in chosen)
        rest = [i for i in range(len(pool)) if i not in chosen]
        chosen.append(max(rest, key=lambda i: (distance_to_chosen(i), -i)))
    return sorted(chosen)


def pick_initial(policy: str, pool: Sequence[IOTest], k: int, rng: np.random.Generator,
                 consistency: np.ndarray | None = None) -> list[int]:
    """Indices into ``pool`` of the first round's examples."""
    if policy not in INITIAL_POLICIES:
        raise ValueError(f"initial policy must be one of {', '.join(INITIAL_POLICIES)}, got {policy!r}")
    k = min(k, len(pool))
    if policy == "first":
        return list(range(k))
    if policy == "random":
        return sorted(int(i) for i in rng.choice(len(pool), size=k, replace=False))
    if policy == "diverse":
        return pick_diverse(pool, k, rng)
    chosen: list[int] = []
    for _ in range(k):  # informative, one at a time against what is already chosen
        rest = [i for i in range(len(pool)) if i not in chosen]
        if consistency is None or consistency.shape[0] < 2:
            chosen.append(rest[0])
            continue
        scores = informative_scores(consistency[:, rest])
        chosen.append(rest[int(np.argmax(scores))])
    return sorted(chosen)


def pick_counterexamples(policy: str, failing: Sequence[int], count: int, rng: np.random.Generator,
                         consistency: np.ndarray | None = None) -> list[int]:
    """Which of the ``failing`` pool indices to reveal (``consistency``: columns = ``failing``)."""
    if policy not in COUNTEREXAMPLE_POLICIES:
        raise ValueError(f"counterexample policy must be one of {', '.join(COUNTEREXAMPLE_POLICIES)}, "
                         f"got {policy!r}")
    failing = list(failing)
    count = min(count, len(failing))
    if count <= 0:
        return []
    if policy == "first-failing":
        return failing[:count]
    if policy == "random-failing":
        return sorted(failing[int(i)] for i in rng.choice(len(failing), size=count, replace=False))
    if consistency is None or consistency.shape[0] < 2:
        return failing[:count]
    order = np.argsort(-informative_scores(consistency), kind="stable")
    return sorted(failing[int(i)] for i in order[:count])
