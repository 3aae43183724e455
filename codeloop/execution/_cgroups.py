"""Per-candidate cgroups: memory and process limits for all of one candidate's processes.

The trusted parent makes, per zygote, a pool cgroup below the cgroup it runs in (so the
candidates stay inside whatever limits the parent itself is under) with one *slot* per child
the zygote may keep alive:
    cgroup v1   <memory cgroup>/codeloop-<pid>-<n>/slot-<k>  and  <pids cgroup>/codeloop-<pid>-<n>/slot-<k>
    cgroup v2   <cgroup>/codeloop-<pid>-<n>/zygote  and  .../slot-<k>  (memory and pids enabled)
The zygote joins the pool and opens each slot's ``cgroup.procs`` before it pivots into the
minimal root; it moves every child it forks into a free slot before handing the child over,
and frees the slot when it reaps the child (its PID namespace, hence everything the candidate
started, is gone by then). Before a request the parent writes the slot's limits: memory for
all of the candidate's processes together, page cache, tmpfs and memfds included (v1
``memory.limit_in_bytes`` and ``memory.memsw.limit_in_bytes``; v2 ``memory.max``,
``memory.swap.max`` = 0 and ``memory.oom.group``), and ``pids.max``. The pool's own
``pids.max`` leaves room for every slot, so a fork bomb fills only its own slot.

Needs write access to the cgroup filesystem (root, or a delegated v2 subtree:
``CODELOOP_CGROUP`` may name one). Without it :func:`make_pool` says why and the caller
falls back to one process per candidate.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path

_ids = itertools.count()
ENV_CGROUP = "CODELOOP_CGROUP"  # a delegated cgroup (v2) to make pools in, instead of our own


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup per controller ("memory", "pids"; "" for the v2 hierarchy)."""
    found = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                found[controller] = parts[2]
    return found


def _mounts() -> dict[str, str]:
    """Mount points of the cgroup filesystems, by controller ("" for cgroup2)."""
    found: dict[str, str] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split()
        try:
            sep = fields.index("-")
        except ValueError:
            continue
        fstype, options = fields[sep + 1], fields[sep + 3].split(",") if len(fields) > sep + 3 else []
        point = fields[4].encode().decode("unicode_escape")
        if fstype == "cgroup2":
            found.setdefault("", point)
        elif fstype == "cgroup":
            for option in options:
                if option in ("memory", "pids"):
                    found.setdefault(option, point)
    return found


