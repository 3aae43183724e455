"""The code-generation modules on the offline backend: each solves a simple task, the refiner
uses feedback and never sees hidden tests, best-of-n ranks by the visible examples, the
adapter counts LM calls (also under threads and over HTTP), and the registry rejects bad names."""

from __future__ import annotations

import copy
import os
import threading

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM must not fetch prices

import dspy  # noqa: E402
import pytest  # noqa: E402
from dspy.utils.callback import BaseCallback  # noqa: E402

from codeloop.benchmarks import Param, Task, TaskView  # noqa: E402
from codeloop.benchmarks.rounds import Generation, RoundsConfig, SupportsGenerate, run_rounds  # noqa: E402
from codeloop.exceptions import ConfigError  # noqa: E402
from codeloop.execution import IOTest  # noqa: E402
from codeloop.lm import SynthesisResponder, offline_lm, serve  # noqa: E402
from codeloop.lm.synth import SearchBudget  # noqa: E402
from codeloop.modules import (  # noqa: E402
    MODULES,
    BestOfN,
    CodeFromExamples,
    CodeFromSpec,
    GenerateCheckRefine,
    TestFirst,
    as_program,
    build_module,
    filter_tests,
    function_header,
    parse_generated_tests,
)

RESPONDER = SynthesisResponder(budget=SearchBudget(max_programs=20_000))

SUM_TASK = TaskView(id="sum", entry_point="total", params=(Param(name="xs"),),
                    description="Return the sum of the numbers in the list.",
                    examples=(IOTest(args=([1, 2, 3],), expected=6), IOTest(args=([],), expected=0),
                              IOTest(args=([5, -1],), expected=4)))
SORT_TASK = TaskView(id="sort", entry_point="arrange", params=(Param(name="xs"),),
                     examples=(IOTest(args=([3, 1, 2],), expected=[1, 2, 3]), IOTest(args=([],), expected=[]),
                               IOTest(args=([5, 4],), expected=[4, 5])))


@pytest.fixture
def lm(small_lm):
    return small_lm(20_000)


class Scripted(dspy.Module):
    """A fake generator returning scripted answers in turn (no LM)."""

    def __init__(self, answers, tests=None):
        super().__init__()
        self.answers, self.tests, self.calls = list(answers), tests, 0

    def forward(self, task):
        answer = self.answers[self.calls % len(self.answers)]
        self.calls += 1
        extra = {"tests": self.tests[(self.calls - 1) % len(self.tests)]} if self.tests else {}
        return dspy.Prediction(code=answer, lm_calls=1, **extra)


def passes(sandbox, code, task):
    return sandbox.run(code, task.entry_point, task.examples).passed


def prompts(lm) -> str:
    return "\n".join(m["content"] for entry in lm.history for m in entry["messages"])


@pytest.mark.parametrize("name", ["from-examples", "check-refine", "test-first", "best-of-n"])
@pytest.mark.parametrize("task", [SUM_TASK, SORT_TASK], ids=["sum", "sort"])
def test_each_example_based_module_solves_a_simple_task(name, task, sandbox, lm):
    module = build_module(name, sandbox=sandbox)
    with dspy.context(lm=lm):
        prediction = module(task=task)
    assert passes(sandbox, prediction.code, task), prediction.code
    assert prediction.lm_calls >= 1 and prediction.attempts
    assert [p for p, _ in module.named_predictors()]  # tunable predictors are named attributes


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_reply_that_never_parses_is_a_failed_attempt_not_an_error(name, sandbox, caplog):
    """An LM that answers off-format (DSPy's JSON fallback included) fails the task; it must not
    end the optimization or evaluation around it, whose resumption would meet the same reply."""
    prose = offline_lm(lambda messages, params: "Sorry, I would rather talk about the weather.", cache=False)
    module = build_module(name, sandbox=sandbox)
    with dspy.context(lm=prose), caplog.at_level("WARNING", logger="codeloop.modules._common"):
        prediction = module(task=SUM_TASK)
    assert not passes(sandbox, prediction.code, SUM_TASK)
    assert any("could not be parsed" in r.getMessage() for r in caplog.records)


def test_from_spec_sends_description_and_header_but_no_examples(lm):
    with dspy.context(lm=lm):
        prediction = CodeFromSpec()(task=SUM_TASK)
    text = prompts(lm)
    assert "Return the sum" in text and "def total(xs)" in text and "total([1, 2, 3]) == 6" not in text
    assert prediction.code.startswith("def total(xs)") and prediction.lm_calls == 1


def test_from_examples_passes_feedback_on(lm):
    with dspy.context(lm=lm):
        CodeFromExamples()(task=SUM_TASK, feedback="Earlier code failed on total([]).")
    assert "Earlier code failed on total([])." in prompts(lm)


