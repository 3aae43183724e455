"""codeloop's own JSONL task format: one task per line, values in the sandbox's tagged form.

A line is a JSON object with the fields of :class:`~codeloop.benchmarks.Task` plus an
optional ``split`` (``train``, ``dev`` or ``test``). In a test, ``args`` is a list and
``kwargs`` an object whose values, like ``expected``, are written in the tagged form the
sandbox uses at its boundary (plain JSON for None, booleans, numbers, strings and lists;
``{"t": [...]}`` for a tuple, ``{"s": [...]}`` a set, ``{"d": [[k, v], ...]}`` a dict, ...), so
``(1, 2)`` and ``[1, 2]`` stay different after a round trip. ``jsonl_schema()`` gives the JSON
Schema of a line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..exceptions import ConfigError
from ..execution import Unencodable, decode, encode
from ._splits import seeded_split
from ._task import SPLITS, LoadReport, Suite, Task


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
            try:
                decoded.append(_map_test_values(test, decode))
            except (ValueError, TypeError) as exc:
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
    try:
        lines = path.read_text(encoding="utf-8").split("\n")  # not splitlines: U+2028 may sit in a string
    except OSError as exc:
        raise ConfigError(f"cannot read suite file {path}: {exc.strerror or exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
            task, split = task_from_record(record, where)
        except ConfigError as exc:
            if not skip_bad:
                raise
            report.skipped.append(str(exc))
            continue
        tasks.append(task)
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
    """The JSON Schema of one line (values of tests are in the sandbox's tagged form)."""
    schema = Task.model_json_schema()
    schema["properties"]["split"] = {"enum": list(SPLITS), "description": "optional fixed split"}
    schema["description"] = ("One codeloop task per line. In tests, each element of args, each value "
                             "of kwargs, and expected use the sandbox's tagged JSON form (plain JSON for "
                             "null, booleans, numbers, strings and lists): {\"t\": [...]} tuple, {\"s\": [...]} set, "
                             "{\"fs\": [...]} frozenset, {\"d\": [[k, v], ...]} dict, {\"b\": hex} bytes, "
                             "{\"c\": [re, im]} complex, {\"f\": \"nan\"|\"inf\"|\"-inf\"} float.")
    return schema
