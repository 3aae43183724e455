"""Where a result came from: the command typed, the code's commit, the date and the LM.

Every run directory's ``config.json`` and every ``comparison.json`` carries a ``provenance``
list, one entry per invocation (the first is the command that started the work, later ones are
resumptions), so a figure copied into the README can name the command that reproduces it.
"""

from __future__ import annotations

import datetime
import functools
import shlex
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

#: Generation settings of a ``dspy.LM`` that shape its answers (recorded when set).
LM_SETTINGS = ("temperature", "max_tokens", "top_p", "seed", "n")


def command_line(argv: Sequence[str]) -> str:
    """The command as the user typed it after ``codeloop``, shell-quoted so it can be pasted back."""
    return shlex.join(["codeloop", *argv])


@functools.cache
def code_version() -> dict[str, Any]:
    """The git commit of the codeloop code that runs (found from the package's own location, so
    an installed copy outside a checkout gives its package version instead). Read once per
    process, when a run or comparison starts: the checkout may move on while a long comparison
    runs, and the code loaded is the code at the start."""
    try:
        version = metadata.version("codeloop")
    except metadata.PackageNotFoundError:
        version = "unknown"
    root = Path(__file__).resolve().parents[2]
    if (root / ".git").exists():
        try:
            def git(*args: str) -> str:
                return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True,
                                      timeout=10).stdout.strip()

            dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", "codeloop"))
            return {"commit": git("rev-parse", "--short=7", "HEAD"), "dirty": dirty, "version": version}
        except (OSError, subprocess.SubprocessError):
            pass
    return {"commit": None, "dirty": None, "version": version}


def lm_settings(lm: Any) -> dict[str, Any]:
    """The generation settings recorded on an LM object (``dspy.LM.kwargs``), JSON-safe."""
    kwargs = getattr(lm, "kwargs", None)
    if not isinstance(kwargs, dict):
        return {}
    return {k: kwargs[k] for k in LM_SETTINGS if isinstance(kwargs.get(k), (int, float, str))}


def provenance_entry(command: str | None, lm_name: str, lm: Any = None) -> dict[str, Any]:
    """One invocation's record: ``command`` is ``None`` for a call from Python (no command line)."""
    return {"command": command, **dict(code_version()),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "lm": lm_name, "lm_settings": lm_settings(lm)}


def append_provenance(record: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """``record`` with ``entry`` appended to its ``provenance`` list (earlier entries kept)."""
    earlier = record.get("provenance")
    return {**record, "provenance": [*(earlier if isinstance(earlier, list) else []), entry]}
