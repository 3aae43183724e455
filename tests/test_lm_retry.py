"""LM calls are retried below DSPy's cache: every fault kind the server injects is retried with
seeded backoff (Retry-After honoured), a fault never becomes a cached answer, and when the
retries are spent the call raises LMUnavailable, named, with its counts."""

from __future__ import annotations

import os
import time

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import dspy  # noqa: E402
from dspy.clients.cache import Cache  # noqa: E402
from dspy.lm15 import Message, Response, TextPart, Usage  # noqa: E402
from dspy.utils.exceptions import LMAuthError, LMProviderError, LMServerError  # noqa: E402

from codeloop import _cancel  # noqa: E402
from codeloop.exceptions import Cancelled, LMUnavailable  # noqa: E402
from codeloop.lm import CallCounter, FaultPlan, RetryingEngine, RetryPolicy, resolve_lm, retry_stats, serve  # noqa: E402
from codeloop.lm._server import echo_responder  # noqa: E402

MESSAGES = [{"role": "user", "content": "say hi"}]


class Sleeps(list):
    """A clock for tests: records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """DSPy's cache in a directory of this test's own (memory and disk)."""
    monkeypatch.setattr(dspy, "cache", Cache(True, True, str(tmp_path / "dspy-cache")))
    return tmp_path / "dspy-cache"


def http_lm(handle, *, retries: int = 4, timeout: float = 2.0, cache: bool = False, sleep=None):
    lm = resolve_lm("openai/codeloop-offline", api_base=handle.url, cache=cache,
                    retry=RetryPolicy(retries=retries, timeout=timeout, backoff_s=0.01)).lm
    if sleep is not None:
        lm.engine._sleep = sleep
    return lm


# ---------------------------------------------------------------------------------------------
# The policy
# ---------------------------------------------------------------------------------------------


def test_backoff_doubles_with_seeded_jitter_and_retry_after_wins():
    policy = RetryPolicy(backoff_s=1.0, max_backoff_s=10.0, max_retry_after_s=5.0, seed=3)
    delays = [policy.delay(n, key="k") for n in range(6)]
    for n, delay in enumerate(delays):
        ceiling = min(10.0, 2.0 ** n)
        assert ceiling / 2 <= delay < ceiling
    assert delays == [RetryPolicy(**policy.model_dump()).delay(n, key="k") for n in range(6)]  # repeatable
    assert delays != [RetryPolicy(**{**policy.model_dump(), "seed": 4}).delay(n, key="k") for n in range(6)]
    assert policy.delay(0, key="k") != policy.delay(0, key="other call")  # calls do not retry in lockstep
    assert policy.delay(4, retry_after=0.25) == 0.25
    assert policy.delay(0, retry_after=600) == 5.0  # an absurd Retry-After is capped


# ---------------------------------------------------------------------------------------------
# The engine, with a scripted inner engine (no network)
# ---------------------------------------------------------------------------------------------


def reply(text: str) -> Response:
    return Response(id=None, model="m", message=Message.assistant([TextPart(text)]), finish_reason="stop",
                    usage=Usage(input_tokens=3, output_tokens=2, total_tokens=5))


class Scripted:
    """An engine answering from a script: an exception is raised, a Response returned."""

    def __init__(self, *script) -> None:
        self.script, self.requests = list(script), 0

    def complete(self, request):
        self.requests += 1
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


def scripted_lm(*script, retries: int = 5, cache: bool = False):
    sleeps = Sleeps()
    engine = RetryingEngine(Scripted(*script), RetryPolicy(retries=retries, backoff_s=1.0, seed=0),
                            target="the test LM", sleep=sleeps)
    return dspy.LM("openai/test", engine=engine, cache=cache, num_retries=0), engine, sleeps


def test_each_fault_is_retried_until_an_answer_comes():
    lm, engine, sleeps = scripted_lm(
        LMServerError("boom", status=503), LMProviderError("not JSON", status=200), reply(""),
        LMServerError("again", status=500), reply("the answer"))
    assert lm(messages=MESSAGES) == ["the answer"]
    assert engine.inner.requests == 5
    assert len(sleeps) == 4 and all(0.5 * 2 ** n <= s < 2 ** n for n, s in enumerate(sleeps))
    stats = engine.stats()
    assert stats["attempts"] == 5 and stats["retries"] == 4 and stats["given_up"] == 0
    assert stats["faults"]["http_5xx"] == 2 and stats["faults"]["malformed"] == 1 and stats["faults"]["empty"] == 1


def test_a_bad_key_or_request_is_not_retried():
    lm, engine, sleeps = scripted_lm(LMAuthError("bad key", status=401), reply("never"))
    with pytest.raises(LMAuthError):
        lm(messages=MESSAGES)
    assert engine.inner.requests == 1 and sleeps == []


def test_spent_retries_raise_lm_unavailable_with_counts():
    lm, engine, sleeps = scripted_lm(*[LMServerError("down", status=502)] * 2, reply(""), retries=2)
    with pytest.raises(Exception) as caught:  # DSPy wraps it; LMUnavailable.within finds it
        lm(messages=MESSAGES)
    error = LMUnavailable.within(caught.value)
    assert error is not None and error.attempts == 3 and error.faults == {"http_5xx": 2, "empty": 1}
    assert "the test LM failed on all 3 attempts of one call (2 http_5xx, 1 empty)" in str(error)
    assert "resume" in error.summary()
    assert engine.stats()["given_up"] == 1 and len(sleeps) == 2


def test_a_cancelled_scope_stops_a_call_between_attempts():
    scope = _cancel.CancelScope()
    lm, engine, _ = scripted_lm(*[LMServerError("down", status=500)] * 5)
    engine._sleep = lambda seconds: (scope.cancel("another task gave up"), _cancel.wait(seconds))
    began = time.monotonic()
    with pytest.raises(Exception) as caught:
        scope.run(lambda: lm(messages=MESSAGES))
    cause = caught.value
    while cause is not None and not isinstance(cause, Cancelled):
        cause = cause.__cause__
    assert isinstance(cause, Cancelled) and "another task gave up" in str(cause)
    assert engine.inner.requests == 1 and time.monotonic() - began < 5  # no backoff sleep (1 s would be flaky)


def test_calls_usage_and_history_are_counted_once_per_call():
    lm, engine, _ = scripted_lm(LMServerError("down", status=500), reply("ok"))
    counter = CallCounter()
    with dspy.context(callbacks=[counter]), dspy.track_usage() as usage:
        assert lm(messages=MESSAGES) == ["ok"]
    assert counter.calls == 1 and len(lm.history) == 1
    assert usage.get_total_tokens()["openai/test"]["total_tokens"] == 5


# ---------------------------------------------------------------------------------------------
# Over HTTP, against the fault-injecting server
# ---------------------------------------------------------------------------------------------

FAULTS = {
    "http_500": FaultPlan(error_rate=1.0),
    "http_429": FaultPlan(rate_limit_rate=1.0, retry_after_s=0.05),
    "timeout": FaultPlan(timeout_rate=1.0, timeout_hold_s=5),
    "invalid_json": FaultPlan(malformed_rate=1.0, malformed_kinds=("invalid_json",)),
    "empty_choices": FaultPlan(malformed_rate=1.0, malformed_kinds=("empty_choices",)),
    "no_choices": FaultPlan(empty_rate=1.0, empty_kinds=("no_choices",)),
    "no_text": FaultPlan(empty_rate=1.0, empty_kinds=("no_text",)),
    "truncated": FaultPlan(truncated_rate=1.0),
    "slow_body": FaultPlan(slow_body_rate=1.0, slow_body_gap_s=0.5),
}
CLIENT_KIND = {"http_500": "http_5xx", "http_429": "http_429", "timeout": "timeout", "invalid_json": "malformed",
               "empty_choices": "empty", "no_choices": "empty", "no_text": "empty", "truncated": "connection",
               "slow_body": "timeout"}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_injected_fault_is_retried_over_http(fault):
    sleeps = Sleeps()
    with serve(echo_responder, faults=FAULTS[fault]) as handle:
        lm = http_lm(handle, timeout=0.3)

        def heal_after_two(seconds: float) -> None:  # two faulty attempts, then a healthy server
            sleeps.append(seconds)
            if len(sleeps) == 2:
                handle.faults = FaultPlan()

        lm.engine._sleep = heal_after_two
        answer = lm(messages=MESSAGES)
        assert "[[ ## code ## ]]" in answer[0]
        stats = retry_stats(lm)
        assert stats["attempts"] == 3 and stats["faults"][CLIENT_KIND[fault]] == 2, stats
        assert sum(handle.errors_injected.values()) == 2
    if fault == "http_429":
        assert sleeps == [0.05, 0.05]  # Retry-After, not the backoff


def test_a_seeded_mix_of_every_fault_is_retried_through_resolve_lm():
    """Sequential calls, so the server's seeded schedule is the same every run."""
    plan = FaultPlan(seed=3, error_rate=0.06, rate_limit_rate=0.06, retry_after_s=0.01, timeout_rate=0.04,
                     timeout_hold_s=2, malformed_rate=0.06, malformed_kinds=("invalid_json",), empty_rate=0.06,
                     truncated_rate=0.04, slow_body_rate=0.04, slow_body_gap_s=0.4)
    with serve(echo_responder, faults=plan) as handle:
        lm = resolve_lm("openai/codeloop-offline", api_base=handle.url, cache=False,
                        retry=RetryPolicy(retries=8, timeout=0.3, backoff_s=0.01)).lm
        answers = [lm(messages=[{"role": "user", "content": f"call {i}"}])[0] for i in range(30)]
        injected = handle.errors_injected
    assert all(f"echo: call {i}" in answer for i, answer in enumerate(answers))
    assert all(injected[kind] for kind in ("http_500", "http_429", "timeout", "malformed", "empty", "truncated",
                                           "slow_body")), injected


