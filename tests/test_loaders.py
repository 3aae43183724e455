"""Benchmark loaders (MBPP, sanitized MBPP, HumanEval, P3) and suite specs.

Fixture rows are invented here; the tests on the real data files skip when those are absent.
"""

from __future__ import annotations

import gzip
import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from codeloop.benchmarks._humaneval import load_humaneval, load_humaneval_hub
from codeloop.benchmarks._jsonl import write_jsonl_suite
from codeloop.benchmarks._mbpp import load_mbpp, load_mbpp_hub, load_mbpp_sanitized, mbpp_split
from codeloop.benchmarks._p3 import load_p3
from codeloop.benchmarks._spec import SPEC_FORMS, load_suite
from codeloop.benchmarks._task import Param, Suite, Task
from codeloop.exceptions import ConfigError
from codeloop.execution import AssertTest, IOTest, SatTest

# --------------------------------------------------------------------------- invented rows


def mbpp_row(task_id: int = 1, **changes: Any) -> dict[str, Any]:
    row = {
        "text": "Write a function that adds two numbers.",
        "code": "def add_two(a, b):\r\n    return a + b\r\n",
        "task_id": task_id,
        "test_setup_code": "",
        "test_list": ["assert add_two(1, 2) == 3", "assert add_two(-1, 1) == 0", "assert add_two(0, 0) == 0"],
        "challenge_test_list": ["assert add_two(10, 5) == 15"],
    }
    row.update(changes)
    return row


def sanitized_row(task_id: int = 1, **changes: Any) -> dict[str, Any]:
    row = {
        "source_file": "made-up.ipynb",
        "task_id": task_id,
        "prompt": "Write a function that returns the distinct letters of a word.",
        "code": "import math\ndef letters(word: str, limit: int = 0) -> list:\n    return sorted(set(word))\n",
        "test_imports": ["import math"],
        "test_list": ["assert set(letters('abba')) == set(['a', 'b'])", "assert letters('zz') == ['z']",
                      "assert math.isclose(len(letters('xyz')), 3)"],
    }
    row.update(changes)
    return row


def humaneval_row(n: int = 0, **changes: Any) -> dict[str, Any]:
    row = {
        "task_id": f"HumanEval/{n}",
        "prompt": ("from typing import List\n\n\ndef helper(x):\n    return x\n\n\n"
                   "def shout(words: List[str], times: int = 1) -> str:\n"
                   "    \"\"\"Join the words in upper case, repeated.\n    >>> shout(['a'])\n    'A'\n    \"\"\"\n"),
        "canonical_solution": "    return ' '.join(w.upper() for w in words) * times\n",
        "test": ("METADATA = {'author': 'nobody'}\n\n\ndef check(candidate):\n"
                 "    assert candidate(['a', 'b']) == 'A B'\n    assert candidate([], 2) == ''\n"
                 "    assert candidate(['x'], 2).startswith('X')\n"),
        "entry_point": "shout",
    }
    row.update(changes)
    return row


def puzzle_row(name: str = "Repeat:0", n: int = 3, **changes: Any) -> dict[str, Any]:
    row = {
        "name": name,
        "sat": f"def sat(s: str, n={n}):\n    return s == 'x' * n",
        "ans_type": "str",
        "sol_header": f"def sol(n={n}):",
        "sol_docstring": '    """Find the string made of n letters x."""',
        "sol_bodies": ["    return 'x' * n"],
        "module": "made_up.py",
        "notes": "",
        "weight": 1.0,
    }
    row.update(changes)
    return row


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    text = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def write_json(path: Path, rows: Any) -> Path:
    path.write_text(json.dumps(rows))
    return path


# --------------------------------------------------------------------------- MBPP


