"""Per-candidate cgroups: the pool's layout and limits, and what they hold in a real sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeloop.execution import IOTest, Limits, Sandbox, Status, _cgroups


@pytest.fixture
def fake_cgroupfs(tmp_path, monkeypatch):
    """A directory standing in for a delegated cgroup v2 subtree (files appear as written)."""
    root = tmp_path / "delegated"
    root.mkdir()
    (root / "cgroup.controllers").write_text("cpu memory pids\n")
    (root / "cgroup.subtree_control").write_text("memory pids\n")

    def write(path: Path, value: str) -> None:
        path.write_text(value)

    monkeypatch.setattr(_cgroups, "_write", write)
    monkeypatch.setenv(_cgroups.ENV_CGROUP, str(root))
    return root


def test_a_v2_pool_has_a_leaf_for_the_zygote_and_a_slot_per_child(fake_cgroupfs):
    pool, why = _cgroups.make_pool(3, 200)
    assert pool is not None, why
    assert pool.version == 2 and len(pool.slots) == 3
    (base,) = pool.pools
    assert (base / "pids.max").read_text() == "200"
    assert (base / "cgroup.subtree_control").read_text() == "+memory +pids"
    assert pool.join == [base / "zygote" / "cgroup.procs"]
    args = pool.zygote_args()
    assert "--slots=3" in args and f"--cgroup-slot=2:{base / 'slot-2' / 'cgroup.procs'}" in args
    pool.set_limits(1, 256, 16)
    slot = base / "slot-1"
    assert (slot / "memory.max").read_text() == str(256 << 20)
    assert (slot / "memory.swap.max").read_text() == "0" and (slot / "pids.max").read_text() == "16"
    assert (slot / "memory.oom.group").read_text() == "1"
    (slot / "memory.events").write_text("low 0\noom 2\noom_kill 2\n")
    assert pool.oom_kills(1) == 2 and pool.oom_kills(0) == 0


def test_without_controllers_the_pool_is_refused_with_the_reason(fake_cgroupfs):
    (fake_cgroupfs / "cgroup.controllers").write_text("cpu io\n")
    pool, why = _cgroups.make_pool(2, 100)
    assert pool is None and "does not offer the memory and pids controllers" in why


def _sandbox_with_cgroups(**kwargs) -> Sandbox:
    sandbox = Sandbox(workers=2, cache_size=0, **kwargs).start()
    if sandbox._zygote.cgroups is None:
        sandbox.close()
        pytest.skip(f"no per-candidate cgroups here: {sandbox._zygote.cgroup_reason}")
    return sandbox


def test_memory_of_all_of_a_candidates_processes_is_limited_together():
    code = ("import os, time\ndef f(n):\n    kids = []\n    for _ in range(4):\n        pid = os.fork()\n"
            "        if pid == 0:\n            try:\n                b = bytearray(100 << 20)\n"
            "                time.sleep(3)\n            finally:\n                os._exit(0)\n        kids.append(pid)\n"
            "    time.sleep(2.5)\n    return sum(os.waitpid(pid, os.WNOHANG) == (0, 0) for pid in kids)\n")
    memfds = ("import os\ndef f(n):\n    fds = []\n    for _ in range(20):\n        fd = os.memfd_create('x')\n"
              "        os.write(fd, b'x' * (15 << 20))\n        fds.append(fd)\n    return len(fds)\n")
    limits = Limits(memory_mb=256, timeout_s=5.0, candidate_timeout_s=10.0)
    with _sandbox_with_cgroups() as sandbox:
        held = sandbox.run(code, "f", [IOTest(args=(0,), expected=-1)], limits).verdicts[0]
        assert held.has_output and held.output <= 2  # alive, each holding 100 MB: 4 cannot be under 256 MB
        killed = sandbox.run(memfds, "f", [IOTest(args=(0,), expected=-1)], limits).verdicts[0]
        assert killed.status is Status.CRASHED and "memory limit exceeded" in killed.reason


def test_a_fork_bomb_fills_only_its_own_slot():
    bomb = ("import os, time\ndef f(n):\n    n = 0\n    while True:\n        try:\n            if os.fork() == 0:\n"
            "                time.sleep(10)\n                os._exit(0)\n            n += 1\n        except OSError:\n"
            "            return n\n")
    honest = "import threading\ndef f(n):\n    t = threading.Thread(target=print)\n    t.start()\n    t.join()\n    return n\n"
    limits = Limits(processes=12, timeout_s=3.0, candidate_timeout_s=6.0)
    with _sandbox_with_cgroups() as sandbox:
        forks = sandbox.run(bomb, "f", [IOTest(args=(0,), expected=-1)], limits).verdicts[0]
        assert forks.has_output and forks.output < 12
        assert sandbox.run(honest, "f", [IOTest(args=(3,), expected=3)], limits).passed
        assert sandbox.zygote_restarts == 0


def test_without_cgroups_each_candidate_is_one_process_and_that_is_said(monkeypatch):
    from codeloop.execution import _sandbox

    monkeypatch.setattr(_sandbox, "make_pool", lambda slots, processes: (None, "test says no"))
    code = ("import os, threading\ndef f(n):\n    t = threading.Thread(target=print)\n    t.start()\n    t.join()\n"
            "    try:\n        pid = os.fork()\n    except OSError:\n        return 'no fork'\n"
            "    if pid == 0:\n        os._exit(0)\n    return 'forked'\n")
    with Sandbox(workers=1, cache_size=0) as sandbox:
        missing = sandbox.missing_protections
        verdict = sandbox.run(code, "f", [IOTest(args=(0,), expected="no fork")]).verdicts[0]
    assert "test says no" in missing["per-candidate cgroups"] and "one process" in missing["per-candidate cgroups"]
    if "seccomp filter" not in missing:
        assert verdict.status is Status.PASSED, verdict.reason
