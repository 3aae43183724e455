"""The trusted parent's half of a run: turn what the child wrote into verdicts.

Nothing the child wrote is taken as a verdict. Its frames carry only outputs (in the
codec's JSON-safe form) or exception names; here they are decoded, within limits, into
plain built-in values and compared with the expected values, which never left this
process. Assertion tests are split where their form allows (``_asserts``): the child makes
the calls, the assertions are evaluated here. Only assertion code that cannot be split runs
in the child; its verdict counts only from a frame carrying the nonce the parent gave that
attempt after the code had loaded, and says ``decided_in="child"``.
"""

from __future__ import annotations

import json
import math
import reprlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import _codec
from ._asserts import AssertPlan, TooCostly, evaluate, plan_assert
from ._models import AssertTest, IOTest, Limits, Status, Test, Verdict

_repr = reprlib.Repr()
_repr.maxstring = 120
_repr.maxother = 120
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxdict = 12


def bounded_repr(value: Any) -> str:
    try:
        return _repr.repr(value)[:400]
    except ValueError:  # an int past Python's decimal-conversion limit, possibly nested
        return f"<{type(value).__name__} too large to print in decimal>"


def values_equal(got: Any, expected: Any, atol: float | None = None, rtol: float | None = None) -> bool:
    """Python equality on trusted values; floats (also nested) within tolerance if one is set."""
    if atol is None and rtol is None:
        try:
            return bool(got == expected)
        except Exception:  # noqa: BLE001 - e.g. comparing nan-containing structures never raises, but be safe
            return False
    if isinstance(got, (int, float)) and isinstance(expected, (int, float)) \
            and not isinstance(got, bool) and not isinstance(expected, bool):
        try:
            return math.isclose(got, expected, rel_tol=rtol or 0.0, abs_tol=atol or 0.0)
        except OverflowError:  # an int too large for a float: only exact equality can hold
            return got == expected
    if isinstance(got, (list, tuple)) and isinstance(expected, (list, tuple)):
        return type(got) is type(expected) and len(got) == len(expected) and all(
            values_equal(g, e, atol, rtol) for g, e in zip(got, expected))
    if isinstance(got, dict) and isinstance(expected, dict):
        return got.keys() == expected.keys() and all(
            values_equal(got[k], expected[k], atol, rtol) for k in got)
    return bool(got == expected)


def _matches(output: Any, test: IOTest) -> bool:
    if test.compare == "truthy":
        return bool(output)
    if test.compare == "falsy":
        return not output
    if test.compare == "is":
        return output is test.expected
    return values_equal(output, test.expected, test.atol, test.rtol)


def _wanted(test: IOTest) -> str:
    return {"truthy": "a true value", "falsy": "a false value"}.get(test.compare, bounded_repr(test.expected))


def _frame(raw: bytes) -> dict | None:
    try:
        frame = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return frame if isinstance(frame, dict) else None


def _text(frame: dict, key: str) -> str:
    value = frame.get(key, "")
    return value if isinstance(value, str) else ""


def _duration(frame: dict) -> float:
    value = frame.get("dt", 0.0)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return 0.0
    try:
        return float(value)
    except OverflowError:
        return 0.0


# --------------------------------------------------------------------------- the layout


@dataclass(frozen=True)
class Layout:
    """What the child runs for a list of tests: ``child_tests`` in order; test ``i`` owns
    child tests ``spans[i]``; ``plans[i]`` is the split of an assertion test judged here
    (``None`` for an I/O test or assertion code run in the child)."""

    child_tests: tuple[dict, ...]
    spans: tuple[range, ...]
    plans: tuple[AssertPlan | None, ...]

    @property
    def needs_nonce(self) -> bool:
        return any("assert" in t for t in self.child_tests)


