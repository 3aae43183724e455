"""The zygote: a small pre-started process that forks one fresh child per candidate.

It is started by path with the standard library only (never ``import codeloop``), so it is
small and cheap to fork, and it never runs candidate code itself: each child drops its
privileges and applies its limits before it compiles the candidate.

With ``--namespaces`` the zygote runs inside a user, network, mount, PID, IPC and UTS
namespace made once per pool by ``unshare(1)``; it pivots into a minimal read-only root
(``_rootfs``: the interpreter and its standard library, a minimal /dev and /proc, nothing of
the checkout, the installed package, site-packages or the host's files), empties the
capability bounding set, and forks each child as PID 1 of a PID namespace of its own, so
killing the child kills everything the candidate started. Each child then sets itself up
(``ChildSetup``: a private size-limited /tmp and its own /proc, IPC namespace, abstract-socket
scope, no capabilities, the seccomp filter), and the zygote moves it into a cgroup slot of its
own (``--cgroup-slot``, opened before the pivot) before handing it over.

The zygote keeps warm children ready (forked, set up, rehearsed, waiting for a request) and
hands each one to the parent over the control socket (``--control FD``, a Unix SEQPACKET
socket) as three descriptors: the child's request pipe, its result pipe and its pidfd. The
parent then talks to the child directly; the zygote only forks and reaps.
    zygote -> parent   {"hello": {"isolation", "warnings": [str], "missing": {protection: why}, "sockets", "pid"}}
                       {"child": id, "pid": int, "slot": int | None} + fds [request_w, result_r, pidfd]
                       {"exited": id, "detail": str}        (every child, once reaped)
    parent -> zygote   {"warm": n}        keep n children alive (ready or running)
                       {"shutdown": true} (or end of the socket)
    parent -> child    4-byte length, 4-byte first test index, request JSON
                       {"code", "entry", "tests": [{"args", "kwargs", "wrap"?} | {"assert"}],
                        "limits", "nonce"?}
                       then, only if "nonce" and once the load frame is read: 4-byte length + nonce
    child -> parent    frames (4-byte length + JSON, each with its test index "i"): first the
                       load frame (i = -1), then one per test; an "assert" test's frame carries
                       the nonce as "n".
A child's frames are untrusted data: the parent decodes them and decides every verdict. The
nonce exists only after the candidate's code has loaded, so frames the code writes at import
(then exiting) can never pass for the runner's verdict on assertion code.
"""

from __future__ import annotations

import builtins
import ctypes
import errno
import gc
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _codec  # noqa: E402  (this file runs as a script, see the docstring)
import _landlock  # noqa: E402
import _rootfs  # noqa: E402
import _seccomp  # noqa: E402

# The runner's own builtins, taken before any candidate runs, and the namespace every function
# below looks names up in: a candidate's globals and its changes to the builtins module do not
# reach what the runner computes or how it reports (it can still tamper with memory: verdicts
# on assertion code run in the child are marked as decided there).
_BUILTINS = dict(builtins.__dict__)
__builtins__ = _BUILTINS  # noqa: A001 - functions defined from here on take their builtins from it
_WRAPPERS = {name: _BUILTINS[name] for name in _codec.WRAPPERS}
_os_read, _os_write, _os_listdir, _os_fstat, _os_pread = os.read, os.write, os.listdir, os.fstat, os.pread
_perf_counter = time.perf_counter


def _make_dumps():  # noqa: ANN202
    """``json.dumps(obj, ensure_ascii=False)``, by json's C encoder where there is one: it looks
    up no Python-level name, so a candidate's patches of ``isinstance`` or of json's classes
    cannot change a frame the runner writes."""
    from json import encoder

    if encoder.c_make_encoder is None or encoder.c_encode_basestring is None:
        return json.dumps
    make = encoder.c_make_encoder(None, None, encoder.c_encode_basestring, None, ": ", ", ", False, False, True)
    join = "".join
    return lambda obj, **_: join(make(obj, 0))


_dumps = _make_dumps()

# Modules most candidates import: loaded once here, so each fork gets them for free.
PRELOAD = (
    "math", "re", "collections", "itertools", "functools", "heapq", "bisect", "string",
    "operator", "typing", "random", "copy", "statistics", "fractions", "decimal", "datetime",
    "cmath", "array", "reprlib", "traceback",
)

