"""What an instruction-proposal request holds, read back into data: code, examples, failing
tests, instructions tried with their scores, prose, the current instruction and a tip.

Proposers format their material in many ways: codeloop's own signatures, COPRO's attempt
lists, MIPROv2's ``| Score:`` history, demo strings and ``repr`` of a trainset, GEPA's
records (JSON through DSPy's adapter, or markdown in its plain prompt). The reader tries each
shape on each input field; what it cannot read it leaves alone. Which field a value came from
decides what it is taken for (see the field sets below): ``program_code`` is the source of the
DSPy program, not a task's solution, so it is never read as evidence.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from .. import _pyast
from .._format import parse_example, parse_examples

#: inputs holding the instruction being improved
INSTRUCTION_INPUTS = frozenset({"basic_instruction", "current_instruction", "instruction", "current_instruction_doc",
                                "seed_instruction"})
#: inputs holding instructions tried before, with their scores
HISTORY_INPUTS = frozenset({"previous_instructions", "attempted_instructions", "history", "instruction_history",
                            "scored_instructions"})
#: inputs whose words count through the keyword map (descriptions, observations, critiques)
PROSE_INPUTS = frozenset({"dataset_description", "program_description", "module_description", "observations",
                          "prior_observations", "summary", "critique", "gradient", "additional_instructions"})
#: inputs that say nothing about the tasks
IGNORED_INPUTS = frozenset({"program_code", "module", "length_limit", "reference_skills", "prompt_template"})

_FENCE = re.compile(r"```[\w+-]*\n(.*?)```", re.DOTALL)
_DEF = re.compile(r"(?:^|(?<=: ))def\s+[A-Za-z_]\w*\s*\(", re.MULTILINE)  # top level, or after a label
_FEEDBACK = re.compile(r"input:\s*(.+?)\s*\n\s*expected:\s*(.+?)\s*(?:\n\s*got:\s*(.*))?$", re.MULTILINE)
_PASSED = re.compile(r"\ball \d+ tests passed|\bthe 1 test passed", re.IGNORECASE)
_COPRO_ATTEMPT = re.compile(r"Instruction #(\d+):\s*(.*?)\s*(?:Prefix #\1:.*?)?Resulting Score #\1:\s*([-\d.eE]+)",
                            re.DOTALL)
_SCORED = re.compile(r"^(.*?)\s*\|\s*Score:\s*([-\d.eE]+)\s*$", re.DOTALL)
_PY_STRING = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*\"""")
_IOTEST_REPR = re.compile(r"args=(\(.*?\)), kwargs=(\{.*?\}), expected=(.*?), atol=")
_GEPA_EXAMPLE = re.compile(r"^# Example \d+\s*$", re.MULTILINE)
_GEPA_SECTION = re.compile(r"^## (.+?)\s*$", re.MULTILINE)

Case = tuple[str, tuple, Any]  # (function name, arguments, expected value)


@dataclass
class Evidence:
    """Everything a proposal request says about the tasks, as data."""

    good_code: list[str] = field(default_factory=list)  # references, demonstrations, passing attempts
    bad_code: list[str] = field(default_factory=list)  # attempts that failed
    cases: list[Case] = field(default_factory=list)  # examples the tasks show
    failing: list[Case] = field(default_factory=list)  # tests that failed: what they expected
    history: list[tuple[str, float]] = field(default_factory=list)  # instructions tried, scores
    prose: list[str] = field(default_factory=list)
    current: str = ""
    tip: str = ""
    failures: int = 0  # failing records read (with or without a readable test)

    @property
    def has_data(self) -> bool:
        return bool(self.good_code or self.bad_code or self.cases or self.failing or self.history or self.prose)

    def describe(self) -> str:
        return (f"Read {len(self.good_code)} working code snippets, {len(self.bad_code)} failing ones, "
                f"{len(self.cases)} examples, {len(self.failing)} failing tests and {len(self.history)} "
                "scored instructions.")


def gather(inputs: dict[str, str]) -> Evidence:
    """Read every input field of a request, each as what its name says it holds."""
    evidence = Evidence()
    for name, value in inputs.items():
        key = name.lower()
        if key in IGNORED_INPUTS or not value.strip():
            continue
        if key in INSTRUCTION_INPUTS:
            evidence.current = _unwrap(value)
        elif key == "tip":
            evidence.tip = value.strip()
        elif key in HISTORY_INPUTS:
            evidence.history += read_history(value)
        elif key in PROSE_INPUTS:
            evidence.prose.append(value)
        else:
            read_material(value, evidence)
    return evidence


def _unwrap(value: str) -> str:
    """A value as ChatAdapter renders a list input (``«««`` ... ``»»»``, indented) made plain."""
    text = value.strip()
    if text.startswith("«««") and text.endswith("»»»"):
        text = textwrap.dedent(text[3:-3].strip("\n")).strip()
    return text


