"""Landlock scoping: abstract Unix sockets (and signals) private to one candidate.

Standard library only: the zygote imports this file by path, without the rest of codeloop.

From Landlock ABI 6 (Linux 6.12) a process can put itself in a domain whose members cannot
connect or send to an abstract Unix socket bound outside the domain, nor signal a process
outside it. Each child enters a domain of its own, so a candidate's abstract sockets are
reachable by the processes it starts and by nothing else; a few microseconds per child,
where a network namespace of its own costs a fraction of a millisecond to make and more to
tear down. Where the kernel is older the zygote gives each child a network namespace
instead (``_zygote.ChildSetup``).
"""

from __future__ import annotations

import ctypes
import errno
import os
import socket

SYS_CREATE_RULESET, SYS_RESTRICT_SELF = 444, 446  # the same on x86-64 and aarch64
CREATE_RULESET_VERSION = 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2
SCOPING_ABI = 6

_libc = ctypes.CDLL(None, use_errno=True)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


def abi() -> int:
    """The kernel's Landlock ABI version (0: none, or disabled)."""
    version = _libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(int(version), 0)


def scope_self() -> None:
    """Enter a new domain scoping abstract Unix sockets and signals (needs no-new-privs)."""
    attr = _RulesetAttr(0, 0, SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL)
    fd = _libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                       ctypes.c_uint32(0))
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock_create_ruleset: {os.strerror(err)}")
    try:
        if _libc.syscall(SYS_RESTRICT_SELF, ctypes.c_int(fd), ctypes.c_uint32(0)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"landlock_restrict_self: {os.strerror(err)}")
    finally:
        os.close(fd)


def check_scoping() -> str:
    """In a throwaway process: "" if scoping works (a socket bound before entering the domain
    cannot be reached from inside it), else why not."""
    if abi() < SCOPING_ABI:
        return f"Landlock ABI {abi()} (scoping needs {SCOPING_ABI}, Linux 6.12)"
    name = f"\0codeloop-landlock-probe-{os.getpid()}"
    outside = socket.socket(socket.AF_UNIX)
    try:
        outside.bind(name)
        outside.listen(1)
        scope_self()
        inside = socket.socket(socket.AF_UNIX)
        try:
            inside.connect(name)
        except PermissionError:
            return ""
        except OSError as exc:
            return f"connecting out of the domain failed oddly ({errno.errorcode.get(exc.errno, exc.errno)})"
        finally:
            inside.close()
        return "a socket outside the domain was still reachable"
    except OSError as exc:
        return str(exc)
    finally:
        outside.close()
