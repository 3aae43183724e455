"""The example-based form: any suite with reference solutions becomes input/output tasks.

Inputs are collected from the task's tests (I/O pairs, and literal calls of the entry
point inside assertion code); outputs come from running the reference solution in the
sandbox, never from the test text. The first ``k`` pairs become the visible examples and
the rest the hidden tests. A task is dropped, with its reason recorded, when its reference
fails its own tests, when it has no input/output form, when an output cannot cross the
sandbox boundary or differs between two runs, or when it has too few distinct inputs.
"""

from __future__ import annotations

import ast
import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from .. import _pyast
from ..execution import AssertTest, IOTest, Limits, Sandbox, SatTest, Unencodable, encode
from ._assertions import literal_call_args
from ._augment import augment
from ._task import Suite, Task

# Why a task did not convert, in the order they are checked.
NO_REFERENCE = "no reference solution"
NO_IO_FORM = "no input/output form (puzzle or assertion-only tests)"
REFERENCE_FAILS = "reference fails its own tests"
UNSERIALIZABLE = "an output cannot cross the sandbox boundary"
NONDETERMINISTIC = "outputs differ between two runs"
TOO_FEW_INPUTS = "too few distinct inputs for k examples plus a hidden test"


class ConversionReport(BaseModel):
    """How many tasks converted, and why each of the others did not."""

    total: int = 0
    converted: int = 0
    dropped: dict[str, list[str]] = Field(default_factory=dict)  # reason -> ["task id: detail"]

    def drop(self, reason: str, task_id: str, detail: str = "") -> None:
        self.dropped.setdefault(reason, []).append(f"{task_id}: {detail}" if detail else task_id)

    def lines(self) -> list[str]:
        out = [f"example-based: {self.converted} of {self.total} tasks converted"]
        for reason, items in sorted(self.dropped.items(), key=lambda kv: -len(kv[1])):
            out.append(f"  dropped {len(items)}: {reason} (e.g. {items[0][:120]})")
        return out


def _inputs_from_assertion(code: str, names: set[str]) -> list[tuple[tuple, dict]]:
    """Literal calls of the function under test inside assertion code (HumanEval loops aside)."""
    try:
        tree = _pyast.parse(code)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            arguments = literal_call_args(node)
            if arguments is not None:
                found.append(arguments)
    return found


def collect_inputs(task: Task) -> list[tuple[tuple, dict]]:
    """Distinct argument lists of the task's tests, in order of first appearance."""
    seen: set[str] = set()
    inputs: list[tuple[tuple, dict]] = []
    for test in task.all_tests:
        if isinstance(test, IOTest):
            candidates = [(tuple(test.args), dict(test.kwargs))]
        elif isinstance(test, AssertTest):
            candidates = _inputs_from_assertion(test.code, {task.entry_point, "candidate"})
        else:
            candidates = []
        for args, kwargs in candidates:
            try:
                key = repr(encode((args, kwargs)))
            except Unencodable:
                continue
            if key not in seen:
                seen.add(key)
                inputs.append((args, kwargs))
    return inputs


def _outputs(sandbox: Sandbox, code: str, entry: str, inputs: list[tuple[tuple, dict]],
             limits: Limits) -> tuple[list[Any] | None, str]:
    probes = [IOTest(args=a, kwargs=k, expected=None) for a, k in inputs]
    result = sandbox.run(code, entry, probes, limits)
    for i, verdict in enumerate(result.verdicts):
        if not verdict.has_output:
            return None, f"input {i}: {verdict.reason or verdict.status.value}"
    return [v.output for v in result.verdicts], ""


def _augmented(task: Task, sandbox: Sandbox, inputs: list[tuple[tuple, dict]], count: int, seed: int,
               limits: Limits) -> list[tuple[tuple, dict]]:
    digest = int.from_bytes(hashlib.sha256(task.id.encode()).digest()[:8], "big")
    rng = np.random.default_rng([seed, digest])

    def accepts(candidates: list[tuple[tuple, dict]]) -> list[bool]:
        probes = [IOTest(args=a, kwargs=kw, expected=None) for a, kw in candidates]
        return [v.has_output for v in sandbox.run(task.reference, task.entry_point, probes, limits).verdicts]

    return augment(inputs, count, rng, accepts)


def convert_task(task: Task, sandbox: Sandbox, *, k: int = 3, limits: Limits | None = None,
                 augment: int = 0, seed: int = 0) -> tuple[Task | None, str, str]:
    """The example-based form of ``task``, or ``(None, reason, detail)``.

    ``augment`` adds up to that many inputs made by mutating the task's own (see
    ``_augment``), kept only where the reference runs cleanly; seeded per task.
    """
    limits = limits or sandbox.limits
    if not task.reference:
        return None, NO_REFERENCE, ""
    if any(isinstance(t, SatTest) for t in task.hidden_tests):
        return None, NO_IO_FORM, "puzzle task"
    inputs = collect_inputs(task)
    if not inputs:
        return None, NO_IO_FORM, "no literal call of the entry point in its tests"
    own = sandbox.run(task.reference, task.entry_point, task.all_tests, limits)
    failing = own.first_failure()
    if failing is not None:
        return None, REFERENCE_FAILS, f"test {failing[0]}: {failing[1].reason or failing[1].status.value}"
    if augment:
        inputs += _augmented(task, sandbox, inputs, augment, seed, limits)
    first, why = _outputs(sandbox, task.reference, task.entry_point, inputs, limits)
    if first is None:
        return None, UNSERIALIZABLE, why
    # A second run in a fresh process (the comment defeats the cache) must agree.
    second, why = _outputs(sandbox, task.reference + "\n# second run\n", task.entry_point, inputs, limits)
    if second is None or any(repr(encode(a)) != repr(encode(b)) for a, b in zip(first, second)):
        return None, NONDETERMINISTIC, why
    if len(inputs) < k + 1:
        return None, TOO_FEW_INPUTS, f"{len(inputs)} distinct inputs, k={k}"
    pairs = [IOTest(args=a, kwargs=kw, expected=out) for (a, kw), out in zip(inputs, first)]
    tags = (*task.tags, "example-based", *(["augmented"] if augment else []))
    converted = task.model_copy(update={"examples": tuple(pairs[:k]), "hidden_tests": tuple(pairs[k:]),
                                        "tags": tags})
    return converted, "", ""


def to_example_based(suite: Suite, sandbox: Sandbox, *, k: int = 3, limits: Limits | None = None,
                     augment: int = 0, seed: int = 0) -> tuple[Suite, ConversionReport]:
    """Convert every task that can be; the report says how many did and why the rest did not."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    report = ConversionReport(total=len(suite.tasks))
    with ThreadPoolExecutor(max_workers=sandbox.workers) as pool:
        outcomes = list(pool.map(lambda t: convert_task(t, sandbox, k=k, limits=limits, augment=augment,
                                                        seed=seed), suite.tasks))
    tasks = []
    for task, (converted, reason, detail) in zip(suite.tasks, outcomes):
        if converted is None:
            report.drop(reason, task.id, detail)
        else:
            tasks.append(converted)
    report.converted = len(tasks)
    kept = {t.id for t in tasks}
    splits = {name: tuple(i for i in ids if i in kept) for name, ids in suite.splits.items()}
    return Suite(name=f"{suite.name}:example-based", tasks=tuple(tasks), splits=splits, report=suite.report), report


