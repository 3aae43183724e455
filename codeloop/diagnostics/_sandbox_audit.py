"""The hostile-candidate audit: every way we know for a candidate to cheat, escape or harm.

Each case is a candidate that gives a wrong answer while trying something hostile. After
each case the audit checks, from outside the sandbox, that it was *contained*: no verdict
is ``passed``, no probe file appeared outside the sandbox, no connection reached the
audit's listener, no process the candidate started is still alive, no secret from the
parent's environment and nothing of the files the audit planted or knows to be secret (the
bundled suite, the checkout, ``/etc/shadow``, a file in the parent's temporary directory)
came back, output was capped, what the case reports as having got through is empty, the
parent's and the zygote's descriptors did not grow; and right after each case, that honest
candidates are judged correctly and find an empty ``/tmp``, no SysV IPC object and no other
process. At the end, that the same pool still gives correct verdicts.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..execution import AssertTest, IOTest, Limits, RunResult, Sandbox, Status

AUDIT_LIMITS = Limits(timeout_s=1.0, candidate_timeout_s=3.0, memory_mb=512)
HONEST_TIMEOUT_S = 3.0  # honest candidates check verdicts, not speed: room for a loaded machine
SECRET_VAR = "CODELOOP_AUDIT_SECRET"
MARKER = "clsurv"  # process-name prefix the cases that leave processes behind give them

# Helper every case may use: name this process so the audit can find it if it survives.
_NAME_PROCESS = """
import ctypes as _ct
def _mark(tag):
    _ct.CDLL(None).prctl(15, _ct.c_char_p(tag.encode()), 0, 0, 0)
"""


_ALWAYS_EQUAL = """
class _Anything:
    def __eq__(self, other):
        return True
    __ne__ = lambda self, other: False
    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = object.__hash__
    __bool__ = lambda self: True
    __contains__ = lambda self, item: True
"""

# Writes result frames of the candidate's own making (the runner has written the load frame).
_FORGE = """
import os, json, struct
M = 2 ** 61 - 1  # ints k * M + c all hash to c
def _send(body):
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    os.write(3, struct.pack('>I', len(body)) + body)
"""

# SysV IPC through libc.
_SYSV = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
"""

# A loop keeps an assertion whole: it cannot be split, so the child runs and judges it.
_IN_CHILD = "for _ in range(1):\n    {}\n"

# Searches the filesystem the candidate sees for a file and returns the first bytes of each hit.
_FIND = """
import os, time
def _find(names, roots=('/work', '/home', '/root', '/srv', '/opt', '/var', '/usr/local', '/usr/lib', '/'), seconds=0.6):
    hits, seen, stop = [], set(), time.monotonic() + seconds
    for root in roots:
        for top, dirs, files in os.walk(root):
            if time.monotonic() > stop:
                return hits
            if top in seen or top.startswith(('/proc', '/sys')) or '/test' in top:
                dirs[:] = []
                continue
            seen.add(top)
            for name in files:
                if name in names:
                    try:
                        with open(os.path.join(top, name), 'rb') as fh:
                            hits.append((os.path.join(top, name), fh.read(300).decode(errors='replace')))
                    except OSError:
                        pass
    return hits
"""


@dataclass(frozen=True)
class AuditCase:
    """A hostile candidate: ``code`` defines ``f(n)``; ``{probe}``, ``{port}``, ``{marker}``,
    ``{canary}`` (a secret file in the parent's temporary directory) and ``{checkout}`` are
    filled in; ``wait_s`` is how long to watch for delayed effects after the run.

    ``asserts``, if given, are the tests instead of I/O pairs: assertion code, with
    ``{expected}`` (unguessable) filled in.

    ``partner`` is a second candidate run beside this one (at the same time, on the pool's
    other worker) or, with ``partner_after``, right after it: it tries to meet the first
    (sockets, IPC), and it ``reports`` what got through. Placeholders also include
    ``{unix}`` (a Unix socket on the host's filesystem) and ``{abstract}`` (an abstract Unix
    socket in the parent's network namespace), both listening. ``honest_partner`` is an honest
    candidate (``f(n)`` returns ``2 * n``, using threads) run beside the case, on the pool's
    other worker: it must still be judged correctly while the case runs.

    ``reports`` says ``f`` returns what got through (paths read, devices opened ...):
    anything but an empty value is an escape. ``host_names`` says ``f`` returns names it
    listed in the host's private directories (``/root``, ``/home`` ...): any name the host
    has there, beyond the path to the interpreter, is an escape.
    """

    name: str
    code: str
    wait_s: float = 0.0
    tests: int = 2
    reports: bool = False
    host_names: bool = False
    asserts: tuple[str, ...] = ()
    partner: str = ""
    partner_after: bool = False
    honest_partner: bool = False
    timeout_s: float | None = None  # a longer per-test limit, for cases that need time to build up
    parent_cpu_s: float = 0.0  # if set: the parent may spend at most this much CPU time on the run


