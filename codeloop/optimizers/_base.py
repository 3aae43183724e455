"""What every codeloop optimizer shares: DSPy's ``compile`` contract, a metered LM, a seed,
scored candidates recorded as trials, and a graceful stop when the budget is spent."""

from __future__ import annotations

import abc
import contextlib
import inspect
import json
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import dspy
import numpy as np
from dspy.teleprompt import Teleprompter

from .._cancel import map_cancelling
from ..exceptions import BudgetExhausted, ConfigError
from ..execution import Sandbox, default_sandbox
from ..lm import Budget, Meter, MeteredLM, Spend
from ..metrics import ExecutionMetric
from ..modules import max_lm_calls
from ._trials import Trial, TrialKind

logger = logging.getLogger(__name__)


def rng_for(seed: int, purpose: str) -> np.random.Generator:
    """One independent stream per purpose, so changing one draw leaves the others alone."""
    return np.random.default_rng([int(seed), zlib.crc32(purpose.encode())])


def check(caller: str, name: str, value: Any, ok: bool, constraint: str) -> None:
    """The one error shape for a bad optimizer setting: the parameter, the rule, the value."""
    if not ok:
        raise ConfigError(f"The {name!r} parameter of {caller} must be {constraint}. Got {value!r} instead.")


def check_count(caller: str, name: str, value: Any, least: int = 1) -> None:
    """``check`` for the commonest rule: an integer of at least ``least``."""
    check(caller, name, value, isinstance(value, int) and not isinstance(value, bool) and value >= least,
          f"an integer >= {least}")