def test_mbpp_row_becomes_a_description_task(tmp_path):
    suite = load_mbpp(write_jsonl(tmp_path / "mbpp.jsonl", [mbpp_row(1)]))
    (task,) = suite.tasks
    assert task.id == "mbpp/1" and task.entry_point == "add_two" and task.source == "mbpp"
    assert task.params == (Param(name="a"), Param(name="b"))
    assert task.description == "Write a function that adds two numbers."
    assert task.examples == ()
    assert task.hidden_tests[0] == IOTest(args=(1, 2), expected=3) and len(task.hidden_tests) == 3
    assert task.reference == mbpp_row()["code"]
    assert task.metadata["challenge_tests"] == 1 and task.tags == ("mbpp",)
    assert suite.report.loaded == 1 and suite.report.skipped == []


def test_mbpp_setup_code_stays_with_unconverted_asserts(tmp_path):
    row = mbpp_row(5, code="class Box:\n    def __init__(self, v):\n        self.v = v\n\ndef unbox(b):\n    return b.v\n",
                   test_setup_code="b1 = Box(4)", test_list=["assert unbox(b1) == 4", "assert unbox(Box(2)) == 2"])
    (task,) = load_mbpp(write_jsonl(tmp_path / "mbpp.jsonl", [row])).tasks
    assert task.entry_point == "unbox"
    assert all(isinstance(t, AssertTest) and t.code.startswith("b1 = Box(4)") for t in task.hidden_tests)


def test_mbpp_official_split_by_task_id(tmp_path):
    ids = [1, 10, 11, 510, 511, 600, 601, 974]
    suite = load_mbpp(write_jsonl(tmp_path / "mbpp.jsonl", [mbpp_row(i) for i in ids]))
    assert suite.splits == {"train": ("mbpp/1", "mbpp/10", "mbpp/601", "mbpp/974"),
                            "dev": ("mbpp/511", "mbpp/600"), "test": ("mbpp/11", "mbpp/510")}
    assert [mbpp_split(i) for i in (0, 1, 10, 11, 510, 511, 600, 601, 974, 975)] == [
        None, "train", "train", "test", "test", "dev", "dev", "train", "train", None]


def test_mbpp_ids_outside_the_official_ranges_are_split_by_seed_and_noted(tmp_path):
    suite = load_mbpp(write_jsonl(tmp_path / "mbpp.jsonl", [mbpp_row(i) for i in (5, 1001, 1002, 1003)]))
    assert "mbpp/5" in suite.splits["train"]
    assert sum(suite.counts().values()) == 4
    assert "3 task ids outside the official 1-974 ranges" in suite.report.summary()


def test_sanitized_row_entry_point_skips_wrapping_builtins(tmp_path):
    suite = load_mbpp_sanitized(write_json(tmp_path / "san.json", [sanitized_row(12), sanitized_row(600)]))
    task = suite.tasks[0]
    assert task.entry_point == "letters" and task.source == "mbpp-sanitized"
    assert task.params == (Param(name="word", annotation="str"), Param(name="limit", annotation="int"))
    assert task.description.startswith("Write a function that returns the distinct")
    assert task.hidden_tests[1] == IOTest(args=("zz",), expected=["z"])
    assert task.hidden_tests[0].kind == "assert"  # set(letters(..)) == ... is kept as code, with the imports
    assert task.hidden_tests[0].code.startswith("import math")
    assert task.metadata["source_file"] == "made-up.ipynb"
    assert suite.splits["test"] == ("mbpp/12",) and suite.splits["dev"] == ("mbpp/600",)


# --------------------------------------------------------------------------- HumanEval


@pytest.mark.parametrize("name", ["he.jsonl", "he.jsonl.gz"])
def test_humaneval_plain_and_gzipped(tmp_path, name):
    suite = load_humaneval(write_jsonl(tmp_path / name, [humaneval_row(i) for i in range(10)]))
    task = suite.tasks[0]
    assert task.id == "HumanEval/0" and task.entry_point == "shout" and task.source == "humaneval"
    assert task.params == (Param(name="words", annotation="List[str]"), Param(name="times", annotation="int"))
    assert task.description == humaneval_row()["prompt"]
    assert task.reference == humaneval_row()["prompt"] + humaneval_row()["canonical_solution"]
    assert task.hidden_tests[:2] == (IOTest(args=(["a", "b"],), expected="A B"), IOTest(args=([], 2), expected=""))
    assert isinstance(task.hidden_tests[2], AssertTest) and "startswith" in task.hidden_tests[2].code
    assert suite.report.loaded == 10 and sum(suite.counts().values()) == 10


