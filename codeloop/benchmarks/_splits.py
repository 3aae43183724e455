"""Deterministic splits for suites whose source has no official one."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._task import SPLITS

DEFAULT_FRACTIONS = (0.5, 0.2, 0.3)  # train, dev, test


def seeded_split(ids: Sequence[str], *, seed: int = 0,
                 fractions: tuple[float, float, float] = DEFAULT_FRACTIONS) -> dict[str, list[str]]:
    """Split ``ids`` into train/dev/test by ``seed``; the same ids and seed give the same split.

    The ids are sorted first, so the split does not depend on the order they were read in.
    """
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(f"fractions must be three non-negative numbers summing to 1, got {fractions!r}")
    ordered = sorted(ids)
    order = np.random.default_rng(seed).permutation(len(ordered))
    n_train = round(fractions[0] * len(ordered))
    n_dev = round(fractions[1] * len(ordered))
    shuffled = [ordered[i] for i in order]
    parts = (shuffled[:n_train], shuffled[n_train:n_train + n_dev], shuffled[n_train + n_dev:])
    return {name: sorted(part) for name, part in zip(SPLITS, parts)}
