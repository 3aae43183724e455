"""The entry point: :func:`synthesize` a Python function from input/output examples."""

from __future__ import annotations

import gc
import math
import random
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .dsl import (
    BASE_WEIGHTS,
    DEFAULT_CONSTANTS,
    EXAMPLE_CONST_WEIGHT,
    NEW_CONST_WEIGHT,
    PRODUCTIONS,
    const_block,
)
from .prior import Prior
from .search import SCALE, Enumerator, Node, costs_from_weights, imports_of, render

# Cost levels to keep looking for a program using every parameter after one ignoring some.
WEAK_PATIENCE = 10
_VAR_NAMES = ("x", "e", "v", "item", "elem", "_x")


@dataclass(frozen=True)
class SearchBudget:
    """Limits for one search: expressions tried, expression size (nodes), and wall seconds.

    ``max_programs`` is the limit that normally ends a search: it does not depend on how
    busy the machine is, so the same inputs give the same program (the default is about 0.6
    seconds of search on a 2-core machine). ``max_seconds`` is a safety net only.
    """

    max_seconds: float = 10.0
    max_size: int = 12
    max_programs: int = 100_000


@dataclass(frozen=True)
class SynthesisResult:
    code: str  # ``def name(params):`` source
    expression: str  # the returned expression
    satisfied: int  # examples the program reproduces
    total: int
    consistent: bool  # satisfied == total
    explored: int  # expressions evaluated
    seconds: float
    blocks: tuple[str, ...]  # building blocks the program uses, sorted
    cost: int  # enumeration cost (lower = more probable under the prior)
    candidates: int = 0  # consistent programs found (more than one only when temperature > 0)
    notes: tuple[str, ...] = field(default_factory=tuple)


def _example_constants(args: list[tuple], outputs: list[Any]) -> list[Any]:
    """Single characters that appear in string outputs but in no string input."""
    seen_in: set[str] = set()
    for row in args:
        for v in row:
            if isinstance(v, str):
                seen_in.update(v[:2000])
            elif isinstance(v, (list, tuple)):
                for e in v[:200]:
                    if isinstance(e, str):
                        seen_in.update(e[:200])
    found: list[str] = []
    for o in outputs:
        texts = [o] if isinstance(o, str) else [e for e in o if isinstance(e, str)] if isinstance(o, list) else []
        for t in texts:
            for ch in t[:200]:
                if ch not in seen_in and ch not in found and not ch.isalnum():
                    found.append(ch)
    return found[:4]


def _weights(prior: Prior | None, extra_constants: list[Any]) -> tuple[dict[str, float], list[Any]]:
    weights = dict(BASE_WEIGHTS)
    for p in PRODUCTIONS:
        weights.setdefault(p.name, 1.0)
    constants = list(DEFAULT_CONSTANTS)
    for c in extra_constants:
        if c not in constants:
            constants.append(c)
            weights.setdefault(const_block(c), EXAMPLE_CONST_WEIGHT)
    if prior is not None:
        for c in prior.constants():
            if not any(type(c) is type(k) and c == k for k in constants):
                constants.append(c)
                weights.setdefault(const_block(c), NEW_CONST_WEIGHT)
        for name in list(weights):
            weights[name] *= prior.weight(name)
    return weights, constants


def _code(name: str, params: Sequence[str], node: Node) -> tuple[str, str]:
    names = list(params)
    xname = next(n for n in _VAR_NAMES if n not in names)
    expr, _ = render(node, names, xname)
    lines = [f"def {name}({', '.join(names)}):"]
    lines += ["    " + imp for imp in imports_of(node)]
    lines.append(f"    return {expr}")
    return "\n".join(lines) + "\n", expr


def _literal_fallback(name: str, params: Sequence[str], outputs: list[Any]) -> tuple[str, str, int]:
    """A program returning the most common expected output (used when no expression of the
    output's type was found at all)."""
    best, best_n = outputs[0] if outputs else None, 0
    for o in outputs:
        n = sum(1 for p in outputs if type(p) is type(o) and p == o)
        if n > best_n:
            best, best_n = o, n
    expr = repr(best)
    return f"def {name}({', '.join(params)}):\n    return {expr}\n", expr, best_n


