"""The sandbox pool: one zygote process, many threads, verdicts decided here in the parent."""

from __future__ import annotations

import atexit
import functools
import itertools
import json
import os
import select
import struct
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from typing import Literal

from ..exceptions import IsolationWarning, SandboxError, SandboxUnavailable
from ._cache import ResultCache, result_key
from ._isolation import SCRUBBED_ENV, namespace_support, zygote_command
from ._judge import encode_tests, judge
from ._models import Limits, RunResult, Status, Test, Verdict

HEADER = struct.Struct(">I")
HELLO_TIMEOUT_S = 30.0
_warned_reduced = False
_warn_lock = threading.Lock()


class _ZygoteDied(Exception):
    pass


class _Pending:
    __slots__ = ("done", "reply", "frames", "failure")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.reply: dict | None = None
        self.frames: list[tuple[int, bytes]] = []
        self.failure: str | None = None


class _Zygote:
    """One running zygote process and the thread that reads its replies."""

    def __init__(self, namespaces: bool) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the zygote
        self.proc = subprocess.Popen(
            zygote_command(namespaces), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr, env=SCRUBBED_ENV, cwd="/", close_fds=True, start_new_session=True)
        self.pending: dict[int, _Pending] = {}
        self.lock = threading.Lock()
        self.alive = True
        hello = self._read_hello()
        self.isolation: str = hello["isolation"]
        self.warnings: list[str] = list(hello.get("warnings", []))
        self.reader = threading.Thread(target=self._read_loop, name="codeloop-zygote-reader", daemon=True)
        self.reader.start()

    def _read_exact(self, n: int) -> bytes:
        stream = self.proc.stdout
        assert stream is not None
        data = stream.read(n)
        if data is None or len(data) < n:
            raise _ZygoteDied("the zygote closed its output")
        return data

    def _read_frame(self) -> bytes:
        (size,) = HEADER.unpack(self._read_exact(HEADER.size))
        return self._read_exact(size)

    def _read_hello(self) -> dict:
        ready, _, _ = select.select([self.proc.stdout], [], [], HELLO_TIMEOUT_S)
        try:
            if not ready:
                raise _ZygoteDied(f"no greeting within {HELLO_TIMEOUT_S:.0f} s")
            return json.loads(self._read_frame())["hello"]
        except (_ZygoteDied, ValueError, KeyError) as exc:
            self.kill()
            raise SandboxError(f"the sandbox zygote failed to start ({exc}): {self.stderr_tail()}") from None

    def stderr_tail(self) -> str:
        try:
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - 2000))
            return self.stderr.read().decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""

    def _read_loop(self) -> None:
        try:
            while True:
                reply = json.loads(self._read_frame())
                frames = [(index, self._read_exact(size)) for index, size in reply["frames"]]
                with self.lock:
                    pending = self.pending.pop(reply["id"], None)
                if pending is not None:
                    pending.reply, pending.frames = reply, frames
                    pending.done.set()
        except (_ZygoteDied, ValueError, KeyError, OSError) as exc:
            self._fail_all(f"the sandbox zygote died ({exc}); {self.stderr_tail()}".strip())

    def _fail_all(self, why: str) -> None:
        with self.lock:
            self.alive = False
            pending, self.pending = self.pending, {}
        for p in pending.values():
            p.failure = why
            p.done.set()

    def submit(self, request: dict) -> _Pending:
        pending = _Pending()
        data = json.dumps(request).encode()
        with self.lock:
            if not self.alive:
                raise _ZygoteDied("the zygote is not running")
            self.pending[request["id"]] = pending
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(HEADER.pack(len(data)) + data)
                self.proc.stdin.flush()
            except OSError as exc:
                self.pending.pop(request["id"], None)
                self.alive = False
                raise _ZygoteDied(f"could not write to the zygote: {exc}") from None
        return pending

    def kill(self) -> None:
        self.alive = False
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        with self.lock:
            self.alive = False
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()  # end of input: the zygote kills what runs and exits
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
        self._fail_all("the sandbox was closed")
        self.stderr.close()


@functools.lru_cache(maxsize=1)
def _namespace_support() -> tuple[bool, str]:
    return namespace_support()


