"""The joint search: instructions, demo sets and k per predictor, chosen by TPE under one budget.

Candidates are made once (instruction proposals, and a demo pool of reference solutions
plus the program's own passing traces) and stored in the Optuna study, so every process
sharing the study, and every resumed run, searches the same space. The first trial is the
program as given (its own instruction, no demos). Each trial is one configuration scored on
a fixed, seeded minibatch of dev; trials stop early enough to leave budget for scoring the
finalists (the best by minibatch, and the program as given) on all of dev, where the best
must beat the program as given significantly, task by task (``_selection``), to be chosen.
Every result is written to the study before it is used: a run killed with SIGKILL and
started again on the same storage re-evaluates nothing already recorded (a trial that was
running when the process died is marked failed, and its configuration may be sampled again).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from typing import Any

import dspy
import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState

from ...exceptions import BudgetExhausted
from ...lm import Spend
from ...modules import max_lm_calls
from .._base import CodeloopOptimizer, Session, check, check_count
from .._program_edits import (
    demo_from_record,
    demo_record,
    generation_predictors,
    labeled_demos,
    set_demos,
    set_instructions,
)
from ._choice import Finalist, choose
from ._storage import ClaimWatch, fail_orphaned_trials, fail_trial, heartbeat, open_storage

logger = logging.getLogger(__name__)

CANDIDATES_ATTR = "codeloop:candidates"
SETUP_SPEND_ATTR = "codeloop:setup_spend"
SETUP_ATTR = "codeloop:setup_claim"


def _distinct_tasks(demos: Sequence[dspy.Example], order: Sequence[int], size: int) -> list[int]:
    """The first ``size`` demos in ``order`` that show different tasks: the pool holds a task's
    reference and may hold the program's own trace of it, and one set should not show both."""
    chosen, seen = [], set()
    for i in order:
        demo = demos[int(i)]
        task = json.dumps({f: str(v) for f, v in demo.inputs().items() if f != "feedback"}, sort_keys=True)
        if task not in seen:
            seen.add(task)
            chosen.append(int(i))
        if len(chosen) == size:
            break
    return chosen


