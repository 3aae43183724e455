"""Retries for LM calls, as a DSPy engine: every attempt's reply is checked before DSPy sees it.

What DSPy 3.4 does by itself (``dspy/clients/execution.py``): ``dspy.LM(num_retries=3)`` retries
the errors ``is_retryable_lm_error`` names (rate limits, timeouts, 5xx, transport errors),
sleeping the reply's ``retry_after`` or else 1, 2, 4 ... s, with no jitter and no way to
replace the clock. Its engines make one attempt each (LiteLLM is called with
``num_retries=0``; lm15's transport only re-sends on a stale keep-alive connection). A reply
that is not JSON is an ``LMProviderError`` (not retried), and a well-formed reply with no text
(``choices: []``) is a success: DSPy stores it in its cache, and every later run replays it.

So the retries live below DSPy's cache, in an engine: DSPy stores what ``complete`` returns,
and :class:`RetryingEngine` returns only a reply with text, having retried every fault
(HTTP 5xx and 429, timeouts, lost connections, malformed and empty replies) with exponential
backoff and seeded jitter, honouring ``Retry-After``. When the retries are spent it raises
:class:`~codeloop.exceptions.LMUnavailable`; nothing is cached. The attempts themselves go
through a plain ``dspy.LM`` (:class:`LMWire`), so DSPy still chooses the client (its own lm15
one, or LiteLLM) for any model string, and the timeout is DSPy's own ``timeout`` setting.

Waits go through ``sleep`` (default: :func:`codeloop._cancel.wait`, which returns at once
when the run is stopping), so tests replace the clock and a stopping run does not wait out a
backoff.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import dspy
from dspy.lm15 import Request, Response, response_to_events
from dspy.utils.exceptions import (
    LMLockTimeoutError,
    LMProviderError,
    LMRateLimitError,
    LMServerError,
    LMTimeoutError,
    LMTransportError,
)
from pydantic import BaseModel, ConfigDict, Field

from .. import _cancel
from ..exceptions import LMUnavailable

logger = logging.getLogger(__name__)

#: The kinds of fault counted, in the order they are reported.
RETRIED_KINDS = ("http_5xx", "http_429", "timeout", "connection", "malformed", "empty")


class RetryPolicy(BaseModel):
    """How an LM call is retried. ``retries`` more attempts after the first, each waiting
    ``backoff_s * 2**n`` (at most ``max_backoff_s``) scaled by a seeded jitter in [0.5, 1), or
    the reply's ``Retry-After`` (at most ``max_retry_after_s``) when it gives one. ``timeout``
    is the longest wait for the next byte of a reply (DSPy's ``timeout`` setting; a model that
    answers without streaming sends nothing until it is done, so allow for the longest answer).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    retries: int = Field(6, ge=0, le=100)
    timeout: float | None = Field(120.0, gt=0)
    backoff_s: float = Field(0.5, ge=0)
    max_backoff_s: float = Field(20.0, ge=0)
    max_retry_after_s: float = Field(60.0, ge=0)
    seed: int = 0

    def delay(self, attempt: int, *, retry_after: float | None = None, key: str = "") -> float:
        """Seconds to wait after failed attempt ``attempt`` (0 is the first) of the call ``key``.

        A pure function of its arguments and the policy, so a test sees the same waits every time.
        """
        if retry_after is not None and retry_after >= 0:
            return min(float(retry_after), self.max_retry_after_s)
        ceiling = min(self.max_backoff_s, self.backoff_s * 2 ** min(attempt, 30))
        digest = hashlib.sha256(f"{self.seed}:{key}:{attempt}".encode()).digest()
        return ceiling * (0.5 + 0.5 * int.from_bytes(digest[:8], "big") / 2 ** 64)


class EmptyReply(Exception):
    """A well-formed reply with no answer in it (no choices, or no text and no tool call)."""