def test_humaneval_split_is_seeded_and_repeatable(tmp_path):
    path = write_jsonl(tmp_path / "he.jsonl", [humaneval_row(i) for i in range(20)])
    assert load_humaneval(path, seed=3).splits == load_humaneval(path, seed=3).splits
    assert load_humaneval(path, seed=3).counts() == {"train": 10, "dev": 4, "test": 6}
    assert any(load_humaneval(path, seed=s).splits != load_humaneval(path, seed=3).splits for s in range(4, 8))


def test_not_a_gzip_file(tmp_path):
    path = tmp_path / "he.jsonl.gz"
    path.write_text(json.dumps(humaneval_row()))
    with pytest.raises(ConfigError, match=r"cannot read HumanEval file .*he\.jsonl\.gz"):
        load_humaneval(path)


# --------------------------------------------------------------------------- P3


def p3_rows() -> list[dict[str, Any]]:
    """Ten train classes, three test classes, one class the split file does not list; two puzzles each."""
    classes = [f"Train{i}" for i in range(10)] + ["TestA", "TestB", "TestC", "Stray"]
    return [puzzle_row(f"{c}:{k}", n=k + 2) for c in classes for k in range(2)]


def write_p3(tmp_path: Path, rows: list[Any], split: Any | None = None) -> Path:
    path = write_json(tmp_path / "puzzles.json", rows)
    if split is not None:
        write_json(tmp_path / "split.json", split)
    return path


OFFICIAL = {"train": [f"Train{i}" for i in range(10)], "test": ["TestA", "TestB", "TestC"]}


def test_p3_puzzle_shows_sat_and_hides_the_solution(tmp_path):
    suite = load_p3(write_p3(tmp_path, [puzzle_row(), puzzle_row("Empty:0", sol_bodies=[])]))
    task = suite.tasks[0]
    assert task.id == "p3/Repeat:0" and task.entry_point == "sol" and task.params == ()
    assert "def sat(s: str, n=3):" in task.description and "Find the string made of n letters x." in task.description
    assert "return 'x' * n" not in task.description  # the solution body stays hidden
    assert task.hidden_tests == (SatTest(sat=puzzle_row()["sat"]),)
    assert task.reference == "def sol(n=3):\n" + puzzle_row()["sol_docstring"] + "\n    return 'x' * n"
    assert task.tags == ("made_up.py", "str") and task.metadata["class"] == "Repeat"
    assert "str" in task.constraints
    assert suite.tasks[1].reference is None


def test_p3_split_file_beside_puzzles_with_dev_carved_from_train_classes(tmp_path):
    suite = load_p3(write_p3(tmp_path, p3_rows(), OFFICIAL), seed=0)
    classes = {s: {i.split("/")[1].split(":")[0] for i in ids} for s, ids in suite.splits.items()}
    assert {"TestA", "TestB", "TestC"} <= classes["test"]
    assert len(classes["dev"] - {"Stray"}) == 2 and classes["dev"] - {"Stray"} <= set(OFFICIAL["train"])
    assert len(classes["train"] - {"Stray"}) == 8
    assert sum(c == {"Stray"} or "Stray" in c for c in classes.values()) == 1  # a class is never split apart
    for ids in suite.splits.values():  # both puzzles of each class land together
        assert all(f"{i[:-1]}{1 - int(i[-1])}" in ids for i in ids)
    assert "1 classes (2 puzzles) not in" in suite.report.summary()
    assert load_p3(tmp_path / "puzzles.json", seed=0).splits == suite.splits


