"""The offline backend answers instruction-proposal requests (codeloop's, COPRO's, MIPROv2's,
GEPA's) with instructions written from the data in the request, in words its keyword map reads
back as the building blocks that data calls for. Every answer parses with DSPy's adapters."""

from __future__ import annotations

import json
import os
import re

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM must not fetch prices

import dspy  # noqa: E402
import pytest  # noqa: E402
from dspy.propose.dataset_summary_generator import (  # noqa: E402
    DatasetDescriptor,
    ObservationSummarizer,
    order_input_keys_in_string,
)
from dspy.propose.grounded_proposer import DescribeProgram, generate_instruction_class  # noqa: E402
from dspy.teleprompt.copro_optimizer import BasicGenerateInstruction, GenerateInstructionGivenAttempts  # noqa: E402
from dspy.teleprompt.gepa.instruction_proposal import InstructionProposer  # noqa: E402
from dspy.teleprompt.simba_utils import OfferFeedback  # noqa: E402
from gepa.strategies.instruction_proposal import InstructionProposalSignature  # noqa: E402

from codeloop.benchmarks import Task  # noqa: E402
from codeloop.execution import IOTest  # noqa: E402
from codeloop.lm import ChatRequest, offline_lm  # noqa: E402
from codeloop.lm._proposal_evidence import code_snippets, read_history  # noqa: E402
from codeloop.lm._proposals import NEUTRAL_PROSE, PHRASES  # noqa: E402
from codeloop.lm.synth import KEYWORD_BLOCKS, blocks_in_instruction  # noqa: E402
from codeloop.optimizers import task_examples  # noqa: E402
from codeloop.optimizers.instructions._signatures import (  # noqa: E402
    CritiqueInstruction,
    ProposeInstruction,
    RewriteInstruction,
)

SORT_DEMOS = """Examples:
arrange([3, 1, 2]) == [1, 2, 3]
arrange([]) == []
Function header: def arrange(xs)
Reference code:
def arrange(xs):
    return sorted(xs)

Examples:
by_length(['bb', 'a']) == ['a', 'bb']
Function header: def by_length(words)
Reference code:
def by_length(words):
    return sorted(words, key=len)"""

SORT_FAILURES = """# Example 1
## Inputs
arrange([3, 1, 2]) == [1, 2, 3]
def arrange(xs)
## Generated Outputs
def arrange(xs):
    return xs[1:]
## Feedback
1 of 4 tests failed. First failing test (#2):
input: arrange([9, 4, 7])
expected: [4, 7, 9]
got: [4, 7]"""


SYNTH_PROGRAMS = 2000  # the offline LM's search budget in these tests (conftest's small_lm)


def named(text: str) -> set[str]:
    return set(blocks_in_instruction(text))


def test_fixed_wording_names_no_block_and_every_keyword_has_a_phrase():
    assert [p for p in NEUTRAL_PROSE if blocks_in_instruction(p)] == []
    assert all(blocks for _, blocks in PHRASES)
    phrases = [p for p, _ in PHRASES]
    uncovered = [k for k in KEYWORD_BLOCKS if not any(re.search(r"\b(?:" + k + ")", p) for p in phrases)]
    assert uncovered == []


def test_an_instruction_proposed_from_sorting_demos_names_sorted_and_parses(small_lm):
    with dspy.context(lm=small_lm(SYNTH_PROGRAMS)):
        proposal = dspy.Predict(ProposeInstruction)(current_instruction="Write a Python function.",
                                                    task_demos=SORT_DEMOS, tip="").proposed_instruction
    assert proposal.startswith("Write a Python function.")
    assert "sorted" in named(proposal)


def test_the_json_adapter_gets_json_for_proposals_and_for_code(small_lm):
    with dspy.context(lm=small_lm(SYNTH_PROGRAMS), adapter=dspy.JSONAdapter()):
        proposal = dspy.Predict(ProposeInstruction)(current_instruction="", task_demos=SORT_DEMOS, tip="")
        code = dspy.Predict("examples, function_header -> code")(
            examples="arrange([3, 1, 2]) == [1, 2, 3]\narrange([5, 4]) == [4, 5]", function_header="def arrange(xs)")
    assert "sorted" in named(proposal.proposed_instruction)
    assert "sorted" in code.code


