"""More test inputs by type-aware mutation of the ones a task already has (after EvalPlus).

MBPP gives three tests per task: with three visible examples nothing would be left to
judge correctness on. Mutating the known inputs (a number nudged, a list reversed or cut,
a string changed) and running the reference on them yields hidden tests whose expected
values still come from the reference, never from guessing. Inputs on which the reference
raises or times out are discarded by the caller: they likely break a precondition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..execution import Unencodable, encode

Input = tuple[tuple, dict]
_MAX_INT = 10**6


def _mutations(value: Any) -> Iterator[Any]:
    """Nearby values of the same type (small, so a reference stays fast on them)."""
    if isinstance(value, bool):
        yield not value
    elif isinstance(value, int):
        yield from (v for v in (value + 1, value - 1, -value, 2 * value, 0) if abs(v) <= _MAX_INT)
    elif isinstance(value, float):
        yield from (value * 2, value + 0.5, -value)
    elif isinstance(value, str):
        yield from (value[::-1], value[1:], value + value[:1], value.upper(), "")
    elif isinstance(value, (list, tuple)):
        kind = type(value)
        items = list(value)
        yield from (kind(items[::-1]), kind(items[:-1]), kind(items + items[:1]), kind([]))
        if items and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in items):
            yield kind(sorted(items))
        for i, item in enumerate(items[:3]):  # one element changed, for the first few
            for changed in list(_mutations(item))[:2]:
                yield kind(items[:i] + [changed] + items[i + 1:])
    elif isinstance(value, dict) and value:
        first = next(iter(value))
        yield {k: v for k, v in value.items() if k != first}
    elif isinstance(value, (set, frozenset)) and value:
        yield type(value)(sorted(value, key=repr)[1:])


def _key(item: Input) -> str | None:
    try:
        return repr(encode(item))
    except Unencodable:
        return None


def mutated_inputs(inputs: list[Input], count: int, rng: np.random.Generator) -> list[Input]:
    """Up to ``count`` new distinct inputs, each one argument of a known input mutated."""
    seen = {_key(item) for item in inputs}
    found: list[Input] = []
    for args, kwargs in inputs:
        for position, value in enumerate(args):
            for changed in _mutations(value):
                candidate = (args[:position] + (changed,) + args[position + 1:], kwargs)
                key = _key(candidate)
                if key is not None and key not in seen:
                    seen.add(key)
                    found.append(candidate)
    order = rng.permutation(len(found))
    return [found[i] for i in order[:count]]


def augment(inputs: list[Input], count: int, rng: np.random.Generator,
            accepts: Callable[[list[Input]], list[bool]]) -> list[Input]:
    """Up to ``count`` mutated inputs that ``accepts`` (the reference runs cleanly on them)."""
    candidates = mutated_inputs(inputs, 3 * count, rng)
    if not candidates:
        return []
    return [item for item, ok in zip(candidates, accepts(candidates)) if ok][:count]
