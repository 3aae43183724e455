"""DSPy's optimizers as baselines: each compiles on a few bundled tasks with the offline backend
under codeloop's accounting (every LM call metered and attributed to a trial), stops promptly
when a tiny budget runs out, and its labeled demos carry reference code but no hidden test."""

from __future__ import annotations

import json
import os
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import dspy  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from codeloop.benchmarks import Task, load_suite  # noqa: E402
from codeloop.exceptions import BudgetExhausted, BudgetStop  # noqa: E402
from codeloop.execution import IOTest, Sandbox  # noqa: E402
from codeloop.lm import Budget, Meter, StoppingLM  # noqa: E402
from codeloop.modules import build_module  # noqa: E402
from codeloop.optimizers import task_examples  # noqa: E402
from codeloop.optimizers._base import CodeloopOptimizer  # noqa: E402
from codeloop.optimizers.baselines import DSPY_BASELINES, GEPABaseline, LabeledFewShotBaseline  # noqa: E402
from codeloop.optimizers.baselines._baselines import HashedTfidf, knn_text  # noqa: E402
from codeloop.optimizers.baselines._bridge import with_demo_fields  # noqa: E402

TRAIN = ("numbers/triangular", "strings/count_uppercase", "algorithms/edit_distance")  # two solvable, one not
VAL = ("lists/merge_sorted", "algorithms/count_inversions")

#: Small settings so each baseline finishes in seconds on three training tasks.
SMALL: dict[str, dict] = {
    "dspy-labeled": {"k": 2},
    "dspy-bootstrap": {"max_bootstrapped_demos": 2, "max_labeled_demos": 2},
    "dspy-bootstrap-rs": {"num_candidate_programs": 2},
    "dspy-knn": {"k": 2},
    "copro": {"breadth": 2, "depth": 1},
    "mipro-light": {"auto": None, "num_candidates": 2, "num_trials": 3},
    "simba": {"bsize": 2, "num_candidates": 2, "max_steps": 1},
    "gepa": {"max_metric_calls": 8},
}
SLOW = {"mipro-light", "simba", "copro", "gepa", "dspy-bootstrap-rs"}


SYNTH_PROGRAMS = 5000  # the offline LM's search budget in these tests (conftest's small_lm)


@pytest.fixture(scope="module")
def data():
    tasks = {t.id: t for t in load_suite("bundled").tasks}
    return task_examples([tasks[i] for i in TRAIN]), task_examples([tasks[i] for i in VAL])


def build(name: str, sandbox: Sandbox, lm: dspy.BaseLM, **settings) -> CodeloopOptimizer:
    return DSPY_BASELINES[name](**{**SMALL[name], **settings}, lm=lm, sandbox=sandbox, num_threads=2, seed=0)


def by_name(names, slow=SLOW):
    return [pytest.param(n, marks=pytest.mark.slow) if n in slow else n for n in names]


# -- the registry -----------------------------------------------------------------------------


def test_every_baseline_is_a_codeloop_optimizer_under_its_name():
    assert set(DSPY_BASELINES) == set(SMALL)
    for name, cls in DSPY_BASELINES.items():
        assert cls.name == name and issubclass(cls, CodeloopOptimizer)
    try:
        from codeloop.optimizers._registry import DSPY_OPTIMIZERS, optimizer_class
    except ImportError:
        return
    assert {name: optimizer_class(name) for name in DSPY_OPTIMIZERS} == DSPY_BASELINES


# -- each baseline, end to end ----------------------------------------------------------------


@pytest.mark.parametrize("name", by_name(SMALL))
def test_baseline_compiles_with_every_call_metered_and_returns_a_runnable_program(name, sandbox, data, small_lm):
    train, val = data
    lm = small_lm(SYNTH_PROGRAMS)
    optimizer = build(name, sandbox, lm)
    student = build_module("from-examples", sandbox=sandbox)
    program = optimizer.compile(student, trainset=train, valset=val)

    assert not optimizer.budget_exhausted
    assert [t.kind for t in optimizer.trials] == ["compile", "candidate"]
    assert optimizer.trials[0].params["dspy"] == type(optimizer).__name__
    assert optimizer.trials[1].score is not None and optimizer.trials[1].n_examples == len(val)
    assert optimizer.spend.calls > 0
    assert optimizer.spend.calls == sum(t.lm_calls for t in optimizer.trials)
    assert optimizer.spend.calls <= optimizer.estimate_calls(student, len(train), len(val))
    assert all(p.lm is None for p in program.predictors())  # no session LM left pinned on it
    with dspy.context(lm=lm):
        prediction = program(**val[0].inputs())
    assert prediction.code.startswith("def merge_sorted(")


