"""Exemplar selection strategies: seeded draws, bootstrapped pools of passing traces only, search
that keeps the best candidate (and the best so far when the budget runs out), retrieval by
similarity with MMR and order policies, a retrieval program that saves and loads, and diverse
sets spread over kinds of task. Most tests use a stub LM and metric, so they run in seconds."""

from __future__ import annotations

import json
import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM must not fetch prices

import dspy  # noqa: E402
import pytest  # noqa: E402
from dspy.utils.dummies import DummyLM  # noqa: E402

from codeloop.benchmarks import Param, Task  # noqa: E402
from codeloop.exceptions import ConfigError  # noqa: E402
from codeloop.execution import IOTest  # noqa: E402
from codeloop.lm._accounting import Budget  # noqa: E402
from codeloop.modules import CodeFromExamples, GenerateCheckRefine, TestFirst, task_inputs  # noqa: E402
from codeloop.optimizers import task_examples  # noqa: E402
from codeloop.optimizers.exemplars._pool import demo_set_candidates, labeled_pool  # noqa: E402
from codeloop.optimizers.exemplars._retrieval import RetrievalProgram  # noqa: E402
from codeloop.optimizers.exemplars._search import Mutation, RandomSearch  # noqa: E402
from codeloop.optimizers.exemplars._strategies import Bootstrapped, Diverse, LabeledRandom, Nearest  # noqa: E402


def make_task(id: str, entry: str, description: str, examples: list, reference: str, params=("xs",)) -> Task:
    return Task(id=id, entry_point=entry, params=tuple(Param(name=p) for p in params), description=description,
                examples=tuple(IOTest(args=args, expected=out) for args, out in examples), reference=reference)


LISTS = [
    make_task("zz-list-sum", "list_sum", "Return the sum of the numbers in the list.",
              [(([1, 2, 3],), 6), (([],), 0), (([5, -1],), 4)], "def list_sum(xs):\n    return sum(xs)"),
    make_task("zz-list-max", "list_max", "Return the largest of the numbers in the list.",
              [(([1, 7, 3],), 7), (([4],), 4), (([-5, -1],), -1)], "def list_max(xs):\n    return max(xs)"),
    make_task("zz-list-neg", "list_negatives", "Count the numbers in the list that are below zero.",
              [(([1, -2, -3],), 2), (([],), 0), (([5],), 0)],
              "def list_negatives(xs):\n    return sum(1 for x in xs if x < 0)"),
]
STRINGS = [
    make_task("zz-str-rev", "text_reverse", "Return the string with its characters in reverse order.",
              [(("abc",), "cba"), (("",), ""), (("ab",), "ba")], "def text_reverse(s):\n    return s[::-1]",
              params=("s",)),
    make_task("zz-str-upper", "text_upper", "Return the string with every character in upper case.",
              [(("abc",), "ABC"), (("a b",), "A B"), (("",), "")], "def text_upper(s):\n    return s.upper()",
              params=("s",)),
    make_task("zz-str-vowels", "text_vowels", "Count the vowel characters in the string.",
              [(("banana",), 3), (("xyz",), 0), (("",), 0)],
              "def text_vowels(s):\n    return sum(c in 'aeiou' for c in s)", params=("s",)),
]
DICTS = [
    make_task("zz-dict-values", "dict_total", "Add up the values of the dictionary.",
              [(({"a": 1, "b": 2},), 3), (({},), 0), (({"x": 5},), 5)],
              "def dict_total(d):\n    return sum(d.values())", params=("d",)),
    make_task("zz-dict-keys", "dict_sorted_keys", "Return the keys of the dictionary in sorted order.",
              [(({"b": 1, "a": 2},), ["a", "b"]), (({},), []), (({"x": 5},), ["x"])],
              "def dict_sorted_keys(d):\n    return sorted(d)", params=("d",)),
    make_task("zz-dict-invert", "dict_invert", "Swap the keys and the values of the dictionary.",
              [(({"a": 1},), {1: "a"}), (({},), {}), (({"x": "y"},), {"y": "x"})],
              "def dict_invert(d):\n    return {v: k for k, v in d.items()}", params=("d",)),
]
ALL = LISTS + STRINGS + DICTS
TASKS = {t.id: t for t in ALL}