CASES: tuple[AuditCase, ...] = (
    AuditCase("infinite loop", "def f(n):\n    while True:\n        pass\n"),
    AuditCase("long C-level loop", "def f(n):\n    return sum(range(10**13))\n"),
    AuditCase("SIGALRM ignored", "import signal\ndef f(n):\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
              "    signal.alarm(1)\n    while True:\n        pass\n"),
    AuditCase("memory bomb", "def f(n):\n    return len(bytearray(10**11))\n"),
    AuditCase("gradual memory bomb", "def f(n):\n    x = []\n    while True:\n        x.append('x' * 10**6)\n"),
    AuditCase("fork bomb", _NAME_PROCESS + "import os\ndef f(n):\n    while True:\n        try:\n"
              "            if os.fork() == 0:\n                _mark('{marker}')\n        except OSError:\n"
              "            pass\n", wait_s=0.5),
    AuditCase("os.system writes outside", "import os\ndef f(n):\n    os.system('echo x > {probe}')\n    return -1\n"),
    AuditCase("posix.system writes outside", "import posix\ndef f(n):\n    posix.system('touch {probe}')\n"
              "    return -1\n"),
    AuditCase("subprocess writes outside", "import subprocess\ndef f(n):\n"
              "    subprocess.run(['sh', '-c', 'echo x > {probe}'])\n    return -1\n"),
    AuditCase("open() writes outside", "def f(n):\n    with open('{probe}', 'w') as fh:\n        fh.write('x')\n"
              "    return -1\n"),
    AuditCase("io.open writes outside", "import io\ndef f(n):\n    io.open('{probe}', 'w').write('x')\n"
              "    return -1\n"),
    AuditCase("os.open writes outside", "import os\ndef f(n):\n    fd = os.open('{probe}', os.O_CREAT | os.O_WRONLY)\n"
              "    os.write(fd, b'x')\n    return -1\n"),
    AuditCase("remount filesystem read-write", "import ctypes, os\ndef f(n):\n    libc = ctypes.CDLL(None)\n"
              "    libc.mount(None, b'/', None, 32 | 4096, None)\n"
              "    libc.mount(None, os.path.dirname('{probe}').encode(), None, 32 | 4096, None)\n"
              "    open('{probe}', 'w').write('x')\n    return -1\n"),
    AuditCase("socket connect to 127.0.0.1", "import socket\ndef f(n):\n"
              "    s = socket.create_connection(('127.0.0.1', {port}), timeout=0.5)\n    s.sendall(b'hi')\n"
              "    return -1\n"),
    AuditCase("setsid grandchild writes later", _NAME_PROCESS + "import os, time\ndef f(n):\n"
              "    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n"
              "            _mark('{marker}')\n            time.sleep(1.5)\n"
              "            open('{probe}', 'w').write('late')\n        os._exit(0)\n    return -1\n", wait_s=2.5),
    AuditCase("wrong answer then sys.exit(0)", "import sys\ndef f(n):\n    print(-1)\n    sys.exit(0)\n"),
    AuditCase("wrong answer then os._exit(0)", "import os\ndef f(n):\n    print(-1, flush=True)\n    os._exit(0)\n"),
    AuditCase("200 MB of stdout", "import sys\ndef f(n):\n    chunk = 'x' * 10**6\n    for _ in range(200):\n"
              "        sys.stdout.write(chunk)\n    return -1\n"),
    AuditCase("always-equal __eq__", "class Anything:\n    def __eq__(self, other):\n        return True\n"
              "    __hash__ = object.__hash__\ndef f(n):\n    return Anything()\n"),
    AuditCase("always-equal int subclass", "class Liar(int):\n    def __eq__(self, other):\n        return True\n"
              "    __hash__ = int.__hash__\ndef f(n):\n    return Liar(-1)\n"),
    AuditCase("result forging through gc", "import gc, json\ndef f(n):\n    for obj in gc.get_objects():\n"
              "        if isinstance(obj, dict) and 'limits' in obj and 'tests' in obj:\n"
              "            obj['tests'] = []\n        if isinstance(obj, dict) and 'expected' in obj:\n"
              "            obj['ok'] = True\n    return -1\n"),
    AuditCase("forged result frame", "import os, json, struct\ndef f(n):\n"
              "    body = json.dumps({{'ok': True, 'v': n, 'verdict': 'passed', 'status': 'passed'}}).encode()\n"
              "    os.write(3, struct.pack('>I', len(body)) + body)\n    os._exit(0)\n"),
    AuditCase("monkeypatching comparison helpers", "import builtins, operator, json, sys\ndef f(n):\n"
              "    builtins.isinstance = lambda *a: True\n    operator.eq = lambda a, b: True\n"
              "    json.dumps = lambda *a, **k: '{{\"ok\": true, \"v\": 0}}'\n"
              "    for m in list(sys.modules.values()):\n        if hasattr(m, 'values_equal'):\n"
              "            m.values_equal = lambda *a, **k: True\n    return -1\n"),
    AuditCase("patching builtins for the next candidate", "import builtins, math\n"
              "builtins.len = lambda x: 42\nmath.sqrt = lambda x: 42\ndef f(n):\n    return len([1])\n"),
    AuditCase("recursion bomb", "def f(n):\n    return f(n + 1)\n"),
    AuditCase("recursion bomb past the C stack", "import sys\nsys.setrecursionlimit(10**7)\n"
              "def f(n):\n    return f(n + 1) + 1\n"),
    AuditCase("reading the parent's environment", "import os, glob\ndef f(n):\n    found = dict(os.environ)\n"
              "    for path in glob.glob('/proc/*/environ'):\n        try:\n"
              "            found[path] = open(path, 'rb').read().decode(errors='replace')\n"
              "        except OSError:\n            pass\n    return found\n"),
    AuditCase("signalling the parent and the zygote", "import os, signal\ndef f(n):\n"
              "    for pid in [os.getppid(), 1, -1] + [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
              "        try:\n            os.kill(pid, signal.SIGKILL)\n        except OSError:\n            pass\n"
              "    return -1\n"),
    AuditCase("writing into other children's pipes through /proc", "import os\ndef f(n):\n"
              "    hits, me = 0, os.readlink('/proc/self')\n"
              "    for pid in [p for p in os.listdir('/proc') if p.isdigit() and p != me]:\n"
              "        for fd in ('3', '4'):\n            try:\n"
              "                w = os.open(f'/proc/{{pid}}/fd/{{fd}}', os.O_WRONLY | os.O_NONBLOCK)\n"
              "                os.write(w, b'\\x00\\x00\\x00\\x10{{\"code\": \"x\"}}')\n                hits += 1\n"
              "            except OSError:\n                pass\n    return -hits\n"),
    AuditCase("closing inherited descriptors", "import os\ndef f(n):\n    os.closerange(0, 1024)\n    return n\n"),
    AuditCase("dup2 over the result descriptor", "import os\ndef f(n):\n    fd = os.open('/dev/null', os.O_WRONLY)\n"
              "    for target in range(0, 16):\n        try:\n            os.dup2(fd, target)\n"
              "        except OSError:\n            pass\n    return n\n"),
    AuditCase("huge return value", "def f(n):\n    return 'x' * 10**8\n"),
    AuditCase("unserializable return value", "def f(n):\n    return (i for i in range(n))\n"),
    AuditCase("thread bomb", _NAME_PROCESS + "import threading, time\ndef f(n):\n    while True:\n        try:\n"
              "            threading.Thread(target=time.sleep, args=(100,)).start()\n        except Exception:\n"
              "            pass\n"),
    # -- devices: only null, zero, full, random and urandom exist; nothing else can be opened
    AuditCase("writing to /dev/kmsg", "def f(n):\n    got = []\n    for path in ('/dev/kmsg', '/proc/kmsg', '/dev/console'):\n"
              "        try:\n            with open(path, 'w') as fh:\n                fh.write('codeloop audit\\n')\n"
              "            got.append(path)\n        except OSError:\n            pass\n    return got\n", reports=True, tests=1),
    AuditCase("creating a VM through /dev/kvm", "import os, fcntl\ndef f(n):\n    got = []\n    try:\n"
              "        fd = os.open('/dev/kvm', os.O_RDWR)\n        got.append('open')\n"
              "        got.append(fcntl.ioctl(fd, 0xAE01, 0))\n    except OSError:\n        pass\n    return got\n",
              reports=True, tests=1),
    AuditCase("opening loop and zram block devices", "import os\ndef f(n):\n    got = []\n"
              "    for path in ['/dev/loop-control', '/dev/zram0', '/dev/vda', '/dev/sda'] + [f'/dev/loop{{i}}' for i in range(8)]:\n"
              "        try:\n            os.close(os.open(path, os.O_RDWR))\n            got.append(path)\n"
              "        except OSError:\n            pass\n    return got\n", reports=True, tests=1),
    AuditCase("opening fuse, userfaultfd, console, mem and other devices", "import os\ndef f(n):\n    got = []\n"
              "    for path in ('/dev/fuse', '/dev/userfaultfd', '/dev/console', '/dev/cpu_dma_latency', '/dev/mem',"
              " '/dev/kmem', '/dev/port', '/dev/tty', '/dev/ptmx', '/dev/net/tun', '/dev/vsock', '/dev/vhost-vsock',"
              " '/dev/uinput', '/dev/snapshot', '/dev/hpet', '/dev/rtc0', '/dev/nvram'):\n        try:\n"
              "            os.close(os.open(path, os.O_RDWR))\n            got.append(path)\n        except OSError:\n"
              "            pass\n    return got\n", reports=True, tests=1),
    AuditCase("userfaultfd, io_uring, bpf and keyring system calls", "import ctypes, os\ndef f(n):\n"
              "    libc = ctypes.CDLL(None, use_errno=True)\n    nr = {{'x86_64': dict(userfaultfd=323, io_uring_setup=425,"
              " bpf=321, keyctl=250, perf_event_open=298, add_key=248), 'aarch64': dict(userfaultfd=282, io_uring_setup=425,"
              " bpf=280, keyctl=219, perf_event_open=241, add_key=217)}}.get(os.uname().machine, {{}})\n"
              "    params = ctypes.create_string_buffer(256)\n    got = []\n"
              "    calls = {{'userfaultfd': (0,), 'io_uring_setup': (4, params), 'bpf': (0, params, 72),"
              " 'keyctl': (0, -4, 0), 'perf_event_open': (params, 0, -1, -1, 0), 'add_key': (b'user', b'k', b'v', 1, -4)}}\n"
              "    for name, args in calls.items():\n        if name in nr and libc.syscall(nr[name], *args) >= 0:\n"
              "            got.append(name)\n    return got\n", reports=True, tests=1),
    AuditCase("ptrace and process_vm_readv on another process", "import ctypes, os\ndef f(n):\n"
              "    libc = ctypes.CDLL(None, use_errno=True)\n    got = []\n"
              "    for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()] + [0, 1, 2, os.getppid()]:\n"
              "        if pid != os.getpid() and libc.ptrace(16, pid, 0, 0) == 0:\n            got.append(pid)\n"
              "    return got\n", reports=True, tests=1),
    # -- sockets: no network, no host socket, nothing shared with another candidate
    AuditCase("connecting to a Unix socket on the host's filesystem", "import glob, socket\ndef f(n):\n    got = []\n"
              "    for path in ['{unix}'] + glob.glob('/run/**/*.sock', recursive=True) + glob.glob('/var/run/*')"
              " + glob.glob('/tmp/*/*') + glob.glob('/tmp/.*/*'):\n        try:\n            s = socket.socket(socket.AF_UNIX)\n"
              "            s.settimeout(0.2)\n            s.connect(path)\n            got.append(path)\n"
              "        except OSError:\n            pass\n    return got\n", reports=True, tests=1),
    AuditCase("connecting to the parent's abstract Unix socket", "import socket\ndef f(n):\n    got = []\n"
              "    for name in ('{abstract}', 'codeloop-audit'):\n        try:\n            s = socket.socket(socket.AF_UNIX)\n"
              "            s.settimeout(0.2)\n            s.connect('\\0' + name)\n            got.append(name)\n"
              "        except OSError:\n            pass\n    return got\n", reports=True, tests=1),
    AuditCase("abstract Unix sockets between concurrent candidates", "import socket, time\ndef f(n):\n"
              "    s = socket.socket(socket.AF_UNIX)\n    s.bind('\\0codeloop-audit-meet-{marker}')\n    s.listen(4)\n"
              "    s.settimeout(0.1)\n    got, stop = [], time.monotonic() + 0.7\n    while time.monotonic() < stop:\n"
              "        try:\n            c, _ = s.accept()\n            got.append(c.recv(64).decode())\n"
              "        except OSError:\n            pass\n    return got\n",
              partner="import socket, time\ndef f(n):\n    got, stop = [], time.monotonic() + 0.6\n"
              "    while time.monotonic() < stop and not got:\n        try:\n            s = socket.socket(socket.AF_UNIX)\n"
              "            s.connect('\\0codeloop-audit-meet-{marker}')\n            s.sendall(b'hello')\n"
              "            got.append('connected')\n        except OSError:\n            time.sleep(0.02)\n    return got\n",
              reports=True, tests=1),
    AuditCase("creating AF_VSOCK sockets (to the host)", "import socket\ndef f(n):\n    got = []\n"
              "    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_SEQPACKET):\n        try:\n"
              "            socket.socket(socket.AF_VSOCK, kind).close()\n            got.append(kind)\n        except OSError:\n"
              "            pass\n    return got\n", reports=True, tests=1),
    AuditCase("netlink, packet, crypto and other socket families", "import socket\ndef f(n):\n    got = []\n"
              "    for family in (16, 17, 38, 3, 4, 5, 9, 31, 33, 41, 44):\n        for kind in (socket.SOCK_RAW, socket.SOCK_DGRAM,"
              " socket.SOCK_SEQPACKET):\n            try:\n                socket.socket(family, kind).close()\n"
              "                got.append((family, kind))\n            except OSError:\n                pass\n    return got\n",
              reports=True, tests=1),
    # -- limits per candidate: memory of all its processes together, and a process count
    AuditCase("a fork bomb beside an honest candidate", _NAME_PROCESS + "import os\ndef f(n):\n    while True:\n"
              "        try:\n            if os.fork() == 0:\n                _mark('{marker}')\n        except OSError:\n"
              "            pass\n", wait_s=0.5, honest_partner=True),
    AuditCase("a thread bomb beside an honest candidate", "import threading, time\ndef f(n):\n    while True:\n"
              "        try:\n            threading.Thread(target=time.sleep, args=(100,)).start()\n"
              "        except Exception:\n            pass\n", honest_partner=True),
    AuditCase("memory held by six processes together", "import os, time\ndef f(n):\n    kids = []\n"
              "    for _ in range(6):\n        pid = os.fork()\n        if pid == 0:\n            try:\n"
              "                block = bytearray({memory_mb} * 1024 * 1024 // 2)\n"
              "                for i in range(0, len(block), 4096):\n                    block[i] = 1\n"
              "                time.sleep(4)\n            finally:\n                os._exit(0)\n        kids.append(pid)\n"
              "    time.sleep(3)\n    alive = sum(os.waitpid(pid, os.WNOHANG) == (0, 0) for pid in kids)\n"
              "    held = alive * {memory_mb} // 2\n    return [held] if held > {memory_mb} else []\n", reports=True,
              tests=1, honest_partner=True, timeout_s=5.0),
    AuditCase("memory held in memfds", "import os\ndef f(n):\n    fds, held, chunk = [], 0, b'x' * (15 << 20)\n"
              "    try:\n        for _ in range(48):\n            fd = os.memfd_create('x')\n"
              "            os.write(fd, chunk)\n            fds.append(fd)\n            held += 15\n"
              "    except OSError:\n        pass\n    return [held] if held > {memory_mb} else []\n", reports=True, tests=1,
              honest_partner=True),
    AuditCase("filling /tmp and /dev/shm", "def f(n):\n    held = 0\n    for path in ('/tmp/fill', '/dev/shm/fill'):\n"
              "        try:\n            with open(path, 'ab') as fh:\n                for _ in range(200):\n"
              "                    fh.write(b'x' * (1 << 20))\n                    held += 1\n"
              "        except OSError:\n            pass\n    return [held] if held > 128 else []\n",
              reports=True, tests=1),
    # -- IPC: SysV objects and /dev/shm belong to one candidate
    AuditCase("SysV shared memory, queues and semaphores left for the next candidate", _SYSV +
              "def f(n):\n    shm = libc.shmget(0xC0DE, 4096, 0o1666)\n    if shm >= 0:\n"
              "        addr = libc.shmat(shm, None, 0)\n        ctypes.memmove(addr, b'left-behind', 11)\n"
              "    libc.msgget(0xC0DF, 0o1666)\n    libc.semget(0xC0E0, 1, 0o1666)\n    return []\n",
              partner=_SYSV + "def f(n):\n    got = []\n    shm = libc.shmget(0xC0DE, 0, 0)\n    if shm >= 0:\n"
              "        got.append(ctypes.string_at(libc.shmat(shm, None, 0), 11).decode(errors='replace'))\n"
              "    if libc.msgget(0xC0DF, 0) >= 0:\n        got.append('msg')\n    if libc.semget(0xC0E0, 0, 0) >= 0:\n"
              "        got.append('sem')\n    return got\n", partner_after=True, reports=True, tests=1),
    AuditCase("SysV shared memory between concurrent candidates", _SYSV + "import time\ndef f(n):\n"
              "    shm = libc.shmget(0xC1DE, 4096, 0o1666)\n    if shm >= 0:\n        addr = libc.shmat(shm, None, 0)\n"
              "        ctypes.memmove(addr, b'shared-now', 10)\n    time.sleep(0.6)\n    return []\n",
              partner=_SYSV + "import time\ndef f(n):\n    got, stop = [], time.monotonic() + 0.5\n"
              "    while time.monotonic() < stop and not got:\n        shm = libc.shmget(0xC1DE, 0, 0)\n"
              "        if shm >= 0:\n            got.append(ctypes.string_at(libc.shmat(shm, None, 0), 10).decode(errors='replace'))\n"
              "        time.sleep(0.02)\n    return got\n", reports=True, tests=1),
    AuditCase("files in /dev/shm left for the next candidate", "import os\ndef f(n):\n    got = []\n"
              "    for path in ('/dev/shm/codeloop-left', '/tmp/codeloop-left'):\n        try:\n"
              "            open(path, 'w').write('x')\n        except OSError:\n            pass\n    return got\n",
              partner="import os\ndef f(n):\n    return [p for p in ('/dev/shm/codeloop-left', '/tmp/codeloop-left')"
              " if os.path.exists(p)]\n", partner_after=True, reports=True, tests=1),
    # -- decoding in the parent: bounded in elements, nesting, size, and hash collisions
    AuditCase("a result set of big ints that all hash alike", _FORGE + "def f(n):\n"
              "    for i in range(5):\n        _send({{'ok': True, 'i': i, 'v': {{'s': [k * M + 7 for k in range(1, 10000)]}}}})\n"
              "    os._exit(0)\n", tests=5, parent_cpu_s=1.0),
    AuditCase("result dict keys that all hash alike", _FORGE + "def f(n):\n"
              "    for i in range(5):\n        _send({{'ok': True, 'i': i, 'v': {{'d': [[k * M + 7, 0] for k in range(1, 9000)]}}}})\n"
              "    os._exit(0)\n", tests=5, parent_cpu_s=1.0),
    AuditCase("result frozensets of tuples that all hash alike", _FORGE + "def f(n):\n"
              "    for i in range(5):\n        _send({{'ok': True, 'i': i, 'v': {{'fs': [{{'t': [k * M + 7]}} for k in range(1, 8000)]}}}})\n"
              "    os._exit(0)\n", tests=5, parent_cpu_s=1.0),
    AuditCase("a result nested 50,000 deep", _FORGE + "def f(n):\n"
              "    _send(b'{{\"ok\": true, \"i\": 0, \"v\": ' + b'[' * 50000 + b']' * 50000 + b'}}')\n    os._exit(0)\n",
              tests=1, parent_cpu_s=1.0),
    AuditCase("a result of 140,000 tiny elements", _FORGE + "def f(n):\n"
              "    _send({{'ok': True, 'i': 0, 'v': [0] * 140000}})\n    os._exit(0)\n", tests=1, parent_cpu_s=1.0),
    AuditCase("a result frame that claims 100 MB", _FORGE + "def f(n):\n"
              "    os.write(3, struct.pack('>I', 100 << 20) + b'{{' * 65536)\n    os._exit(0)\n", tests=1,
              parent_cpu_s=1.0),
    # -- assertion tests: the parent evaluates them; what the child must judge needs the nonce
    AuditCase("always-equal object in an assertion", _ALWAYS_EQUAL + "def f(n):\n    return _Anything()\n",
              asserts=("assert f(3) in (1, {expected})", "assert f(3) == {expected}",
                       "assert sorted(f(3)) == [{expected}]", "assert {expected} in [f(3)] or f(3) is None")),
    AuditCase("redefining sorted, set and len in the candidate's globals", _ALWAYS_EQUAL +
              "sorted = lambda *a, **k: _Anything()\nset = lambda *a: _Anything()\nlen = lambda *a: _Anything()\n"
              "def f(n):\n    return [n]\n",
              asserts=("assert sorted(f(3)) == [{expected}]", "assert set(f(3)) == {{{expected}}}",
                       "assert len(f(3)) == {expected}",
                       _IN_CHILD.format("assert sorted(f(3)) == [{expected}] and len(f(3)) == {expected}"))),
    AuditCase("patching the builtins module before the assertions run", _ALWAYS_EQUAL +
              "import builtins, json\nbuiltins.sorted = lambda *a, **k: _Anything()\n"
              "builtins.len = lambda *a: _Anything()\nbuiltins.callable = lambda *a: False\n"
              "builtins.isinstance = lambda *a: True\nbuiltins.AssertionError = type('Nope', (Exception,), {{}})\n"
              "json.dumps = lambda *a, **k: '{{\"ok\": true}}'\ndef f(n):\n    return [n]\n",
              asserts=("assert sorted(f(3)) == [{expected}]", _IN_CHILD.format("assert len(f(3)) == {expected}"),
                       "def check(candidate):\n    for _ in range(1):\n        assert candidate(3) == {expected}\n")),
    AuditCase("result frames written at import, then os._exit(0)", "import os, json, struct\n"
              "def _frame(obj):\n    body = json.dumps(obj).encode()\n    os.write(3, struct.pack('>I', len(body)) + body)\n"
              "_frame({{'load': True, 'i': -1}})\nfor i in range(4):\n"
              "    _frame({{'ok': True, 'v': None, 'i': i, 'n': '0' * 32}})\nos._exit(0)\n"
              "def f(n):\n    return -1\n",
              asserts=tuple(_IN_CHILD.format(f"assert f({k}) == {{expected}}") for k in range(3))
              + ("assert f(3) == {expected}",)),
    AuditCase("a thread started at import steals the nonce", "import os, json, struct, threading\n"
              "def _steal():\n    try:\n        head = os.read(4, 4)\n        nonce = os.read(4, 256).decode()\n"
              "    except OSError:\n        return\n    for i in range(4):\n"
              "        body = json.dumps({{'ok': True, 'v': None, 'i': i, 'n': nonce}}).encode()\n"
              "        os.write(3, struct.pack('>I', len(body)) + body)\n"
              "threading.Thread(target=_steal, daemon=True).start()\ndef f(n):\n    return -1\n",
              asserts=tuple(_IN_CHILD.format(f"assert f({k}) == {{expected}}") for k in range(4))),
    # -- the filesystem view: nothing of the host but the interpreter and its standard library
    AuditCase("reading the bundled suite by walking the filesystem", _FIND + "def f(n):\n"
              "    return _find({{'bundled.jsonl', 'puzzles.json', 'mbpp.jsonl', 'pyproject.toml'}})\n",
              reports=True, tests=1),
    AuditCase("reading the bundled suite next to the zygote's __file__", "import os, sys\ndef f(n):\n    got = []\n"
              "    for mod in list(sys.modules.values()):\n        here = getattr(mod, '__file__', None) or ''\n"
              "        for up in ('', '..', '../..'):\n"
              "            path = os.path.join(os.path.dirname(here), up, 'benchmarks', 'data', 'bundled.jsonl')\n"
              "            try:\n                got.append(open(path).read(300))\n            except OSError:\n"
              "                pass\n    return got\n", reports=True, tests=1),
    AuditCase("reading the bundled suite through sys.path and import machinery", "import os, sys, importlib.util\n"
              "def f(n):\n    got = []\n    for entry in sys.path + [os.getcwd()]:\n"
              "        for up in ('', '..', '../..', '../../..'):\n"
              "            path = os.path.join(entry, up, 'codeloop', 'benchmarks', 'data', 'bundled.jsonl')\n"
              "            try:\n                got.append(open(path).read(300))\n            except OSError:\n"
              "                pass\n"
              "    try:\n        spec = importlib.util.find_spec('codeloop')\n"
              "        got.append(str(spec and spec.origin))\n    except Exception:\n        pass\n"
              "    return [g for g in got if g != 'None']\n", reports=True, tests=1),
    AuditCase("importing codeloop, dspy or another site package", "def f(n):\n    got = []\n"
              "    for name in ('codeloop', 'dspy', 'pydantic', 'optuna', 'pytest', 'numpy', 'pip', 'setuptools'):\n"
              "        try:\n            __import__(name)\n            got.append(name)\n        except Exception:\n"
              "            pass\n    return got\n", reports=True, tests=1),
    AuditCase("reading /etc/shadow and the host's /etc", "import os\ndef f(n):\n    got = []\n"
              "    for path in ('/etc/shadow', '/etc/gshadow', '/etc/sudoers', '/etc/ssh/ssh_host_rsa_key', '/etc/hostname',"
              " '/etc/machine-id', '/etc/os-release', '/etc/resolv.conf'):\n        try:\n"
              "            got.append(open(path).read(300))\n        except OSError:\n            pass\n    return got\n",
              reports=True, tests=1),
    AuditCase("listing /root, /home and the host's other private directories", "import os\ndef f(n):\n    got = []\n"
              "    for top in ('/root', '/home', '/work', '/var', '/srv', '/opt', '/mnt', '/run', '/media', '/var/tmp'):\n"
              "        try:\n            got += os.listdir(top)\n        except OSError:\n            pass\n    return got\n",
              host_names=True, tests=1),
    AuditCase("reading the checkout", "def f(n):\n    got = []\n"
              "    for name in ('pyproject.toml', 'README.md', 'codeloop/benchmarks/data/bundled.jsonl', '.git/config'):\n"
              "        try:\n            got.append(open('{checkout}/' + name).read(300))\n        except OSError:\n"
              "            pass\n    return got\n", reports=True, tests=1),
    AuditCase("reading a secret file in the parent's temporary directory", "import glob\ndef f(n):\n    got = []\n"
              "    for path in ['{canary}'] + glob.glob('/tmp/*/*') + glob.glob('/tmp/*'):\n        try:\n"
              "            got.append(open(path).read(300))\n        except OSError:\n            pass\n    return got\n",
              reports=True, tests=1),
    AuditCase("escaping through /proc/*/root, /proc/*/cwd and open descriptors", "import os\ndef f(n):\n    got = []\n"
              "    for pid in [p for p in os.listdir('/proc') if p.isdigit()] + ['self', 'thread-self']:\n"
              "        for link in ('root', 'cwd'):\n            for name in ('{canary}', '{checkout}/pyproject.toml'):\n"
              "                try:\n                    got.append(open(f'/proc/{{pid}}/{{link}}' + name).read(300))\n"
              "                except OSError:\n                    pass\n"
              "    for fd in range(64):\n        try:\n            target = os.readlink(f'/proc/self/fd/{{fd}}')\n"
              "        except OSError:\n            continue\n        for up in ('..', '../..', '../../..'):\n"
              "            try:\n                got += [target + ': ' + n for n in os.listdir(f'/proc/self/fd/{{fd}}/' + up)]\n"
              "            except OSError:\n                pass\n    return got\n", reports=True, tests=1),
    AuditCase("writing into the standard library", "import os, json\ndef f(n):\n    got = []\n"
              "    for path in (os.__file__, json.__file__, os.path.join(os.path.dirname(os.__file__), 'sitecustomize.py')):\n"
              "        try:\n            with open(path, 'a') as fh:\n                fh.write('# tampered')\n"
              "            got.append(path)\n        except OSError:\n            pass\n    return got\n",
              reports=True, tests=1),
    AuditCase("creating a device node", "import os, stat\ndef f(n):\n    got = []\n"
              "    for where in ('/tmp/kmsg', '/dev/kmsg2', '/tmp/mem'):\n        try:\n"
              "            os.mknod(where, stat.S_IFCHR | 0o666, os.makedev(1, 11))\n"
              "            open(where, 'w').write('x')\n            got.append(where)\n        except OSError:\n"
              "            pass\n    return got\n", reports=True, tests=1),
)


