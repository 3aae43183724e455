"""The bundled suite, loaded from the JSONL file shipped as package data."""

from __future__ import annotations

from importlib import resources

from ._jsonl import read_jsonl_suite
from ._task import Suite

SUITE_NAME = "bundled"


def load_bundled_suite() -> Suite:
    """codeloop's own example-based suite (``codeloop/benchmarks/data/bundled.jsonl``), with its
    fixed train/dev/test split. Rebuild the file with ``python -m codeloop.benchmarks.bundled._build``."""
    resource = resources.files("codeloop.benchmarks").joinpath("data").joinpath("bundled.jsonl")
    with resources.as_file(resource) as path:
        return read_jsonl_suite(path, name=SUITE_NAME)