#: Settings under which DSPy would run for many iterations, were it not stopped.
LONG: dict[str, dict] = {
    "dspy-labeled": {"k": 4}, "dspy-bootstrap": {}, "dspy-knn": {"k": 3},
    "dspy-bootstrap-rs": {"num_candidate_programs": 6}, "copro": {"breadth": 4, "depth": 2},
    "mipro-light": {"auto": "light"}, "simba": {"bsize": 4, "num_candidates": 3, "max_steps": 4},
    "gepa": {"max_metric_calls": 60},
}


@pytest.fixture(scope="module")
def more_data():
    suite = load_suite("bundled")
    return task_examples(suite.split("train")[:8]), task_examples(suite.split("dev")[:4])


@pytest.mark.parametrize("name", list(LONG))
def test_tiny_budget_stops_the_dspy_optimizer_promptly(name, sandbox, more_data, monkeypatch, small_lm):
    """Once the budget is spent DSPy's optimizer stops within a few refused calls (those already
    in flight on other threads), instead of catching each refusal and running on to the end."""
    refused = []
    reserve = Meter.reserve

    def counting_reserve(meter):
        try:
            reserve(meter)
        except BudgetExhausted:
            refused.append(1)
            raise

    monkeypatch.setattr(Meter, "reserve", counting_reserve)
    train, val = more_data
    cap = 1 if name in ("dspy-labeled", "dspy-knn") else 5  # these spend nothing before scoring
    optimizer = DSPY_BASELINES[name](**LONG[name], lm=small_lm(SYNTH_PROGRAMS), sandbox=sandbox, num_threads=2,
                                     budget=Budget(max_calls=cap))
    began = time.perf_counter()
    program = optimizer.compile(build_module("from-examples", sandbox=sandbox), trainset=train, valset=val)
    assert time.perf_counter() - began < 20
    assert optimizer.budget_exhausted and isinstance(program, dspy.Module)
    assert optimizer.spend.calls <= cap
    assert optimizer.spend.calls == sum(t.lm_calls for t in optimizer.trials)
    assert optimizer.trials[-1].state == "budget"
    if cap > 1:
        assert [t.kind for t in optimizer.trials] == ["compile"]  # DSPy's compile itself was stopped
    # KNN's program bootstraps its neighbours on every call, swallowing refusals (k per task)
    assert len(refused) <= (len(val) * (LONG[name]["k"] + 1) if name == "dspy-knn" else 10)


def test_a_program_dspy_produced_is_kept_when_only_its_scoring_runs_out(sandbox, data, small_lm):
    train, val = data
    optimizer = build("dspy-labeled", sandbox, small_lm(SYNTH_PROGRAMS), budget=Budget(max_calls=1))
    program = optimizer.compile(build_module("from-examples", sandbox=sandbox), trainset=train, valset=val)
    assert optimizer.budget_exhausted and [t.kind for t in optimizer.trials] == ["compile", "candidate"]
    assert len(program.generate.demos) == 2  # LabeledFewShot's program, not the bare student


# -- demos: reference code in, hidden tests never ---------------------------------------------


def test_labeled_demos_hold_reference_code_and_reach_the_prompt(sandbox, data, small_lm):
    train, val = data
    lm = small_lm(SYNTH_PROGRAMS)
    program = LabeledFewShotBaseline(k=3, lm=lm, sandbox=sandbox, num_threads=1).compile(
        build_module("from-examples", sandbox=sandbox), trainset=train, valset=val)
    demos = program.generate.demos
    references = {e.reference for e in train}
    assert len(demos) == 3 and {d.code for d in demos} == references
    assert all(d.examples and d.function_header.startswith("def ") for d in demos)
    assert all(set(d.keys()) <= set(program.generate.signature.fields) for d in demos)  # no labels kept
    prompts = json.dumps([entry["messages"] for entry in lm.history])
    assert all(json.dumps(reference)[1:-1] in prompts for reference in references)


