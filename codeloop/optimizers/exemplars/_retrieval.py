"""A program that picks its demos per input: the pool items nearest the task (BM25 over what a
prompt shows of it), near-duplicates dropped by MMR, shown in an order policy.

DSPy's KNNFewShot cannot be saved (it holds an embedder and a trainset outside the program's
state); an app loading a compiled program needs the pool and the settings in the saved file.
:class:`RetrievalProgram` keeps both in its state, so ``program.save("x.json")`` and
``RetrievalProgram(inner).load("x.json")`` round-trip through DSPy's JSON.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import dspy
import numpy as np

from ...benchmarks import TaskView
from ...exceptions import ConfigError
from ...modules import max_lm_calls
from .._program_edits import demo_from_record, demo_record, set_demos
from ._text import ORDERS, LexicalIndex, arrange, demo_text, mmr, view_text

STATE_VERSION = 1


class RetrievalProgram(dspy.Module):
    """``program`` with demos chosen per call from ``pool`` (demos per predictor name of ``program``).

    For each input it ranks the pool by BM25 relevance to the task's text (description,
    function header, rendered examples), picks ``k`` by MMR (``mmr_lambda=1``: plain nearest;
    lower: fewer near-duplicates, never two demos of one task), and shows them in ``order``
    (``ascending``: the most similar last, nearest the question). A pool demo of the very task
    asked about (same ``task_id`` as the view's ``id``) is never picked: that would show the
    answer. Each call runs a copy of ``program`` with those demos, so concurrent calls never
    share predictors. ``random`` order is seeded by ``seed`` and the task's text.

    Saved state holds the inner program's state, the pool and the settings. A
    RetrievalProgram nested inside another module is saved by that module's own state, which
    holds only the predictors: save the RetrievalProgram itself.
    """

    def __init__(self, program: dspy.Module, pool: Mapping[str, Sequence[dspy.Example]] | None = None, *,
                 k: int = 3, mmr_lambda: float = 1.0, order: str = "ascending", seed: int = 0) -> None:
        super().__init__()
        self.program = program
        self.k, self.mmr_lambda, self.order, self.seed = k, mmr_lambda, order, seed
        self._set_pool({name: list(demos) for name, demos in (pool or {}).items()})

    def max_lm_calls(self) -> int:
        return max_lm_calls(self.program)

    @classmethod
    def wrap(cls, program: dspy.Module) -> RetrievalProgram:
        """An empty wrapper around ``program``, for ``load_state`` to fill (how saved files rebuild it)."""
        return cls(program)

    def _set_pool(self, pool: dict[str, list[dspy.Example]]) -> None:
        if self.order not in ORDERS:
            raise ConfigError(f"The 'order' parameter of RetrievalProgram must be one of {ORDERS}. "
                              f"Got {self.order!r} instead.")
        if not 0.0 <= self.mmr_lambda <= 1.0 or self.k < 0:
            raise ConfigError("RetrievalProgram needs 0 <= mmr_lambda <= 1 and k >= 0; got "
                              f"mmr_lambda={self.mmr_lambda!r}, k={self.k!r}")
        known = {name for name, _ in self.program.named_predictors()}
        unknown = sorted(set(pool) - known)
        if unknown:
            raise ConfigError(f"RetrievalProgram pool names predictors {unknown} that "
                              f"{type(self.program).__name__} does not have; it has {sorted(known)}")
        self.pool = pool
        self.texts = {name: [demo_text(d) for d in demos] for name, demos in pool.items()}
        self._indexes = {name: LexicalIndex(texts) for name, texts in self.texts.items() if texts}

    def select(self, task: TaskView) -> dict[str, list[int]]:
        """Indices into the pool, per predictor, of the demos this task gets (in prompt order)."""
        query = view_text(task)
        rng = np.random.default_rng([int(self.seed), zlib.crc32(query.encode())])
        chosen: dict[str, list[int]] = {}
        for name, demos in self.pool.items():
            index = self._indexes.get(name)
            if index is None:
                chosen[name] = []
                continue
            groups = [d.get("task_id") for d in demos]
            allowed = [i for i, group in enumerate(groups) if group is None or group != task.id]
            relevance = index.relevance(query)
            picked = mmr(relevance, index.similarity, self.k, self.mmr_lambda, allowed=allowed, groups=groups)
            chosen[name] = arrange(picked, relevance, self.order, rng)
        return chosen

    def demos_for(self, task: TaskView) -> dict[str, list[dspy.Example]]:
        return {name: [self.pool[name][i] for i in indices] for name, indices in self.select(task).items()}

    def forward(self, task: TaskView, **kwargs: Any) -> Any:
        return set_demos(self.program, self.demos_for(task))(task=task, **kwargs)

    # -- saved state ----------------------------------------------------------------------

    def dump_state(self, json_mode: bool = True) -> dict[str, Any]:
        pool = {name: [demo_record(d) for d in demos] for name, demos in self.pool.items()}
        return {"program": self.program.dump_state(json_mode=json_mode),
                "retrieval": {"version": STATE_VERSION, "k": self.k, "mmr_lambda": self.mmr_lambda,
                              "order": self.order, "seed": self.seed, "pool": pool}}

    def load_state(self, state: dict[str, Any], *, allow_unsafe_lm_state: bool = False) -> RetrievalProgram:
        if not isinstance(state, dict) or "retrieval" not in state or "program" not in state:
            keys = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise ConfigError(f"not a saved RetrievalProgram: its state needs keys 'program' and 'retrieval', "
                              f"got {keys}")
        saved = state["retrieval"]
        self.program.load_state(state["program"], allow_unsafe_lm_state=allow_unsafe_lm_state)
        self.k, self.mmr_lambda = int(saved["k"]), float(saved["mmr_lambda"])
        self.order, self.seed = str(saved["order"]), int(saved["seed"])
        self._set_pool({name: [demo_from_record(item) for item in items] for name, items in saved["pool"].items()})
        return self