@dataclass
class CaseOutcome:
    case: AuditCase
    contained: bool
    summary: str
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        tag = "contained" if self.contained else "NOT CONTAINED"
        detail = self.summary if self.contained else "; ".join(self.problems)
        return f"[{tag}] {self.case.name}: {detail}"


class _Listener:
    """Listeners the candidates must not reach, recording every connection they accept: TCP on
    127.0.0.1, a Unix socket at a path on the host's filesystem, and an abstract Unix socket
    in the parent's network namespace."""

    def __init__(self, unix_path: str) -> None:
        tcp = socket.socket()
        tcp.bind(("127.0.0.1", 0))
        self.port = tcp.getsockname()[1]
        path = socket.socket(socket.AF_UNIX)
        path.bind(unix_path)
        self.unix_path = unix_path
        abstract = socket.socket(socket.AF_UNIX)
        self.abstract = f"codeloop-audit-{secrets.token_hex(6)}"
        abstract.bind("\0" + self.abstract)
        self.socks = [tcp, path, abstract]
        for sock in self.socks:
            sock.listen(16)
            sock.settimeout(0.1)
        self.connections = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, args=(sock,), daemon=True) for sock in self.socks]
        for thread in self._threads:
            thread.start()

    def _accept(self, sock: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        for sock in self.socks:
            sock.close()


def _surviving(marker: str) -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if Path(entry.path, "comm").read_text().strip().startswith(marker):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@contextmanager
def _secret_in_environment() -> Iterator[str]:
    secret = "s3cr3t-" + secrets.token_hex(8)
    old = os.environ.get(SECRET_VAR)
    os.environ[SECRET_VAR] = secret
    try:
        yield secret
    finally:
        if old is None:
            os.environ.pop(SECRET_VAR, None)
        else:
            os.environ[SECRET_VAR] = old


@dataclass
class _Secrets:
    """What must never come back from a candidate: snippets of files it must not reach, and
    the names in the host's private directories (all read here, outside the sandbox)."""

    snippets: dict[str, str] = field(default_factory=dict)  # what -> text found only there
    host_names: set[str] = field(default_factory=set)
    checkout: Path = Path()
    canary: Path = Path()


def _head(path: Path, size: int = 48) -> str | None:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return None
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:size] if len(line) >= 8 else None


