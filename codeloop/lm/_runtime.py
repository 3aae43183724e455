"""Installing the local runtime (llama-cpp-python) so that it runs on this machine.

llama-cpp-python is an sdist built with cmake. Its default build (``GGML_NATIVE``) compiles
for whatever the compiler detects, and on some VMs that includes instructions the CPU
advertises but the hypervisor does not enable (AMX): the result crashes at the first
completion. The portable build here turns native detection off and sets every x86 extension
ON or OFF from the flags in ``/proc/cpuinfo``, since with native detection off ggml otherwise
assumes AVX2, FMA, F16C and BMI2 whether or not the CPU has them. AMX stays off always (it
needs the operating system's permission, which a VM may not give). A wrong flag is a crash,
not an error message, hence nothing is assumed.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from ..exceptions import ConfigError

#: the version the ``local`` extra pins
LLAMA_CPP_REQUIREMENT = "llama-cpp-python==0.3.36"

#: ggml's x86 options and the /proc/cpuinfo flags each needs (all of them)
GGML_X86_OPTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("GGML_SSE42", ("sse4_2",)),
    ("GGML_AVX", ("avx",)),
    ("GGML_AVX2", ("avx2",)),
    ("GGML_BMI2", ("bmi2",)),
    ("GGML_FMA", ("fma",)),
    ("GGML_F16C", ("f16c",)),
    ("GGML_AVX_VNNI", ("avx_vnni",)),
    # ggml's AVX512 option compiles with -mavx512f -mavx512cd -mavx512vl -mavx512dq -mavx512bw
    ("GGML_AVX512", ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw")),
    ("GGML_AVX512_VBMI", ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw", "avx512vbmi")),
    ("GGML_AVX512_VNNI", ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw", "avx512_vnni")),
    ("GGML_AVX512_BF16", ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw", "avx512_bf16")),
)
ALWAYS_OFF = ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16")


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> frozenset[str]:
    """The flags the first CPU of ``cpuinfo`` lists (empty when the file is absent)."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def portable_cmake_args(flags: Iterable[str], machine: str | None = None) -> str:
    """CMAKE_ARGS for a build that uses exactly the extensions in ``flags`` (x86), no native detection."""
    flags = frozenset(flags)
    machine = (machine or platform.machine()).lower()
    args = ["-DGGML_NATIVE=OFF", "-DLLAVA_BUILD=OFF"]
    if machine in ("x86_64", "amd64", "i386", "i686"):
        args += [f"-D{option}={'ON' if all(f in flags for f in needs) else 'OFF'}"
                 for option, needs in GGML_X86_OPTIONS]
        args += [f"-D{option}=OFF" for option in ALWAYS_OFF]
    return " ".join(args)


def runtime_wheel_dir(cmake_args: str, home: Path | None = None) -> Path:
    """Where the wheel built with ``cmake_args`` is kept: one directory per set of build flags."""
    from ._weights import codeloop_home

    digest = hashlib.sha256(f"{LLAMA_CPP_REQUIREMENT} {cmake_args}".encode()).hexdigest()[:12]
    return (home or codeloop_home()) / "wheels" / f"llama-cpp-python-{digest}"


def install_runtime(*, home: Path | None = None, source: str = LLAMA_CPP_REQUIREMENT, dry_run: bool = False,
                    cpuinfo: str | Path = "/proc/cpuinfo", say: Callable[[str], None] = print) -> Path:
    """Build llama-cpp-python for this CPU (once per set of flags) and ``pip install`` it; the wheel.

    The wheel is built with ``pip wheel --no-cache-dir`` into :func:`runtime_wheel_dir`, a
    directory named by the build flags: pip's own wheel cache is keyed by the sdist alone, so
    it would hand back a wheel built with other flags (a native build, say) as if it were this
    one. ``source`` may be a path to the sdist instead of the pinned requirement.
    """
    cmake_args = portable_cmake_args(cpu_flags(cpuinfo))
    directory = runtime_wheel_dir(cmake_args, home)
    say(f"CMAKE_ARGS={cmake_args!r}")
    built = sorted(directory.glob("llama_cpp_python-*.whl"))
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "--disable-pip-version-check",
             source, "-w", str(directory)]
    if not built:
        say(" ".join(build) + "   (a cmake build: 15-25 minutes on 2 cores, once per machine type)")
    if dry_run:
        return built[0] if built else directory / "llama_cpp_python-(to be built).whl"
    if not built:
        directory.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "CMAKE_ARGS": cmake_args, "FORCE_CMAKE": "1"}
        env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        done = subprocess.run(build, env=env, check=False)
        built = sorted(directory.glob("llama_cpp_python-*.whl"))
        if done.returncode != 0 or not built:
            raise ConfigError(f"building {source} failed (pip exit {done.returncode}); it needs cmake and a C++ "
                              "compiler")
    else:
        say(f"using the wheel built before for these flags: {built[0]}")
    # its dependencies first, then this very wheel, over any llama-cpp-python of the same version
    # already there (pip would keep that one, and it may be a native build that crashes here)
    pip = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    for install in (pip + [str(built[0])], pip + ["--force-reinstall", "--no-deps", str(built[0])]):
        say(" ".join(install))
        done = subprocess.run(install, check=False)
        if done.returncode != 0:
            raise ConfigError(f"pip could not install {built[0]} (exit {done.returncode})")
    return built[0]
