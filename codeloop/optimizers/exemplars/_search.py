"""Exemplar strategies that search: candidate demo sets scored on the valset, the best kept.

``random-search`` scores ``m`` sets drawn at random; ``mutation`` evolves a population of sets
(replace a demo, swap two, resize, reorder) and keeps the fittest. Both may also search the
set size (``k_choices``) and the order policy (``orders``), score on a seeded ``minibatch``
of the valset, and then score the ``n_final`` best on the whole valset (``final`` trials)
to choose among them. A budget running out part way returns the best candidate so far.

Order policies of a fixed set: ``random`` keeps the drawn (random) order; ``ascending``
puts the demo most alike the valset's inputs last, ``descending`` first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dspy
import numpy as np

from ...modules import max_lm_calls
from .._base import Session, check, check_count, rng_for
from .._examples import view_of
from ._base import ExemplarOptimizer
from ._pool import Pool, apply_demo_set, demo_set_candidates, describe, draw, freeze
from ._text import ORDERS, arrange, demo_text, typicality, view_text

logger = logging.getLogger(__name__)


@dataclass
class Scored:
    """A candidate demo set (indices in drawn order, and an order policy) and its score."""

    demo_set: dict[str, list[int]]
    order: str
    score: float
    number: int  # when it was scored: earlier wins ties
    program: dspy.Module
    trial: int  # the number of its trial record


@dataclass
class Prepared:
    """What one search scores candidates with: the student, the pool, the scoring batch, the
    whole valset, and per pool demo its likeness to the valset's inputs (for order policies)."""

    student: dspy.Module
    pool: Pool
    batch: list[dspy.Example]
    valset: list[dspy.Example]
    typical: dict[str, np.ndarray]


class DemoSetSearch(ExemplarOptimizer):
    """The shared machinery: pool, minibatch, scoring a candidate, and the final choice."""

    def __init__(self, metric: Any = None, *, k: int = 3, k_choices: Sequence[int] | None = None,
                 orders: Sequence[str] = ("random",), minibatch: int | None = None, n_final: int = 1,
                 pool: str = "labeled", max_bootstrap: int | None = None, **kwargs: Any) -> None:
        super().__init__(metric, max_bootstrap=max_bootstrap, **kwargs)
        self.k, self.k_choices, self.orders, self.pool = k, k_choices, orders, pool
        self.minibatch, self.n_final = minibatch, n_final

    # -- what subclasses say ------------------------------------------------------------

    def n_candidates(self) -> int:
        raise NotImplementedError

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        per_call = max_lm_calls(student)
        batch = n_dev if self.minibatch is None else min(self.minibatch, n_dev)
        final = self.n_final * n_dev if batch < n_dev else 0
        return self.bootstrap_calls(student, n_train) + per_call * (self.n_candidates() * batch + final)

    # -- shared steps -------------------------------------------------------------------

    def sizes(self) -> tuple[int, ...]:
        return tuple(self.k_choices) if self.k_choices else (self.k,)

    def validate(self) -> None:
        super().validate()
        sizes, orders = self.sizes(), tuple(self.orders)
        check(self.name, "k_choices", sizes, all(isinstance(s, int) and s >= 1 for s in sizes),
              "integers >= 1")
        check(self.name, "orders", orders, bool(orders) and set(orders) <= set(ORDERS),
              f"a non-empty subset of {ORDERS}")
        check(self.name, "minibatch", self.minibatch, self.minibatch is None or self.minibatch >= 1,
              "None or an integer >= 1")
        check(self.name, "n_final", self.n_final, self.n_final >= 1, "an integer >= 1")

    def prepare(self, session: Session, student: dspy.Module, trainset: list[dspy.Example],
                valset: list[dspy.Example]) -> Prepared | None:
        """What candidates are scored with, or ``None`` when the pool is empty."""
        pool = self.make_pool(session, student, trainset)
        if not any(pool.values()):
            logger.warning("%s: the pool is empty, nothing to search; returning the student", self.name)
            return None
        batch = valset
        if self.minibatch is not None and self.minibatch < len(valset):
            keep = rng_for(self.seed, "minibatch").choice(len(valset), size=self.minibatch, replace=False)
            batch = [valset[int(i)] for i in sorted(keep)]
        queries = [view_text(view_of(e)) for e in valset]
        typical = {name: typicality([demo_text(d) for d in demos], queries) for name, demos in pool.items()}
        return Prepared(student, pool, batch, valset, typical)

    def score(self, session: Session, prepared: Prepared, demo_set: dict[str, list[int]], order: str,
              number: int, **extra: Any) -> Scored:
        shown = {name: (list(indices) if order == "random" else arrange(indices, prepared.typical[name], order))
                 for name, indices in demo_set.items()}  # random: as drawn
        program = apply_demo_set(prepared.student, prepared.pool, shown)
        params = {"k": max((len(v) for v in shown.values()), default=0), "order": order,
                  "n_examples": len(prepared.batch), **describe(prepared.pool, shown), **extra}
        evaluation = session.evaluate(program, prepared.batch, params)
        return Scored(demo_set, order, evaluation.score, number, program, evaluation.trial.number)

    def choose(self, session: Session, prepared: Prepared, scored: list[Scored]) -> dspy.Module:
        """The best by score; after a minibatch, the best of the top ``n_final`` on the whole valset."""
        ranked = sorted(scored, key=lambda s: (-s.score, s.number))
        if len(prepared.batch) == len(prepared.valset):
            return ranked[0].program
        finals = []
        for rank, candidate in enumerate(ranked[: self.n_final]):
            params = {"rank": rank, "candidate_trial": candidate.trial, "minibatch_score": candidate.score}
            evaluation = session.evaluate(candidate.program, prepared.valset, params, kind="final")
            finals.append((evaluation.score, -rank, candidate.program))
        return max(finals, key=lambda f: (f[0], f[1]))[2]