def stub_lm() -> DummyLM:
    """Answers every code request with the same function (calls still go through the metered LM)."""
    return DummyLM({"function_header": {"code": "def f(xs):\n    return 0"}})


class DemoEcho(dspy.Module):
    """A generator whose "code" names the tasks of its demos, after one real LM call: a metric
    can then score a candidate by the demos it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.generate = dspy.Predict("examples, function_header, description, feedback -> code")

    def forward(self, task):
        self.generate(**task_inputs(task), feedback="")
        return dspy.Prediction(code=",".join(d["task_id"] for d in self.generate.demos))


def demo_score(example, prediction) -> float:
    """1 per example when the demos include a dict task, plus a little per list task (so sets rank)."""
    shown = prediction.code.split(",")
    return 0.5 * any(s.startswith("zz-dict") for s in shown) + 0.1 * sum(s.startswith("zz-list") for s in shown)


def demo_ids(program: dspy.Module) -> list[list[str]]:
    return [[d["task_id"] for d in p.demos] for _, p in program.named_predictors()]


# -- labeled-random ---------------------------------------------------------------------------

def test_labeled_random_draws_k_references_seeded_and_free(sandbox):
    train = task_examples(ALL)

    def compiled(seed):
        opt = LabeledRandom(k=3, seed=seed, sandbox=sandbox, lm=stub_lm())
        program = opt.compile(CodeFromExamples(), trainset=train)
        return opt, program

    opt, program = compiled(0)
    demos = program.generate.demos
    assert len(demos) == 3 and len({d["task_id"] for d in demos}) == 3
    assert all(d.code == TASKS[d["task_id"]].reference for d in demos)
    assert opt.spend.calls == 0 and opt.trials == [] and opt.estimate_calls(CodeFromExamples(), 9, 4) == 0
    assert demo_ids(compiled(0)[1]) == demo_ids(program)
    assert demo_ids(compiled(1)[1]) != demo_ids(program)


def test_labeled_random_evaluation_is_optional_and_budget_keeps_the_choice(sandbox):
    train, dev = task_examples(ALL[:6]), task_examples(ALL[6:])
    opt = LabeledRandom(k=2, evaluate=True, budget=Budget(max_calls=2), sandbox=sandbox, lm=stub_lm())
    program = opt.compile(CodeFromExamples(), trainset=train, valset=dev)
    assert len(program.generate.demos) == 2  # chosen before scoring: a spent budget loses only the score
    assert opt.budget_exhausted and opt.trials[-1].state == "budget"
    assert opt.estimate_calls(CodeFromExamples(), 6, 3) == 3


def test_module_without_generation_predictor_is_named(sandbox):
    with pytest.raises(ConfigError, match="TestFirst has no generation predictor"):
        LabeledRandom(sandbox=sandbox, lm=stub_lm()).compile(TestFirst(), trainset=task_examples(ALL))


# -- bootstrapped -----------------------------------------------------------------------------

def test_bootstrapped_keeps_only_passing_traces(sandbox):
    passing = {"zz-list-sum", "zz-str-rev", "zz-dict-keys"}
    metric = lambda example, prediction: float(example.task_id in passing)  # noqa: E731
    train = task_examples(ALL)
    student = GenerateCheckRefine(CodeFromExamples(), max_iters=1, sandbox=sandbox)
    opt = Bootstrapped(metric, k=5, num_threads=2, sandbox=sandbox, lm=stub_lm())
    program = opt.compile(student, trainset=train)
    demos = program.inner.generate.demos
    assert {d["task_id"] for d in demos} == passing  # k=5, only 3 passed
    for demo in demos:  # what the generator saw, with the program's (passing) code
        view = next(e.task for e in train if e.task_id == demo["task_id"])
        assert demo.examples == task_inputs(view)["examples"] and demo.code.strip() == "def f(xs):\n    return 0"
        assert demo.feedback == ""
    assert [t.kind for t in opt.trials] == ["bootstrap"]
    assert opt.trials[0].lm_calls == len(ALL) == opt.spend.calls
    assert opt.trials[0].params == {"n_tasks": len(ALL), "passed": 3}
    assert opt.estimate_calls(student, len(ALL), 3) >= opt.spend.calls


def test_bootstrapped_keeps_what_passed_before_the_budget_ran_out(sandbox):
    opt = Bootstrapped(lambda e, p: 1.0, k=5, num_threads=1, budget=Budget(max_calls=3), sandbox=sandbox,
                       lm=stub_lm())
    program = opt.compile(CodeFromExamples(), trainset=task_examples(ALL))
    assert opt.budget_exhausted and opt.trials[0].state == "budget" and opt.spend.calls == 3
    assert sorted(d["task_id"] for d in program.generate.demos) == sorted(t.id for t in ALL[:3])


def test_bootstrapped_with_nothing_passing_returns_the_student(sandbox):
    opt = Bootstrapped(lambda e, p: 0.0, max_bootstrap=2, sandbox=sandbox, lm=stub_lm())
    program = opt.compile(CodeFromExamples(), trainset=task_examples(ALL))
    assert program.generate.demos == [] and opt.spend.calls == 2


# -- random search and mutation ---------------------------------------------------------------

def test_demo_set_candidates_are_distinct_seeded_and_never_repeat_a_task():
    pool = labeled_pool(CodeFromExamples(), task_examples(ALL))
    sets = demo_set_candidates(pool, m=20, k_choices=(1, 2, 3), seed=7)
    assert len(sets) == 20 and len({tuple(s["generate"]) for s in sets}) == 20
    assert {len(s["generate"]) for s in sets} == {1, 2, 3}
    for s in sets:
        tasks = [pool["generate"][i]["task_id"] for i in s["generate"]]
        assert len(set(tasks)) == len(tasks)
    assert demo_set_candidates(pool, m=20, k_choices=(1, 2, 3), seed=7) == sets
    assert demo_set_candidates(pool, m=20, k_choices=(1, 2, 3), seed=8) != sets
    assert len(demo_set_candidates({"generate": pool["generate"][:2]}, m=10, k_choices=(1,), seed=0)) == 2


def test_random_search_scores_m_candidates_and_keeps_the_best(sandbox):
    train, dev = task_examples(ALL), task_examples(ALL[:2])
    opt = RandomSearch(demo_score, m=6, k=2, seed=3, num_threads=2, sandbox=sandbox, lm=stub_lm())
    program = opt.compile(DemoEcho(), trainset=train, valset=dev)
    candidates = [t for t in opt.trials if t.kind == "candidate"]
    assert len(candidates) == 6 and all(t.lm_calls == 2 and t.n_examples == 2 for t in candidates)
    best = max(candidates, key=lambda t: t.score)  # max() keeps the first of equals, as the search does
    assert demo_ids(program) == [best.params["demos"]["generate"]]
    assert best.score == max(t.score for t in candidates) > min(t.score for t in candidates)
    assert opt.spend.calls == 12 <= opt.estimate_calls(DemoEcho(), len(train), len(dev))
    json.dumps([t.model_dump() for t in opt.trials])  # trial records are plain JSON


def test_random_search_minibatch_then_final_and_searched_k_and_order(sandbox):
    train, dev = task_examples(ALL), task_examples(ALL[:4])
    opt = RandomSearch(demo_score, m=5, k_choices=(1, 2, 3), orders=("ascending", "descending", "random"),
                       minibatch=2, n_final=2, seed=1, sandbox=sandbox, lm=stub_lm())
    program = opt.compile(DemoEcho(), trainset=train, valset=dev)
    candidates = [t for t in opt.trials if t.kind == "candidate"]
    finals = [t for t in opt.trials if t.kind == "final"]
    assert all(t.n_examples == 2 for t in candidates) and [t.n_examples for t in finals] == [4, 4]
    top = sorted(candidates, key=lambda t: (-t.score, t.number))[:2]  # the 2 best go on to the whole valset
    assert [f.params["candidate_trial"] for f in finals] == [t.number for t in top]
    chosen = opt.trials[max(finals, key=lambda f: f.score).params["candidate_trial"]]
    assert demo_ids(program) == [chosen.params["demos"]["generate"]]
    assert len({t.params["k"] for t in candidates}) > 1 and len({t.params["order"] for t in candidates}) > 1
    assert opt.spend.calls == 5 * 2 + 2 * 4 == opt.estimate_calls(DemoEcho(), len(train), len(dev))


def test_budget_exhaustion_returns_the_best_so_far(sandbox):
    train, dev = task_examples(ALL), task_examples(ALL[:2])
    opt = RandomSearch(demo_score, m=10, k=2, seed=3, num_threads=1, budget=Budget(max_calls=7),
                       sandbox=sandbox, lm=stub_lm())
    program = opt.compile(DemoEcho(), trainset=train, valset=dev)
    complete = [t for t in opt.trials if t.state == "complete"]
    assert opt.budget_exhausted and len(complete) == 3 and opt.trials[-1].state == "budget"
    assert opt.spend.calls == 7
    assert demo_ids(program) == [max(complete, key=lambda t: t.score).params["demos"]["generate"]]


def test_random_search_over_both_pools_bootstraps_first(sandbox):
    def metric(example, prediction):  # the student alone passes one task; candidates score by their demos
        return 1.0 if example.task_id == "zz-str-rev" else demo_score(example, prediction)

    train, dev = task_examples(ALL), task_examples(ALL[:1])
    opt = RandomSearch(metric, m=3, k=2, pool="both", sandbox=sandbox, lm=stub_lm())
    opt.compile(DemoEcho(), trainset=train, valset=dev)
    assert [t.kind for t in opt.trials] == ["bootstrap", "candidate", "candidate", "candidate"]
    assert opt.trials[0].params == {"n_tasks": 9, "passed": 1}
    indices = [i for t in opt.trials[1:] for i in t.params["indices"]["generate"]]
    assert max(indices) <= len(ALL)  # 9 labeled demos and 1 bootstrapped one
    assert opt.spend.calls == 9 + 3 == opt.estimate_calls(DemoEcho(), 9, 1)


def test_mutation_evolves_distinct_sets_and_keeps_the_fittest(sandbox):
    train, dev = task_examples(ALL), task_examples(ALL[:1])
    opt = Mutation(demo_score, population=3, offspring=3, generations=2, k_choices=(2, 3),
                   orders=("ascending", "random"), seed=0, sandbox=sandbox, lm=stub_lm())
    program = opt.compile(DemoEcho(), trainset=train, valset=dev)
    candidates = [t for t in opt.trials if t.kind == "candidate"]
    assert len(candidates) == 3 + 2 * 3 == opt.spend.calls == opt.estimate_calls(DemoEcho(), 9, 1)
    assert [t.params["generation"] for t in candidates] == [0] * 3 + [1] * 3 + [2] * 3
    keys = {(json.dumps(t.params["indices"]), t.params["order"]) for t in candidates}
    assert len(keys) == len(candidates)
    best = max(candidates, key=lambda t: t.score)
    assert demo_ids(program) == [best.params["demos"]["generate"]]
    assert best.score >= max(t.score for t in candidates[:3])


# -- nearest and the retrieval program --------------------------------------------------------

def pool_of(tasks, program=None):
    return labeled_pool(program or CodeFromExamples(), task_examples(tasks))


def query(entry, examples, params=("xs",), id="zz-query"):
    """A task as an optimizer's examples show it (round 1: examples, no description)."""
    return task_examples([make_task(id, entry, "", examples, "", params=params)])[0].task


