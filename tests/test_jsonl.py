"""codeloop's JSONL task format and seeded splits."""

from __future__ import annotations

import json

import pytest

from codeloop.benchmarks import Suite, Task
from codeloop.benchmarks._jsonl import jsonl_schema, read_jsonl_suite, write_jsonl_suite
from codeloop.benchmarks._splits import seeded_split
from codeloop.exceptions import ConfigError
from codeloop.execution import AssertTest, IOTest


def sample_suite() -> Suite:
    tasks = (
        Task(id="t1", entry_point="pair", description="Pair them.",
             examples=(IOTest(args=((1, 2), {3}), kwargs={"sep": b"-"}, expected={"k": (1, 2)}),),
             hidden_tests=(IOTest(args=([1],), expected=[1.5, float("inf")]), AssertTest(code="assert pair(1)")),
             reference="def pair(a, b=None, sep=None):\n    return a\n", tags=("x",)),
        Task(id="t2", entry_point="g", hidden_tests=(IOTest(args=(), expected=None),)),
    )
    return Suite(name="s", tasks=tasks, splits={"train": ("t1",), "dev": (), "test": ("t2",)})


def test_round_trip_keeps_types_and_splits(tmp_path):
    path = tmp_path / "suite.jsonl"
    write_jsonl_suite(sample_suite(), path)
    back = read_jsonl_suite(path, name="s")
    assert back.tasks == sample_suite().tasks
    assert back.splits == sample_suite().splits
    assert back.report.loaded == 2 and back.report.skipped == []
    first = json.loads(path.read_text().splitlines()[0])
    assert first["examples"][0]["args"] == [{"t": [1, 2]}, {"s": [3]}] and first["split"] == "train"


def bad_line(tmp_path, line: str):
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"id": "ok", "entry_point": "f", "hidden_tests": [{"args": [1], "expected": 2}]})
    path.write_text(good + "\n" + line + "\n")
    return path


@pytest.mark.parametrize("line, message", [
    ("{not json", r"bad.jsonl:2: not valid JSON"),
    ('{"id": "x", "entry_point": "no pe", "hidden_tests": [{"args": [], "expected": 1}]}',
     r"bad.jsonl:2: field 'entry_point': .*'no pe'"),
    ('{"id": "x", "entry_point": "f"}', r"bad.jsonl:2: .*neither examples nor hidden tests"),
    ('{"id": "x", "entry_point": "f", "split": "val", "hidden_tests": [{"expected": 1}]}',
     r"bad.jsonl:2: field 'split' must be one of train, dev, test, got 'val'"),
    ('{"id": "x", "entry_point": "f", "hidden_tests": [{"args": [], "expected": {"t": 5}}]}',
     r"bad.jsonl:2: hidden_tests\[0\] has a malformed value"),
    ('[1, 2]', r"bad.jsonl:2: a task must be a JSON object"),
    ('{"id": "x", "entry_point": "f", "tests": [{"input": [1], "output": 2}]}',
     r"bad.jsonl:2: unknown field 'tests' in a task; did you mean 'hidden_tests'\?"),
    ('{"id": "x", "entry_point": "f", "hidden_tests": [{"input": [1], "output": 2}]}',
     r"bad.jsonl:2: unknown field 'input' in hidden_tests\[0\]; did you mean 'args'\?"),
    ('{"id": "x", "entry_point": "f", "hidden_tests": [{"args": [1], "expectd": 2}]}',
     r"bad.jsonl:2: unknown field 'expectd' in hidden_tests\[0\]; did you mean 'expected'\?"),
    ('{"id": "ok", "entry_point": "f", "hidden_tests": [{"args": [1], "expected": 2}]}',
     r"bad.jsonl:2: task id 'ok' was already loaded from .*bad.jsonl:1"),
])
def test_bad_lines_name_file_line_field_and_value(tmp_path, line, message):
    path = bad_line(tmp_path, line)
    with pytest.raises(ConfigError, match=message):
        read_jsonl_suite(path)
    skipped = read_jsonl_suite(path, skip_bad=True)
    assert skipped.report.loaded == 1 and len(skipped.report.skipped) == 1


def test_plain_json_values_are_themselves_and_tags_only_say_what_json_cannot(tmp_path):
    path = tmp_path / "plain.jsonl"
    path.write_text(json.dumps({"id": "p", "entry_point": "f", "hidden_tests": [
        {"args": [{"name": "ada", "langs": ["en", "fr"]}], "expected": {"count": 2, "pair": {"t": [1, 2]}}},
        {"args": [{"s": [1, 2]}], "expected": {"d": [[1, "one"], [{"t": [2, 3]}, "pair"]]}},
    ]}) + "\n")
    plain, tagged = read_jsonl_suite(path).tasks[0].hidden_tests
    assert plain.args == ({"name": "ada", "langs": ["en", "fr"]},)
    assert plain.expected == {"count": 2, "pair": (1, 2)}
    assert tagged.args == ({1, 2},) and tagged.expected == {1: "one", (2, 3): "pair"}


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nope.jsonl"):
        read_jsonl_suite(tmp_path / "nope.jsonl")


def test_schema_describes_a_line():
    schema = jsonl_schema()
    assert {"id", "entry_point", "examples", "hidden_tests", "split"} <= set(schema["properties"])
    assert "tagged JSON form" in schema["description"]


def test_seeded_split_is_deterministic_order_free_and_complete():
    ids = [f"task{i}" for i in range(20)]
    a = seeded_split(ids, seed=3)
    assert a == seeded_split(list(reversed(ids)), seed=3)
    assert a != seeded_split(ids, seed=4)
    assert [len(a[s]) for s in ("train", "dev", "test")] == [10, 4, 6]
    assert sorted(a["train"] + a["dev"] + a["test"]) == sorted(ids)
    with pytest.raises(ValueError, match="summing to 1"):
        seeded_split(ids, fractions=(0.5, 0.5, 0.5))


def test_suite_rejects_overlapping_or_unknown_split_members():
    t = Task(id="a", entry_point="f", hidden_tests=(IOTest(expected=1),))
    with pytest.raises(ValueError, match="more than one split"):
        Suite(name="s", tasks=(t,), splits={"train": ("a",), "dev": ("a",), "test": ()})
    with pytest.raises(ValueError, match="unknown tasks"):
        Suite(name="s", tasks=(t,), splits={"train": ("b",), "dev": (), "test": ()})


def test_committed_schema_matches_the_model():
    from pathlib import Path

    committed = Path(__file__).resolve().parents[1] / "docs" / "task.schema.json"
    assert json.loads(committed.read_text()) == jsonl_schema(), (
        "docs/task.schema.json is stale: regenerate it with "
        "`python -c 'import json; from codeloop.benchmarks import jsonl_schema; "
        "print(json.dumps(jsonl_schema(), indent=2))' > docs/task.schema.json`")