class Sandbox:
    """Runs untrusted candidate code against tests, safely and fast, from any number of threads.

    Each candidate runs in a fresh child forked from a small pre-started zygote process
    (never this process); limits, timeouts and isolation apply in the child; this parent
    decodes the child's outputs and decides every verdict. Results are cached by a hash of
    (code, entry point, tests, limits).

    Parameters
    ----------
    workers:
        Candidates run at the same time (default: the number of CPUs).
    limits:
        Default :class:`Limits` for :meth:`run`.
    isolation:
        ``"auto"`` uses Linux user, network, mount and PID namespaces where the machine
        allows and otherwise warns once and runs with reduced isolation; ``"namespaces"``
        requires them (raises :class:`~codeloop.exceptions.SandboxUnavailable`);
        ``"none"`` never uses them.
    cache_size:
        Results kept in memory (0 disables the cache).
    """

    def __init__(self, *, workers: int | None = None, limits: Limits | None = None,
                 isolation: Literal["auto", "namespaces", "none"] = "auto", cache_size: int = 50_000) -> None:
        if isolation not in ("auto", "namespaces", "none"):
            raise ValueError(f"isolation must be 'auto', 'namespaces' or 'none', got {isolation!r}")
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.limits = limits or Limits()
        self.cache = ResultCache(cache_size)
        self._isolation_request = isolation
        self._slots = threading.BoundedSemaphore(self.workers)
        self._ids = itertools.count(1)
        self._zygote: _Zygote | None = None
        self._zygote_lock = threading.Lock()
        self._closed = False
        self.zygote_restarts = 0

    # -- lifecycle -----------------------------------------------------------------------
    def _want_namespaces(self) -> bool:
        if self._isolation_request == "none":
            return False
        ok, why = _namespace_support()
        if ok:
            return True
        if self._isolation_request == "namespaces":
            raise SandboxUnavailable(f"namespace isolation was required but is not available: {why}")
        _warn_reduced(why)
        return False

    def _live_zygote(self, dead: _Zygote | None = None) -> _Zygote:
        with self._zygote_lock:
            if self._closed:
                raise SandboxError("the sandbox is closed")
            zygote = self._zygote
            if zygote is not None and zygote.alive and zygote is not dead:
                return zygote
            if zygote is not None:
                zygote.kill()
                self.zygote_restarts += 1
            self._zygote = _Zygote(self._want_namespaces())
            for message in self._zygote.warnings:
                _warn_reduced(message)
            return self._zygote

    def start(self) -> Sandbox:
        """Start the zygote now rather than at the first run (e.g. to measure it)."""
        self._live_zygote()
        return self

    @property
    def isolation(self) -> str:
        """``"namespaces"`` (full), ``"namespaces-writable-fs"`` or ``"none"`` (reduced)."""
        return self._live_zygote().isolation

    def close(self) -> None:
        """Stop the zygote and everything it runs. Idempotent."""
        with self._zygote_lock:
            self._closed = True
            zygote, self._zygote = self._zygote, None
        if zygote is not None:
            zygote.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- running -------------------------------------------------------------------------
    def run(self, code: str, entry: str, tests: Sequence[Test], limits: Limits | None = None) -> RunResult:
        """Run ``code``'s function ``entry`` against ``tests``; one verdict per test, in order.

        Thread-safe. A candidate's failure (wrong output, exception, timeout, crash) is a
        verdict, never an exception; exceptions mean bad arguments or a broken sandbox.
        """
        if not isinstance(code, str):
            raise TypeError(f"code must be a str, got {type(code).__name__}")
        if not isinstance(entry, str) or not entry.isidentifier():
            raise ValueError(f"entry must be a Python identifier, got {entry!r}")
        if self._closed:
            raise SandboxError("the sandbox is closed")
        limits = limits or self.limits
        tests = list(tests)
        key = result_key(code, entry, tests, limits)
        cached = self.cache.get(key)
        if cached is not None:
            return cached.model_copy(update={"cached": True})
        request = {"code": code, "entry": entry, "tests": encode_tests(tests), "limits": limits.model_dump()}
        began = time.perf_counter()
        with self._slots:
            outcome = self._submit_with_retry(request, limits)
        if isinstance(outcome, str):  # the zygote died twice on this candidate
            verdicts = [Verdict(status=Status.CRASHED, reason=outcome)] * len(tests)
            return RunResult(verdicts=tuple(verdicts), duration_s=time.perf_counter() - began,
                             isolation=self._zygote.isolation if self._zygote else "unknown")
        zygote, pending = outcome
        assert pending.reply is not None
        verdicts = judge(tests, pending.reply, pending.frames)
        result = RunResult(verdicts=tuple(verdicts), duration_s=float(pending.reply.get("elapsed", 0.0)),
                           isolation=zygote.isolation)
        self.cache.put(key, result)
        return result

    def _submit_with_retry(self, request: dict, limits: Limits) -> tuple[_Zygote, _Pending] | str:
        # A zygote that dies mid-run takes every run in flight with it; those candidates are
        # run again once on a fresh zygote, and only a second death is held against one.
        wait_s = limits.candidate_timeout_s + limits.timeout_s + 30.0
        dead: _Zygote | None = None
        why = ""
        for _ in range(2):
            zygote = self._live_zygote(dead)
            request["id"] = next(self._ids)
            try:
                pending = zygote.submit(request)
            except _ZygoteDied as exc:
                dead, why = zygote, str(exc)
                continue
            if not pending.done.wait(wait_s):
                zygote._fail_all(f"the zygote did not answer within {wait_s:.0f} s")
                zygote.kill()
            if pending.failure is None:
                return zygote, pending
            dead, why = zygote, pending.failure
        return f"the sandbox died twice while running this candidate: {why}"


def _warn_reduced(why: str) -> None:
    global _warned_reduced
    with _warn_lock:
        if _warned_reduced:
            return
        _warned_reduced = True
    warnings.warn(
        f"codeloop sandbox: isolation is reduced ({why}). Candidates still run in separate "
        "processes with limits and timeouts, but network access, writes outside their "
        "temporary directory and signals to other processes are not blocked.",
        IsolationWarning, stacklevel=3)


_default: Sandbox | None = None
_default_lock = threading.Lock()


def default_sandbox() -> Sandbox:
    """The process-wide shared pool, started on first use and closed at exit."""
    global _default
    with _default_lock:
        if _default is None or _default._closed:
            _default = Sandbox()
            atexit.register(_default.close)
        return _default