def layout_tests(tests: Sequence[Test], entry: str) -> Layout:
    """The child's view of the tests: inputs only, never expected values."""
    child: list[dict] = []
    spans, plans = [], []
    for i, test in enumerate(tests):
        begin = len(child)
        plan = None
        if isinstance(test, AssertTest):
            plan = plan_assert(test.code, entry)
            if plan is None:
                child.append({"assert": test.code})
            else:
                child += [{"args": _codec.encode(c.args), "kwargs": _codec.encode(c.kwargs), "wrap": list(c.wrap)}
                          for c in plan.calls]
        elif isinstance(test, IOTest):
            try:
                encoded = {"args": _codec.encode(tuple(test.args)), "kwargs": _codec.encode(dict(test.kwargs))}
            except _codec.Unencodable as exc:
                raise ValueError(f"test {i}: its arguments cannot be sent to the sandbox: {exc}") from None
            if test.compare in ("truthy", "falsy"):
                encoded["wrap"] = ["bool"]  # the child sends bool(output): an re.Match need not cross
            child.append(encoded)
        else:
            raise TypeError(f"test {i} must be an IOTest or AssertTest, got {type(test).__name__}")
        spans.append(range(begin, len(child)))
        plans.append(plan)
    return Layout(tuple(child), tuple(spans), tuple(plans))


# --------------------------------------------------------------------------- one child test


