"""The offline backend on puzzles: it recognises one from the prompt alone, checks simple
candidates against the prompt's sat in the sandbox, does not repeat rejected answers, and a
hostile or endless sat costs it bounded time."""

from __future__ import annotations

import os
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import dspy  # noqa: E402

from codeloop.benchmarks import Puzzle, RejectedAnswer, Task, TaskView, judge_puzzle  # noqa: E402
from codeloop.execution import SatTest  # noqa: E402
from codeloop.lm import SynthesisResponder, offline_lm  # noqa: E402
from codeloop.lm._puzzle_search import candidates, find_puzzle, solve_puzzle  # noqa: E402
from codeloop.modules import SolvePuzzle, build_module  # noqa: E402

SUM_SAT = "def sat(x: int, a=5, b=7):\n    return x == a + b\n"


def view(sat: str, header: str, answer_type: str, rejected: tuple[RejectedAnswer, ...] = ()) -> TaskView:
    return TaskView(id="p3/T:0", entry_point="sol", puzzle=Puzzle(sat=sat, sol_header=header, answer_type=answer_type),
                    rejected=rejected)


def test_a_puzzle_is_recognised_from_the_prompt_inputs_alone():
    puzzle = find_puzzle({"sat": SUM_SAT, "answer_type": "int", "function_header": "def sol(a=5, b=7)"})
    assert puzzle.header == "def sol(a=5, b=7)" and puzzle.params == (("a", 5), ("b", 7))
    assert puzzle.answer_type == "int"
    assert "a + b" in candidates(puzzle, 100)
    assert find_puzzle({"examples": "f(1) == 2", "function_header": "def f(arg0)"}) is None


def test_the_offline_backend_solves_a_simple_puzzle_through_the_puzzle_module(small_lm, sandbox):
    task = Task(id="p3/Sum:0", entry_point="sol", hidden_tests=(SatTest(sat=SUM_SAT),),
                puzzle=Puzzle(sat=SUM_SAT, sol_header="def sol(a=5, b=7):", answer_type="int"))
    with dspy.context(lm=small_lm(3000)):
        prediction = SolvePuzzle()(task=task.view())
    assert "return a + b" in prediction.code
    assert judge_puzzle(task, prediction.code, sandbox).passed  # the real judge agrees


def test_an_answer_of_the_wrong_type_is_not_proposed_as_a_solution(sandbox):
    puzzle = find_puzzle({"sat": "def sat(n: int):\n    return n == 1.0 or n is True\n", "h": "def sol()"})
    found = solve_puzzle(puzzle, max_candidates=50, sandbox=sandbox)
    assert found.expression == "1" and found.satisfying == 1  # not True, not 1.0: sat takes an int


def test_rejected_answers_are_not_proposed_again(sandbox):
    hard = "def sat(s: str):\n    return s == 'zebra-crossing'[::-1] * 3\n"
    first = solve_puzzle(find_puzzle({"sat": hard, "h": "def sol()"}), max_candidates=50, sandbox=sandbox)
    assert first.satisfying == 0 and first.expression == "'zebra-crossing'"  # a literal of sat's comes first
    quoted = "'zebra-crossing'"
    rejected = view(hard, "def sol():", "str", (RejectedAnswer(round=1, answer=quoted, verdict="sat returned False"),))
    responder = SynthesisResponder(max_programs=5000, sandbox=sandbox)
    with dspy.context(lm=offline_lm(responder, cache=False)):
        code = SolvePuzzle()(task=rejected).code
    assert "return 'zebra-crossing'" not in code and "return" in code  # the next guess, not the same one


def test_an_endless_sat_costs_bounded_time(sandbox):
    endless = "def sat(x: int):\n    while True:\n        pass\n"
    began = time.monotonic()
    found = solve_puzzle(find_puzzle({"sat": endless, "h": "def sol()"}), max_candidates=100, sandbox=sandbox)
    assert time.monotonic() - began < 15 and found.satisfying == 0


def test_check_refine_with_the_offline_backend_keeps_guessing_new_answers(small_lm, sandbox):
    hard = "def sat(li: List[int]):\n    return len(li) == 17 and sum(li) == 4242\n"
    module = build_module("check-refine", sandbox=sandbox, kind="puzzle")
    with dspy.context(lm=small_lm(3000)):
        prediction = module(task=view(hard, "def sol():", "List[int]"))
    codes = [a["code"] for a in prediction.attempts]
    assert len(codes) == 3 and len(set(codes)) == 3  # every refinement proposed a new answer
