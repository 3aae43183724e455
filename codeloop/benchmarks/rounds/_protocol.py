"""The iterative-rounds protocol ("The First Prompt Counts the Most!", example-based code generation).

Round 1 gives the program k examples chosen by a policy. After each round, if the code
passes every test of the task it is solved at that round; otherwise a counterexample (a
test the code fails, chosen by a policy) is revealed and added to the examples, up to R
rounds. The program only ever sees a :class:`~codeloop.benchmarks.TaskView` holding the
examples revealed so far: the remaining tests and the reference never reach it.

A puzzle (P3) runs the same rounds with its sat tests as the pool. Its view holds the puzzle
(``sat`` is its specification, shown by design), no examples, and after each failed round the
answer ``sol()`` returned with ``sat``'s verdict on it (``TaskView.rejected``): a puzzle has no
counterexample input to reveal. Conformity, passing what the program was shown, is for a
puzzle passing ``sat``, so it equals correctness and the gap is 0 by definition; a row's
``n_examples`` counts the rejected answers its view held.

An LM call that failed on every retry (:class:`~codeloop.exceptions.LMUnavailable`) fails the
round it was made in. A run may go on past ``max_lm_errors`` such rounds: each is recorded as a
row with ``state="lm_error"`` and no code, its task stops there, and the task is left out of
the scores (see ``summarize``); a resumed run evaluates it again. One more stops the run at once:
tasks not started are cancelled, running ones stop at their next LM call, the ones that finish
are still handed to ``on_task``, and the ``LMUnavailable`` is raised with the counts.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..._cancel import CancelScope
from ...exceptions import LMUnavailable
from ...execution import IOTest, Limits, Sandbox, Status
from .._puzzle import judge_puzzle, rejection
from .._task import RejectedAnswer, Task, TaskView
from ._policies import CounterexamplePolicy, InitialPolicy, pick_counterexamples, pick_initial

Mode = Literal["examples", "description", "both"]
MODES: tuple[str, ...] = ("examples", "description", "both")

logger = logging.getLogger(__name__)


class Generation(BaseModel):
    """One program output: the code, and what it cost at the LM layer."""

    code: str
    lm_calls: int = 0
    tokens: int = 0
    parse: list[str] = []  # the parse route of each LM reply behind it ("chat", "raw", "json", "failed")


@runtime_checkable
class SupportsGenerate(Protocol):
    """Anything that writes code for a task view; ``sample`` numbers independent draws."""

    def __call__(self, task: TaskView, *, sample: int = 0) -> Generation | str: ...


class RoundsConfig(BaseModel):
    """Settings of one evaluation over rounds."""

    model_config = ConfigDict(frozen=True)

    k: int = Field(3, ge=0, description="examples given in round 1 (0 with mode='description')")
    rounds: int = Field(5, ge=1, le=100)
    initial: InitialPolicy = "first"
    counterexample: CounterexamplePolicy = "first-failing"
    reveal: int = Field(1, ge=1, description="counterexamples revealed per round")
    samples: int = Field(1, ge=1, description="programs drawn per round (pass@k when > 1)")
    mode: Mode = "examples"
    seed: int = 0
    limits: Limits | None = None


def _task_rng(seed: int, task_id: str) -> np.random.Generator:
    digest = int.from_bytes(hashlib.sha256(task_id.encode()).digest()[:8], "big")
    return np.random.default_rng([seed, digest])


def _summarize_verdicts(statuses: Sequence[Status]) -> str:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status.value] = counts.get(status.value, 0) + 1
    return ",".join(f"{name}:{n}" for name, n in sorted(counts.items()))


class _LMErrors:
    """How many task rounds failed for the LM, against how many the run may go on past."""

    def __init__(self, allowed: int) -> None:
        self.allowed, self.count = allowed, 0
        self._lock = threading.Lock()

    def admit(self) -> bool:
        """Count one more; True if the run may go on past it."""
        with self._lock:
            self.count += 1
            return self.count <= self.allowed


class _TaskRun:
    """All rounds of one task (a puzzle's pool is its sat tests; it starts with no examples)."""

    def __init__(self, task: Task, program: SupportsGenerate, sandbox: Sandbox, config: RoundsConfig,
                 lm_errors: _LMErrors | None = None) -> None:
        self.task, self.program, self.sandbox, self.config = task, program, sandbox, config
        self.lm_errors = lm_errors or _LMErrors(0)
        self.puzzle = task.is_puzzle
        self.pool = list(task.sat_tests) if self.puzzle else [t for t in task.all_tests if isinstance(t, IOTest)]
        self.rng = _task_rng(config.seed, task.id)
        self.seen: list[np.ndarray] = []  # pass vectors (over the pool) of every program so far
        self.rows: list[dict] = []
        self.rejected: list[RejectedAnswer] = []  # a puzzle's feedback: answers sat turned down
        self.last_rejection: RejectedAnswer | None = None

    def consistency(self, columns: Sequence[int]) -> np.ndarray:
        rows = [vector[list(columns)] for vector in self.seen]
        return np.array([*rows, np.ones(len(columns))], dtype=float)

    def view(self, given: Sequence[int]) -> TaskView:
        if self.puzzle:
            view = self.task.view().model_copy(update={"rejected": tuple(self.rejected)})
        else:
            view = self.task.view().with_examples(tuple(self.pool[i] for i in given))
        if self.config.mode == "examples":
            view = view.model_copy(update={"description": None})
        return view

    def initial(self) -> list[int]:
        if self.puzzle:
            return []  # a puzzle shows its sat, never its tests as examples
        k = 0 if self.config.mode == "description" else self.config.k
        return pick_initial(self.config.initial, self.pool, k, self.rng, self.consistency(range(len(self.pool))))

    def run(self) -> list[dict]:
        config = self.config
        given = self.initial()
        for round_number in range(1, config.rounds + 1):
            view = self.view(given)
            vectors = []
            for s in range(config.samples):
                vector = self.sample(view, round_number, s, given)
                if vector is None:
                    return self.rows  # the LM failed this round: the task stops here
                vectors.append(vector)
            primary = vectors[0]
            if primary.all():
                break
            if self.puzzle:
                if self.last_rejection is not None:
                    self.rejected.append(self.last_rejection)
                continue
            failing = [i for i in range(len(self.pool)) if i not in given and not primary[i]]
            if not failing:
                continue  # it fails only examples it was given: nothing new to reveal
            new = pick_counterexamples(config.counterexample, failing, config.reveal, self.rng,
                                       self.consistency(failing))
            given = sorted({*given, *new})
        return self.rows

    def sample(self, view: TaskView, round_number: int, sample: int, given: Sequence[int]) -> np.ndarray | None:
        began = time.perf_counter()
        try:
            output = self.program(view, sample=sample)
        except Exception as exc:
            failure = LMUnavailable.within(exc)
            if failure is None or not self.lm_errors.admit():
                raise
            logger.warning("task %s, round %d: %s; recorded as lm_error, left out of the scores",
                           self.task.id, round_number, failure)
            self.rows.append(self.row(round_number, sample, given, state="lm_error",
                                      latency=time.perf_counter() - began))
            return None
        latency = time.perf_counter() - began
        generation = output if isinstance(output, Generation) else Generation(code=str(output))
        if self.puzzle:
            result = judge_puzzle(self.task, generation.code, self.sandbox, self.config.limits)
        else:
            result = self.sandbox.run(generation.code, self.task.entry_point, self.pool, self.config.limits)
        passed = np.array([v.status is Status.PASSED for v in result.verdicts], dtype=bool)
        self.seen.append(passed)
        if self.puzzle and sample == 0:
            failed = result.first_failure()
            self.last_rejection = rejection(failed[1], round_number) if failed else None
        self.rows.append(self.row(round_number, sample, given, generation=generation, passed=passed,
                                  verdicts=_summarize_verdicts([v.status for v in result.verdicts]),
                                  latency=latency))
        return passed

    def row(self, round_number: int, sample: int, given: Sequence[int], *, latency: float,
            generation: Generation | None = None, passed: np.ndarray | None = None, verdicts: str = "",
            state: str = "ok") -> dict:
        """One row of the results; without a generation (``state="lm_error"``): no code, nothing passed."""
        generation = generation or Generation(code="")
        passed = np.zeros(len(self.pool), dtype=bool) if passed is None else passed
        conformity = bool(passed[list(given)].all()) if given and state == "ok" else state == "ok"
        if self.puzzle:  # what a puzzle's program is shown is its sat: conformity is correctness
            conformity = bool(passed.all()) and state == "ok"
        return {
            "task_id": self.task.id, "round": round_number, "sample": sample, "mode": self.config.mode,
            "n_examples": len(self.rejected) if self.puzzle else len(given), "code": generation.code,
            "conformity": conformity,
            "correctness": bool(passed.all()) and state == "ok", "pass_ratio": float(passed.mean()),
            "n_passed": int(passed.sum()), "n_tests": len(passed), "verdicts": verdicts,
            "lm_calls": generation.lm_calls, "tokens": generation.tokens, "latency_s": latency, "state": state,
            "parse": ",".join(generation.parse),
        }


def initial_view(task: Task, config: RoundsConfig | None = None) -> TaskView:
    """The view a program gets in round 1 of :func:`run_rounds` with ``config`` (the same
    examples, chosen with the same seeded policy): what optimizers train and score on."""
    run = _TaskRun(task, None, None, config or RoundsConfig())  # type: ignore[arg-type]
    return run.view(run.initial())


def run_rounds(program: SupportsGenerate, tasks: Sequence[Task], sandbox: Sandbox,
               config: RoundsConfig | None = None, *, workers: int | None = None,
               progress: Callable[[int, int], None] | None = None,
               on_task: Callable[[list[dict]], None] | None = None, max_lm_errors: int = 0) -> list[dict]:
    """Evaluate ``program`` over rounds on ``tasks``; one row per task, round and sample.

    ``on_task(rows)`` is called with each task's rows as soon as the task is done (in the
    calling thread, in completion order), so a caller can checkpoint them.
    Up to ``max_lm_errors`` rounds whose LM call failed on every retry are recorded as
    ``state="lm_error"`` rows; one more stops the run (see the module docstring), as does any
    other error a task raises: both are raised once the tasks still running have stopped.
    Puzzles run with their sat tests (see the module docstring). Other tasks without
    input/output tests cannot be run this way and raise an error naming them; convert a suite
    with ``to_example_based`` first.
    """
    config = config or RoundsConfig()
    no_io = [t.id for t in tasks if not t.is_puzzle and not any(isinstance(x, IOTest) for x in t.all_tests)]
    if no_io:
        raise ValueError(f"tasks without input/output tests (and not puzzles) cannot run in rounds: {no_io[:5]}")
    results: dict[int, list[dict]] = {}
    lm_errors, scope = _LMErrors(max_lm_errors), CancelScope()
    stop: BaseException | None = None
    pool = ThreadPoolExecutor(max_workers=workers or sandbox.workers)
    try:
        futures = {pool.submit(scope.run, _TaskRun(task, program, sandbox, config, lm_errors).run): i
                   for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            try:
                rows = future.result()
            except BaseException as exc:  # noqa: BLE001 - the first one stops the run; later ones are its echo
                if stop is None:
                    stop = exc
                    scope.cancel(f"task {tasks[futures[future]].id} failed: {str(exc).splitlines()[0][:200]}")
                    for pending in futures:
                        pending.cancel()
                continue
            results[futures[future]] = rows
            if on_task is not None:
                on_task(rows)
            if progress is not None:
                progress(len(results), len(tasks))
    except BaseException:  # Ctrl-C: stop the running tasks too
        scope.cancel("interrupted")
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if stop is not None:
        failure = LMUnavailable.within(stop)
        if failure is None:
            raise stop
        failure.failed_calls, failure.tasks_done, failure.tasks_total = lm_errors.count, len(results), len(tasks)
        raise failure
    return [row for i in range(len(tasks)) for row in results[i]]
