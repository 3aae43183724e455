"""How the zygote is started: inside fresh namespaces where the machine allows, else plain.

Namespaces are made once per pool (measured: tens of milliseconds once), not per run; each
run then pays only a nested PID namespace (about a millisecond).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ZYGOTE_SCRIPT = Path(__file__).with_name("_zygote.py")

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
