"""The optimizers' shared core: the metered LM and its hard budget, trial records, the graceful
stop, tasks as DSPy examples, and the joint TPE search (seeded, resumable, shareable)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import dspy  # noqa: E402
import optuna  # noqa: E402
import pytest  # noqa: E402
from dspy.utils.callback import BaseCallback  # noqa: E402

from codeloop.benchmarks import load_suite  # noqa: E402
from codeloop.benchmarks.rounds import RoundsConfig, initial_view  # noqa: E402
from codeloop.exceptions import BudgetExhausted, ConfigError  # noqa: E402
from codeloop.lm import offline_lm  # noqa: E402
from codeloop.lm._accounting import Budget, Meter, MeteredLM, Spend  # noqa: E402
from codeloop.modules import (  # noqa: E402
    CodeFromExamples,
    build_module,
    max_lm_calls,  # noqa: E402
)
from codeloop.optimizers import (  # noqa: E402
    CodeloopOptimizer,  # noqa: E402
    generation_predictors,
    labeled_demos,
    set_demos,
    set_instructions,
    task_examples,
)
from codeloop.optimizers.joint import JointSearch, open_storage  # noqa: E402
from codeloop.optimizers.joint._choice import Finalist, choose, sign_test_p, significantly_better  # noqa: E402
from codeloop.optimizers.joint._storage import ClaimWatch, fail_orphaned_trials, heartbeat  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)


SYNTH_PROGRAMS = 3000  # the offline LM's search budget in these tests (conftest's small_lm)


DEV_IDS = ("dicts_sets/first_wins", "lists/merge_sorted", "lists/sort_by_magnitude")  # the small synth solves these


def tiny_data():
    suite = load_suite("bundled")
    dev = [t for t in suite.split("dev") if t.id in DEV_IDS] + suite.split("dev")[:2]
    return task_examples(suite.split("train")[:6]), task_examples(dev)


@pytest.fixture(scope="module")
def data():
    return tiny_data()


# -- the meter ----------------------------------------------------------------------------


def test_meter_refuses_past_the_cap_and_stays_refusing():
    meter = Meter(Budget(max_calls=2))
    meter.reserve()
    meter.reserve()
    with pytest.raises(BudgetExhausted, match="2 LM calls"):
        meter.reserve()
    with pytest.raises(BudgetExhausted):
        meter.reserve()
    assert meter.spend == Spend(calls=2, tokens=0) and meter.exhausted


def test_token_cap_refuses_the_call_after_it_is_reached():
    meter = Meter(Budget(max_tokens=100), already=Spend(calls=1, tokens=60))
    meter.reserve()
    meter.add_tokens(50)
    with pytest.raises(BudgetExhausted, match="100 tokens"):
        meter.reserve()


def test_budget_rejects_nonsense():
    with pytest.raises(ValueError):
        Budget(max_calls=0)


class Counter(BaseCallback):
    def __init__(self):
        self.starts = 0

    def on_lm_start(self, call_id, instance, inputs):
        self.starts += 1


def test_metered_lm_counts_every_call_and_tokens_and_keeps_outer_usage_and_callbacks(data, small_lm):
    meter = Meter(Budget(max_calls=3))
    lm = MeteredLM(small_lm(SYNTH_PROGRAMS), meter)
    view = data[0][0].task
    counter = Counter()
    with dspy.context(lm=lm, callbacks=[counter]), dspy.track_usage() as usage:
        code = CodeFromExamples()(task=view).code
        with dspy.context(lm=lm.copy(rollout_id=1, temperature=1.0)):  # a copy shares the meter
            CodeFromExamples()(task=view)
    assert "def " in code
    assert meter.spend.calls == 2 and counter.starts == 2  # the wrapper fires no callbacks of its own
    outer_tokens = sum(v.get("total_tokens", 0) for v in usage.get_total_tokens().values())
    assert meter.spend.tokens == outer_tokens > 0
    assert len(lm.history) == 1 and lm.model.endswith("codeloop-offline")
    with dspy.context(lm=lm):
        CodeFromExamples()(task=view)
        with pytest.raises(BudgetExhausted):
            CodeFromExamples()(task=view)
    assert meter.spend.calls == 3


# -- data and the compile contract --------------------------------------------------------


def test_task_examples_give_the_round_one_view_as_the_only_input():
    task = load_suite("bundled").split("train")[0]
    config = RoundsConfig(k=2, initial="random", seed=3)
    example = task_examples([task], config)[0]
    assert set(example.inputs().keys()) == {"task"}
    assert example.task == initial_view(task, config) and len(example.task.examples) == 2
    assert not hasattr(example.task, "hidden_tests") and example.reference == task.reference
    assert len(example.tests) == len(task.all_tests)


def test_demos_and_instructions_are_set_on_copies(data):
    student = build_module("check-refine")
    names = [name for name, _ in generation_predictors(student)]
    assert names == ["inner.generate"]  # the refiner needs a previous attempt: no demos from tasks
    pool = labeled_demos(student, data[0])
    assert len(pool["inner.generate"]) == 6 and "def " in pool["inner.generate"][0].code
    changed = set_instructions(set_demos(student, {"inner.generate": pool["inner.generate"][:2]}),
                               {"inner.generate": "Sort things."})
    predictor = dict(changed.named_predictors())["inner.generate"]
    assert len(predictor.demos) == 2 and predictor.signature.instructions == "Sort things."
    assert dict(student.named_predictors())["inner.generate"].demos == []


def test_max_lm_calls_bounds_each_module():
    assert max_lm_calls(build_module("from-examples")) == 1
    assert max_lm_calls(build_module("check-refine")) == 3
    assert max_lm_calls(build_module("best-of-n")) == 5
    assert max_lm_calls(build_module("test-first")) == 2


class TwoCandidates(CodeloopOptimizer):
    name = "two"

    def search(self, student, trainset, valset, session):
        pool = labeled_demos(student, trainset)["generate"]
        session.evaluate(set_demos(student, {"generate": pool[:1]}), valset, {"set": 0})
        session.evaluate(set_demos(student, {"generate": pool[1:2]}), valset, {"set": 1})
        return student


def test_budget_stop_returns_the_best_so_far_and_records_every_trial(data, sandbox, small_lm):
    train, dev = data
    optimizer = TwoCandidates(budget=Budget(max_calls=len(dev) + 1), lm=small_lm(SYNTH_PROGRAMS), sandbox=sandbox)
    chosen = optimizer.compile(CodeFromExamples(), trainset=train, valset=dev)
    assert optimizer.budget_exhausted
    states = [t.state for t in optimizer.trials]
    assert states == ["complete", "budget"]
    assert optimizer.spend.calls == len(dev) + 1 == sum(t.lm_calls for t in optimizer.trials)
    assert len(dict(chosen.named_predictors())["generate"].demos) == 1  # the first (scored) candidate


def test_compile_names_what_is_missing(data, small_lm):
    with pytest.raises(ConfigError, match="trainset is empty"):
        TwoCandidates(lm=small_lm(SYNTH_PROGRAMS)).compile(CodeFromExamples(), trainset=[])
    with pytest.raises(ConfigError, match="valset is empty"):  # never scored on the trainset
        TwoCandidates(lm=small_lm(SYNTH_PROGRAMS)).compile(CodeFromExamples(), trainset=data[0])
    with dspy.context(lm=None), pytest.raises(ConfigError, match="no LM"):
        TwoCandidates().compile(CodeFromExamples(), trainset=data[0], valset=data[1])


# -- the joint search ---------------------------------------------------------------------


def fixed_proposer(session, student, trainset, *, n, seed):
    return {name: [p.signature.instructions, "Write the function; keep only items, sort or count as needed."]
            for name, p in generation_predictors(student)}


def logging_proposer(session, student, trainset, *, n, seed):
    """A proposer whose answers differ per process (as a sampled LM's would); it logs each call
    and takes ``PROPOSAL_SECONDS`` (as a real LM's proposals take a while)."""
    with open(os.environ["PROPOSALS_LOG"], "a") as log:
        log.write(f"{os.getpid()}\n")
    time.sleep(float(os.environ.get("PROPOSAL_SECONDS", "0")))
    return {name: [p.signature.instructions, f"Proposal of process {os.getpid()}."]
            for name, p in generation_predictors(student)}


def joint(sandbox, *, lm, **kwargs):
    settings = dict(n_trials=4, minibatch=3, n_demo_sets=3, k_choices=(0, 2), bootstrap=False, full_eval_top=2,
                    proposer=fixed_proposer, lm=lm, sandbox=sandbox, seed=7, num_threads=1)
    settings.update(kwargs)
    return JointSearch(**settings)


def test_joint_search_is_repeatable_with_a_seed(data, sandbox, small_lm):
    train, dev = data
    first, second = joint(sandbox, lm=small_lm(SYNTH_PROGRAMS)), joint(sandbox, lm=small_lm(SYNTH_PROGRAMS))
    a = first.compile(CodeFromExamples(), trainset=train, valset=dev)
    b = second.compile(CodeFromExamples(), trainset=train, valset=dev)
    assert [t.params for t in first.study.trials] == [t.params for t in second.study.trials]
    assert a.dump_state() == b.dump_state()
    assert [t.score for t in first.trials] == [t.score for t in second.trials]
    assert first.spend.calls == sum(t.lm_calls for t in first.trials) > 0
    assert max(t.score for t in first.trials) > 0
    assert first.estimate_calls(CodeFromExamples(), len(train), len(dev)) >= first.spend.calls


def test_joint_search_resumes_without_reevaluating_recorded_trials(data, sandbox, tmp_path, small_lm):
    train, dev = data
    url = f"sqlite:///{tmp_path / 'trials.db'}"
    first = joint(sandbox, lm=small_lm(SYNTH_PROGRAMS), n_trials=2, storage=url, full_eval_top=1)
    first.compile(CodeFromExamples(), trainset=train, valset=dev)
    evaluated_first = {t.number for t in first.study.trials}
    second = joint(sandbox, lm=small_lm(SYNTH_PROGRAMS), n_trials=4, storage=url, full_eval_top=1)
    second.compile(CodeFromExamples(), trainset=train, valset=dev)
    assert second.trials_reused == 2
    evaluated_again = [t.params["optuna_trial"] for t in second.trials if t.kind == "candidate"]
    assert evaluated_again and not set(evaluated_again) & evaluated_first
    assert len([t for t in second.study.trials if t.state == optuna.trial.TrialState.COMPLETE]) == 4
    # the budget counts what the first run spent as well
    assert second.spend.calls >= first.spend.calls


def magic_proposer(session, student, trainset, *, n, seed):
    return {name: [p.signature.instructions, "Use MAGIC."] for name, p in generation_predictors(student)}


def magic_lm():
    """Writes code marked MAGIC exactly when the instruction says MAGIC."""

    def respond(messages, params):
        word = "MAGIC" if "MAGIC" in messages[0]["content"] else "plain"
        return f"[[ ## code ## ]]\ndef f():\n    return '{word}'\n\n[[ ## completed ## ]]"

    return offline_lm(respond, cache=False)


def magic_metric(magic_solves: set[str]):
    """The MAGIC instruction solves ``magic_solves``; the program as given solves nothing."""
    return lambda example, prediction: float("MAGIC" in prediction.code and example.task_id in magic_solves)


def magic_data():
    """Twelve dev tasks: the MAGIC responder and metric need no synthesis, so any task will do."""
    suite = load_suite("bundled")
    return task_examples(suite.split("train")[:4]), task_examples(suite.split("dev")[:12])


@pytest.mark.parametrize(("solves", "alpha", "top", "chosen"), [
    ("5 held out", 0.1, 2, "MAGIC"),  # p = 1/32 on the 8 tasks outside the minibatch
    ("the minibatch", 0.1, 2, "given"),  # picked for its minibatch luck: no evidence elsewhere
    ("the minibatch", 1.0, 2, "MAGIC"),  # no test: any higher dev score wins
    ("1 held out", 0.1, 2, "given"),
    ("the minibatch", 0.1, 1, "MAGIC"),  # one finalist: tested on the minibatch it won (4 of 4: p = 1/16)...
    ("2 in the minibatch", 0.1, 1, "given"),  # ...where 2 wins of 4 are not enough (p = 1/4)
])
def test_the_joint_search_keeps_the_program_as_given_unless_beaten_significantly(sandbox, solves, alpha, top,
                                                                                 chosen):
    train, dev = magic_data()
    opt = joint(sandbox, n_trials=6, minibatch=4, full_eval_top=top, proposer=magic_proposer, lm=magic_lm(),
                accept_alpha=alpha)
    batch = opt._minibatch_indices(len(dev))
    held = [i for i in range(len(dev)) if i not in batch]
    picks = {"5 held out": held[:5], "1 held out": held[:1], "the minibatch": batch, "2 in the minibatch": batch[:2]}
    opt.metric = magic_metric({dev[i].task_id for i in picks[solves]})
    program = opt.compile(CodeFromExamples(), trainset=train, valset=dev)
    assert any(t.params["generate:instruction"] == 1 for t in opt.study.trials if t.params)  # MAGIC was tried
    instruction = generation_predictors(program)[0][1].signature.instructions
    assert ("MAGIC" in instruction) == (chosen == "MAGIC")
    assert opt.choice["as_given"] == (chosen == "given") and (opt.choice["trial"] == 0) == (chosen == "given")
    assert opt.choice["scored_on"] == ("all of dev" if top == 2 else "the minibatch")
    if solves == "5 held out" and alpha < 1:
        assert opt.choice["sign_test_p"] == 1 / 32 and opt.choice["tested_on"] == len(held)


def test_without_paired_scores_the_program_as_given_is_kept(sandbox):
    """Trials of an older study have no per-example scores, and a resumed study may have scored
    on another minibatch: there is then no paired evidence, so nothing replaces the program."""
    train, dev = magic_data()
    opt = joint(sandbox, n_trials=6, minibatch=4, proposer=magic_proposer, lm=magic_lm(),
                metric=magic_metric({e.task_id for e in dev}))
    opt.compile(CodeFromExamples(), trainset=train, valset=dev)
    assert opt.choice["as_given"] is False  # with paired scores, MAGIC (every task solved) wins
    candidates = json.loads(opt.study.user_attrs["codeloop:candidates"])
    trials = {t.number: t for t in opt.study.trials}
    seed, magic = trials[0], trials[opt.choice["trial"]]
    for seed_scores in (None, [0.0, 0.0, 0.0]):  # missing, or scored on three examples, not four
        opt._choose(CodeFromExamples(), candidates, [(0.0, seed_scores, seed), (1.0, [1.0] * 4, magic)], seed, "x")
        assert opt.choice["as_given"] is True and opt.choice["trial"] == 0


def test_the_sign_test_is_exact():
    assert sign_test_p([1, 0, 0], [0, 0, 0]) == 0.5
    assert sign_test_p([1, 1, 1, 1, 0], [0, 0, 0, 0, 0]) == 1 / 16
    assert sign_test_p([1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 0, 1]) == 7 / 64  # five wins, one loss
    assert sign_test_p([0, 1], [0, 1]) == 1.0  # no differences, no evidence
    assert significantly_better([1, 1, 1, 1], [0, 0, 0, 0], 0.1)
    assert not significantly_better([1, 1, 1], [0, 0, 0], 0.1)  # p = 1/8
    assert not significantly_better([0, 0], [0, 0], 1.0)  # alpha 1 still asks for a higher score
    with pytest.raises(ValueError, match="same examples"):
        sign_test_p([1], [0, 0])


def test_the_choice_needs_a_significant_win_on_the_held_out_examples():
    given = Finalist(0.25, [1, 0, 0, 0, 0, 0, 0, 0], 0, 0.25)
    lucky = Finalist(0.375, [1, 1, 0, 0, 0, 0, 0, 0], 3, 0.5)  # one more task: p = 0.5
    strong = Finalist(0.75, [1, 1, 1, 1, 1, 1, 0, 0], 5, 0.5)  # five more: p = 1/32
    assert choose([given, lucky], 0, accept_alpha=0.1, where="dev")["trial"] == 0
    record = choose([given, lucky, strong], 0, accept_alpha=0.1, where="dev")
    assert record["trial"] == 5 and record["as_given"] is False and record["sign_test_p"] == 1 / 32
    assert choose([given, lucky], 0, accept_alpha=1.0, where="dev")["trial"] == 3  # any higher mean
    held_out = [0, 6, 7]  # where the strong one does no better
    assert choose([given, strong], 0, accept_alpha=0.1, where="dev", test_on=held_out)["trial"] == 0
    unpaired = Finalist(0.9, None, 7, 0.9)  # no per-example scores: no evidence
    assert choose([given, unpaired], 0, accept_alpha=0.1, where="dev")["trial"] == 0
    assert choose([lucky, strong], None, accept_alpha=0.1, where="dev")["trial"] == 5  # no program as given


def test_a_joint_demo_set_never_shows_one_task_twice(data, sandbox, small_lm):
    train, dev = data
    opt = joint(sandbox, lm=small_lm(SYNTH_PROGRAMS), n_trials=1, k_choices=(0, 3), n_demo_sets=6)
    student = CodeFromExamples()
    doubled = lambda session, student, trainset, max_tasks: labeled_demos(student, trainset)  # noqa: E731
    opt.bootstrap, opt.bootstrapper = True, doubled  # every task in the pool twice
    opt.compile(student, trainset=train, valset=dev)
    candidates = opt.study.user_attrs["codeloop:candidates"]
    predictor = json.loads(candidates)["predictors"]["generate"]
    assert len(predictor["pool"]) == 2 * len(train)
    for demo_set in predictor["demo_sets"]:
        shown = [json.dumps(predictor["pool"][i]["fields"], sort_keys=True) for i in demo_set]
        assert len(demo_set) == 3 and len(set(shown)) == 3


def test_trials_are_logged_as_they_happen_not_only_at_the_end(data, sandbox, tmp_path):
    train, dev = data
    log = tmp_path / "trials.jsonl"
    log.write_text("a line of an earlier compile\n")
    seen_during: list[int] = []
    scorer = magic_metric({e.task_id for e in dev})

    def metric(example, prediction):
        seen_during.append(len(log.read_text().splitlines()))
        return scorer(example, prediction)

    opt = joint(sandbox, n_trials=3, proposer=magic_proposer, lm=magic_lm(), metric=metric, trial_log=log)
    opt.compile(CodeFromExamples(), trainset=train, valset=dev)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["number"] for line in lines] == [t.number for t in opt.trials]  # this compile's, in order
    assert (tmp_path / "trials.previous.jsonl").read_text() == "a line of an earlier compile\n"  # kept
    assert max(seen_during) >= 2  # later trials were scored while earlier ones were already on disk


def test_a_killed_runs_running_trial_is_marked_failed(tmp_path):
    url = f"sqlite:///{tmp_path / 'trials.db'}"
    storage = open_storage(url)
    study = optuna.create_study(storage=storage, study_name="s", direction="maximize")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    trial = study.ask({"x": optuna.distributions.CategoricalDistribution([0, 1])})
    trial.set_user_attr("pid", int(dead.stdout))
    trial.set_user_attr("host", socket.gethostname())
    alive = study.ask({"x": optuna.distributions.CategoricalDistribution([0, 1])})
    alive.set_user_attr("pid", os.getpid())
    alive.set_user_attr("host", socket.gethostname())
    assert fail_orphaned_trials(study, storage) == 1
    states = {t.number: t.state for t in study.trials}
    assert states == {0: optuna.trial.TrialState.FAIL, 1: optuna.trial.TrialState.RUNNING}


def test_a_trial_whose_process_never_named_itself_is_failed_and_a_live_one_kept(tmp_path, monkeypatch):
    from codeloop.optimizers.joint import _storage

    monkeypatch.setattr(_storage, "ORPHAN_AFTER_S", 0.4)
    storage = open_storage(f"sqlite:///{tmp_path / 'trials.db'}")
    study = optuna.create_study(storage=storage, study_name="s", direction="maximize")
    study.ask()  # its process died before writing its pid
    live = study.ask()  # a live worker, about to write its pid

    def name_itself():
        live.set_user_attr("pid", os.getpid())
        live.set_user_attr("host", socket.gethostname())

    threading.Timer(0.1, name_itself).start()
    assert fail_orphaned_trials(study, storage) == 1
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.FAIL, optuna.trial.TrialState.RUNNING]
    assert fail_orphaned_trials(study, storage) == 0  # already failed: not failed twice, no error


