"""DSPy code-generation modules: small modules with one job each, whose predictors are named
attributes (so optimizers can tune their instructions and demonstrations).

Every module is called as ``module(task=view)`` with a :class:`~codeloop.benchmarks.TaskView`
and returns a ``dspy.Prediction`` with ``code`` and diagnostics (``attempts``, ``lm_calls``,
and ``verdicts`` where it ran code on the visible examples). ``as_program`` turns a module
into a rounds-protocol program; ``build_module`` builds one by name, for function tasks or, with
``kind="puzzle"``, for puzzles (P3): the same modules with puzzle signatures (``sat``, the answer
type and the ``sol`` header are the spec), checking against the puzzle's visible ``sat``.
"""

from ._basic import CodeFromExamples, CodeFromSpec, SolvePuzzle
from ._best_of_n import BestOfN
from ._calls import max_lm_calls, module_kind
from ._common import function_header, puzzle_inputs, render_rejected, task_inputs
from ._extract import Extraction, extract_code
from ._parsing import DEFAULT_PARSE_MODE, PARSE_MODES, ParseLog, ReplyParser, set_parse_mode
from ._program import KINDS, MODULES, PUZZLE_MODULES, ModuleProgram, as_program, build_module
from ._refine import GenerateCheckRefine
from ._test_first import TestFirst, filter_tests, parse_generated_tests

__all__ = [
    "BestOfN",
    "CodeFromExamples",
    "CodeFromSpec",
    "DEFAULT_PARSE_MODE",
    "Extraction",
    "GenerateCheckRefine",
    "KINDS",
    "MODULES",
    "ModuleProgram",
    "PARSE_MODES",
    "PUZZLE_MODULES",
    "ParseLog",
    "ReplyParser",
    "SolvePuzzle",
    "TestFirst",
    "as_program",
    "build_module",
    "extract_code",
    "filter_tests",
    "function_header",
    "max_lm_calls",
    "module_kind",
    "parse_generated_tests",
    "puzzle_inputs",
    "render_rejected",
    "set_parse_mode",
    "task_inputs",
]
