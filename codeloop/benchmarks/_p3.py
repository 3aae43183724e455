"""P3, Python Programming Puzzles (Schuster et al., 2021): find an input that makes ``sat`` true.

A P3 puzzle *is* its ``sat`` function, so unlike a hidden test it is shown to the solver: the
task's :class:`~codeloop.benchmarks.Puzzle` holds the ``sat`` source, the ``sol`` header (its
defaults are the puzzle's parameters, already visible in ``sat``) and the answer type; the
``sol`` docstring, the puzzle in words, is the task's description. The solver writes ``sol()``;
the only test is a :class:`SatTest`, which runs ``sat`` on the answer in a child that never
sees the candidate's code.

Puzzles come in classes (``Study_1:0``, ``Study_1:1``, ... are instances of ``Study_1``) that
differ only in their parameters, so splits are made by class: a split that put
``Study_1:0`` in train and ``Study_1:1`` in test would leak the test set. P3's ``split.json``
gives train and test classes; dev is a seeded 20% of the train classes. Classes that file
does not list are split by seed, and the report says how many.

Some puzzles hold integer literals too long for Python's decimal conversion limit (4300
digits by default, a process-wide setting): ``BoxVolume:1`` has an 8844-digit ``n``, which
neither ``ast.parse`` here nor ``compile`` in the sandbox's child accepts. The loader rewrites
such literals as hexadecimal literals (the same value; Python's limit applies to decimal only),
found with ``tokenize`` and converted in chunks below the limit, so the limit is never raised,
not even inside the loader, and the puzzle the solver sees is the one the sandbox runs.
"""

from __future__ import annotations

import ast
import io
import json
import tokenize
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..exceptions import ConfigError
from ..execution import SatTest
from ._rows import (
    bad_field,
    convert_rows,
    json_list_rows,
    make_suite,
    make_task,
    need,
    need_str_list,
    parse_code,
    read_text,
    short,
    top_level_function,
)
from ._splits import seeded_split
from ._task import SPLITS, LoadReport, Puzzle, SplitName, Suite, Task

__all__ = ["DEV_FRACTION", "MAX_DECIMAL_DIGITS", "hex_huge_ints", "load_p3", "p3_task", "puzzle_class"]

DEV_FRACTION = 0.2  # of the train classes, carved out as dev
#: decimal integer literals longer than this are written in hex (Python refuses over 4300 by default)
MAX_DECIMAL_DIGITS = 4000
_CHUNK = 1000  # digits converted at a time, well below any decimal conversion limit


def _decimal_value(digits: str) -> int:
    """The value of a string of decimal digits of any length, never converting more than
    ``_CHUNK`` digits at once (so the interpreter's int-string limit never applies)."""
    value = 0
    for start in range(0, len(digits), _CHUNK):
        chunk = digits[start:start + _CHUNK]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


