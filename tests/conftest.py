"""Fixtures shared by the test files: the sandbox and a small offline LM.

- ``sandbox``: one :class:`~codeloop.execution.Sandbox` (two workers, default limits) per test
  module, as each file had its own before; a file that needs other limits keeps its own fixture
  under another name.
- ``small_lm``: a factory for the offline backend with an explicit synthesis budget,
  ``small_lm(max_programs=2000)``; DSPy's cache is off unless asked for, so every call reaches
  the synthesizer and two LMs built alike answer alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


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
