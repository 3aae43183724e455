"""A seccomp filter for the children, written as a classic BPF program (no libseccomp needed).

Standard library only: the zygote imports this file by path, without the rest of codeloop.

The zygote builds the program once; each child installs it (one ``prctl``) after setting up
its namespaces and mounts and dropping its capabilities, so it binds the candidate and all
it starts. It denies, with ``EPERM``:
  * what could reach beyond the namespaces: ``ptrace``, ``process_vm_*``, ``kcmp``,
    ``pidfd_getfd``, ``mount`` and the new mount API, ``pivot_root``, ``chroot``, ``unshare``,
    ``setns``, ``clone`` with a namespace flag (``clone3`` gets ``ENOSYS``: its flags cannot be
    read, and libc then falls back to ``clone``), ``open_by_handle_at``;
  * kernel surfaces a candidate never needs: ``bpf``, ``perf_event_open``, ``userfaultfd``,
    ``keyctl``/``add_key``/``request_key``, ``io_uring_*`` (it would bypass this filter),
    ``kexec_*``, module loading, ``reboot``, ``swapon``/``swapoff``, ``acct``, ``syslog``,
    clock setting, ``quotactl``, ``fanotify_init``, ``vhangup``, and on x86-64 ``iopl``,
    ``ioperm``, ``modify_ldt``, ``uselib``;
  * sockets of any family but ``AF_UNIX``, ``AF_INET`` and ``AF_INET6`` (``EAFNOSUPPORT``),
    so no ``AF_VSOCK`` to the host, ``AF_NETLINK``, ``AF_PACKET`` or ``AF_ALG``.
Optionally (``one_process``, where no cgroup bounds a candidate's memory and processes) also
``fork``, ``vfork``, ``clone`` without ``CLONE_THREAD`` (``EAGAIN``) and ``memfd_create``:
then each candidate is one process whose memory ``RLIMIT_AS`` bounds. System calls of another
ABI (i386 ``int 0x80``, x32) kill the process.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "mount", "umount2", "pivot_root",
    "chroot", "unshare", "setns", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
    "mount_setattr", "open_by_handle_at", "name_to_handle_at", "bpf", "perf_event_open", "userfaultfd", "keyctl",
    "add_key", "request_key", "io_uring_setup", "io_uring_enter", "io_uring_register", "kexec_load",
    "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct",
    "syslog", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "quotactl", "quotactl_fd",
    "fanotify_init", "vhangup", "lookup_dcookie", "sethostname", "setdomainname",
    "iopl", "ioperm", "modify_ldt", "uselib",  # x86-64 only
)
SYSCALLS = {
    "x86_64": {
        "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "pidfd_getfd": 438,
        "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "unshare": 272, "setns": 308,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "mount_setattr": 442, "open_by_handle_at": 304, "name_to_handle_at": 303, "bpf": 321,
        "perf_event_open": 298, "userfaultfd": 323, "keyctl": 250, "add_key": 248, "request_key": 249,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 246,
        "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176, "reboot": 169,
        "swapon": 167, "swapoff": 168, "acct": 163, "syslog": 103, "settimeofday": 164, "clock_settime": 227,
        "clock_adjtime": 305, "adjtimex": 159, "quotactl": 179, "quotactl_fd": 443, "fanotify_init": 300,
        "vhangup": 153, "lookup_dcookie": 212, "sethostname": 170, "setdomainname": 171, "iopl": 172,
        "ioperm": 173, "modify_ldt": 154, "uselib": 134,
        "socket": 41, "socketpair": 53, "clone": 56, "clone3": 435, "fork": 57, "vfork": 58, "memfd_create": 319,
    },
    "aarch64": {
        "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272, "pidfd_getfd": 438,
        "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "unshare": 97, "setns": 268,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "mount_setattr": 442, "open_by_handle_at": 265, "name_to_handle_at": 264, "bpf": 280,
        "perf_event_open": 241, "userfaultfd": 282, "keyctl": 219, "add_key": 217, "request_key": 218,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 104,
        "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106, "reboot": 142,
        "swapon": 224, "swapoff": 225, "acct": 89, "syslog": 116, "settimeofday": 170, "clock_settime": 112,
        "clock_adjtime": 266, "adjtimex": 171, "quotactl": 60, "quotactl_fd": 443, "fanotify_init": 262,
        "vhangup": 58, "lookup_dcookie": 18, "sethostname": 161, "setdomainname": 162,
        "socket": 198, "socketpair": 199, "clone": 220, "clone3": 435, "memfd_create": 279,
    },
}
ALLOWED_FAMILIES = (1, 2, 10)  # AF_UNIX, AF_INET, AF_INET6
NAMESPACE_FLAGS = 0x7E020000  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
CLONE_THREAD = 0x00010000
X32_BIT = 0x40000000

_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
RET_ALLOW, RET_KILL_PROCESS, RET_ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (args are 64-bit, little-endian low word first)
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2


class _Program:
    """Classic BPF with forward jumps to labels, resolved when assembled."""

    def __init__(self) -> None:
        self.ops: list[tuple[int, object, object, int]] = []
        self.labels: dict[str, int] = {}

    def load(self, offset: int) -> None:
        self.ops.append((_LD_W_ABS, 0, 0, offset))

    def jump(self, op: int, k: int, true: str | int = 0, false: str | int = 0) -> None:
        self.ops.append((op, true, false, k))

    def ret(self, k: int) -> None:
        self.ops.append((_RET, 0, 0, k))

    def label(self, name: str) -> None:
        self.labels[name] = len(self.ops)

    def assemble(self) -> bytes:
        out = b""
        for i, (code, true, false, k) in enumerate(self.ops):
            jt = self.labels[true] - i - 1 if isinstance(true, str) else true
            jf = self.labels[false] - i - 1 if isinstance(false, str) else false
            if not (0 <= jt < 256 and 0 <= jf < 256):
                raise ValueError("seccomp program: jump out of range")
            out += struct.pack("=HBBI", code, jt, jf, k & 0xFFFFFFFF)
        return out


def build(machine: str | None = None, *, one_process: bool = False) -> bytes:
    """The filter program for ``machine`` (default: this one); ``ValueError`` if unknown."""
    machine = machine or os.uname().machine
    if machine not in SYSCALLS:
        raise ValueError(f"no seccomp system call table for {machine}")
    table = SYSCALLS[machine]
    p = _Program()
    p.load(_ARCH)
    p.jump(_JEQ, AUDIT_ARCH[machine], 0, "kill")
    p.load(_NR)
    if machine == "x86_64":
        p.jump(_JGE, X32_BIT, "kill", 0)
    denied = [table[name] for name in _DENIED if name in table]
    if one_process:
        denied += [table[name] for name in ("fork", "vfork", "memfd_create") if name in table]
    for nr in denied:
        p.jump(_JEQ, nr, "eperm", 0)
    p.jump(_JEQ, table["socket"], "family", 0)
    p.jump(_JEQ, table["socketpair"], "family", 0)
    p.jump(_JEQ, table["clone"], "clone", 0)
    p.jump(_JEQ, table["clone3"], "enosys", 0)
    p.ret(RET_ALLOW)
    p.label("family")
    p.load(_ARG0)
    for family in ALLOWED_FAMILIES:
        p.jump(_JEQ, family, "allow", 0)
    p.ret(RET_ERRNO | errno.EAFNOSUPPORT)
    p.label("clone")  # clone(flags, ...) on both architectures
    p.load(_ARG0)
    p.jump(_JSET, NAMESPACE_FLAGS, "eperm", 0)
    if one_process:
        p.jump(_JSET, CLONE_THREAD, "allow", 0)
        p.ret(RET_ERRNO | errno.EAGAIN)
    p.label("allow")
    p.ret(RET_ALLOW)
    p.label("eperm")
    p.ret(RET_ERRNO | errno.EPERM)
    p.label("enosys")
    p.ret(RET_ERRNO | errno.ENOSYS)
    p.label("kill")
    p.ret(RET_KILL_PROCESS)
    return p.assemble()


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class Filter:
    """A program ready to install: built once (in the zygote), installed in each child."""

    def __init__(self, program: bytes) -> None:
        self._buffer = ctypes.create_string_buffer(program, len(program))
        self._prog = _SockFprog(len(program) // 8, ctypes.cast(self._buffer, ctypes.c_void_p))
        self._libc = ctypes.CDLL(None, use_errno=True)

    def install(self) -> None:
        """Bind this process and all it starts (needs no-new-privs, set in the zygote)."""
        ret = self._libc.prctl(PR_SET_SECCOMP, ctypes.c_ulong(SECCOMP_MODE_FILTER),
                               ctypes.c_void_p(ctypes.addressof(self._prog)), ctypes.c_ulong(0), ctypes.c_ulong(0))
        if ret != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"installing the seccomp filter: {os.strerror(err)}")
