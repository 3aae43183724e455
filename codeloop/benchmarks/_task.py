"""The task model: what a benchmark task is, and the view of it that a module may see.

Hidden tests and reference solutions never reach an LM prompt. The guard is in the types:
modules receive a :class:`TaskView`, which has neither; only the evaluator holds a
:class:`Task`.

A task is of one of two kinds. A *function* task is specified by input/output examples (and
a description) and judged on hidden input/output tests. A *puzzle* (P3) is specified by its
``sat`` function, which the solver sees by design: :attr:`Task.puzzle` holds what is shown,
and a :class:`~codeloop.execution.SatTest` judges the answer. A puzzle has no examples to
reveal; in the rounds its view carries the answers earlier rounds returned and why ``sat``
rejected them (:class:`RejectedAnswer`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from ..execution import AssertTest, IOTest, SatTest

SplitName = Literal["train", "dev", "test"]
SPLITS: tuple[SplitName, ...] = ("train", "dev", "test")

def _test_kind(value: Any) -> str | None:
    """The test's kind; in hand-written files ``kind`` may be left out (``code`` means an
    assertion, ``sat`` a puzzle, anything else an I/O pair)."""
    if isinstance(value, dict):
        return value.get("kind") or ("assert" if "code" in value else "sat" if "sat" in value else "io")
    return getattr(value, "kind", None)


HiddenTest = Annotated[
    Annotated[IOTest, Tag("io")] | Annotated[AssertTest, Tag("assert")] | Annotated[SatTest, Tag("sat")],
    Discriminator(_test_kind),
]


class Param(BaseModel):
    """One parameter of the target function."""

    model_config = ConfigDict(frozen=True)

    name: str
    annotation: str | None = None

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not value.isidentifier():
            raise ValueError(f"a parameter name must be a Python identifier, got {value!r}")
        return value


class Puzzle(BaseModel):
    """What a puzzle shows its solver: ``sat`` is the specification, visible by design.

    ``sol_header`` is the line the solver completes (``def sol(...):``; its parameters, with
    their defaults, are ``sat``'s other arguments); ``answer_type`` is the type ``sol()`` must
    return (``sat``'s first annotation, such as ``List[int]``), or ``None`` if unstated.
    """

    model_config = ConfigDict(frozen=True)

    sat: str
    sol_header: str
    answer_type: str | None = None


class RejectedAnswer(BaseModel):
    """An answer a puzzle's ``sat`` rejected in an earlier round: the puzzle's feedback.

    ``answer`` is a bounded ``repr`` of what ``sol()`` returned (``None`` when it returned
    nothing usable: it raised, timed out, or the value could not cross the sandbox boundary);
    ``verdict`` says what happened, in words (``sat returned False``, ``sat raised ...``, the
    answer's type did not match, or what ``sol()`` did instead of returning).
    """

    model_config = ConfigDict(frozen=True)

    round: int
    answer: str | None
    verdict: str


class TaskView(BaseModel):
    """What a module sees of a task: no hidden tests, no reference solution.

    For a puzzle, ``puzzle`` holds its statement (``sat`` is shown by design) and ``rejected``
    the answers earlier rounds returned with ``sat``'s verdict on each; ``examples`` is empty.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    entry_point: str
    params: tuple[Param, ...] = ()
    description: str | None = None
    examples: tuple[IOTest, ...] = ()
    constraints: str | None = None
    tags: tuple[str, ...] = ()
    puzzle: Puzzle | None = None
    rejected: tuple[RejectedAnswer, ...] = ()

    @property
    def is_puzzle(self) -> bool:
        return self.puzzle is not None

    def with_examples(self, examples: tuple[IOTest, ...]) -> TaskView:
        return self.model_copy(update={"examples": tuple(examples)})


class Task(BaseModel):
    """A benchmark task. ``examples`` are visible; ``hidden_tests`` and ``reference`` are not.

    ``input_generator``, if set, is Python source defining ``generate(rng)`` that returns
    an argument tuple (``rng`` is a ``random.Random``); it runs only in the sandbox.
    ``puzzle``, if set, makes the task a puzzle: what it shows the solver, while its
    :class:`~codeloop.execution.SatTest` (among ``hidden_tests``) judges the answer.
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    entry_point: str
    params: tuple[Param, ...] = ()
    description: str | None = None
    examples: tuple[IOTest, ...] = ()
    hidden_tests: tuple[HiddenTest, ...] = ()
    reference: str | None = None
    constraints: str | None = None
    input_generator: str | None = None
    tags: tuple[str, ...] = ()
    source: str = "unknown"
    metadata: dict[str, Any] = Field(default_factory=dict)
    puzzle: Puzzle | None = None

    @field_validator("entry_point")
    @classmethod
    def _entry_identifier(cls, value: str) -> str:
        if not value.isidentifier():
            raise ValueError(f"entry_point must be a Python identifier, got {value!r}")
        return value

    @model_validator(mode="after")
    def _has_something_to_check(self) -> Task:
        if not self.examples and not self.hidden_tests:
            raise ValueError(f"task {self.id!r} has neither examples nor hidden tests")
        if self.puzzle is not None and not self.sat_tests:
            raise ValueError(f"task {self.id!r} is a puzzle but has no sat test to judge its answer; "
                             "expected a hidden test {\"kind\": \"sat\", \"sat\": \"def sat(...): ...\"}")
        return self

    @property
    def is_puzzle(self) -> bool:
        return self.puzzle is not None

    @property
    def sat_tests(self) -> tuple[SatTest, ...]:
        return tuple(t for t in self.hidden_tests if isinstance(t, SatTest))

    def view(self) -> TaskView:
        """The module's view: everything but the hidden tests and the reference solution."""
        return TaskView(id=self.id, entry_point=self.entry_point, params=self.params,
                        description=self.description, examples=self.examples,
                        constraints=self.constraints, tags=self.tags, puzzle=self.puzzle)

    @property
    def all_tests(self) -> tuple[IOTest | AssertTest | SatTest, ...]:
        """Visible examples followed by hidden tests: what "correct" is judged on."""
        return (*self.examples, *self.hidden_tests)


class LoadReport(BaseModel):
    """How a loader fared: nothing is dropped without being counted and explained."""

    source: str
    loaded: int = 0
    skipped: list[str] = Field(default_factory=list)  # one reason per skipped row
    notes: list[str] = Field(default_factory=list)  # e.g. rows placed by seed, not by the official split

    def summary(self) -> str:
        base = f"{self.source}: loaded {self.loaded}, skipped {len(self.skipped)}"
        return f"{base}; {'; '.join(self.notes)}" if self.notes else base


class Suite(BaseModel):
    """A named collection of tasks with deterministic train/dev/test splits."""

    model_config = ConfigDict(frozen=True)

    name: str
    tasks: tuple[Task, ...]
    splits: dict[SplitName, tuple[str, ...]]
    report: LoadReport | None = None

    @model_validator(mode="after")
    def _splits_are_a_partition(self) -> Suite:
        ids = [t.id for t in self.tasks]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"suite {self.name!r} has duplicate task ids: {duplicates[:5]}")
        known = set(ids)
        seen: set[str] = set()
        for split, members in self.splits.items():
            unknown = [m for m in members if m not in known]
            if unknown:
                raise ValueError(f"split {split!r} of suite {self.name!r} names unknown tasks: {unknown[:5]}")
            twice = seen & set(members)
            if twice:
                raise ValueError(f"tasks {sorted(twice)[:5]} are in more than one split of {self.name!r}")
            seen |= set(members)
        return self

    def split(self, name: SplitName) -> list[Task]:
        if name not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {name!r}")
        by_id = {t.id: t for t in self.tasks}
        return [by_id[i] for i in self.splits.get(name, ())]

    def counts(self) -> dict[str, int]:
        return {name: len(self.splits.get(name, ())) for name in SPLITS}

    def summary_line(self) -> str:
        c = self.counts()
        return f"tasks: {len(self.tasks)} (train {c['train']}, dev {c['dev']}, test {c['test']})"
