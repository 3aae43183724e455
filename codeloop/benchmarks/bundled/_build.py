"""Build the bundled suite: run each reference in the sandbox to derive its tests.

Expected outputs are never written by hand: each spec's reference runs on each of its inputs
and its return value becomes the expected output. The first ``N_EXAMPLES`` inputs are the
visible examples, the rest are hidden tests. The official split is stratified by category
and deterministic: within a category the ids are ordered by the SHA-256 of the id and cut
50% train / 20% dev / 30% test.

``python -m codeloop.benchmarks.bundled._build`` rewrites ``codeloop/benchmarks/data/bundled.jsonl``.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import math
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ...exceptions import ConfigError
from ...execution import IOTest, Sandbox
from .._jsonl import write_jsonl_suite
from .._task import SPLITS, LoadReport, Param, SplitName, Suite, Task
from . import SPECS
from ._spec import CATEGORIES, N_EXAMPLES, Spec, entry_function

SOURCE = "codeloop-bundled"
SUITE_NAME = "bundled"
SPLIT_FRACTIONS = (0.5, 0.2, 0.3)  # train, dev, test
FLOAT_ATOL = 1e-9
DATA_PATH = Path(__file__).resolve().parent.parent / "data" / "bundled.jsonl"


class BundledSpecError(ConfigError):
    """A bundled spec is broken: its reference failed, or a value is not allowed in the suite."""


def reference_params(reference: str) -> tuple[Param, ...]:
    """The entry point's parameters: names and annotation source, parsed with ``ast``."""
    function = entry_function(reference)
    return tuple(Param(name=arg.arg,
                       annotation=ast.get_source_segment(reference, arg.annotation) if arg.annotation else None)
                 for arg in function.args.args)


def reference_size(reference: str) -> tuple[str, int]:
    """(``"one-liner"`` | ``"medium"`` | ``"long"``, non-blank lines of the entry point's body)."""
    function = entry_function(reference)
    lines = reference.splitlines()[function.body[0].lineno - 1:function.end_lineno]
    n = sum(1 for line in lines if line.strip())
    if n == 1:
        return "one-liner", n
    return ("medium" if n <= 6 else "long"), n


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, (list, tuple, set)):
        return any(_has_float(v) for v in value)
    if isinstance(value, dict):
        return any(_has_float(k) or _has_float(v) for k, v in value.items())
    return False


def _has_str(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, (list, tuple, set)):
        return any(_has_str(v) for v in value)
    return False


def check_value(value: Any) -> str | None:
    """Why ``value`` may not appear in the suite, or None if it may.

    Only None, bool, int, finite float, str, list, tuple, dict and set are allowed; a set
    must not hold strings, whose iteration order (and so the stored file) would depend on
    the hash seed.
    """
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return None
    if kind is float:
        return None if math.isfinite(value) else f"non-finite float {value!r}"
    if kind in (list, tuple):
        return next((why for why in map(check_value, value) if why), None)
    if kind is dict:
        return next((why for k, v in value.items() for why in (check_value(k), check_value(v)) if why), None)
    if kind is set:
        if any(_has_str(v) for v in value):
            return "a set holding strings (its order would depend on the hash seed)"
        return next((why for why in map(check_value, value) if why), None)
    return f"a value of type {kind.__name__}"


def _test(args: tuple[Any, ...], expected: Any) -> IOTest:
    return IOTest(args=args, expected=expected, atol=FLOAT_ATOL if _has_float(expected) else None)