def test_p3_dev_depends_on_seed(tmp_path):
    path = write_p3(tmp_path, p3_rows(), OFFICIAL)
    devs = {load_p3(path, seed=s).splits["dev"] for s in range(6)}
    assert len(devs) > 1


def test_p3_explicit_split_path_and_no_split_file(tmp_path):
    path = write_p3(tmp_path, p3_rows())
    other = write_json(tmp_path / "elsewhere.json", {"train": ["TestA"], "test": ["TestB"]})
    suite = load_p3(path, split_path=other)
    assert {"p3/TestB:0", "p3/TestB:1"} <= set(suite.splits["test"])
    assert "p3/TestA:0" in suite.splits["train"] + suite.splits["dev"]
    seeded = load_p3(path)  # no split.json beside it: seeded by class
    assert "no split file" in seeded.report.summary()
    for ids in seeded.splits.values():
        assert all(f"{i[:-1]}{1 - int(i[-1])}" in ids for i in ids)
    with pytest.raises(ConfigError, match=r"cannot read P3 split file .*missing\.json"):
        load_p3(path, split_path=tmp_path / "missing.json")


@pytest.mark.parametrize("split, message", [
    ({"train": ["A"]}, r"split file .*split\.json: missing field 'test'"),
    ({"train": "A", "test": []}, r"split file .*split\.json: field 'train' has type str \(got 'A'\)"),
    ({"train": ["A"], "test": ["A"]}, r"classes \['A'\] are in both"),
    ([["A"]], r"split file .*split\.json holds a JSON list"),
])
def test_p3_bad_split_file(tmp_path, split, message):
    with pytest.raises(ConfigError, match=message):
        load_p3(write_p3(tmp_path, [puzzle_row()], split))


# --------------------------------------------------------------------------- malformed rows

_MBPP, _SAN, _HE, _P3 = "mbpp.jsonl", "san.json", "he.jsonl", "puzzles.json"
_LOADERS = {_MBPP: load_mbpp, _SAN: load_mbpp_sanitized, _HE: load_humaneval, _P3: load_p3}
_GOOD = {_MBPP: mbpp_row(1), _SAN: sanitized_row(1), _HE: humaneval_row(1), _P3: puzzle_row("Good:0")}


def _without(row: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != field}


