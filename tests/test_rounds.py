"""The iterative-rounds protocol, driven by deterministic program doubles that live here."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from codeloop.benchmarks import Task, TaskView
from codeloop.benchmarks.rounds import (
    Generation,
    RoundsConfig,
    informative_scores,
    pick_counterexamples,
    pick_initial,
    run_rounds,
    save_results,
    summarize,
    to_frame,
)
from codeloop.execution import IOTest

REFERENCE = "def f(x):\n    return 2 * x + 1\n"


def make_task(task_id: str, n: int = 6) -> Task:
    tests = [IOTest(args=(x,), expected=2 * x + 1) for x in range(n)]
    return Task(id=task_id, entry_point="f", description="Double the number and add one.",
                examples=tuple(tests[:3]), hidden_tests=tuple(tests[3:]), reference=REFERENCE)


class Reference:
    """Always right."""

    def __call__(self, task: TaskView, *, sample: int = 0) -> Generation:
        return Generation(code=REFERENCE, lm_calls=1, tokens=10)


class RightAfter:
    """Right once it has seen ``needed`` examples; records every view it was given."""

    def __init__(self, needed: int) -> None:
        self.needed = needed
        self.views: list[TaskView] = []

    def __call__(self, task: TaskView, *, sample: int = 0) -> str:
        self.views.append(task)
        return REFERENCE if len(task.examples) >= self.needed else "def f(x):\n    return 0\n"


class Lookup:
    """Answers exactly the examples it was shown: conformant, correct only when shown all."""

    def __call__(self, task: TaskView, *, sample: int = 0) -> str:
        table = {t.args[0]: t.expected for t in task.examples}
        return f"def f(x):\n    return {table!r}.get(x, -1)\n"


class SometimesRight:
    """Sample s is right when s is even: 2 of 4 samples are right in every round."""

    def __call__(self, task: TaskView, *, sample: int = 0) -> str:
        return REFERENCE if sample % 2 == 0 else "def f(x):\n    return x\n"


def test_a_right_program_is_solved_in_round_one(sandbox):
    rows = run_rounds(Reference(), [make_task("a"), make_task("b")], sandbox, RoundsConfig(rounds=3))
    summary = summarize(to_frame(rows), 3)
    assert summary.solved_at == [1.0, 1.0, 1.0]
    assert summary.first_round_share == 1.0
    assert len(rows) == 2 and summary.lm_calls == 2 and summary.tokens == 20


def test_each_round_reveals_one_counterexample_until_solved(sandbox):
    program = RightAfter(needed=5)
    rows = run_rounds(program, [make_task("a")], sandbox, RoundsConfig(k=3, rounds=5), workers=1)
    assert [r["n_examples"] for r in rows] == [3, 4, 5]
    assert [r["correctness"] for r in rows] == [False, False, True]
    summary = summarize(to_frame(rows), 5)
    assert summary.solved_at == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert summary.first_round_share == 0.0
    # first-failing reveals tests in order: the views grow by the next test each round
    assert [[t.args[0] for t in v.examples] for v in program.views] == [[0, 1, 2], [0, 1, 2, 3], [0, 1, 2, 3, 4]]


def test_programs_see_only_revealed_examples_never_hidden_tests_or_reference(sandbox):
    program = RightAfter(needed=99)
    run_rounds(program, [make_task("a", n=8)], sandbox, RoundsConfig(k=2, rounds=4), workers=1)
    assert not hasattr(program.views[0], "hidden_tests") and not hasattr(program.views[0], "reference")
    for round_index, view in enumerate(program.views):
        assert len(view.examples) == 2 + round_index
        assert view.description is None  # mode "examples"
    assert all("2 * x" not in json.dumps(v.model_dump(), default=repr) for v in program.views)


def test_lookup_tables_conform_but_are_not_correct_until_everything_is_shown(sandbox):
    rows = run_rounds(Lookup(), [make_task("a")], sandbox, RoundsConfig(k=3, rounds=5))
    summary = summarize(to_frame(rows), 5)
    assert [r["conformity"] for r in rows] == [True, True, True, True]
    assert [r["correctness"] for r in rows] == [False, False, False, True]
    assert summary.gap_at[:3] == [1.0, 1.0, 1.0] and summary.gap_at[3] == 0.0
    assert summary.solved_at == [0.0, 0.0, 0.0, 1.0, 1.0]


def test_description_mode_starts_without_examples(sandbox):
    program = RightAfter(needed=1)
    rows = run_rounds(program, [make_task("a")], sandbox, RoundsConfig(k=3, mode="description"), workers=1)
    assert program.views[0].examples == () and program.views[0].description.startswith("Double")
    assert [r["n_examples"] for r in rows] == [0, 1]


def test_pass_at_k_per_round_when_several_samples_are_drawn(sandbox):
    rows = run_rounds(SometimesRight(), [make_task("a"), make_task("b")], sandbox,
                      RoundsConfig(samples=4, rounds=2))
    summary = summarize(to_frame(rows), 2)
    assert summary.pass_at_k["pass@1"][0] == pytest.approx(0.5)
    assert summary.pass_at_k["pass@4"][0] == pytest.approx(1.0)
    assert summary.solved_at == [1.0, 1.0]  # sample 0 is right


def test_same_seed_same_random_choices(sandbox):
    config = RoundsConfig(k=2, rounds=4, initial="random", counterexample="random-failing", seed=7)
    runs = [run_rounds(RightAfter(needed=99), [make_task("a", n=10)], sandbox, config) for _ in range(2)]
    assert [r["n_examples"] for r in runs[0]] == [2, 3, 4, 5]
    assert to_frame(runs[0]).drop(columns="latency_s").equals(to_frame(runs[1]).drop(columns="latency_s"))


def test_results_and_summary_are_saved(sandbox, tmp_path):
    frame = to_frame(run_rounds(Reference(), [make_task("a")], sandbox, RoundsConfig(rounds=2)))
    written = save_results(frame, summarize(frame, 2), tmp_path)
    assert pd.read_parquet(written["results"])["task_id"].tolist() == ["a"]
    summary = json.loads(written["summary"].read_text())
    assert summary["solved_at"] == [1.0, 1.0] and summary["tasks"] == 1


def test_tasks_without_io_tests_are_refused_by_name(sandbox):
    from codeloop.execution import SatTest

    puzzle = Task(id="p3/x", entry_point="sol", hidden_tests=(SatTest(sat="def sat(x):\n    return x\n"),))
    with pytest.raises(ValueError, match="p3/x"):
        run_rounds(Reference(), [puzzle], sandbox)


def test_informative_scores_prefer_the_example_that_separates_the_target():
    # programs x examples: both seen programs satisfy example 0; only the target satisfies 2
    consistency = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 1]], dtype=float)
    scores = informative_scores(consistency)
    assert int(np.argmax(scores)) == 2
    assert scores[0] < scores[1] < scores[2]
    failing = [4, 7, 9]
    assert pick_counterexamples("informative", failing, 1, np.random.default_rng(0), consistency) == [9]
    assert pick_counterexamples("first-failing", failing, 2, np.random.default_rng(0)) == [4, 7]


def test_initial_policies():
    pool = [IOTest(args=(x,), expected=x) for x in (1, 1, 1, 500, "abc", [1, 2])]
    rng = np.random.default_rng(0)
    assert pick_initial("first", pool, 3, rng) == [0, 1, 2]
    diverse = pick_initial("diverse", pool, 3, np.random.default_rng(1))
    assert len(set(diverse)) == 3 and len({repr(pool[i].args) for i in diverse}) == 3
    assert pick_initial("random", pool, 3, np.random.default_rng(5)) == pick_initial(
        "random", pool, 3, np.random.default_rng(5))
    assert pick_initial("informative", pool, 2, rng) == [0, 1]  # nothing seen yet: the first
    with pytest.raises(ValueError, match="initial policy must be one of"):
        pick_initial("best", pool, 3, rng)


# ---------------------------------------------------------------------------------------------
# When the LM fails on every retry
# ---------------------------------------------------------------------------------------------


def lm_down(task_id: str) -> Exception:
    """What a program raises when its LM call failed on every retry: DSPy's wrapper around it."""
    from codeloop.exceptions import LMUnavailable

    try:
        raise LMUnavailable("the test LM failed on all 3 attempts of one call (3 http_5xx); last: HTTP 500",
                            attempts=3, faults={"http_5xx": 3})
    except LMUnavailable as cause:
        try:
            raise RuntimeError(f"[openai/test] {cause} (task {task_id})") from cause
        except RuntimeError as wrapped:
            return wrapped


