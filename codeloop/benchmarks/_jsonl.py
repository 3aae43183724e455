"""codeloop's own JSONL task format: one task per line.

A line is a JSON object with the fields of :class:`~codeloop.benchmarks.Task` plus an
optional ``split`` (``train``, ``dev`` or ``test``); an unknown field is an error naming the
line, the field and the nearest known one. In a test, ``args`` is a list and ``kwargs`` an
object. Values (arguments, keyword values, ``expected``) are plain JSON as themselves (None,
booleans, numbers, strings, lists, objects with string keys), and the sandbox's tagged form
only where JSON cannot say it: ``{"t": [...]}`` a tuple, ``{"s": [...]}`` a set,
``{"fs": [...]}`` a frozenset, ``{"d": [[k, v], ...]}`` a dict with non-string keys,
``{"b": hex}`` bytes, ``{"c": [re, im]}`` a complex, ``{"f": "nan"}`` nan or infinity,
``{"i": hex}`` a huge int. An object whose only key is one of those tags is read as the tagged
form (a dict that really holds one such key is written ``{"d": [["t", ...]]}``). Written files
use the tagged form throughout, so ``(1, 2)`` and ``[1, 2]`` stay different after a round trip.
``jsonl_schema()`` gives the JSON Schema of a line.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..exceptions import ConfigError
from ..execution import AssertTest, IOTest, SatTest, Unencodable, decode, encode
from ._splits import seeded_split
from ._task import SPLITS, LoadReport, Suite, Task

#: tags of the sandbox's encoded form (see ``codeloop.execution.encode``)
TAGS = frozenset({"t", "s", "fs", "d", "b", "c", "f", "i"})
#: fields a task record may have, besides the Task model's own
EXTRA_FIELDS = ("split",)
#: names a newcomer might write, and the field they mean
FIELD_HINTS = {"input": "args", "inputs": "args", "output": "expected", "outputs": "expected",
               "tests": "hidden_tests", "test": "hidden_tests", "solution": "reference", "code": "reference",
               "name": "entry_point", "function": "entry_point", "prompt": "description", "text": "description"}


def plain_or_tagged(value: Any) -> Any:
    """A value as a task file writes it: plain JSON as itself, a single-tag object as the tagged form."""
    if isinstance(value, list):
        return [plain_or_tagged(v) for v in value]
    if not isinstance(value, dict):
        return decode(value)
    if len(value) == 1 and next(iter(value)) in TAGS:
        (tag, body), = value.items()
        if tag in ("t", "s", "fs"):
            if not isinstance(body, list):
                raise ValueError(f"tag {tag!r} needs a list, got {type(body).__name__}")
            items = [plain_or_tagged(v) for v in body]
            try:
                return tuple(items) if tag == "t" else set(items) if tag == "s" else frozenset(items)
            except TypeError as exc:  # an unhashable member
                raise ValueError(f"a {'set' if tag == 's' else 'frozenset'} member is unhashable ({exc})") from None
        if tag == "d":
            if not isinstance(body, list) or not all(isinstance(p, list) and len(p) == 2 for p in body):
                raise ValueError("tag 'd' needs a list of [key, value] pairs")
            try:
                return {plain_or_tagged(k): plain_or_tagged(v) for k, v in body}
            except TypeError as exc:
                raise ValueError(f"a dict key is unhashable ({exc})") from None
        return decode(value)  # a leaf tag: bytes, complex, special float, huge int
    return {key: plain_or_tagged(v) for key, v in value.items()}


def _unknown_fields(record: dict, known: Iterable[str], where: str, what: str) -> None:
    known = sorted(known)
    for field in record:
        if field in known:
            continue
        nearest = FIELD_HINTS.get(field) if FIELD_HINTS.get(field) in known else None
        nearest = nearest or next(iter(difflib.get_close_matches(field, known, n=1, cutoff=0.6)), None)
        hint = f"did you mean {nearest!r}? " if nearest else ""
        raise ConfigError(f"{where}: unknown field {field!r} in {what}; {hint}known fields: {', '.join(known)}")


TEST_FIELDS = frozenset({*IOTest.model_fields, *AssertTest.model_fields, *SatTest.model_fields})


def _map_test_values(test: dict, fn) -> dict:
    """Apply ``fn`` to each value of a test: each argument, each keyword value, ``expected``."""
    out = dict(test)
    if "args" in out:
        if not isinstance(out["args"], (list, tuple)):
            raise ValueError(f"'args' must be a list, got {out['args']!r:.60}")
        out["args"] = [fn(a) for a in out["args"]]
    if "kwargs" in out:
        if not isinstance(out["kwargs"], dict):
            raise ValueError(f"'kwargs' must be an object, got {out['kwargs']!r:.60}")
        out["kwargs"] = {k: fn(v) for k, v in out["kwargs"].items()}
    if "expected" in out:
        out["expected"] = fn(out["expected"])
    return out


def task_to_record(task: Task, split: str | None = None) -> dict[str, Any]:
    """The JSON-safe record of ``task`` (raises ``ConfigError`` for values that cannot be stored)."""
    record = task.model_dump(mode="python")
    try:
        record["examples"] = [_map_test_values(t, encode) for t in record["examples"]]
        record["hidden_tests"] = [_map_test_values(t, encode) for t in record["hidden_tests"]]
    except Unencodable as exc:
        raise ConfigError(f"task {task.id!r}: a test value cannot be stored: {exc}") from None
    if split is not None:
        record["split"] = split
    return record


def task_from_record(record: Any, where: str) -> tuple[Task, str | None]:
    """Build a task from one record; errors name ``where`` (file and line), the field and value."""
    if not isinstance(record, dict):
        raise ConfigError(f"{where}: a task must be a JSON object, got {type(record).__name__}")
    record = dict(record)
    _unknown_fields(record, [*Task.model_fields, *EXTRA_FIELDS], where, "a task")
    split = record.pop("split", None)
    if split is not None and split not in SPLITS:
        raise ConfigError(f"{where}: field 'split' must be one of {', '.join(SPLITS)}, got {split!r}")
    for field in ("examples", "hidden_tests"):
        tests = record.get(field, [])
        if not isinstance(tests, list):
            raise ConfigError(f"{where}: field {field!r} must be a list, got {type(tests).__name__}")
        decoded = []
        for i, test in enumerate(tests):
            if not isinstance(test, dict):
                raise ConfigError(f"{where}: {field}[{i}] must be an object, got {test!r:.80}")
            _unknown_fields(test, TEST_FIELDS, where, f"{field}[{i}]")
            try:
                decoded.append(_map_test_values(test, plain_or_tagged))
            except (ValueError, TypeError, RecursionError) as exc:
                raise ConfigError(f"{where}: {field}[{i}] has a malformed value ({exc})") from None
        record[field] = decoded
    try:
        return Task.model_validate(record), split
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{where}: field {location!r}: {first['msg']} (got {first.get('input')!r:.80})") from None


def read_jsonl_suite(path: str | Path, *, name: str | None = None, seed: int = 0,
                     skip_bad: bool = False) -> Suite:
    """Load a JSONL suite. Tasks without a ``split`` are split by ``seed`` (50/20/30)."""
    path = Path(path)
    report = LoadReport(source=str(path))
    tasks: list[Task] = []
    fixed: dict[str, list[str]] = {s: [] for s in SPLITS}
    unsplit: list[str] = []
    first_seen: dict[str, int] = {}  # task id -> line
    try:
        lines = path.read_bytes().split(b"\n")  # not splitlines: U+2028 may sit in a string
    except OSError as exc:
        raise ConfigError(f"cannot read suite file {path}: {exc.strerror or exc}") from None
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{path}:{number}"
        try:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ConfigError(f"{where}: not UTF-8 text (byte {raw[exc.start]:#04x} at column {exc.start + 1}); "
                                  "save the file as UTF-8") from None
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
            task, split = task_from_record(record, where)
            if task.id in first_seen:
                raise ConfigError(f"{where}: task id {task.id!r} was already loaded from {path}:{first_seen[task.id]}")
        except ConfigError as exc:
            if not skip_bad:
                raise
            report.skipped.append(str(exc))
            continue
        tasks.append(task)
        first_seen[task.id] = number
        (fixed[split] if split else unsplit).append(task.id)
    report.loaded = len(tasks)
    extra = seeded_split(unsplit, seed=seed)
    splits = {s: tuple(fixed[s] + extra[s]) for s in SPLITS}
    try:
        return Suite(name=name or path.stem, tasks=tuple(tasks), splits=splits, report=report)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {exc.errors()[0]['msg']}") from None


def write_jsonl_suite(suite: Suite, path: str | Path) -> None:
    """Write ``suite`` with each task's split, so it loads back identically."""
    split_of = {task_id: split for split, ids in suite.splits.items() for task_id in ids}
    lines = (json.dumps(task_to_record(t, split_of.get(t.id)), ensure_ascii=False) for t in suite.tasks)
    _write_lines(Path(path), lines)


def _write_lines(path: Path, lines: Iterable[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    tmp.replace(path)  # all or nothing: a crash never leaves half a suite


def jsonl_schema() -> dict[str, Any]:
    """The JSON Schema of one line (values of tests: plain JSON, or the tagged form where JSON cannot say it)."""
    schema = Task.model_json_schema()
    schema["properties"]["split"] = {"enum": list(SPLITS), "description": "optional fixed split"}
    schema["additionalProperties"] = False
    schema["description"] = ("One codeloop task per line; unknown fields are refused. In tests, each element of args, "
                             "each value of kwargs, and expected are plain JSON as themselves (null, booleans, "
                             "numbers, strings, lists, objects with string keys), or the sandbox's tagged JSON "
                             "form where JSON cannot say it: {\"t\": [...]} tuple, {\"s\": [...]} set, "
                             "{\"fs\": [...]} frozenset, {\"d\": [[k, v], ...]} dict with any keys, {\"b\": hex} "
                             "bytes, {\"c\": [re, im]} complex, {\"f\": \"nan\"|\"inf\"|\"-inf\"} float, "
                             "{\"i\": hex} huge int. An object whose only key is one of those tags is the tagged form.")
    return schema
