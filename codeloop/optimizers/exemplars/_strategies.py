"""Exemplar selection strategies (after Wan et al. 2024, "Teach Better or Show Smarter?"):
which training tasks to show as demonstrations, and in what order, leaving the instructions alone.

* ``labeled-random``: k random training tasks with their reference solutions.
* ``bootstrapped``: k of the program's own passing traces on training tasks.
* ``nearest``: per input, the most similar pool demos (BM25, MMR, an order policy).
* ``diverse``: one fixed set of k demos spread over the kinds of task (k-means or MMR).

The searching strategies (``random-search``, ``mutation``) live in ``_search``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._base import check, check_count
from .._examples import view_of
from ._base import ExemplarOptimizer
from ._pool import (
    apply_demo_set,
    bootstrap_pool,
    describe,
    draw,
    require_generators,
    rng_for,
    task_of,
)
from ._retrieval import RetrievalProgram
from ._text import ORDERS, arrange, demo_text, kmeans, mmr, tfidf_vectors, typicality, view_text

logger = logging.getLogger(__name__)


class LabeledRandom(ExemplarOptimizer):
    """``k`` training tasks drawn with ``seed``, their reference solutions as the demos of every
    generation predictor. No LM calls (unless ``evaluate``: one scoring on the valset)."""

    name = "labeled-random"
    pool = "labeled"

    def __init__(self, metric: Any = None, *, k: int = 3, evaluate: bool = False, **kwargs: Any) -> None:
        super().__init__(metric, evaluate=evaluate, **kwargs)
        self.k = k

    def validate(self) -> None:
        super().validate()
        check_count(self.name, "k", self.k)

    def search(self, student, trainset, valset, session):
        pool = self.make_pool(session, student, trainset)
        tasks = draw(rng_for(self.seed, "labeled-random"), next(iter(pool.values())), self.k)
        chosen = {name: tasks for name in pool}  # the lists line up task by task
        program = apply_demo_set(student, pool, chosen)
        return self.finish(session, program, valset, {"k": self.k, **describe(pool, chosen)})


class Bootstrapped(ExemplarOptimizer):
    """The program runs on training tasks (``max_bootstrap``: a seeded sample of them); its own
    passing traces form the pool, and ``k`` of them, drawn with ``seed``, become the demos.
    With no passing trace, the student comes back unchanged. A budget running out while
    bootstrapping keeps what passed so far."""

    name = "bootstrapped"
    pool = "bootstrapped"

    def __init__(self, metric: Any = None, *, k: int = 3, max_bootstrap: int | None = None,
                 evaluate: bool = False, **kwargs: Any) -> None:
        super().__init__(metric, max_bootstrap=max_bootstrap, evaluate=evaluate, **kwargs)
        self.k = k

    def validate(self) -> None:
        super().validate()
        check_count(self.name, "k", self.k)

    def search(self, student, trainset, valset, session):
        require_generators(student, self.name)
        pool = bootstrap_pool(session, student, trainset, max_tasks=self.max_bootstrap, partial=True)
        if session.meter.exhausted:
            self.budget_exhausted = True
        if not any(pool.values()):
            logger.warning("%s: no training task passed, so no demos; returning the student", self.name)
            return student
        rng = rng_for(self.seed, "bootstrapped")
        chosen = {name: draw(rng, demos, self.k) for name, demos in pool.items()}
        program = apply_demo_set(student, pool, chosen)
        if self.budget_exhausted:
            return program
        return self.finish(session, program, valset, {"k": self.k, **describe(pool, chosen)})


class Nearest(ExemplarOptimizer):
    """Per input, the ``k`` pool demos nearest the task (see :class:`RetrievalProgram`):
    ``mmr_lambda`` below 1 drops near-duplicates, ``order`` places the most similar last
    (``ascending``), first (``descending``) or anywhere (``random``)."""

    name = "nearest"

    def __init__(self, metric: Any = None, *, k: int = 3, mmr_lambda: float = 0.75, order: str = "ascending",
                 pool: str = "labeled", max_bootstrap: int | None = None, evaluate: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(metric, max_bootstrap=max_bootstrap, evaluate=evaluate, **kwargs)
        self.k, self.mmr_lambda, self.order, self.pool = k, mmr_lambda, order, pool

    def validate(self) -> None:
        super().validate()
        check_count(self.name, "k", self.k)
        check(self.name, "order", self.order, self.order in ORDERS, f"one of {ORDERS}")
        check(self.name, "mmr_lambda", self.mmr_lambda, 0.0 <= self.mmr_lambda <= 1.0, "in [0, 1]")

    def search(self, student, trainset, valset, session):
        pool = self.make_pool(session, student, trainset)
        program = RetrievalProgram(student, pool, k=self.k, mmr_lambda=self.mmr_lambda, order=self.order,
                                   seed=self.seed)
        params = {"k": self.k, "mmr_lambda": self.mmr_lambda, "order": self.order,
                  "pool_size": {name: len(demos) for name, demos in pool.items()}}
        return self.finish(session, program, valset, params)


class Diverse(ExemplarOptimizer):
    """One fixed set of ``k`` demos spread over the kinds of training task: ``method="kmeans"``
    clusters the pool's TF-IDF vectors into k groups (seeded k-means++) and takes the demo
    nearest each center; ``method="mmr"`` starts from the most central demo and adds the one
    least like those already chosen (``mmr_lambda`` trades centrality for spread). The set is
    shown in ``order`` of likeness to the valset's inputs (``ascending``: most alike last)."""

    name = "diverse"
    METHODS = ("kmeans", "mmr")

    def __init__(self, metric: Any = None, *, k: int = 3, method: str = "kmeans", mmr_lambda: float = 0.3,
                 order: str = "ascending", pool: str = "labeled", max_bootstrap: int | None = None,
                 evaluate: bool = False, **kwargs: Any) -> None:
        super().__init__(metric, max_bootstrap=max_bootstrap, evaluate=evaluate, **kwargs)
        self.k, self.method, self.mmr_lambda, self.order, self.pool = k, method, mmr_lambda, order, pool

    def validate(self) -> None:
        super().validate()
        check_count(self.name, "k", self.k)
        check(self.name, "method", self.method, self.method in self.METHODS, f"one of {self.METHODS}")
        check(self.name, "order", self.order, self.order in ORDERS, f"one of {ORDERS}")

    def search(self, student, trainset, valset, session):
        pool = self.make_pool(session, student, trainset)
        queries = [view_text(view_of(e)) for e in valset]
        chosen = {name: self.pick(demos, queries) for name, demos in pool.items()}
        program = apply_demo_set(student, pool, chosen)
        params = {"k": self.k, "method": self.method, "order": self.order, **describe(pool, chosen)}
        return self.finish(session, program, valset, params)

    def pick(self, demos: Sequence[Any], queries: Sequence[str]) -> list[int]:
        """Indices of the diverse set in ``demos``, in the order policy. The same demos and seed
        give the same set, so predictors whose pools line up get demos of the same tasks."""
        if not demos:
            return []
        texts = [demo_text(d) for d in demos]
        vectors = tfidf_vectors(texts)
        groups = [task_of(d) for d in demos]
        rng = rng_for(self.seed, "diverse")
        if self.method == "kmeans":
            picked = _cluster_representatives(vectors, self.k, rng, groups)
        else:
            centre = vectors.mean(axis=0)
            picked = mmr(vectors @ centre, vectors @ vectors.T, self.k, self.mmr_lambda, groups=groups)
        return arrange(picked, typicality(texts, queries), self.order, rng)