def _caused_by_timeout(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, TimeoutError) or type(exc).__name__.endswith("Timeout"):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def fault_kind(exc: BaseException) -> str | None:
    """The kind of fault ``exc`` is (one of :data:`RETRIED_KINDS`), or ``None`` if it is not
    one to retry (a bad key, a bad request, a refused feature, a bug)."""
    if isinstance(exc, EmptyReply):
        return "empty"
    if isinstance(exc, LMRateLimitError):
        return "http_429"
    if isinstance(exc, LMTimeoutError):
        return "timeout"
    if isinstance(exc, LMServerError):
        return "http_5xx"
    if isinstance(exc, LMTransportError):
        return "timeout" if _caused_by_timeout(exc) else "connection"
    if isinstance(exc, LMLockTimeoutError):
        return "connection"
    if type(exc) is LMProviderError and (exc.status is None or 200 <= exc.status < 300):
        return "malformed"  # a reply that is not JSON, or JSON no Response can be made of
    return None


def _retry_after(exc: BaseException) -> float | None:
    """The reply's ``Retry-After`` (DSPy reads it, and lm15 ``retry-after-ms`` too)."""
    value = getattr(exc, "retry_after", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    cause = exc.__cause__
    headers = getattr(getattr(cause, "response", None), "headers", None) or {}
    try:
        milliseconds = headers.get("retry-after-ms")
        return float(milliseconds) / 1000 if milliseconds is not None else None
    except (AttributeError, TypeError, ValueError):
        return None


def require_answer(response: Response) -> Response:
    """``response``, if it holds text or a tool call; else :class:`EmptyReply`."""
    if response.text or response.tool_calls:
        return response
    raise EmptyReply(f"the reply holds no text (finish_reason {response.finish_reason!r})")


def _first_line(exc: BaseException, limit: int = 240) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RetryingEngine:
    """A DSPy engine that makes each request to ``inner`` until a reply with an answer comes
    back, or raises :class:`~codeloop.exceptions.LMUnavailable` once ``policy.retries`` are spent.

    ``target`` names the LM in messages; ``sleep(seconds)`` waits between attempts.
    ``stats()`` counts calls, attempts, retries, calls given up and faults by kind.
    """

    def __init__(self, inner: Any, policy: RetryPolicy | None = None, *, target: str = "the LM",
                 sleep: Callable[[float], None] | None = None) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self.target = target
        self._sleep = sleep if sleep is not None else _cancel.wait
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            counts = {name: self._counts[name] for name in ("calls", "attempts", "retries", "given_up")}
            return {**counts, "faults": {kind: self._faults[kind] for kind in RETRIED_KINDS}}

    def _count(self, name: str, fault: str | None = None) -> None:
        with self._lock:
            self._counts[name] += 1
            if fault is not None:
                self._faults[fault] += 1

    def complete(self, request: Request) -> Response:
        call = _Call(self, request)
        while True:
            call.begin_attempt()
            try:
                return require_answer(self.inner.complete(request))
            except Exception as exc:
                self._sleep(call.failed(exc))

    def _give_up(self, faults: Counter[str], last: BaseException) -> LMUnavailable:
        self._count("given_up")
        attempts = sum(faults.values())
        kinds = ", ".join(f"{faults[k]} {k}" for k in RETRIED_KINDS if faults[k])
        error = LMUnavailable(f"{self.target} failed on all {attempts} attempts of one call ({kinds}); "
                              f"last: {_first_line(last)}", attempts=attempts, faults=dict(faults),
                              last=_first_line(last))
        error.__cause__ = last
        return error

    def stream(self, request: Request) -> Any:
        return response_to_events(self.complete(request))

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    def __deepcopy__(self, memo: dict) -> RetryingEngine:  # shared, like the connection it wraps
        return self


class _Call:
    """The attempts of one call: counts them, and after a failed one says how long to wait
    (or raises: a fault that is not retried, or ``LMUnavailable`` when the retries are spent)."""

    def __init__(self, engine: RetryingEngine, request: Request) -> None:
        self.engine, self.attempt = engine, -1
        self.key = hashlib.sha256(repr((request.system, request.messages, request.config)).encode()).hexdigest()[:16]
        self.faults: Counter[str] = Counter()
        engine._count("calls")

    def begin_attempt(self) -> None:
        _cancel.check()
        self.attempt += 1
        self.engine._count("attempts")

    def failed(self, exc: Exception) -> float:
        kind = fault_kind(exc)
        if kind is None:
            raise exc
        self.faults[kind] += 1
        self.engine._count("faults", kind)
        policy = self.engine.policy
        if self.attempt >= policy.retries:
            raise self.engine._give_up(self.faults, exc)
        delay = policy.delay(self.attempt, retry_after=_retry_after(exc), key=self.key)
        logger.debug("LM call failed (%s: %s); attempt %d of %d in %.2f s", kind, _first_line(exc, 120),
                     self.attempt + 2, policy.retries + 1, delay)
        self.engine._count("retries")
        return delay


class AsyncRetryingEngine:
    """The async counterpart of ``sync`` (``dspy.LM(async_engine=...)``): the same policy,
    counters and checks; waits with ``asyncio.sleep``."""

    def __init__(self, sync: RetryingEngine) -> None:
        self.sync = sync

    async def complete(self, request: Request) -> Response:
        call = _Call(self.sync, request)
        while True:
            call.begin_attempt()
            try:
                return require_answer(await self.sync.inner.acomplete(request))
            except Exception as exc:
                await asyncio.sleep(call.failed(exc))

    async def stream(self, request: Request) -> Any:
        for event in response_to_events(await self.complete(request)):
            yield event

    async def aclose(self) -> None:
        pass

    def __deepcopy__(self, memo: dict) -> AsyncRetryingEngine:
        return self


class LMWire:
    """One attempt, through a plain ``dspy.LM`` built with ``cache=False, num_retries=0``: DSPy
    picks the client and sends the request. Its callbacks, usage tracking and history are off,
    so the LM that wraps this engine does each of them once per call."""

    def __init__(self, lm: dspy.LM) -> None:
        self.lm = lm

    def complete(self, request: Request) -> Response:
        with dspy.context(callbacks=[], usage_tracker=None, disable_history=True):
            return self.lm(request)

    async def acomplete(self, request: Request) -> Response:
        with dspy.context(callbacks=[], usage_tracker=None, disable_history=True):
            return await self.lm.acall(request)

    def close(self) -> None:
        self.lm.close()


def retrying_lm(model: str, *, policy: RetryPolicy | None = None, cache: bool = True,
                sleep: Callable[[float], None] | None = None, target: str | None = None,
                generation: dict[str, Any] | None = None, **client: Any) -> dspy.LM:
    """``dspy.LM(model, **client)`` whose every call is retried by :class:`RetryingEngine`.

    ``client`` holds the connection settings (``api_base``, ``api_key``, ...); ``policy.timeout``
    becomes the client's ``timeout``. The returned LM caches (when ``cache``) only replies with
    an answer, under the same key a plain ``dspy.LM(model, **generation)`` would use.
    ``generation`` (temperature, max_tokens) goes with every request.
    """
    policy = policy or RetryPolicy()
    if policy.timeout is not None:
        client.setdefault("timeout", policy.timeout)
    wire = dspy.LM(model, cache=False, num_retries=0, **client)
    where = client.get("api_base")
    engine = RetryingEngine(LMWire(wire), policy, target=target or (f"{model} at {where}" if where else model),
                            sleep=sleep)
    return dspy.LM(model, engine=engine, async_engine=AsyncRetryingEngine(engine), cache=cache, num_retries=0,
                   **(generation or {}))


def retry_stats(lm: Any) -> dict[str, Any] | None:
    """The :meth:`RetryingEngine.stats` of ``lm`` (a metered LM's inner one too), or ``None``."""
    engine = getattr(lm, "engine", None)
    return engine.stats() if isinstance(engine, RetryingEngine) else None
