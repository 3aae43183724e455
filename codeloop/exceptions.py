"""Every error codeloop raises on purpose.

CodeloopError
 ├── SandboxError            the sandbox itself failed (not the candidate)
 │    └── SandboxUnavailable  the requested isolation cannot be had on this machine
 ├── ConfigError (ValueError) a bad setting, file or value; the message names it
 └── BudgetExhausted         an LM-call or token budget is spent (optimizers stop gracefully)

BudgetStop (BaseException): the same stop, raised inside DSPy's optimizers, past their handlers.

IsolationWarning (UserWarning): the sandbox runs with reduced isolation.

A candidate's own failure is never an exception: it is a verdict (see codeloop.execution).
"""

from __future__ import annotations


class CodeloopError(Exception):
    """Base of codeloop's errors."""


class SandboxError(CodeloopError):
    """The sandbox failed to start or died in a way that is not the candidate's verdict."""


class SandboxUnavailable(SandboxError):
    """The isolation asked for is not available here; the message says why."""


class ConfigError(CodeloopError, ValueError):
    """A bad configuration value; the message names the field, the value and what is accepted."""


class IsolationWarning(UserWarning):
    """The sandbox could not block network or filesystem writes on this machine."""


class BudgetExhausted(CodeloopError):
    """The LM budget is spent: the call that would exceed it was not made."""


class BudgetStop(BaseException):  # noqa: N818 - not an error: a stop signal, like KeyboardInterrupt
    """The LM budget is spent, signalled from inside DSPy's optimizers.

    A ``BaseException`` on purpose: DSPy's optimizers catch ``Exception`` per example
    (``Evaluate`` up to ``max_errors``, SIMBA and GEPA's adapters always), so a
    :class:`BudgetExhausted` raised there would be logged and the search would go on with
    every later call refused. Like ``KeyboardInterrupt``, this gets past those handlers;
    ``codeloop.lm.budget_stops`` turns it back into ``BudgetExhausted`` once out of DSPy.
    """
