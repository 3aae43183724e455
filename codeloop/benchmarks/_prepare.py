"""A suite ready for the rounds protocol: loaded, converted where needed, limited, reported.

Rounds need every task in input/output form with at least ``k`` visible examples and one
hidden test. Tasks already so are kept as they are. The others go through the example-based
conversion (:func:`convert_task`, outputs from the reference in the sandbox); a task with too
few inputs to hide any (every MBPP task has exactly 3) is converted again with seeded input
augmentation. Tasks that still cannot run are dropped and reported, never a traceback. The
converted suite is cached per (suite file, k, seed, skip_bad), so a second run starts at once.
``limit`` then keeps a seeded, category-stratified subset of each split.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from ..exceptions import ConfigError
from ..execution import IOTest, Sandbox
from ._example_based import TOO_FEW_INPUTS, ConversionReport, convert_task
from ._spec import load_suite
from ._task import SPLITS, Suite, Task

#: inputs added per task when it has too few to hide any: k=3 then shows 3 and hides up to 6
AUGMENT_WHEN_SHORT = 6
#: bump when the preparation changes what it produces, so old cache entries are not reused
PREPARATION_VERSION = 1


class Preparation(BaseModel):
    """What happened to a suite on its way to the rounds: a JSON record for the run directory."""

    spec: str
    loaded: int
    kept_as_is: int = 0
    converted: int = 0
    augmented: list[str] = Field(default_factory=list)  # ids of tasks converted with augmentation
    dropped: dict[str, list[str]] = Field(default_factory=dict)  # reason -> ["id: detail"]
    skipped_rows: list[str] = Field(default_factory=list)  # malformed rows skipped with --skip-bad
    limit: int | None = None
    cached: bool = False

    @property
    def n_dropped(self) -> int:
        return sum(len(ids) for ids in self.dropped.values())

    def lines(self) -> list[str]:
        """What a run prints about its suite (nothing when every task was ready as it is)."""
        out = []
        if self.skipped_rows:
            out.append(f"suite {self.spec}: skipped {len(self.skipped_rows)} malformed rows "
                       f"(e.g. {self.skipped_rows[0][:120]})")
        if self.converted:
            out.append(f"suite {self.spec}: {self.converted} of {self.loaded} tasks converted to input/output "
                       f"form (outputs from the reference solutions){' (cached)' if self.cached else ''}")
        if self.augmented:
            out.append(f"  {len(self.augmented)} of them had too few tests to hide any: inputs augmented "
                       f"(up to {AUGMENT_WHEN_SHORT} each, seeded, outputs from the reference)")
        for reason, items in sorted(self.dropped.items(), key=lambda kv: -len(kv[1])):
            ids = ", ".join(item.split(":", 1)[0] for item in items[:5])
            out.append(f"  dropped {len(items)}: {reason} ({ids}{', ...' if len(items) > 5 else ''})")
        return out


def ready_for_rounds(task: Task, k: int) -> bool:
    """Every test an input/output pair, and enough of them to show ``k`` and hide one."""
    tests = task.all_tests
    return all(isinstance(t, IOTest) for t in tests) and len(tests) >= k + 1


def prepare_suite(spec: str, sandbox: Sandbox, *, k: int = 3, seed: int = 0, skip_bad: bool = False,
                  limit: int | None = None, cache_dir: str | Path | None = None) -> tuple[Suite, Preparation]:
    """The suite ``spec`` names, every task runnable in rounds with ``k`` examples, and what was done.

    ``cache_dir`` (default ``$CODELOOP_CACHE_DIR/suites``, else ``~/.cache/codeloop/suites``)
    keeps converted suites; suites that need no conversion are not cached.
    """
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ConfigError(f"--limit must be an integer >= 1 (tasks per split), got {limit!r}")
    suite = load_suite(spec, seed=seed, skip_bad=skip_bad)
    record = Preparation(spec=spec, loaded=len(suite.tasks), limit=limit,
                         skipped_rows=list(suite.report.skipped) if suite.report else [])
    if any(not ready_for_rounds(t, k) for t in suite.tasks):
        suite = _converted(spec, suite, sandbox, k=k, seed=seed, skip_bad=skip_bad, record=record,
                           cache=_cache_path(spec, k=k, seed=seed, skip_bad=skip_bad, cache_dir=cache_dir))
    else:
        record.kept_as_is = len(suite.tasks)
    if limit is not None:
        suite = limited(suite, limit, seed=seed)
    return suite, record


def _converted(spec: str, suite: Suite, sandbox: Sandbox, *, k: int, seed: int, skip_bad: bool,
               record: Preparation, cache: Path | None) -> Suite:
    from ._jsonl import read_jsonl_suite, write_jsonl_suite

    meta = cache.with_suffix(".json") if cache is not None else None
    if cache is not None and cache.is_file() and meta is not None and meta.is_file():
        try:
            stored = Preparation.model_validate_json(meta.read_text(encoding="utf-8"))
            converted = read_jsonl_suite(cache, name=suite.name)
        except (ConfigError, ValueError, OSError):
            pass  # a damaged cache entry is only a miss
        else:
            record.kept_as_is, record.converted = stored.kept_as_is, stored.converted
            record.augmented, record.dropped, record.cached = stored.augmented, stored.dropped, True
            return converted.model_copy(update={"report": suite.report})
    ready = {t.id for t in suite.tasks if ready_for_rounds(t, k)}
    todo = [t for t in suite.tasks if t.id not in ready]

    def convert(task: Task) -> tuple[Task | None, str, str, bool]:
        converted, reason, detail = convert_task(task, sandbox, k=k, seed=seed)
        if converted is None and reason == TOO_FEW_INPUTS:
            again = convert_task(task, sandbox, k=k, seed=seed, augment=AUGMENT_WHEN_SHORT)
            if again[0] is not None:
                return again[0], "", "", True
            converted, reason, detail = again
        return converted, reason, detail, False

    with ThreadPoolExecutor(max_workers=sandbox.workers) as pool:
        outcomes = dict(zip((t.id for t in todo), pool.map(convert, todo)))
    report = ConversionReport(total=len(todo))
    tasks = []
    for task in suite.tasks:
        if task.id in ready:
            tasks.append(task)
            continue
        converted, reason, detail, augmented = outcomes[task.id]
        if converted is None:
            report.drop(reason, task.id, detail)
            continue
        tasks.append(converted)
        if augmented:
            record.augmented.append(task.id)
    record.kept_as_is, record.converted, record.dropped = len(ready), len(tasks) - len(ready), report.dropped
    kept = {t.id for t in tasks}
    splits = {name: tuple(i for i in ids if i in kept) for name, ids in suite.splits.items()}
    result = Suite(name=suite.name, tasks=tuple(tasks), splits=splits, report=suite.report)
    if cache is not None:
        write_jsonl_suite(result, cache)
        meta.write_text(record.model_copy(update={"cached": False}).model_dump_json(), encoding="utf-8")
    return result


def limited(suite: Suite, limit: int, *, seed: int = 0) -> Suite:
    """At most ``limit`` tasks of each split: a seeded sample, stratified by category where tasks
    have one (``metadata["category"]``, else their first tag), so a small run keeps the mix."""
    by_id = {t.id: t for t in suite.tasks}
    splits: dict[str, tuple[str, ...]] = {}
    rng = np.random.default_rng([seed, 7919])
    for name in SPLITS:
        ids = list(suite.splits.get(name, ()))
        splits[name] = tuple(sorted(_stratified(ids, [_category(by_id[i]) for i in ids], limit, rng)))
    kept = {i for ids in splits.values() for i in ids}
    return suite.model_copy(update={"tasks": tuple(t for t in suite.tasks if t.id in kept), "splits": splits})


def _category(task: Task) -> str:
    return str(task.metadata.get("category") or (task.tags[0] if task.tags else ""))


def _stratified(ids: Sequence[str], groups: Sequence[str], limit: int, rng: np.random.Generator) -> list[str]:
    """``limit`` of ``ids``, shared among the groups in proportion (largest remainders), each
    group's share drawn at random."""
    if len(ids) <= limit:
        return list(ids)
    members: dict[str, list[str]] = defaultdict(list)
    for task_id, group in zip(ids, groups):
        members[group].append(task_id)
    names = sorted(members)
    exact = [limit * len(members[g]) / len(ids) for g in names]
    shares = [int(x) for x in exact]
    for i in sorted(range(len(names)), key=lambda i: (shares[i] - exact[i], names[i]))[: limit - sum(shares)]:
        shares[i] += 1
    chosen = []
    for group, share in zip(names, shares):
        pool = sorted(members[group])
        chosen += [pool[int(j)] for j in rng.permutation(len(pool))[:share]]
    return chosen


def _cache_path(spec: str, *, k: int, seed: int, skip_bad: bool, cache_dir: str | Path | None) -> Path | None:
    """Where the conversion of ``spec`` is kept: named by a hash of the suite file's bytes and the
    settings that shape the conversion; ``None`` for sources without a file (the hub)."""
    source = _source_file(spec)
    if source is None:
        return None
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    key = json.dumps({"file": digest.hexdigest(), "kind": spec.split(":", 1)[0], "k": k, "seed": seed,
                      "skip_bad": skip_bad, "augment": AUGMENT_WHEN_SHORT, "version": PREPARATION_VERSION},
                     sort_keys=True)
    root = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    return root / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.jsonl"


def _default_cache_dir() -> Path:
    base = os.environ.get("CODELOOP_CACHE_DIR")
    return (Path(base) if base else Path.home() / ".cache" / "codeloop") / "suites"


def _source_file(spec: str) -> Path | None:
    kind, _, target = spec.strip().partition(":")
    if not target or target == "hub":  # bundled (in input/output form already), or the hub
        return None
    path = Path(target).expanduser()
    return path if path.is_file() else None
