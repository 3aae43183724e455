"""Instruction optimizers on a small constructed family where wording matters: dev tasks keep
the positive (or negative) numbers of a list, under function names that carry no keyword. At
a small synthesis budget the seed instruction solves none of them; an instruction naming
positive and negative numbers makes the synthesizer reach ``x > 0`` first and solves them.
The training tasks' reference code is what a proposer can learn that from."""

from __future__ import annotations

import os
import re

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM must not fetch prices

import dspy  # noqa: E402
import pytest  # noqa: E402

from codeloop.benchmarks import Task  # noqa: E402
from codeloop.benchmarks.rounds import RoundsConfig  # noqa: E402
from codeloop.exceptions import ConfigError  # noqa: E402
from codeloop.execution import IOTest  # noqa: E402
from codeloop.lm._accounting import Budget  # noqa: E402
from codeloop.lm.synth import blocks_in_instruction  # noqa: E402
from codeloop.modules import build_module  # noqa: E402
from codeloop.optimizers import generation_predictors, task_examples  # noqa: E402
from codeloop.optimizers.instructions._methods import (  # noqa: E402
    ApeInstructions,
    OproInstructions,
    ProtegiInstructions,
    SeedInstruction,
    propose_instructions,
)

# Between the effort the synthesizer needs with the keyword (about 1,000 programs) and
# without it (about 3,000); see the module docstring.
SYNTH_BUDGET = 2000


def task(name: str, visible: list, hidden: list, reference: str | None = None) -> Task:
    return Task(id=name, entry_point=name, examples=tuple(IOTest(args=(a,), expected=o) for a, o in visible),
                hidden_tests=tuple(IOTest(args=(a,), expected=o) for a, o in hidden), reference=reference)


TRAIN = [
    task("ta", [([1, -2, 3], 2), ([-5], 0), ([0, 4], 1), ([-1, 7, 8], 2)], [([2, -3], 1)],
         "def ta(xs):\n    return len([x for x in xs if x > 0])\n"),
    task("tb", [([1, -2, 3], [-2]), ([-5, 6], [-5]), ([0, 4], []), ([-1, -7, 8], [-1, -7])], [([2, -3], [-3])],
         "def tb(xs):\n    return [x for x in xs if x < 0]\n"),
    task("tc", [([1, -2, 3], True), ([5], False), ([0, 4], False), ([-1, 7], True)], [([2, -3], True)],
         "def tc(xs):\n    return any(x < 0 for x in xs)\n"),
    task("td", [([1, -2, 3], 4), ([-5], 0), ([0, 4], 4), ([-1, 7, 8], 15)], [([2, -3], 2)],
         "def td(xs):\n    return sum(x for x in xs if x > 0)\n"),
]
DEV = [
    task("fa", [([1, -2, 3], [1, 3]), ([-5], []), ([0, 4], [4]), ([-1, 2, -3, 5], [2, 5])],
         [([6, -6, 0, 1], [6, 1]), ([], [])]),
    task("fb", [([1, -2, 3], [-2]), ([-5], [-5]), ([0, 4], []), ([-1, 2, -3, 5], [-1, -3])],
         [([6, -6, 0, -1], [-6, -1]), ([], [])]),
    task("fc", [([3, -2, 1], [3, 1]), ([-5, -4], []), ([4, 0], [4]), ([5, -3, 2, -1], [5, 2])],
         [([1, 0, -6, 6], [1, 6])]),
]
CONFIG = RoundsConfig(k=4)
TRAINSET, DEVSET = task_examples(TRAIN, CONFIG), task_examples(DEV, CONFIG)


@pytest.fixture
def fresh_lm(small_lm):
    """``fresh_lm()``: a new offline LM (conftest's, at SYNTH_BUDGET) per compile: the engine numbers
    repeated samples, so sharing one between runs would give the second run different samples."""
    return lambda: small_lm(SYNTH_BUDGET)


def compile_with(cls, sandbox, lm, **settings):
    optimizer = cls(lm=lm, sandbox=sandbox, seed=settings.pop("seed", 0), **settings)
    program = optimizer.compile(build_module("from-examples"), trainset=TRAINSET, valset=DEVSET)
    return optimizer, program


def instruction_of(program) -> str:
    (_, predictor), = generation_predictors(program)
    return predictor.signature.instructions


def candidates(optimizer):
    return [t for t in optimizer.trials if t.kind == "candidate"]


def test_seed_instruction_scores_the_student_once_and_leaves_it_alone(sandbox, fresh_lm):
    optimizer, program = compile_with(SeedInstruction, sandbox, fresh_lm())
    assert [t.score for t in candidates(optimizer)] == [0.0]  # the premise of the family
    assert instruction_of(program) == instruction_of(build_module("from-examples"))
    assert optimizer.spend.calls == len(DEVSET) == optimizer.estimate_calls(program, len(TRAINSET), len(DEVSET))


