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