BAD_ROWS = [
    # (file, bad row, regex after the location)
    (_MBPP, "{not json", r"not valid JSON .*'\{not json'"),
    (_MBPP, _without(mbpp_row(2), "code"), r"missing field 'code'"),
    (_MBPP, mbpp_row("7"), r"field 'task_id' has type str \(got '7'\); expected an integer"),
    (_MBPP, mbpp_row(True), r"field 'task_id' has type bool"),
    (_MBPP, mbpp_row(2, test_list=["assert add_two(1, 2) == 3", "assert add_two(1,, 2) == 3"]),
     r"field 'test_list\[1\]' does not parse \(line 1: .*\) \(got 'assert add_two\(1,, 2\) == 3'\)"),
    (_MBPP, mbpp_row(2, test_list=[]), r"field 'test_list' is empty"),
    (_MBPP, mbpp_row(2, test_list=["assert add_two(1, 2) == 3", 4]), r"field 'test_list\[1\]' has type int \(got 4\)"),
    (_MBPP, mbpp_row(2, code="def plus(a, b):\n    return a + b\n"),
     r"field 'test_list\[0\]' calls no function that field 'code' defines .*\['add_two'\].*\['plus'\]"),
    (_MBPP, mbpp_row(2, code="def add_two(a, b):\n    return a +\n"),
     r"field 'code' does not parse \(line 2: .*\) \(got 'return a \+'\)"),
    (_MBPP, mbpp_row(2, test_setup_code="x = ("), r"field 'test_setup_code' does not parse"),
    (_MBPP, mbpp_row(1), r"task id 'mbpp/1' was already loaded from .*mbpp\.jsonl:1"),
    (_MBPP, [1, 2], r"a row must be a JSON object \(got list \[1, 2\]\)"),
    (_SAN, _without(sanitized_row(2), "prompt"), r"missing field 'prompt'"),
    (_SAN, sanitized_row(2, test_imports="import math"), r"field 'test_imports' has type str \(got 'import math'\)"),
    (_SAN, sanitized_row(2, test_list=["assert letters('a') = ['a']"]), r"field 'test_list\[0\]' does not parse"),
    (_HE, humaneval_row(2, entry_point="whisper"),
     r"field 'entry_point' is not defined at the top level of prompt \+ canonical_solution \(got 'whisper'\)"),
    (_HE, humaneval_row(2, entry_point="not valid"), r"field 'entry_point' is not a Python identifier"),
    (_HE, humaneval_row(2, test="def check(candidate):\n    assert candidate(['a']) ==\n"),
     r"field 'test' does not parse \(line 2: .*\) \(got \"assert candidate\(\['a'\]\) ==\"\)"),
    (_HE, humaneval_row(2, test="def check(candidate):\n    pass\n"), r"field 'test' contains no test"),
    (_HE, _without(humaneval_row(2), "canonical_solution"), r"missing field 'canonical_solution'"),
    (_HE, humaneval_row(2, prompt=7), r"field 'prompt' has type int \(got 7\)"),
    (_P3, puzzle_row("Bad:0", sat="def sat(s: str:\n    return True"), r"field 'sat' does not parse .*\(got 'def sat\(s: str:'\)"),
    (_P3, puzzle_row("Bad:0", sat="def check(s: str):\n    return True"), r"field 'sat' does not define a top-level function sat"),
    (_P3, puzzle_row("Bad:0", sol_bodies="    return 'x'"), r"field 'sol_bodies' has type str"),
    (_P3, puzzle_row("Bad:0", sol_bodies=["    return 'x'\n  pass"]), r"field 'sol_bodies\[0\]' does not parse \(line 2: .*\) \(got 'pass'\)"),
    (_P3, puzzle_row(12), r"field 'name' has type int \(got 12\)"),
    (_P3, _without(puzzle_row("Bad:0"), "sat"), r"missing field 'sat'"),
    (_P3, puzzle_row("Bad:0", weight="heavy"), r"field 'weight' has type str \(got 'heavy'\); expected a number"),
]


@pytest.mark.parametrize("kind, bad, message", BAD_ROWS, ids=[f"{i}-{r[0]}" for i, r in enumerate(BAD_ROWS)])
def test_malformed_row_names_file_position_field_and_value(tmp_path, kind, bad, message):
    rows = [_GOOD[kind], bad]
    path = (write_jsonl if kind.endswith("jsonl") else write_json)(tmp_path / kind, rows)
    location = rf"{kind}:2: " if kind.endswith("jsonl") else rf"{kind} \[index 1\]: "
    with pytest.raises(ConfigError, match=location + message):
        _LOADERS[kind](path)
    suite = _LOADERS[kind](path, skip_bad=True)
    assert suite.report.loaded == 1 and len(suite.tasks) == 1
    assert len(suite.report.skipped) == 1 and suite.report.skipped[0].startswith(str(tmp_path / kind))
    assert "skipped 1" in suite.report.summary()


def test_long_values_are_truncated(tmp_path):
    row = mbpp_row("9" * 500)
    with pytest.raises(ConfigError) as caught:
        load_mbpp(write_jsonl(tmp_path / "m.jsonl", [row]))
    assert len(str(caught.value)) < 300 and "..." in str(caught.value)


@pytest.mark.parametrize("loader, content, message", [
    (load_mbpp_sanitized, {"a": 1}, r"holds a JSON dict; expected a JSON list of objects"),
    (load_p3, "[{", r"is not valid JSON \(line 1, column 3"),
])
def test_json_list_file_that_is_not_a_list(tmp_path, loader, content, message):
    path = tmp_path / "rows.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(ConfigError, match=message):
        loader(path, skip_bad=True)  # a broken file has no rows to skip


