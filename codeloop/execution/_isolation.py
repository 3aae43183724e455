"""How the zygote is started: inside fresh namespaces where the machine allows, else plain.

Namespaces are made once per pool, not per run, because making them costs tens of
milliseconds; each run then pays only a nested PID namespace (about a millisecond).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

ZYGOTE_SCRIPT = Path(__file__).with_name("_zygote.py")
_cgroup_ids = itertools.count()

# Only what Python needs; nothing of the parent's environment (API keys) crosses.
SCRUBBED_ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "PYTHONHASHSEED": "0",  # same set/dict order every run: same outputs, same verdicts
    "PYTHONDONTWRITEBYTECODE": "1",
    "HOME": "/tmp",
}

_NAMESPACE_ARGS = ["--user", "--map-root-user", "--net", "--mount", "--pid", "--fork",
                   "--mount-proc", "--kill-child", "--ipc", "--uts"]


def namespace_support() -> tuple[bool, str]:
    """Whether ``unshare`` can make the namespaces here, and if not, why not."""
    if not sys.platform.startswith("linux"):
        return False, f"namespaces need Linux, this is {sys.platform}"
    unshare = shutil.which("unshare")
    if unshare is None:
        return False, "the 'unshare' command (util-linux) is not installed"
    try:
        probe = subprocess.run([unshare, *_NAMESPACE_ARGS, "true"], capture_output=True, timeout=20,
                               env=SCRUBBED_ENV)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"'unshare' failed to run: {exc}"
    if probe.returncode != 0:
        return False, f"'unshare' refused: {probe.stderr.decode(errors='replace').strip()[:200]}"
    return True, ""


def zygote_command(namespaces: bool) -> list[str]:
    """The argv that starts a zygote (``python -I``: no user site, no env, no cwd on the path)."""
    python = [os.path.realpath(sys.executable), "-I", "-B", str(ZYGOTE_SCRIPT)]
    if not namespaces:
        return python
    return [shutil.which("unshare") or "unshare", *_NAMESPACE_ARGS, *python, "--namespaces"]


PIDS_CGROUP_ROOT = Path("/sys/fs/cgroup/pids")  # cgroup v1 pids controller


def make_pids_cgroup(max_pids: int) -> Path | None:
    """A cgroup that caps how many processes the zygote and all its children may have.

    ``RLIMIT_NPROC`` is not enforced for root, so as root this is what stops a fork bomb
    from exhausting the machine's process ids. Needs root and the cgroup v1 pids
    controller; returns None where either is missing (non-root users keep RLIMIT_NPROC).
    Stale groups left by killed runs are removed first.
    """
    if os.geteuid() != 0 or not (PIDS_CGROUP_ROOT / "cgroup.procs").exists():
        return None
    for stale in PIDS_CGROUP_ROOT.glob("codeloop-*"):
        owner = stale.name.split("-")[1]
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            remove_cgroup(stale)
    path = PIDS_CGROUP_ROOT / f"codeloop-{os.getpid()}-{next(_cgroup_ids)}"
    try:
        path.mkdir()
        (path / "pids.max").write_text(str(max_pids))
    except OSError:
        remove_cgroup(path)
        return None
    return path


def remove_cgroup(path: Path) -> None:
    try:
        path.rmdir()  # a cgroup directory is removed with rmdir once no process is in it
    except OSError:
        pass