HEADER = struct.Struct(">I")
RESULT_FD = 3
CLONE_NEWPID = 0x20000000
CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWIPC = 0x08000000
PR_SET_DUMPABLE = 4
CHILD_TMP_MB = 64
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


def _unescape_mount_path(field: bytes) -> bytes:
    """mountinfo writes space, tab, newline and backslash as ``\\ooo`` octal escapes."""
    return re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), field)


def _mounts() -> list[tuple[bytes, list[str]]]:
    with open("/proc/self/mountinfo", "rb") as f:
        rows = [line.split() for line in f]
    return [(_unescape_mount_path(r[4]), r[5].decode("ascii", "replace").split(",")) for r in rows]


def make_filesystem_read_only() -> None:
    """The fallback where the minimal root cannot be built: remount every mount read-only
    (the host's files stay visible), and check."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    for target, options in _mounts():
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for opt in options:
            flags |= MOUNT_FLAGS.get(opt, 0)
        try:
            _libc_mount_bytes(target, flags)
        except OSError as exc:
            # A mount hidden under another one cannot be reached by path (checked below).
            if exc.errno not in (errno.ENOENT, errno.EINVAL, errno.EACCES):
                raise
    # Mounts stacked on one path: only the last (top) one can be reached, so check that.
    reachable = dict(_mounts())
    writable = [t for t, options in reachable.items() if "ro" not in options]
    if writable:
        raise OSError(errno.EPERM, f"mounts still writable: {[t.decode(errors='replace') for t in writable][:5]}")


def _libc_mount_bytes(target: bytes, flags: int) -> None:
    _check(_libc.mount(None, target, None, ctypes.c_ulong(flags), None), f"mount {target!r}")


class ChildSetup:
    """What every child does for itself before it waits for work (decided once, in main)."""

    def __init__(self, namespaces: bool) -> None:
        self.namespaces = namespaces
        self.own_proc = False  # a /proc of its own PID namespace (needs the minimal root)
        self.private_ipc = namespaces  # an IPC namespace of its own
        # How its abstract Unix sockets are kept from other candidates: a Landlock scope (cheap,
        # Linux 6.12+) or a network namespace of its own; None if neither works.
        self.private_sockets: str | None = "landlock" if namespaces else None  # or "netns"
        self.seccomp: _seccomp.Filter | None = None

    def apply(self, tmp_mb: int) -> None:
        """In the child, PID 1 of its own PID namespace: a mount namespace of its own with a
        fresh size-limited tmpfs on /tmp (no candidate sees or fills another's files, or leaves
        anything for the next), a read-only /proc that shows no sibling, an IPC namespace of
        its own (SysV IPC and POSIX queues are the candidate's alone), abstract Unix sockets
        of its own (a Landlock scope or a network namespace), no capabilities, then the
        seccomp filter."""
        if self.namespaces:
            flags = CLONE_NEWNS | (CLONE_NEWIPC if self.private_ipc else 0)
            flags |= CLONE_NEWNET if self.private_sockets == "netns" else 0
            _check(_libc.unshare(flags), "unshare(mount, IPC, network)")
            _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_mb}m,mode=700")
            if self.own_proc:
                _mount("proc", "/proc", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
            drop_capabilities()
            if self.private_sockets == "landlock":
                _landlock.scope_self()
        if self.seccomp is not None:
            self.seccomp.install()

    def probe(self, missing: dict[str, str]) -> None:
        """Try the per-child set-up once in a throwaway child; drop (and name) what fails."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            failures = {}
            try:
                if self.namespaces:
                    try:
                        _check(_libc.unshare(CLONE_NEWIPC), "unshare(IPC)")
                    except OSError as exc:
                        failures["ipc"] = str(exc)
                    failures["landlock"] = (_landlock.check_scoping() if self.private_sockets == "landlock"
                                            else "not asked for")
                    if failures["landlock"]:
                        try:
                            _check(_libc.unshare(CLONE_NEWNET), "unshare(network)")
                        except OSError as exc:
                            failures["net"] = str(exc)
                if self.seccomp is not None:
                    try:
                        self.seccomp.install()
                        try:
                            socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM).close()
                            failures["seccomp"] = "installed, but AF_VSOCK sockets are still created"
                        except OSError:
                            pass
                    except OSError as exc:
                        failures["seccomp"] = str(exc)
                os.write(w, json.dumps(failures).encode())
            finally:
                os._exit(0)
        os.close(w)
        try:
            failures = json.loads(os.read(r, 65536) or b'{"ipc": "the probe died", "landlock": "the probe died", '
                                                       b'"net": "the probe died", "seccomp": "the probe died"}')
        finally:
            os.close(r)
            os.waitpid(pid, 0)
        if "ipc" in failures:
            self.private_ipc = False
            missing["per-candidate IPC namespace"] = f"{failures['ipc']}; candidates share SysV IPC objects"
        if failures.get("landlock"):
            self.private_sockets = "netns"
        self.socket_privacy = {"landlock": "a Landlock scope", "netns": "a network namespace"}.get(
            self.private_sockets or "", "")
        if "net" in failures:
            self.private_sockets = None
            missing["private abstract Unix sockets"] = (
                f"neither a Landlock scope ({failures['landlock']}) nor a network namespace per candidate "
                f"({failures['net']}); concurrent candidates can reach each other's abstract Unix sockets")
        if "seccomp" in failures:
            self.seccomp = None
            missing["seccomp filter"] = f"{failures['seccomp']}; AF_VSOCK and other socket families, ptrace, " \
                                        "bpf, userfaultfd, io_uring and kernel keyrings stay reachable"


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
    data = _dumps(obj, ensure_ascii=False).encode("utf-8", "backslashreplace")
    buf = HEADER.pack(len(data)) + data
    while buf:
        buf = buf[_os_write(fd, buf):]