def _gather_secrets(outside: str) -> _Secrets:
    from .. import benchmarks

    package = Path(benchmarks.__file__).resolve().parent
    checkout = package.parents[1]
    found = _Secrets(checkout=checkout, canary=Path(outside) / "canary.txt")
    canary = "canary-" + secrets.token_hex(12)
    found.canary.write_text(canary)
    found.snippets["a file in the parent's temporary directory"] = canary
    for what, path in (("the bundled suite", package / "data" / "bundled.jsonl"),
                       ("the checkout", checkout / "pyproject.toml"), ("/etc/shadow", Path("/etc/shadow"))):
        head = _head(path)
        if head:
            found.snippets[what] = head
    # The interpreter may live under /root (pyenv): the directories on its path are expected.
    expected = set(Path(sys.base_prefix).resolve().parts) | set(Path(sys.executable).resolve().parts)
    for top in ("/root", "/home", "/work", "/srv", "/opt", "/mnt", "/media", "/var/tmp"):
        try:
            found.host_names |= {n for n in os.listdir(top) if n not in expected}
        except OSError:
            pass
    return found


def _verdict_text(result: RunResult) -> str:
    return "".join(f"{v.output!r}{v.output_repr}{v.stdout}{v.stderr}{v.reason}{v.error_message}"
                   for v in result.verdicts)


