"""A compiled program as a plain callable for apps: examples in, code and verdicts out.

The app needs to know nothing about how the program was compiled (which module, which
optimizer, per-input retrieval or not): ``codeloop.load("program.json")`` rebuilds it.
Generated code runs only in the sandbox, never in the app's process.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dspy
from pydantic import BaseModel

from .benchmarks import TaskView
from .exceptions import ConfigError
from .execution import IOTest, Sandbox, default_sandbox
from .lm import resolve_lm
from .modules import ModuleProgram
from .optimizers import load_program


class Solution(BaseModel):
    """What the program wrote, and how that code did on the examples it was given."""

    code: str
    verdicts: list[str]  # per example: passed, failed, error, timeout or crashed
    passed: bool  # every given example reproduced
    lm_calls: int
    tokens: int


def _tests_from(examples: Sequence[Any]) -> tuple[IOTest, ...]:
    tests = []
    for i, example in enumerate(examples):
        if not isinstance(example, (tuple, list)) or len(example) != 2:
            raise ConfigError(f"examples[{i}] must be an (args, output) pair, got {example!r}")
        args, output = example
        if not isinstance(args, (tuple, list)):
            raise ConfigError(f"examples[{i}]: args must be a tuple of arguments, got {args!r} "
                              f"(for one argument x write ({args!r},))")
        try:
            tests.append(IOTest(args=tuple(args), expected=output))
        except ValueError as exc:
            raise ConfigError(f"examples[{i}] cannot be used: {exc}") from None
    return tuple(tests)


class CompiledProgram:
    """A loaded program. Calls are thread-safe: each runs with its own DSPy context and
    counters, and the sandbox serves concurrent callers."""

    def __init__(self, program: dspy.Module, lm: dspy.BaseLM, sandbox: Sandbox | None = None,
                 meta: dict[str, Any] | None = None) -> None:
        self.program = program
        self.lm = lm
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
        view = TaskView(id="app", entry_point=name, description=description, examples=tests)
        generation = self._generate(view)
        verdicts: list[str] = []
        if tests:
            result = self.sandbox.run(generation.code, name, list(tests))
            verdicts = [v.status.value for v in result.verdicts]
        return Solution(code=generation.code, verdicts=verdicts, passed=bool(tests) and all(
            v == "passed" for v in verdicts), lm_calls=generation.lm_calls, tokens=generation.tokens)

    def __repr__(self) -> str:
        return f"CompiledProgram(module={self.meta.get('module')!r}, compiled_with={self.meta.get('compiled_with')})"


def load(path: str | Path, *, lm: dspy.BaseLM | str | None = None, api_base: str | None = None,
         sandbox: Sandbox | None = None) -> CompiledProgram:
    """Load a compiled program saved by ``codeloop run`` (``program.json``) or ``save_program``.

    ``lm`` is a ``dspy.LM``, a LiteLLM model string, or ``None`` (``CODELOOP_LM``, else the
    offline backend). ``sandbox`` defaults to the process-wide one.
    """
    program, meta = load_program(path, sandbox=sandbox)
    if not isinstance(lm, dspy.BaseLM):
        lm = resolve_lm(lm, api_base=api_base).lm
    return CompiledProgram(program, lm, sandbox, meta)
