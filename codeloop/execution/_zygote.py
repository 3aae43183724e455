"""The zygote: a small pre-started process that forks one fresh child per candidate.

It is started by path with the standard library only (never ``import codeloop``), so it is
small and cheap to fork, and it never runs candidate code itself: each attempt forks a
child that drops privileges, applies limits and only then compiles the candidate.

With ``--namespaces`` the zygote runs inside a user, network, mount and PID namespace made
once per pool by ``unshare(1)``; it remounts every filesystem read-only except a private
tmpfs on /tmp, and each attempt gets a nested PID namespace whose init is the candidate's
runner, so when the runner ends the kernel kills everything the candidate started.

Protocol on stdin/stdout: frames of a 4-byte big-endian length and UTF-8 JSON.
    hello     {"hello": {"isolation": str, "warnings": [str], "pid": int}}   (first frame out)
    request   {"id": int, "code": str, "entry": str, "tests": [{"args": enc, "kwargs": enc} |
               {"assert": str}], "limits": {...}}
    reply     {"id": int, "frames": [[test_index, n_bytes], ...], "events": [...],
               "elapsed": float} followed by the raw frames the children wrote
    shutdown  {"shutdown": true} or end of stdin
A child's frames are relayed, never trusted: the parent decodes them and decides.
"""

from __future__ import annotations

import ctypes
import errno
import gc
import json
import os
import resource
import select
import shutil
import signal
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _codec  # noqa: E402  (this file runs as a script, see the docstring)

# Modules most candidates import: loaded once here, so each fork gets them for free.
PRELOAD = (
    "math", "re", "collections", "itertools", "functools", "heapq", "bisect", "string",
    "operator", "typing", "random", "copy", "statistics", "fractions", "decimal", "datetime",
    "cmath", "array", "reprlib", "traceback",
)

HEADER = struct.Struct(">I")
RESULT_FD = 3
CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
MOUNT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
               "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}

