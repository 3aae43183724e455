"""The bundled suite: its size, shape, split, and that every reference passes its own tests."""

from __future__ import annotations

import ast
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import pytest

from codeloop.benchmarks import SPLITS, Suite
from codeloop.benchmarks._bundled import load_bundled_suite
from codeloop.benchmarks._jsonl import write_jsonl_suite
from codeloop.benchmarks.bundled import CATEGORIES, MIN_INPUTS, N_EXAMPLES, SPECS
from codeloop.benchmarks.bundled._build import (
    BundledSpecError,
    build_bundled_suite,
    check_value,
    official_split,
    reference_params,
)
from codeloop.benchmarks.bundled._spec import spec
from codeloop.execution import IOTest

# The counts reported for the bundled suite; change them together with the catalog.
CATEGORY_COUNTS = {"strings": 38, "lists": 35, "numbers": 36, "dicts_sets": 36, "algorithms": 36}
SPLIT_COUNTS = {"train": 91, "dev": 36, "test": 54}


@pytest.fixture(scope="module")
def suite() -> Suite:
    return load_bundled_suite()


def category(task_id: str) -> str:
    return task_id.split("/", 1)[0]


def test_size_and_categories(suite):
    assert suite.name == "bundled"
    assert len(suite.tasks) >= 150
    counts = Counter(category(t.id) for t in suite.tasks)
    assert set(counts) == set(CATEGORIES)
    assert all(n >= 25 for n in counts.values()), counts
    assert dict(counts) == CATEGORY_COUNTS


def test_ids_are_unique_and_named_by_category(suite):
    ids = [t.id for t in suite.tasks]
    assert len(ids) == len(set(ids))
    assert len({s.id for s in SPECS}) == len(SPECS)
    for task in suite.tasks:
        assert category(task.id) in CATEGORIES
        assert task.tags[0] == category(task.id) == task.metadata["category"]
        assert task.source == "codeloop-bundled"


def test_every_task_has_three_examples_and_at_least_twelve_tests(suite):
    for task in suite.tasks:
        assert len(task.examples) == N_EXAMPLES, task.id
        assert len(task.all_tests) >= MIN_INPUTS, task.id
        assert all(isinstance(t, IOTest) for t in task.all_tests), task.id


def test_descriptions_are_plain_words_not_code(suite):
    for task in suite.tasks:
        description = task.description or ""
        assert description.strip(), task.id
        assert task.reference and task.reference.strip() not in description, task.id
        assert f"{task.entry_point}(" not in description, task.id
        function = next(n for n in ast.parse(task.reference).body if isinstance(n, ast.FunctionDef))
        body = task.reference.splitlines()[function.body[0].lineno - 1:function.end_lineno]
        for line in body:
            code = line.strip()
            assert len(code) < 12 or code not in description, (task.id, code)


def test_catalog_and_package_data_agree(suite):
    by_id = {t.id: t for t in suite.tasks}
    assert set(by_id) == {s.id for s in SPECS}
    for s in SPECS:
        task = by_id[s.id]
        assert (task.entry_point, task.description, task.reference) == (s.entry_point, s.description, s.reference)
        assert tuple(p.name for p in task.params) == s.params
        assert task.params == reference_params(s.reference)
        assert [t.args for t in task.all_tests] == list(s.inputs)


def test_values_are_plain_and_deterministic(suite):
    for task in suite.tasks:
        for test in task.all_tests:
            assert check_value(test.args) is None, (task.id, test.args)
            assert check_value(test.expected) is None, (task.id, test.expected)


def test_split_is_stable_stratified_and_as_reported(suite):
    ids = [t.id for t in suite.tasks]
    assert suite.splits == official_split(ids)
    assert official_split(reversed(ids)) == official_split(sorted(ids))
    assert suite.counts() == SPLIT_COUNTS
    assert sorted(i for s in SPLITS for i in suite.splits[s]) == sorted(ids)
    per_category = Counter(category(i) for i in ids)
    for split, fraction in zip(SPLITS, (0.5, 0.2, 0.3)):
        counts = Counter(category(i) for i in suite.splits[split])
        assert set(counts) == set(CATEGORIES), split  # every category in every split
        for name, n in per_category.items():
            assert abs(counts[name] - fraction * n) <= 1, (split, name)
    # Adding a task to one category leaves the other categories' assignment untouched.
    grown = official_split([*ids, "strings/zz_new_task"])
    for split in SPLITS:
        assert [i for i in grown[split] if not i.startswith("strings/")] == \
               [i for i in suite.splits[split] if not i.startswith("strings/")]


def test_every_reference_passes_all_its_tests(suite, sandbox):
    def failures(task):
        result = sandbox.run(task.reference, task.entry_point, task.all_tests)
        return [(task.id, i, v.status.value, v.reason) for i, v in enumerate(result.verdicts) if not v.passed]

    with ThreadPoolExecutor(max_workers=sandbox.workers) as pool:
        failed = [f for fs in pool.map(failures, suite.tasks) for f in fs]
    assert not failed, failed[:10]


def test_packaged_jsonl_equals_a_fresh_build(suite, sandbox, tmp_path):
    fresh = build_bundled_suite(sandbox)
    assert fresh.tasks == suite.tasks
    assert fresh.splits == suite.splits
    out = tmp_path / "bundled.jsonl"
    write_jsonl_suite(fresh, out)
    packaged = resources.files("codeloop.benchmarks").joinpath("data").joinpath("bundled.jsonl")
    assert out.read_bytes() == packaged.read_bytes()


def _inputs(n: int = MIN_INPUTS) -> list[int]:
    return list(range(n))


def test_a_failing_reference_is_an_error_naming_the_spec_and_the_input(sandbox):
    broken = spec("numbers/broken_example", "Divide ten by the number.",
                  "def broken(n: int) -> float:\n    return 10 // n\n", [5, 2, 1, 0, *range(3, 11)])
    with pytest.raises(BundledSpecError, match=r"numbers/broken_example.*input 3 \(0,\).*ZeroDivisionError"):
        build_bundled_suite(sandbox, [broken])


def test_an_output_that_cannot_cross_or_is_unordered_is_an_error(sandbox):
    opaque = spec("lists/opaque_example", "Return an object.",
                  "def opaque(n: int) -> object:\n    return object()\n", _inputs())
    with pytest.raises(BundledSpecError, match=r"lists/opaque_example.*input 0 \(0,\)"):
        build_bundled_suite(sandbox, [opaque])
    unordered = spec("strings/unordered_example", "Return the set of characters.",
                     "def unordered(n: int) -> set:\n    return set(str(n) + 'ab')\n", _inputs())
    with pytest.raises(BundledSpecError, match=r"strings/unordered_example.*set holding strings"):
        build_bundled_suite(sandbox, [unordered])


def test_spec_rejects_malformed_entries():
    with pytest.raises(ValueError, match="at least 12 inputs"):
        spec("lists/too_few", "Too few inputs.", "def f(x: int) -> int:\n    return x\n", [1, 2, 3])
    with pytest.raises(ValueError, match="category"):
        spec("misc/unknown", "Unknown category.", "def f(x: int) -> int:\n    return x\n", _inputs())
    with pytest.raises(ValueError, match="2 arguments"):
        spec("lists/bad_arity", "Wrong arity.", "def f(a: int, b: int) -> int:\n    return a + b\n",
             [(1, 2)] * 11 + [(1,)])
