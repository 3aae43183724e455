"""Puzzles (P3) as a task kind: huge literals load, the parent judges (sat's exact True and the
type check), the rounds reveal the failing answer with sat's verdict, and solved@r and pass@k
work. Program doubles live here; the real P3 data comes from the shared data directory."""

from __future__ import annotations

import json
import sys

import pytest

from codeloop.benchmarks import Puzzle, RejectedAnswer, Task, TaskView, judge_puzzle, load_p3, prepare_suite
from codeloop.benchmarks._p3 import MAX_DECIMAL_DIGITS, hex_huge_ints
from codeloop.benchmarks.rounds import Generation, RoundsConfig, run_rounds, summarize, to_frame
from codeloop.execution import SatTest, Status
from codeloop.metrics import answer_type_problem, check_answer_types, sat_answer_type

SAT = "def sat(s: str, n=3):\n    return s.count('o') == n and 'oo' not in s\n"
RIGHT = "def sol(n=3):\n    return 'ho' * n\n"
WRONG = "def sol(n=3):\n    return 'o' * n\n"
RAISES = "def sol(n=3):\n    raise KeyError('no idea')\n"


def puzzle_task(sat: str = SAT, header: str = "def sol(n=3):", answer_type: str | None = "str",
                task_id: str = "p3/Os:0") -> Task:
    return Task(id=task_id, entry_point="sol", description="Find a string with n 'o's, none adjacent.",
                hidden_tests=(SatTest(sat=sat),), reference=RIGHT, source="p3",
                puzzle=Puzzle(sat=sat, sol_header=header, answer_type=answer_type))


def huge_puzzle_row(digits: int = 5000) -> dict:
    big = "7" * digits
    return {"name": "Huge:0", "sat": f"def sat(x: int, n={big}):\n    return x == n + 1",
            "ans_type": "int", "sol_header": f"def sol(n={big}):", "sol_docstring": '    """n plus one."""',
            "sol_bodies": ["    return n + 1"], "module": "made_up.py", "notes": "", "weight": 1.0}


# --------------------------------------------------------------------------- huge literals


def test_huge_int_literals_are_rewritten_in_hex_with_the_same_value():
    big = "1234567890" * 600  # 6000 digits
    source, n = hex_huge_ints(f"x = {big}\ny = 12\nz = '{big}'  # a string stays\n")
    assert n == 1 and "y = 12" in source and f"'{big}'" in source
    literal = source.split("\n")[0].removeprefix("x = ")
    assert literal.startswith("0x")
    value = int(literal, 16)  # hex conversion has no limit
    assert value % 10**10 == 1234567890 and value // 10**5990 == 1234567890  # the value, by arithmetic alone
    assert 10**5999 < value < 10**6000
    assert hex_huge_ints("x = " + "9" * MAX_DECIMAL_DIGITS)[1] == 0  # at the threshold: kept
    assert hex_huge_ints("x = " + "9" * (MAX_DECIMAL_DIGITS + 1))[1] == 1
    assert hex_huge_ints("def broken(:\n")[1] == 0  # untokenizable source is left to the parser


def test_a_puzzle_with_a_5000_digit_literal_loads_and_its_reference_passes(tmp_path, sandbox):
    limit = sys.get_int_max_str_digits()
    path = tmp_path / "puzzles.json"
    path.write_text(json.dumps([huge_puzzle_row()]))
    suite = load_p3(path)  # no --skip-bad needed
    assert sys.get_int_max_str_digits() == limit  # never raised, not even for a moment outside the loader
    task = suite.tasks[0]
    assert "0x" in task.puzzle.sat and "0x" in task.puzzle.sol_header and task.metadata["hex_literals"] == 2
    assert "written in hex" in suite.report.summary()
    result = sandbox.run(task.reference, "sol", task.hidden_tests)
    assert result.passed, result.first_failure()


def test_the_real_p3_loads_every_puzzle_without_skip_bad(shared_data):
    limit = sys.get_int_max_str_digits()
    suite = load_p3(shared_data("p3", "puzzles.json"))
    assert suite.report.loaded == 1715 and suite.report.skipped == []
    assert sys.get_int_max_str_digits() == limit
    box = next(t for t in suite.tasks if t.id == "p3/BoxVolume:1")
    assert box.puzzle.answer_type == "List[int]" and box.metadata["hex_literals"] == 2
    assert all(t.is_puzzle and t.puzzle.answer_type == sat_answer_type(t.puzzle.sat) for t in suite.tasks)