def _check_case(case: AuditCase, result: RunResult, *, probe: Path, listener_before: int,
                listener: _Listener, marker: str, secret: str, limits: Limits, found: _Secrets) -> list[str]:
    problems = []
    if any(v.status is Status.PASSED for v in result.verdicts):
        problems.append("a wrong answer was judged passed")
    if probe.exists():
        problems.append(f"a file was written outside the sandbox ({probe})")
    if listener.connections > listener_before:
        problems.append("a connection reached a listener of the parent (127.0.0.1, a Unix socket)")
    survivors = _surviving(marker)
    if survivors:
        problems.append(f"processes outlived the run: {survivors[:5]}")
    text = _verdict_text(result)
    if secret in text:
        problems.append("a secret from the parent's environment reached the candidate")
    problems += [f"the candidate read {what}" for what, snippet in found.snippets.items() if snippet in text]
    for v in result.verdicts:
        if len(v.stdout) > limits.output_tail_bytes or len(v.stderr) > limits.output_tail_bytes:
            problems.append(f"output was not capped ({len(v.stdout)} bytes of stdout kept)")
            break
    outputs = [v.output for v in result.verdicts if v.has_output]
    if case.reports and any(outputs):
        problems.append(f"it reports getting through: {[o for o in outputs if o]!r:.300}")
    if case.host_names:
        seen = sorted({n for o in outputs if isinstance(o, list) for n in o if n in found.host_names})
        if seen:
            problems.append(f"it listed the host's private directories: {seen[:8]}")
    return problems