def hex_huge_ints(source: str) -> tuple[str, int]:
    """``source`` with every decimal integer literal of more than ``MAX_DECIMAL_DIGITS`` digits
    written as a hex literal of the same value, and how many were rewritten. Source that does
    not tokenize is returned as it is (parsing it then reports the error)."""
    found: list[tuple[int, int, int, str]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            text = token.string.replace("_", "")
            if token.type == tokenize.NUMBER and text.isdigit() and len(text) > MAX_DECIMAL_DIGITS:
                found.append((*token.start, token.end[1], hex(_decimal_value(text))))  # on one line
    except (tokenize.TokenError, SyntaxError):
        return source, 0
    if not found:
        return source, 0
    lines = io.StringIO(source).readlines()  # the lines tokenize read
    for row, col, end_col, replacement in reversed(found):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + replacement + line[end_col:]
    return "".join(lines), len(found)


def puzzle_class(name: str) -> str:
    """The class of a puzzle: its name before ``:`` (``"Study_1:0"`` -> ``"Study_1"``)."""
    return name.split(":", 1)[0]


def load_p3(path: str | Path, *, split_path: str | Path | None = None, skip_bad: bool = False,
            seed: int = 0) -> Suite:
    """Load P3's ``puzzles.json``; split by ``split_path`` (default: ``split.json`` beside it, if any)."""
    path = Path(path)
    if split_path is None:
        beside = path.parent / "split.json"
        split_file = beside if beside.is_file() else None
    else:
        split_file = Path(split_path)
    official = _read_split_file(split_file) if split_file is not None else None
    report = LoadReport(source=str(path))
    tasks = convert_rows(json_list_rows(path, "P3 puzzles"), p3_task, report, skip_bad=skip_bad)
    rewritten = [t.id.removeprefix("p3/") for t in tasks if t.metadata.get("hex_literals")]
    if rewritten:
        report.notes.append(f"{len(rewritten)} puzzles have integer literals over {MAX_DECIMAL_DIGITS} digits, "
                            f"written in hex (the same values): {short(rewritten)}")
    by_class: dict[str, list[str]] = {}
    for task in tasks:
        by_class.setdefault(task.metadata["class"], []).append(task.id)
    class_splits = _class_splits(by_class, official, seed, report,
                                 str(split_file) if split_file is not None else None)
    splits = {s: [i for c in class_splits[s] for i in by_class[c]] for s in SPLITS}
    return make_suite("p3", tasks, splits, report)


def p3_task(record: Mapping[str, Any], where: str) -> Task:
    """One puzzle as a task: its statement (``sat``, the ``sol`` header, the answer type) in
    :attr:`Task.puzzle`, the ``sol`` docstring as the description, and a SatTest as judge."""
    name = need(record, "name", str, where, "a puzzle name such as 'Study_1:0'")
    if not name.strip() or not puzzle_class(name).strip():
        raise bad_field(where, "name", "is blank", name, "a puzzle name such as 'Study_1:0'")
    sat, n_hex = hex_huge_ints(need(record, "sat", str, where, "the source of def sat(answer, ...) as a string"))
    sat_def = top_level_function(parse_code(sat, where, "sat", "the source of def sat(...)"), "sat")
    if sat_def is None:
        raise bad_field(where, "sat", "does not define a top-level function sat", sat, "the source of def sat(...)")
    header, n = hex_huge_ints(need(record, "sol_header", str, where, "the line 'def sol(...):' as a string"))
    n_hex += n
    docstring = need(record, "sol_docstring", str, where, "the indented docstring of sol as a string")
    bodies = need_str_list(record, "sol_bodies", where)
    ans_type = need(record, "ans_type", str, where, "the answer's type as a string, such as 'List[int]'")
    module = need(record, "module", str, where, "the puzzle's module name as a string")
    stub = f"{header}\n{docstring}\n"  # a function whose whole body is its docstring: it must parse
    sol_def = top_level_function(parse_code(stub, where, "sol_header", "'def sol(...):' followed by a docstring"),
                                 "sol")
    if sol_def is None:
        raise bad_field(where, "sol_header", "does not define sol", header, "'def sol(...):'")
    reference = None
    if bodies:
        body, n = hex_huge_ints(bodies[0])
        n_hex += n
        reference = f"{header}\n{docstring}\n{body}"
        parse_code(reference, where, "sol_bodies[0]", "the indented body of sol", line_offset=stub.count("\n"))
    metadata: dict[str, Any] = {"class": puzzle_class(name), "n_solutions": len(bodies), "ans_type": ans_type}
    if n_hex:
        metadata["hex_literals"] = n_hex
    for optional, kinds, accepted in (("notes", str, "notes as a string"), ("weight", (int, float), "a number")):
        if optional in record:
            metadata[optional] = need(record, optional, kinds, where, accepted)
    words = ast.get_docstring(sol_def)
    return make_task(
        where,
        id=f"p3/{name}",
        entry_point="sol",
        params=(),
        description=words.strip() if words and words.strip() else None,
        hidden_tests=(SatTest(sat=sat),),
        reference=reference,
        tags=(module, ans_type),
        source="p3",
        metadata=metadata,
        puzzle=Puzzle(sat=sat, sol_header=header.strip(), answer_type=ans_type),
    )


def _read_split_file(path: Path) -> dict[str, list[str]]:
    """``{"train": [class, ...], "test": [class, ...]}``, checked field by field."""
    try:
        data = json.loads(read_text(path, "P3 split"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"P3 split file {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg}); expected {{\"train\": [class names], \"test\": [class names]}}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"P3 split file {path} holds a JSON {type(data).__name__}; "
                          f"expected {{\"train\": [class names], \"test\": [class names]}}")
    official = {s: need_str_list(data, s, f"P3 split file {path}") for s in ("train", "test")}
    both = sorted(set(official["train"]) & set(official["test"]))
    if both:
        raise ConfigError(f"P3 split file {path}: classes {short(both)} are in both 'train' and 'test'; "
                          f"expected each class in one list")
    return official


def _class_splits(by_class: dict[str, list[str]], official: dict[str, list[str]] | None, seed: int,
                  report: LoadReport, split_file: str | None) -> dict[SplitName, list[str]]:
    """Assign whole classes to splits (official where known, seeded otherwise)."""
    classes = sorted(by_class)
    if official is None:
        report.notes.append(f"no split file: {len(classes)} classes split by seed {seed}")
        return seeded_split(classes, seed=seed)  # type: ignore[return-value]
    present = set(classes)
    train = [c for c in official["train"] if c in present]
    carved = seeded_split(train, seed=seed, fractions=(1.0 - DEV_FRACTION, DEV_FRACTION, 0.0))
    out: dict[SplitName, list[str]] = {"train": carved["train"], "dev": carved["dev"],
                                       "test": [c for c in official["test"] if c in present]}
    listed = set(official["train"]) | set(official["test"])
    unlisted = [c for c in classes if c not in listed]
    if unlisted:
        extra = seeded_split(unlisted, seed=seed)
        for s in SPLITS:
            out[s].extend(extra[s])
        n_puzzles = sum(len(by_class[c]) for c in unlisted)
        report.notes.append(f"{len(unlisted)} classes ({n_puzzles} puzzles) not in {split_file} were split "
                            f"by seed {seed}: {short(unlisted)}")
    absent = len(listed - present)
    if absent:
        report.notes.append(f"{absent} classes named in {split_file} have no loaded puzzle")
    return out
