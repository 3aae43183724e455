"""Edits to a program's predictors: which predictors write code from a task view, demos in
their shape (and as JSON records), and copies of a program with other demos or instructions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dspy

from ..benchmarks import TaskView
from ..modules import task_inputs
from ._examples import view_of

#: Inputs a generation predictor may take, all of which a task view provides (a function task's
#: view, or a puzzle's: its sat, answer type and sol header, and the answers rounds rejected).
VIEW_FIELDS = ("examples", "function_header", "description", "feedback", "sat", "answer_type", "rejected_answers")


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
