"""MBPP (Austin et al., 2021): the original ``mbpp.jsonl`` and the hand-checked sanitized subset.

MBPP tasks are described in words, and their asserts are the hidden tests, so the examples are
empty. The asserts name the function to write; the entry point is the first function the first
assert calls that the reference code defines (``set(f(x)) == ...`` names ``f``, not ``set``).
Both files follow the paper's split by ``task_id``: 1-10 (the few-shot prompt) and 601-974 are
train, 511-600 validation (``dev``), 11-510 test. The hub loader converts rows with the same
functions as the file loaders, so a task is the same wherever it was read from.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..exceptions import ConfigError
from ._assertions import tests_from_assertions
from ._rows import (
    Row,
    bad_field,
    convert_rows,
    hub_rows,
    json_list_rows,
    jsonl_rows,
    make_suite,
    make_task,
    need,
    need_str_list,
    params_of,
    parse_code,
    top_level_function,
    top_level_function_names,
)
from ._splits import seeded_split
from ._task import SPLITS, LoadReport, SplitName, Suite, Task

__all__ = ["MBPP_SPLIT_RANGES", "load_mbpp", "load_mbpp_hub", "load_mbpp_sanitized", "mbpp_sanitized_task",
           "mbpp_split", "mbpp_task"]

# (first task_id, last task_id, split), from the paper; task ids outside them get a seeded split
MBPP_SPLIT_RANGES: tuple[tuple[int, int, SplitName], ...] = (
    (1, 10, "train"),  # the few-shot prompt tasks
    (11, 510, "test"),
    (511, 600, "dev"),  # "validation"
    (601, 974, "train"),
)
HUB_NAME = "google-research-datasets/mbpp"


def mbpp_split(task_id: int) -> SplitName | None:
    """The official split of an MBPP ``task_id``, or ``None`` outside 1-974."""
    for first, last, split in MBPP_SPLIT_RANGES:
        if first <= task_id <= last:
            return split
    return None


def load_mbpp(path: str | Path, *, skip_bad: bool = False, seed: int = 0) -> Suite:
    """Load the original ``mbpp.jsonl`` (fields ``text``, ``code``, ``task_id``, ``test_list``, ...)."""
    path = Path(path)
    return _suite("mbpp", str(path), jsonl_rows(path, "MBPP"), mbpp_task, skip_bad=skip_bad, seed=seed)


def load_mbpp_sanitized(path: str | Path, *, skip_bad: bool = False, seed: int = 0) -> Suite:
    """Load ``sanitized-mbpp.json`` (a JSON list; fields ``prompt``, ``code``, ``test_imports``, ...)."""
    path = Path(path)
    return _suite("mbpp-sanitized", str(path), json_list_rows(path, "sanitized MBPP"), mbpp_sanitized_task,
                  skip_bad=skip_bad, seed=seed)


def load_mbpp_hub(config: str = "full", *, skip_bad: bool = False, seed: int = 0) -> Suite:
    """Load MBPP from the Hugging Face hub (needs ``pip install datasets`` and the network).

    ``config`` is ``"full"`` (the 974 tasks) or ``"sanitized"``; all hub splits are read and
    re-split by ``task_id`` exactly as the files are.
    """
    converters = {"full": ("mbpp", mbpp_task), "sanitized": ("mbpp-sanitized", mbpp_sanitized_task)}
    if config not in converters:
        raise ConfigError(f"MBPP hub config must be 'full' or 'sanitized', got {config!r}")
    name, convert = converters[config]
    return _suite(name, f"hub {HUB_NAME} ({config})", hub_rows(HUB_NAME, config), convert,
                  skip_bad=skip_bad, seed=seed)


def mbpp_task(record: Mapping[str, Any], where: str) -> Task:
    """One row of the original MBPP file as a task (``where`` names the row in errors)."""
    challenge = need_str_list(record, "challenge_test_list", where) if "challenge_test_list" in record else []
    return _task(
        record, where,
        description=need(record, "text", str, where, "the task description as a string"),
        setup_code=need(record, "test_setup_code", str, where, "a string of setup code (may be empty)"),
        source="mbpp",
        metadata={"challenge_tests": len(challenge)},
    )


def mbpp_sanitized_task(record: Mapping[str, Any], where: str) -> Task:
    """One row of the sanitized MBPP file as a task."""
    imports = need_str_list(record, "test_imports", where)
    metadata = {}
    if isinstance(record.get("source_file"), str):
        metadata["source_file"] = record["source_file"]
    return _task(
        record, where,
        description=need(record, "prompt", str, where, "the task description as a string"),
        setup_code="\n".join(imports),
        source="mbpp-sanitized",
        metadata=metadata,
    )


def _task(record: Mapping[str, Any], where: str, *, description: str, setup_code: str, source: str,
          metadata: dict[str, Any]) -> Task:
    """What both MBPP forms share: id, code, entry point, params, converted asserts."""
    task_id = need(record, "task_id", int, where, "an integer task id")
    code = need(record, "code", str, where, "the reference solution as a string")
    test_list = need_str_list(record, "test_list", where, non_empty=True)
    code_tree = parse_code(code, where, "code", "Python source of the reference solution")
    asserts = [parse_code(t, where, f"test_list[{i}]", "an assert statement") for i, t in enumerate(test_list)]
    if setup_code.strip():
        setup_field = "test_setup_code" if source == "mbpp" else "test_imports"
        parse_code(setup_code, where, setup_field, "Python setup code")
    entry_point = _entry_point(asserts[0], code_tree, test_list[0], where)
    func = top_level_function(code_tree, entry_point)
    assert func is not None  # _entry_point only returns names the code defines
    try:
        tests = tests_from_assertions(test_list, entry_point, setup_code=setup_code)
    except ValueError as exc:  # already parsed above, so this is a surprise worth reporting as such
        raise bad_field(where, "test_list", f"cannot be converted ({exc})", test_list, "assert statements") from None
    return make_task(
        where,
        id=f"mbpp/{task_id}",
        entry_point=entry_point,
        params=params_of(func, code),
        description=description,
        hidden_tests=tuple(tests),
        reference=code,
        tags=(source,),
        source=source,
        metadata={"task_id": task_id, **metadata},
    )


def _entry_point(first_assert: ast.Module, code_tree: ast.Module, text: str, where: str) -> str:
    """The first function called in ``first_assert`` (outermost first) that the code defines."""
    defined = set(top_level_function_names(code_tree))
    called = [n.func.id for n in ast.walk(first_assert) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    for name in called:
        if name in defined:
            return name
    raise bad_field(where, "test_list[0]", f"calls no function that field 'code' defines (it calls {called}, "
                    f"the code defines {sorted(defined)})", text,
                    "an assert calling a function defined at the top level of the reference code")


def _suite(name: str, source: str, rows: list[Row], convert: Callable[[Mapping[str, Any], str], Task], *,
           skip_bad: bool, seed: int) -> Suite:
    """Convert rows, then split by the official ranges (seeded for ids outside them)."""
    report = LoadReport(source=source)
    tasks = convert_rows(rows, convert, report, skip_bad=skip_bad)
    splits: dict[SplitName, list[str]] = {s: [] for s in SPLITS}
    outside: list[str] = []
    for task in tasks:
        split = mbpp_split(task.metadata["task_id"])
        (splits[split] if split else outside).append(task.id)
    if outside:
        for split, ids in seeded_split(outside, seed=seed).items():
            splits[split].extend(ids)
        report.notes.append(f"{len(outside)} task ids outside the official 1-974 ranges were split by seed {seed}")
    return make_suite(name, tasks, splits, report)