class _Decided(Exception):
    """A call's outcome decides the whole test (it raised, timed out, could not cross ...)."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict


@dataclass
class _Outcome:
    """What became of one child test: a frame (and the nonce its attempt was given), or the
    parent's event (timeout, crash), or the code's load failure, or nothing at all."""

    frame: dict | None = None
    readable: bool = True
    nonce: str | None = None
    event: tuple[Status, str] | None = None
    load_failure: dict | None = None


def _outcomes(n: int, frames: Sequence[tuple], events: Sequence[dict]) -> list[_Outcome | None]:
    outs: list[_Outcome | None] = [None] * n
    load_failure: dict | None = None
    for index, raw, *rest in frames:
        frame = _frame(raw)
        if index == -1:
            if frame is not None and frame.get("load") is False:
                load_failure = frame
            continue
        if 0 <= index < n and outs[index] is None:
            outs[index] = _Outcome(frame=frame, readable=frame is not None, nonce=rest[0] if rest else None)
    for event in events:
        at = event.get("at")
        kind = {"timeout": Status.TIMEOUT, "limit": Status.FAILED}.get(str(event.get("kind")), Status.CRASHED)
        detail = str(event.get("detail", ""))
        if at == -1:
            targets = range(n)
        elif isinstance(at, int) and 0 <= at < n:
            to = event.get("to")
            targets = range(at, min(to, n)) if isinstance(to, int) and to > at else [at]
        else:
            targets = []
        for i in targets:
            if outs[i] is None:
                outs[i] = _Outcome(event=(kind, detail))
        if at == -1:
            break
    if load_failure is not None:  # what an earlier child decided stands; the rest failed to load
        outs = [o if o is not None else _Outcome(load_failure=load_failure) for o in outs]
    return outs


def _common(outs: Sequence[_Outcome | None], decided_in: str, tail: int) -> dict:
    frames = [o.frame for o in outs if o is not None and o.frame is not None]
    out = "".join(_text(f, "out") for f in frames)
    err = "".join(_text(f, "err") for f in frames)
    return {"stdout": out[-tail:] if tail else "", "stderr": err[-tail:] if tail else "",
            "duration_s": sum(_duration(f) for f in frames), "decided_in": decided_in}


def _unfinished(out: _Outcome | None, decided_in: str) -> Verdict | None:
    """The verdict of a child test that left no readable frame, or ``None`` if it did."""
    if out is None:
        return Verdict(status=Status.CRASHED, reason="not run: the candidate's process ended before this test",
                       decided_in=decided_in)
    if out.event is not None:
        return Verdict(status=out.event[0], reason=out.event[1], decided_in=decided_in)
    if out.load_failure is not None:
        error_type = _text(out.load_failure, "exc") or "Exception"
        message = _text(out.load_failure, "msg")
        return Verdict(status=Status.ERROR, error_type=error_type, error_message=message,
                       reason=f"the code failed to load: {error_type}: {message}", decided_in=decided_in)
    if out.frame is None:
        return Verdict(status=Status.CRASHED, reason="the child wrote an unreadable result", decided_in=decided_in)
    return None


def _failure(frame: dict, common: dict, what: str, assertion: bool) -> Verdict:
    """The verdict of a frame that carries no value: it cannot cross, or the call raised."""
    if "unenc" in frame:
        kind = _text(frame, "unenc") or "unknown"
        return Verdict(status=Status.FAILED, output_repr=_text(frame, "repr") or None,
                       reason=f"{what} (type {kind!r}) cannot cross the sandbox boundary: {_text(frame, 'msg')}",
                       **common)
    if "big" in frame:
        return Verdict(status=Status.FAILED, output_repr=_text(frame, "repr") or None,
                       reason=f"{what} is too large ({frame.get('big')} bytes encoded)", **common)
    error_type = _text(frame, "exc") or "Exception"
    message = _text(frame, "msg")
    if error_type == "MemoryError":
        return Verdict(status=Status.CRASHED, error_type=error_type, error_message=message,
                       reason="memory limit exceeded", **common)
    if error_type == "AssertionError" and assertion:
        return Verdict(status=Status.FAILED, error_type=error_type, error_message=message,
                       reason=f"assertion failed{': ' + message if message else ''}", **common)
    return Verdict(status=Status.ERROR, error_type=error_type, error_message=message,
                   reason=f"{error_type}: {message}" if message else error_type, **common)


def _decoded(frame: dict, max_nodes: int) -> Any:
    """The value a frame carries; raises ``ValueError`` (a ``DecodeLimit`` names its limit)."""
    return _codec.decode(frame.get("v"), max_nodes=max_nodes)


def _undecodable(exc: ValueError, common: dict) -> Verdict:
    if isinstance(exc, _codec.DecodeLimit):
        return Verdict(status=Status.FAILED, reason=f"the output exceeds a decoding limit: {exc}", **common)
    return Verdict(status=Status.FAILED, reason=f"the output could not be decoded: {exc}", **common)


# --------------------------------------------------------------------------- per test kind


def _judge_io(test: IOTest, out: _Outcome | None, tail: int, max_nodes: int) -> Verdict:
    unfinished = _unfinished(out, "parent")
    if unfinished is not None:
        return unfinished
    frame = out.frame  # type: ignore[union-attr]
    common = _common([out], "parent", tail)
    if frame.get("ok") is not True:
        return _failure(frame, common, "the output", assertion=False)
    try:
        output = _decoded(frame, max_nodes)
    except ValueError as exc:
        return _undecodable(exc, common)
    shown = bounded_repr(output)
    if _matches(output, test):
        return Verdict(status=Status.PASSED, output=output, output_repr=shown, has_output=True, **common)
    return Verdict(status=Status.FAILED, output=output, output_repr=shown, has_output=True,
                   reason=f"expected {_wanted(test)}, got {shown}", **common)


def _judge_in_child(index: int, out: _Outcome | None, tail: int) -> Verdict:
    """Assertion code the child ran: only a frame the runner wrote after it was given this
    attempt's nonce counts; frames written before (at import, say) never do."""
    unfinished = _unfinished(out, "child")
    if unfinished is not None:
        return unfinished
    frame = out.frame  # type: ignore[union-attr]
    common = _common([out], "child", tail)
    if not out.nonce or frame.get("n") != out.nonce or frame.get("i") != index:  # type: ignore[union-attr]
        if "busy" in frame and frame.get("i") == index:
            return Verdict(status=Status.ERROR, reason=f"assertion code not run: {_text(frame, 'busy')}", **common)
        return Verdict(status=Status.CRASHED, reason="the result of this assertion test was not written by the "
                       "runner (no valid nonce): forged or out of order", **common)
    if frame.get("ok") is True:
        return Verdict(status=Status.PASSED, **common)
    return _failure(frame, common, "the output", assertion=True)


