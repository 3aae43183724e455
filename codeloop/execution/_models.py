"""Records that cross the sandbox boundary: what a test asks, what limits apply, what was decided.

These are pydantic models because they are the boundary between user data (task files,
configs) and the sandbox; they are frozen so a cached result can be shared safely.
"""

from __future__ import annotations

import enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Status(str, enum.Enum):
    """The verdict of one test. Only ``PASSED`` counts as a pass."""

    PASSED = "passed"
    FAILED = "failed"  # ran, but the output was wrong (or could not cross the boundary)
    ERROR = "error"  # raised an exception
    TIMEOUT = "timeout"  # exceeded the per-test or per-candidate time limit
    CRASHED = "crashed"  # died: signal, memory limit, exited without a result


class IOTest(BaseModel):
    """Call the entry point with ``args``/``kwargs`` and compare the result with ``expected``.

    ``expected`` never enters the child process: the parent compares after decoding.
    ``atol``/``rtol`` switch float comparison from ``==`` to ``math.isclose``. ``compare``
    keeps converted assertions faithful: ``"truthy"`` (``assert f(x)``), ``"falsy"``
    (``assert not f(x)``) and ``"is"`` (``assert f(x) is None``) judge the decoded output
    the way the assertion would have.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    kind: Literal["io"] = "io"
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = Field(default_factory=dict)
    expected: Any = None
    atol: float | None = None
    rtol: float | None = None
    compare: Literal["==", "truthy", "falsy", "is"] = "=="

    @field_validator("args", mode="before")
    @classmethod
    def _args_to_tuple(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value


class AssertTest(BaseModel):
    """Assertion code that could not be turned into an I/O pair.

    Where its form allows (asserts over calls of the entry point with arguments the test
    spells out, in comparisons, membership, boolean logic, arithmetic and a set of builtins;
    at module level or in a ``check(candidate)`` function), it is judged in the parent: the
    child only makes the calls (applying the runner's own ``sorted``, ``list`` ... where the
    assertion wraps a call in them) and the parent evaluates each ``assert`` on the decoded
    results. Otherwise the code runs in the child under the same limits and its verdict is
    decided there (less trusted): the result records ``decided_in="child"``. That code sees the
    candidate's globals (but the runner's builtins, never a candidate's name for one) and the
    entry point as ``candidate``; if it defines ``check(candidate)`` (HumanEval form), that is
    called; the runner's frame counts only with the nonce given after the code loaded.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["assert"] = "assert"
    code: str


class SatTest(BaseModel):
    """A puzzle test (P3): the candidate's answer ``entry(*args)`` must satisfy ``sat``.

    The answer crosses the boundary as data; ``sat(answer)`` then runs in a second, fresh
    child that never sees candidate code, and the parent passes the test only if that
    returns exactly ``True``.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    kind: Literal["sat"] = "sat"
    sat: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = Field(default_factory=dict)

    @field_validator("args", mode="before")
    @classmethod
    def _args_to_tuple(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value


Test = IOTest | AssertTest | SatTest


class Limits(BaseModel):
    """Resource limits for one candidate. Defaults suit MBPP/HumanEval-sized functions."""

    model_config = ConfigDict(frozen=True)

    timeout_s: float = Field(2.0, gt=0, description="wall-clock limit per test (and for module load)")
    candidate_timeout_s: float = Field(10.0, gt=0, description="wall-clock limit for all tests together")
    memory_mb: int = Field(1024, ge=64, description="memory of all the candidate's processes together (a "
                                                     "cgroup; page cache, tmpfs and memfds included), and the "
                                                     "address-space limit of each")
    max_output_bytes: int = Field(256_000, ge=1024, description="largest encoded return value")
    output_tail_bytes: int = Field(2048, ge=0, description="stdout/stderr kept per test (the tail)")
    file_size_mb: int = Field(16, ge=1, description="largest file the candidate may write")
    open_files: int = Field(64, ge=16, description="file descriptors per process")
    processes: int = Field(32, ge=1, description="processes and threads of one candidate together (a pids "
                                                  "cgroup; RLIMIT_NPROC too, which root is exempt from)")


class Verdict(BaseModel):
    """One test's outcome, decided by the trusted parent (unless ``decided_in == "child"``)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    status: Status
    output: Any = None  # the decoded return value (plain built-in types), if it crossed
    has_output: bool = False  # whether ``output`` is a real return value (it may be None)
    output_repr: str | None = None  # bounded repr of the output, for reports
    reason: str = ""  # why it is not passed, in words
    error_type: str | None = None
    error_message: str | None = None
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    decided_in: Literal["parent", "child"] = "parent"

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED


class RunResult(BaseModel):
    """All verdicts of one candidate, in test order."""

    model_config = ConfigDict(frozen=True)

    verdicts: tuple[Verdict, ...]
    duration_s: float = 0.0
    cached: bool = False
    isolation: str = "unknown"

    @property
    def passed(self) -> bool:
        """All tests passed (and there was at least one)."""
        return bool(self.verdicts) and all(v.passed for v in self.verdicts)

    @property
    def n_passed(self) -> int:
        return sum(v.passed for v in self.verdicts)

    @property
    def n_decided_in_child(self) -> int:
        """Verdicts of assertion code the child ran and judged (less trusted)."""
        return sum(v.decided_in == "child" for v in self.verdicts)

    @property
    def pass_ratio(self) -> float:
        return self.n_passed / len(self.verdicts) if self.verdicts else 0.0

    def first_failure(self) -> tuple[int, Verdict] | None:
        for i, verdict in enumerate(self.verdicts):
            if not verdict.passed:
                return i, verdict
        return None