def test_a_server_that_goes_away_is_given_up_on_quickly():
    handle = serve(echo_responder)
    url = handle.url
    handle.close()
    lm = resolve_lm("openai/codeloop-offline", api_base=url, cache=False,
                    retry=RetryPolicy(retries=3, timeout=1.0, backoff_s=0.01)).lm
    began = time.monotonic()
    with pytest.raises(Exception) as caught:
        lm(messages=MESSAGES)
    error = LMUnavailable.within(caught.value)
    assert error is not None and error.faults == {"connection": 4}, caught.value
    assert "Connection refused" in error.last and url in str(error)
    assert time.monotonic() - began < 5


def test_an_empty_reply_is_never_cached(fresh_cache):
    """The issue's case: an empty reply was cached, and a later run replayed it forever."""
    with serve(echo_responder, faults=FaultPlan(empty_rate=1.0, empty_kinds=("no_choices",))) as handle:
        lm = http_lm(handle, retries=1, cache=True)
        with pytest.raises(Exception) as caught:
            lm(messages=MESSAGES)
        assert LMUnavailable.within(caught.value) is not None
        assert handle.errors_injected["empty"] == 2
    dspy.cache = Cache(True, True, str(fresh_cache))  # a later run: a new process on the same cache
    with serve(echo_responder) as healthy:
        answer = http_lm(healthy, cache=True)(messages=MESSAGES)
        assert "[[ ## code ## ]]" in answer[0] and healthy.completions == 1


