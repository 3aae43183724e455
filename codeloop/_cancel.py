"""Cooperative cancellation across worker threads.

A pool of work (the rounds runner's tasks) runs each item inside a :class:`CancelScope`; code
deep inside an item that may wait a long time (the LM retry loop, between attempts) waits with
:func:`wait` and checks with :func:`check`, so when the scope is cancelled it stops at once with
:class:`~codeloop.exceptions.Cancelled` instead of finishing work nobody will record.

The scope travels in a context variable, set by :meth:`CancelScope.run` in the thread doing the
work, so it reaches through DSPy (which calls the LM in the same thread) without any argument.
Outside a scope, :func:`wait` is a plain sleep and :func:`check` does nothing.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TypeVar

from .exceptions import Cancelled

T = TypeVar("T")
R = TypeVar("R")

_current: contextvars.ContextVar[CancelScope | None] = contextvars.ContextVar("codeloop_cancel_scope", default=None)


class CancelScope:
    """A cancellable scope shared by the items of one pool of work."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, reason: str = "") -> None:
        """Stop every item running in this scope at its next :func:`check` or :func:`wait`."""
        self.reason = self.reason or reason
        self._event.set()

    def run(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` with this scope current (in the calling thread)."""
        token = _current.set(self)
        try:
            return fn(*args)
        finally:
            _current.reset(token)

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled(f"stopped: {self.reason}" if self.reason else "stopped: the run is stopping")


def current() -> CancelScope | None:
    """The scope of the work running in this thread, if any."""
    return _current.get()


def check() -> None:
    """Raise :class:`~codeloop.exceptions.Cancelled` if the current scope is cancelled."""
    scope = _current.get()
    if scope is not None:
        scope.raise_if_cancelled()


def wait(seconds: float) -> None:
    """Sleep ``seconds``, or less if the current scope is cancelled meanwhile (then raise)."""
    scope = _current.get()
    if scope is None:
        time.sleep(max(0.0, seconds))
        return
    scope.raise_if_cancelled()
    scope._event.wait(max(0.0, seconds))
    scope.raise_if_cancelled()


def map_cancelling(fn: Callable[[T], R], items: Iterable[T], workers: int) -> list[R]:
    """``[fn(x) for x in items]`` on ``workers`` threads, each item inside one scope.

    The first error cancels the scope (items not started never start, running ones stop at
    their next :func:`check` or :func:`wait`) and is raised as soon as they have stopped, so
    one failure does not wait for the rest of the work to be done in vain.
    """
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    scope = CancelScope()
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(scope.run, fn, x) for x in items]
        for future in as_completed(futures):
            error = future.exception()
            if error is not None:
                raise error
        return [future.result() for future in futures]
    except BaseException as exc:
        scope.cancel(f"another item failed: {str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}")
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
