"""What codeloop's instruction proposers ask the LM, and how their material is written.

The signatures are written for a real LM; the offline backend reads the same fields (see
``codeloop.lm._proposals``). Material is rendered the way DSPy's own proposers render it, so
either reader can take it: tasks as ``Examples:`` / ``Function header:`` / code, failures as
GEPA-style ``# Example k`` records with ``## Feedback``, history as ``instruction | Score: s``
paragraphs (MIPROv2's format), ascending so the best comes last.

Reference solutions and dev feedback go to the proposer LM only, never into a code-generation
prompt; what reaches one is the instruction written from them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import dspy

from ...modules import task_inputs
from .._examples import view_of

MAX_INSTRUCTION_CHARS = 2000

#: Suggestions that vary proposals (APE-style), cycled by seed and candidate number.
TIPS = (
    "",
    "Keep the instruction short, simple and clear.",
    "Make the instruction descriptive and informative.",
    "Be creative: name steps the current instruction does not.",
    "Open with a persona that suits the task.",
    "Say that the stakes are high: unseen tests decide whether the code is accepted.",
)


class ProposeInstruction(dspy.Signature):
    """You write the instruction for a step that writes Python functions from input/output
    examples. Study the training tasks below: each shows its examples, the function header and
    a reference solution. Write one instruction, in plain words, that tells the programmer
    which steps tasks like these tend to need, so that similar unseen tasks are solved from
    their examples alone. Keep what is useful in the current instruction, and follow the tip."""

    current_instruction: str = dspy.InputField(desc="the instruction in use now")
    task_demos: str = dspy.InputField(desc="training tasks: examples, function header and reference code")
    tip: str = dspy.InputField(desc="a suggestion on how to write the instruction (may be empty)")
    proposed_instruction: str = dspy.OutputField(desc="the new instruction, plain text only")


class CritiqueInstruction(dspy.Signature):
    """An instruction was given to a step that writes Python functions from input/output
    examples, and the code it wrote failed the tasks below. Each failure shows the task's
    inputs, the code written and what a test expected instead. Say what the instruction fails
    to tell the programmer: the steps the failing cases call for that it does not name, and
    any steps it names that nothing here calls for. A few lines, no code."""

    current_instruction: str = dspy.InputField(desc="the instruction that was used")
    failures: str = dspy.InputField(desc="failing tasks: inputs, the code written, and feedback (expected vs got)")
    critique: str = dspy.OutputField(desc="what is missing or wrong in the instruction")


class RewriteInstruction(dspy.Signature):
    """Rewrite the instruction of a step that writes Python functions from input/output
    examples so that it fixes what the critique names, using the failures it was drawn from.
    Keep what already works; name steps in plain words. Answer with the new instruction only."""

    current_instruction: str = dspy.InputField(desc="the instruction that was used")
    failures: str = dspy.InputField(desc="failing tasks: inputs, the code written, and feedback (expected vs got)")
    critique: str = dspy.InputField(desc="what is missing or wrong in the instruction")
    proposed_instruction: str = dspy.OutputField(desc="the rewritten instruction, plain text only")


class ProposeFromHistory(dspy.Signature):
    """You improve the instruction of a step that writes Python functions from input/output
    examples. Below are instructions tried before with their scores on validation tasks (the
    share of tasks solved), in ascending order of score: the best is last. A few training tasks
    with reference solutions show what the tasks are like. Write a new instruction, different
    from every one tried, that should score higher than all of them."""

    scored_instructions: str = dspy.InputField(desc="instructions tried, as `instruction | Score: s`, ascending")
    task_demos: str = dspy.InputField(desc="training tasks: examples, function header and reference code")
    proposed_instruction: str = dspy.OutputField(desc="the new instruction, plain text only")


def render_task(example: dspy.Example, code: str | None = None, code_label: str = "Reference code") -> str:
    """One task as the proposer sees it: examples (a puzzle's sat and answer type), header,
    description (if any) and code."""
    inputs = task_inputs(view_of(example))
    if "sat" in inputs:
        parts = [f"Puzzle (sol() must return a {inputs['answer_type']} for which sat is True):\n{inputs['sat']}",
                 f"Function header: {inputs['function_header']}"]
    else:
        parts = [f"Examples:\n{inputs['examples']}", f"Function header: {inputs['function_header']}"]
    if inputs["description"]:
        parts.append(f"Description: {inputs['description']}")
    code = example.get("reference") if code is None else code
    if code:
        parts.append(f"{code_label}:\n{code.strip()}")
    return "\n".join(parts)


def render_demos(examples: Sequence[dspy.Example]) -> str:
    return "\n\n".join(render_task(e) for e in examples) or "No training tasks given."


def render_failures(failures: Sequence[tuple[dspy.Example, str, str]]) -> str:
    """``(example, code written, feedback)`` triples as GEPA-style records."""
    records = []
    for i, (example, code, feedback) in enumerate(failures, 1):
        inputs = task_inputs(view_of(example))
        shown = inputs["sat"] if "sat" in inputs else inputs["examples"]  # a puzzle shows its sat
        records.append(f"# Example {i}\n## Inputs\n{shown}\n{inputs['function_header']}\n"
                       f"## Generated Outputs\n{(code or '(no code)').strip()}\n## Feedback\n{feedback.strip()}")
    return "\n\n".join(records)


def render_history(history: Sequence[tuple[str, float]], limit: int) -> str:
    """The ``limit`` best instructions, ascending by score (best last), one paragraph each."""
    best = sorted(history, key=lambda h: h[1])[-limit:]
    return "\n\n".join(f"{_one_paragraph(text)} | Score: {score:.3f}" for text, score in best)


def _one_paragraph(text: str) -> str:
    return re.sub(r"\s*\n\s*\n\s*", " ", text.strip())


def clean_instruction(text: Any) -> str:
    """An LM's proposal made usable: fences, quotes and a leading label removed, length capped."""
    text = str(text or "").strip()
    fenced = re.findall(r"```[\w-]*\n?(.*?)```", text, re.DOTALL)
    if fenced:
        text = fenced[0].strip()
    text = re.sub(r"^(?:new |proposed |improved )?instruction:\s*", "", text, flags=re.IGNORECASE)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text[:MAX_INSTRUCTION_CHARS]
