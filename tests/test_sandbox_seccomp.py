"""The children's seccomp filter: its system call tables, and what it refuses in a child."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest

from codeloop.execution import _seccomp

HEADERS = {"x86_64": Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
           "aarch64": Path("/usr/include/asm-generic/unistd.h")}


@pytest.mark.parametrize("machine", sorted(_seccomp.SYSCALLS))
def test_system_call_numbers_match_the_kernel_headers(machine):
    header = HEADERS[machine]
    if not header.exists():
        pytest.skip(f"{header} is not installed")
    defined = {m[1]: int(m[2]) for m in re.finditer(r"#define __NR(?:3264)?_(\w+)\s+(\d+)", header.read_text())}
    table = _seccomp.SYSCALLS[machine]
    assert {name: defined.get(name) for name in table} == table


def test_the_program_assembles_for_every_known_machine():
    for machine in _seccomp.SYSCALLS:
        for one_process in (False, True):
            program = _seccomp.build(machine, one_process=one_process)
            assert len(program) % 8 == 0 and len(program) // 8 < 4096
    with pytest.raises(ValueError, match="no seccomp system call table"):
        _seccomp.build("vax")


@pytest.mark.skipif(os.uname().machine not in _seccomp.SYSCALLS, reason="no table for this machine")
@pytest.mark.parametrize("one_process", [False, True])
def test_a_filtered_process_keeps_inet_and_unix_sockets_and_threads_but_not_vsock(one_process):
    filt = _seccomp.Filter(_seccomp.build(one_process=one_process))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            import ctypes
            import threading

            ctypes.CDLL(None).prctl(38, 1, 0, 0, 0)  # no-new-privs
            filt.install()
            got = []
            for family in (socket.AF_INET, socket.AF_UNIX, socket.AF_VSOCK, socket.AF_NETLINK):
                try:
                    socket.socket(family, socket.SOCK_DGRAM).close()
                    got.append("y")
                except OSError:
                    got.append("n")
            thread = threading.Thread(target=lambda: None)
            thread.start()
            thread.join()
            try:
                child = os.fork()
                if child == 0:
                    os._exit(0)
                os.waitpid(child, 0)
                got.append("fork")
            except OSError:
                got.append("nofork")
            os.write(w, " ".join(got).encode())
        finally:
            os._exit(0)
    os.close(w)
    report = os.read(r, 100).decode()
    os.close(r)
    os.waitpid(pid, 0)
    assert report == ("y y n n nofork" if one_process else "y y n n fork")
