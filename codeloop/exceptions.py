"""Every error codeloop raises on purpose.

CodeloopError
 ├── SandboxError            the sandbox itself failed (not the candidate)
 │    └── SandboxUnavailable  the requested isolation cannot be had on this machine
 ├── ConfigError (ValueError) a bad setting, file or value; the message names it
 ├── BudgetExhausted         an LM-call or token budget is spent (optimizers stop gracefully)
 ├── LMUnavailable           an LM call failed on every attempt its retries allowed
 └── Cancelled               work stopped because the run it belongs to is stopping

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


class LMUnavailable(CodeloopError):
    """An LM call failed on every attempt (HTTP 5xx or 429, timeouts, lost connections, replies
    that are malformed or empty); the message says what failed and how often.

    ``attempts`` were made for the call, ``faults`` counts them by kind (``"http_5xx"``,
    ``"http_429"``, ``"timeout"``, ``"connection"``, ``"malformed"``, ``"empty"``) and
    ``last`` is the last one's message. Whoever stops because of it may add what was kept
    (``failed_calls``, ``tasks_done`` of ``tasks_total`` checkpointed in ``where``, or just
    ``where``) for the one line a user sees, :meth:`summary`.

    DSPy wraps errors raised inside its LM call (an ``LMUnexpectedError`` raised from this
    one): :meth:`within` finds it again in an exception's causes.
    """

    def __init__(self, message: str, *, attempts: int = 0, faults: dict[str, int] | None = None,
                 last: str = "") -> None:
        super().__init__(message)
        self.attempts, self.faults, self.last = attempts, dict(faults or {}), last
        self.failed_calls = 1
        self.tasks_done: int | None = None
        self.tasks_total: int | None = None
        self.where: str | None = None

    @classmethod
    def within(cls, exc: BaseException | None) -> LMUnavailable | None:
        """``exc`` itself, or the first of its causes (or contexts), that is an ``LMUnavailable``."""
        seen: set[int] = set()
        while exc is not None and id(exc) not in seen:
            if isinstance(exc, cls):
                return exc
            seen.add(id(exc))
            exc = exc.__cause__ or exc.__context__
        return None

    def summary(self) -> str:
        """One line: what failed and how often, what was kept, and how to resume."""
        parts = [str(self)]
        if self.failed_calls > 1:
            parts.append(f"{self.failed_calls} LM calls failed this way in this run")
        if self.tasks_done is not None and self.tasks_total is not None:
            kept = f"{self.tasks_done} of {self.tasks_total} test tasks are checkpointed"
            parts.append(f"{kept} in {self.where}" if self.where else kept)
        elif self.where:
            parts.append(self.where)
        parts.append("run the same command again to resume")
        return "; ".join(parts)


class Cancelled(CodeloopError):
    """Work was stopped before it finished because the run it belongs to is stopping
    (see ``codeloop._cancel``); nothing it would have produced is recorded."""
