"""A bounded, thread-safe memo of run results: the same candidate on the same tests is free."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence

from . import _codec
from ._models import AssertTest, Limits, RunResult, SatTest, Test


def result_key(code: str, entry: str, tests: Sequence[Test], limits: Limits) -> str:
    """A hash of everything that decides the verdicts: code, entry point, tests, limits."""
    parts: list = [code, entry, limits.model_dump()]
    for i, test in enumerate(tests):
        if isinstance(test, AssertTest):
            parts.append(["assert", test.code])
            continue
        if isinstance(test, SatTest):
            try:
                parts.append(["sat", test.sat, _codec.encode(tuple(test.args)), _codec.encode(dict(test.kwargs))])
            except _codec.Unencodable as exc:
                raise ValueError(f"test {i}: its values cannot be used by the sandbox: {exc}") from None
            continue
        try:
            parts.append(["io", _codec.encode(tuple(test.args)), _codec.encode(dict(test.kwargs)),
                          _codec.encode(test.expected), test.atol, test.rtol, test.compare])
        except _codec.Unencodable as exc:
            raise ValueError(f"test {i}: its values cannot be used by the sandbox: {exc}") from None
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


class ResultCache:
    """Least-recently-used results, at most ``max_entries`` of them."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[str, RunResult] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> RunResult | None:
        with self._lock:
            result = self._items.get(key)
            if result is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return result

    def put(self, key: str, result: RunResult) -> None:
        if self.max_entries <= 0:
            return
        with self._lock:
            self._items[key] = result
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