class DownFor:
    """Right at once, except: ``down`` tasks raise an LM failure (from ``down_from`` round on),
    and ``slow`` tasks wait ``slow_s`` the way a retrying LM call waits (cancellable)."""

    def __init__(self, down: set[str], *, down_from: int = 1, slow_s: float = 0.0) -> None:
        self.down, self.down_from, self.slow_s = down, down_from, slow_s
        self.started: list[str] = []

    def __call__(self, task: TaskView, *, sample: int = 0) -> str:
        from codeloop import _cancel

        self.started.append(task.id)
        round_number = len(task.examples) - 2  # k=3 in round 1, one more example each round
        if task.id in self.down and round_number >= self.down_from:
            raise lm_down(task.id)
        if task.id.startswith("slow"):
            _cancel.wait(self.slow_s)
        return REFERENCE if round_number >= self.down_from + 1 or task.id not in self.down else "def f(x):\n    return 0\n"


def test_an_lm_failure_stops_the_run_at_once_and_keeps_the_finished_tasks(sandbox):
    """Before, the error surfaced only after every remaining task had run (and none was kept)."""
    from codeloop.exceptions import LMUnavailable

    tasks = [make_task("fast-0"), make_task("fast-1"), make_task("down"), *(make_task(f"slow-{i}") for i in range(8))]
    program, kept = DownFor({"down"}, slow_s=3.0), []
    began = time.monotonic()
    with pytest.raises(LMUnavailable) as caught:
        run_rounds(program, tasks, sandbox, RoundsConfig(rounds=2), workers=2, on_task=kept.append)
    assert time.monotonic() - began < 2.0  # the running slow task stopped waiting; the rest never began
    assert {rows[0]["task_id"] for rows in kept} >= {"fast-0", "fast-1"} and len(program.started) < len(tasks)
    error = caught.value
    assert (error.failed_calls, error.tasks_done, error.tasks_total) == (1, len(kept), len(tasks))
    assert "failed on all 3 attempts" in error.summary() and f"{len(kept)} of {len(tasks)} test tasks" in error.summary()


