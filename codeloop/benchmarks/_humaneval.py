"""HumanEval (Chen et al., 2021): 164 functions given as a signature and docstring.

The ``prompt`` (imports, the signature, the docstring with its examples) is the description;
``check(candidate)`` in ``test`` becomes the hidden tests, as trusted I/O pairs wherever an
assert allows it. HumanEval has no official train/dev/test split (it is a test set), so tasks
are split by seed. The hub loader converts rows with the same function as the file loader.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..exceptions import ConfigError
from ._assertions import tests_from_assertions
from ._rows import (
    Row,
    bad_field,
    convert_rows,
    hub_rows,
    jsonl_rows,
    make_suite,
    make_task,
    need,
    params_of,
    parse_code,
    top_level_function,
)
from ._splits import seeded_split
from ._task import LoadReport, Suite, Task

__all__ = ["humaneval_task", "load_humaneval", "load_humaneval_hub"]

HUB_NAME = "openai/openai_humaneval"


def load_humaneval(path: str | Path, *, skip_bad: bool = False, seed: int = 0) -> Suite:
    """Load ``HumanEval.jsonl`` or ``HumanEval.jsonl.gz`` (chosen by the ``.gz`` suffix)."""
    path = Path(path)
    return _suite(str(path), jsonl_rows(path, "HumanEval"), skip_bad=skip_bad, seed=seed)


def load_humaneval_hub(*, skip_bad: bool = False, seed: int = 0) -> Suite:
    """Load HumanEval from the Hugging Face hub (needs ``pip install datasets`` and the network)."""
    return _suite(f"hub {HUB_NAME}", hub_rows(HUB_NAME, None), skip_bad=skip_bad, seed=seed)


def humaneval_task(record: Mapping[str, Any], where: str) -> Task:
    """One HumanEval row (``task_id``, ``prompt``, ``canonical_solution``, ``test``, ``entry_point``)."""
    task_id = need(record, "task_id", str, where, "a task id string such as 'HumanEval/0'")
    prompt = need(record, "prompt", str, where, "the prompt (signature and docstring) as a string")
    solution = need(record, "canonical_solution", str, where, "the solution body as a string")
    test = need(record, "test", str, where, "test code defining check(candidate), as a string")
    entry_point = need(record, "entry_point", str, where, "the name of the function to write")
    if not entry_point.isidentifier():
        raise bad_field(where, "entry_point", "is not a Python identifier", entry_point, "a function name")
    reference = prompt + solution
    reference_tree = parse_code(reference, where, "prompt + canonical_solution", "a complete Python function")
    # The signature is the prompt's; should the prompt not parse on its own, the full solution has it too.
    try:
        func, func_source = top_level_function(parse_code(prompt, where, "prompt"), entry_point), prompt
    except ConfigError:
        func, func_source = None, prompt
    if func is None:
        func, func_source = top_level_function(reference_tree, entry_point), reference
    if func is None:
        raise bad_field(where, "entry_point", "is not defined at the top level of prompt + canonical_solution",
                        entry_point, "the name of a function the prompt defines")
    parse_code(test, where, "test", "test code defining check(candidate)")
    try:
        tests = tests_from_assertions(test, entry_point)
    except ValueError as exc:
        raise bad_field(where, "test", f"cannot be converted ({exc})", test, "test code") from None
    if not tests:
        raise bad_field(where, "test", "contains no test", test, "code defining check(candidate) with asserts")
    return make_task(
        where,
        id=task_id,
        entry_point=entry_point,
        params=params_of(func, func_source),
        description=prompt,
        hidden_tests=tuple(tests),
        reference=reference,
        tags=("humaneval",),
        source="humaneval",
    )


def _suite(source: str, rows: list[Row], *, skip_bad: bool, seed: int) -> Suite:
    report = LoadReport(source=source)
    tasks = convert_rows(rows, humaneval_task, report, skip_bad=skip_bad)
    return make_suite("humaneval", tasks, seeded_split([t.id for t in tasks], seed=seed), report)
