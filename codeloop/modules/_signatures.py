"""The DSPy signatures of the code-generation modules (their docstrings are the instructions
that optimizers tune)."""

from __future__ import annotations

import dspy

_EXAMPLES = "one example per line, `f(args) == expected`; the code must reproduce every one"
_HEADER = "the function to write, e.g. `def f(xs, n)`"
_DESCRIPTION = "what the function should do, in words (may be empty)"
_CODE = "a complete Python function definition (with any imports and helpers it needs), and nothing else"


class SpecToCode(dspy.Signature):
    """Write a Python function that does what the description says."""

    description: str = dspy.InputField(desc=_DESCRIPTION)
    function_header: str = dspy.InputField(desc=_HEADER)
    code: str = dspy.OutputField(desc=_CODE)


class ExamplesToCode(dspy.Signature):
    """Write a Python function that reproduces the examples and generalizes beyond them."""

    examples: str = dspy.InputField(desc=_EXAMPLES)
    function_header: str = dspy.InputField(desc=_HEADER)
    description: str = dspy.InputField(desc=_DESCRIPTION)
    feedback: str = dspy.InputField(desc="what went wrong with earlier attempts (may be empty)")
    code: str = dspy.OutputField(desc=_CODE)


class RefineCode(dspy.Signature):
    """The previous code fails some of the examples. Fix it so that it reproduces every example."""

    examples: str = dspy.InputField(desc=_EXAMPLES)
    function_header: str = dspy.InputField(desc=_HEADER)
    description: str = dspy.InputField(desc=_DESCRIPTION)
    previous_code: str = dspy.InputField(desc="the code to fix")
    feedback: str = dspy.InputField(desc="the failing examples: input, expected, and what the code did")
    code: str = dspy.OutputField(desc=_CODE)


class RequirementToTests(dspy.Signature):
    """Write test cases for the function before writing it: cover ordinary inputs, edge cases
    (empty, single element, negative numbers, ties) and the given examples."""

    examples: str = dspy.InputField(desc=_EXAMPLES)
    function_header: str = dspy.InputField(desc=_HEADER)
    description: str = dspy.InputField(desc=_DESCRIPTION)
    tests: str = dspy.OutputField(desc="one `assert f(args) == expected` per line, literal values only")


class CodeFromTests(dspy.Signature):
    """Write a Python function that passes the given examples and the test cases."""

    examples: str = dspy.InputField(desc=_EXAMPLES)
    function_header: str = dspy.InputField(desc=_HEADER)
    description: str = dspy.InputField(desc=_DESCRIPTION)
    tests: str = dspy.InputField(desc="test cases the function must pass, one per line")
    code: str = dspy.OutputField(desc=_CODE)


_SAT = ("the puzzle: the Python function `sat(answer, ...)`; sol() must return an answer for which it "
        "returns True")
_ANSWER_TYPE = "the type sol() must return, e.g. `List[int]` (an answer of another type does not count)"
_SOL_HEADER = "the function to write, e.g. `def sol(n=5)`: its parameters and defaults are sat's other arguments"
_PUZZLE_WORDS = "the puzzle in words (may be empty: sat alone is the specification)"
_REJECTED = "answers earlier attempts returned and what sat said of each (may be empty)"


class PuzzleToCode(dspy.Signature):
    """Solve the programming puzzle: write the function `sol` so that `sat(sol())` returns True."""

    sat: str = dspy.InputField(desc=_SAT)
    answer_type: str = dspy.InputField(desc=_ANSWER_TYPE)
    function_header: str = dspy.InputField(desc=_SOL_HEADER)
    description: str = dspy.InputField(desc=_PUZZLE_WORDS)
    rejected_answers: str = dspy.InputField(desc=_REJECTED)
    code: str = dspy.OutputField(desc=_CODE)


class RefinePuzzle(dspy.Signature):
    """sat rejects the answer the previous `sol` returns. Fix `sol` so that `sat(sol())` returns True."""

    sat: str = dspy.InputField(desc=_SAT)
    answer_type: str = dspy.InputField(desc=_ANSWER_TYPE)
    function_header: str = dspy.InputField(desc=_SOL_HEADER)
    description: str = dspy.InputField(desc=_PUZZLE_WORDS)
    rejected_answers: str = dspy.InputField(desc=_REJECTED)
    previous_code: str = dspy.InputField(desc="the code to fix")
    feedback: str = dspy.InputField(desc="what the previous sol() returned, and what sat said of it")
    code: str = dspy.OutputField(desc=_CODE)