def _cluster_representatives(vectors: np.ndarray, k: int, rng: np.random.Generator,
                             groups: Sequence[Any]) -> list[int]:
    """The demo nearest each k-means center (largest clusters first); if clusters ran short
    (duplicates, a small pool), the rest farthest-first from those already picked."""
    labels, centers = kmeans(vectors, k, rng)
    sizes = np.bincount(labels, minlength=len(centers))
    picked: list[int] = []
    for c in sorted(range(len(centers)), key=lambda c: (-sizes[c], c)):
        members = [i for i in np.flatnonzero(labels == c)
                   if groups[i] is None or groups[i] not in {groups[j] for j in picked}]
        if members and len(picked) < k:
            picked.append(int(max(members, key=lambda i: (float(vectors[i] @ centers[c]), -i))))
    taken = {groups[j] for j in picked} - {None}
    rest = [i for i in range(len(vectors))
            if i not in picked and (groups[i] is None or groups[i] not in taken)]
    while len(picked) < k and rest:
        nearest = (vectors[rest] @ vectors[picked].T).max(axis=1) if picked else np.zeros(len(rest))
        best = rest[int(np.argmin(nearest))]
        picked.append(best)
        rest = [i for i in rest if i != best and (groups[i] is None or groups[i] != groups[best])]
    return picked


__all__ = ["Bootstrapped", "Diverse", "LabeledRandom", "Nearest"]