def test_function_header_from_params_or_example_shape():
    assert function_header(SUM_TASK) == "def total(xs)"
    bare = TaskView(id="x", entry_point="g", examples=(IOTest(args=(1, 2), kwargs={"k": 3}, expected=6),))
    assert function_header(bare) == "def g(arg0, arg1, k)"


def test_refine_uses_feedback_and_never_sees_hidden_tests(sandbox, lm):
    hidden = (IOTest(args=([987_654, 123_457],), expected=1_111_111), IOTest(args=([424_242],), expected=424_242))
    task = Task(id="sum-hidden", entry_point="total", params=(Param(name="xs"),),
                examples=SUM_TASK.examples, hidden_tests=hidden, reference="def total(xs):\n    return sum(xs)\n")
    wrong_first = Scripted(["```python\ndef total(xs):\n    return len(xs)\n```"])
    module = GenerateCheckRefine(wrong_first, max_iters=3, sandbox=sandbox)
    with dspy.context(lm=lm):
        prediction = module(task=task.view())
    assert passes(sandbox, prediction.code, task) and sandbox.run(prediction.code, "total", hidden).passed
    assert [a["passed"] for a in prediction.attempts] == [1, 3]  # len([]) == 0 passes; the refined code all
    assert prediction.verdicts == ["passed"] * 3 and prediction.lm_calls == 2
    sent = prompts(lm)
    assert "Failing example" in sent and "total([1, 2, 3]) == 6" in sent and "got: 3" in sent
    for value in ("987654", "123457", "1111111", "424242"):
        assert value not in sent


def test_refine_stops_at_max_iters_and_returns_the_best_earliest_attempt(sandbox):
    answers = ["def total(xs):\n    return 0\n",  # passes total([]) == 0
               "def total(xs):\n    return 6\n",  # passes total([1, 2, 3]) == 6 (a tie: the earlier wins)
               "no code at all"]

    class ScriptedRefine(dspy.Module):  # stands in for the refine predictor, so no LM is used
        def __init__(self):
            super().__init__()
            self.seen = []

        def __call__(self, **kwargs):
            self.seen.append(kwargs["feedback"])
            return dspy.Prediction(code=answers[len(self.seen)])

    module = GenerateCheckRefine(Scripted(answers[:1]), max_iters=3, sandbox=sandbox)
    module.refine = ScriptedRefine()
    prediction = module(task=SUM_TASK)
    assert [a["passed"] for a in prediction.attempts] == [1, 1, 0]
    assert prediction.code == answers[0] and prediction.lm_calls == 3
    assert "could not be used as code" not in module.refine.seen[0]
    assert "2 of 3 examples failed" in module.refine.seen[0]


def test_best_of_n_picks_the_best_visible_pass_rate(sandbox):
    candidates = ["def total(xs):\n    return 0\n",  # 1 of 3
                  "def total(xs):\n    return sum(xs) if xs else 1\n",  # 2 of 3
                  "def total(xs):\n    return sum(xs)\n",  # 3 of 3
                  "def total(xs):\n    return sum(x for x in xs)\n",  # 3 of 3, later: loses the tie
                  "syntax error (\n"]
    prediction = BestOfN(Scripted(candidates), n=5, sandbox=sandbox)(task=SUM_TASK)
    assert prediction.chosen == 2 and prediction.code == candidates[2]
    assert [a["passed"] for a in prediction.attempts] == [1, 2, 3, 3, 0] and prediction.lm_calls == 5


def test_best_of_n_breaks_ties_by_agreement_on_generated_tests(sandbox):
    candidates = ["def total(xs):\n    return sum(xs) if len(xs) < 3 else 6\n", "def total(xs):\n    return sum(xs)\n"]
    tests = ["assert total([1, 1, 1, 1]) == 4\nassert total([2, 2, 2]) == 6"]
    prediction = BestOfN(Scripted(candidates, tests=tests), n=2, sandbox=sandbox)(task=SUM_TASK)
    assert prediction.chosen == 1 and [a["agreement"] for a in prediction.attempts] == [2, 4]


def test_best_of_n_draws_distinct_rollouts(sandbox, lm):
    seen = []

    class Recorder(BaseCallback):
        def on_lm_start(self, call_id, instance, inputs):
            seen.append((instance.kwargs.get("rollout_id"), instance.kwargs.get("temperature")))

    with dspy.context(lm=lm, callbacks=[Recorder()]):
        prediction = BestOfN(CodeFromExamples(), n=3, sandbox=sandbox)(task=SUM_TASK)
    assert seen[0][0] is None and seen[1:] == [(1, 1.0), (2, 1.0)]
    assert prediction.lm_calls == 3 and all(a["passed"] == 3 for a in prediction.attempts)


