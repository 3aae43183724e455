"""The hostile-candidate audit: every way we know for a candidate to cheat, escape or harm.

Each case is a candidate that gives a wrong answer while trying something hostile. After
each case the audit checks, from outside the sandbox, that it was *contained*: no verdict
is ``passed``, no probe file appeared outside the sandbox, no connection reached the
audit's listener, no process the candidate started is still alive, no secret from the
parent's environment came back, output was capped; and at the end, that the same pool
still gives correct verdicts.
"""

from __future__ import annotations

import os
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..execution import IOTest, Limits, RunResult, Sandbox, Status

AUDIT_LIMITS = Limits(timeout_s=1.0, candidate_timeout_s=3.0, memory_mb=512)
SECRET_VAR = "CODELOOP_AUDIT_SECRET"
MARKER = "clsurv"  # process-name prefix the cases that leave processes behind give them

# Helper every case may use: name this process so the audit can find it if it survives.
_NAME_PROCESS = """
import ctypes as _ct
def _mark(tag):
    _ct.CDLL(None).prctl(15, _ct.c_char_p(tag.encode()), 0, 0, 0)
"""


@dataclass(frozen=True)
class AuditCase:
    """A hostile candidate: ``code`` defines ``f(n)``; ``{probe}``, ``{port}``, ``{marker}``
    are filled in; ``wait_s`` is how long to watch for delayed effects after the run."""

    name: str
    code: str
    wait_s: float = 0.0
    tests: int = 2


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
    """A TCP listener on 127.0.0.1 that records every connection it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


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


def _check_case(case: AuditCase, result: RunResult, *, probe: Path, listener_before: int,
                listener: _Listener, marker: str, secret: str, limits: Limits) -> list[str]:
    problems = []
    if any(v.status is Status.PASSED for v in result.verdicts):
        problems.append("a wrong answer was judged passed")
    if probe.exists():
        problems.append(f"a file was written outside the sandbox ({probe})")
    if listener.connections > listener_before:
        problems.append("a connection reached the listener on 127.0.0.1")
    survivors = _surviving(marker)
    if survivors:
        problems.append(f"processes outlived the run: {survivors[:5]}")
    for v in result.verdicts:
        if secret in f"{v.output!r}{v.output_repr}{v.stdout}{v.stderr}{v.reason}{v.error_message}":
            problems.append("a secret from the parent's environment reached the candidate")
            break
        if len(v.stdout) > limits.output_tail_bytes or len(v.stderr) > limits.output_tail_bytes:
            problems.append(f"output was not capped ({len(v.stdout)} bytes of stdout kept)")
            break
    return problems


def _sanity(sandbox: Sandbox, limits: Limits) -> list[str]:
    """The pool must still judge an honest candidate correctly after the hostile ones."""
    code = f"import math\ndef f(n):\n    return len([0] * n) + int(math.sqrt(4))\n# {os.urandom(6).hex()}\n"
    tests = [IOTest(args=(n,), expected=n + 2) for n in (1, 5)] + [IOTest(args=(3,), expected=0)]
    got = [v.status for v in sandbox.run(code, "f", tests, limits).verdicts]
    want = [Status.PASSED, Status.PASSED, Status.FAILED]
    return [] if got == want else [f"verdicts after the audit were {[s.value for s in got]}, expected "
                                   f"{[s.value for s in want]}"]


def run_audit(sandbox: Sandbox | None = None, *, limits: Limits = AUDIT_LIMITS,
              report: Callable[[str], None] = print) -> list[CaseOutcome]:
    """Run every case, reporting one line each; returns the outcomes (the last is the sanity check)."""
    outcomes: list[CaseOutcome] = []
    listener = _Listener()
    own_sandbox = sandbox is None
    with tempfile.TemporaryDirectory(prefix="codeloop-audit-") as outside, _secret_in_environment() as secret:
        # Start the pool with the secret already in this process's environment.
        sandbox = sandbox or Sandbox(workers=1, cache_size=0)
        try:
            report(f"isolation: {sandbox.isolation}")
            for i, case in enumerate(CASES):
                probe = Path(outside) / f"probe-{i}"
                marker = f"{MARKER}{i}"
                code = case.code.format(probe=probe, port=listener.port, marker=marker)
                expected = int.from_bytes(os.urandom(6), "big")  # unguessable by the candidate
                tests = [IOTest(args=(n,), expected=expected) for n in range(1, case.tests + 1)]
                before = listener.connections
                time.sleep(0.1)  # let the pool fork its spare children: they are targets too
                result = sandbox.run(code + f"\n# audit {secret[-4:]} {i}\n", "f", tests, limits)
                time.sleep(case.wait_s)
                problems = _check_case(case, result, probe=probe, listener_before=before, listener=listener,
                                       marker=marker, secret=secret, limits=limits)
                # Honest candidates right after it (as many as there are warm children it
                # could have reached) must still be judged correctly.
                for _ in range(sandbox.workers + 1):
                    problems += _sanity(sandbox, limits)
                summary = ", ".join(sorted({v.status.value for v in result.verdicts}))
                outcome = CaseOutcome(case, not problems, summary, problems)
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