def read_history(value: str) -> list[tuple[str, float]]:
    """Instructions and scores: COPRO's ``Instruction #k`` / ``Resulting Score #k`` lists, or
    ``instruction | Score: s`` entries separated by blank lines (MIPROv2's and codeloop's)."""
    text = _unwrap(value)
    found = [(m.group(2).strip(), float(m.group(3))) for m in _COPRO_ATTEMPT.finditer(text)
             if _is_number(m.group(3))]
    if found:
        return found
    for chunk in re.split(r"\n\s*\n", text):
        m = _SCORED.match(chunk.strip())
        if m and _is_number(m.group(2)):
            found.append((m.group(1).strip(), float(m.group(2))))
    return found


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_material(value: str, evidence: Evidence) -> None:
    """Examples, code and feedback in one value: JSON records, GEPA markdown, ``repr`` of a
    trainset, or plain text."""
    text = value.strip()
    if text[:1] in "[{":
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, (list, dict)):
            _read_json(data, evidence)
            return
    if _GEPA_EXAMPLE.search(text):
        for chunk in _GEPA_EXAMPLE.split(text)[1:]:
            parts = _GEPA_SECTION.split(chunk)
            read_record({parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}, evidence)
        return
    if "Example({" in text or "IOTest(" in text:
        _read_repr(text, evidence)
        return
    read_text(text, evidence)


def _read_json(data: Any, evidence: Evidence) -> None:
    if isinstance(data, dict):
        if any(k.lower() == "feedback" for k in data):
            read_record(data, evidence)
            return
        for item in data.values():
            _read_json(item, evidence)
    elif isinstance(data, list):
        for item in data:
            _read_json(item, evidence)
    elif isinstance(data, str):
        read_text(data, evidence)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return [] if value is None else [str(value)]


def read_record(record: dict[str, Any], evidence: Evidence) -> None:
    """One attempt with its feedback (GEPA's reflective example, codeloop's failure record):
    the inputs are examples, the output code is good or bad as the feedback says."""
    parts = {k.strip().lower(): v for k, v in record.items()}
    feedback = "\n".join(_strings(parts.get("feedback", "")))
    passed = bool(_PASSED.search(feedback)) and not re.search(r"\bfailed\b", feedback, re.IGNORECASE)
    for key, value in parts.items():
        if key == "feedback":
            continue
        if "output" in key or key in ("code", "response", "attempt"):
            for text in _strings(value):
                (evidence.good_code if passed else evidence.bad_code).extend(code_snippets(text))
        else:
            for text in _strings(value):
                evidence.cases += cases_in(text)
    if not passed:
        evidence.failures += 1
        evidence.failing += failing_cases(feedback)


def _read_repr(text: str, evidence: Evidence) -> None:
    """A trainset's ``repr`` (MIPROv2's dataset summary): string literals that hold code, and
    the ``IOTest`` reprs' arguments and expected values."""
    for literal in _PY_STRING.findall(text):
        if "def " not in literal:
            continue
        try:
            source = _pyast.literal_eval(literal)
        except (ValueError, SyntaxError):
            continue
        if isinstance(source, str):
            evidence.good_code += code_snippets(source)
    for m in _IOTEST_REPR.finditer(text):
        try:
            args, kwargs, expected = (_pyast.literal_eval(m.group(g)) for g in (1, 2, 3))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(args, tuple) and not kwargs:
            # the function name is not in the repr; tasks are told apart by where they start
            evidence.cases.append((_task_before(text, m.start()), args, expected))


def _task_before(text: str, position: int) -> str:
    start = text.rfind("entry_point=", 0, position)
    if start < 0:
        return "f"
    m = re.match(r"entry_point='(\w+)'", text[start:])
    return m.group(1) if m else "f"


def read_text(text: str, evidence: Evidence) -> None:
    """Plain text: code snippets are working code, example lines are cases, and ``input:`` /
    ``expected:`` lines are failing tests."""
    evidence.good_code += code_snippets(text)
    evidence.cases += cases_in(text)
    evidence.failing += failing_cases(text)


def cases_in(text: str) -> list[Case]:
    return [(e.entry, e.args, e.expected) for e in parse_examples(text) if not e.kwargs]


def failing_cases(feedback: str) -> list[Case]:
    """``input: f(1)`` / ``expected: 2`` pairs (codeloop's metric feedback) as cases."""
    found = []
    for m in _FEEDBACK.finditer(feedback):
        parsed = parse_example(f"{m.group(1)} == {m.group(2)}")
        if parsed is not None and not parsed.kwargs:
            found.append((parsed.entry, parsed.args, parsed.expected))
    return found


def code_snippets(text: str) -> list[str]:
    """Function definitions in ``text``: fenced blocks, else each ``def`` with its indented body
    (also after a label such as ``Code:``). Only snippets that parse are kept."""
    fenced = [block for block in _FENCE.findall(text) if "def " in block]
    candidates = fenced or [_def_block(text, m.start()) for m in _DEF.finditer(text)]
    out = []
    for source in candidates:
        source = textwrap.dedent(source).strip()
        try:
            _pyast.parse(source)
        except SyntaxError:
            continue
        if source and source not in out:
            out.append(source)
    return out


def _def_block(text: str, start: int) -> str:
    lines = text[start:].splitlines()
    block = lines[:1]
    for line in lines[1:]:
        if line.strip() and not line[:1].isspace():
            break
        block.append(line)
    return "\n".join(block)
