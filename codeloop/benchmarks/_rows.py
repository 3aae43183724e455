"""The row rules every benchmark loader shares, kept in one place so they cannot drift.

The loaders (MBPP, HumanEval, P3) read files written by other people: a malformed row raises a
:class:`~codeloop.exceptions.ConfigError` naming the file, the line (JSONL) or index (JSON list),
the field and the (truncated) value; with ``skip_bad`` the row is skipped and the reason kept in
the suite's report. Nothing is dropped without being counted.
"""

from __future__ import annotations

import ast
import gzip
import json
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import _pyast
from ..exceptions import ConfigError
from ._task import SPLITS, LoadReport, Param, SplitName, Suite, Task

_VALUE_CHARS = 80  # how much of a bad value an error message quotes

Row = tuple[str, Any]  # (where: "file:line" or "file [index i]", the decoded row or the ConfigError it caused)


# --------------------------------------------------------------------------- messages and fields


def short(value: Any) -> str:
    """``repr(value)`` cut to a length an error message can carry."""
    text = repr(value)
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 3] + "..."


def bad_field(where: str, field: str, problem: str, value: Any, accepted: str) -> ConfigError:
    """The error for one bad field: where, which field, what is wrong, the value, what would do."""
    return ConfigError(f"{where}: field {field!r} {problem} (got {short(value)}); expected {accepted}")


def need(record: Mapping[str, Any], field: str, kind: type | tuple[type, ...], where: str,
         accepted: str) -> Any:
    """``record[field]``, which must exist and be an instance of ``kind`` (a bool is no int)."""
    if field not in record:
        raise ConfigError(f"{where}: missing field {field!r} (the row has {short(sorted(record))}); "
                          f"expected {accepted}")
    value = record[field]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise bad_field(where, field, f"has type {type(value).__name__}", value, accepted)
    return value


def need_str_list(record: Mapping[str, Any], field: str, where: str, *, non_empty: bool = False) -> list[str]:
    """``record[field]`` as a list of strings (optionally at least one)."""
    accepted = "a non-empty list of strings" if non_empty else "a list of strings"
    value = need(record, field, list, where, accepted)
    if non_empty and not value:
        raise bad_field(where, field, "is empty", value, accepted)
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise bad_field(where, f"{field}[{i}]", f"has type {type(item).__name__}", item, "a string")
    return value


def parse_code(source: str, where: str, field: str, what: str = "Python code", *, line_offset: int = 0) -> ast.Module:
    """Parse ``source``; a syntax error names the field, the line and the offending text.

    ``line_offset`` is the number of lines in ``source`` before the field's own text (when the
    field is parsed inside code assembled around it), so the line named is the field's.
    """
    try:
        return _pyast.parse(source)
    except SyntaxError as exc:
        lines = source.splitlines()
        line = lines[exc.lineno - 1] if exc.lineno and 0 < exc.lineno <= len(lines) else source
        number = exc.lineno - line_offset if exc.lineno else "?"
        raise bad_field(where, field, f"does not parse (line {number}: {exc.msg})", line.strip(),
                        what) from None
    except ValueError as exc:  # e.g. null bytes
        raise bad_field(where, field, f"does not parse ({exc})", source, what) from None


def top_level_function(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The module-level ``def name`` that a run would call (the last one, as Python rebinds)."""
    found = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found = node
    return found


def top_level_function_names(tree: ast.Module) -> list[str]:
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def params_of(func: ast.FunctionDef | ast.AsyncFunctionDef, source: str) -> tuple[Param, ...]:
    """The parameters a module should know, with annotations as written in ``source``.

    ``*args`` and ``**kwargs`` appear by their bare names: a ``Param`` has no notion of stars.
    """
    a = func.args
    every = [*a.posonlyargs, *a.args, *([a.vararg] if a.vararg else []), *a.kwonlyargs,
             *([a.kwarg] if a.kwarg else [])]
    params = []
    for arg in every:
        annotation = None
        if arg.annotation is not None:
            annotation = ast.get_source_segment(source, arg.annotation) or ast.unparse(arg.annotation)
        params.append(Param(name=arg.arg, annotation=annotation))
    return tuple(params)


# --------------------------------------------------------------------------- reading rows


def read_text(path: Path, what: str) -> str:
    """The file's text (gunzipped if it ends in ``.gz``); any failure is a ConfigError naming it."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                return handle.read()
        return path.read_text(encoding="utf-8")
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        raise ConfigError(f"cannot read {what} file {path}: {reason}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} file {path} is not UTF-8 text (byte {exc.start}); expected UTF-8 JSON") from None


def jsonl_rows(path: Path, what: str) -> list[Row]:
    """One row per non-blank line; a line that is not JSON becomes its error, to raise or skip."""
    rows: list[Row] = []
    # split("\n"), not splitlines(): JSON may hold a raw U+2028 inside a string, which is no line end
    for number, line in enumerate(read_text(path, what).split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            rows.append((where, json.loads(line)))
        except json.JSONDecodeError as exc:
            rows.append((where, ConfigError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno}) "
                                            f"(got {short(line.strip())}); expected one JSON object per line")))
    return rows