def _tail(fd: int, start: int, limit: int) -> tuple[str, int]:
    """Return the last ``limit`` bytes written to ``fd`` since ``start``, and the new end."""
    try:
        end = _os_fstat(fd).st_size
        if limit <= 0 or end <= start:
            return "", end
        begin = max(start, end - limit)
        return _os_pread(fd, end - begin, begin).decode("utf-8", "replace"), end
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
        size = len(_dumps(encoded))
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


def _alone() -> str:
    """Why this process is not alone (threads or processes the candidate left running after
    loading could read the nonce), or "" if it is."""
    try:
        tasks = _os_listdir("/proc/self/task")
        if len(tasks) > 1:
            return f"the candidate left {len(tasks) - 1} thread(s) running after loading"
        with open(f"/proc/self/task/{tasks[0]}/children") as f:
            if f.read().strip():
                return "the candidate left processes running after loading"
    except OSError as exc:
        return f"the runner cannot check for threads ({exc})"
    return ""


def _read_nonce(fd: int) -> str:
    (size,) = HEADER.unpack(_read_exact(fd, HEADER.size))
    return _read_exact(fd, min(size, 256)).decode("ascii", "replace")


def _assert_scope(namespace: dict, entry: object) -> dict:
    """Assertion code sees the candidate's names but never in place of a builtin, and the
    runner's own builtins."""
    scope = {k: v for k, v in namespace.items() if k not in _BUILTINS}
    scope.update(__name__="__test__", __builtins__=dict(_BUILTINS), candidate=entry)
    return scope


def run_candidate(request: dict, start: int, out_fd: int = RESULT_FD, request_fd: int = -1) -> None:
    """Load the candidate and run tests from ``start``, writing one frame each to ``out_fd``."""
    limits = request["limits"]
    tail_limit = int(limits["output_tail_bytes"])
    out_pos = err_pos = 0
    namespace: dict = {"__name__": "__candidate__", "__builtins__": builtins}
    try:
        exec(compile(request["code"], "<candidate>", "exec"), namespace)
        entry = namespace.get(request["entry"])
        if not callable(entry):
            defined = sorted(k for k, v in namespace.items() if callable(v) and not k.startswith("__"))
            raise NameError(f"entry point {request['entry']!r} is not defined as a function; "
                            f"the code defines: {', '.join(defined) or 'nothing callable'}")
    except BaseException as exc:  # noqa: BLE001 - SystemExit at load is a load failure too
        _write_frame({"load": False, "i": -1, **_describe_exception(exc)}, out_fd)
        return
    _write_frame({"load": True, "i": -1}, out_fd)
    nonce, busy = "", ""
    if request.get("nonce"):  # the parent sends it once it has read the load frame
        busy = _alone()
        if not busy:
            nonce = _read_nonce(request_fd)
    if request_fd >= 0:
        os.close(request_fd)
    for index, test in enumerate(request["tests"][start:], start):
        began = _perf_counter()
        try:
            if "assert" in test:
                if busy:
                    frame = {"busy": busy}
                else:
                    scope = _assert_scope(namespace, entry)
                    exec(compile(test["assert"], "<test>", "exec"), scope)
                    if callable(scope.get("check")):
                        scope["check"](entry)
                    frame = {"ok": True, "v": None, "n": nonce}
            else:
                args = _codec.decode(test["args"])
                kwargs = _codec.decode(test["kwargs"])
                value = entry(*args, **kwargs)
                for name in test.get("wrap", ()):
                    value = _WRAPPERS[name](value)
                frame = _encode_output(value, int(limits["max_output_bytes"]))
        except BaseException as exc:  # noqa: BLE001 - sys.exit() inside a test is a test error
            frame = _describe_exception(exc)
            if "assert" in test and nonce:
                frame["n"] = nonce
        frame["i"] = index
        frame["dt"] = _perf_counter() - began
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
              "kwargs": {"d": []}, "wrap": ["list"]}, {"assert": "assert _rehearse(3)"}],
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
        chunk = _os_read(fd, n - len(data))
        if not chunk:
            os._exit(0)  # the zygote is gone: nothing to do
        data += chunk
    return data