SUM_QUERY = query("list_sum", [(([4, 5],), 9), (([],), 0)])


def test_nearest_puts_the_closest_last_ascending_and_first_descending():
    pool = pool_of(STRINGS + DICTS + LISTS)
    picked = {}
    for order in ("ascending", "descending"):
        program = RetrievalProgram(CodeFromExamples(), pool, k=3, order=order)
        picked[order] = [pool["generate"][i]["task_id"] for i in program.select(SUM_QUERY)["generate"]]
    assert picked["ascending"][-1] == "zz-list-sum" and picked["descending"][0] == "zz-list-sum"
    assert picked["descending"] == picked["ascending"][::-1]
    assert all(t.startswith("zz-list") for t in picked["ascending"])
    own = RetrievalProgram(CodeFromExamples(), pool, k=3).select(task_examples(LISTS)[0].task)["generate"]
    assert "zz-list-sum" not in [pool["generate"][i]["task_id"] for i in own]  # never its own answer


def test_mmr_drops_a_near_duplicate():
    twin = make_task("zz-list-sum-twin", "list_sum", "Return the sum of the numbers in the list.",
                     [(([1, 2, 3],), 6), (([],), 0), (([5, -2],), 3)], "def list_sum(xs):\n    return sum(xs)")
    pool = pool_of([LISTS[0], twin, *STRINGS, LISTS[2]])
    ids = lambda lam: [pool["generate"][i]["task_id"]  # noqa: E731
                       for i in RetrievalProgram(CodeFromExamples(), pool, k=2, mmr_lambda=lam)
                       .select(SUM_QUERY)["generate"]]
    assert set(ids(1.0)) == {"zz-list-sum", "zz-list-sum-twin"}
    assert len({"zz-list-sum", "zz-list-sum-twin"} & set(ids(0.5))) == 1


