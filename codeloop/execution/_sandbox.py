"""The sandbox pool: a zygote keeps warm children ready; the calling thread drives its child.

The zygote forks children in the background and hands each one's request pipe, result
pipe and pidfd to this process over a Unix socket. A run then needs no relay: the calling
thread writes the request to a warm child, reads its frames, enforces the deadlines (and
kills through the pidfd), and decides the verdicts here, in the trusted parent.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import queue
import secrets
import select
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..exceptions import IsolationWarning, SandboxError, SandboxUnavailable
from ._cache import ResultCache, result_key
from ._cgroups import make_pool
from ._isolation import SCRUBBED_ENV, namespace_support, zygote_command
from ._judge import Layout, judge, layout_tests
from ._models import IOTest, Limits, RunResult, SatTest, Status, Test, Verdict

HEADER = struct.Struct(">I")
HELLO_TIMEOUT_S = 30.0
EXIT_REPORT_TIMEOUT_S = 10.0
_warned: set[str] = set()  # warnings given in this process (each once)
_ZYGOTE_TEST_ARGS: tuple[str, ...] = ()  # tests force fallbacks with these (e.g. --no-landlock)
_warn_lock = threading.Lock()


class _ZygoteDied(Exception):
    pass


@dataclass
class _WarmChild:
    id: int
    pid: int
    slot: int | None  # its cgroup slot, if the pool has per-candidate cgroups
    request_w: int
    result_r: int
    pidfd: int
    oom_before: int = 0  # its slot's count of kills for the memory limit, read when it arrived

    def close(self) -> None:
        for fd in (self.request_w, self.result_r, self.pidfd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.request_w = self.result_r = self.pidfd = -1

    def kill(self) -> None:
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except OSError:
            pass

    def has_children(self) -> bool:
        """Whether any process the child started still exists (conservative: True if unsure).

        Read from this process's own view of /proc, never from the child's word.
        """
        try:
            info = _read_small(f"/proc/self/fdinfo/{self.pidfd}")
            pid = int(info.split(b"\nPid:", 1)[1].split()[0])
        except (OSError, ValueError, IndexError):
            return True
        if pid <= 0:  # already reaped: its namespace was emptied before it exited
            return False
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                if _read_small(f"/proc/{pid}/task/{task}/children").strip():
                    return True
        except FileNotFoundError:
            return False
        except OSError:
            return True
        return False


def _read_small(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 65536)
    finally:
        os.close(fd)


class _Zygote:
    """One running zygote: its control socket, its warm children, and their exit reports."""

    def __init__(self, namespaces: bool, warm: int, processes: int, allow_imports: Sequence[str] = ()) -> None:
        command = zygote_command(namespaces, allow_imports)  # first: it checks the allow-list
        # A cgroup slot per child the zygote keeps alive (at most ``warm``); the pool leaves
        # room for every slot's processes, the zygote's and a probe's.
        self.cgroups, self.cgroup_reason = make_pool(warm, warm * processes + 16)
        extra = self.cgroups.zygote_args() if self.cgroups else []
        if self.cgroups is None:  # then each candidate is one process (see _seccomp)
            extra.append("--one-process")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the zygote
        try:
            self.proc = subprocess.Popen(
                [*command, "--control", str(theirs.fileno()), *extra, *_ZYGOTE_TEST_ARGS],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr,
                env=SCRUBBED_ENV, cwd="/", pass_fds=[theirs.fileno()], start_new_session=True)
        finally:
            theirs.close()
        self.control = ours
        self.send_lock = threading.Lock()
        self.warm: queue.Queue[_WarmChild | None] = queue.Queue()
        self.exits: dict[int, str] = {}
        self.forgotten: set[int] = set()  # children whose exit report is not wanted
        self.taken: set[int] = set()  # children given a request and not yet reported gone
        self.exits_changed = threading.Condition()
        self.alive = True
        self.death = ""
        hello = self._hello()
        self.isolation: str = hello["isolation"]
        self.warnings: list[str] = list(hello.get("warnings", []))
        self.missing: dict[str, str] = dict(hello.get("missing", {}))  # protection -> why not
        self.socket_privacy: str = str(hello.get("sockets", ""))  # how abstract sockets are kept private
        if self.cgroups is None:
            self.missing["per-candidate cgroups"] = (
                f"{self.cgroup_reason}; each candidate is one process (fork and memfd_create refused), its "
                "memory bounded per process by RLIMIT_AS")
        self.send({"warm": warm})
        self.reader = threading.Thread(target=self._read_loop, name="codeloop-zygote", daemon=True)
        self.reader.start()

    def _hello(self) -> dict:
        ready, _, _ = select.select([self.control], [], [], HELLO_TIMEOUT_S)
        try:
            if not ready:
                raise _ZygoteDied(f"no greeting within {HELLO_TIMEOUT_S:.0f} s")
            data = self.control.recv(1 << 16)
            if not data:
                raise _ZygoteDied("it exited at once")
            return json.loads(data)["hello"]
        except (_ZygoteDied, ValueError, KeyError, OSError) as exc:
            self.kill()
            tail = self.stderr_tail()
            self.control.close()
            self.stderr.close()
            raise SandboxError(f"the sandbox zygote failed to start ({exc}): {tail}") from None

    def stderr_tail(self) -> str:
        try:
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - 2000))
            return self.stderr.read().decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""

    def send(self, message: dict) -> None:
        with self.send_lock:
            try:
                self.control.send(json.dumps(message).encode())
            except OSError:
                pass  # a dead zygote is noticed by the reader

    def _read_loop(self) -> None:
        try:
            while True:
                data, fds, _, _ = socket.recv_fds(self.control, 1 << 16, 3, socket.MSG_CMSG_CLOEXEC)
                if not data:
                    raise _ZygoteDied("it closed its control socket")
                message = json.loads(data)
                if "child" in message and len(fds) == 3 and self.alive:
                    child = _WarmChild(message["child"], message["pid"], message.get("slot"), *fds)
                    if self.cgroups is not None and child.slot is not None:  # here, off a run's critical path
                        child.oom_before = self.cgroups.oom_kills(child.slot)
                    self.warm.put(child)
                    continue
                for fd in fds:
                    os.close(fd)
                if "exited" in message:
                    with self.exits_changed:
                        child_id = message["exited"]
                        if child_id in self.forgotten or child_id not in self.taken:
                            self.forgotten.discard(child_id)  # nobody will ask
                        else:
                            self.exits[child_id] = str(message.get("detail", ""))
                            self.exits_changed.notify_all()
                        self.taken.discard(child_id)
        except (_ZygoteDied, ValueError, KeyError, OSError) as exc:
            self._die(f"the sandbox zygote died ({exc}); {self.stderr_tail()}".strip("; "))

    def _die(self, why: str) -> None:
        self.alive = False
        self.death = why
        self.warm.put(None)  # wakes a waiter; it puts the marker back for the next
        with self.exits_changed:
            self.exits_changed.notify_all()

    def take(self) -> _WarmChild:
        """A warm child, waiting for one if needed; raises ``_ZygoteDied`` if none can come."""
        while True:
            if not self.alive:
                raise _ZygoteDied(self.death)
            try:
                child = self.warm.get(timeout=HELLO_TIMEOUT_S)
            except queue.Empty:
                raise _ZygoteDied(f"no child was ready within {HELLO_TIMEOUT_S:.0f} s") from None
            if child is None:
                self.warm.put(None)
                continue
            with self.exits_changed:
                self.taken.add(child.id)
            return child

    def exit_detail(self, child_id: int) -> str | None:
        """How the child ended, as the zygote (its parent) saw it; ``None`` if it cannot say."""
        deadline = time.monotonic() + EXIT_REPORT_TIMEOUT_S
        with self.exits_changed:
            while child_id not in self.exits:
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive:
                    self.forgotten.add(child_id)
                    return None
                self.exits_changed.wait(left)
            return self.exits.pop(child_id)

    def forget_exit(self, child_id: int) -> None:
        with self.exits_changed:
            if self.exits.pop(child_id, None) is None:
                self.forgotten.add(child_id)

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
        self._remove_cgroup()

    def _remove_cgroup(self) -> None:
        if self.cgroups is not None:
            for _ in range(50):  # the kernel empties them as the last processes are reaped
                self.cgroups.remove()
                if not self.cgroups.exists():
                    break
                time.sleep(0.01)

    def close(self) -> None:
        self.send({"shutdown": True})
        try:
            self.control.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
        self._die("the sandbox was closed")
        while True:  # warm children end when their request pipe closes
            try:
                child = self.warm.get_nowait()
            except queue.Empty:
                break
            if child is not None:
                child.close()
        self.warm.put(None)  # the death marker, for any thread still waiting in take()
        self.control.close()
        self._remove_cgroup()
        self.stderr.close()


@dataclass
class _Attempt:
    """What one child reported, and how it ended."""

    frames: list[tuple[int, bytes, str | None]] = field(default_factory=list)  # index, raw, nonce
    loaded: bool | None = None
    next_index: int = 0
    killed_for: str | None = None
    kill_kind: str = "timeout"  # "timeout", or "limit": it wrote more than a result may hold
    finished: bool = False  # every test was reported (or loading failed): nothing more to read
    ended: str | None = None  # how the process ended, if the zygote saw it end on its own
    out_of_memory: bool = False  # the kernel killed a process of its cgroup slot for the memory limit


def _frame_limit(limits: Limits) -> int:
    # JSON escapes a control character in 6 bytes: two tails and a message, all escaped.
    return limits.max_output_bytes + 14 * limits.output_tail_bytes + 16_384


class _Runner:
    """Drives one warm child through tests ``start..``: the parent's side of an attempt."""

    def __init__(self, zygote: _Zygote, child: _WarmChild, namespaces: bool) -> None:
        self.zygote, self.child, self.namespaces = zygote, child, namespaces

    def run(self, raw_request: bytes, start: int, n_tests: int, limits: Limits, deadline: float,
            needs_nonce: bool = False) -> _Attempt:
        child = self.child
        attempt = _Attempt(next_index=start)
        # Given to the child only after its load frame: code running at import cannot know it.
        self.nonce = secrets.token_hex(16) if needs_nonce else None
        cgroups, slot = self.zygote.cgroups, child.slot
        if cgroups is not None and slot is not None:  # the child cannot run code before the request
            cgroups.set_limits(slot, limits.memory_mb, limits.processes)
        try:
            message = HEADER.pack(len(raw_request) + HEADER.size) + HEADER.pack(start) + raw_request
            if self._send_request(message, deadline, keep_open=needs_nonce):
                self._collect(attempt, start, n_tests, limits, deadline)
            else:
                attempt.killed_for = "the candidate's total time limit was exceeded"
        finally:
            if attempt.ended is None:
                # Killing the child, PID 1 of its own namespace, makes the kernel kill and
                # reap everything in that namespace before the child's exit is reported. If
                # it finished and started nothing, returning at once is safe; otherwise wait
                # for that exit (a namespace teardown costs about a millisecond, so only when
                # needed).
                child.kill()
                self.zygote.forget_exit(child.id)
                if not attempt.finished or child.has_children():
                    select.select([child.pidfd], [], [], EXIT_REPORT_TIMEOUT_S)
            if not attempt.finished and cgroups is not None and slot is not None:
                attempt.out_of_memory = cgroups.oom_kills(slot) > child.oom_before
            child.close()
        return attempt

    def _send_nonce(self) -> None:
        """After the load frame: the nonce, then the end of the request pipe. The pipe is
        empty by now (the child read the request before loading), so this cannot block."""
        child = self.child
        if child.request_w < 0:
            return
        try:
            os.write(child.request_w, HEADER.pack(len(self.nonce or "")) + (self.nonce or "").encode())
        except OSError:
            pass  # the child is gone or not reading: its tests fail without the nonce
        finally:
            os.close(child.request_w)
            child.request_w = -1

    def _send_request(self, message: bytes, deadline: float, keep_open: bool = False) -> bool:
        """Write the whole request without ever blocking past the deadline (the child is
        untrusted: it, or something holding its pipe, may never read). False on timeout.
        ``keep_open`` leaves the pipe open for the nonce."""
        child = self.child
        os.set_blocking(child.request_w, False)
        view = memoryview(message)
        try:
            while view:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                _, writable, _ = select.select([], [child.request_w], [], left)
                if writable:
                    try:
                        view = view[os.write(child.request_w, view[:1 << 16]):]
                    except BlockingIOError:
                        continue
            return True
        except OSError:
            return True  # the child is gone: its exit is handled while collecting
        finally:
            if not keep_open or view:
                os.close(child.request_w)
                child.request_w = -1

    def _collect(self, attempt: _Attempt, start: int, n_tests: int, limits: Limits, deadline: float) -> None:
        child = self.child
        poller = select.poll()
        poller.register(child.result_r, select.POLLIN)
        poller.register(child.pidfd, select.POLLIN)
        buffer = bytearray()
        total = 0
        frame_limit = _frame_limit(limits)
        last_progress = time.monotonic()
        n_frames = 0
        while True:
            now = time.monotonic()
            if now >= deadline:
                return self._kill(attempt, "the candidate's total time limit was exceeded")
            if now >= last_progress + limits.timeout_s:
                return self._kill(attempt, "the per-test time limit was exceeded")
            wait = min(deadline, last_progress + limits.timeout_s) - now
            events = dict(poller.poll(wait * 1000 + 1))
            if child.result_r in events:
                chunk = os.read(child.result_r, 1 << 16)
                total += len(chunk)
                buffer += chunk
                if total > frame_limit * (n_tests + 2):
                    return self._kill(attempt, f"its results exceed the limit on result data ({frame_limit * (n_tests + 2)} "
                                               "bytes for this run, from Limits.max_output_bytes)", "limit")
                while len(buffer) >= HEADER.size:
                    (size,) = HEADER.unpack_from(buffer)
                    if size > frame_limit:
                        return self._kill(attempt, f"its result frame of {size} bytes exceeds the frame size limit "
                                                   f"({frame_limit} bytes, from Limits.max_output_bytes)", "limit")
                    if len(buffer) < HEADER.size + size:
                        break
                    raw = bytes(buffer[HEADER.size:HEADER.size + size])
                    del buffer[:HEADER.size + size]
                    if n_frames == 0:  # the load frame; -1 stands for "all open tests"
                        attempt.loaded = raw.startswith(b'{"load": true')
                        attempt.frames.append((-1, raw, self.nonce))
                        if self.nonce is not None:
                            self._send_nonce()
                    else:
                        attempt.frames.append((start + n_frames - 1, raw, self.nonce))
                    n_frames += 1
                    attempt.next_index = start + max(n_frames - 1, 0)
                    last_progress = time.monotonic()
                    if attempt.loaded is False or attempt.next_index >= n_tests:
                        return self._finish(attempt)
                if not chunk and child.pidfd not in events:
                    poller.unregister(child.result_r)  # end of file: wait for the exit
            if child.pidfd in events:
                self._drain(attempt, buffer, start, n_frames, n_tests, frame_limit * (n_tests + 2), frame_limit)
                attempt.ended = self.zygote.exit_detail(child.id) or "the process ended without a result"
                return None

    def _drain(self, attempt: _Attempt, buffer: bytearray, start: int, n_frames: int, n_tests: int,
               limit: int, frame_limit: int) -> None:
        """After the exit: frames still in the pipe count (it may have exited right after),
        up to ``limit`` bytes (an escaped grandchild could otherwise write forever), each at
        most ``frame_limit``."""
        os.set_blocking(self.child.result_r, False)
        try:
            while len(buffer) < limit:
                chunk = os.read(self.child.result_r, 1 << 16)
                if not chunk:
                    break
                buffer += chunk
        except (BlockingIOError, OSError):
            pass
        while len(buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(buffer)
            if size > frame_limit:
                attempt.killed_for = (f"its result frame of {size} bytes exceeds the frame size limit "
                                      f"({frame_limit} bytes, from Limits.max_output_bytes)")
                attempt.kill_kind = "limit"
                break
            if len(buffer) < HEADER.size + size:
                break
            raw = bytes(buffer[HEADER.size:HEADER.size + size])
            del buffer[:HEADER.size + size]
            index = -1 if n_frames == 0 else start + n_frames - 1
            if n_frames == 0:
                attempt.loaded = raw.startswith(b'{"load": true')
            if index < n_tests:
                attempt.frames.append((index, raw, self.nonce))
            n_frames += 1
        attempt.next_index = start + max(n_frames - 1, 0)

    def _kill(self, attempt: _Attempt, why: str, kind: str = "timeout") -> None:
        attempt.killed_for, attempt.kill_kind = why, kind
        self.child.kill()

    def _finish(self, attempt: _Attempt) -> None:
        """Everything is reported. With namespaces, killing the child (PID 1 of its own
        namespace) ends everything it started at once; without them the zygote's report
        of the exit comes after it has killed any escapee, so wait for that report."""
        attempt.finished = True
        if not self.namespaces:
            self.child.kill()
            attempt.ended = self.zygote.exit_detail(self.child.id)


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
        ``"auto"`` uses every protection the machine allows (namespaces, the minimal root,
        per-candidate IPC namespaces and abstract sockets, the seccomp filter, per-candidate cgroups)
        and warns once, naming each that is missing and why; ``"namespaces"`` requires the
        namespaces (raises :class:`~codeloop.exceptions.SandboxUnavailable`) and warns about
        the rest; ``"strict"`` requires every protection and raises naming each missing one;
        ``"none"`` uses no namespaces (the filter and cgroups still apply where available)
        and does not warn.
    cache_size:
        Results kept in memory (0 disables the cache).
    allow_imports:
        Top-level packages beyond the standard library that candidates may import (for
        suites that use numpy, say): their directories are bound read-only into the
        candidates' minimal root and imported once in the zygote. List every package they
        import, dependencies included; nothing else of site-packages is visible.
    """

    def __init__(self, *, workers: int | None = None, limits: Limits | None = None,
                 isolation: Literal["auto", "namespaces", "strict", "none"] = "auto", cache_size: int = 50_000,
                 allow_imports: Sequence[str] = ()) -> None:
        if isolation not in ("auto", "namespaces", "strict", "none"):
            raise ValueError(f"isolation must be 'auto', 'namespaces', 'strict' or 'none', got {isolation!r}")
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.limits = limits or Limits()
        self.cache = ResultCache(cache_size)
        self._isolation_request = isolation
        self.allow_imports = tuple(allow_imports)
        self._slots = threading.BoundedSemaphore(self.workers)
        self._zygote: _Zygote | None = None
        self._zygote_lock = threading.Lock()
        self._closed = False
        self.zygote_restarts = 0

    # -- lifecycle -----------------------------------------------------------------------
    def _want_namespaces(self) -> tuple[bool, str]:
        """Whether to start the zygote in namespaces, and if not (in auto), why not."""
        if self._isolation_request == "none":
            return False, ""
        ok, why = _namespace_support()
        if ok:
            return True, ""
        if self._isolation_request in ("namespaces", "strict"):
            raise SandboxUnavailable(f"{self._isolation_request} isolation needs Linux namespaces, which are not "
                                     f"available here: {why}")
        return False, why

    def _live_zygote(self, dead: _Zygote | None = None) -> _Zygote:
        with self._zygote_lock:
            if self._closed:
                raise SandboxError("the sandbox is closed")
            zygote = self._zygote
            if zygote is not None and zygote.alive and zygote is not dead:
                return zygote
            if zygote is not None:
                zygote.kill()
                zygote.close()
                self.zygote_restarts += 1
            namespaces, why_not = self._want_namespaces()
            zygote = _Zygote(namespaces, warm=self.workers + 1, processes=max(self.limits.processes, 1),
                             allow_imports=self.allow_imports)
            if why_not:
                zygote.missing = {"namespaces": f"{why_not}; network, filesystem and process isolation are off",
                                  **zygote.missing}
            if self._isolation_request == "strict" and zygote.missing:
                zygote.close()
                raise SandboxUnavailable(
                    "strict isolation refuses to run without every protection; missing here: "
                    + "; ".join(f"{name} ({why})" for name, why in zygote.missing.items()))
            self._zygote = zygote
            for message in zygote.warnings:
                _warn_once(message, message)
            if self._isolation_request != "none" and zygote.missing:
                _warn_missing(zygote.missing)
            return zygote

    def start(self) -> Sandbox:
        """Start the zygote now rather than at the first run (e.g. to measure it)."""
        self._live_zygote()
        return self

    @property
    def isolation(self) -> str:
        """``"namespaces"`` (full), ``"namespaces-writable-fs"`` or ``"none"`` (reduced)."""
        return self._live_zygote().isolation

    @property
    def missing_protections(self) -> dict[str, str]:
        """Each protection that is not in place in this pool, with the reason (empty: all are)."""
        return dict(self._live_zygote().missing)

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
        if any(isinstance(t, SatTest) for t in tests):
            result = self._run_with_sat(code, entry, tests, limits)
            self.cache.put(key, result)
            return result
        layout = layout_tests(tests, entry)
        raw = json.dumps({"code": code, "entry": entry, "tests": layout.child_tests,
                          "limits": limits.model_dump(), "nonce": layout.needs_nonce}).encode()
        began = time.monotonic()
        with self._slots:
            outcome = self._run_with_retry(raw, layout, limits)
        if isinstance(outcome, str):  # the zygote died twice on this candidate
            verdicts = [Verdict(status=Status.CRASHED, reason=outcome)] * len(tests)
            return RunResult(verdicts=tuple(verdicts), duration_s=time.monotonic() - began,
                             isolation=self._zygote.isolation if self._zygote else "unknown")
        isolation, frames, events = outcome
        result = RunResult(verdicts=tuple(judge(tests, layout, frames, events, limits)),
                           duration_s=time.monotonic() - began, isolation=isolation)
        self.cache.put(key, result)
        return result

    def _run_with_sat(self, code: str, entry: str, tests: list[Test], limits: Limits) -> RunResult:
        """Puzzle tests in two stages: the candidate's answers come back as data, then each
        ``sat(answer)`` runs in a fresh child that holds no candidate code."""
        began = time.monotonic()
        first = [IOTest(args=t.args, kwargs=t.kwargs, expected=None) if isinstance(t, SatTest) else t
                 for t in tests]
        stage_one = self.run(code, entry, first, limits)
        verdicts = list(stage_one.verdicts)
        for i, test in enumerate(tests):
            if not isinstance(test, SatTest):
                continue
            answer = verdicts[i]
            if not answer.has_output:
                continue  # error, timeout, crash, or an answer that cannot cross: keep as is
            check = self.run(test.sat, "sat", [IOTest(args=(answer.output,), expected=True, compare="is")],
                             limits).verdicts[0]
            if check.status is Status.PASSED:
                verdicts[i] = answer.model_copy(update={"status": Status.PASSED, "reason": ""})
            else:
                why = check.reason or check.status.value
                verdicts[i] = answer.model_copy(update={"reason": f"sat(answer) did not return True: {why}"})
        return RunResult(verdicts=tuple(verdicts), duration_s=time.monotonic() - began,
                         isolation=stage_one.isolation)

    def _run_with_retry(self, raw: bytes, layout: Layout, limits: Limits) -> tuple[str, list, list] | str:
        # A zygote that dies mid-run takes every run in flight with it; those candidates are
        # run again once on a fresh zygote, and only a second death is held against one.
        dead: _Zygote | None = None
        for _ in range(2):
            zygote = self._live_zygote(dead)
            try:
                frames, events = self._run_tests(zygote, raw, layout, limits)
            except _ZygoteDied:
                dead = zygote
                continue
            if zygote.alive:
                return zygote.isolation, frames, events
            dead = zygote
        return f"the sandbox died twice while running this candidate: {dead.death if dead else ''}"

    def _run_tests(self, zygote: _Zygote, raw: bytes, layout: Layout, limits: Limits) -> tuple[list, list]:
        """All child tests, in as many children as it takes: after a timeout or crash the next
        test goes on in a fresh child while the candidate's time allows."""
        deadline = time.monotonic() + limits.candidate_timeout_s
        namespaces = zygote.isolation.startswith("namespaces")
        n_tests = len(layout.child_tests)
        frames: list[tuple[int, bytes, str | None]] = []
        events: list[dict] = []
        start = 0
        while n_tests:
            attempt = _Runner(zygote, zygote.take(), namespaces).run(raw, start, n_tests, limits, deadline,
                                                                     layout.needs_nonce)
            frames += attempt.frames
            nxt = attempt.next_index
            if attempt.loaded is False or nxt >= n_tests:
                break
            if attempt.out_of_memory:
                kind, detail = "crash", (f"memory limit exceeded: the candidate's processes together used more "
                                         f"than {limits.memory_mb} MB (killed by the kernel)")
            elif attempt.killed_for is not None:
                kind, detail = attempt.kill_kind, attempt.killed_for
            else:
                kind, detail = "crash", attempt.ended or "the process ended without a result"
            events.append({"at": nxt if attempt.loaded else -1, "kind": kind, "detail": detail})
            if not attempt.loaded or nxt + 1 >= n_tests:
                break
            if time.monotonic() >= deadline:
                events.append({"at": nxt + 1, "to": n_tests, "kind": "timeout",
                               "detail": "the candidate's total time limit ran out before this test"})
                break
            start = nxt + 1
        return frames, events


def _warn_once(key: str, message: str) -> None:
    with _warn_lock:
        if key in _warned:
            return
        _warned.add(key)
    warnings.warn(f"codeloop sandbox: {message}", IsolationWarning, stacklevel=4)


def _warn_missing(missing: dict[str, str]) -> None:
    """One warning (per process, per set of missing protections) naming each and why."""
    names = sorted(missing)
    listed = "; ".join(f"{name}: {missing[name]}" for name in names)
    _warn_once("missing:" + ",".join(names),
               f"isolation is reduced, {len(names)} protection(s) missing ({listed}). Candidates still run in "
               "separate processes with limits and timeouts; Sandbox(isolation='strict') refuses to run instead.")


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