def test_a_trial_failed_by_another_worker_mid_evaluation_is_dropped_and_the_search_goes_on(sandbox, tmp_path):
    train, dev = magic_data()
    url = f"sqlite:///{tmp_path / 'trials.db'}"
    scorer, struck = magic_metric({e.task_id for e in dev}), []

    def metric(example, prediction):
        if not struck:  # another worker judges the running trial orphaned
            study = optuna.load_study(study_name="codeloop-joint", storage=url)
            for trial in study.get_trials(states=(optuna.trial.TrialState.RUNNING,)):
                study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
                struck.append(trial.number)
        return scorer(example, prediction)

    opt = joint(sandbox, n_trials=3, minibatch=4, storage=url, proposer=magic_proposer, lm=magic_lm(),
                metric=metric)
    opt.compile(CodeFromExamples(), trainset=train, valset=dev)
    states = {t.number: t.state for t in opt.study.trials}
    assert struck and all(states[n] == optuna.trial.TrialState.FAIL for n in struck)
    assert sum(s == optuna.trial.TrialState.COMPLETE for s in states.values()) == 3


def test_a_slow_maker_whose_claim_was_taken_over_uses_the_candidates_stored_meanwhile(sandbox, tmp_path):
    train, dev = magic_data()
    url = f"sqlite:///{tmp_path / 'trials.db'}"
    theirs = {}

    def slow_proposer(session, student, trainset, *, n, seed):
        """While this process makes candidates, a waiter takes over and stores its own."""
        study = optuna.load_study(study_name="codeloop-joint", storage=url)
        for trial in study.get_trials(states=(optuna.trial.TrialState.RUNNING,)):
            study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
        theirs["predictors"] = {"generate": {"instructions": ["Theirs."], "pool": [], "demo_sets": [[]]}}
        study.set_user_attr("codeloop:candidates", json.dumps(theirs))
        return magic_proposer(session, student, trainset, n=n, seed=seed)

    opt = joint(sandbox, n_trials=2, minibatch=4, full_eval_top=1, storage=url, proposer=slow_proposer,
                lm=magic_lm(), metric=magic_metric(set()), setup_grace_seconds=0.0)
    program = opt.compile(CodeFromExamples(), trainset=train, valset=dev)  # no error for the failed claim
    assert json.loads(opt.study.user_attrs["codeloop:candidates"]) == theirs
    assert generation_predictors(program)[0][1].signature.instructions == "Theirs."