def _child_main(fds: tuple[int, int, int, int], workdir: str, setup: ChildSetup) -> None:
    """A warm child: set up what does not depend on the request, then wait for it.

    Forking and this set-up happen while the previous candidate runs, so a request pays
    only for loading and running the candidate. Everything that can be done once in the
    zygote (signal dispositions, umask, environment, the bounding set, the text streams on
    fds 0-2) is done there: after a fork every page Python touches is copied, so the
    child's own work is kept to a few system calls.
    """
    os.setsid()
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # dies with the zygote
    setup.apply(CHILD_TMP_MB)  # with namespaces, this process is PID 1 of its own: all it starts dies with it
    if setup.namespaces:
        workdir = "/tmp"
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
    _apply_limits(request["limits"])
    run_candidate(request, start, RESULT_FD, request_fd)  # it closes request_fd once done with it
    os._exit(0)


# --------------------------------------------------------------------------------------
# The zygote's loop: keep warm children ready and hand them to the parent.
# --------------------------------------------------------------------------------------

class Child:
    """A forked child, known to the zygote by ``id`` until it has been reaped."""

    def __init__(self, id: int, pid: int, pidfd: int, workdir: str | None) -> None:
        self.id, self.pid, self.pidfd, self.workdir = id, pid, pidfd, workdir
        self.slot: int | None = None