def leaky_tasks() -> list[Task]:
    """Tasks whose hidden tests hold values no prompt may ever show."""
    def task(i: int) -> Task:
        shown = tuple(IOTest(args=(w,), expected=f"tag-{w}") for w in ("alpha", "bravo", "charlie"))
        hidden = tuple(IOTest(args=(f"secret{i}x{j}",), expected=f"tag-secret{i}x{j}") for j in range(2))
        return Task(id=f"leak/{i}", entry_point=f"tag{i}", description="Prefix a word with 'tag-'.",
                    examples=shown, hidden_tests=hidden,
                    reference=f"def tag{i}(word):\n    return 'tag-' + word\n")
    return [task(i) for i in range(3)]


@pytest.mark.parametrize("module", ["from-examples", "test-first"])
@pytest.mark.parametrize("name", ["dspy-labeled", "dspy-bootstrap"])
def test_no_hidden_test_reaches_a_prompt_through_demos(name, module, sandbox, small_lm):
    examples = task_examples(leaky_tasks())
    lm = small_lm(SYNTH_PROGRAMS)
    program = build(name, sandbox, lm).compile(build_module(module, sandbox=sandbox), trainset=examples[:2],
                                               valset=examples[2:])
    prompts = json.dumps([entry["messages"] for entry in lm.history])
    assert "tag-alpha" in prompts
    assert "secret" not in prompts
    assert "secret" not in json.dumps(program.dump_state(), default=str)  # nor in the saved program


def test_demo_fields_are_left_out_when_a_predictor_field_is_named_like_a_label(data):
    train, _ = data
    plain = with_demo_fields(build_module("from-examples"), train)
    assert plain[0].code == train[0].reference and set(plain[0].inputs().keys()) == {"task"}
    assert with_demo_fields(build_module("test-first"), train) == train  # its ``tests`` field


# -- the parts ---------------------------------------------------------------------------------


def test_a_refused_call_inside_dspy_gets_past_except_exception(small_lm):
    lm = StoppingLM(small_lm(SYNTH_PROGRAMS), Meter(Budget(max_calls=1)))
    lm(messages=[{"role": "user", "content": "hello"}])
    with pytest.raises(BudgetStop):
        try:
            lm.copy(temperature=1.0)(messages=[{"role": "user", "content": "again"}])
        except Exception:  # what DSPy's evaluators and optimizers do per example
            pytest.fail("BudgetStop must not be an Exception")
    assert not issubclass(BudgetStop, Exception) and lm.meter.spend.calls == 1
    assert BudgetExhausted  # converted back when it leaves DSPy (see the tiny-budget test)


def test_hashed_tfidf_puts_each_task_nearest_itself_the_same_in_every_instance(data):
    train, val = data
    texts = [knn_text(e) for e in (*train, *val)]
    assert texts[0].startswith("task: id='numbers/triangular'")
    embedding = HashedTfidf(dim=512).fit(texts)
    vectors = embedding(texts)
    assert vectors.shape == (len(texts), 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert list((vectors @ vectors.T).argmax(axis=1)) == list(range(len(texts)))
    assert np.array_equal(vectors, HashedTfidf(dim=512).fit(texts)(texts))


def test_gepa_metric_calls_come_from_the_call_budget_unless_given():
    student = build_module("check-refine")  # three LM calls per program call at most
    assert GEPABaseline(budget=Budget(max_calls=30)).metric_calls(student) == 10
    assert GEPABaseline(max_metric_calls=5, budget=Budget(max_calls=30)).metric_calls(student) == 5
    assert GEPABaseline().metric_calls(student) is None  # then auto="light" sizes it
    assert GEPABaseline().estimate_calls(student, 3, 2) > 0


@pytest.mark.slow
def test_simbas_rule_strategy_gets_advice_from_the_offline_backend(sandbox, caplog, small_lm):
    """Where one sample of a task passed and another failed, SIMBA asks for advice per module;
    the backend answers it, and SIMBA turns it into a candidate instruction."""
    suite = load_suite("bundled")
    ids = ("dicts_sets/first_wins", "lists/merge_sorted", "lists/sort_by_magnitude")  # the small synth solves these
    train = task_examples([t for t in suite.tasks if t.id in ids] + suite.split("train")[:3])
    dev = task_examples(suite.split("dev")[:4])
    optimizer = build("simba", sandbox, small_lm(SYNTH_PROGRAMS), bsize=6, num_candidates=3, max_steps=2)
    with caplog.at_level("INFO", logger="dspy.teleprompt.simba_utils"):
        optimizer.compile(build_module("from-examples"), trainset=train, valset=dev)
    advice = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Advice for generate:")]
    assert advice and all("the module should" in a for a in advice)
