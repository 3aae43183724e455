"""The modules' puzzle form: the puzzle signature (sat, answer type, sol header, rejected
answers), check-refine against the visible sat, best-of-n, the registry by kind, and saved
programs that remember their kind."""

from __future__ import annotations

import json
import os
import warnings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import dspy  # noqa: E402
import pytest  # noqa: E402
from dspy.utils.dummies import DummyLM  # noqa: E402

from codeloop.benchmarks import Puzzle, RejectedAnswer, TaskView  # noqa: E402
from codeloop.exceptions import ConfigError  # noqa: E402
from codeloop.execution import IOTest  # noqa: E402
from codeloop.modules import (  # noqa: E402
    PUZZLE_MODULES,
    BestOfN,
    GenerateCheckRefine,
    SolvePuzzle,
    build_module,
    max_lm_calls,
    module_kind,
    puzzle_inputs,
)
from codeloop.optimizers import load_program, save_program  # noqa: E402

SAT = "def sat(s: str, n=3):\n    return s.count('o') == n and 'oo' not in s\n"
PUZZLE = TaskView(id="p3/Os:0", entry_point="sol", description="Find n 'o's, none adjacent.",
                  puzzle=Puzzle(sat=SAT, sol_header="def sol(n=3):", answer_type="str"),
                  rejected=(RejectedAnswer(round=1, answer="'ooo'", verdict="sat returned False"),))
RIGHT = "def sol(n=3):\n    return 'ho' * n\n"
WRONG = "def sol(n=3):\n    return 'o' * n\n"
FUNCTION = TaskView(id="f", entry_point="f", examples=(IOTest(args=(1,), expected=2),))


def dummy(*codes: str) -> DummyLM:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return DummyLM([{"code": code} for code in codes])


def prompts(lm: DummyLM) -> list[str]:
    return [json.dumps(entry.get("messages")) for entry in lm.history]


def test_the_puzzle_signature_shows_sat_type_header_words_and_rejected_answers():
    inputs = puzzle_inputs(PUZZLE)
    assert inputs == {"sat": SAT.strip(), "answer_type": "str", "function_header": "def sol(n=3)",
                      "description": "Find n 'o's, none adjacent.",
                      "rejected_answers": "round 1: sol() returned 'ooo'; sat returned False"}
    lm = dummy(RIGHT)
    with dspy.context(lm=lm):
        prediction = SolvePuzzle()(task=PUZZLE)
    assert prediction.code.strip() == RIGHT.strip() and prediction.lm_calls == 1
    (prompt,) = prompts(lm)
    for shown in ("def sat(s: str, n=3)", "answer_type", "def sol(n=3)", "sat returned False", "sat(sol())"):
        assert shown in prompt


def test_check_refine_checks_against_the_visible_sat_and_refines_with_its_verdict(sandbox):
    module = build_module("check-refine", sandbox=sandbox, kind="puzzle")
    assert isinstance(module, GenerateCheckRefine) and module_kind(module) == "puzzle"
    lm = dummy(WRONG, RIGHT)
    with dspy.context(lm=lm):
        prediction = module(task=PUZZLE)
    assert prediction.code.strip() == RIGHT.strip() and prediction.lm_calls == 2
    assert prediction.feedback == ["sol() returned 'ooo'; sat returned False"]
    assert "previous_code" in prompts(lm)[1] and "sat returned False" in prompts(lm)[1]
    assert [a["verdicts"] for a in prediction.attempts] == [["failed"], ["passed"]]


def test_best_of_n_ranks_puzzle_samples_by_sat(sandbox):
    module = build_module("best-of-n", sandbox=sandbox, kind="puzzle")
    assert isinstance(module, BestOfN) and max_lm_calls(module) == 5
    with dspy.context(lm=dummy(WRONG, WRONG, RIGHT, WRONG, WRONG)):
        prediction = module(task=PUZZLE)
    assert prediction.chosen == 2 and prediction.code.strip() == RIGHT.strip()


def test_the_registry_builds_by_kind_and_modules_refuse_the_other_kind():
    assert set(PUZZLE_MODULES) == {"best-of-n", "check-refine", "from-examples", "from-spec"}
    with pytest.raises(ConfigError, match="'test-first' has no puzzle form"):
        build_module("test-first", kind="puzzle")
    with pytest.raises(ConfigError, match="unknown task kind 'riddle'"):
        build_module("from-examples", kind="riddle")
    with pytest.raises(ConfigError, match=r"is a puzzle; build the module with build_module\(name, kind='puzzle'\)"):
        build_module("from-examples")(task=PUZZLE)
    with pytest.raises(ConfigError, match="solves puzzles, but task 'f' is a function task"):
        build_module("from-examples", kind="puzzle")(task=FUNCTION)


def test_a_saved_puzzle_program_loads_as_a_puzzle_program(tmp_path):
    path = tmp_path / "program.json"
    save_program(build_module("check-refine", kind="puzzle"), path, module="check-refine")
    assert json.loads(path.read_text())["kind"] == "puzzle"
    program, meta = load_program(path)
    assert meta["kind"] == "puzzle" and module_kind(program) == "puzzle"
    save_program(build_module("check-refine"), path, module="check-refine")
    assert load_program(path)[1]["kind"] == "function"