def json_list_rows(path: Path, what: str) -> list[Row]:
    """The items of a file holding one JSON list; a file that is not one cannot be skipped row by row."""
    try:
        data = json.loads(read_text(path, what))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{what} file {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg}); expected a JSON list of objects") from None
    if not isinstance(data, list):
        raise ConfigError(f"{what} file {path} holds a JSON {type(data).__name__}; expected a JSON list of objects")
    return [(f"{path} [index {i}]", item) for i, item in enumerate(data)]


def convert_rows(rows: Iterable[Row], convert: Callable[[Mapping[str, Any], str], Task],
                 report: LoadReport, *, skip_bad: bool) -> list[Task]:
    """Turn rows into tasks; a bad row raises, or with ``skip_bad`` is recorded in ``report``."""
    tasks: list[Task] = []
    first_seen: dict[str, str] = {}
    for where, record in rows:
        try:
            if isinstance(record, ConfigError):
                raise record
            if not isinstance(record, Mapping):
                raise ConfigError(f"{where}: a row must be a JSON object (got {type(record).__name__} "
                                  f"{short(record)}); expected an object with the source's fields")
            task = convert(record, where)
            if task.id in first_seen:
                raise ConfigError(f"{where}: task id {task.id!r} was already loaded from "
                                  f"{first_seen[task.id]}; expected each task once")
        except ConfigError as exc:
            if not skip_bad:
                raise
            report.skipped.append(str(exc))
            continue
        first_seen[task.id] = where
        tasks.append(task)
    report.loaded = len(tasks)
    return tasks


def make_task(where: str, **fields: Any) -> Task:
    """``Task(**fields)``, with a validation failure turned into a ConfigError naming the field."""
    try:
        return Task(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(p) for p in first["loc"]) or "task"
        raise ConfigError(f"{where}: task field {location!r}: {first['msg']} "
                          f"(got {short(first.get('input'))})") from None


def make_suite(name: str, tasks: list[Task], splits: Mapping[SplitName, Iterable[str]],
               report: LoadReport) -> Suite:
    """The suite, with every split present (possibly empty) and sorted for stable output."""
    try:
        return Suite(name=name, tasks=tuple(tasks),
                     splits={s: tuple(sorted(splits.get(s, ()))) for s in SPLITS}, report=report)
    except ValidationError as exc:
        raise ConfigError(f"{report.source}: {exc.errors()[0]['msg']}") from None


def import_datasets(hub_name: str) -> Any:
    """The ``datasets`` package, or a ConfigError that says how to get it."""
    try:
        import datasets  # type: ignore[import-not-found]
    except ImportError:
        raise ConfigError(f"loading {hub_name} from the Hugging Face hub needs the 'datasets' package: "
                          f"pip install datasets (or load a local file instead)") from None
    return datasets


def hub_rows(hub_name: str, config: str | None) -> list[Row]:
    """Every row of every split of a hub dataset, each labelled with its split and position."""
    datasets = import_datasets(hub_name)
    label = f"{hub_name} ({config})" if config else hub_name
    try:
        loaded = datasets.load_dataset(hub_name, config) if config else datasets.load_dataset(hub_name)
    except Exception as exc:  # network, authentication, unknown config: all mean "could not load"
        raise ConfigError(f"could not load {label} from the Hugging Face hub: {exc}") from exc
    return [(f"hub {label}, split {split!r}, row {i}", dict(row))
            for split in loaded for i, row in enumerate(loaded[split])]
