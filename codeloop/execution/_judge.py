"""The trusted parent's half of a run: turn what the child wrote into verdicts.

Nothing the child wrote is taken as a verdict. Its frames carry only outputs (in the
codec's JSON-safe form) or exception names; here they are decoded into plain built-in
values and compared with the expected values, which never left this process.
"""

from __future__ import annotations

import json
import math
import reprlib
from collections.abc import Sequence
from typing import Any

from . import _codec
from ._models import AssertTest, IOTest, Status, Test, Verdict

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


def judge_frame(test: Test, frame: dict | None) -> Verdict:
    """Decide one test from its frame (``None``: the frame was unreadable). Never raises:
    the frame is untrusted, so anything odd about it is the candidate's crash."""
    try:
        return _judge_frame(test, frame)
    except Exception as exc:  # noqa: BLE001
        return Verdict(status=Status.CRASHED, reason=f"the child wrote an unreadable result ({type(exc).__name__})",
                       decided_in="child" if isinstance(test, AssertTest) else "parent")


def _judge_frame(test: Test, frame: dict | None) -> Verdict:
    decided_in = "child" if isinstance(test, AssertTest) else "parent"
    if frame is None:
        return Verdict(status=Status.CRASHED, reason="the child wrote an unreadable result",
                       decided_in=decided_in)
    common = {"stdout": _text(frame, "out"), "stderr": _text(frame, "err"),
              "duration_s": _duration(frame), "decided_in": decided_in}
    if frame.get("ok") is True:
        if isinstance(test, AssertTest):
            return Verdict(status=Status.PASSED, **common)
        try:
            output = _codec.decode(frame.get("v"))
        except ValueError as exc:
            return Verdict(status=Status.FAILED, reason=f"the output could not be decoded: {exc}", **common)
        shown = bounded_repr(output)
        if _matches(output, test):
            return Verdict(status=Status.PASSED, output=output, output_repr=shown, has_output=True, **common)
        return Verdict(status=Status.FAILED, output=output, output_repr=shown, has_output=True,
                       reason=f"expected {_wanted(test)}, got {shown}", **common)
    if "unenc" in frame:
        kind = _text(frame, "unenc") or "unknown"
        return Verdict(status=Status.FAILED, output_repr=_text(frame, "repr") or None,
                       reason=f"the output (type {kind!r}) cannot cross the sandbox boundary: "
                              f"{_text(frame, 'msg')}", **common)
    if "big" in frame:
        return Verdict(status=Status.FAILED, output_repr=_text(frame, "repr") or None,
                       reason=f"the output is too large ({frame.get('big')} bytes encoded)", **common)
    error_type = _text(frame, "exc") or "Exception"
    message = _text(frame, "msg")
    if error_type == "MemoryError":
        return Verdict(status=Status.CRASHED, error_type=error_type, error_message=message,
                       reason="memory limit exceeded", **common)
    if error_type == "AssertionError" and isinstance(test, AssertTest):
        return Verdict(status=Status.FAILED, error_type=error_type, error_message=message,
                       reason=f"assertion failed{': ' + message if message else ''}", **common)
    return Verdict(status=Status.ERROR, error_type=error_type, error_message=message,
                   reason=f"{error_type}: {message}" if message else error_type, **common)


def judge(tests: Sequence[Test], frames: Sequence[tuple[int, bytes]], events: Sequence[dict] = ()) -> list[Verdict]:
    """All verdicts of a run: from the children's frames (test index, raw bytes; -1 is a
    load frame) and the parent's events (which test timed out or crashed, and why)."""
    n = len(tests)
    verdicts: list[Verdict | None] = [None] * n
    load_failure: dict | None = None
    for index, raw in frames:
        frame = _frame(raw)
        if index == -1:
            if frame is not None and frame.get("load") is False:
                load_failure = frame
            continue
        if 0 <= index < n and verdicts[index] is None:
            verdicts[index] = judge_frame(tests[index], frame)
    for event in events:
        at = event.get("at")
        status = Status.TIMEOUT if event.get("kind") == "timeout" else Status.CRASHED
        detail = str(event.get("detail", ""))
        if at == -1:
            targets = range(n)
        elif isinstance(at, int) and 0 <= at < n:
            to = event.get("to")
            targets = range(at, min(to, n)) if isinstance(to, int) and to > at else [at]
        else:
            targets = []
        for i in targets:
            if verdicts[i] is None:
                verdicts[i] = Verdict(status=status, reason=detail,
                                      decided_in="child" if isinstance(tests[i], AssertTest) else "parent")
        if at == -1:
            break
    if load_failure is not None:  # what an earlier child decided stands; the rest failed to load
        error_type = _text(load_failure, "exc") or "Exception"
        message = _text(load_failure, "msg")
        failed_load = Verdict(status=Status.ERROR, error_type=error_type, error_message=message,
                              reason=f"the code failed to load: {error_type}: {message}")
        return [v if v is not None else failed_load for v in verdicts]
    # Anything still open was never run: the candidate's process ended first.
    return [v if v is not None else Verdict(status=Status.CRASHED,
                                            reason="not run: the candidate's process ended before this test")
            for v in verdicts]


def encode_tests(tests: Sequence[Test]) -> list[dict]:
    """The child's view of the tests: inputs only, never expected values."""
    out = []
    for i, test in enumerate(tests):
        if isinstance(test, AssertTest):
            out.append({"assert": test.code})
            continue
        if not isinstance(test, IOTest):
            raise TypeError(f"test {i} must be an IOTest or AssertTest, got {type(test).__name__}")
        try:
            encoded = {"args": _codec.encode(tuple(test.args)), "kwargs": _codec.encode(dict(test.kwargs))}
        except _codec.Unencodable as exc:
            raise ValueError(f"test {i}: its arguments cannot be sent to the sandbox: {exc}") from None
        if test.compare in ("truthy", "falsy"):
            encoded["truth"] = True  # the child sends bool(output): an re.Match need not cross
        out.append(encoded)
    return out
