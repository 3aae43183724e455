"""The offline backend end to end: DSPy prompts in, synthesized code out, in-process and over HTTP."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM must not fetch prices

import dspy  # noqa: E402

from codeloop._format import render_examples  # noqa: E402
from codeloop.execution import IOTest, Sandbox  # noqa: E402
from codeloop.lm._engine import offline_lm  # noqa: E402
from codeloop.lm._responder import ChatRequest, SynthesisResponder  # noqa: E402
from codeloop.lm._server import serve  # noqa: E402
from codeloop.lm.synth import SearchBudget  # noqa: E402


class WriteCode(dspy.Signature):
    """Write a Python function that reproduces the examples."""

    examples: str = dspy.InputField(desc="one example per line")
    function_header: str = dspy.InputField()
    code: str = dspy.OutputField()


SORT_EXAMPLES = render_examples("arrange", [IOTest(args=([3, 1, 2],), expected=[1, 2, 3]),
                                            IOTest(args=([],), expected=[]),
                                            IOTest(args=([5, 4],), expected=[4, 5])])
RESPONDER = SynthesisResponder(budget=SearchBudget(max_programs=50_000, max_seconds=60))


def test_in_process_the_code_it_writes_passes_unseen_tests():
    lm = offline_lm(RESPONDER, cache=False)
    with dspy.context(lm=lm):
        code = dspy.Predict(WriteCode)(examples=SORT_EXAMPLES, function_header="def arrange(xs)").code
    with Sandbox(workers=1) as sandbox:
        assert sandbox.run(code, "arrange", [IOTest(args=([9, -1, 4, 4],), expected=[-1, 4, 4, 9])]).passed
    assert lm.history[0]["usage"]["total_tokens"] > 0


def test_over_http_through_dspy_lm_it_answers_the_same():
    with serve(RESPONDER) as handle:
        lm = dspy.LM("openai/codeloop-offline", api_base=handle.url, api_key="unused", cache=False, num_retries=0)
        with dspy.context(lm=lm):
            over_http = dspy.Predict(WriteCode)(examples=SORT_EXAMPLES, function_header="def arrange(xs)").code
    with dspy.context(lm=offline_lm(RESPONDER, cache=False)):
        in_process = dspy.Predict(WriteCode)(examples=SORT_EXAMPLES, function_header="def arrange(xs)").code
    assert over_http.strip() == in_process.strip() and "sorted" in in_process


def test_the_request_is_read_back_instruction_demos_inputs_and_fields():
    seen: list[list[dict]] = []

    def recorder(messages, params):
        seen.append(messages)
        return "[[ ## code ## ]]\npass\n\n[[ ## completed ## ]]"

    predict = dspy.Predict(WriteCode.with_instructions("Sort the numbers."))
    predict.demos = [dspy.Example(examples="g([2, 1]) == [1, 2]", function_header="def g(v)",
                                  code="def g(v):\n    return sorted(v)\n").with_inputs("examples", "function_header")]
    with dspy.context(lm=offline_lm(recorder, cache=False)):
        predict(examples=SORT_EXAMPLES, function_header="def arrange(xs)")
    request = ChatRequest.parse(seen[0])
    assert request.output_fields == ["code"]
    assert request.instruction == "Sort the numbers."
    assert request.inputs["function_header"] == "def arrange(xs)"
    assert request.demos[0]["code"].startswith("def g(v):")
    prior = RESPONDER._prior(request, SORT_EXAMPLES)
    assert prior.weight("sorted") > 1.0  # the demo's and the instruction's building block


def test_other_fields_get_tests_reasoning_or_an_honest_placeholder():
    class Many(dspy.Signature):
        """Write tests and code."""

        examples: str = dspy.InputField()
        reasoning: str = dspy.OutputField()
        tests: str = dspy.OutputField()
        code: str = dspy.OutputField()
        poem: str = dspy.OutputField()

    with dspy.context(lm=offline_lm(RESPONDER, cache=False)):
        out = dspy.Predict(Many)(examples=SORT_EXAMPLES)
    assert out.tests.splitlines()[0] == "assert arrange([3, 1, 2]) == [1, 2, 3]"
    assert "Searched" in out.reasoning and "3 of 3" in out.reasoning
    assert out.code.startswith("def arrange(arg0):")
    assert "no answer" in out.poem


def test_without_examples_it_says_so_and_still_returns_code():
    with dspy.context(lm=offline_lm(RESPONDER, cache=False)):
        out = dspy.ChainOfThought(WriteCode)(examples="(none yet)", function_header="def h(a, b)")
    assert out.code.startswith("def h(a, b):") and "return None" in out.code
    assert "No input/output examples" in out.reasoning


def test_a_refinement_request_gets_more_search_so_refining_can_fix_what_the_first_try_missed(small_lm):
    from codeloop.benchmarks import TaskView
    from codeloop.modules import CodeFromExamples, GenerateCheckRefine

    # Needs about 7,500 programs to fit (measured): out of reach of 5,000, within 4 x 5,000.
    examples = (IOTest(args=("(a(b)(c(d)))",), expected=3), IOTest(args=("()()()",), expected=1),
                IOTest(args=("f(g(h(x)))",), expected=3))
    view = TaskView(id="depth", entry_point="depth", examples=examples)
    lm = small_lm(5_000, max_seconds=60)
    with dspy.context(lm=lm), Sandbox(workers=1) as sandbox:
        plain = CodeFromExamples()(task=view)
        refined = GenerateCheckRefine(CodeFromExamples(), max_iters=2, sandbox=sandbox)(task=view)
        assert not sandbox.run(plain.code, "depth", examples).passed
        assert sandbox.run(refined.code, "depth", examples).passed
    assert len(refined.attempts) == 2
