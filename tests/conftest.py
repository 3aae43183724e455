"""Fixtures shared by the test files: the sandbox, a small offline LM, and the shared data files.

- ``sandbox``: one :class:`~codeloop.execution.Sandbox` (two workers, default limits) per test
  module, as each file had its own before; a file that needs other limits keeps its own fixture
  under another name.
- ``small_lm``: a factory for the offline backend with an explicit synthesis budget,
  ``small_lm(max_programs=2000)``; DSPy's cache is off unless asked for, so every call reaches
  the synthesizer and two LMs built alike answer alike.
- ``shared_data``: ``shared_data("mbpp", "mbpp.jsonl")`` is the path of a file in the shared data
  directory (``$CODELOOP_SHARED_DATA``, by default ``<repo>/../shared/data``); a test asking for
  a file that is not there is skipped, naming the path and the variable.

Converted suites are cached in a fresh directory per test session (``CODELOOP_CACHE_DIR``), so a
test never reads what another session, or the user's own runs, left in ``~/.cache/codeloop``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
os.environ["CODELOOP_CACHE_DIR"] = tempfile.mkdtemp(prefix="codeloop-test-cache-")
SHARED_DATA_VARIABLE = "CODELOOP_SHARED_DATA"


def shared_data_dir() -> Path:
    """``$CODELOOP_SHARED_DATA`` if set, else ``shared/data`` beside the repository."""
    configured = os.environ.get(SHARED_DATA_VARIABLE, "").strip()
    return Path(configured).expanduser() if configured else REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Callable[..., Path]:
    """``shared_data(*parts)``: the shared data file at ``parts``, or a skip saying where it was looked for."""

    def find(*parts: str) -> Path:
        path = shared_data_dir().joinpath(*parts)
        if not path.is_file():
            pytest.skip(f"shared data file {path} not found; set {SHARED_DATA_VARIABLE} to the directory "
                        "holding mbpp/ and p3/ (default: <repo>/../shared/data)")
        return path

    return find


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    from codeloop.execution import Sandbox

    with Sandbox(workers=2) as box:
        yield box


def make_small_lm(max_programs: int, *, max_seconds: float | None = None, cache: bool = False,
                  **lm_kwargs: Any) -> Any:
    """The offline backend searching at most ``max_programs`` programs per request, as a ``dspy.LM``.

    ``max_seconds`` (the synthesizer's safety net) keeps its default unless given; ``lm_kwargs``
    go to ``dspy.LM`` (``temperature``, ``callbacks``, ...).
    """
    from codeloop.lm import SynthesisResponder, offline_lm
    from codeloop.lm.synth import SearchBudget

    limits = {"max_programs": max_programs} if max_seconds is None else \
        {"max_programs": max_programs, "max_seconds": max_seconds}
    return offline_lm(SynthesisResponder(budget=SearchBudget(**limits)), cache=cache, **lm_kwargs)


@pytest.fixture(scope="session")
def small_lm() -> Callable[..., Any]:
    """``small_lm(max_programs, ...)``: a fresh offline LM per call (see :func:`make_small_lm`)."""
    return make_small_lm
