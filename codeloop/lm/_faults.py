"""Seeded fault plans for the loopback OpenAI-compatible test server (:mod:`codeloop.lm._server`).

A :class:`FaultPlan` describes, per chat-completion request, what goes wrong:

* added latency: ``latency_s`` fixed plus ``jitter_s * U(0, 1)``; applied to every faulted
  request *and* to healthy ones (it is counted as the ``"latency"`` kind whenever it is > 0);
* at most one of the exclusive faults, drawn with the rates below (their sum must be <= 1):

  ``"http_500"``      -> HTTP 500 with an OpenAI-style ``server_error`` body;
  ``"http_429"``      -> HTTP 429 with ``Retry-After: <retry_after_s>`` (an integer when whole,
                         else a decimal such as ``0.05`` -- not RFC 9110, but the OpenAI SDK and
                         DSPy's lm15 client both accept it) and ``retry-after-ms``;
  ``"timeout"``       -> the server holds the request for ``timeout_hold_s`` seconds, then either
                         closes the connection without answering (``timeout_then="close"``) or
                         answers normally (``timeout_then="answer"``);
  ``"malformed"``     -> HTTP 200 with a broken reply, one of ``malformed_kinds``:
                         ``"invalid_json"`` (a truncated JSON body) or ``"empty_choices"``
                         (a well-formed completion whose ``choices`` list is empty);
  ``"empty"``         -> HTTP 200, well-formed JSON, but no answer: one of ``empty_kinds``,
                         ``"no_choices"`` (``choices: []``) or ``"no_text"`` (one choice whose
                         ``content`` is ``""``);
  ``"truncated"``     -> HTTP 200 whose ``Content-Length`` promises the whole body, but only
                         half of it is sent before the connection is closed;
  ``"slow_body"``     -> HTTP 200, headers at once, then the (complete, correct) body dribbled in
                         ``slow_body_chunks`` pieces with ``slow_body_gap_s`` between them: a
                         client whose read timeout is shorter than the gap times out.

Decisions are a pure function of ``(seed, request_index)`` (see :meth:`FaultPlan.decide`), where the
index counts valid chat-completion requests in arrival order, starting at 0.  So a run repeats
exactly whenever requests arrive in the same order, however many random draws each one took.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FaultKind = Literal["http_500", "http_429", "timeout", "malformed", "empty", "truncated", "slow_body"]
MalformedKind = Literal["invalid_json", "empty_choices"]
EmptyKind = Literal["no_choices", "no_text"]

#: Every counter key a server may report in ``errors_injected``.
FAULT_KINDS: tuple[str, ...] = ("latency", "http_500", "http_429", "timeout", "malformed", "empty", "truncated",
                                "slow_body")


@dataclass(frozen=True)
class FaultDecision:
    """What happens to one request: the extra delay and at most one exclusive fault."""

    index: int
    delay_s: float = 0.0
    kind: FaultKind | None = None
    malformed_kind: MalformedKind | None = None
    empty_kind: EmptyKind | None = None


class FaultPlan(BaseModel):
    """Seeded description of injected faults; all rates are per request, in ``[0, 1]``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 0
    latency_s: float = Field(0.0, ge=0.0, description="Fixed delay added to every request.")
    jitter_s: float = Field(0.0, ge=0.0, description="Extra uniform delay in [0, jitter_s].")
    error_rate: float = Field(0.0, ge=0.0, le=1.0, description="Rate of HTTP 500 replies.")
    rate_limit_rate: float = Field(0.0, ge=0.0, le=1.0, description="Rate of HTTP 429 replies.")
    retry_after_s: float = Field(1.0, ge=0.0, description="Delay advertised by 429 replies.")
    timeout_rate: float = Field(0.0, ge=0.0, le=1.0, description="Rate of held requests.")
    timeout_hold_s: float = Field(30.0, ge=0.0, description="How long a held request is held.")
    timeout_then: Literal["close", "answer"] = "close"
    malformed_rate: float = Field(0.0, ge=0.0, le=1.0, description="Rate of malformed 200 replies.")
    malformed_kinds: tuple[MalformedKind, ...] = Field(("invalid_json", "empty_choices"), min_length=1)
    empty_rate: float = Field(0.0, ge=0.0, le=1.0, description="Rate of well-formed replies with no answer.")
    empty_kinds: tuple[EmptyKind, ...] = Field(("no_choices", "no_text"), min_length=1)
    truncated_rate: float = Field(0.0, ge=0.0, le=1.0, description="Rate of bodies cut short, then closed.")
    slow_body_rate: float = Field(0.0, ge=0.0, le=1.0, description="Rate of bodies sent slowly, in pieces.")
    slow_body_gap_s: float = Field(0.25, ge=0.0, description="Pause between the pieces of a slow body.")
    slow_body_chunks: int = Field(4, ge=2, description="Pieces a slow body is sent in.")

    def _rates(self) -> tuple[tuple[FaultKind, float], ...]:
        # Kinds added later go last, so older plans keep their exact schedules.
        return (("http_500", self.error_rate), ("http_429", self.rate_limit_rate), ("timeout", self.timeout_rate),
                ("malformed", self.malformed_rate), ("empty", self.empty_rate),
                ("truncated", self.truncated_rate), ("slow_body", self.slow_body_rate))

    @model_validator(mode="after")
    def _rates_sum_to_at_most_one(self) -> FaultPlan:
        total = sum(rate for _, rate in self._rates())
        if total > 1.0 + 1e-9:
            raise ValueError(
                "error_rate + rate_limit_rate + timeout_rate + malformed_rate + empty_rate + truncated_rate + "
                f"slow_body_rate must be <= 1, got {total:g}"
            )
        return self

    @property
    def active(self) -> bool:
        """True if this plan can alter any request at all."""
        return bool(self.latency_s or self.jitter_s or any(rate for _, rate in self._rates()))

    def _rng(self, index: int) -> random.Random:
        digest = hashlib.sha256(f"codeloop-faults:{self.seed}:{index}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def decide(self, index: int) -> FaultDecision:
        """The (deterministic) fate of the ``index``-th chat-completion request."""
        rng = self._rng(index)
        # Always make the same three draws, so each field depends only on (seed, index).
        u_jitter, u_kind, u_malformed = rng.random(), rng.random(), rng.random()
        delay = self.latency_s + self.jitter_s * u_jitter
        kind: FaultKind | None = None
        edge = 0.0
        for name, rate in self._rates():
            edge += rate
            if rate > 0 and u_kind < edge:
                kind = name
                break
        malformed_kind = empty_kind = None
        if kind == "malformed":
            malformed_kind = self.malformed_kinds[int(u_malformed * len(self.malformed_kinds))]
        if kind == "empty":
            empty_kind = self.empty_kinds[int(u_malformed * len(self.empty_kinds))]
        return FaultDecision(index=index, delay_s=delay, kind=kind, malformed_kind=malformed_kind,
                             empty_kind=empty_kind)

    def schedule(self, count: int, start: int = 0) -> list[FaultDecision]:
        """Decisions for requests ``start .. start + count - 1`` (handy in tests)."""
        return [self.decide(i) for i in range(start, start + count)]
