"""Where a suite comes from: ``bundled`` or ``KIND:PATH`` spec strings.

``load_suite("mbpp:data/mbpp.jsonl")`` is what a config file or the command line names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..exceptions import ConfigError
from ._humaneval import load_humaneval, load_humaneval_hub
from ._mbpp import load_mbpp, load_mbpp_hub, load_mbpp_sanitized
from ._p3 import load_p3
from ._rows import short
from ._task import Suite

SPEC_FORMS: tuple[str, ...] = (
    "bundled",
    "mbpp:PATH",
    "mbpp:hub",
    "mbpp-sanitized:PATH",
    "mbpp-sanitized:hub",
    "humaneval:PATH",
    "humaneval:hub",
    "p3:PATH",
    "jsonl:PATH",
)

def load_suite(spec: str, *, seed: int = 0, skip_bad: bool = False) -> Suite:
    """Load the suite a spec string names: ``bundled`` or ``KIND:PATH`` (see ``SPEC_FORMS``).

    ``KIND:hub`` loads MBPP or HumanEval from the Hugging Face hub (needs ``datasets`` and the
    network); a local file literally called ``hub`` can be named as ``./hub``. ``seed`` fixes the
    splits of sources without an official one; ``skip_bad`` skips malformed rows (reported in
    ``suite.report``) instead of raising.
    """
    accepted = ", ".join(SPEC_FORMS)
    if not isinstance(spec, str):
        raise ConfigError(f"a suite spec must be a string, got {short(spec)}; accepted forms: {accepted}")
    spec = spec.strip()
    if spec == "bundled":
        from ._bundled import load_bundled_suite  # written separately; imported only when asked for

        return load_bundled_suite()
    kind, colon, target = spec.partition(":")
    files: dict[str, Callable[[Path], Suite]] = {
        "mbpp": lambda p: load_mbpp(p, skip_bad=skip_bad, seed=seed),
        "mbpp-sanitized": lambda p: load_mbpp_sanitized(p, skip_bad=skip_bad, seed=seed),
        "humaneval": lambda p: load_humaneval(p, skip_bad=skip_bad, seed=seed),
        "p3": lambda p: load_p3(p, skip_bad=skip_bad, seed=seed),
        "jsonl": lambda p: _read_jsonl(p, seed=seed, skip_bad=skip_bad),
    }
    hubs: dict[str, Callable[[], Suite]] = {
        "mbpp": lambda: load_mbpp_hub("full", skip_bad=skip_bad, seed=seed),
        "mbpp-sanitized": lambda: load_mbpp_hub("sanitized", skip_bad=skip_bad, seed=seed),
        "humaneval": lambda: load_humaneval_hub(skip_bad=skip_bad, seed=seed),
    }
    if not colon or kind not in files or not target.strip():
        raise ConfigError(f"unknown suite spec {spec!r}; accepted forms: {accepted}")
    if target == "hub":
        if kind not in hubs:
            raise ConfigError(f"suite spec {spec!r}: {kind} cannot be loaded from the hub; "
                              f"accepted forms: {accepted}")
        return hubs[kind]()
    path = Path(target).expanduser()
    if path.is_dir():
        raise ConfigError(f"suite spec {spec!r}: {path} is a directory; name the suite file in it")
    if not path.is_file():
        raise ConfigError(f"suite spec {spec!r}: no such file: {path}")
    return files[kind](path)


def _read_jsonl(path: Path, *, seed: int, skip_bad: bool) -> Suite:
    from ._jsonl import read_jsonl_suite

    return read_jsonl_suite(path, seed=seed, skip_bad=skip_bad)
