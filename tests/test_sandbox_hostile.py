"""The sandbox against hostile candidates, and its hygiene over many runs (slow, run in CI)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from codeloop.diagnostics._sandbox_audit import CASES, run_audit
from codeloop.execution import IOTest, Limits, Sandbox, Status, namespace_support

pytestmark = pytest.mark.slow


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_the_audit_contains_every_hostile_candidate():
    if not namespace_support()[0]:
        pytest.skip(f"namespaces unavailable here: {namespace_support()[1]}")
    lines: list[str] = []
    outcomes = run_audit(report=lines.append)
    assert len(CASES) >= 45
    escaped = [o.line() for o in outcomes if not o.contained]
    assert escaped == [], "\n".join(escaped)
    assert lines[-1] == f"contained: {len(outcomes)}/{len(outcomes)}"
    assert lines[0] == "isolation: namespaces"


def test_no_zombies_processes_or_descriptors_leak_over_10000_runs():
    code = "import os\ndef f(x):\n    if x % 97 == 0:\n        os._exit(1)\n    return x + 1\n"
    limits = Limits(timeout_s=2.0, candidate_timeout_s=5.0)
    with Sandbox(workers=2, cache_size=0, limits=limits) as sandbox:
        sandbox.run(code, "f", [IOTest(args=(1,), expected=2)])
        root = sandbox._zygote.proc.pid
        zygote = _descendants(root)[0] if sandbox.isolation.startswith("namespaces") else root
        fds_parent = len(os.listdir("/proc/self/fd"))
        fds_zygote = len(os.listdir(f"/proc/{zygote}/fd"))
        wrong: list[str] = []

        def worker(offset: int) -> None:
            for x in range(offset, 10_000, 4):
                verdict = sandbox.run(code, "f", [IOTest(args=(x,), expected=x + 1)]).verdicts[0]
                want = Status.CRASHED if x % 97 == 0 else Status.PASSED
                if verdict.status is not want:
                    wrong.append(f"{x}: {verdict.status} {verdict.reason}")

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(0.5)  # let the last killed children be reaped
        assert wrong == []
        spares = sandbox.workers + 1  # warm children kept ready, 3 descriptors each here
        assert len(os.listdir("/proc/self/fd")) <= fds_parent + 3 * spares
        assert len(os.listdir(f"/proc/{zygote}/fd")) <= fds_zygote + spares
        alive = [p for p in _descendants(root) if _state(p) != "gone"]
        assert [p for p in alive if _state(p) == "Z"] == []
        assert len(alive) <= 1 + spares + (root != zygote)  # unshare, the zygote, warm children
    assert [p for p in _descendants(root) if _state(p) != "gone"] == []