# An honest candidate; f(0) also reports what it finds around it: its /tmp, SysV IPC objects,
# and the processes it can see. Each candidate must find an empty /tmp, no IPC object and
# only itself (with namespaces; without, this part is not checked).
_HONEST = """import math, os
def f(n):
    if n == 0:
        ipc = 0
        for name in ('shm', 'msg', 'sem'):
            try:
                ipc += len(open('/proc/sysvipc/' + name).readlines()) - 1
            except OSError:
                pass
        return [sorted(os.listdir('/tmp')), ipc, sorted(int(p) for p in os.listdir('/proc') if p.isdigit())]
    return len([0] * n) + int(math.sqrt(4))
"""


def _honest_limits(limits: Limits) -> Limits:
    timeout = max(limits.timeout_s, HONEST_TIMEOUT_S)
    return limits.model_copy(update={"timeout_s": timeout,
                                     "candidate_timeout_s": max(limits.candidate_timeout_s, 3 * timeout)})


def _sanity(sandbox: Sandbox, limits: Limits) -> list[str]:
    """The pool must still judge an honest candidate correctly after the hostile ones."""
    limits = _honest_limits(limits)
    code = _HONEST + f"# {os.urandom(6).hex()}\n"
    tests = [IOTest(args=(n,), expected=n + 2) for n in (1, 5)] + [IOTest(args=(3,), expected=0)]
    namespaces = sandbox.isolation.startswith("namespaces")
    if namespaces:
        tests.append(IOTest(args=(0,), expected=[[], 0, [1]]))
    result = sandbox.run(code, "f", tests, limits)
    got = [v.status for v in result.verdicts]
    want = [Status.PASSED, Status.PASSED, Status.FAILED] + [Status.PASSED] * namespaces
    if got == want:
        return []
    if namespaces and got[:3] == want[:3]:
        return [f"an honest candidate found traces of another: {result.verdicts[3].output_repr} "
                "(its /tmp, SysV IPC objects, processes)"]
    return [f"verdicts after the audit were {[s.value for s in got]}, expected {[s.value for s in want]}"]