def test_json_requests_are_read_back_demos_included():
    seen: list[list[dict]] = []

    def recorder(messages, params):
        seen.append(messages)
        return '{"code": "def g(v):\\n    return v"}'

    predict = dspy.Predict("examples, function_header -> code")
    predict.demos = [dspy.Example(examples="g([2, 1]) == [1, 2]", function_header="def g(v)",
                                  code="def g(v):\n    return sorted(v)")]
    with dspy.context(lm=offline_lm(recorder, cache=False), adapter=dspy.JSONAdapter()):
        predict(examples="g([3, 1]) == [1, 3]", function_header="def g(v)")
    request = ChatRequest.parse(seen[0])
    assert request.json_reply and request.output_fields == ["code"]
    assert "sorted" in request.demos[0]["code"] and request.inputs["function_header"] == "def g(v)"


def test_samples_vary_at_temperature_and_a_greedy_answer_repeats(small_lm):
    demos = SORT_DEMOS + "\n\nExamples:\nshout('ab') == 'AB'\nReference code:\ndef shout(s):\n    return s.upper()"
    model = small_lm(SYNTH_PROGRAMS)
    with dspy.context(lm=model):
        predict = dspy.Predict(ProposeInstruction)
        greedy = [predict(current_instruction="", task_demos=demos, tip="").proposed_instruction for _ in range(2)]
        sampled = {predict(current_instruction="", task_demos=demos, tip="",
                           config={"temperature": 1.0, "rollout_id": i}).proposed_instruction for i in range(6)}
    assert greedy[0] == greedy[1]
    assert len(sampled) >= 2


def test_failing_feedback_becomes_a_critique_and_a_rewrite_naming_what_the_failures_call_for(small_lm):
    current = "Write a Python function. Useful steps: take the maximum."
    with dspy.context(lm=small_lm(SYNTH_PROGRAMS)):
        critique = dspy.Predict(CritiqueInstruction)(current_instruction=current, failures=SORT_FAILURES).critique
        rewrite = dspy.Predict(RewriteInstruction)(current_instruction=current, failures=SORT_FAILURES,
                                                   critique=critique).proposed_instruction
    assert "failed on 1 tasks" in critique and "sorted" in named(critique.split("\n")[1])
    assert "take the maximum" in critique.split("\n")[-1]  # named, and nothing read calls for it
    assert "sorted" in named(rewrite) and "max" not in named(rewrite)


def test_copro_attempts_keep_what_the_better_scored_instructions_name(small_lm):
    attempts = ["Instruction #1: Write code. Useful steps: take the maximum.", "Prefix #1: Code:",
                "Resulting Score #1: 0.1", "Instruction #2: Write code. Useful steps: sort the items.",
                "Prefix #2: Code:", "Resulting Score #2: 0.6"]
    with dspy.context(lm=small_lm(SYNTH_PROGRAMS)):
        basic = dspy.Predict(BasicGenerateInstruction)(basic_instruction="Write code.")
        better = dspy.Predict(GenerateInstructionGivenAttempts)(attempted_instructions=attempts)
    assert basic.proposed_instruction.startswith("Write code.") and basic.proposed_prefix_for_output_field
    assert "sorted" in named(better.proposed_instruction) and "max" not in named(better.proposed_instruction)


def test_mipro_reads_reference_code_from_a_trainset_repr_and_carries_it_to_the_instruction(small_lm):
    tasks = [Task(id=f"t{i}", entry_point=f"t{i}", examples=(IOTest(args=(w,), expected=w.upper()),),
                  reference=f"def t{i}(s):\n    return s.upper()\n") for i, w in enumerate(["ab", "cd", "ef"])]
    trainset = task_examples(tasks)
    with dspy.context(lm=small_lm(SYNTH_PROGRAMS)):
        observations = dspy.Predict(DatasetDescriptor)(
            examples=order_input_keys_in_string(repr(trainset))).observations
        summary = dspy.Predict(ObservationSummarizer)(observations=observations).summary
        description = dspy.Predict(DescribeProgram)(program_code="class Program: sorted(xs)",
                                                    program_example="No task demos provided.").program_description
        instruction = generate_instruction_class(program_aware=True)(
            dataset_description=summary, program_code="sorted(xs)", program_description=description,
            module="Predict(examples) -> code", module_description="Writes code.",
            task_demos="No task demos provided.", previous_instructions="", basic_instruction="Write code.",
            tip="Keep the instruction clear and concise.").proposed_instruction
    assert "upper" in named(observations) and "upper" in named(summary)
    assert "sorted" not in named(description)  # the program's own source is not task evidence
    assert "upper" in named(instruction) and "sorted" not in named(instruction)