def _write(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _remove_tree(path: Path) -> None:
    """rmdir a pool and its slots (a cgroup directory goes with rmdir once no process is in it)."""
    for child in sorted(path.glob("*/"), reverse=True):
        try:
            child.rmdir()
        except OSError:
            pass
    try:
        path.rmdir()
    except OSError:
        pass


def _remove_stale(parent: Path) -> None:
    """Pools left by parents that were killed (their pid is gone)."""
    for stale in parent.glob("codeloop-*"):
        owner = stale.name.split("-")[1]
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            _remove_tree(stale)


@dataclass
class _Slot:
    procs: list[Path]  # cgroup.procs, one per hierarchy
    memory: Path | None = None  # the directory holding the memory files
    pids: Path | None = None
    current: tuple[int, int] | None = None  # (memory_mb, processes) last written
    oom_file: Path | None = None


@dataclass
class CgroupPool:
    """Cgroups for one zygote: a pool it joins, and slots for its children."""

    version: int
    pools: list[Path]  # one per hierarchy
    join: list[Path]  # the cgroup.procs files the zygote writes itself into
    slots: list[_Slot] = field(default_factory=list)

    def zygote_args(self) -> list[str]:
        args = [f"--slots={len(self.slots)}"]
        args += [f"--cgroup-join={p}" for p in self.join]
        for k, slot in enumerate(self.slots):
            args += [f"--cgroup-slot={k}:{p}" for p in slot.procs]
        return args

    def set_limits(self, slot: int, memory_mb: int, processes: int) -> None:
        """The limits of the candidate about to run in ``slot`` (written only when they change)."""
        s = self.slots[slot]
        if s.current == (memory_mb, processes):
            return
        limit = memory_mb * 1024 * 1024
        if self.version == 1:
            mem, memsw = s.memory / "memory.limit_in_bytes", s.memory / "memory.memsw.limit_in_bytes"  # type: ignore[operator]
            # memsw may never be below the memory limit: raise it first, lower it last.
            raising = s.current is not None and limit >= s.current[0] << 20  # a new slot starts unlimited
            order = [(memsw, limit), (mem, limit)] if raising else [(mem, limit), (memsw, limit)]
            for path, value in order:
                if path.name == "memory.limit_in_bytes" or path.exists():
                    _write(path, str(value))
        else:
            _write(s.memory / "memory.max", str(limit))  # type: ignore[operator]
            _write(s.memory / "memory.swap.max", "0")  # type: ignore[operator]
        _write(s.pids / "pids.max", str(processes))  # type: ignore[operator]
        s.current = (memory_mb, processes)

    def oom_kills(self, slot: int) -> int:
        """How many processes the kernel has killed in ``slot`` for its memory limit."""
        path = self.slots[slot].oom_file
        try:
            for line in path.read_text().splitlines():  # type: ignore[union-attr]
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
        except (OSError, ValueError, AttributeError):
            pass
        return 0

    def remove(self) -> None:
        for pool in self.pools:
            _remove_tree(pool)

    def exists(self) -> bool:
        return any(p.exists() for p in self.pools)


def make_pool(slots: int, pool_processes: int) -> tuple[CgroupPool | None, str]:
    """A pool with ``slots`` slots, or ``None`` and the reason there is none."""
    own, mounts = _own_cgroups(), _mounts()
    delegated = os.environ.get(ENV_CGROUP)
    if delegated or ("memory" not in mounts or "pids" not in mounts) and "" in mounts:
        return _make_v2(Path(delegated) if delegated else Path(mounts[""]) / own.get("", "/").lstrip("/"),
                        slots, pool_processes)
    if "memory" in mounts and "pids" in mounts:
        return _make_v1(Path(mounts["memory"]) / own.get("memory", "/").lstrip("/"),
                        Path(mounts["pids"]) / own.get("pids", "/").lstrip("/"), slots, pool_processes)
    return None, "no cgroup filesystem with the memory and pids controllers is mounted"


def _make_v1(memory_parent: Path, pids_parent: Path, slots: int, pool_processes: int) -> tuple[CgroupPool | None, str]:
    for parent in (memory_parent, pids_parent):
        if not os.access(parent, os.W_OK):
            return None, f"cannot create cgroups under {parent} (needs root)"
    name = f"codeloop-{os.getpid()}-{next(_ids)}"
    pools = [memory_parent / name, pids_parent / name]
    try:
        for parent, pool in zip((memory_parent, pids_parent), pools):
            _remove_stale(parent)
            pool.mkdir()
        _write(pools[1] / "pids.max", str(pool_processes))
        made = []
        for k in range(slots):
            mem, pids = pools[0] / f"slot-{k}", pools[1] / f"slot-{k}"
            mem.mkdir()
            pids.mkdir()
            made.append(_Slot(procs=[mem / "cgroup.procs", pids / "cgroup.procs"], memory=mem, pids=pids,
                              oom_file=mem / "memory.oom_control"))
    except OSError as exc:
        for pool in pools:
            _remove_tree(pool)
        return None, f"cannot set up cgroup v1 slots ({exc})"
    return CgroupPool(1, pools, [p / "cgroup.procs" for p in pools], made), ""


def _make_v2(parent: Path, slots: int, pool_processes: int) -> tuple[CgroupPool | None, str]:
    try:
        available = (parent / "cgroup.controllers").read_text().split()
    except OSError as exc:
        return None, f"cannot read the cgroup v2 controllers of {parent} ({exc})"
    if not {"memory", "pids"} <= set(available):
        return None, f"cgroup v2 at {parent} does not offer the memory and pids controllers (only {available})"
    if not os.access(parent, os.W_OK):
        return None, f"cannot create cgroups under {parent} (needs root or a delegated cgroup in ${ENV_CGROUP})"
    name = f"codeloop-{os.getpid()}-{next(_ids)}"
    pool = parent / name
    try:
        _remove_stale(parent)
        enabled = (parent / "cgroup.subtree_control").read_text().split()
        if not {"memory", "pids"} <= set(enabled):
            # Only possible if the parent cgroup holds no process itself (cgroup v2's rule).
            _write(parent / "cgroup.subtree_control", "+memory +pids")
        pool.mkdir()
        (pool / "zygote").mkdir()
        _write(pool / "cgroup.subtree_control", "+memory +pids")
        _write(pool / "pids.max", str(pool_processes))
        made = []
        for k in range(slots):
            slot = pool / f"slot-{k}"
            slot.mkdir()
            try:
                _write(slot / "memory.oom.group", "1")  # an OOM kill ends all of the candidate
            except OSError:
                pass
            made.append(_Slot(procs=[slot / "cgroup.procs"], memory=slot, pids=slot, oom_file=slot / "memory.events"))
    except OSError as exc:
        _remove_tree(pool)
        return None, (f"cannot set up cgroup v2 slots under {parent} ({exc}); a cgroup that holds processes "
                      f"cannot delegate controllers: point ${ENV_CGROUP} at an empty delegated cgroup")
    return CgroupPool(2, [pool], [pool / "zygote" / "cgroup.procs"], made), ""
