"""Task model, suite loaders, the example-based form and the iterative-rounds protocol.

A suite is named by a spec string (``bundled``, ``mbpp:PATH``, ``mbpp-sanitized:PATH``,
``humaneval:PATH``, ``p3:PATH``, ``jsonl:PATH``) and loaded with :func:`load_suite`.
"""

from ._assertions import literal_call_args, tests_from_assertions
from ._bundled import load_bundled_suite
from ._example_based import ConversionReport, convert_task, to_example_based
from ._humaneval import load_humaneval, load_humaneval_hub
from ._jsonl import jsonl_schema, read_jsonl_suite, write_jsonl_suite
from ._mbpp import load_mbpp, load_mbpp_hub, load_mbpp_sanitized
from ._p3 import load_p3
from ._prepare import Preparation, limited, prepare_suite, ready_for_rounds
from ._spec import SPEC_FORMS, load_suite
from ._splits import seeded_split
from ._task import SPLITS, HiddenTest, LoadReport, Param, SplitName, Suite, Task, TaskView

__all__ = [
    "ConversionReport",
    "HiddenTest",
    "LoadReport",
    "Param",
    "Preparation",
    "SPEC_FORMS",
    "SPLITS",
    "SplitName",
    "Suite",
    "Task",
    "TaskView",
    "convert_task",
    "jsonl_schema",
    "limited",
    "literal_call_args",
    "load_bundled_suite",
    "load_humaneval",
    "load_humaneval_hub",
    "load_mbpp",
    "load_mbpp_hub",
    "load_mbpp_sanitized",
    "load_p3",
    "load_suite",
    "prepare_suite",
    "read_jsonl_suite",
    "ready_for_rounds",
    "seeded_split",
    "tests_from_assertions",
    "to_example_based",
    "write_jsonl_suite",
]
