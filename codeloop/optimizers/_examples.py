"""Tasks as DSPy examples: what an optimizer trains and scores on.

An optimizer trains and scores on what a program sees in round 1 of the rounds protocol:
``example.task`` is that :class:`~codeloop.benchmarks.TaskView` (the only input), while
``example.tests`` (every test, hidden ones included), ``example.entry_point`` and
``example.reference`` are labels the metric and the labeled-demo strategies read. Labels
never reach a prompt: modules are called with ``**example.inputs()``.
"""

from __future__ import annotations

from collections.abc import Iterable

import dspy

from ..benchmarks import Task, TaskView
from ..benchmarks.rounds import RoundsConfig, initial_view
from ..exceptions import ConfigError


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