def _fd_count(pid: int | str) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def _zygote_pid(sandbox: Sandbox) -> int | None:
    zygote = sandbox._zygote  # the audit looks at the pool from outside, as a test would
    if zygote is None or not zygote.alive:
        return None
    root = zygote.proc.pid
    try:  # with namespaces the zygote is unshare's child
        children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
    except OSError:
        return root
    return int(children[0]) if children and sandbox.isolation.startswith("namespaces") else root


def _descriptor_leaks(sandbox: Sandbox, parent_before: int, zygote_before: tuple[int | None, int]) -> list[str]:
    problems = []
    # Warm children are handed over with three descriptors each; allow one spare in flight.
    slack = 3 * (sandbox.workers + 2)
    parent_now = _fd_count("self")
    if parent_now > parent_before + slack:
        problems.append(f"the parent's descriptors grew from {parent_before} to {parent_now}")
    pid, before = zygote_before
    if pid is not None and _zygote_pid(sandbox) == pid:
        now = _fd_count(pid)
        if now > before + slack:
            problems.append(f"the zygote's descriptors grew from {before} to {now}")
    return problems


_HONEST_PARTNER = """import threading
def f(n):
    out = []
    workers = [threading.Thread(target=out.append, args=(n,)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(out) // 2
"""


def _honest_beside(sandbox: Sandbox, limits: Limits, stop: threading.Event, problems: list[str]) -> None:
    """Honest candidates, one after another until ``stop``: each must be judged correctly."""
    limits = _honest_limits(limits)
    k = 0
    while not stop.is_set() or k == 0:
        k += 1
        n = 1 + k % 50
        code = _HONEST_PARTNER + f"# {os.urandom(6).hex()}\n"
        got = sandbox.run(code, "f", [IOTest(args=(n,), expected=2 * n)], limits).verdicts[0]
        if got.status is not Status.PASSED:
            problems.append(f"an honest candidate beside it was judged {got.status.value}: {got.reason[:120]}")
            return