_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _prctl(option: int, arg: int = 0) -> int:
    return _libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def enc(text: str | None) -> bytes | None:
        return text.encode() if text is not None else None

    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def make_filesystem_read_only(work_root: str) -> None:
    """Remount every mount read-only, then put a private writable tmpfs at ``work_root``."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    with open("/proc/self/mountinfo") as f:
        mounts = [line.split() for line in f]
    for fields in mounts:
        target = fields[4].encode().decode("unicode_escape")
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for opt in fields[5].split(","):
            flags |= MOUNT_FLAGS.get(opt, 0)
        try:
            _mount(None, target, None, flags)
        except OSError as exc:
            # A mount hidden under another one cannot be reached by path; it is read-only
            # if it cannot be reached. Anything else is a real failure.
            if exc.errno not in (errno.ENOENT, errno.EINVAL, errno.EACCES):
                raise
    _mount("tmpfs", work_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=256m,mode=1777")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _last_capability() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 63


LAST_CAP = _last_capability()
_NO_CAPS = (_CapData * 2)()
_CAP_HEADER = _CapHeader(0x20080522, 0)


_capset = _libc.capset


def forbid_regaining_privileges() -> None:
    """Empty the bounding and ambient sets and set no-new-privs, once, in the zygote.

    These are inherited and only limit what ``execve`` can grant, so the zygote keeps the
    capabilities it needs (new PID namespaces) while no child can ever regain any.
    """
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    for cap in range(LAST_CAP + 1):
        _prctl(PR_CAPBSET_DROP, cap)
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)


def drop_capabilities() -> None:
    """In the child: no effective, permitted or inheritable capability is left."""
    _check(_capset(ctypes.byref(_CAP_HEADER), ctypes.byref(_NO_CAPS)), "capset")


# --------------------------------------------------------------------------------------
# The runner: the forked child that runs the candidate. From here on nothing is trusted.
# --------------------------------------------------------------------------------------

def _write_frame(obj: dict, fd: int = RESULT_FD) -> None:
    data = json.dumps(obj, ensure_ascii=False).encode("utf-8", "backslashreplace")
    buf = HEADER.pack(len(data)) + data
    while buf:
        buf = buf[os.write(fd, buf):]


def _tail(fd: int, start: int, limit: int) -> tuple[str, int]:
    """Return the last ``limit`` bytes written to ``fd`` since ``start``, and the new end."""
    try:
        end = os.fstat(fd).st_size
        if limit <= 0 or end <= start:
            return "", end
        begin = max(start, end - limit)
        return os.pread(fd, end - begin, begin).decode("utf-8", "replace"), end
    except OSError:
        return "", start


def _describe_exception(exc: BaseException) -> dict:
    try:
        message = str(exc)[:2000]
    except BaseException:  # noqa: BLE001 - a hostile __str__ must not stop the report
        message = "<unprintable message>"
    return {"ok": False, "exc": type(exc).__name__, "msg": message}


def _encode_output(value: object, max_bytes: int) -> dict:
    try:
        encoded = _codec.encode(value, max_nodes=max(1000, max_bytes // 2))
        size = len(json.dumps(encoded))
    except _codec.Unencodable as exc:
        return {"ok": False, "unenc": exc.type_name, "msg": str(exc), "repr": _safe_repr(value)}
    except RecursionError:
        return {"ok": False, "unenc": type(value).__name__, "msg": "value nests too deeply"}
    if size > max_bytes:
        return {"ok": False, "big": size, "repr": _safe_repr(value)}
    return {"ok": True, "v": encoded}


def _safe_repr(value: object) -> str:
    try:
        import reprlib
        return reprlib.repr(value)[:300]
    except BaseException:  # noqa: BLE001
        return f"<{type(value).__name__} object>"


def run_candidate(request: dict, start: int, out_fd: int = RESULT_FD) -> None:
    """Load the candidate and run tests from ``start``, writing one frame each to ``out_fd``."""
    limits = request["limits"]
    tail_limit = int(limits["output_tail_bytes"])
    out_pos = err_pos = 0
    namespace: dict = {"__name__": "__candidate__", "__builtins__": __builtins__}
    try:
        exec(compile(request["code"], "<candidate>", "exec"), namespace)
        entry = namespace.get(request["entry"])
        if not callable(entry):
            defined = sorted(k for k, v in namespace.items() if callable(v) and not k.startswith("__"))
            raise NameError(f"entry point {request['entry']!r} is not defined as a function; "
                            f"the code defines: {', '.join(defined) or 'nothing callable'}")
    except BaseException as exc:  # noqa: BLE001 - SystemExit at load is a load failure too
        _write_frame({"load": False, **_describe_exception(exc)}, out_fd)
        return
    _write_frame({"load": True}, out_fd)
    for test in request["tests"][start:]:
        began = time.perf_counter()
        try:
            if "assert" in test:
                scope = dict(namespace)
                scope["candidate"] = entry
                exec(compile(test["assert"], "<test>", "exec"), scope)
                if callable(scope.get("check")):
                    scope["check"](entry)
                frame = {"ok": True, "v": None}
            else:
                args = _codec.decode(test["args"])
                kwargs = _codec.decode(test["kwargs"])
                frame = _encode_output(entry(*args, **kwargs), int(limits["max_output_bytes"]))
        except BaseException as exc:  # noqa: BLE001 - sys.exit() inside a test is a test error
            frame = _describe_exception(exc)
        frame["dt"] = time.perf_counter() - began
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        frame["out"], out_pos = _tail(1, out_pos, tail_limit)
        frame["err"], err_pos = _tail(2, err_pos, tail_limit)
        _write_frame(frame, out_fd)


_REHEARSAL = {
    "code": "def _rehearse(a, b=()):\n    return [a, (b, {a: {a}}), 1.5, 'x']\n",
    "entry": "_rehearse",
    "tests": [{"args": {"t": [1]}, "kwargs": {"d": [["b", {"t": [2]}]]}}, {"args": {"t": [object.__name__]},
              "kwargs": {"d": []}}, {"assert": "assert _rehearse(3)"}],
    "limits": {"output_tail_bytes": 64, "max_output_bytes": 4096},
}


def rehearse() -> None:
    """Run a dummy candidate through the whole runner path while the child waits for work.

    After a fork every page the child writes to (Python's reference counts touch most
    objects it uses) is copied on first touch; doing that here, before the request
    arrives, takes those copies off the request's critical path.
    """
    sink = os.open(os.devnull, os.O_WRONLY)
    try:
        run_candidate(json.loads(json.dumps(_REHEARSAL)), 0, sink)
    finally:
        os.close(sink)


def _apply_limits(limits: dict) -> None:
    mib = 1024 * 1024
    cpu = int(float(limits["candidate_timeout_s"])) + 2
    for which, value in (
        (resource.RLIMIT_AS, int(limits["memory_mb"]) * mib),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_FSIZE, int(limits["file_size_mb"]) * mib),
        (resource.RLIMIT_NOFILE, int(limits["open_files"])),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NPROC, int(limits["processes"])),
    ):
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            soft, hard = resource.getrlimit(which)
            if hard == resource.RLIM_INFINITY or value < hard:
                raise
            resource.setrlimit(which, (hard, hard))  # already stricter than asked


def _read_exact(fd: int, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            os._exit(0)  # the zygote is gone: nothing to do
        data += chunk
    return data


def _child_main(fds: tuple[int, int, int, int], workdir: str, namespaces: bool) -> None:
    """A warm child: set up what does not depend on the request, then wait for it.

    Forking and this set-up happen while the previous candidate runs, so a request pays
    only for loading and running the candidate. Everything that can be done once in the
    zygote (signal dispositions, umask, environment, the bounding set, the text streams on
    fds 0-2) is done there: after a fork every page Python touches is copied, so the
    child's own work is kept to a few system calls.
    """
    os.setsid()
    if namespaces:  # this process is PID 1 of its own namespace: all it starts dies with it
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        drop_capabilities()
    os.chdir(workdir)
    out, err, result_w, request_r = fds
    request_fd = RESULT_FD + 1
    for src, dst in ((out, 1), (err, 2), (result_w, RESULT_FD), (request_r, request_fd)):
        os.dup2(src, dst)
    os.closerange(request_fd + 1, 1 << 16)
    tempfile.tempdir = workdir
    rehearse()
    (size,) = HEADER.unpack(_read_exact(request_fd, HEADER.size))
    (start,) = HEADER.unpack(_read_exact(request_fd, HEADER.size))
    request = json.loads(_read_exact(request_fd, size - HEADER.size))
    os.close(request_fd)
    _apply_limits(request["limits"])
    run_candidate(request, start)
    os._exit(0)


# --------------------------------------------------------------------------------------
# The zygote's event loop.
# --------------------------------------------------------------------------------------

class Child:
    """A forked child: warm (waiting for a request) until :meth:`Zygote.dispatch` gives it one."""

    def __init__(self, pid: int, pidfd: int, result_r: int, request_w: int, workdir: str) -> None:
        self.pid, self.pidfd, self.result_r, self.request_w = pid, pidfd, result_r, request_w
        self.workdir = workdir
        self.run: Run | None = None
        self.start = 0
        self.buffer = bytearray()
        self.n_frames = 0  # frames received (the first is the load frame)
        self.loaded: bool | None = None
        self.last_progress = 0.0
        self.bytes_in = 0
        self.exit_status: int | None = None
        self.killed_for: str | None = None
        self.reported = False  # its run has been told everything this child will tell

    @property
    def next_index(self) -> int:
        return self.start + max(self.n_frames - 1, 0)


class Run:
    """One request: its frames, events, and timing across children."""

    def __init__(self, raw: bytes, request: dict) -> None:
        self.raw = raw
        self.id = request["id"]
        self.limits = request["limits"]
        self.n_tests = len(request["tests"])
        self.frames: list[tuple[int, bytes]] = []  # (test index, raw frame); -1 = load
        self.events: list[dict] = []
        self.began = time.monotonic()

    @property
    def deadline(self) -> float:
        return self.began + float(self.limits["candidate_timeout_s"])

    @property
    def frame_limit(self) -> int:
        return int(self.limits["max_output_bytes"]) + 8 * int(self.limits["output_tail_bytes"]) + 8192


class Zygote:
    def __init__(self, proto_in: int, proto_out: int, namespaces: bool, work_root: str) -> None:
        self.proto_in, self.proto_out = proto_in, proto_out
        self.namespaces, self.work_root = namespaces, work_root
        self.inbox = bytearray()
        self.by_fd: dict[int, Child] = {}  # result pipe and pidfd -> child
        self.busy: list[Child] = []
        self.warm: list[Child] = []
        self.poller = select.poll()
        self.poller.register(proto_in, select.POLLIN)
        self.closing = False
        self.own_pid_ns = os.open("/proc/self/ns/pid", os.O_RDONLY)

    # -- output to the parent --------------------------------------------------------
    def send(self, obj: dict, raw: list[bytes] = ()) -> None:
        data = json.dumps(obj).encode()
        buf = b"".join([HEADER.pack(len(data)), data, *raw])
        while buf:
            buf = buf[os.write(self.proto_out, buf):]

    # -- children --------------------------------------------------------------------
    def fork_child(self) -> Child:
        result_r, result_w = os.pipe()
        request_r, request_w = os.pipe()
        workdir = tempfile.mkdtemp(prefix="run-", dir=self.work_root)
        flags = os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
        out = os.open(os.path.join(workdir, "stdout.txt"), flags, 0o600)
        err = os.open(os.path.join(workdir, "stderr.txt"), flags, 0o600)
        # All these are above fd 4 (fds 3 and 4 are the zygote's protocol pipes), so the
        # child's dup2s onto 1-4 cannot overwrite one another.
        fds = (out, err, result_w, request_r)
        gc.freeze()  # the child's collector then leaves the zygote's objects (and pages) alone
        if self.namespaces:  # the next fork starts a new PID namespace, as its PID 1
            _check(_libc.unshare(CLONE_NEWPID), "unshare(CLONE_NEWPID)")
        pid = os.fork()
        if self.namespaces and pid:  # later forks of the zygote's own go back to its namespace
            _check(_libc.setns(self.own_pid_ns, CLONE_NEWPID), "setns(own PID namespace)")
        if pid == 0:
            try:
                _child_main(fds, workdir, self.namespaces)
            finally:
                os._exit(70)
        gc.unfreeze()
        for fd in fds:
            os.close(fd)
        os.set_blocking(result_r, False)
        child = Child(pid, os.pidfd_open(pid), result_r, request_w, workdir)
        self.by_fd[child.pidfd] = child
        self.poller.register(child.pidfd, select.POLLIN)
        return child

    def dispatch(self, run: Run, start: int) -> None:
        child = self.warm.pop() if self.warm else self.fork_child()
        child.run, child.start, child.last_progress = run, start, time.monotonic()
        try:
            os.write(child.request_w, HEADER.pack(len(run.raw) + HEADER.size) + HEADER.pack(start) + run.raw)
        except OSError:
            pass  # the child died while warm; its exit is handled like any crash
        os.close(child.request_w)
        child.request_w = -1
        self.by_fd[child.result_r] = child
        self.poller.register(child.result_r, select.POLLIN)
        self.busy.append(child)

    def keep_one_warm(self) -> None:
        """Fork a spare child once no run waits on the zygote, so the next request finds one.

        Forking while a child runs would slow both (they share the CPUs, and the warm child
        rehearses); after the reply the fork overlaps with the parent's turnaround instead.
        """
        if not self.warm and not self.closing and all(c.reported for c in self.busy):
            self.warm.append(self.fork_child())

    def read_results(self, child: Child) -> None:
        run = child.run
        assert run is not None
        while not child.reported:
            try:
                chunk = os.read(child.result_r, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            child.buffer += chunk
            child.bytes_in += len(chunk)
            if child.bytes_in > run.frame_limit * (run.n_tests + 2):
                return self.kill(child, "wrote more result data than the limit allows")
            while len(child.buffer) >= HEADER.size and not child.reported:
                (size,) = HEADER.unpack_from(child.buffer)
                if size > run.frame_limit:
                    return self.kill(child, f"wrote a result frame of {size} bytes, over the limit")
                if len(child.buffer) < HEADER.size + size:
                    break
                raw = bytes(child.buffer[HEADER.size:HEADER.size + size])
                del child.buffer[:HEADER.size + size]
                self.take_frame(child, raw)

    def take_frame(self, child: Child, raw: bytes) -> None:
        run = child.run
        assert run is not None
        if child.n_frames == 0:  # the load frame; -1 stands for "all open tests"
            child.loaded = raw.startswith(b'{"load": true')
            index = -1
        else:
            index = child.start + child.n_frames - 1
        run.frames.append((index, raw))
        child.n_frames += 1
        child.last_progress = time.monotonic()
        # Everything is reported: end the child now rather than wait for its exit. In
        # namespaces mode killing the child (its PID 1) tears down the whole PID namespace at once;
        # without them the reply waits for the exit, so escapees can be found and killed.
        if self.namespaces and (child.loaded is False or child.next_index >= run.n_tests):
            self.kill(child, None)
            child.reported = True
            self.reply(run)

    def kill(self, child: Child, why: str | None) -> None:
        if child.killed_for is None and why is not None:
            child.killed_for = why
        for kill in (os.killpg, os.kill):
            try:
                kill(child.pid, signal.SIGKILL)
            except OSError:
                pass

    def child_exited(self, child: Child) -> None:
        _, child.exit_status = os.waitpid(child.pid, 0)
        if child.run is not None and not child.reported:
            self.read_results(child)
        for fd in (child.result_r, child.pidfd):
            if fd in self.by_fd:
                self.poller.unregister(fd)
                del self.by_fd[fd]
            os.close(fd)
        if child.request_w >= 0:
            os.close(child.request_w)
        if child in self.warm:
            self.warm.remove(child)
        if child in self.busy:
            self.busy.remove(child)
        shutil.rmtree(child.workdir, ignore_errors=True)
        self.kill_strays()
        if child.run is not None and not child.reported:
            self.continue_or_reply(child)

    def continue_or_reply(self, child: Child) -> None:
        """The child ended: reply, or record why test ``next_index`` has no result and go on."""
        run = child.run
        assert run is not None
        child.reported = True
        nxt = child.next_index
        if child.loaded is False or nxt >= run.n_tests:
            return self.reply(run)
        if child.killed_for is not None:
            kind = "timeout" if "time" in child.killed_for else "crash"
            detail = child.killed_for
        else:
            kind, detail = "crash", describe_status(child.exit_status)
        run.events.append({"at": nxt if child.loaded else -1, "kind": kind, "detail": detail})
        if child.loaded and nxt + 1 < run.n_tests:
            if time.monotonic() < run.deadline:
                return self.dispatch(run, nxt + 1)
            run.events.append({"at": nxt + 1, "to": run.n_tests, "kind": "timeout",
                               "detail": "the candidate's total time limit ran out before this test"})
        return self.reply(run)

    def reply(self, run: Run) -> None:
        header = {"id": run.id, "frames": [[i, len(raw)] for i, raw in run.frames],
                  "events": run.events, "elapsed": time.monotonic() - run.began}
        self.send(header, [raw for _, raw in run.frames])

    def kill_strays(self) -> None:
        """Kill processes reparented to the zygote that are not its children (escapees)."""
        ours = {c.pid for c in self.busy} | {c.pid for c in self.warm}
        for _ in range(50):
            try:
                with open(f"/proc/self/task/{os.getpid()}/children") as f:
                    children = [int(p) for p in f.read().split()]
            except OSError:
                return
            strays = [p for p in children if p not in ours]
            if not strays:
                return
            for pid in strays:
                for kill in (os.killpg, os.kill):
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass

    # -- the loop --------------------------------------------------------------------
    def check_deadlines(self) -> float:
        """Kill children past a deadline; return seconds until the next deadline."""
        now = time.monotonic()
        wait = 3600.0
        for child in self.busy:
            run = child.run
            if child.killed_for is not None or child.reported or run is None:
                continue
            per_test = child.last_progress + float(run.limits["timeout_s"])
            if now >= run.deadline:
                self.kill(child, "the candidate's total time limit was exceeded")
            elif now >= per_test:
                self.kill(child, "the per-test time limit was exceeded")
            else:
                wait = min(wait, per_test - now, run.deadline - now)
        return max(wait, 0.0)

    def handle_request(self, raw: bytes) -> None:
        request = json.loads(raw)
        if request.get("shutdown"):
            self.closing = True
            return
        run = Run(raw, request)
        if run.n_tests == 0:
            return self.reply(run)
        self.dispatch(run, 0)

    def read_requests(self) -> None:
        chunk = os.read(self.proto_in, 1 << 20)
        if not chunk:
            self.closing = True
            return
        self.inbox += chunk
        while len(self.inbox) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.inbox)
            if len(self.inbox) < HEADER.size + size:
                return
            raw = bytes(self.inbox[HEADER.size:HEADER.size + size])
            del self.inbox[:HEADER.size + size]
            self.handle_request(raw)

    def serve(self) -> None:
        while not (self.closing and not self.busy):
            timeout = self.check_deadlines()
            events = self.poller.poll(timeout * 1000 + 1)
            for fd, _ in events:
                if fd == self.proto_in:
                    self.read_requests()
                    if self.closing:
                        self.poller.unregister(self.proto_in)
                    continue
                child = self.by_fd.get(fd)
                if child is None:
                    continue
                if fd == child.pidfd:
                    self.child_exited(child)
                else:
                    self.read_results(child)
            self.keep_one_warm()
        for child in self.busy + self.warm:
            self.kill(child, "shutdown")


def describe_status(status: int | None) -> str:
    if status is None:
        return "the process ended without a result"
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    return f"exited with code {code} before reporting a result"


def main() -> None:
    namespaces = "--namespaces" in sys.argv
    warnings: list[str] = []
    # Keep the protocol pipes away from fds 0-2, which every child repoints.
    proto_in, proto_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    # Set once here and inherited by every child (see _child_main).
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(errors="backslashreplace")
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails instead of killing
    os.umask(0o077)
    work_root = "/tmp" if namespaces else tempfile.mkdtemp(prefix="codeloop-zygote-")
    isolation = "namespaces" if namespaces else "none"
    if namespaces:
        try:
            make_filesystem_read_only(work_root)
        except OSError as exc:
            isolation = "namespaces-writable-fs"
            warnings.append(f"could not make the filesystem read-only ({exc}); writes are not blocked")
        forbid_regaining_privileges()
    else:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    zygote = Zygote(proto_in, proto_out, namespaces, work_root)
    zygote.send({"hello": {"isolation": isolation, "warnings": warnings, "pid": os.getpid()}})
    try:
        zygote.serve()
    finally:
        if not namespaces:
            shutil.rmtree(work_root, ignore_errors=True)


if __name__ == "__main__":
    main()
