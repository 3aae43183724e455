"""What a module declares about itself: how many LM calls one call can cost, and which kind of
task it takes.

Budgets and dry-run estimates need an upper bound per example; asking the module (rather than
testing its type) lets any module, ours or a user's, take part. A module declares it with a
``max_lm_calls()`` method; a DSPy module without one is taken to call each predictor once.
The bound assumes every reply parses: when DSPy's ChatAdapter cannot parse a reply it retries
once with its JSON adapter, which adds a call.

A module's ``kind`` is ``"function"`` (it writes a function from examples or a description) or
``"puzzle"`` (it writes a puzzle's ``sol``); a module without the attribute writes functions.
"""

from __future__ import annotations

import dspy


def max_lm_calls(module: dspy.Module) -> int:
    """At most how many LM calls one call of ``module`` makes (its own declaration, or one per predictor)."""
    declared = getattr(module, "max_lm_calls", None)
    if callable(declared):
        return int(declared())
    return max(1, len(module.predictors()))


def module_kind(module: object) -> str:
    """``"puzzle"`` or ``"function"``: the kind of task ``module`` takes (its ``kind``, else function)."""
    kind = getattr(module, "kind", "function")
    return kind if kind in ("function", "puzzle") else "function"