def test_only_the_answer_after_a_fault_is_cached(fresh_cache):
    with serve(echo_responder, faults=FaultPlan(malformed_rate=1.0, malformed_kinds=("empty_choices",))) as handle:
        lm = http_lm(handle, cache=True)
        lm.engine._sleep = lambda seconds: setattr(handle, "faults", FaultPlan())
        first = lm(messages=MESSAGES)
        assert handle.errors_injected["malformed"] == 1 and handle.completions == 1
    dspy.cache = Cache(True, True, str(fresh_cache))
    with serve(echo_responder, faults=FaultPlan(error_rate=1.0)) as down:
        assert http_lm(down, retries=0, cache=True)(messages=MESSAGES) == first  # replayed, no request
        assert down.requests == 0


def test_map_cancelling_stops_the_other_items_at_the_first_error():
    started = []

    def item(n: int) -> int:
        started.append(n)
        if n == 1:
            raise LMUnavailable("down")
        _cancel.wait(5)  # as a retrying LM call waits
        return n

    began = time.monotonic()
    with pytest.raises(LMUnavailable):
        _cancel.map_cancelling(item, range(10), workers=2)
    assert time.monotonic() - began < 1 and len(started) <= 3
    assert _cancel.map_cancelling(lambda n: n * n, range(5), workers=2) == [0, 1, 4, 9, 16]


def test_async_calls_are_retried_the_same_way():
    import asyncio

    plan = FaultPlan(seed=3, error_rate=0.2, malformed_rate=0.2, malformed_kinds=("invalid_json",), empty_rate=0.2)
    with serve(echo_responder, faults=plan) as handle:
        lm = resolve_lm("openai/codeloop-offline", api_base=handle.url, cache=False,
                        retry=RetryPolicy(retries=10, timeout=2.0, backoff_s=0.01)).lm

        async def calls():
            return [(await lm.acall(messages=[{"role": "user", "content": f"call {i}"}]))[0] for i in range(8)]

        answers = asyncio.run(calls())
        stats = retry_stats(lm)
    assert all(f"echo: call {i}" in answer for i, answer in enumerate(answers))
    assert stats["retries"] == sum(handle.errors_injected.values()) > 0 and stats["given_up"] == 0