def _judge_split(test: AssertTest, plan: AssertPlan, outs: Sequence[_Outcome | None], tail: int,
                 max_nodes: int) -> Verdict:
    """An assertion test judged here: each ``assert`` evaluated over the calls' results."""
    common = _common(outs, "parent", tail)
    values: dict[int, Any] = {}

    def result(i: int) -> Any:
        if i in values:
            return values[i]
        out = outs[i]
        unfinished = _unfinished(out, "parent")
        if unfinished is not None:
            raise _Decided(unfinished.model_copy(update=common | {"reason": unfinished.reason}))
        frame = out.frame  # type: ignore[union-attr]
        what = f"the result of {plan.calls[i].source}"
        if frame.get("ok") is not True:
            raise _Decided(_failure(frame, common, what, assertion=True))
        try:
            values[i] = _decoded(frame, max_nodes)
        except ValueError as exc:
            raise _Decided(_undecodable(exc, common)) from None
        return values[i]

    def shown() -> dict:
        got = "; ".join(f"{plan.calls[i].source} gave {bounded_repr(v)}" for i, v in sorted(values.items())[:4])
        if len(values) == 1:
            (only,) = values.values()
            return {"output": only, "has_output": True, "output_repr": bounded_repr(only), "got": got}
        return {"output_repr": got[:400] or None, "got": got}

    try:
        for check in plan.checks:
            if not evaluate(check.test, plan, result):
                said = check.message if check.message else f"assert {check.source}"
                extra = shown()
                got = extra.pop("got")
                return Verdict(status=Status.FAILED, reason=f"assertion failed: {said}" + (f" ({got})" if got else ""),
                               **extra, **common)
    except _Decided as decided:
        return decided.verdict
    except _codec.DecodeLimit as exc:
        return Verdict(status=Status.FAILED, reason=f"the assertion's values exceed a limit: {exc}", **common)
    except TooCostly as exc:
        return Verdict(status=Status.ERROR, reason=f"the assertion is too costly to evaluate in the parent: {exc}",
                       **common)
    except Exception as exc:  # noqa: BLE001 - what the assertion itself raised (TypeError, IndexError ...)
        message = str(exc)[:2000]
        return Verdict(status=Status.ERROR, error_type=type(exc).__name__, error_message=message,
                       reason=f"{type(exc).__name__}: {message}" if message else type(exc).__name__, **common)
    extra = shown()
    extra.pop("got")
    return Verdict(status=Status.PASSED, **extra, **common)


def judge(tests: Sequence[Test], layout: Layout, frames: Sequence[tuple], events: Sequence[dict] = (),
          limits: Limits | None = None) -> list[Verdict]:
    """All verdicts of a run: from the children's frames (child test index, raw bytes and the
    attempt's nonce; -1 is a load frame) and the parent's events (which child test timed out
    or crashed, and why). Never raises: anything odd about a frame is the candidate's doing."""
    limits = limits or Limits()
    tail = limits.output_tail_bytes
    max_nodes = max(1000, limits.max_output_bytes // 2)
    outs = _outcomes(len(layout.child_tests), frames, events)
    verdicts = []
    for test, span, plan in zip(tests, layout.spans, layout.plans):
        decided_in = "child" if isinstance(test, AssertTest) and plan is None else "parent"
        try:
            if plan is not None:
                verdict = _judge_split(test, plan, [outs[i] for i in span], tail, max_nodes)  # type: ignore[arg-type]
            elif isinstance(test, AssertTest):
                verdict = _judge_in_child(span[0], outs[span[0]], tail)
            else:
                verdict = _judge_io(test, outs[span[0]], tail, max_nodes)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            verdict = Verdict(status=Status.CRASHED, decided_in=decided_in,
                              reason=f"the child wrote an unreadable result ({type(exc).__name__})")
        verdicts.append(verdict)
    return verdicts
