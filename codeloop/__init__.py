"""codeloop: compile code-generation prompt programs on DSPy, scored by execution.

The front door: the names the whole pipeline needs (suite, sandbox, LM, module, optimizer,
rounds, experiments, and ``load`` for apps) are importable from ``codeloop`` itself::

    import codeloop

    suite = codeloop.load_suite("bundled")
    optimizer = codeloop.build_optimizer("joint", budget=40)

Each name lives in its own package (``codeloop.benchmarks``, ``codeloop.optimizers``, ...)
and is imported from there on first use (PEP 562), so ``import codeloop`` itself imports
neither DSPy nor pandas nor Optuna.
"""

__version__ = "0.1.0"

# What the front door exports, by the package that owns it (its public import path).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "codeloop._app": ("CompiledProgram", "Solution", "SolutionFailed", "load"),
    "codeloop.benchmarks": ("Suite", "Task", "TaskView", "load_suite"),
    "codeloop.benchmarks.rounds": ("RoundsConfig", "run_rounds", "summarize", "to_frame"),
    "codeloop.exceptions": ("CodeloopError", "ConfigError"),
    "codeloop.execution": ("Limits", "Sandbox"),
    "codeloop.experiments": ("RunConfig", "compare", "evaluate_saved", "run_experiment"),
    "codeloop.lm": ("Budget", "resolve_lm"),
    "codeloop.metrics": ("ExecutionMetric",),
    "codeloop.modules": ("as_program", "build_module"),
    "codeloop.optimizers": ("OPTIMIZER_NAMES", "CodeloopOptimizer", "build_optimizer", "load_program",
                            "save_program", "task_examples"),
}
_HOME: dict[str, str] = {name: module for module, names in _EXPORTS.items() for name in names}

# For type checkers and IDEs only (never executed: importing ``typing`` would cost more than
# the rest of this module); tests check that it names the same things as ``_EXPORTS``.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from codeloop._app import CompiledProgram, Solution, SolutionFailed, load
    from codeloop.benchmarks import Suite, Task, TaskView, load_suite
    from codeloop.benchmarks.rounds import RoundsConfig, run_rounds, summarize, to_frame
    from codeloop.exceptions import CodeloopError, ConfigError
    from codeloop.execution import Limits, Sandbox
    from codeloop.experiments import RunConfig, compare, evaluate_saved, run_experiment
    from codeloop.lm import Budget, resolve_lm
    from codeloop.metrics import ExecutionMetric
    from codeloop.modules import as_program, build_module
    from codeloop.optimizers import (
        OPTIMIZER_NAMES,
        CodeloopOptimizer,
        build_optimizer,
        load_program,
        save_program,
        task_examples,
    )
del TYPE_CHECKING


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Budget",
    "CodeloopError",
    "CodeloopOptimizer",
    "CompiledProgram",
    "ConfigError",
    "ExecutionMetric",
    "Limits",
    "OPTIMIZER_NAMES",
    "RoundsConfig",
    "RunConfig",
    "Sandbox",
    "Solution",
    "SolutionFailed",
    "Suite",
    "Task",
    "TaskView",
    "__version__",
    "as_program",
    "build_module",
    "build_optimizer",
    "compare",
    "evaluate_saved",
    "load",
    "load_program",
    "load_suite",
    "resolve_lm",
    "run_experiment",
    "run_rounds",
    "save_program",
    "summarize",
    "task_examples",
    "to_frame",
]