def test_every_row_is_accounted_for(tmp_path):
    rows = [mbpp_row(1), "{bad", mbpp_row(2), mbpp_row("x"), "", mbpp_row(3)]
    suite = load_mbpp(write_jsonl(tmp_path / "m.jsonl", rows), skip_bad=True)
    assert suite.report.loaded == 3 and len(suite.report.skipped) == 2
    assert [s.split(": ")[0].rsplit(":", 1)[1] for s in suite.report.skipped] == ["2", "4"]


# --------------------------------------------------------------------------- specs


def test_spec_loads_every_kind(tmp_path):
    files = {
        "mbpp": write_jsonl(tmp_path / "m.jsonl", [mbpp_row(1)]),
        "mbpp-sanitized": write_json(tmp_path / "s.json", [sanitized_row(1)]),
        "humaneval": write_jsonl(tmp_path / "h.jsonl.gz", [humaneval_row(0)]),
        "p3": write_json(tmp_path / "p.json", [puzzle_row()]),
    }
    for kind, path in files.items():
        suite = load_suite(f"{kind}:{path}")
        assert suite.name == kind and suite.report.loaded == 1
    task = Task(id="own/1", entry_point="f", hidden_tests=(IOTest(args=(1,), expected=(1, 2)),))
    own = tmp_path / "own.jsonl"
    write_jsonl_suite(Suite(name="own", tasks=(task,), splits={"train": ("own/1",)}), own)
    assert load_suite(f"jsonl:{own}").tasks == (task,)


def test_spec_passes_seed_and_skip_bad(tmp_path):
    path = write_jsonl(tmp_path / "h.jsonl", [humaneval_row(i) for i in range(12)] + ["{bad"])
    with pytest.raises(ConfigError, match=r"h\.jsonl:13: not valid JSON"):
        load_suite(f"humaneval:{path}")
    suite = load_suite(f"humaneval:{path}", seed=4, skip_bad=True)
    assert suite.splits == load_humaneval(path, seed=4, skip_bad=True).splits and len(suite.report.skipped) == 1


def test_spec_bundled_is_imported_lazily(monkeypatch):
    marker = Suite(name="bundled", tasks=(), splits={})
    fake = types.ModuleType("codeloop.benchmarks._bundled")
    fake.load_bundled_suite = lambda: marker  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "codeloop.benchmarks._bundled", fake)
    assert load_suite("bundled") is marker


@pytest.mark.parametrize("spec", ["mbpp", "csv:data.csv", "p3:", "MBPP:x.jsonl", "", "hub"])
def test_unknown_spec_lists_the_accepted_forms(spec):
    with pytest.raises(ConfigError) as caught:
        load_suite(spec)
    message = str(caught.value)
    assert f"unknown suite spec {spec.strip()!r}" in message
    assert all(form in message for form in SPEC_FORMS)


def test_spec_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(ConfigError, match=rf"no such file: {missing}"):
        load_suite(f"mbpp:{missing}")
    with pytest.raises(ConfigError, match=r"cannot read MBPP file .*nope\.jsonl: No such file"):
        load_mbpp(missing)


def test_p3_has_no_hub_form():
    with pytest.raises(ConfigError, match=r"'p3:hub': p3 cannot be loaded from the hub; accepted forms"):
        load_suite("p3:hub")


# --------------------------------------------------------------------------- hub (no network here)


@pytest.mark.parametrize("load", [lambda: load_mbpp_hub(), lambda: load_humaneval_hub(),
                                  lambda: load_suite("mbpp:hub"), lambda: load_suite("humaneval:hub"),
                                  lambda: load_suite("mbpp-sanitized:hub")])
def test_hub_without_datasets_says_how_to_install_it(monkeypatch, load):
    monkeypatch.setitem(sys.modules, "datasets", None)  # makes ``import datasets`` fail
    with pytest.raises(ConfigError, match=r"needs the 'datasets' package: pip install datasets"):
        load()


