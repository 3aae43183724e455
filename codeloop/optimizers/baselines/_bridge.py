"""The bridge between DSPy's teleprompters and codeloop's accounting: one compile of DSPy's,
run on the same program, data, metric and metered LM budget as codeloop's optimizers.

Each baseline is one :class:`DspyBaseline`: DSPy's teleprompter compiles the student with the
session's metered LM everywhere DSPy takes an LM (the settings LM, ``prompt_model``,
``task_model``, ``reflection_lm``); the compile is recorded as one ``"compile"`` trial with
its cost, and the compiled program is then scored on the valset as a ``"candidate"`` trial.

Three things are fixed on our side, without touching DSPy:

* **Stopping.** DSPy's optimizers catch ``Exception`` per example (``Evaluate`` up to
  ``max_errors``, SIMBA and GEPA's adapters always), so a refused LM call would be logged and
  the search would go on, with every later call refused too. Inside DSPy the LM raises
  :class:`~codeloop.exceptions.BudgetStop` instead, a ``BaseException`` those handlers let through (as they do
  ``KeyboardInterrupt``); it becomes :class:`~codeloop.exceptions.BudgetExhausted` when it
  leaves DSPy, and the base class returns the best so far.
* **Labeled demos.** DSPy uses training examples themselves as demos. Ours hold a
  ``TaskView`` under ``task`` while the predictors read ``examples``, ``function_header``,
  ``description``, ``feedback`` and write ``code``; the adapter drops a demo without any of
  those fields. :func:`with_demo_fields` adds them (from the view, with the reference as
  ``code``), unless a predictor field would collide with a label (TestFirst's ``tests``,
  which would put hidden tests into demos): then DSPy's labeled demos stay inert.
* **KNN vectors.** KNNFewShot embeds ``"task: <str(view)>"``; :class:`HashedTfidf` is a
  local, dependency-free embedding of that text.
"""

from __future__ import annotations

import abc
import contextlib
import logging
import math
import random
import threading
import time
from collections.abc import Iterator, Sequence
from typing import ClassVar

import dspy

from ...exceptions import BudgetExhausted
from ...lm import MeteredLM, StoppingLM, budget_stops
from ...modules import task_inputs
from .._base import CodeloopOptimizer, Session
from .._examples import view_of

logger = logging.getLogger(__name__)

#: Labels :func:`~codeloop.optimizers.task_example` puts on an example (besides ``task``).
LABELS = ("tests", "entry_point", "reference", "task_id")


@contextlib.contextmanager
def joined_workers(timeout: float = 30.0) -> Iterator[None]:
    """If the block fails, wait (up to ``timeout`` seconds) for the pool threads it started.

    DSPy's ``ParallelExecutor`` shuts its pool down without waiting when an item raises, so
    after a stop its other workers would still be finishing their items (running code in the
    sandbox) while the caller moves on, perhaps closing that sandbox. They finish quickly:
    their next LM call is refused.
    """
    before = set(threading.enumerate())
    try:
        yield
    except BaseException:
        deadline = time.monotonic() + timeout
        for thread in threading.enumerate():
            if thread not in before and thread.name.startswith("ThreadPoolExecutor-"):
                thread.join(max(0.0, deadline - time.monotonic()))
        raise


def with_demo_fields(student: dspy.Module, examples: Sequence[dspy.Example]) -> list[dspy.Example]:
    """``examples`` with, as extra labels, the fields of a code-writing demo: the view rendered
    as the predictors read it, and the reference solution as ``code`` (when there is one).

    Unchanged if a predictor has a field named like a label (``tests``...): a demo would then
    show that label (hidden tests) in a prompt.
    """
    fields = {name for predictor in student.predictors() for name in predictor.signature.fields}
    if fields & set(LABELS):
        return list(examples)
    prepared = []
    for example in examples:
        demo = {**task_inputs(view_of(example)), "feedback": ""}  # every field in VIEW_FIELDS
        if example.get("reference"):
            demo["code"] = example.reference
        prepared.append(example.copy(**demo))
    return prepared


def shuffled(examples: Sequence[dspy.Example], seed: int) -> list[dspy.Example]:
    """The trainset in a seeded order: how ``seed`` reaches optimizers whose sampling DSPy fixes
    (LabeledFewShot and BootstrapFewShot always use ``random.Random(0)`` and input order)."""
    order = list(examples)
    random.Random(seed).shuffle(order)
    return order


def cleaned(program: dspy.Module) -> dspy.Module:
    """``program`` with what DSPy left on its predictors that only the session should hold:

    * metered LMs pinned on predictors (SIMBA's ``set_lm``): the program then uses whatever LM
      its caller configures, and keeps no session's meter;
    * labels on labeled demos (a raw training example: its view, hidden tests, task id): a demo
      keeps only its predictor's fields, and only if it has an input and an output among them
      (the adapter drops any other demo), so a saved program shows what prompts show and
      holds no hidden test.
    """
    for predictor in program.predictors():
        if isinstance(getattr(predictor, "lm", None), MeteredLM):
            predictor.lm = None
        signature = predictor.signature
        keep = {*signature.fields, "augmented"}
        demos = [{k: v for k, v in demo.items() if k in keep} for demo in predictor.demos]
        predictor.demos = [dspy.Example(demo) for demo in demos
                           if demo.keys() & signature.input_fields.keys() and demo.keys() & signature.output_fields.keys()]
    return program


class DspyBaseline(CodeloopOptimizer):
    """One DSPy teleprompter under codeloop's accounting.

    ``search`` is done here: the trainset gets demo fields, DSPy runs inside a ``"compile"``
    trial (its params: the DSPy class and :meth:`settings`) with the stopping LM as the
    settings LM, the result is cleaned of what DSPy left on it, then scored on the valset.
    Subclasses implement only :meth:`dspy_compile`.
    """

    name: ClassVar[str] = "dspy"

    @abc.abstractmethod
    def dspy_compile(self, student: dspy.Module, trainset: list[dspy.Example], valset: list[dspy.Example],
                     session: Session, lm: dspy.BaseLM) -> dspy.Module:
        """Build DSPy's teleprompter and compile ``student`` with it. ``lm`` is the metered,
        stopping LM: hand it to every DSPy parameter that takes an LM (``prompt_model``,
        ``task_model``, ``reflection_lm``); the metric is ``session.metric``."""

    def search(self, student: dspy.Module, trainset: list[dspy.Example], valset: list[dspy.Example],
               session: Session) -> dspy.Module:
        trainset = with_demo_fields(student, trainset)
        params = {"dspy": type(self).__name__, **self.settings()}
        lm = StoppingLM(session.lm, session.meter)
        with session.paid("compile", params), budget_stops(session.meter), joined_workers(), dspy.context(lm=lm):
            compiled = self.dspy_compile(student, trainset, valset, session, lm)
        compiled = cleaned(compiled)
        try:
            session.evaluate(compiled, valset, params)
        except BudgetExhausted:
            if session.best is None:  # DSPy's program, unscored, beats the bare student
                session.best = (-math.inf, compiled)
            raise
        return compiled


