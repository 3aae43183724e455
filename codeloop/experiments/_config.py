"""The settings of one ``codeloop run``: every field has an embedded default, and a bad value is
refused with its name and what is accepted."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..exceptions import ConfigError

#: Fields that may change between a run and its resumption without invalidating its work.
RESUMABLE_CHANGES = ("out", "workers", "lm", "api_base", "repair", "lm_retries", "lm_timeout", "max_lm_errors",
                     "isolation")


class RunConfig(BaseModel):
    """One experiment: a suite, an LM, a module, an optimizer with an LM-call budget, and the
    rounds protocol on the test split."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    suite: str = Field("bundled", description="a suite spec (bundled, mbpp:PATH, jsonl:PATH, ...)")
    lm: str | None = Field(None, description="LiteLLM model string; None: CODELOOP_LM, else the offline backend")
    api_base: str | None = None
    module: str = "check-refine"
    optimizer: str = "joint"
    budget: int = Field(150, ge=1, description="LM calls the optimizer may make (evaluation is not capped)")
    rounds: int = Field(3, ge=1, le=50)
    k: int = Field(3, ge=0, le=20, description="examples given in round 1")
    mode: Literal["examples", "description", "both"] = Field(
        "examples", description="what the program is given: examples only, the description only, or both")
    limit: int | None = Field(None, ge=1, description="at most this many tasks per split (a seeded, stratified sample)")
    skip_bad: bool = Field(False, description="skip malformed suite rows (and report them) instead of stopping")
    repair: bool = Field(False, description="move damaged files of the run directory aside instead of refusing")
    seed: int = 0
    workers: int = Field(2, ge=1, le=64)
    isolation: Literal["auto", "namespaces", "strict", "none"] = Field(
        "auto", description="the sandbox's isolation: auto (every protection available, warns naming what is "
                            "missing), namespaces or strict (refuse to run without them), none")
    out: Path = Path("codeloop-runs/default")
    parse: Literal["lenient", "chat", "json", "json-lenient"] | None = Field(
        None, description="how LM replies become code: the chat format, then the raw reply, then a JSON retry "
                          "(lenient); DSPy's chat format then JSON retry (chat); JSON only (json); JSON, then the "
                          "raw reply (json-lenient). None: json-lenient for an LM, lenient for the offline backend "
                          "(measured; see the README)")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="sampling temperature of every LM call")
    max_tokens: int = Field(1024, ge=1, le=131_072, description="the cap on tokens an LM call may write")
    lm_retries: int = Field(6, ge=0, le=100, description="retries of a failed LM call (over the network)")
    lm_timeout: float = Field(120.0, gt=0, description="seconds an LM call may wait for the next byte of its reply")
    max_lm_errors: int = Field(0, ge=0, description="test task rounds whose LM call failed on every retry that the "
                                                    "evaluation goes on past (recorded as lm_error, left out of the "
                                                    "score, run again on resume)")

    @field_validator("module")
    @classmethod
    def _known_module(cls, value: str) -> str:
        from ..modules import MODULES

        if value not in MODULES:
            raise ValueError(f"unknown module {value!r}; accepted: {', '.join(sorted(MODULES))}")
        return value

    @field_validator("optimizer")
    @classmethod
    def _known_optimizer(cls, value: str) -> str:
        from ..optimizers import OPTIMIZER_NAMES

        if value not in OPTIMIZER_NAMES:
            raise ValueError(f"unknown optimizer {value!r}; accepted: {', '.join(OPTIMIZER_NAMES)}")
        return value

    @model_validator(mode="after")
    def _examples_to_show(self) -> RunConfig:
        if self.k == 0 and self.mode != "description":
            raise ValueError(f"k=0 shows no examples, which only --mode description runs on (mode is {self.mode!r}); "
                             "give --k 1 or more, or --mode description")
        return self

    @property
    def shown(self) -> int:
        """Examples a task shows in round 1 (none in description mode)."""
        return 0 if self.mode == "description" else self.k

    @classmethod
    def build(cls, **values: object) -> RunConfig:
        """Like the constructor, but a bad value raises ``ConfigError`` naming field, value and rule."""
        try:
            return cls(**{k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                message = error["msg"].removeprefix("Value error, ")
                if not error["loc"]:  # a rule across fields: its message names them
                    problems.append(message)
                    continue
                field = ".".join(str(p) for p in error["loc"])
                problems.append(f"--{field.replace('_', '-')}={error.get('input')!r}: {message}")
            raise ConfigError("bad run configuration: " + "; ".join(problems)) from None

    def differences(self, other: RunConfig) -> list[str]:
        """Fields (other than those a resumption may change) where ``other`` differs."""
        mine, theirs = self.model_dump(mode="json"), other.model_dump(mode="json")
        return [f for f in mine if f not in RESUMABLE_CHANGES and mine[f] != theirs[f]]


def environment() -> dict[str, str]:
    """Versions that shape results: Python, the platform and the packages a run uses."""
    versions = {"python": sys.version.split()[0], "platform": platform.platform()}
    for package in ("codeloop", "dspy", "optuna", "numpy", "pandas", "pydantic", "rank-bm25"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def check_against_suite(config: RunConfig, suite: Any) -> None:
    """Refuse a k that leaves nothing to reveal, or a split with nothing to evaluate or score on;
    for puzzles (which show no examples, so k does not apply), a module or optimizer without a
    puzzle form, or a suite mixing puzzles and function tasks."""
    from ..benchmarks import suite_kind
    from ..modules import PUZZLE_MODULES

    counts = suite.counts()
    if counts["test"] == 0:
        raise ConfigError(f"suite {config.suite!r} has no test tasks to evaluate ({suite.summary_line()})")
    if config.optimizer != "none" and (counts["train"] == 0 or counts["dev"] == 0):
        raise ConfigError(f"--optimizer {config.optimizer} needs train and dev tasks, but suite {config.suite!r} has "
                          f"{suite.summary_line()}; use --optimizer none or a suite with all three splits")
    if suite_kind(suite.tasks, f"suite {config.suite!r}") == "puzzle":
        if config.module not in PUZZLE_MODULES:
            raise ConfigError(f"--module {config.module} has no puzzle form, and suite {config.suite!r} holds "
                              f"puzzles; use one of {', '.join(sorted(PUZZLE_MODULES))}")
        return
    min_tests = min(len(task.all_tests) for task in suite.tasks)
    if config.shown >= min_tests:
        raise ConfigError(f"--k={config.k} is too large for suite {config.suite!r}: its smallest task has "
                          f"{min_tests} tests, so k must be between 0 and {min_tests - 1}")