# --------------------------------------------------------------------------- the type check


@pytest.mark.parametrize(("value", "annotation", "problem"), [
    (3, "int", None), (True, "int", "is a bool, not a int"), (3.0, "int", "is a float, not a int"),
    ([1, 2], "List[int]", None), ([1, "2"], "List[int]", "the answer[1] is a str"), ((1, 2), "List[int]", "tuple"),
    ([[1.5], []], "List[List[float]]", None), ([[1]], "List[List[float]]", "the answer[0][0] is a int"),
    ({"a": 1}, "Dict[str, int]", None), ((1, "x"), "Tuple[int, str]", None), ((1,), "Tuple[int, ...]", None),
    ("x", "SomethingElse", None), ("x", None, None),  # not understood, or no annotation: unchecked
])
def test_answer_types_follow_the_annotation_strictly(value, annotation, problem):
    found = answer_type_problem(value, annotation)
    assert (found is None) if problem is None else (problem in found)


def test_sat_answer_type_is_the_first_annotation():
    assert sat_answer_type("def sat(li: List[int], n=3):\n    return True") == "List[int]"
    assert sat_answer_type("def sat(x):\n    return True") is None
    assert sat_answer_type("not python (") is None


# --------------------------------------------------------------------------- the parent decides

HOSTILE = {
    "prints True": "def sol(n=3):\n    print('True')\n    return 'nope'\n",
    "writes True and exits 0": "import os\ndef sol(n=3):\n    os.write(1, b'True')\n    os._exit(0)\n",
    "lying __eq__ on a str": ("class S(str):\n    def __eq__(self, other):\n        return True\n"
                              "    __hash__ = str.__hash__\n    def count(self, *a):\n        return 3\n"
                              "def sol(n=3):\n    return S('xyz')\n"),
    "lying __bool__": "class T:\n    def __bool__(self):\n        return True\ndef sol(n=3):\n    return T()\n",
    "returns True": "def sol(n=3):\n    return True\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_lying_or_printing_candidate_does_not_pass(name, sandbox):
    verdict = judge_puzzle(puzzle_task(), HOSTILE[name], sandbox).verdicts[0]
    assert verdict.status is not Status.PASSED, (name, verdict)
    assert verdict.decided_in == "parent"


def test_an_answer_sat_accepts_with_the_wrong_type_fails_and_says_so(sandbox):
    task = puzzle_task(sat="def sat(n: int):\n    return n == 1\n", header="def sol():", answer_type="int")
    assert judge_puzzle(task, "def sol():\n    return 1\n", sandbox).passed
    for code, found in (("def sol():\n    return True\n", "bool"), ("def sol():\n    return 1.0\n", "float")):
        verdict = judge_puzzle(task, code, sandbox).verdicts[0]
        assert verdict.status is Status.FAILED and f"is a {found}, not a int" in verdict.reason
        assert "sat takes int" in verdict.reason
    raw = sandbox.run("def sol():\n    return True\n", "sol", task.hidden_tests)
    assert raw.passed and not check_answer_types(raw, task.hidden_tests).passed  # the check is ours, in the parent


# --------------------------------------------------------------------------- rounds


class Scripted:
    """Returns the scripted code of each round (the last one from then on); records every view."""

    def __init__(self, *codes: str) -> None:
        self.codes = codes
        self.views: list[TaskView] = []

    def __call__(self, task: TaskView, *, sample: int = 0) -> Generation:
        if sample == 0:
            self.views.append(task)
        code = self.codes[min(len(task.rejected), len(self.codes) - 1)]
        return Generation(code=code, lm_calls=1, tokens=5)


def test_a_puzzle_round_reveals_the_failing_answer_and_sats_verdict(sandbox):
    program = Scripted(WRONG, RAISES, RIGHT)
    rows = run_rounds(program, [puzzle_task()], sandbox, RoundsConfig(rounds=4), workers=1)
    assert [r["correctness"] for r in rows] == [False, False, True]  # solved at round 3, then stopped
    first, second, third = program.views
    assert first.rejected == () and first.examples == () and first.puzzle.sat == SAT
    assert first.description is None  # examples mode: the formal puzzle only, not its words
    assert second.rejected == (RejectedAnswer(round=1, answer="'ooo'", verdict="sat returned False"),)
    assert third.rejected[1].answer is None and third.rejected[1].verdict == "sol() raised KeyError: 'no idea'"
    assert [r["n_examples"] for r in rows] == [0, 1, 2]
    assert all(r["conformity"] == r["correctness"] for r in rows)  # conformity for a puzzle is sat itself
    summary = summarize(to_frame(rows), 4)
    assert summary.solved_at == [0.0, 0.0, 1.0, 1.0] and summary.gap_at[:3] == [0.0, 0.0, 0.0]


def test_sat_exceptions_and_type_mismatches_are_feedback_too(sandbox):
    task = puzzle_task(sat="def sat(li: List[int]):\n    return li[3] == 7\n", header="def sol():",
                       answer_type="List[int]")
    program = Scripted("def sol():\n    return [1]\n", "def sol():\n    return (0, 0, 0, 7)\n",
                       "def sol():\n    return [0, 0, 0, 7]\n")
    rows = run_rounds(program, [task], sandbox, RoundsConfig(rounds=3), workers=1)
    assert rows[-1]["correctness"]
    raised, mistyped = program.views[2].rejected
    assert raised.answer == "[1]" and "IndexError" in raised.verdict and raised.verdict.startswith("sat did not")
    assert mistyped.answer == "(0, 0, 0, 7)" and "is a tuple, not a list" in mistyped.verdict


def test_description_mode_shows_the_puzzle_in_words(sandbox):
    program = Scripted(RIGHT)
    run_rounds(program, [puzzle_task()], sandbox, RoundsConfig(mode="description", k=0, rounds=1), workers=1)
    assert program.views[0].description == "Find a string with n 'o's, none adjacent."


class Alternating:
    """Sample s is right when s is odd: pass@k over samples, sample 0 drives the rounds."""

    def __call__(self, task: TaskView, *, sample: int = 0) -> str:
        return RIGHT if sample % 2 else WRONG


def test_pass_at_k_over_samples_works_for_puzzles(sandbox):
    rows = run_rounds(Alternating(), [puzzle_task()], sandbox, RoundsConfig(rounds=2, samples=4), workers=1)
    assert len(rows) == 8 and sum(r["correctness"] for r in rows) == 4
    summary = summarize(to_frame(rows), 2)
    assert summary.solved_at == [0.0, 0.0]  # sample 0 never solves it
    assert summary.pass_at_k["pass@1"] == pytest.approx([0.5, 0.5]) and summary.pass_at_k["pass@4"] == [1.0, 1.0]


def test_prepare_suite_keeps_puzzles_as_they_are(tmp_path, sandbox):
    row = huge_puzzle_row(10)
    path = tmp_path / "puzzles.json"
    path.write_text(json.dumps([{**row, "name": f"Huge{i}:0"} for i in range(3)]))
    suite, record = prepare_suite(f"p3:{path}", sandbox, k=3, cache_dir=tmp_path / "cache")
    assert len(suite.tasks) == 3 and record.kept_as_is == 3 and record.puzzles == 3 and not record.dropped
    assert any("3 puzzles, kept as they are" in line for line in record.lines())


def test_a_puzzle_task_without_a_sat_test_is_refused():
    with pytest.raises(ValueError, match="is a puzzle but has no sat test"):
        Task(id="p", entry_point="sol", hidden_tests=({"args": [], "expected": 1},),
             puzzle=Puzzle(sat=SAT, sol_header="def sol():"))


def test_real_puzzles_with_long_answers_are_judged_under_the_puzzle_limits(shared_data, sandbox):
    tasks = {t.id: t for t in load_p3(shared_data("p3", "puzzles.json")).tasks}
    for task_id in ("p3/Fibonacci:2", "p3/SpaceyRange:1"):  # a 5 MB and a 300 KB answer
        task = tasks[task_id]
        assert not sandbox.run(task.reference, "sol", task.hidden_tests).passed  # over the default 256 KB
        assert judge_puzzle(task, task.reference, sandbox).passed, task_id


def test_a_puzzle_task_round_trips_through_codeloops_jsonl(tmp_path):
    from codeloop.benchmarks import Suite, read_jsonl_suite, write_jsonl_suite

    suite = Suite(name="p", tasks=(puzzle_task(),), splits={"train": (), "dev": (), "test": ("p3/Os:0",)})
    write_jsonl_suite(suite, tmp_path / "p.jsonl")
    again = read_jsonl_suite(tmp_path / "p.jsonl")
    assert again.tasks[0].puzzle == puzzle_task().puzzle and again.tasks[0].is_puzzle
