"""Tasks as DSPy examples, and demonstrations in the shape of a module's predictors.

An optimizer trains and scores on what a program sees in round 1 of the rounds protocol:
``example.task`` is that :class:`~codeloop.benchmarks.TaskView` (the only input), while
``example.tests`` (every test, hidden ones included), ``example.entry_point`` and
``example.reference`` are labels the metric and the labeled-demo strategies read. Labels
never reach a prompt: modules are called with ``**example.inputs()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import dspy

from ..benchmarks._task import Task, TaskView
from ..benchmarks.rounds import RoundsConfig, initial_view
from ..exceptions import ConfigError
from ..modules._common import task_inputs

#: Inputs a generation predictor may take, all of which a task view provides.
VIEW_FIELDS = ("examples", "function_header", "description", "feedback")


def task_example(task: Task, config: RoundsConfig | None = None) -> dspy.Example:
    """One task as a DSPy example: the round-1 view as input, tests and reference as labels."""
    return dspy.Example(task=initial_view(task, config), tests=list(task.all_tests), entry_point=task.entry_point,
                        reference=task.reference, task_id=task.id).with_inputs("task")


def task_examples(tasks: Iterable[Task], config: RoundsConfig | None = None) -> list[dspy.Example]:
    return [task_example(task, config) for task in tasks]


def view_of(example: dspy.Example | TaskView) -> TaskView:
    if isinstance(example, TaskView):
        return example
    view = example.get("task") if hasattr(example, "get") else None
    if not isinstance(view, TaskView):
        raise ConfigError("optimizers need examples built by codeloop.optimizers.task_examples "
                          f"(an input field 'task' holding a TaskView); got {type(view).__name__} instead")
    return view


def generation_predictors(program: dspy.Module) -> list[tuple[str, dspy.Predict]]:
    """The predictors that write code from what a task view holds: the ones demos can be built
    for from a task and its code (refiners, which also need a previous attempt, are not)."""
    found = []
    for name, predictor in program.named_predictors():
        signature = predictor.signature
        if "code" in signature.output_fields and set(signature.input_fields) <= set(VIEW_FIELDS):
            found.append((name, predictor))
    return found


def demo_for(predictor: dspy.Predict, view: TaskView, code: str, **extra: str) -> dspy.Example:
    """A demonstration for ``predictor``: its inputs as the view renders them, and ``code``."""
    inputs = {**task_inputs(view), "feedback": "", **extra}
    fields = {name: inputs.get(name, "") for name in predictor.signature.input_fields}
    return dspy.Example(**fields, code=code).with_inputs(*predictor.signature.input_fields)


def labeled_demos(program: dspy.Module, examples: Sequence[dspy.Example]) -> dict[str, list[dspy.Example]]:
    """Per generation predictor, a demo from each example that has a reference solution."""
    with_reference = [e for e in examples if e.get("reference")]
    return {name: [demo_for(predictor, view_of(e), e.reference) for e in with_reference]
            for name, predictor in generation_predictors(program)}


def demo_record(demo: dspy.Example) -> dict[str, Any]:
    """A demo as JSON: its fields and which of them are inputs (``demo_from_record`` reverses it)."""
    fields = demo.toDict() if hasattr(demo, "toDict") else dict(demo)
    return {"fields": fields, "inputs": sorted(getattr(demo, "_input_keys", None) or ())}


def demo_from_record(record: dict[str, Any]) -> dspy.Example:
    return dspy.Example(**record["fields"]).with_inputs(*record["inputs"])


def set_demos(program: dspy.Module, demos: dict[str, Sequence[dspy.Example]]) -> dspy.Module:
    """A copy of ``program`` whose named predictors carry ``demos`` (others keep theirs)."""
    program = program.deepcopy()
    predictors = dict(program.named_predictors())
    for name, chosen in demos.items():
        predictors[name].demos = list(chosen)
    return program


def set_instructions(program: dspy.Module, instructions: dict[str, str]) -> dspy.Module:
    """A copy of ``program`` whose named predictors have these instructions."""
    program = program.deepcopy()
    predictors = dict(program.named_predictors())
    for name, text in instructions.items():
        predictors[name].signature = predictors[name].signature.with_instructions(text)
    return program