def _json_safe(value: Any) -> Any:
    """``value`` as a trial can store it: containers as lists and dicts, a function by its name."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if callable(value):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', type(value).__name__)}"
    return repr(value)


@dataclass
class Evaluation:
    """A program scored on examples: the mean, and per example its score, prediction, feedback."""

    trial: Trial
    scores: list[float] = field(default_factory=list)
    predictions: list[Any] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return self.trial.score if self.trial.score is not None else 0.0


class Session:
    """One ``compile``: the metered LM, the metric, the trials so far and the best candidate.

    ``evaluate`` scores a program on examples in ``num_threads`` threads, each under
    ``dspy.context(lm=...)`` (DSPy's settings do not follow a value into new threads).
    """

    def __init__(self, optimizer: str, lm: dspy.BaseLM, meter: Meter, metric: Callable, *,
                 num_threads: int, seed: int, trial_log: Path | None = None) -> None:
        self.optimizer = optimizer
        self.lm = MeteredLM(lm, meter)
        self.meter = meter
        self.metric = metric
        self.num_threads = max(1, num_threads)
        self.seed = seed
        self.trials: list[Trial] = []
        self.best: tuple[float, dspy.Module] | None = None
        self.trial_log = trial_log
        self._log_lock = threading.Lock()

    @contextlib.contextmanager
    def paid(self, kind: TrialKind, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Run work that is not a scored candidate (proposals, bootstrapping) and record its cost.

        The yielded dict may be filled with more params while the work runs.
        """
        params = dict(params or {})
        start, began = self.meter.spend, time.perf_counter()
        state = "complete"
        try:
            with dspy.context(lm=self.lm):
                yield params
        except BudgetExhausted:
            state = "budget"
            raise
        finally:
            self._record(kind, params, None, 0, start, began, state)

    def call(self, program: dspy.Module, example: dspy.Example) -> Any:
        with dspy.context(lm=self.lm):
            return program(**example.inputs())

    def evaluate(self, program: dspy.Module, examples: Sequence[dspy.Example], params: dict[str, Any] | None = None,
                 *, kind: TrialKind = "candidate", track_best: bool = True) -> Evaluation:
        """Score ``program`` on ``examples``; raises BudgetExhausted (after recording) if the budget runs out."""
        if not examples:
            # Never fall back to the trainset: a scored task's own reference would be in its prompt.
            raise ConfigError(f"{self.optimizer}: no dev examples to score candidates on (valset is empty); "
                              "give dev tasks distinct from the train tasks the demos come from")
        params = dict(params or {})
        start, began = self.meter.spend, time.perf_counter()

        def one(example: dspy.Example) -> tuple[float, Any, str]:
            prediction = self.call(program, example)
            outcome = self.metric(example, prediction)
            score = float(getattr(outcome, "score", outcome))
            return score, prediction, str(getattr(outcome, "feedback", "") or "")

        results: list[tuple[float, Any, str]] = []
        try:  # the first error (a spent budget, an LM that failed on every retry) stops the others
            results = map_cancelling(one, examples, self.num_threads)
        except BudgetExhausted:
            self._record(kind, params, None, len(examples), start, began, "budget")
            raise
        scores = [r[0] for r in results]
        mean = sum(scores) / len(scores) if scores else 0.0
        trial = self._record(kind, params, mean, len(examples), start, began, "complete")
        if track_best and kind == "candidate" and (self.best is None or mean > self.best[0]):
            self.best = (mean, program)
        return Evaluation(trial, scores, [r[1] for r in results], [r[2] for r in results])

    def _record(self, kind: TrialKind, params: dict[str, Any], score: float | None, n: int,
                start: Spend, began: float, state: str) -> Trial:
        used = self.meter.spend - start
        trial = Trial(number=len(self.trials), optimizer=self.optimizer, kind=kind, params=params, score=score,
                      n_examples=n, lm_calls=used.calls, tokens=used.tokens,
                      wall_seconds=time.perf_counter() - began, state=state)
        self.trials.append(trial)
        if self.trial_log is not None:  # as it happens: a killed compile leaves its record
            with self._log_lock, self.trial_log.open("a") as log:
                log.write(json.dumps(trial.model_dump()) + "\n")
        logger.info("%s trial %d (%s): %s, %d LM calls", self.optimizer, trial.number, kind,
                    "not scored" if score is None else f"score {score:.3f} on {n} dev tasks", used.calls)
        return trial


class CodeloopOptimizer(Teleprompter, abc.ABC):
    """Base of codeloop's optimizers: DSPy's ``compile(student, trainset=..., valset=...)``
    contract, one accounting, and scored candidates recorded as trials.

    The contract, in the order things happen:

    ``__init__(metric=None, *, budget=..., seed=..., ...)``
        Stores its keyword settings under their own names and does nothing else: no
        checking, no work. So any optimizer can be built, listed (:meth:`get_params`) and
        logged cheaply. Subclasses take their own settings as keyword arguments, store them,
        and pass ``**kwargs`` on.
    :meth:`estimate_calls`
        May be called before ``compile`` (a dry run); must not call the LM.
    ``compile``
        Not overridden (a subclass may wrap ``super().compile`` to reset or collect what it
        learned). It checks the inputs, calls :meth:`validate`, opens a :class:`Session`
        (the metered LM, the metric, the trial log) and calls :meth:`search` on a deep copy
        of the student. When the budget runs out part way, the best candidate scored so far
        is returned (the student itself if none was) and ``budget_exhausted`` is set.
    :meth:`validate`
        Called by ``compile`` before any LM call. Subclasses check their settings with
        :func:`check` / :func:`check_count` and call ``super().validate()``.
    :meth:`search` (abstract)
        Returns the chosen program. Every LM call goes through the session
        (``session.evaluate`` for scored candidates, ``session.paid`` for other work), so it
        is counted and recorded; it may raise ``BudgetExhausted`` at any point.

    After ``compile``: ``trials`` (every evaluated candidate with its cost), ``spend`` and
    ``budget_exhausted``.

    ``lm`` defaults to ``dspy.settings.lm``; every call to it is counted, and refused past
    ``budget`` (a :class:`~codeloop.lm.Budget`, or an int: a cap on LM calls). ``metric``
    defaults to :class:`~codeloop.metrics.ExecutionMetric` on ``sandbox`` (all tests pass:
    1, else 0). ``trial_log``: a JSONL file each trial is appended to as it is recorded, to
    follow a long compile or see what a killed one did (a log left by an earlier compile is
    kept beside it as ``<name>.previous.jsonl``).
    """

    name: ClassVar[str] = "optimizer"
    #: settings that are live objects or plumbing rather than choices of the search: left out
    #: of :meth:`settings`, which is what a trial records
    RUNTIME_PARAMS: ClassVar[frozenset[str]] = frozenset(
        {"metric", "budget", "num_threads", "sandbox", "lm", "trial_log"})

    def __init__(self, metric: Callable | None = None, *, budget: Budget | int | None = None, seed: int = 0,
                 num_threads: int | None = None, sandbox: Sandbox | None = None,
                 lm: dspy.BaseLM | None = None, trial_log: str | Path | None = None) -> None:
        super().__init__()
        self.metric = metric
        self.budget = budget
        self.seed = seed
        self.num_threads = num_threads
        self.sandbox = sandbox
        self.lm = lm
        self.trial_log = trial_log
        self.trials: list[Trial] = []
        self.spend = Spend()
        self.budget_exhausted = False

    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        """Every setting the constructor takes (its own and its bases'), sorted."""
        names: set[str] = set()
        for klass in cls.__mro__:
            if "__init__" not in vars(klass) or not issubclass(klass, CodeloopOptimizer):
                continue
            for param in inspect.signature(klass.__init__).parameters.values():
                if param.name != "self" and param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                    names.add(param.name)
        return tuple(sorted(names))

    def get_params(self) -> dict[str, Any]:
        """The constructor's settings as stored (``type(self)(**self.get_params())`` is a fresh copy)."""
        return {name: getattr(self, name) for name in self.param_names()}

    def settings(self) -> dict[str, Any]:
        """The settings that shape the search (not the runtime plumbing), JSON-safe, as recorded on trials."""
        return {k: _json_safe(v) for k, v in self.get_params().items() if k not in self.RUNTIME_PARAMS}

    def validate(self) -> None:
        """Check the settings; called by ``compile`` before any LM call."""
        check(self.name, "seed", self.seed, isinstance(self.seed, int), "an integer")
        check(self.name, "num_threads", self.num_threads, self.num_threads is None
              or (isinstance(self.num_threads, int) and self.num_threads >= 1), "None or an integer >= 1")
        Budget.coerce(self.budget, caller=self.name)

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        """Upper estimate of the LM calls ``compile`` would make (a dry run; nothing is called)."""
        return max_lm_calls(student) * n_dev

    @abc.abstractmethod
    def search(self, student: dspy.Module, trainset: list[dspy.Example], valset: list[dspy.Example],
               session: Session) -> dspy.Module:
        """The chosen program (``student`` is a copy the search may change)."""

    def compile(self, student: dspy.Module, *, trainset: list[dspy.Example],
                valset: list[dspy.Example] | None = None, teacher: dspy.Module | None = None,
                **kwargs: Any) -> dspy.Module:
        self.validate()
        if not trainset:
            raise ConfigError(f"{self.name}: trainset is empty; it needs at least one task")
        lm = self.lm or dspy.settings.lm
        if lm is None:
            raise ConfigError(f"{self.name}: no LM; pass lm=... or configure dspy.settings.lm")
        sandbox = self.sandbox or default_sandbox()
        metric = self.metric or ExecutionMetric(sandbox)
        meter = Meter(Budget.coerce(self.budget, caller=self.name))
        trial_log = Path(self.trial_log) if self.trial_log is not None else None
        if trial_log is not None:
            trial_log.parent.mkdir(parents=True, exist_ok=True)
            if trial_log.exists() and trial_log.stat().st_size:  # an earlier (killed) compile's
                trial_log.replace(trial_log.with_name(f"{trial_log.stem}.previous{trial_log.suffix}"))
            trial_log.write_text("")
        session = Session(self.name, lm, meter, metric, num_threads=self.num_threads or sandbox.workers,
                          seed=self.seed, trial_log=trial_log)
        self.budget_exhausted = False
        try:
            chosen = self.search(student.deepcopy(), list(trainset), list(valset or []), session)
        except BudgetExhausted as exc:
            logger.warning("%s stopped: %s; returning the best candidate so far", self.name, exc)
            self.budget_exhausted = True
            chosen = session.best[1] if session.best is not None else student.deepcopy()
        finally:
            self.trials = session.trials
            self.spend = meter.spend
        chosen._compiled = True
        return chosen