def test_past_max_lm_errors_a_failed_round_is_recorded_and_left_out_of_the_score(sandbox):
    tasks = [make_task("a"), make_task("b"), make_task("c")]
    program = DownFor({"b"}, down_from=2)  # b: wrong in round 1, its LM fails in round 2
    rows = run_rounds(program, tasks, sandbox, RoundsConfig(rounds=3), max_lm_errors=1)
    frame = to_frame(rows)
    failed = frame[frame["state"] == "lm_error"]
    assert failed[["task_id", "round", "code", "correctness"]].values.tolist() == [["b", 2, "", False]]
    assert set(frame.loc[frame["state"] == "ok", "task_id"]) == {"a", "b", "c"}  # b's round 1 is kept
    summary = summarize(frame, 3)
    assert (summary.tasks, summary.lm_errors, summary.tasks_left_out) == (2, 1, 1)
    assert summary.solved_at == [1.0, 1.0, 1.0]  # a and c; b is in neither numerator nor denominator
    with pytest.raises(Exception, match="failed on all 3 attempts"):  # a second failure is one too many
        run_rounds(DownFor({"a", "b"}), tasks, sandbox, RoundsConfig(rounds=2), max_lm_errors=1)


def test_rows_recorded_before_states_existed_count_as_ok():
    row = {"task_id": "a", "round": 1, "sample": 0, "mode": "examples", "n_examples": 3, "code": REFERENCE,
           "conformity": True, "correctness": True, "pass_ratio": 1.0, "n_passed": 6, "n_tests": 6, "verdicts": "",
           "lm_calls": 1, "tokens": 1, "latency_s": 0.1}
    summary = summarize(to_frame([row]), 1)
    assert summary.tasks == 1 and summary.solved_at == [1.0] and summary.lm_errors == 0