def test_unknown_storage_is_named():
    with pytest.raises(ConfigError, match="trials.txt"):
        open_storage("trials.txt")


def test_a_claim_is_stale_once_its_heartbeat_stops_moving_on_our_clock():
    now = [0.0]
    watch = ClaimWatch(timeout=10, clock=lambda: now[0])
    beating = optuna.trial.create_trial(state=optuna.trial.TrialState.RUNNING, user_attrs={"heartbeat": 0})
    stopped = optuna.trial.create_trial(state=optuna.trial.TrialState.RUNNING, user_attrs={"heartbeat": 0})
    stopped.number = 1
    assert watch.stale([beating, stopped]) == []
    now[0], beating.user_attrs["heartbeat"] = 9.0, 1
    assert watch.stale([beating, stopped]) == []
    now[0] = 12.0  # the stopped one's counter has not moved for 12 s; the other moved 3 s ago
    assert [t.number for t in watch.stale([beating, stopped])] == [1]


def test_a_maker_on_another_host_whose_heartbeat_stopped_is_taken_over(data, sandbox, tmp_path, small_lm):
    train, dev = data
    url = f"sqlite:///{tmp_path / 'trials.db'}"
    study = optuna.create_study(storage=open_storage(url), study_name="codeloop-joint", direction="maximize")
    foreign = study.ask()
    for key, value in {"codeloop:setup_claim": True, "pid": 1, "host": "elsewhere", "heartbeat": 3}.items():
        foreign.set_user_attr(key, value)  # an earlier claim, cut off mid-setup on another machine
    opt = joint(sandbox, lm=small_lm(SYNTH_PROGRAMS), n_trials=2, storage=url, full_eval_top=1, claim_timeout=1.5,
                setup_grace_seconds=0.1)
    opt.compile(CodeFromExamples(), trainset=train, valset=dev)
    states = {t.number: t.state for t in opt.study.trials}
    assert states[foreign.number] == optuna.trial.TrialState.FAIL
    assert "codeloop:candidates" in opt.study.user_attrs
    assert len([t for t in opt.study.trials if t.state == optuna.trial.TrialState.COMPLETE]) == 2


