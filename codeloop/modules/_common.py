"""What the modules share: the prompt inputs built from a task view, the sandbox holder, and
running code against the visible examples (never anything else: a view has nothing else).

A puzzle's view shows its ``sat`` by design, so for a puzzle "the visible examples" are its
``sat``: :func:`check` runs ``sat(sol())`` in the sandbox (judged in the parent, type check
included), and :func:`failure_feedback` says what ``sol()`` returned and what ``sat`` said."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError

from .._format import render_example, render_examples, truncate
from ..benchmarks import PUZZLE_LIMITS, RejectedAnswer, TaskKind, TaskView, rejection
from ..exceptions import ConfigError
from ..execution import IOTest, RunResult, Sandbox, SatTest, default_sandbox
from ..metrics import check_answer_types, describe_outcome
from ._extract import Extraction, extract_code
from ._parsing import ReplyParser

logger = logging.getLogger(__name__)

MAX_FAILURES_SHOWN = 5  # failing examples quoted in refinement feedback
MAX_FEEDBACK_CHARS = 3000


@dataclass(frozen=True)
class Reply:
    """One output field of a predictor's answer and the route its parse took (see ``_parsing``)."""

    text: str
    route: str


def reply_field(predictor: dspy.Predict, name: str, *, parse_mode: str | None = None, **inputs: Any) -> Reply:
    """The ``name`` field of ``predictor``'s answer (``""`` if the reply could not be parsed into
    it), parsed in ``parse_mode`` (the module's), else by the :class:`ReplyParser` in DSPy's
    settings, else leniently.

    A reply without usable code is a failed attempt of the program, scored as such; it must not
    end an optimization or an evaluation, whose resumption would meet the same cached reply
    again. It is logged, never silently scored. Errors of the LM client itself (network,
    authentication) still propagate."""
    configured = ReplyParser(parse_mode) if parse_mode else dspy.settings.adapter or ReplyParser()
    call = configured.for_call() if isinstance(configured, ReplyParser) else None
    try:
        if call is None:  # an adapter the user chose: DSPy's behaviour, route not observable
            text, route = str(getattr(predictor(**inputs), name) or ""), "chat"
        else:
            with dspy.context(adapter=call):
                text = str(getattr(predictor(**inputs), name) or "")
            route = call.log.route
    except AdapterParseError as exc:
        logger.warning("the LM's reply could not be parsed (%s); counted as an attempt without code",
                       str(exc).splitlines()[0][:200])
        return Reply("", "failed")
    if not text.strip():
        logger.warning("the LM's reply parsed (%s) to an empty %s field; counted as an attempt without code",
                       route, name)
        return Reply("", "failed")
    return Reply(text, route)


def function_header(task: TaskView) -> str:
    """``def f(xs, n)`` from the view's parameters (names only: annotations can hold commas
    and brackets a reader would trip on); without parameters, from the examples' shape."""
    if task.params:
        names = [p.name for p in task.params]
    else:
        arity = max((len(t.args) for t in task.examples), default=0)
        names = [f"arg{i}" for i in range(arity)]
        for test in task.examples:
            names += [k for k in test.kwargs if k not in names]
    return f"def {task.entry_point}({', '.join(names)})"


def description_of(task: TaskView) -> str:
    parts = [task.description or "", f"Constraints: {task.constraints}" if task.constraints else ""]
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def task_inputs(task: TaskView) -> dict[str, str]:
    """The signature inputs every module builds from a view (a puzzle's: see :func:`puzzle_inputs`)."""
    if task.puzzle is not None:
        return puzzle_inputs(task)
    return {"examples": render_examples(task.entry_point, task.examples),
            "function_header": function_header(task), "description": description_of(task)}


def describe_rejected(item: RejectedAnswer) -> str:
    """``sol() returned 'ooo'; sat returned False`` (or what ``sol()`` did instead of returning)."""
    return f"sol() returned {item.answer}; {item.verdict}" if item.answer is not None else item.verdict


def render_rejected(rejected: Sequence[RejectedAnswer]) -> str:
    """One line per rejected answer: ``round 1: sol() returned 'ooo'; sat returned False``."""
    return truncate("\n".join(f"round {item.round}: {describe_rejected(item)}" for item in rejected),
                    MAX_FEEDBACK_CHARS)


def puzzle_inputs(task: TaskView) -> dict[str, str]:
    """A puzzle's signature inputs: ``sat``, the answer type, the ``sol`` header, the puzzle in
    words (when the view shows it) and the answers earlier rounds had rejected."""
    puzzle = task.puzzle
    if puzzle is None:
        raise ConfigError(f"task {task.id!r} is not a puzzle")
    return {"sat": puzzle.sat.strip(), "answer_type": puzzle.answer_type or "(not stated)",
            "function_header": puzzle.sol_header.rstrip().removesuffix(":"),
            "description": (task.description or "").strip(), "rejected_answers": render_rejected(task.rejected)}


def require_kind(module: object, task: TaskView, kind: TaskKind) -> None:
    """Refuse a view of the other kind, naming how to build the module that takes it."""
    if task.is_puzzle == (kind == "puzzle"):
        return
    if kind == "function":
        raise ConfigError(f"{type(module).__name__} writes functions, but task {task.id!r} is a puzzle; build the "
                          "module with build_module(name, kind='puzzle')")
    raise ConfigError(f"{type(module).__name__} solves puzzles, but task {task.id!r} is a function task; build "
                      "the module with build_module(name) (kind='function')")