class JointSearch(CodeloopOptimizer):
    """TPE (Optuna) over (instruction, demo set, k) for every generation predictor.

    ``proposer(session, student, trainset, n=, seed=)`` gives instruction candidates per
    predictor (default: APE-style proposals); ``bootstrapper(session, student, trainset, max_tasks=)``
    adds the program's own passing traces on ``bootstrap_tasks`` train tasks to the demo pool
    (default: bootstrapping).
    ``storage`` keeps the trials (``None``: in memory; a SQLite URL or journal path for a
    resumable run; a PostgreSQL URL for several workers on one study). ``n_trials`` counts
    the study's completed trials, whoever ran them. Configurations already evaluated are
    not paid for again: their recorded score is reused.
    ``claim_timeout``: seconds without a heartbeat after which another worker's claim to make
    the candidates is taken over (a worker on another host cannot be checked by pid).
    ``accept_alpha``: the chosen trial replaces the program as given only if it wins on
    significantly more of the same dev tasks than it loses (one-sided exact sign test at this
    level, on the dev tasks outside the minibatch the finalists were picked on; ``1.0``
    accepts any higher score on all of dev). On a few dozen tasks, one more solved is noise.
    """

    name = "joint"

    def __init__(self, metric: Callable | None = None, *, n_trials: int = 16, minibatch: int = 8,
                 n_instructions: int = 3, n_demo_sets: int = 6, k_choices: Sequence[int] = (0, 1, 2, 3),
                 bootstrap: bool = True, bootstrap_tasks: int = 16, full_eval_top: int = 2, storage: str | None = None,
                 study_name: str = "codeloop-joint", proposer: Callable | None = None,
                 bootstrapper: Callable | None = None, setup_grace_seconds: float = 1.0, accept_alpha: float = 0.1,
                 claim_timeout: float = 120.0, **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.n_trials = n_trials
        self.accept_alpha = accept_alpha
        self.minibatch = minibatch
        self.n_instructions = n_instructions
        self.n_demo_sets = n_demo_sets
        self.k_choices = k_choices
        self.bootstrap = bootstrap
        self.bootstrap_tasks = bootstrap_tasks
        self.full_eval_top = full_eval_top
        self.storage = storage
        self.study_name = study_name
        self.proposer = proposer
        self.bootstrapper = bootstrapper
        self.setup_grace_seconds = setup_grace_seconds
        self.claim_timeout = claim_timeout
        self.trials_reused = 0
        self.study: optuna.Study | None = None
        #: how the program was chosen: the trial, whether it is the program as given, the
        #: finalists' scores, and the sign test's p-value against the program as given
        self.choice: dict[str, Any] | None = None

    def validate(self) -> None:
        super().validate()
        for name in ("n_trials", "minibatch", "n_instructions", "n_demo_sets", "full_eval_top"):
            check_count(self.name, name, getattr(self, name))
        sizes = list(self.k_choices)
        check(self.name, "k_choices", sizes, bool(sizes) and all(isinstance(k, int) and k >= 0 for k in sizes),
              "a non-empty list of demo counts >= 0")
        check(self.name, "claim_timeout", self.claim_timeout, self.claim_timeout > 0,
              "a positive number of seconds")
        check(self.name, "accept_alpha", self.accept_alpha, 0.0 < self.accept_alpha <= 1.0,
              "in (0, 1] (1 accepts any higher score)")

    def _sizes(self) -> tuple[int, ...]:
        return tuple(sorted({int(k) for k in self.k_choices}))

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        per = max_lm_calls(student)
        predictors = max(1, len(generation_predictors(student)))
        setup = predictors * self.n_instructions + (per * min(n_train, self.bootstrap_tasks) if self.bootstrap else 0)
        return setup + self.n_trials * min(self.minibatch, n_dev) * per + self.full_eval_top * n_dev * per

    # -- candidates ------------------------------------------------------------------------

    def _make_candidates(self, student: dspy.Module, trainset: list[dspy.Example],
                         session: Session) -> dict[str, Any]:
        proposer, bootstrapper = self.proposer, self.bootstrapper
        if proposer is None:
            from ..instructions._methods import propose_instructions as proposer
        if bootstrapper is None and self.bootstrap:
            from ..exemplars._strategies import bootstrap_pool as bootstrapper
        instructions = proposer(session, student, trainset, n=self.n_instructions, seed=self.seed)
        pool = labeled_demos(student, trainset)
        if self.bootstrap:
            for name, demos in bootstrapper(session, student, trainset, max_tasks=self.bootstrap_tasks).items():
                pool.setdefault(name, []).extend(demos)
        rng = np.random.default_rng(self.seed)
        k_max = max(self._sizes())
        predictors: dict[str, Any] = {}
        for name, predictor in generation_predictors(student):
            demos = pool.get(name, [])
            sets = [_distinct_tasks(demos, rng.permutation(len(demos)), k_max) for _ in range(self.n_demo_sets)]
            predictors[name] = {"instructions": instructions.get(name) or [predictor.signature.instructions],
                                "pool": [demo_record(d) for d in demos], "demo_sets": sets}
        return {"predictors": predictors}

    def _candidates(self, study: optuna.Study, storage: optuna.storages.BaseStorage, student: dspy.Module,
                    trainset: list[dspy.Example], session: Session) -> dict[str, Any]:
        """The study's candidates; made here if this process is elected to make them.

        Workers starting together must all search the same candidates (a trial's parameters
        are indices into them), and a real LM proposes different ones each time. So each
        worker claims with a marked trial, waits a moment for earlier claims to be marked,
        and only the lowest claim makes and stores the candidates; the others wait for them,
        taking over if the maker's process dies (seen by pid on this host, and by a heartbeat
        that stops for ``claim_timeout`` seconds on any host).
        """
        stored = study.user_attrs.get(CANDIDATES_ATTR)
        if stored is not None:
            session.meter.add(Spend(**study.user_attrs.get(SETUP_SPEND_ATTR, {})))
            return json.loads(stored)
        if isinstance(storage, optuna.storages.InMemoryStorage):  # nobody else can see this study
            return self._store_candidates(study, student, trainset, session)
        claim = study.ask()
        claim.set_user_attr(SETUP_ATTR, True)
        claim.set_user_attr("pid", os.getpid())
        claim.set_user_attr("host", socket.gethostname())
        watch = ClaimWatch(self.claim_timeout)
        try:
            with heartbeat(claim, self.claim_timeout / 4):
                time.sleep(self.setup_grace_seconds)
                while (stored := study.user_attrs.get(CANDIDATES_ATTR)) is None:
                    claims = [t for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
                              if t.user_attrs.get(SETUP_ATTR)]
                    if min((t.number for t in claims), default=claim.number) == claim.number:
                        return self._store_candidates(study, student, trainset, session)
                    fail_orphaned_trials(study, storage)  # a dead maker's claim (this host) no longer blocks
                    for stale in watch.stale([t for t in claims if t.number != claim.number]):
                        logger.warning("joint: the candidates' maker (pid %s on %s) has sent no heartbeat for "
                                       "%.0f s; taking over", stale.user_attrs.get("pid"),
                                       stale.user_attrs.get("host"), self.claim_timeout)
                        fail_trial(storage, stale)
                    time.sleep(1.0)
            session.meter.add(Spend(**study.user_attrs.get(SETUP_SPEND_ATTR, {})))
            return json.loads(stored)
        finally:
            # a claim is not a trial of the search (and a waiter may have failed it already)
            study.tell(claim, state=TrialState.FAIL, skip_if_finished=True)

    def _store_candidates(self, study: optuna.Study, student: dspy.Module, trainset: list[dspy.Example],
                          session: Session) -> dict[str, Any]:
        before = session.meter.spend
        candidates = self._make_candidates(student, trainset, session)
        stored = study.user_attrs.get(CANDIDATES_ATTR)
        if stored is not None:  # a waiter took over while this process was slow: use theirs
            logger.warning("joint: another worker stored the candidates while this one made them; using theirs")
            return json.loads(stored)
        study.set_user_attr(SETUP_SPEND_ATTR, (session.meter.spend - before).model_dump())
        study.set_user_attr(CANDIDATES_ATTR, json.dumps(candidates))
        return candidates

    # -- search ----------------------------------------------------------------------------

    def _distributions(self, candidates: dict[str, Any]) -> dict[str, CategoricalDistribution]:
        out = {}
        for name, c in candidates["predictors"].items():
            out[f"{name}:instruction"] = CategoricalDistribution(list(range(len(c["instructions"]))))
            out[f"{name}:demo_set"] = CategoricalDistribution(list(range(len(c["demo_sets"]))))
            out[f"{name}:k"] = CategoricalDistribution(list(self._sizes()))
        return out

    @staticmethod
    def _effective(candidates: dict[str, Any], params: dict[str, Any]) -> str:
        """The program a trial describes, as a key: different (demo set, k) pairs can pick the
        same demos (k=0, or k beyond the set), and such trials are the same program."""
        parts = {}
        for name, c in candidates["predictors"].items():
            chosen = c["demo_sets"][params[f"{name}:demo_set"]][: params[f"{name}:k"]]
            parts[name] = [params[f"{name}:instruction"], chosen]
        return json.dumps(parts, sort_keys=True)

    def build(self, student: dspy.Module, candidates: dict[str, Any], params: dict[str, Any]) -> dspy.Module:
        """The program a trial's parameters describe."""
        instructions, demos = {}, {}
        for name, c in candidates["predictors"].items():
            instructions[name] = c["instructions"][params[f"{name}:instruction"]]
            chosen = c["demo_sets"][params[f"{name}:demo_set"]][: params[f"{name}:k"]]
            demos[name] = [demo_from_record(c["pool"][i]) for i in chosen]
        return set_demos(set_instructions(student, instructions), demos)

    def _minibatch_indices(self, n_dev: int) -> list[int]:
        if n_dev <= self.minibatch:
            return list(range(n_dev))
        rng = np.random.default_rng([self.seed, 1])
        return sorted(int(i) for i in rng.choice(n_dev, size=self.minibatch, replace=False))

    def _minibatch(self, valset: list[dspy.Example]) -> list[dspy.Example]:
        return [valset[i] for i in self._minibatch_indices(len(valset))]

    @staticmethod
    def _recorded_spend(study: optuna.Study) -> Spend:
        """What earlier runs on this study spent and recorded: every trial (failed ones too) and
        every full evaluation. Work of a trial killed mid-evaluation was never recorded."""
        trials = study.get_trials(deepcopy=False)
        finals = [v for k, v in study.user_attrs.items() if k.startswith("codeloop:full:") and isinstance(v, dict)]
        return Spend(calls=sum(t.user_attrs.get("lm_calls", 0) for t in trials) + sum(f["lm_calls"] for f in finals),
                     tokens=sum(t.user_attrs.get("tokens", 0) for t in trials) + sum(f["tokens"] for f in finals))

    def _completed(self, study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
        return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))

    def search(self, student: dspy.Module, trainset: list[dspy.Example], valset: list[dspy.Example],
               session: Session) -> dspy.Module:
        self.choice = None
        storage = open_storage(self.storage)
        study = optuna.create_study(storage=storage, study_name=self.study_name, direction="maximize",
                                    load_if_exists=True)
        # A resumed run must not replay the first run's random draws: seed by what is recorded.
        study.sampler = optuna.samplers.TPESampler(seed=self.seed + len(study.trials))
        self.study = study
        orphaned = fail_orphaned_trials(study, storage)
        if orphaned:
            logger.info("joint: %d trial(s) of a killed run marked failed", orphaned)
        self.trials_reused = len(self._completed(study))
        session.meter.add(self._recorded_spend(study))
        candidates = self._candidates(study, storage, student, trainset, session)
        distributions = self._distributions(candidates)
        batch = self._minibatch(valset)
        if not any(t.params == self._seed_params(candidates) for t in study.get_trials(deepcopy=False)):
            study.enqueue_trial(self._seed_params(candidates), skip_if_exists=True)  # the program as given
        per_trial = len(batch) * max_lm_calls(student)
        reserve = self._final_reserve(session, len(valset) * max_lm_calls(student))
        try:
            while len(self._completed(study)) < self.n_trials:
                left = session.meter.remaining_calls()
                if left is not None and left - per_trial < reserve:
                    if reserve:
                        logger.info("joint: stopping trials to keep %d LM calls for the final evaluation", reserve)
                    else:
                        logger.info("joint: %d LM calls left, fewer than one more trial needs", left)
                    break
                self._one_trial(study, student, candidates, distributions, batch, session)
        except BudgetExhausted:
            logger.warning("joint: budget spent after %d trials; choosing among them", len(self._completed(study)))
            self.budget_exhausted = True
        if reserve == 0 and session.meter.remaining_calls() is not None:
            # The budget could never pay for the full evaluations: choose by minibatch, ties to the earliest.
            completed = [t for t in self._completed(study) if "reused_from" not in t.user_attrs]
            return self._best_by_minibatch(student, candidates, completed) if completed else student
        return self._final(study, student, candidates, valset, session)

    @staticmethod
    def _seed_params(candidates: dict[str, Any]) -> dict[str, Any]:
        """The student as given: its own instruction (the first candidate) and no demos."""
        params: dict[str, Any] = {}
        for name in candidates["predictors"]:
            params.update({f"{name}:instruction": 0, f"{name}:demo_set": 0, f"{name}:k": 0})
        return params

    def _final_reserve(self, session: Session, full_cost: int) -> int:
        """LM calls kept for scoring the finalists on all of dev, if the budget can afford it at
        all (otherwise the choice falls back to minibatch scores)."""
        left = session.meter.remaining_calls()
        reserve = self.full_eval_top * full_cost
        if left is None or left >= 2 * reserve:
            return reserve
        return 0

    def _one_trial(self, study: optuna.Study, student: dspy.Module, candidates: dict[str, Any],
                   distributions: dict[str, CategoricalDistribution], batch: list[dspy.Example],
                   session: Session) -> None:
        trial = study.ask(distributions)
        try:
            self._run_trial(study, trial, student, candidates, batch, session)
        except optuna.exceptions.UpdateFinishedTrialError:
            # another worker judged this trial orphaned (this process stalled for long): its
            # result is dropped, and the search goes on
            logger.warning("joint: trial %d was marked failed by another worker; its result is dropped", trial.number)

    def _run_trial(self, study: optuna.Study, trial: optuna.Trial, student: dspy.Module,
                   candidates: dict[str, Any], batch: list[dspy.Example], session: Session) -> None:
        trial.set_user_attr("pid", os.getpid())
        trial.set_user_attr("host", socket.gethostname())
        key = self._effective(candidates, trial.params)
        trial.set_user_attr("codeloop:effective", key)
        same = next((t for t in self._completed(study) if t.user_attrs.get("codeloop:effective") == key), None)
        if same is not None:  # TPE proposed a configuration already scored: reuse it for free
            trial.set_user_attr("reused_from", same.number)
            trial.set_user_attr("lm_calls", 0)
            study.tell(trial, same.value)
            return
        program = self.build(student, candidates, trial.params)
        try:
            evaluation = session.evaluate(program, batch, {"optuna_trial": trial.number, **trial.params})
        except BudgetExhausted:
            spent = session.trials[-1] if session.trials else None
            with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
                if spent is not None:
                    trial.set_user_attr("lm_calls", spent.lm_calls)
                    trial.set_user_attr("tokens", spent.tokens)
                study.tell(trial, state=TrialState.FAIL, skip_if_finished=True)
            raise
        trial.set_user_attr("lm_calls", evaluation.trial.lm_calls)
        trial.set_user_attr("tokens", evaluation.trial.tokens)
        trial.set_user_attr("scores", evaluation.scores)
        study.tell(trial, evaluation.score)

    def _final(self, study: optuna.Study, student: dspy.Module, candidates: dict[str, Any],
               valset: list[dspy.Example], session: Session) -> dspy.Module:
        completed = [t for t in self._completed(study) if "reused_from" not in t.user_attrs]
        if not completed:
            return student
        ranked = sorted(completed, key=lambda t: (-t.value, t.number))
        seed = self._seed_trial(candidates, ranked)
        top = ranked[: self.full_eval_top]
        if len(top) == 1:  # one finalist: compared with the program as given on the minibatch
            return self._best_by_minibatch(student, candidates, top if seed is None else [*top, seed])
        if seed is not None and seed not in top:
            top = [*ranked[: self.full_eval_top - 1], seed]  # the best must beat the program as given
        scored: list[tuple[float, list[float] | None, optuna.trial.FrozenTrial]] = []
        for trial in top:
            key = f"codeloop:full:{trial.number}"
            stored = study.user_attrs.get(key)
            if stored is None:
                program = self.build(student, candidates, trial.params)
                try:
                    final = session.evaluate(program, valset, {"optuna_trial": trial.number, **trial.params},
                                             kind="final")
                except BudgetExhausted:
                    self.budget_exhausted = True
                    return self._best_by_minibatch(student, candidates, top)
                stored = {"score": final.score, "scores": final.scores, "lm_calls": final.trial.lm_calls,
                          "tokens": final.trial.tokens}
                study.set_user_attr(key, stored)
            scored.append((stored["score"], stored.get("scores"), trial))
        # The finalists were picked by their minibatch scores: testing on those tasks again would
        # count the winner's luck as evidence, so the test uses the rest of dev (all of it only
        # when the minibatch is all of dev).
        in_batch = set(self._minibatch_indices(len(valset)))
        held_out = [i for i in range(len(valset)) if i not in in_batch] or list(range(len(valset)))
        return self._choose(student, candidates, scored, seed, "all of dev", held_out)

    def _seed_trial(self, candidates: dict[str, Any],
                    trials: Sequence[optuna.trial.FrozenTrial]) -> optuna.trial.FrozenTrial | None:
        return next((t for t in trials if t.params == self._seed_params(candidates)), None)

    def _choose(self, student: dspy.Module, candidates: dict[str, Any],
                scored: list[tuple[float, list[float] | None, optuna.trial.FrozenTrial]],
                seed: optuna.trial.FrozenTrial | None, where: str, test_on: Sequence[int] | None = None) -> dspy.Module:
        """The program of the trial :func:`~._choice.choose` picks (see ``accept_alpha``)."""
        finalists = [Finalist(value, scores, trial.number, trial.value) for value, scores, trial in scored]
        self.choice = choose(finalists, None if seed is None else seed.number, accept_alpha=self.accept_alpha,
                             where=where, test_on=test_on)
        chosen = next(trial for _, _, trial in scored if trial.number == self.choice["trial"])
        return self.build(student, candidates, chosen.params)

    def _best_by_minibatch(self, student: dspy.Module, candidates: dict[str, Any],
                           top: list[optuna.trial.FrozenTrial]) -> dspy.Module:
        """When there is one finalist, or the budget ends the full evaluations, compare like
        with like: minibatch scores, under the same rule. These are the tasks the finalist was
        picked on, so here the test is optimistic (it counts the winner's luck)."""
        top = list({t.number: t for t in top}.values())
        scored = [(t.value, t.user_attrs.get("scores"), t) for t in top]
        return self._choose(student, candidates, scored, self._seed_trial(candidates, top), "the minibatch")
