"""Benchmark baseline: a human-eval-style ``check_correctness``, re-implemented from its description.

This module re-implements, from the *published description* only (no code copied), the approach of
OpenAI's human-eval ``execution.py``: fork a process per candidate, weaken a few dangerous functions
with a "reliability guard", ``exec`` the program under a SIGALRM timer, and report the verdict through a
``multiprocessing.Manager`` list. It exists solely as the baseline we benchmark our own sandbox against;
nothing else in codeloop should use it.

It is NOT safe. The guard only sets some attributes to ``None``; untrusted code can trivially get them
back (``importlib.reload(os)``, ``posix.system``, ``ctypes``, ...), and there is no filesystem, network
or syscall isolation. It is not a security boundary. Linux only (``fork`` start method, ``resource``).
"""

from __future__ import annotations

import builtins
import contextlib
import faulthandler
import io
import multiprocessing
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

# (module, attribute) pairs the guard sets to None, following the published list of "destructive"
# functions. Attributes missing on this platform (e.g. os.lchflags on Linux) are skipped.
# fmt: off
_GUARDED_OS: tuple[str, ...] = (
    "kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork", "forkpty",
    "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod", "fchown", "chmod", "chown",
    "chroot", "lchflags", "lchmod", "lchown", "getcwd", "chdir",
)
# fmt: on
_GUARDED: tuple[tuple[Any, str], ...] = (
    *((os, name) for name in _GUARDED_OS),
    (shutil, "rmtree"),
    (shutil, "move"),
    (shutil, "chown"),
    (subprocess, "Popen"),
    (builtins, "exit"),
    (builtins, "quit"),
    (builtins, "help"),
)
# Modules made un-importable inside the guard (sys.modules[name] = None makes ``import name`` fail).
_BLOCKED_MODULES: tuple[str, ...] = ("ipdb", "joblib", "resource", "psutil", "tkinter")
_MISSING = object()


class _TimeoutError(Exception):
    """Raised by the SIGALRM handler when the program exceeds its time limit."""


class _WriteOnlyStringIO(io.StringIO):
    """Accepts writes but refuses reads, so the candidate cannot read from "stdin"."""

    def read(self, *args: Any, **kwargs: Any) -> str:
        raise OSError("stream is write-only")

    def readline(self, *args: Any, **kwargs: Any) -> str:
        raise OSError("stream is write-only")

    def readlines(self, *args: Any, **kwargs: Any) -> list[str]:
        raise OSError("stream is write-only")

    def readable(self) -> bool:
        return False


@contextlib.contextmanager
def _swallow_io() -> Iterator[None]:
    """Point stdout/stderr/stdin at one write-only buffer so candidate output neither floods the
    benchmark's console nor blocks on input."""
    stream = _WriteOnlyStringIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout = sys.stderr = sys.stdin = stream
    try:
        yield
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the main thread after ``seconds`` of wall time via ITIMER_REAL/SIGALRM.

    This only catches pure-Python loops (and blocking calls that return EINTR); the parent's
    ``join(timeout + 1)`` + kill is the backstop for everything else.
    """

    def _on_alarm(signum: int, frame: Any) -> None:
        raise _TimeoutError("timed out")

    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _reliability_guard(memory_bytes: int) -> list[tuple[Any, str, Any]]:
    """Apply the guard in the current (child) process and return what is needed to undo it.

    Resource limits are permanent for the process; the attribute patches are returned so the
    child can restore them afterwards, which is what lets the temporary directory be cleaned up
    (``TemporaryDirectory`` needs ``shutil.rmtree``/``os.rmdir``/``os.unlink``, and we need
    ``os.chdir`` to step out of it).
    """
    for limit in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
        _soft, hard = resource.getrlimit(limit)
        value = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
        resource.setrlimit(limit, (value, value))
    faulthandler.disable()
    os.environ["OMP_NUM_THREADS"] = "1"

    saved: list[tuple[Any, str, Any]] = []
    for target, name in _GUARDED:
        if hasattr(target, name):
            saved.append((target, name, getattr(target, name)))
            setattr(target, name, None)
    for name in _BLOCKED_MODULES:
        saved.append((sys.modules, name, sys.modules.get(name, _MISSING)))
        sys.modules[name] = None  # type: ignore[assignment]
    return saved


def _undo_guard(saved: list[tuple[Any, str, Any]]) -> None:
    """Restore what ``_reliability_guard`` patched (resource limits stay in force)."""
    for target, name, value in reversed(saved):
        if target is sys.modules:
            if value is _MISSING:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = value
        else:
            setattr(target, name, value)


def _unsafe_execute(program: str, timeout: float, memory_bytes: int, result: Any) -> None:
    """Child-process body: run ``program`` in a scratch directory and append the verdict to ``result``."""
    with tempfile.TemporaryDirectory() as scratch:
        original_cwd = os.getcwd()
        os.chdir(scratch)
        saved = _reliability_guard(memory_bytes)
        try:
            with _swallow_io(), _time_limit(timeout):
                exec(program, {})
            verdict = "passed"
        except _TimeoutError:
            verdict = "timed out"
        except BaseException as exc:  # SystemExit, MemoryError, ... all count as failures
            verdict = f"failed: {exc}"
        finally:
            _undo_guard(saved)
            os.chdir(original_cwd)
        result.append(verdict)


def check_correctness_humaneval_style(program: str, timeout: float = 3.0, memory_mb: int = 1024) -> str:
    """Run ``program`` (candidate code followed by its assertions) the human-eval way.

    Returns ``"passed"``, ``"timed out"`` or ``"failed: <exception message>"``. A child that dies
    without reporting (killed at ``timeout + 1`` s, segfault, OOM kill) is reported as ``"timed out"``,
    as in the original. Uses the ``fork`` start method explicitly so the behaviour (and cost) does not
    depend on the platform default, which Python 3.14 changes away from ``fork``.
    """
    ctx = multiprocessing.get_context("fork")
    with ctx.Manager() as manager:
        result = manager.list()
        process = ctx.Process(
            target=_unsafe_execute, args=(program, timeout, memory_mb * 1024 * 1024, result)
        )
        process.start()
        process.join(timeout=timeout + 1)
        if process.is_alive():
            process.kill()
            process.join()
        verdicts = list(result)
    return verdicts[0] if verdicts else "timed out"