class SandboxRef:
    """Holds a module's sandbox (``None``: the process-wide default, resolved when first used).

    Copying a module (optimizers deep-copy programs) shares the sandbox instead of copying
    its processes and locks.
    """

    def __init__(self, sandbox: Sandbox | None = None) -> None:
        self._sandbox = sandbox

    def get(self) -> Sandbox:
        return self._sandbox if self._sandbox is not None else default_sandbox()

    def __deepcopy__(self, memo: dict) -> SandboxRef:
        return self

    def __copy__(self) -> SandboxRef:
        return self

    def __repr__(self) -> str:
        return f"SandboxRef({'default' if self._sandbox is None else self._sandbox!r})"


@dataclass
class Attempt:
    """One candidate: its code, whether extraction found the entry point, and its visible score."""

    code: str
    extraction_ok: bool
    reason: str = ""
    passed: int | None = None  # visible examples passed (None: not run)
    total: int | None = None
    verdicts: list[str] = field(default_factory=list)
    stage: str = "generate"
    parse: str = ""  # the route the reply's parse took ("" when the code did not come from a reply)

    def as_dict(self) -> dict:
        return {"stage": self.stage, "parse": self.parse, "code": self.code, "extraction_ok": self.extraction_ok,
                "reason": self.reason, "passed": self.passed, "total": self.total, "verdicts": list(self.verdicts)}


def parse_route(prediction: Any) -> str:
    """The parse route of the last attempt an inner module's prediction reports (``""``: none)."""
    attempts = getattr(prediction, "attempts", None) or []
    return str(attempts[-1].get("parse", "")) if attempts and isinstance(attempts[-1], dict) else ""


def extract(raw: str | None, task: TaskView) -> Extraction:
    return extract_code(raw if isinstance(raw, str) else ("" if raw is None else str(raw)), task.entry_point)


def attempt_from(raw: str | Reply | None, task: TaskView, *, stage: str = "generate", parse: str = "") -> Attempt:
    if isinstance(raw, Reply):
        raw, parse = raw.text, raw.route
    extraction = extract(raw, task)
    return Attempt(code=extraction.code, extraction_ok=extraction.ok, reason=extraction.reason, stage=stage,
                   parse=parse)


def check(attempt: Attempt, task: TaskView, sandbox: Sandbox,
          tests: Sequence[IOTest] | None = None) -> RunResult | None:
    """Run the attempt on the view's visible examples (or ``tests``; a puzzle's: its ``sat``);
    fills passed/total/verdicts."""
    if tests is None and task.puzzle is not None:
        sat = [SatTest(sat=task.puzzle.sat)]
        result = check_answer_types(sandbox.run(attempt.code, task.entry_point, sat, PUZZLE_LIMITS), sat)
        attempt.passed, attempt.total = result.n_passed, len(result.verdicts)
        attempt.verdicts = [v.status.value for v in result.verdicts]
        return result
    tests = list(task.examples if tests is None else tests)
    if not tests:
        attempt.passed, attempt.total = 0, 0
        return None
    result = sandbox.run(attempt.code, task.entry_point, tests)
    attempt.passed, attempt.total = result.n_passed, len(result.verdicts)
    attempt.verdicts = [v.status.value for v in result.verdicts]
    return result


def failure_feedback(attempt: Attempt, result: RunResult | None, task: TaskView,
                     tests: Sequence[IOTest] | None = None) -> str:
    """The failing visible examples: input, expected, and what the code did instead (for a
    puzzle: what ``sol()`` returned and what ``sat`` said of it)."""
    tests = list(task.examples if tests is None else tests)
    lines = []
    if not attempt.extraction_ok:
        lines.append(f"The previous answer could not be used as code: {attempt.reason}.")
    if task.puzzle is not None and not tests and result is not None:
        failed = result.first_failure()
        if failed is not None:
            lines.append(describe_rejected(rejection(failed[1], 0)))
        return truncate("\n".join(lines) or "The previous code was not checked.", MAX_FEEDBACK_CHARS)
    if result is not None and result.verdicts:
        failing = [(i, v) for i, v in enumerate(result.verdicts) if not v.passed]
        if failing:
            lines.append(f"{len(failing)} of {len(result.verdicts)} examples failed.")
        for i, verdict in failing[:MAX_FAILURES_SHOWN]:
            lines += [f"Failing example #{i + 1}:", f"  example: {truncate(render_example(task.entry_point, tests[i]))}",
                      f"  got: {describe_outcome(verdict)}"]
        if len(failing) > MAX_FAILURES_SHOWN:
            lines.append(f"({len(failing) - MAX_FAILURES_SHOWN} more failing examples not shown.)")
    return truncate("\n".join(lines) or "The previous code was not checked.", MAX_FEEDBACK_CHARS)


def best_attempt(attempts: Sequence[Attempt]) -> Attempt:
    """Most visible examples passed; a usable extraction next; the earliest on ties."""
    return max(attempts, key=lambda a: (a.passed or 0, a.extraction_ok))