def synthesize(
    name: str,
    params: Sequence[str],
    examples: Sequence[tuple[tuple, Any]],
    *,
    prior: Prior | None = None,
    budget: SearchBudget | None = None,
    temperature: float = 0.0,
    seed: int = 0,
) -> SynthesisResult:
    """Find a Python expression over ``params`` that maps each example's args to its output.

    At ``temperature == 0`` the result is the cheapest consistent program under the prior
    (deterministic, ties broken by enumeration order). Above 0 the search keeps going a few
    cost levels past the first consistent program and samples one with probability
    proportional to ``exp(-cost / (temperature * SCALE))``, seeded by ``seed``. If nothing
    consistent is found within the budget, the best partial program (most examples
    satisfied, then cheapest) is returned.
    """
    with _gc_paused():
        return _synthesize(name, params, examples, prior, budget or SearchBudget(), temperature, seed)


_gc_lock = threading.Lock()
_gc_state = {"depth": 0, "was_enabled": False}


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector during a search (threads share one pause).

    A search allocates hundreds of thousands of expression nodes and value tuples that stay
    alive to its end and form no reference cycles; the collector would traverse them again
    and again (a quarter of the run time) without freeing anything."""
    with _gc_lock:
        if _gc_state["depth"] == 0:
            _gc_state["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_state["depth"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state["depth"] -= 1
            if _gc_state["depth"] == 0 and _gc_state["was_enabled"]:
                gc.enable()


def _synthesize(name: str, params: Sequence[str], examples: Sequence[tuple[tuple, Any]], prior: Prior | None,
                budget: SearchBudget, temperature: float, seed: int) -> SynthesisResult:
    start = time.monotonic()
    args = [tuple(a) for a, _ in examples]
    outputs = [o for _, o in examples]
    params = list(params)
    if args and any(len(a) != len(params) for a in args):
        raise ValueError("every example needs one argument per parameter")
    weights, constants = _weights(prior, _example_constants(args, outputs))
    costs = costs_from_weights(weights)
    en = Enumerator(args, outputs, costs, constants, max_size=budget.max_size,
                    deadline=start + budget.max_seconds, max_programs=budget.max_programs,
                    stop_at_first=temperature <= 0)
    spread = int(round(SCALE * 3 * temperature)) + 1 if temperature > 0 else 0
    first_level: list[int] = []
    first_weak: list[int] = []

    def stop(level: int) -> bool:
        if en.weak and not first_weak:
            first_weak.append(level)
        if not en.solutions:
            return bool(first_weak) and level >= first_weak[0] + WEAK_PATIENCE
        if temperature <= 0:
            return True
        if not first_level:
            first_level.append(level)
        return level >= first_level[0] + spread or len(en.solutions) >= 64

    if args:
        en.run(400, stop)
    seconds = time.monotonic() - start
    notes: list[str] = []
    chosen: Node | None = None
    if not en.solutions and en.weak:
        notes.append("the consistent program found ignores a parameter")
    sols_all = en.solutions or en.weak
    if sols_all:
        sols = sorted(sols_all, key=lambda n: n.cost)
        if temperature <= 0:
            chosen = sols[0]
        else:
            lo = sols[0].cost
            w = [math.exp(-(n.cost - lo) / (temperature * SCALE)) for n in sols]
            chosen = random.Random(seed).choices(sols, weights=w, k=1)[0]
        satisfied = len(outputs)
    elif en.best is not None and en.best[0] > 0:
        chosen = en.best[1]
        satisfied = en.best[0]
        notes.append("no consistent program within budget; best partial program returned")
    if chosen is None:
        code, expr, satisfied = _literal_fallback(name, params, outputs)
        notes.append("no expression of the output type found; literal fallback returned")
        return SynthesisResult(code, expr, satisfied, len(outputs), satisfied == len(outputs) and bool(outputs),
                               en.explored, seconds, (), 0, 0, tuple(notes))
    code, expr = _code(name, params, chosen)
    return SynthesisResult(code, expr, satisfied, len(outputs), satisfied == len(outputs), en.explored,
                           seconds, tuple(sorted(chosen.blocks())), chosen.cost, len(sols_all), tuple(notes))
