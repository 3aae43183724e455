"""The one thing the metrics need from a sandbox: a ``run`` method."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from codeloop.execution import Limits, RunResult, Test


@runtime_checkable
class SupportsRun(Protocol):
    """Anything that runs candidate code against tests, e.g. the execution sandbox.

    Metrics take the sandbox as a parameter (never a global), so tests can pass a fake.
    """

    def run(
        self,
        code: str,
        entry: str,
        tests: Sequence[Test],
        limits: Limits | None = None,
    ) -> RunResult: ...