def build_task(sandbox: Sandbox, spec: Spec) -> Task:
    """Run ``spec``'s reference on its inputs; its outputs become the task's tests."""
    params = reference_params(spec.reference)
    if tuple(p.name for p in params) != spec.params:
        raise BundledSpecError(f"bundled spec {spec.id!r}: params {spec.params} do not match the reference")
    for i, args in enumerate(spec.inputs):
        why = check_value(args)
        if why:
            raise BundledSpecError(f"bundled spec {spec.id!r}, input {i} {args!r:.120}: {why} is not allowed")
    result = sandbox.run(spec.reference, spec.entry_point, [IOTest(args=a, expected=None) for a in spec.inputs])
    tests = []
    for i, (args, verdict) in enumerate(zip(spec.inputs, result.verdicts)):
        if not verdict.has_output:
            raise BundledSpecError(f"bundled spec {spec.id!r}: the reference did not return a value for input "
                                   f"{i} {args!r:.120}: {verdict.status.value}: {verdict.reason}")
        why = check_value(verdict.output)
        if why:
            raise BundledSpecError(f"bundled spec {spec.id!r}, input {i} {args!r:.120}: the output is {why}")
        tests.append(_test(args, verdict.output))
    size, lines = reference_size(spec.reference)
    return Task(id=spec.id, entry_point=spec.entry_point, params=params, description=spec.description,
                examples=tuple(tests[:N_EXAMPLES]), hidden_tests=tuple(tests[N_EXAMPLES:]),
                reference=spec.reference, tags=spec.tags, source=SOURCE,
                metadata={"category": spec.category, "size": size, "body_lines": lines})


def _split_key(task_id: str) -> str:
    return hashlib.sha256(task_id.encode("utf-8")).hexdigest()


def official_split(ids: Iterable[str]) -> dict[SplitName, tuple[str, ...]]:
    """The bundled suite's fixed split: per category, ids ordered by SHA-256, cut 50/20/30."""
    by_category: dict[str, list[str]] = {}
    for task_id in ids:
        by_category.setdefault(task_id.split("/", 1)[0], []).append(task_id)
    splits: dict[SplitName, list[str]] = {s: [] for s in SPLITS}
    for category in sorted(by_category):
        ordered = sorted(sorted(by_category[category]), key=_split_key)
        n_train = round(SPLIT_FRACTIONS[0] * len(ordered))
        n_dev = round(SPLIT_FRACTIONS[1] * len(ordered))
        splits["train"] += ordered[:n_train]
        splits["dev"] += ordered[n_train:n_train + n_dev]
        splits["test"] += ordered[n_train + n_dev:]
    return {s: tuple(sorted(members)) for s, members in splits.items()}


def build_bundled_suite(sandbox: Sandbox, specs: Sequence[Spec] = SPECS) -> Suite:
    """The bundled suite, its tests computed by running every reference in ``sandbox``."""
    unknown = sorted({s.category for s in specs} - set(CATEGORIES))
    if unknown:
        raise BundledSpecError(f"bundled specs use unknown categories: {unknown}")
    with ThreadPoolExecutor(max_workers=max(1, sandbox.workers)) as pool:
        tasks = list(pool.map(lambda s: build_task(sandbox, s), specs))
    tasks.sort(key=lambda t: t.id)
    return Suite(name=SUITE_NAME, tasks=tuple(tasks), splits=official_split(t.id for t in tasks),
                 report=LoadReport(source=SOURCE, loaded=len(tasks)))


def describe(suite: Suite) -> str:
    """Counts per category, per split and per reference size."""
    categories = Counter(t.metadata["category"] for t in suite.tasks)
    sizes = Counter(t.metadata["size"] for t in suite.tasks)
    lines = [f"{suite.name}: {suite.summary_line()}",
             "categories: " + ", ".join(f"{c} {categories[c]}" for c in CATEGORIES),
             "sizes: " + ", ".join(f"{s} {sizes[s]}" for s in ("one-liner", "medium", "long"))]
    for split in SPLITS:
        in_split = Counter(t.metadata["category"] for t in suite.split(split))
        lines.append(f"{split}: " + ", ".join(f"{c} {in_split[c]}" for c in CATEGORIES))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codeloop.benchmarks.bundled._build",
                                     description="Build codeloop's bundled suite and write it as JSONL.")
    parser.add_argument("--out", type=Path, default=DATA_PATH, help=f"output file (default: {DATA_PATH})")
    parser.add_argument("--workers", type=int, default=None, help="sandbox workers (default: CPUs)")
    args = parser.parse_args(argv)
    began = time.monotonic()
    with Sandbox(workers=args.workers) as sandbox:
        suite = build_bundled_suite(sandbox)
    write_jsonl_suite(suite, args.out)
    print(describe(suite))
    print(f"wrote {args.out} in {time.monotonic() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