def test_hub_rows_go_through_the_file_loaders_conversion(monkeypatch):
    """A stand-in ``datasets`` module: the hub path must produce the same tasks as the files."""
    hub = {("google-research-datasets/mbpp", "full"): {"train": [mbpp_row(700)], "test": [mbpp_row(20)]},
           ("google-research-datasets/mbpp", "sanitized"): {"test": [sanitized_row(20)]},
           ("openai/openai_humaneval", None): {"test": [humaneval_row(0), humaneval_row(1)]}}
    fake = types.ModuleType("datasets")
    fake.load_dataset = lambda name, config=None: hub[(name, config)]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "datasets", fake)
    mbpp = load_mbpp_hub()
    assert mbpp.splits["train"] == ("mbpp/700",) and mbpp.splits["test"] == ("mbpp/20",)
    assert mbpp.tasks[0].entry_point == "add_two" and mbpp.report.source == "hub google-research-datasets/mbpp (full)"
    assert load_mbpp_hub("sanitized").tasks[0].entry_point == "letters"
    assert load_humaneval_hub().report.loaded == 2
    with pytest.raises(ConfigError, match="'full' or 'sanitized'"):
        load_mbpp_hub("tiny")
    hub[("openai/openai_humaneval", None)]["test"].append(humaneval_row(3, entry_point="whisper"))
    with pytest.raises(ConfigError, match=r"hub openai/openai_humaneval, split 'test', row 2: field 'entry_point'"):
        load_humaneval_hub()


# --------------------------------------------------------------------------- the real data


@pytest.fixture(scope="module")
def real_mbpp(shared_data) -> Suite:
    return load_mbpp(shared_data("mbpp", "mbpp.jsonl"))


@pytest.fixture(scope="module")
def real_p3(shared_data) -> Suite:
    # One puzzle (BoxVolume:1) has a 8844-digit integer literal, which Python 3.11+ refuses to parse.
    return load_p3(shared_data("p3", "puzzles.json"), skip_bad=True)


def test_real_mbpp_counts_and_official_split(real_mbpp):
    assert real_mbpp.report.loaded == 974 and real_mbpp.report.skipped == []
    assert real_mbpp.counts() == {"train": 384, "dev": 90, "test": 500}
    assert all(t.reference and t.hidden_tests and t.examples == () for t in real_mbpp.tasks)


def test_real_mbpp_sanitized_loads_every_row(shared_data):
    path = shared_data("mbpp", "sanitized-mbpp.json")
    suite = load_mbpp_sanitized(path)
    assert suite.report.loaded == len(json.loads(path.read_text())) == 427 and suite.report.skipped == []
    assert suite.counts() == {"train": 127, "dev": 43, "test": 257}


def test_real_p3_counts_and_splits(real_p3):
    report = real_p3.report
    assert report.loaded + len(report.skipped) == 1715
    assert len(report.skipped) <= 1 and all("BoxVolume:1" in s or "[index 1127]" in s for s in report.skipped)
    assert all(n > 0 for n in real_p3.counts().values())
    by_split = {s: {i.split("/", 1)[1].split(":")[0] for i in ids} for s, ids in real_p3.splits.items()}
    assert not (by_split["train"] & by_split["dev"] or by_split["train"] & by_split["test"]
                or by_split["dev"] & by_split["test"])


def test_real_references_pass_their_own_tests(real_mbpp, real_p3):
    from codeloop.execution import Sandbox

    mbpp = {t.id: t for t in real_mbpp.tasks}
    p3 = {t.id: t for t in real_p3.tasks}
    chosen = [mbpp[f"mbpp/{i}"] for i in (2, 11, 367, 533, 700)]  # 367 and 533 keep asserts as code
    chosen += [p3[i] for i in ("p3/Study_1:0", "p3/Study_3:0", "p3/SlidingPuzzle:3")]
    with Sandbox(workers=2) as sb:
        for task in chosen:
            result = sb.run(task.reference, task.entry_point, task.hidden_tests)
            assert result.passed, (task.id, result.first_failure())
