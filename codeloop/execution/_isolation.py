"""How the zygote is started: inside fresh namespaces where the machine allows, else plain.

Namespaces are made once per pool, not per run, because making them costs tens of
milliseconds; each run then pays only a nested PID namespace (about a millisecond).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
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


def zygote_command(namespaces: bool, allow_imports: Sequence[str] = ()) -> list[str]:
    """The argv that starts a zygote (``python -I``: no user site, no env, no cwd on the path).

    ``allow_imports`` names top-level packages the candidates may import beyond the standard
    library: their directories are bound into the minimal root and imported in the zygote.
    """
    python = [os.path.realpath(sys.executable), "-I", "-B", str(ZYGOTE_SCRIPT)]
    for name in allow_imports:
        python += ["--preload", name]
        for path in import_paths(name):
            python += ["--allow", path]
            python += ["--path", os.path.dirname(path)]
    if not namespaces:
        return python
    return [shutil.which("unshare") or "unshare", *_NAMESPACE_ARGS, *python, "--namespaces"]


def import_paths(name: str) -> list[str]:
    """Where the top-level package or module ``name`` lives, as this process would import it,
    with the ``<name>.libs`` directory wheels vendor shared libraries in; raises ``ValueError``
    naming the package if it cannot be found."""
    if not name.isidentifier():
        raise ValueError(f"allow_imports must name top-level packages, got {name!r}")
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise ValueError(f"allow_imports names {name!r}, which is not installed for {sys.executable}")
    if spec.submodule_search_locations:
        paths = [os.path.realpath(p) for p in spec.submodule_search_locations]
    elif spec.origin and os.path.isfile(spec.origin):
        paths = [os.path.realpath(spec.origin)]
    else:
        raise ValueError(f"allow_imports names {name!r}, which has no files to bind (a built-in module?)")
    for path in list(paths):
        libs = os.path.join(os.path.dirname(path), f"{name}.libs")
        if os.path.isdir(libs):
            paths.append(os.path.realpath(libs))
    return paths
