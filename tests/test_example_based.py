"""The example-based form: outputs come from running the reference; drops are explained."""

from __future__ import annotations

import pytest

from codeloop.benchmarks import Suite, Task, tests_from_assertions
from codeloop.benchmarks._example_based import (
    NO_IO_FORM,
    NO_REFERENCE,
    NONDETERMINISTIC,
    REFERENCE_FAILS,
    TOO_FEW_INPUTS,
    UNSERIALIZABLE,
    collect_inputs,
    to_example_based,
)
from codeloop.execution import AssertTest, Sandbox, SatTest


def task(task_id: str, reference: str | None, tests, entry: str = "f") -> Task:
    return Task(id=task_id, entry_point=entry, reference=reference, hidden_tests=tuple(tests))


ASSERTS = [f"assert f({x}) == {x * x}" for x in range(5)] + ["assert f(2) == 4"]  # one repeated input


@pytest.fixture(scope="module")
def converted():
    tasks = [
        task("ok", "def f(x):\n    return x * x\n", tests_from_assertions(ASSERTS, "f")),
        task("checkfn", "def g(s):\n    return s.upper()\n",
             [AssertTest(code="def check(candidate):\n" + "".join(
                 f"    assert candidate({w!r}) == {w.upper()!r}\n" for w in ("a", "bc", "d", "", "xyz")))],
             entry="g"),
        task("wrongref", "def f(x):\n    return x + 1\n", tests_from_assertions(ASSERTS, "f")),
        task("noref", None, tests_from_assertions(ASSERTS, "f")),
        task("random", "import random\ndef f(x):\n    return random.random()\n",
             [AssertTest(code=f"assert 0 <= f({x}) < 1") for x in range(5)]),
        task("generator", "def f(x):\n    return (i for i in range(x))\n",
             [AssertTest(code=f"assert list(f({x})) == list(range({x}))") for x in range(5)]),
        task("few", "def f(x):\n    return x\n", tests_from_assertions(["assert f(1) == 1", "assert f(2) == 2"], "f")),
        task("puzzle", "def sol():\n    return 1\n", [SatTest(sat="def sat(x):\n    return x == 1\n")], entry="sol"),
        task("loop", "def f(x):\n    return x\n", [AssertTest(code="for i in range(3):\n    assert f(i) == i\n")]),
    ]
    suite = Suite(name="mini", tasks=tuple(tasks), splits={"train": tuple(t.id for t in tasks), "dev": (), "test": ()})
    with Sandbox(workers=2) as sandbox:
        return to_example_based(suite, sandbox, k=3)


def test_inputs_come_from_io_tests_and_literal_calls_in_assertions_without_repeats():
    t = task("ok", "def f(x):\n    return x * x\n", tests_from_assertions(ASSERTS, "f"))
    assert [a for a, _ in collect_inputs(t)] == [(0,), (1,), (2,), (3,), (4,)]


def test_outputs_are_computed_by_the_reference_and_split_k_visible(converted):
    suite, report = converted
    ok = next(t for t in suite.tasks if t.id == "ok")
    assert [(t.args, t.expected) for t in ok.examples] == [((0,), 0), ((1,), 1), ((2,), 4)]
    assert [(t.args, t.expected) for t in ok.hidden_tests] == [((3,), 9), ((4,), 16)]
    check = next(t for t in suite.tasks if t.id == "checkfn")
    assert [t.expected for t in check.all_tests] == ["A", "BC", "D", "", "XYZ"]
    assert suite.splits["train"] == ("ok", "checkfn")


def test_every_dropped_task_has_its_reason(converted):
    _, report = converted
    assert report.total == 9 and report.converted == 2
    reasons = {item.split(":")[0]: reason for reason, items in report.dropped.items() for item in items}
    assert reasons == {"wrongref": REFERENCE_FAILS, "noref": NO_REFERENCE, "random": NONDETERMINISTIC,
                       "generator": UNSERIALIZABLE, "few": TOO_FEW_INPUTS, "puzzle": NO_IO_FORM,
                       "loop": NO_IO_FORM}
    assert report.lines()[0] == "example-based: 2 of 9 tasks converted"


def test_augmentation_adds_hidden_tests_judged_by_the_reference_only_where_it_runs_cleanly():
    from codeloop.benchmarks import convert_task

    reference = "def f(xs, n):\n    if n < 0:\n        raise ValueError('n must be >= 0')\n    return xs[:n]\n"
    t = task("cut", reference, tests_from_assertions(
        ["assert f([1, 2, 3], 2) == [1, 2]", "assert f([4], 1) == [4]", "assert f([], 0) == []"], "f"))
    with Sandbox(workers=2) as sandbox:
        plain, reason, _ = convert_task(t, sandbox, k=3)
        grown, _, _ = convert_task(t, sandbox, k=3, augment=5, seed=1)
        again, _, _ = convert_task(t, sandbox, k=3, augment=5, seed=1)
    assert plain is None and reason == TOO_FEW_INPUTS
    assert len(grown.examples) == 3 and 1 <= len(grown.hidden_tests) <= 5
    for test in grown.hidden_tests:
        xs, n = test.args
        assert n >= 0 and test.expected == xs[:n]  # inputs the reference rejects were left out
    assert grown == again and "augmented" in grown.tags