def _run_pair(sandbox: Sandbox, case: AuditCase, code: str, partner: str, tests: list, limits: Limits,
              problems: list[str]) -> tuple[RunResult, RunResult | None]:
    """The case's candidate, and its partner beside it (or right after it)."""
    if case.honest_partner:
        stop = threading.Event()
        beside = threading.Thread(target=_honest_beside, args=(sandbox, limits, stop, problems))
        beside.start()
        try:
            return sandbox.run(code, "f", tests, limits), None
        finally:
            stop.set()
            beside.join()
    if not partner:
        return sandbox.run(code, "f", tests, limits), None
    if case.partner_after:
        first = sandbox.run(code, "f", tests, limits)
        return first, sandbox.run(partner, "f", tests, limits)
    box: list[RunResult] = []
    thread = threading.Thread(target=lambda: box.append(sandbox.run(partner, "f", tests, limits)))
    first_result: list[RunResult] = []
    main = threading.Thread(target=lambda: first_result.append(sandbox.run(code, "f", tests, limits)))
    main.start()
    time.sleep(0.05)  # the first is listening by the time the partner looks for it
    thread.start()
    main.join()
    thread.join()
    return first_result[0], box[0]


def run_audit(sandbox: Sandbox | None = None, *, limits: Limits = AUDIT_LIMITS,
              report: Callable[[str], None] = print) -> list[CaseOutcome]:
    """Run every case, reporting one line each; returns the outcomes (the last is the sanity check).

    Cases with a partner need two workers to run side by side (the default pool has two).
    """
    outcomes: list[CaseOutcome] = []
    own_sandbox = sandbox is None
    # The Unix socket goes where other services keep theirs (/var/tmp), not beside the probes.
    socket_dir = "/var/tmp" if os.path.isdir("/var/tmp") and os.access("/var/tmp", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="codeloop-audit-") as outside, _secret_in_environment() as secret, \
            tempfile.TemporaryDirectory(prefix="codeloop-audit-", dir=socket_dir) as sockets:
        listener = _Listener(os.path.join(sockets, "listening.sock"))
        found = _gather_secrets(outside)
        # Start the pool with the secret already in this process's environment.
        sandbox = sandbox or Sandbox(workers=2, cache_size=0)
        try:
            report(f"isolation: {sandbox.isolation}")
            missing = sandbox.missing_protections
            report("protections missing: " + ("; ".join(f"{k} ({v})" for k, v in missing.items()) or "none"))
            if sandbox.workers < 2:
                report("note: one worker; candidates meant to run side by side run one after the other")
            _sanity(sandbox, limits)  # warm up: the descriptor counts below start from a running pool
            for i, case in enumerate(CASES):
                probe = Path(outside) / f"probe-{i}"
                marker = f"{MARKER}{i}"
                fill = {"probe": probe, "port": listener.port, "marker": marker, "canary": found.canary,
                        "checkout": found.checkout, "unix": listener.unix_path, "abstract": listener.abstract,
                        "memory_mb": limits.memory_mb}
                tag = f"\n# audit {secret[-4:]} {i}\n"
                code = case.code.format(**fill) + tag
                partner = case.partner.format(**fill) + tag + "# partner\n" if case.partner else ""
                expected = int.from_bytes(os.urandom(6), "big")  # unguessable by the candidate
                tests = ([AssertTest(code=a.format(expected=expected)) for a in case.asserts] if case.asserts
                         else [IOTest(args=(n,), expected=expected) for n in range(1, case.tests + 1)])
                before = listener.connections
                time.sleep(0.1)  # let the pool fork its spare children: they are targets too
                fds_before = _fd_count("self")
                zygote_pid = _zygote_pid(sandbox)
                zygote_before = (zygote_pid, _fd_count(zygote_pid) if zygote_pid else 0)
                restarts = sandbox.zygote_restarts
                problems: list[str] = []
                case_limits = limits if case.timeout_s is None else limits.model_copy(
                    update={"timeout_s": case.timeout_s, "candidate_timeout_s": 2 * case.timeout_s})
                cpu_before = time.process_time()
                result, partner_result = _run_pair(sandbox, case, code, partner, tests, case_limits, problems)
                cpu = time.process_time() - cpu_before
                if case.parent_cpu_s and cpu > case.parent_cpu_s:
                    problems.append(f"the parent spent {cpu:.1f} s of CPU on it (allowed {case.parent_cpu_s:.1f} s)")
                time.sleep(case.wait_s)
                problems += _check_case(case, result, probe=probe, listener_before=before, listener=listener,
                                        marker=marker, secret=secret, limits=limits, found=found)
                if sandbox.zygote_restarts != restarts:
                    problems.append("the zygote died and was restarted")
                if partner_result is not None:
                    problems += [f"its partner: {p}" for p in _check_case(
                        case, partner_result, probe=probe, listener_before=before, listener=listener, marker=marker,
                        secret=secret, limits=limits, found=found)]
                # Honest candidates right after it (as many as there are warm children it
                # could have reached) must still be judged correctly.
                for _ in range(sandbox.workers + 1):
                    problems += _sanity(sandbox, limits)
                problems += _descriptor_leaks(sandbox, fds_before, zygote_before)
                summary = ", ".join(sorted({v.status.value for v in result.verdicts}))
                if result.n_decided_in_child:
                    summary += f" ({result.n_decided_in_child} of {len(tests)} decided in the child)"
                outcome = CaseOutcome(case, not problems, summary, sorted(set(problems), key=problems.index))
                outcomes.append(outcome)
                report(outcome.line())
            sane = _sanity(sandbox, limits)
            outcome = CaseOutcome(AuditCase("pool still correct afterwards", ""), not sane, "passed, passed, failed",
                                  sane)
            outcomes.append(outcome)
            report(outcome.line())
        finally:
            listener.close()
            if own_sandbox:
                sandbox.close()
    contained = sum(o.contained for o in outcomes)
    report(f"contained: {contained}/{len(outcomes)}")
    return outcomes