def test_gepa_gets_a_json_answer_and_a_fenced_answer_to_its_plain_prompt(small_lm):
    records = [{"Inputs": {"examples": "arrange([3, 1, 2]) == [1, 2, 3]", "function_header": "def arrange(xs)"},
                "Generated Outputs": {"code": "def arrange(xs):\n    return xs"},
                "Feedback": "1 of 3 tests failed. First failing test (#1):\ninput: arrange([3, 1, 2])\n"
                            "expected: [1, 2, 3]\ngot: [3, 1, 2]"}]
    model = small_lm(SYNTH_PROGRAMS)
    with dspy.context(lm=model):
        via_dspy = InstructionProposer()({"generate": "Write code."}, {"generate": records}, ["generate"])
    prompt = InstructionProposalSignature.prompt_renderer({"current_instruction_doc": "Write code.",
                                                          "dataset_with_feedback": records})
    plain = InstructionProposalSignature.output_extractor(model(prompt)[0])["new_instruction"]
    assert "sorted" in named(via_dspy["generate"])
    assert plain.startswith("Write code.") and "sorted" in named(plain) and "```" not in plain


def test_the_reader_finds_labelled_code_and_both_history_formats():
    assert code_snippets("Code: def f(x):\n    return x + 1\nExamples: f(1) == 2") == ["def f(x):\n    return x + 1"]
    assert code_snippets("```python\ndef g():\n    return 1\n```") == ["def g():\n    return 1"]
    assert read_history("«««\n    Instruction #1: a\n    Prefix #1: p\n    Resulting Score #1: 0.25\n»»»") == \
        [("a", 0.25)]
    assert read_history("first | Score: 0.1\n\nsecond | Score: 0.9\n\n") == [("first", 0.1), ("second", 0.9)]


def simba_request(better_code: str, worse_code: str) -> dict:
    """What SIMBA's append_a_rule sends: JSON trajectories of (module, inputs, outputs)."""
    example = {"examples": "arrange([3, 1, 2]) == [1, 2, 3]", "function_header": "def arrange(xs)"}

    def trajectory(code: str) -> str:
        return json.dumps([{"module_name": "generate", "inputs": example, "outputs": {"code": code}}], indent=2)

    return dict(program_code="class Program: ...", modules_defn="generate", program_inputs=json.dumps(example),
                oracle_metadata=json.dumps({"reference": "def arrange(xs):\n    return list(reversed(xs))"}),
                better_program_trajectory=trajectory(better_code), better_program_outputs=json.dumps({"code": better_code}),
                worse_program_trajectory=trajectory(worse_code), worse_program_outputs=json.dumps({"code": worse_code}),
                worse_reward_value=0.0, better_reward_value=1.0, worse_reward_info="", better_reward_info="",
                module_names=["generate"])


@pytest.mark.parametrize("adapter", [dspy.ChatAdapter(), dspy.JSONAdapter()], ids=["chat", "json"])
def test_simba_gets_advice_per_module_naming_what_the_better_code_did(adapter, small_lm):
    request = simba_request("def arrange(xs):\n    return sorted(xs)", "def arrange(xs):\n    return xs[::-1]")
    with dspy.context(lm=small_lm(SYNTH_PROGRAMS), adapter=adapter):
        advice = dspy.Predict(OfferFeedback)(**request).module_advice
    assert set(advice) == {"generate"}
    assert "sorted" in named(advice["generate"]) and "rev" not in named(advice["generate"])  # not the labels'


def test_simba_advice_names_nothing_when_both_attempts_took_the_same_steps(small_lm):
    same = "def arrange(xs):\n    return sorted(xs)"
    with dspy.context(lm=small_lm(SYNTH_PROGRAMS)):
        advice = dspy.Predict(OfferFeedback)(**simba_request(same, same)).module_advice
    assert named(advice["generate"]) == set()