class Zygote:
    def __init__(self, control: socket.socket, setup: ChildSetup, work_root: str | None,
                 slots: dict[int, list[int]]) -> None:
        self.control, self.setup, self.work_root = control, setup, work_root
        self.namespaces = setup.namespaces
        self.slot_fds = slots  # per-candidate cgroups: slot -> its cgroup.procs, one per hierarchy
        self.free_slots = sorted(slots)
        self.failed_moves = 0
        self.children: dict[int, Child] = {}  # by pidfd
        self.ids = 0
        self.target_warm = 1
        self.poller = select.poll()
        self.poller.register(control.fileno(), select.POLLIN)
        self.closing = False
        self.own_pid_ns = os.open("/proc/self/ns/pid", os.O_RDONLY)

    def send(self, message: dict, fds: list[int] = ()) -> None:
        data = json.dumps(message).encode()
        if fds:
            socket.send_fds(self.control, [data], list(fds))
        else:
            self.control.send(data)

    def fork_child(self) -> None:
        """Fork a warm child and hand its request pipe, result pipe and pidfd to the parent."""
        result_r, result_w = os.pipe()
        request_r, request_w = os.pipe()
        # With namespaces the child works in its own /tmp; without, in a directory of its own.
        workdir = None if self.namespaces else tempfile.mkdtemp(prefix="run-", dir=self.work_root)
        out = os.memfd_create("stdout", os.MFD_CLOEXEC)  # no file anywhere; freed with the child
        err = os.memfd_create("stderr", os.MFD_CLOEXEC)
        # All of these are above fd 2 and the control socket, so the child's dup2s onto
        # 1-4 cannot overwrite one another (see main: fds 3 and 4 are taken first).
        fds = (out, err, result_w, request_r)
        gc.freeze()  # the child's collector then leaves the zygote's objects (and pages) alone
        if self.namespaces:  # the next fork starts a new PID namespace, as its PID 1
            _check(_libc.unshare(CLONE_NEWPID), "unshare(CLONE_NEWPID)")
        pid = os.fork()
        if self.namespaces and pid:  # the zygote's later forks go back to its own namespace
            _check(_libc.setns(self.own_pid_ns, CLONE_NEWPID), "setns(own PID namespace)")
        if pid == 0:
            try:
                _child_main(fds, workdir or "/tmp", self.setup)
            finally:
                os._exit(70)
        gc.unfreeze()
        for fd in fds:
            os.close(fd)
        self.ids += 1
        child = Child(self.ids, pid, os.pidfd_open(pid), workdir)
        self.children[child.pidfd] = child
        self.poller.register(child.pidfd, select.POLLIN)
        try:
            if self.slot_fds and not self.move_to_slot(child):
                return  # killed: it is reaped and replaced like any child that died
            self.send({"child": child.id, "pid": pid, "slot": child.slot}, [request_w, result_r, child.pidfd])
        finally:
            os.close(request_w)
            os.close(result_r)

    def move_to_slot(self, child: Child) -> bool:
        """Put the child in a cgroup slot of its own before anyone can give it work; a child
        that cannot be moved is killed (after three failures in a row the zygote gives up)."""
        child.slot = self.free_slots.pop(0)
        try:
            for fd in self.slot_fds[child.slot]:
                os.write(fd, str(child.pid).encode())
        except OSError as exc:
            os.kill(child.pid, signal.SIGKILL)
            self.failed_moves += 1
            if self.failed_moves >= 3:
                raise OSError(exc.errno, f"cannot move children into their cgroup slots: {exc}") from None
            return False
        self.failed_moves = 0
        return True

    def child_exited(self, child: Child) -> None:
        _, status = os.waitpid(child.pid, 0)
        self.poller.unregister(child.pidfd)
        del self.children[child.pidfd]
        os.close(child.pidfd)
        if child.slot is not None:  # its PID namespace is empty now: the slot is free
            self.free_slots.append(child.slot)
        if child.workdir:
            shutil.rmtree(child.workdir, ignore_errors=True)
        self.kill_strays()
        self.send({"exited": child.id, "detail": describe_status(status)})

    def kill_strays(self) -> None:
        """Kill processes reparented to the zygote that are not its children (escapees)."""
        ours = {c.pid for c in self.children.values()}
        for _ in range(50):
            try:
                with open(f"/proc/self/task/{os.getpid()}/children") as f:
                    strays = [int(p) for p in f.read().split() if int(p) not in ours]
            except OSError:
                return
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

    def handle(self, message: dict) -> None:
        if "warm" in message:
            self.target_warm = max(0, int(message["warm"]))
        if message.get("shutdown"):
            self.closing = True

    def serve(self) -> None:
        while not self.closing:
            # A child is replaced once it has exited, i.e. after its run: forking and
            # rehearsing then overlap the parent's turnaround, not a running candidate. The
            # parent need not say which child it took (one message less per run).
            wanted = len(self.children) < self.target_warm and (self.free_slots or not self.slot_fds)
            # Fork when there is nothing to read; a ready event is handled first.
            for fd, _ in self.poller.poll(0 if wanted else None):
                if fd == self.control.fileno():
                    data = self.control.recv(1 << 16)
                    if not data:
                        self.closing = True
                        break
                    self.handle(json.loads(data))
                elif fd in self.children:
                    self.child_exited(self.children[fd])
            else:
                if wanted and not self.closing:
                    self.fork_child()
        for child in self.children.values():
            try:
                os.kill(child.pid, signal.SIGKILL)
            except OSError:
                pass


def describe_status(status: int | None) -> str:
    if status is None:
        return "the process ended without a result"
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    return f"exited with code {code} before reporting a result"


def _values(flag: str) -> list[str]:
    """Every value given after ``flag`` (it may repeat)."""
    return [sys.argv[i + 1] for i, arg in enumerate(sys.argv[:-1]) if arg == flag]


def _preload(names: list[str], warnings: list[str]) -> None:
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    for name in names:  # an allow-list's packages: imported here, so every child has them warm
        try:
            __import__(name)
        except Exception as exc:  # noqa: BLE001 - any failure of a third-party import
            warnings.append(f"allow_imports: {name!r} does not import ({type(exc).__name__}: {exc})")


