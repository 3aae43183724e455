"""Pools of demonstrations that exemplar strategies choose from, and seeded draws of demo sets.

A pool maps each generation predictor's name to its candidate demos. ``labeled`` demos pair
a training task with its reference solution; ``bootstrapped`` demos pair what a predictor
saw with code the program itself wrote that passed every test of the task (Wan et al. 2024
compare the two: a model's own correct outputs may teach better than references). Every
demo carries ``task_id``, the training task it came from: records name demos by it, and
strategies use it to never show two demos of one task, nor a task its own solution. It is
no signature field, so no prompt shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dspy
import numpy as np

from ..._cancel import CancelScope
from ...exceptions import BudgetExhausted, ConfigError
from .._base import Session, rng_for
from .._examples import view_of
from .._program_edits import demo_for, generation_predictors, set_demos

logger = logging.getLogger(__name__)

POOL_KINDS: tuple[str, ...] = ("labeled", "bootstrapped", "both")
Pool = dict[str, list[dspy.Example]]
#: Indices into a pool, per predictor name, in the order the demos are shown.
DemoSet = dict[str, list[int]]


def require_generators(program: dspy.Module, caller: str) -> list[tuple[str, dspy.Predict]]:
    found = generation_predictors(program)
    if not found:
        raise ConfigError(f"{caller}: {type(program).__name__} has no generation predictor (one that writes "
                          "`code` from examples, function_header, description and feedback), so it has no "
                          "demos to choose; use a module such as from-examples or check-refine")
    return found


def labeled_pool(program: dspy.Module, examples: Sequence[dspy.Example]) -> Pool:
    """Per generation predictor, a demo from each example with a reference, in example order
    (so the lists of all predictors line up task by task)."""
    with_reference = [e for e in examples if e.get("reference")]
    pool: Pool = {}
    for name, predictor in generation_predictors(program):
        pool[name] = []
        for example in with_reference:
            view = view_of(example)
            demo = demo_for(predictor, view, example.reference)
            demo["task_id"] = view.id
            pool[name].append(demo)
    return pool


def bootstrap_pool(session: Session, student: dspy.Module, trainset: Sequence[dspy.Example], *,
                   max_tasks: int | None = None, partial: bool = False) -> Pool:
    """Run ``student`` on training tasks and keep, per generation predictor, the inputs it saw
    on each task whose final code passed every test (the metric's score is 1), paired with
    that code. One demo per predictor and task (its first call).

    The code is the program's final answer: for a refining module, the generator's own first
    draft may have been wrong, and a demo must never show wrong code. ``max_tasks`` runs a
    seeded sample of the trainset. The work is recorded as one ``bootstrap`` trial. If the
    budget runs out, ``BudgetExhausted`` propagates, unless ``partial``: then the pool holds
    what passed before it ran out.
    """
    names = {id(predictor): name for name, predictor in generation_predictors(student)}
    examples = list(trainset)
    if max_tasks is not None and max_tasks < len(examples):
        keep = sorted(rng_for(session.seed, "bootstrap").choice(len(examples), size=max_tasks, replace=False))
        examples = [examples[int(i)] for i in keep]

    def one(example: dspy.Example) -> tuple[dspy.Example, Any, list, float]:
        with dspy.context(trace=[]):
            prediction = session.call(student, example)
            trace = list(dspy.settings.trace)
        outcome = session.metric(example, prediction)
        return example, prediction, trace, float(getattr(outcome, "score", outcome))

    results: list[tuple[dspy.Example, Any, list, float]] = []
    try:
        with session.paid("bootstrap", {"n_tasks": len(examples)}) as params:
            _run_all(one, examples, session.num_threads, results)
            params["passed"] = sum(1 for r in results if r[3] >= 1.0)
    except BudgetExhausted:
        if not partial:
            raise
        logger.warning("bootstrapping stopped by the budget after %d of %d tasks", len(results), len(examples))
    pool: Pool = {name: [] for name in names.values()}
    for example, prediction, trace, score in results:
        if score < 1.0:
            continue
        seen: set[str] = set()
        for predictor, inputs, _ in trace:
            name = names.get(id(predictor))
            if name is None or name in seen:
                continue
            seen.add(name)
            fields = {f: inputs.get(f, "") for f in predictor.signature.input_fields}
            pool[name].append(dspy.Example(**fields, code=prediction.code, task_id=view_of(example).id)
                              .with_inputs(*predictor.signature.input_fields))
    return pool


def _run_all(fn: Any, examples: list[dspy.Example], threads: int, results: list) -> None:
    """``fn`` on every example (in threads), appending results in example order; every example
    is tried, and the first BudgetExhausted is raised after all have finished. Any other error
    (an LM call that failed on every retry) stops the others at once and is raised."""
    stop: BudgetExhausted | None = None
    scope = CancelScope()
    with ThreadPoolExecutor(max_workers=max(1, threads)) as executor:
        futures = [executor.submit(scope.run, fn, e) for e in examples]
        try:
            for future in futures:
                try:
                    results.append(future.result())
                except BudgetExhausted as exc:
                    stop = stop or exc
        except BaseException:
            scope.cancel("another bootstrapping call failed")
            for future in futures:
                future.cancel()
            raise
    if stop is not None:
        raise stop


def build_pool(kind: str, session: Session, student: dspy.Module, trainset: Sequence[dspy.Example], *,
               caller: str, max_bootstrap: int | None = None) -> Pool:
    """The pool of ``kind``: labeled, bootstrapped, or both (labeled demos first)."""
    if kind not in POOL_KINDS:
        raise ConfigError(f"The 'pool' parameter of {caller} must be one of {POOL_KINDS}. Got {kind!r} instead.")
    require_generators(student, caller)
    pool = labeled_pool(student, trainset) if kind != "bootstrapped" else {}
    if kind != "bootstrapped" and not any(pool.values()):
        raise ConfigError(f"{caller}: no training task has a reference solution, so there are no labeled demos; "
                          "use pool='bootstrapped' or tasks with a `reference`")
    if kind != "labeled":
        booted = bootstrap_pool(session, student, trainset, max_tasks=max_bootstrap)
        pool = {name: [*pool.get(name, []), *demos] for name, demos in booted.items()}
    return pool


def demo_set_candidates(pool: Mapping[str, Sequence[Any]], *, m: int, k_choices: Sequence[int] = (3,),
                        seed: int | np.random.Generator = 0) -> list[DemoSet]:
    """``m`` distinct demo sets drawn from ``pool``, as indices into it per predictor.

    Each set draws its size ``k`` from ``k_choices``, then per predictor ``k`` demos without
    replacement and never two of one task (by ``task_id``), in random order (so the order is
    searched along with the set; fewer when the pool is smaller). Two sets differing only in
    order are distinct. Fewer than ``m`` come back when the pool has fewer distinct sets.
    """
    if m < 1 or not k_choices or min(k_choices) < 1:
        raise ConfigError(f"demo_set_candidates needs m >= 1 and k_choices of sizes >= 1; got m={m!r}, "
                          f"k_choices={tuple(k_choices)!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    found: list[DemoSet] = []
    seen: set[tuple] = set()
    for _ in range(20 * m):
        if len(found) == m:
            break
        k = int(rng.choice(np.asarray(k_choices)))
        candidate = {name: draw(rng, demos, k) for name, demos in pool.items()}
        key = freeze(candidate)
        if key not in seen:
            seen.add(key)
            found.append(candidate)
    return found


def draw(rng: np.random.Generator, demos: Sequence[Any], k: int, *, exclude: Sequence[int] = ()) -> list[int]:
    """``k`` random indices into ``demos``, none in ``exclude``, never two of one task."""
    taken = {task_of(demos[i]) for i in exclude} - {None}
    picked: list[int] = []
    for i in rng.permutation(len(demos)):
        if len(picked) == k:
            break
        task = task_of(demos[int(i)])
        if int(i) in exclude or (task is not None and task in taken):
            continue
        picked.append(int(i))
        if task is not None:
            taken.add(task)
    return picked


def task_of(demo: Any) -> str | None:
    return demo.get("task_id") if hasattr(demo, "get") else None


def freeze(demo_set: Mapping[str, Sequence[int]]) -> tuple:
    return tuple(sorted((name, tuple(indices)) for name, indices in demo_set.items()))


def apply_demo_set(program: dspy.Module, pool: Mapping[str, Sequence[dspy.Example]],
                   demo_set: Mapping[str, Sequence[int]]) -> dspy.Module:
    """A copy of ``program`` whose predictors carry the chosen pool demos, in that order."""
    return set_demos(program, {name: [pool[name][i] for i in indices] for name, indices in demo_set.items()})


def describe(pool: Mapping[str, Sequence[Any]], demo_set: Mapping[str, Sequence[int]]) -> dict[str, Any]:
    """Trial params (JSON) naming a demo set: its indices and the tasks its demos came from."""
    return {"indices": {name: list(indices) for name, indices in demo_set.items()},
            "demos": {name: [task_of(pool[name][i]) for i in indices] for name, indices in demo_set.items()}}