def test_the_maker_beats_while_it_holds_its_claim(tmp_path):
    study = optuna.create_study(storage=open_storage(f"sqlite:///{tmp_path / 't.db'}"), study_name="s")
    claim = study.ask()
    with heartbeat(claim, interval=0.05):
        time.sleep(0.5)
    beats = study.trials[0].user_attrs["heartbeat"]
    time.sleep(0.2)
    assert beats >= 3 and study.trials[0].user_attrs["heartbeat"] == beats  # stopped with the block


WORKER = textwrap.dedent("""
    import os, sys
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    sys.path.insert(0, {tests!r})
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    from conftest import make_small_lm
    from test_opt_core import SYNTH_PROGRAMS, joint, tiny_data, {proposer}
    from codeloop.execution import Sandbox
    from codeloop.modules import CodeFromExamples
    train, dev = tiny_data()
    with Sandbox(workers=1) as box:
        opt = joint(box, lm=make_small_lm(SYNTH_PROGRAMS), n_trials=6, storage={url!r}, study_name={study!r},
                    full_eval_top=1, proposer={proposer})
        opt.compile(CodeFromExamples(), trainset=train, valset=dev)
    print("evaluated", len([t for t in opt.trials if t.kind == "candidate"]))
""")


def run_two_workers(tmp_path, url: str, study_name: str = "codeloop-joint", *, proposer: str = "fixed_proposer",
                    env: dict[str, str] | None = None) -> optuna.Study:
    """Two processes running the joint search on one study, started together. Checks what
    holds for any storage: both finish, at least the trials asked for complete, each recorded
    trial was evaluated once, and both processes took trials."""
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(tests=os.path.dirname(__file__), url=url, study=study_name, proposer=proposer))
    workers = [subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, **(env or {})}) for _ in range(2)]
    outputs = [w.communicate(timeout=600) for w in workers]
    assert all(w.returncode == 0 for w in workers), [o[1][-2000:] for o in outputs]
    evaluated = [int(o[0].split()[-1]) for o in outputs]
    study = optuna.load_study(study_name=study_name, storage=url)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) >= 6
    fresh = [t for t in complete if "reused_from" not in t.user_attrs]
    assert sum(evaluated) == len(fresh)  # each recorded trial was evaluated once, by one of the workers
    assert {t.user_attrs["pid"] for t in study.trials} == {w.pid for w in workers}  # both took trials
    return study


@pytest.mark.slow
def test_two_worker_processes_share_one_study(tmp_path):
    log = tmp_path / "proposals.log"
    study = run_two_workers(tmp_path, f"sqlite:///{tmp_path / 'shared.db'}", proposer="logging_proposer",
                            env={"PROPOSALS_LOG": str(log), "PROPOSAL_SECONDS": "4"})
    claims = [t for t in study.trials if t.user_attrs.get("codeloop:setup_claim")]
    assert len({t.user_attrs["pid"] for t in claims}) == 2  # both arrived while the candidates were being made
    assert len(log.read_text().split()) == 1  # one process made the candidates; the other used them
