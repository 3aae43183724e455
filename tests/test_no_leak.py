"""Hidden tests and reference solutions never reach an LM prompt (scanned from LM history).

The guard is in the types: the rounds protocol hands programs a ``TaskView``. Here a DSPy
program puts everything it is given into its prompt, and the LM's history is scanned.
(When the code-generation modules land, they get the same scan over a full run.)
"""

from __future__ import annotations

import json
import warnings

import dspy
from dspy.utils.dummies import DummyLM

from codeloop.benchmarks import Task, TaskView
from codeloop.benchmarks.rounds import Generation, RoundsConfig, run_rounds
from codeloop.execution import IOTest, Sandbox

REFERENCE = "def tag(word):\n    marker_9c1d = 'REFERENCE-ONLY'\n    return 'hidden-' + word\n"


class PromptEverything(dspy.Module):
    """A program that writes the whole view it receives into its prompt."""

    def __init__(self, lm: dspy.BaseLM) -> None:
        super().__init__()
        self.lm = lm
        self.write = dspy.Predict("task_view -> code")

    def __call__(self, task: TaskView, *, sample: int = 0) -> Generation:
        with dspy.context(lm=self.lm):
            prediction = self.write(task_view=task.model_dump_json())
        return Generation(code=prediction.code, lm_calls=1)


def test_lm_history_holds_no_hidden_test_value_and_no_reference_code():
    tests = [IOTest(args=(w,), expected=f"hidden-{w}") for w in
             ("alpha", "bravo", "charlie", "secret-delta-41", "secret-echo-42", "secret-fox-43")]
    task = Task(id="leak", entry_point="tag", description="Tag a word.", examples=tuple(tests[:3]),
                hidden_tests=tuple(tests[3:]), reference=REFERENCE)
    wrong = "def tag(word):\n    return word\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        lm = DummyLM([{"code": wrong}] * 10)
        with Sandbox(workers=1) as sandbox:
            rows = run_rounds(PromptEverything(lm), [task], sandbox, RoundsConfig(k=3, rounds=2), workers=1)
    assert [r["n_examples"] for r in rows] == [3, 4]  # round 2 revealed one counterexample
    prompts = json.dumps([entry.get("messages") or entry.get("prompt") for entry in lm.history])
    assert "alpha" in prompts and "secret-delta-41" in prompts  # shown, and revealed in round 2
    for never_shown in ("secret-echo-42", "secret-fox-43", "REFERENCE-ONLY", "marker_9c1d"):
        assert never_shown not in prompts


def test_a_puzzle_shows_its_sat_by_design_but_never_its_reference():
    from codeloop.benchmarks import Puzzle
    from codeloop.execution import SatTest

    sat = "def sat(s: str):\n    return s == 'shown-by-design'[::-1]\n"
    reference = "def sol():\n    marker_77ab = 'PUZZLE-REFERENCE-ONLY'\n    return 'ngised-yb-nwohs'\n"
    task = Task(id="p3/leak:0", entry_point="sol", description="Reverse it.", hidden_tests=(SatTest(sat=sat),),
                reference=reference, puzzle=Puzzle(sat=sat, sol_header="def sol():", answer_type="str"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        lm = DummyLM([{"code": "def sol():\n    return 'x'\n"}] * 10)
        with Sandbox(workers=1) as sandbox:
            rows = run_rounds(PromptEverything(lm), [task], sandbox, RoundsConfig(rounds=2), workers=1)
    assert [r["n_examples"] for r in rows] == [0, 1]
    prompts = json.dumps([entry.get("messages") or entry.get("prompt") for entry in lm.history])
    assert "shown-by-design" in prompts and "sat returned False" in prompts  # the puzzle, and round 2's feedback
    for never_shown in ("PUZZLE-REFERENCE-ONLY", "marker_77ab", "ngised-yb-nwohs"):
        assert never_shown not in prompts