def test_ape_scores_the_seed_and_n_proposals_and_installs_the_best(sandbox, fresh_lm):
    optimizer, program = compile_with(ApeInstructions, sandbox, fresh_lm(), n_candidates=3)
    scored = candidates(optimizer)
    (proposal,) = [t for t in optimizer.trials if t.kind == "proposal"]
    assert proposal.lm_calls == 3 and len(scored) == 1 + len(proposal.params["proposals"]) == 4
    assert scored[0].score == 0.0 and max(t.score for t in scored) == 1.0  # wording raised the dev score
    best = max(optimizer.candidates_, key=lambda c: c["score"])
    assert instruction_of(program) == best["instructions"]["generate"] == optimizer.best_instructions_["generate"]
    assert {"gt", "lt"} & set(blocks_in_instruction(instruction_of(program)))
    assert optimizer.spend.calls <= optimizer.estimate_calls(program, len(TRAINSET), len(DEVSET))


def test_the_same_seed_chooses_the_same_instruction_and_minibatches_are_seeded(sandbox, fresh_lm):
    runs = [compile_with(ApeInstructions, sandbox, fresh_lm(), n_candidates=2, minibatch_size=2)[0] for _ in range(2)]
    assert runs[0].best_instructions_ == runs[1].best_instructions_
    assert runs[0].candidates_ == runs[1].candidates_
    assert [t.n_examples for t in runs[0].trials if t.kind != "proposal"] == [2, 2, 2, 3]  # then one full score


def test_opro_shows_past_instructions_with_their_scores_best_last(sandbox, fresh_lm):
    model = fresh_lm()
    optimizer, program = compile_with(OproInstructions, sandbox, model, steps=2, per_step=2)
    prompts = [str(h["messages"]) for h in model.history if "scored_instructions" in str(h["messages"])]
    assert len(prompts) == 4
    last = prompts[-1].split("[[ ## scored_instructions ## ]]")[-1].split("[[ ## task_demos ## ]]")[0]
    scores = [float(s) for s in re.findall(r"\| Score: ([\d.]+)", last)]
    assert len(scores) >= 2 and scores == sorted(scores) and scores[0] == 0.0
    assert max(c["score"] for c in optimizer.candidates_) == 1.0
    assert optimizer.spend.calls <= optimizer.estimate_calls(program, len(TRAINSET), len(DEVSET))


def test_protegi_critiques_the_failing_cases_with_their_feedback(sandbox, fresh_lm):
    model = fresh_lm()
    optimizer, program = compile_with(ProtegiInstructions, sandbox, model, steps=1, beam_width=1, expansions=2)
    critiques = [str(h["messages"]) for h in model.history if "[[ ## critique ## ]]" in str(h["messages"])]
    assert critiques and "expected:" in critiques[0] and "Generated Outputs" in critiques[0]
    (proposal,) = [t for t in optimizer.trials if t.kind == "proposal"]
    assert proposal.lm_calls == 3 and "failed on" in proposal.params["critique"]
    assert max(t.score for t in candidates(optimizer)) == 1.0
    assert optimizer.spend.calls <= optimizer.estimate_calls(program, len(TRAINSET), len(DEVSET))


def test_protegi_can_take_failures_from_training_tasks_instead(sandbox, fresh_lm):
    optimizer, _ = compile_with(ProtegiInstructions, sandbox, fresh_lm(), steps=1, beam_width=1, expansions=1,
                                failures_from="train")
    purposes = [t.params.get("purpose") for t in optimizer.trials if t.kind == "proposal"]
    assert "failures" in purposes


def test_a_budget_running_out_returns_the_best_so_far(sandbox, fresh_lm):
    # 3 calls score the seed, 2 propose, 3 score the first proposal; the second is cut short
    optimizer, program = compile_with(ApeInstructions, sandbox, fresh_lm(), n_candidates=2, budget=Budget(max_calls=9))
    assert optimizer.budget_exhausted
    assert optimizer.trials[-1].state == "budget"
    assert instruction_of(program) == optimizer.candidates_[1]["instructions"]["generate"]  # scored 1.0
    assert optimizer.best_instructions_ == optimizer.candidates_[1]["instructions"]


def test_propose_instructions_gives_the_current_instruction_first_and_pays_n_calls(sandbox, fresh_lm):
    from codeloop.lm._accounting import Meter
    from codeloop.optimizers._base import Session

    meter = Meter()
    session = Session("joint", fresh_lm(), meter, lambda example, prediction: 0.0, num_threads=1, seed=0)
    student = build_module("from-examples")
    proposals = propose_instructions(session, student, TRAINSET, n=3, seed=0)
    assert list(proposals) == ["generate"]
    assert proposals["generate"][0] == instruction_of(student) and len(proposals["generate"]) >= 2
    assert meter.spend.calls == 3 and session.trials[0].kind == "proposal" and session.trials[0].lm_calls == 3


def test_bad_settings_and_programs_without_a_generator_are_refused(sandbox, fresh_lm):
    with pytest.raises(ConfigError, match="'n_candidates' parameter of ape"):
        compile_with(ApeInstructions, sandbox, fresh_lm(), n_candidates=0)
    with pytest.raises(ConfigError, match="failures_from"):
        compile_with(ProtegiInstructions, sandbox, fresh_lm(), failures_from="test")
    with pytest.raises(ConfigError, match="no generation predictor"):
        ApeInstructions(lm=fresh_lm(), sandbox=sandbox).compile(dspy.Predict("question -> answer"),
                                                               trainset=TRAINSET, valset=DEVSET)