def enter_minimal_root(missing: dict[str, str]) -> bool:
    """Pivot into the minimal root; where that fails, fall back to a read-only view of the
    whole filesystem and record why. True if the minimal root is in place."""
    for path in _values("--path"):  # the allowed packages' parent directories
        if path not in sys.path:
            sys.path.append(path)
    own_dir = os.path.dirname(os.path.abspath(__file__))
    try:
        _rootfs.build_and_enter(_rootfs.plan(_values("--allow"), own_dir))
        return True
    except OSError as exc:
        missing["minimal root"] = f"could not build it ({exc}); the host's files are visible read-only"
    try:
        make_filesystem_read_only()
    except OSError as exc:
        missing["read-only filesystem"] = f"could not make the filesystem read-only ({exc})"
    return False


def _eq_values(flag: str) -> list[str]:
    """Every value given as ``flag=value`` (it may repeat)."""
    return [arg.split("=", 1)[1] for arg in sys.argv if arg.startswith(flag + "=")]


def join_cgroups(missing: dict[str, str]) -> dict[int, list[int]]:
    """Join the pool cgroups the parent made and open each slot's ``cgroup.procs``; returns
    the open descriptors by slot (empty: no per-candidate cgroups)."""
    slots: dict[int, list[int]] = {}
    try:
        for path in _eq_values("--cgroup-join"):
            with open(path, "w") as f:
                f.write("0")
        for spec in _eq_values("--cgroup-slot"):
            k, path = spec.split(":", 1)
            slots.setdefault(int(k), []).append(os.open(path, os.O_WRONLY | os.O_CLOEXEC))
    except (OSError, ValueError) as exc:
        missing["per-candidate cgroups"] = f"could not join the pool cgroups ({exc})"
        for fds in slots.values():
            for fd in fds:
                os.close(fd)
        return {}
    return slots


def main() -> None:
    namespaces = "--namespaces" in sys.argv
    control = socket.socket(fileno=int(sys.argv[sys.argv.index("--control") + 1]))
    warnings: list[str] = []
    missing: dict[str, str] = {}  # protection -> why it is not in place
    # fds 0-2 are /dev/null (and the parent's stderr file): every child repoints them.
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    # Keep fds 3 and 4 taken in the zygote, so no pipe it makes lands on a child's 3 or 4.
    for fd in (3, 4):
        try:
            os.fstat(fd)
        except OSError:
            os.dup2(0, fd)
    # Set once here and inherited by every child (see _child_main).
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(errors="backslashreplace")
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails instead of killing
    os.umask(0o077)
    work_root = None if namespaces else tempfile.mkdtemp(prefix="codeloop-zygote-")
    isolation = "namespaces" if namespaces else "none"
    slots = join_cgroups(missing)  # before the pivot: the cgroup filesystem is not in the minimal root
    # Not dumpable (inherited by children): no candidate can open a sibling's /proc/PID/fd
    # and write into its pipes, or read its memory.
    _prctl(PR_SET_DUMPABLE, 0)
    # Everything the zygote and its children will run is imported before the old root goes.
    _preload(_values("--preload"), warnings)
    setup = ChildSetup(namespaces)
    if "--no-landlock" in sys.argv and namespaces:  # (tests: the network-namespace way)
        setup.private_sockets = "netns-only"
    if namespaces:
        setup.own_proc = enter_minimal_root(missing)
        if "read-only filesystem" in missing:
            isolation = "namespaces-writable-fs"
        forbid_regaining_privileges()
    else:
        _prctl(PR_SET_NO_NEW_PRIVS, 1)  # the seccomp filter needs it; no candidate gains privileges by exec
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
    try:
        setup.seccomp = _seccomp.Filter(_seccomp.build(one_process="--one-process" in sys.argv))
    except (ValueError, OSError) as exc:
        missing["seccomp filter"] = str(exc)
    setup.probe(missing)
    zygote = Zygote(control, setup, work_root, slots)
    zygote.send({"hello": {"isolation": isolation, "warnings": warnings, "missing": missing,
                           "sockets": setup.socket_privacy, "pid": os.getpid()}})
    try:
        zygote.serve()
    finally:
        if work_root:
            shutil.rmtree(work_root, ignore_errors=True)


if __name__ == "__main__":
    main()