def test_test_first_parses_filters_and_conditions_on_tests(sandbox, lm):
    generated = parse_generated_tests('assert total([1, 2, 3]) == 7\nassert total([4]) == 4, "single"\n'
                                      "assert other(1) == 2\nprint('hi')\nassert total([9, 1]) == 10", "total")
    kept, dropped = filter_tests(generated, SUM_TASK.examples)
    assert [t.args for t in kept] == [([4],), ([9, 1],)] and [t.expected for t in dropped] == [7]
    with dspy.context(lm=lm):
        prediction = TestFirst(sandbox=sandbox)(task=SUM_TASK)
    assert prediction.lm_calls == 2 and len(lm.history) == 2
    assert "[[ ## tests ## ]]" in lm.history[1]["messages"][-1]["content"]
    assert prediction.verdicts == ["passed"] * 3


def test_adapter_counts_lm_calls_and_tokens_per_call(sandbox, lm):
    program = as_program(GenerateCheckRefine(Scripted(["def total(xs):\n    return 0\n"]), sandbox=sandbox), lm=lm)
    assert isinstance(program, SupportsGenerate)
    generation = program(SUM_TASK)
    assert isinstance(generation, Generation) and generation.lm_calls == 1 and generation.tokens > 0
    assert as_program("test-first", lm=lm, sandbox=sandbox)(SUM_TASK).lm_calls == 2
    assert as_program("best-of-n", lm=lm, sandbox=sandbox)(SUM_TASK, sample=1).lm_calls == 5


def test_adapter_counts_are_per_call_under_threads(sandbox, lm):
    programs = {1: as_program("from-examples", lm=lm), 2: as_program("test-first", lm=lm, sandbox=sandbox),
                5: as_program("best-of-n", lm=lm, sandbox=sandbox)}
    results: dict[int, list[int]] = {n: [] for n in programs}

    def work(n):
        for _ in range(4):
            results[n].append(programs[n](SORT_TASK).lm_calls)

    threads = [threading.Thread(target=work, args=(n,)) for n in programs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: [n] * 4 for n in programs}


def test_adapter_in_the_rounds_protocol_never_leaks_hidden_tests(sandbox, lm):
    hidden = tuple(IOTest(args=([v, 1],), expected=v + 1) for v in (31_337, 271_828))
    task = Task(id="sum-rounds", entry_point="total", params=(Param(name="xs"),),
                examples=SUM_TASK.examples, hidden_tests=hidden)
    rows = run_rounds(as_program("check-refine", lm=lm, sandbox=sandbox), [task], sandbox, RoundsConfig(rounds=1))
    assert rows[0]["correctness"] and rows[0]["lm_calls"] == 1
    assert "31337" not in prompts(lm) and "271828" not in prompts(lm)


def test_over_http_against_the_served_backend(sandbox):
    with serve(RESPONDER) as handle:
        lm = dspy.LM("openai/codeloop-offline", api_base=handle.url, api_key="unused", cache=False, num_retries=0)
        generation = as_program("check-refine", lm=lm, sandbox=sandbox)(SORT_TASK)
    assert passes(sandbox, generation.code, SORT_TASK) and "sorted" in generation.code
    assert generation.lm_calls == 1 and generation.tokens > 0


def test_registry_names_and_errors(sandbox):
    assert sorted(MODULES) == ["best-of-n", "check-refine", "from-examples", "from-spec", "test-first"]
    assert isinstance(build_module("check-refine", sandbox=sandbox), GenerateCheckRefine)
    with pytest.raises(ConfigError) as info:
        build_module("chek-refine")
    message = str(info.value)
    assert "'chek-refine'" in message and all(name in message for name in MODULES)
    with pytest.raises(ConfigError):
        as_program("nope", lm=None)


def test_copies_share_the_sandbox_and_keep_named_predictors(sandbox):
    module = build_module("check-refine", sandbox=sandbox)
    clone = module.deepcopy()
    assert clone.sandbox.get() is sandbox and copy.deepcopy(module).sandbox.get() is sandbox
    assert sorted(name for name, _ in clone.named_predictors()) == ["inner.generate", "refine"]


def test_refine_stops_when_the_refined_code_repeats_an_earlier_attempt(sandbox, lm):
    # The offline synthesizer answers the same examples with the same program: a second refine
    # prompt would be identical to the first, so the loop ends after one refinement.
    impossible = TaskView(id="odd", entry_point="h", params=(Param(name="x"),),
                          examples=(IOTest(args=(1,), expected=7), IOTest(args=(2,), expected=-3),
                                    IOTest(args=(3,), expected=100), IOTest(args=(4,), expected=2)))
    module = GenerateCheckRefine(CodeFromExamples(), max_iters=5, sandbox=sandbox)
    with dspy.context(lm=lm):
        prediction = module(task=impossible)
    codes = [a["code"] for a in prediction.attempts]
    assert len(codes) == 2 and codes[0] == codes[1] and prediction.lm_calls == 2 == len(lm.history)
