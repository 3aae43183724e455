"""The contract every suite form in ``SPEC_FORMS`` keeps, checked over the registry itself, on
``bundled`` and on a small file of each ``KIND:PATH`` form written here: task ids are unique, each
task is in one of train, dev and test, each has an entry point; a task's view carries no hidden
test and no reference solution; a malformed row fails with ``ConfigError`` naming the file and
the row's line (JSONL) or index (JSON list). The ``KIND:hub`` forms need the network (test_loaders
fakes the hub).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from codeloop.benchmarks import SPEC_FORMS, SPLITS, Suite, TaskView, load_suite
from codeloop.exceptions import ConfigError

REFERENCE_MARK = "reference_marker_5e1f"  # written only into reference solutions
HIDDEN_MARK = 918273645  # written only into hidden tests


def mbpp_row(task_id: int) -> dict[str, Any]:
    return {"text": "Write a function that adds two numbers.", "task_id": task_id, "test_setup_code": "",
            "code": f"def add_two(a, b):\n    return a + b  # {REFERENCE_MARK}\n",
            "test_list": ["assert add_two(1, 2) == 3", f"assert add_two({HIDDEN_MARK}, 0) == {HIDDEN_MARK}"],
            "challenge_test_list": []}


def sanitized_row(task_id: int) -> dict[str, Any]:
    return {"source_file": "made-up.py", "task_id": task_id, "prompt": "Write a function that adds two numbers.",
            "code": f"def add_two(a, b):\n    return a + b  # {REFERENCE_MARK}\n", "test_imports": [],
            "test_list": ["assert add_two(1, 2) == 3", f"assert add_two({HIDDEN_MARK}, 0) == {HIDDEN_MARK}"]}


def humaneval_row(n: int) -> dict[str, Any]:
    return {"task_id": f"HumanEval/{n}", "entry_point": "add_two",
            "prompt": 'def add_two(a, b):\n    """Add two numbers.\n    >>> add_two(1, 2)\n    3\n    """\n',
            "canonical_solution": f"    return a + b  # {REFERENCE_MARK}\n",
            "test": ("def check(candidate):\n    assert candidate(1, 2) == 3\n"
                     f"    assert candidate({HIDDEN_MARK}, 0) == {HIDDEN_MARK}\n")}


def puzzle_row(n: int) -> dict[str, Any]:  # the puzzle (sat) is shown by design; its solution is not
    return {"name": f"Repeat:{n}", "sat": f"def sat(s: str, n={n + 2}):\n    return s == 'x' * n",
            "ans_type": "str", "sol_header": f"def sol(n={n + 2}):",
            "sol_docstring": '    """Find the string made of n letters x."""',
            "sol_bodies": [f"    return 'x' * n  # {REFERENCE_MARK}"], "module": "made_up.py", "notes": "",
            "weight": 1.0}


def jsonl_row(n: int) -> dict[str, Any]:
    return {"id": f"own/{n}", "entry_point": "add_two", "split": SPLITS[n % 3],
            "examples": [{"args": [1, 2], "expected": 3}],
            "hidden_tests": [{"args": [HIDDEN_MARK, 0], "expected": HIDDEN_MARK}],
            "reference": f"def add_two(a, b):\n    return a + b  # {REFERENCE_MARK}\n"}


@dataclass(frozen=True)
class FileForm:
    """How to write a small file of a suite form: its name (``.jsonl``: a row per line; ``.json``:
    a list of rows), three good rows, and a field every row must have."""

    filename: str
    rows: Callable[[], list[dict[str, Any]]]
    required: str

    def write(self, directory: Path, rows: list[Any]) -> Path:
        path = directory / self.filename
        if self.filename.endswith(".jsonl"):
            path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        else:
            path.write_text(json.dumps(rows))
        return path

    def location(self, path: Path, index: int) -> str:
        """The regex of where a row is, as errors name it: ``path:LINE: `` or ``path [index I]: ``."""
        where = f":{index + 1}: " if self.filename.endswith(".jsonl") else rf" \[index {index}\]: "
        return re.escape(str(path)) + where


FILE_FORMS: dict[str, FileForm] = {
    "mbpp": FileForm("mbpp.jsonl", lambda: [mbpp_row(i) for i in (2, 11, 600)], "code"),
    "mbpp-sanitized": FileForm("sanitized.json", lambda: [sanitized_row(i) for i in (2, 11, 600)], "prompt"),
    "humaneval": FileForm("humaneval.jsonl", lambda: [humaneval_row(i) for i in range(3)], "canonical_solution"),
    "p3": FileForm("puzzles.json", lambda: [puzzle_row(i) for i in range(3)], "sat"),
    "jsonl": FileForm("suite.jsonl", lambda: [jsonl_row(i) for i in range(3)], "entry_point"),
}
FILE_SPECS = [form for form in SPEC_FORMS if form.endswith(":PATH")]
LOADABLE = ["bundled", *FILE_SPECS]  # the KIND:hub forms need the network; test_loaders fakes the hub


def test_every_suite_form_is_covered_here():
    kinds = [form.split(":")[0] for form in FILE_SPECS]
    assert sorted(kinds) == sorted(FILE_FORMS), "add a FileForm for each KIND:PATH form in SPEC_FORMS"
    others = [form for form in SPEC_FORMS if form not in LOADABLE]
    assert all(form.endswith(":hub") and form.replace(":hub", ":PATH") in FILE_SPECS for form in others), others


def written_rows(form: str) -> list[dict[str, Any]]:
    return FILE_FORMS[form.split(":")[0]].rows() if form != "bundled" else []


def load_form(form: str, directory: Path) -> Suite:
    if form == "bundled":
        return load_suite("bundled")
    kind = form.split(":")[0]
    return load_suite(f"{kind}:{FILE_FORMS[kind].write(directory, written_rows(form))}")


@pytest.mark.parametrize("form", LOADABLE)
def test_suite_tasks_have_unique_ids_one_split_each_and_an_entry_point(form, tmp_path):
    suite = load_form(form, tmp_path)
    ids = [t.id for t in suite.tasks]
    assert ids and len(set(ids)) == len(ids)
    assert set(suite.splits) <= set(SPLITS)
    placed = [i for split in SPLITS for i in suite.splits.get(split, ())]
    assert sorted(placed) == sorted(ids)  # every task in exactly one of train, dev, test
    assert all(t.entry_point.isidentifier() for t in suite.tasks)
    if form != "bundled":
        assert len(ids) == len(written_rows(form))  # no row lost


@pytest.mark.parametrize("form", LOADABLE)
def test_suite_views_carry_no_hidden_test_and_no_reference(form, tmp_path):
    assert not {"hidden_tests", "reference"} & set(TaskView.model_fields)
    suite = load_form(form, tmp_path)
    written = json.dumps(written_rows(form))
    for task in suite.tasks:
        view = task.view()
        assert type(view) is TaskView and view.examples == task.examples
        shown = view.model_dump_json()
        assert REFERENCE_MARK not in shown and str(HIDDEN_MARK) not in shown, task.id
        if task.reference:
            assert all(task.reference.strip() not in text for text in _strings(view.model_dump())), task.id
        # the marks written into the file reached the task, so the checks above could have failed
        if REFERENCE_MARK in written:
            assert REFERENCE_MARK in (task.reference or ""), task.id
        if str(HIDDEN_MARK) in written:
            assert str(HIDDEN_MARK) in json.dumps([t.model_dump(mode="json") for t in task.hidden_tests]), task.id


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def bad_row(file_form: FileForm, problem: str) -> Any:
    good = file_form.rows()[0]
    return {"not an object": [1, 2], "missing field": {k: v for k, v in good.items() if k != file_form.required},
            "same id twice": good}[problem]


MALFORMED = [(kind, problem) for kind in sorted(FILE_FORMS) for problem in ("not an object", "missing field", "same id twice")]


@pytest.mark.parametrize("kind, problem", MALFORMED)
def test_a_malformed_row_is_named_by_file_and_position(kind, problem, tmp_path):
    file_form = FILE_FORMS[kind]
    rows = file_form.rows()
    path = file_form.write(tmp_path, [rows[0], bad_row(file_form, problem), rows[1]])
    with pytest.raises(ConfigError, match=file_form.location(path, 1)):
        load_suite(f"{kind}:{path}")