class RandomSearch(DemoSetSearch):
    """``m`` distinct demo sets drawn from the pool (each of a size from ``k_choices`` and an
    order policy from ``orders``), each scored; the best is kept. See the module docstring."""

    name = "random-search"

    def __init__(self, metric: Any = None, *, m: int = 32, **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.m = m

    def n_candidates(self) -> int:
        return self.m

    def validate(self) -> None:
        super().validate()
        check_count(self.name, "m", self.m)

    def search(self, student, trainset, valset, session):
        prepared = self.prepare(session, student, trainset, valset)
        if prepared is None:
            return student
        rng = rng_for(self.seed, "random-search")
        candidates = demo_set_candidates(prepared.pool, m=self.m, k_choices=self.sizes(), seed=rng)
        orders = [str(o) for o in rng.choice(np.asarray(self.orders), size=len(candidates))]
        scored = [self.score(session, prepared, c, o, i) for i, (c, o) in enumerate(zip(candidates, orders))]
        return self.choose(session, prepared, scored)


class Mutation(DemoSetSearch):
    """Evolutionary search over demo sets: a random ``population`` is scored; each of
    ``generations`` breeds ``offspring`` children, each a mutation of a parent picked by a
    two-way tournament (replace one demo by another pool demo, swap two demos, change the size
    within ``k_choices``, or change the order policy within ``orders``); the fittest
    ``population`` of parents and children survive. Sets already scored are not bred again."""

    name = "mutation"

    def __init__(self, metric: Any = None, *, population: int = 8, offspring: int = 8, generations: int = 3,
                 **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.population, self.offspring, self.generations = population, offspring, generations

    def n_candidates(self) -> int:
        return self.population + self.generations * self.offspring

    def validate(self) -> None:
        super().validate()
        for name, least in (("population", 1), ("offspring", 1), ("generations", 0)):
            check_count(self.name, name, getattr(self, name), least)

    def search(self, student, trainset, valset, session):
        prepared = self.prepare(session, student, trainset, valset)
        if prepared is None:
            return student
        rng = rng_for(self.seed, "mutation")
        scored: list[Scored] = []
        for demo_set in demo_set_candidates(prepared.pool, m=self.population, k_choices=self.sizes(), seed=rng):
            order = str(rng.choice(np.asarray(self.orders)))
            scored.append(self.score(session, prepared, demo_set, order, len(scored), generation=0))
        seen = {(freeze(s.demo_set), s.order) for s in scored}
        alive = list(scored)
        for generation in range(1, self.generations + 1):
            for _ in range(self.offspring):
                child = self.breed(alive, prepared.pool, rng, seen)
                if child is None:
                    break
                seen.add((freeze(child[0]), child[1]))
                scored.append(self.score(session, prepared, *child, len(scored), generation=generation))
                alive.append(scored[-1])
            alive = sorted(alive, key=lambda s: (-s.score, s.number))[: self.population]
        return self.choose(session, prepared, scored)

    def breed(self, alive: list[Scored], pool: Pool, rng: np.random.Generator,
              seen: set) -> tuple[dict[str, list[int]], str] | None:
        """A new child (not in ``seen``), or ``None`` after 20 tries that only found known sets."""
        for _ in range(20):
            a, b = (alive[int(i)] for i in rng.integers(len(alive), size=2))
            parent = a if (a.score, -a.number) >= (b.score, -b.number) else b
            child = mutate(parent.demo_set, parent.order, pool, rng, self.sizes(), tuple(self.orders))
            if (freeze(child[0]), child[1]) not in seen:
                return child
        return None


def mutate(demo_set: dict[str, list[int]], order: str, pool: Pool, rng: np.random.Generator,
           sizes: Sequence[int], orders: Sequence[str]) -> tuple[dict[str, list[int]], str]:
    """One random edit of a demo set: replace, swap, resize or reorder (only edits that can
    change something are drawn)."""
    child = {name: list(indices) for name, indices in demo_set.items()}
    k = max((len(v) for v in child.values()), default=0)
    moves = ["replace"]
    if k >= 2:
        moves.append("swap")
    if len(set(sizes)) > 1:
        moves.append("resize")
    if len(set(orders)) > 1:
        moves.append("reorder")
    move = str(rng.choice(moves))
    if move == "reorder":
        return child, str(rng.choice([o for o in dict.fromkeys(orders) if o != order]))
    for name, indices in child.items():
        if move == "replace" and indices:
            slot = int(rng.integers(len(indices)))
            fresh = draw(rng, pool[name], 1, exclude=indices)  # another task than any shown
            if fresh:
                indices[slot] = fresh[0]
        elif move == "swap" and len(indices) >= 2:
            i, j = (int(x) for x in rng.choice(len(indices), size=2, replace=False))
            indices[i], indices[j] = indices[j], indices[i]
    if move == "resize":
        new_k = int(rng.choice([s for s in dict.fromkeys(sizes) if s != k] or [k]))
        for name, indices in child.items():
            if new_k < len(indices):
                drop = set(int(x) for x in rng.choice(len(indices), size=len(indices) - new_k, replace=False))
                child[name] = [i for j, i in enumerate(indices) if j not in drop]
            else:
                child[name] = indices + draw(rng, pool[name], new_k - len(indices), exclude=indices)
    return child, order
