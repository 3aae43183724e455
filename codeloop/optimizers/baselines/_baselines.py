"""DSPy's own optimizers as baselines (LabeledFewShot, BootstrapFewShot and its random search,
KNNFewShot, COPRO, MIPROv2 light, SIMBA, GEPA), each a :class:`~._bridge.DspyBaseline`
run on the same program, data, metric and LM budget as codeloop's, so a comparison is fair.
"""

from __future__ import annotations

import logging
import math
import re
import zlib
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import dspy
import numpy as np

from ...lm import Budget
from ...modules import max_lm_calls
from ._bridge import DspyBaseline, shuffled

logger = logging.getLogger(__name__)


# -- few-shot: labeled, bootstrapped, random search, nearest neighbours ---------------------


class LabeledFewShotBaseline(DspyBaseline):
    """``dspy.LabeledFewShot(k)``: ``k`` training examples (reference solutions) as demos."""

    name: ClassVar[str] = "dspy-labeled"

    def __init__(self, metric: Any = None, *, k: int = 4, **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.k = k


    def dspy_compile(self, student, trainset, valset, session, lm):
        return dspy.LabeledFewShot(k=self.k).compile(student, trainset=shuffled(trainset, self.seed))

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        return max_lm_calls(student) * n_dev


class BootstrapFewShotBaseline(DspyBaseline):
    """``dspy.BootstrapFewShot``: traces of the student (as its own teacher) that pass every
    test become demos, topped up with labeled ones."""

    name: ClassVar[str] = "dspy-bootstrap"

    def __init__(self, metric: Any = None, *, max_bootstrapped_demos: int = 4, max_labeled_demos: int = 4,
                 max_rounds: int = 1, **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.max_bootstrapped_demos = max_bootstrapped_demos
        self.max_labeled_demos = max_labeled_demos
        self.max_rounds = max_rounds


    def dspy_compile(self, student, trainset, valset, session, lm):
        optimizer = dspy.BootstrapFewShot(metric=session.metric, max_bootstrapped_demos=self.max_bootstrapped_demos,
                                          max_labeled_demos=self.max_labeled_demos, max_rounds=self.max_rounds)
        return optimizer.compile(student, trainset=shuffled(trainset, self.seed))

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        return max_lm_calls(student) * (n_train * self.max_rounds + n_dev)


class BootstrapRandomSearchBaseline(DspyBaseline):
    """``dspy.BootstrapFewShotWithRandomSearch``: zero-shot, labeled-only and
    ``num_candidate_programs + 1`` bootstrapped demo sets, each scored on the valset."""

    name: ClassVar[str] = "dspy-bootstrap-rs"

    def __init__(self, metric: Any = None, *, num_candidate_programs: int = 3, max_bootstrapped_demos: int = 3,
                 max_labeled_demos: int = 3, max_rounds: int = 1, **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.num_candidate_programs = num_candidate_programs
        self.max_bootstrapped_demos = max_bootstrapped_demos
        self.max_labeled_demos = max_labeled_demos
        self.max_rounds = max_rounds


    def dspy_compile(self, student, trainset, valset, session, lm):
        optimizer = dspy.BootstrapFewShotWithRandomSearch(
            metric=session.metric, max_bootstrapped_demos=self.max_bootstrapped_demos,
            max_labeled_demos=self.max_labeled_demos, max_rounds=self.max_rounds,
            num_candidate_programs=self.num_candidate_programs, num_threads=session.num_threads)
        return optimizer.compile(student, trainset=shuffled(trainset, self.seed), valset=valset)

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        bootstraps = self.num_candidate_programs + 1
        evaluations = self.num_candidate_programs + 3 + 1  # every candidate, then our own final score
        return max_lm_calls(student) * (bootstraps * n_train * self.max_rounds + evaluations * n_dev)


_WORD = re.compile(r"[A-Za-z_]+|\d+|[^\sA-Za-z_\d]")


class HashedTfidf:
    """A local text embedding: words, numbers and symbols hashed into ``dim`` buckets, weighted
    by sublinear term frequency times the inverse document frequency ``fit`` saw, L2-normed.

    Hashing is ``crc32`` (Python's ``hash`` of a string changes between processes), so the same
    texts give the same vectors everywhere. Before ``fit``, every IDF weight is 1.
    """

    def __init__(self, dim: int = 2048) -> None:
        self.dim = dim
        self.idf_ = np.ones(dim, dtype=np.float32)

    def _counts(self, text: str) -> np.ndarray:
        counts = np.zeros(self.dim, dtype=np.float32)
        for token in _WORD.findall(text.lower()):
            counts[zlib.crc32(token.encode()) % self.dim] += 1.0
        return counts

    def fit(self, texts: Sequence[str]) -> HashedTfidf:
        present = np.zeros(self.dim, dtype=np.float32)
        for text in texts:
            present += self._counts(text) > 0
        self.idf_ = (np.log((1 + len(texts)) / (1 + present)) + 1).astype(np.float32)
        return self

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.stack([self._counts(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
        weighted = np.log1p(rows) * self.idf_
        norms = np.linalg.norm(weighted, axis=1, keepdims=True)
        return weighted / np.where(norms == 0, 1.0, norms)


def knn_text(example: dspy.Example) -> str:
    """The text ``dspy.KNN`` embeds for an example: its inputs as ``key: value`` joined by `` | ``."""
    return " | ".join(f"{key}: {value}" for key, value in example.inputs().items())


class KNNFewShotBaseline(DspyBaseline):
    """``dspy.KNNFewShot``: per call, the ``k`` training tasks nearest the input (by
    :class:`HashedTfidf` over the task view's text) are bootstrapped into demos.

    Compiling costs nothing; every call of the compiled program runs the student on its
    ``k`` neighbours first (``k + 1`` program calls per task).
    """

    name: ClassVar[str] = "dspy-knn"

    def __init__(self, metric: Any = None, *, k: int = 2, max_labeled_demos: int = 2, dim: int = 2048,
                 **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.k = k
        self.max_labeled_demos = max_labeled_demos
        self.dim = dim


    def dspy_compile(self, student, trainset, valset, session, lm):
        embedding = HashedTfidf(self.dim).fit([knn_text(e) for e in trainset])
        optimizer = dspy.KNNFewShot(self.k, trainset, dspy.Embedder(embedding, caching=False),
                                    metric=session.metric, max_bootstrapped_demos=self.k,
                                    max_labeled_demos=self.max_labeled_demos)
        return optimizer.compile(student)

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        return max_lm_calls(student) * n_dev * (min(self.k, n_train) + 1)


# -- instructions: COPRO, MIPROv2, SIMBA, GEPA -----------------------------------------------


class COPROBaseline(DspyBaseline):
    """``dspy.COPRO``: ``breadth`` instructions proposed per predictor, scored on the trainset,
    refined from the scored attempts ``depth`` times."""

    name: ClassVar[str] = "copro"

    def __init__(self, metric: Any = None, *, breadth: int = 3, depth: int = 1, init_temperature: float = 1.4,
                 **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.breadth = breadth
        self.depth = depth
        self.init_temperature = init_temperature


    def dspy_compile(self, student, trainset, valset, session, lm):
        optimizer = dspy.COPRO(prompt_model=lm, metric=session.metric, breadth=self.breadth, depth=self.depth,
                               init_temperature=self.init_temperature)
        eval_kwargs = {"num_threads": session.num_threads, "display_progress": False}
        return optimizer.compile(student, trainset=trainset, eval_kwargs=eval_kwargs)

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        predictors = len(student.predictors())
        proposals = predictors * self.depth  # one call each, with n=breadth-1 completions
        scored = self.depth * predictors * self.breadth * max(1, predictors)  # multi-predictor rescoring
        return proposals + max_lm_calls(student) * (scored * n_train + n_dev)


MINIBATCH_ABOVE = 50  # MIPROv2 scores trials on minibatches only for valsets larger than this


class MIPROv2LightBaseline(DspyBaseline):
    """``dspy.MIPROv2``: bootstrapped demo sets and grounded instruction proposals, combined by
    a TPE search. ``auto="light"`` by default; with ``auto=None``, ``num_candidates`` and
    ``num_trials`` set the search size instead."""

    name: ClassVar[str] = "mipro-light"

    def __init__(self, metric: Any = None, *, auto: Literal["light", "medium", "heavy"] | None = "light",
                 num_candidates: int = 3, num_trials: int = 4, max_bootstrapped_demos: int = 2,
                 max_labeled_demos: int = 2, **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.auto = auto
        self.num_candidates = num_candidates
        self.num_trials = num_trials
        self.max_bootstrapped_demos = max_bootstrapped_demos
        self.max_labeled_demos = max_labeled_demos


    def dspy_compile(self, student, trainset, valset, session, lm):
        optimizer = dspy.MIPROv2(metric=session.metric, prompt_model=lm, task_model=lm, auto=self.auto,
                                 num_candidates=None if self.auto else self.num_candidates,
                                 max_bootstrapped_demos=self.max_bootstrapped_demos,
                                 max_labeled_demos=self.max_labeled_demos, num_threads=session.num_threads,
                                 seed=self.seed, verbose=False, track_stats=False)
        return optimizer.compile(student, trainset=trainset, valset=valset, seed=self.seed,
                                 num_trials=None if self.auto else self.num_trials,
                                 minibatch=len(valset) > MINIBATCH_ABOVE)  # auto mode decides the same way

    def _sizes(self, student: dspy.Module) -> tuple[int, int, int]:
        """(demo sets, instruction candidates, trials), as MIPROv2 derives them."""
        if not self.auto:
            return self.num_candidates, self.num_candidates, self.num_trials
        n = {"light": 6, "medium": 12, "heavy": 18}[self.auto]
        zero_shot = self.max_bootstrapped_demos == 0 and self.max_labeled_demos == 0
        variables = len(student.predictors()) * (1 if zero_shot else 2)
        return n, n if zero_shot else n // 2, int(max(2 * variables * math.log2(n), 1.5 * n))

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        demo_sets, instructions, trials = self._sizes(student)
        n_val = min(n_dev, 100) if self.auto else n_dev  # auto runs score a sample of at most 100
        # per instruction and predictor: describe the program, describe the module, propose
        proposals = 3 * len(student.predictors()) * instructions + math.ceil(n_train / 10) + 1
        bootstraps = max(0, demo_sets - 2) * n_train  # zero-shot and labeled-only sets cost nothing
        if n_val > MINIBATCH_ABOVE:  # trials on minibatches of 35, a full evaluation every 5th and at the end
            scored = trials * 35 + (trials // 5 + 2) * n_val + n_dev
        else:  # the default program, every trial, then our own score
            scored = (trials + 1) * n_val + n_dev
        return proposals + max_lm_calls(student) * (bootstraps + scored)


class SIMBABaseline(DspyBaseline):
    """``dspy.SIMBA``: mini-batches sampled at temperature; where outcomes differ the best
    trajectory becomes a demo or a self-reflective rule."""

    name: ClassVar[str] = "simba"

    def __init__(self, metric: Any = None, *, bsize: int = 4, num_candidates: int = 2, max_steps: int = 2,
                 max_demos: int = 2, **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.bsize = bsize
        self.num_candidates = num_candidates
        self.max_steps = max_steps
        self.max_demos = max_demos


    def dspy_compile(self, student, trainset, valset, session, lm):
        optimizer = dspy.SIMBA(metric=session.metric, bsize=min(self.bsize, len(trainset)),
                               num_candidates=self.num_candidates, max_steps=self.max_steps,
                               max_demos=self.max_demos, prompt_model=lm, num_threads=session.num_threads)
        return optimizer.compile(student, trainset=trainset, seed=self.seed)

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        bsize, c = min(self.bsize, n_train), self.num_candidates
        per_step = bsize * c + (c + 1) * bsize  # trajectories, then the new candidates
        program_calls = self.max_steps * per_step + (c + 1) * n_train + n_dev
        return self.max_steps * (c + 1) + max_lm_calls(student) * program_calls


class GEPABaseline(DspyBaseline):
    """``dspy.GEPA``: reflective instruction evolution from the metric's feedback text.

    Its own budget, ``max_metric_calls``, is ``max_metric_calls`` if given; else the session's
    call cap divided by the calls one program call makes; else ``auto``'s.
    """

    name: ClassVar[str] = "gepa"

    def __init__(self, metric: Any = None, *, max_metric_calls: int | None = None,
                 auto: Literal["light", "medium", "heavy"] = "light", reflection_minibatch_size: int = 2,
                 use_merge: bool = False, **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.max_metric_calls = max_metric_calls
        self.auto = auto
        self.reflection_minibatch_size = reflection_minibatch_size
        self.use_merge = use_merge


    def metric_calls(self, student: dspy.Module) -> int | None:
        if self.max_metric_calls is not None:
            return self.max_metric_calls
        cap = Budget.coerce(self.budget, caller=self.name).max_calls
        if cap is not None:
            return max(1, cap // max_lm_calls(student))
        return None

    def dspy_compile(self, student, trainset, valset, session, lm):
        calls = self.metric_calls(student)
        optimizer = dspy.GEPA(metric=session.metric, reflection_lm=lm, max_metric_calls=calls,
                              auto=None if calls is not None else self.auto,
                              reflection_minibatch_size=min(self.reflection_minibatch_size, len(trainset)),
                              use_merge=self.use_merge, num_threads=session.num_threads, seed=self.seed)
        return optimizer.compile(student, trainset=trainset, valset=valset)

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        calls = self.metric_calls(student)
        if calls is None:  # auto_budget reads nothing from self
            n = {"light": 6, "medium": 12, "heavy": 18}[self.auto]
            calls = dspy.GEPA.auto_budget(None, max(1, len(student.predictors())), n, n_dev)
        minibatch = min(self.reflection_minibatch_size, n_train)
        iterations = math.ceil(calls / minibatch) + 1
        # each iteration reflects once (twice when the batched reflection fails and is retried per
        # task); the last may overrun the metric budget by a minibatch pair and a full valset
        program_calls = calls + 2 * minibatch + n_dev + n_dev
        return 2 * iterations + max_lm_calls(student) * program_calls


#: Every baseline by its CLI name.
DSPY_BASELINES: dict[str, type[DspyBaseline]] = {
    cls.name: cls for cls in (LabeledFewShotBaseline, BootstrapFewShotBaseline, BootstrapRandomSearchBaseline,
                              KNNFewShotBaseline, COPROBaseline, MIPROv2LightBaseline, SIMBABaseline, GEPABaseline)
}
