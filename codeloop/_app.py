"""A compiled program as a plain callable for apps: examples in, code and verdicts out.

The app needs to know nothing about how the program was compiled (which module, which
optimizer, per-input retrieval or not): ``codeloop.load("program.json")`` rebuilds it.
Generated code runs only in the sandbox, never in the app's process.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dspy
from pydantic import BaseModel, ConfigDict, PrivateAttr

from .benchmarks import TaskView
from .exceptions import CodeloopError, ConfigError
from .execution import IOTest, RunResult, Sandbox, Verdict, default_sandbox
from .lm import OfflineEngine, resolve_lm
from .modules import ModuleProgram
from .optimizers import load_program


class SolutionFailed(CodeloopError):
    """The generated code did not return a value for the given arguments; ``verdict`` says why."""

    def __init__(self, message: str, verdict: Verdict) -> None:
        super().__init__(message)
        self.verdict = verdict


class Solution(BaseModel):
    """What the program wrote, and how that code did on the examples it was given.

    ``passed_visible`` says only that the code reproduces the examples it was shown; whether it is
    right on other inputs is unknown (that is what ``check`` with your own tests is for). Run the
    code with ``run``, never with ``exec``: it runs in the sandbox, not in the app's process.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    code: str
    name: str  # the function's name in ``code``
    verdicts: list[str]  # per given example: passed, failed, error, timeout or crashed
    passed_visible: bool  # every given example reproduced (False when none was given)
    lm_calls: int
    tokens: int
    _sandbox: Sandbox | None = PrivateAttr(default=None)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """The code's return value for these arguments, computed in the sandbox; raises
        :class:`SolutionFailed` (carrying the verdict) when it raises, times out or crashes."""
        result = self._box().run(self.code, self.name, [IOTest(args=args, kwargs=kwargs, expected=None)])
        verdict = result.verdicts[0]
        if not verdict.has_output:
            detail = verdict.error_type and f"{verdict.error_type}: {verdict.error_message}" or verdict.reason
            raise SolutionFailed(f"{self.name}(...) did not return a value: {verdict.status.value} ({detail})",
                                 verdict)
        return verdict.output

    def check(self, tests: Sequence[Any]) -> RunResult:
        """The code judged on ``tests`` (``(args, output)`` pairs like ``examples``, or IOTests) in the
        sandbox: ``.passed``, and a verdict per test."""
        return self._box().run(self.code, self.name, list(_tests_from(tests)))

    def _box(self) -> Sandbox:
        return self._sandbox if self._sandbox is not None else default_sandbox()


def _tests_from(examples: Sequence[Any]) -> tuple[IOTest, ...]:
    """``(args, output)`` pairs as tests. ``args`` is a tuple of arguments; a list is taken as one
    argument only where it cannot be an argument tuple (lists of different lengths: a function has
    one arity), and refused as ambiguous otherwise."""
    pairs = []
    for i, example in enumerate(examples):
        if isinstance(example, IOTest):
            pairs.append(example)
            continue
        if not isinstance(example, (tuple, list)) or len(example) != 2:
            raise ConfigError(f"examples[{i}] must be an (args, output) pair, got {example!r}")
        pairs.append(tuple(example))
    lists = [pair[0] for pair in pairs if isinstance(pair, tuple) and isinstance(pair[0], list)]
    one_argument = len({len(a) for a in lists}) > 1
    tests = []
    for i, pair in enumerate(pairs):
        if isinstance(pair, IOTest):
            tests.append(pair)
            continue
        args, output = pair
        if isinstance(args, list):
            if not one_argument:
                raise ConfigError(f"examples[{i}]: args {args!r} is a list, which could be one argument or the "
                                  f"arguments themselves; write ({args!r},) for one list argument, or "
                                  f"{tuple(args)!r} for {len(args)} arguments")
            args = (args,)
        elif not isinstance(args, tuple):
            raise ConfigError(f"examples[{i}]: args must be a tuple of arguments, got {args!r} "
                              f"(for one argument x write ({args!r},))")
        try:
            tests.append(IOTest(args=args, expected=output))
        except ValueError as exc:
            raise ConfigError(f"examples[{i}] cannot be used: {exc}") from None
    return tuple(tests)


class CompiledProgram:
    """A loaded program. Calls are thread-safe: each runs with its own DSPy context and
    counters, and the sandbox serves concurrent callers."""

    def __init__(self, program: dspy.Module, lm: dspy.BaseLM, sandbox: Sandbox | None = None,
                 meta: dict[str, Any] | None = None, *, offline: bool = False) -> None:
        self.program = program
        self.lm = lm
        # the offline backend answers: it reads examples, not descriptions
        self.offline = offline or isinstance(getattr(lm, "engine", None), OfflineEngine)
        self.meta = meta or {}
        self._sandbox = sandbox
        self._generate = ModuleProgram(program, lm)

    @property
    def sandbox(self) -> Sandbox:
        return self._sandbox if self._sandbox is not None else default_sandbox()

    def __call__(self, examples: Sequence[tuple[tuple, Any]] = (), description: str | None = None,
                 name: str = "f") -> Solution:
        if not name.isidentifier():
            raise ConfigError(f"name must be a Python identifier, got {name!r}")
        tests = _tests_from(examples)
        if not tests and not description:
            raise ConfigError("give examples, a description, or both")
        if not tests and self.offline:
            warnings.warn("the offline backend synthesizes code from examples only; a call with a description "
                          "and no examples gets a placeholder function (give examples, or a real LM)",
                          UserWarning, stacklevel=2)
        view = TaskView(id="app", entry_point=name, description=description, examples=tests)
        generation = self._generate(view)
        verdicts: list[str] = []
        if tests:
            result = self.sandbox.run(generation.code, name, list(tests))
            verdicts = [v.status.value for v in result.verdicts]
        solution = Solution(code=generation.code, name=name, verdicts=verdicts,
                            passed_visible=bool(tests) and all(v == "passed" for v in verdicts),
                            lm_calls=generation.lm_calls, tokens=generation.tokens)
        solution._sandbox = self._sandbox
        return solution

    def __repr__(self) -> str:
        return f"CompiledProgram(module={self.meta.get('module')!r}, compiled_with={self.meta.get('compiled_with')})"


def load(path: str | Path, *, lm: dspy.BaseLM | str | None = None, api_base: str | None = None,
         sandbox: Sandbox | None = None) -> CompiledProgram:
    """Load a compiled program saved by ``codeloop run`` (``program.json``) or ``save_program``.

    ``lm`` is a ``dspy.LM``, a LiteLLM model string, or ``None`` (``CODELOOP_LM``, else the
    offline backend). ``sandbox`` defaults to the process-wide one.
    """
    program, meta = load_program(path, sandbox=sandbox)
    offline = False
    if not isinstance(lm, dspy.BaseLM):
        resolved = resolve_lm(lm, api_base=api_base)
        if resolved.notice:  # once per place it is called from (the warnings module's default)
            warnings.warn(resolved.notice, UserWarning, stacklevel=2)
        lm, offline = resolved.lm, resolved.offline
    return CompiledProgram(program, lm, sandbox, meta, offline=offline)
