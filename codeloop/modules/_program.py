"""Modules as rounds-protocol programs, and the registry of modules by name."""

from __future__ import annotations

from collections.abc import Callable

import dspy

from ..benchmarks import TaskView
from ..exceptions import ConfigError
from ..execution import Sandbox
from ..lm import CallCounter, total_tokens
from ._basic import CodeFromExamples, CodeFromSpec, SolvePuzzle
from ._best_of_n import BestOfN
from ._parsing import DEFAULT_PARSE_MODE, ParseMode, ReplyParser
from ._refine import GenerateCheckRefine
from ._test_first import TestFirst


class ModuleProgram:
    """A module as a :class:`~codeloop.benchmarks.rounds.SupportsGenerate` program.

    Each call runs ``module(task=view)`` under ``dspy.context(lm=...)`` with its own call
    counter (a DSPy callback) and usage tracker (``dspy.track_usage``). Both live in DSPy's
    thread-local settings, so concurrent calls from the rounds runner's threads count only
    their own LM calls. ``lm_calls`` includes cache hits; ``tokens`` counts what the provider
    reported for calls that were not cache hits. ``sample > 0`` draws with
    ``lm.copy(rollout_id=sample, temperature=sample_temperature)``. ``parse`` is how replies
    become fields (see :class:`~codeloop.modules.ReplyParser`; DSPy's settings do not follow a
    value into the rounds runner's threads, so the program sets it on each call).
    """

    def __init__(self, module: dspy.Module, lm: dspy.BaseLM, *, sample_temperature: float = 1.0,
                 parse: ParseMode = DEFAULT_PARSE_MODE) -> None:
        self.module = module
        self.lm = lm
        self.sample_temperature = sample_temperature
        self.parser = ReplyParser(parse)

    def __call__(self, task: TaskView, *, sample: int = 0):
        from ..benchmarks.rounds import Generation  # here: the rounds package imports pandas (0.25 s)

        lm = self.lm if sample == 0 else self.lm.copy(rollout_id=sample, temperature=self.sample_temperature)
        counter = CallCounter()
        callbacks = [*(dspy.settings.get("callbacks") or []), counter]
        with dspy.context(lm=lm, callbacks=callbacks, adapter=self.parser), dspy.track_usage() as usage:
            prediction = self.module(task=task)
        return Generation(code=prediction.code or "", lm_calls=counter.calls,
                          tokens=total_tokens(usage.get_total_tokens()), parse=reply_routes(prediction))


def reply_routes(prediction: dspy.Prediction) -> list[str]:
    """The parse route of every LM reply behind a prediction, in order (its attempts')."""
    return [str(a["parse"]) for a in getattr(prediction, "attempts", None) or []
            if isinstance(a, dict) and a.get("parse")]


def as_program(module: dspy.Module | str, *, lm: dspy.BaseLM, sandbox: Sandbox | None = None,
               kind: str = "function", parse: ParseMode = DEFAULT_PARSE_MODE) -> ModuleProgram:
    """``module`` (or a registry name, built with ``sandbox`` for tasks of ``kind``) as a
    rounds-protocol program whose replies are parsed in mode ``parse``."""
    if isinstance(module, str):
        module = build_module(module, sandbox=sandbox, kind=kind)
    return ModuleProgram(module, lm, parse=parse)


MODULES: dict[str, Callable[[Sandbox | None], dspy.Module]] = {
    "best-of-n": lambda sandbox: BestOfN(CodeFromExamples(), n=5, sandbox=sandbox),
    "check-refine": lambda sandbox: GenerateCheckRefine(CodeFromExamples(), max_iters=3, sandbox=sandbox),
    "from-examples": lambda sandbox: CodeFromExamples(),
    "from-spec": lambda sandbox: CodeFromSpec(),
    "test-first": lambda sandbox: TestFirst(sandbox=sandbox),
}


#: the puzzle form of each module that has one (a puzzle's spec is its sat, so from-examples and
#: from-spec are the same solver; test-first has no puzzle form: a puzzle's test is its sat)
PUZZLE_MODULES: dict[str, Callable[[Sandbox | None], dspy.Module]] = {
    "best-of-n": lambda sandbox: BestOfN(SolvePuzzle(), n=5, sandbox=sandbox),
    "check-refine": lambda sandbox: GenerateCheckRefine(SolvePuzzle(), max_iters=3, sandbox=sandbox),
    "from-examples": lambda sandbox: SolvePuzzle(),
    "from-spec": lambda sandbox: SolvePuzzle(),
}
KINDS = ("function", "puzzle")


def build_module(name: str, *, sandbox: Sandbox | None = None, kind: str = "function") -> dspy.Module:
    """A fresh module by registry name, for tasks of ``kind`` (``"function"`` or ``"puzzle"``);
    ``ConfigError`` names a bad name or kind and lists the accepted ones."""
    if kind not in KINDS:
        raise ConfigError(f"unknown task kind {kind!r}; accepted: {', '.join(KINDS)}")
    factory = MODULES.get(name) if isinstance(name, str) else None
    if factory is None:
        raise ConfigError(f"unknown module {name!r}; accepted: {', '.join(sorted(MODULES))}")
    if kind == "puzzle":
        factory = PUZZLE_MODULES.get(name)
        if factory is None:
            raise ConfigError(f"module {name!r} has no puzzle form (it writes tests for a function first, and a "
                              f"puzzle's test is its sat); for puzzles use one of {', '.join(sorted(PUZZLE_MODULES))}")
    return factory(sandbox)
