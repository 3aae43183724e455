"""Modules as rounds-protocol programs, and the registry of modules by name."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import dspy
from dspy.utils.callback import BaseCallback

from ..benchmarks._task import TaskView
from ..exceptions import ConfigError
from ..execution import Sandbox
from ._basic import CodeFromExamples, CodeFromSpec
from ._best_of_n import BestOfN
from ._refine import GenerateCheckRefine
from ._test_first import TestFirst


class _CallCounter(BaseCallback):
    """Counts LM calls (cache hits included) made while it is among the active callbacks."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def on_lm_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        with self._lock:
            self.calls += 1


def usage_tokens(entry: dict[str, Any]) -> int:
    """Tokens in one provider usage record (total, or prompt plus completion)."""
    tokens = entry.get("total_tokens")
    if tokens is None:
        tokens = (entry.get("prompt_tokens") or entry.get("input_tokens") or 0) + \
                 (entry.get("completion_tokens") or entry.get("output_tokens") or 0)
    return int(tokens or 0)


def _total_tokens(usage: dict[str, dict[str, Any]]) -> int:
    return sum(usage_tokens(entry) for entry in usage.values())


class ModuleProgram:
    """A module as a :class:`~codeloop.benchmarks.rounds.SupportsGenerate` program.

    Each call runs ``module(task=view)`` under ``dspy.context(lm=...)`` with its own call
    counter (a DSPy callback) and usage tracker (``dspy.track_usage``). Both live in DSPy's
    thread-local settings, so concurrent calls from the rounds runner's threads count only
    their own LM calls. ``lm_calls`` includes cache hits; ``tokens`` counts what the provider
    reported for calls that were not cache hits. ``sample > 0`` draws with
    ``lm.copy(rollout_id=sample, temperature=sample_temperature)``.
    """

    def __init__(self, module: dspy.Module, lm: dspy.BaseLM, *, sample_temperature: float = 1.0) -> None:
        self.module = module
        self.lm = lm
        self.sample_temperature = sample_temperature

    def __call__(self, task: TaskView, *, sample: int = 0):
        from ..benchmarks.rounds._protocol import Generation  # here: the rounds package imports metrics

        lm = self.lm if sample == 0 else self.lm.copy(rollout_id=sample, temperature=self.sample_temperature)
        counter = _CallCounter()
        callbacks = [*(dspy.settings.get("callbacks") or []), counter]
        with dspy.context(lm=lm, callbacks=callbacks), dspy.track_usage() as usage:
            prediction = self.module(task=task)
        return Generation(code=prediction.code or "", lm_calls=counter.calls,
                          tokens=_total_tokens(usage.get_total_tokens()))


def as_program(module: dspy.Module | str, *, lm: dspy.BaseLM, sandbox: Sandbox | None = None) -> ModuleProgram:
    """``module`` (or a registry name, built with ``sandbox``) as a rounds-protocol program."""
    if isinstance(module, str):
        module = build_module(module, sandbox=sandbox)
    return ModuleProgram(module, lm)


MODULES: dict[str, Callable[[Sandbox | None], dspy.Module]] = {
    "best-of-n": lambda sandbox: BestOfN(CodeFromExamples(), n=5, sandbox=sandbox),
    "check-refine": lambda sandbox: GenerateCheckRefine(CodeFromExamples(), max_iters=3, sandbox=sandbox),
    "from-examples": lambda sandbox: CodeFromExamples(),
    "from-spec": lambda sandbox: CodeFromSpec(),
    "test-first": lambda sandbox: TestFirst(sandbox=sandbox),
}


def build_module(name: str, *, sandbox: Sandbox | None = None) -> dspy.Module:
    """A fresh module by registry name; ``ConfigError`` names a bad name and lists the accepted ones."""
    factory = MODULES.get(name) if isinstance(name, str) else None
    if factory is None:
        raise ConfigError(f"unknown module {name!r}; accepted: {', '.join(sorted(MODULES))}")
    return factory(sandbox)