def test_retrieval_program_saves_and_loads(tmp_path, small_lm):
    pool = pool_of(ALL)
    original = RetrievalProgram(CodeFromExamples(), pool, k=2, mmr_lambda=0.6, order="random", seed=5)
    path = tmp_path / "retrieval.json"
    original.save(path)
    assert "zz-dict-invert" in path.read_text()
    loaded = RetrievalProgram(CodeFromExamples())
    loaded.load(path)
    assert (loaded.k, loaded.mmr_lambda, loaded.order, loaded.seed) == (2, 0.6, "random", 5)
    views = [SUM_QUERY, *(e.task for e in task_examples([STRINGS[1], DICTS[0]]))]
    assert [loaded.select(v) for v in views] == [original.select(v) for v in views]
    lm = small_lm(5000)
    with dspy.context(lm=lm):
        assert loaded(task=SUM_QUERY).code == original(task=SUM_QUERY).code
    prompt = "\n".join(m["content"] for entry in lm.history for m in entry["messages"])
    assert "zz-list" not in prompt and "zz-dict" not in prompt  # task ids are labels, never prompt text
    with pytest.raises(ConfigError, match="not a saved RetrievalProgram"):
        RetrievalProgram(CodeFromExamples()).load_state({"generate": {}})


def test_nearest_compiles_to_a_retrieval_program_without_lm_calls(sandbox):
    opt = Nearest(k=2, sandbox=sandbox, lm=stub_lm())
    program = opt.compile(CodeFromExamples(), trainset=task_examples(ALL))
    assert isinstance(program, RetrievalProgram) and opt.spend.calls == 0
    assert len(program.demos_for(SUM_QUERY)["generate"]) == 2
    with pytest.raises(ConfigError, match="'order' parameter of nearest"):
        Nearest(order="closest-first", sandbox=sandbox, lm=stub_lm()).compile(
            CodeFromExamples(), trainset=task_examples(ALL))


# -- diverse ----------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["kmeans", "mmr"])
def test_diverse_spreads_over_kinds_of_task(sandbox, method):
    train = task_examples([LISTS[0], STRINGS[0], DICTS[0], LISTS[1], STRINGS[1], DICTS[1], LISTS[2], STRINGS[2],
                           DICTS[2]])
    chosen = []
    for seed in (0, 0, 1):
        opt = Diverse(k=3, method=method, seed=seed, sandbox=sandbox, lm=stub_lm())
        chosen.append(demo_ids(opt.compile(CodeFromExamples(), trainset=train))[0])
        assert opt.spend.calls == 0
    for ids in chosen:
        assert sorted(i.split("-")[1] for i in ids) == ["dict", "list", "str"]
    assert chosen[0] == chosen[1]
