"""From evidence to weights over building blocks: which blocks the tasks in a request call for.

Code says it directly (:func:`~codeloop.lm.synth.blocks_in_code`). Examples say it through
what the expected value is, given the arguments: the input sorted, reversed, filtered, its
length, its sum, its digits... (:func:`blocks_from_case`, a handful of cheap checks, not a
search). Scored instructions say it through which blocks the better ones name. Each source
is counted per task (a block one task uses ten times still counts once), so the weights are
shares of tasks, from 0 to about 1.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from ._proposal_evidence import Case, Evidence
from .synth import blocks_in_code, blocks_in_instruction
from .synth.dsl import PARAM, VAR

GOOD_CODE = 1.0  # a block in every working snippet
CASES = 0.6  # suggested by every task's examples
FAILING = 1.0  # suggested by every failing test
PROSE = 0.5  # named in a description, observation or critique
CURRENT = 0.25  # named by the instruction being improved (kept unless evidence goes against it)
HISTORY = 1.0  # score difference (relative to the spread) between instructions naming it and not
BEST = 0.3  # named by the best-scoring instruction tried
BAD_CODE = -0.3  # used by failing code and by no working code
UNINFORMATIVE = frozenset({PARAM, VAR})
# Blocks nearly every piece of hand-written code has (subscripts, loop counters, flags): in
# code they say nothing about the task; examples may still suggest them.
CODE_NOISE = frozenset({"index", "dget", "const:0", "const:1", "const:-1", "const:True", "const:False"})
#: A prose line starting with this names steps to drop: its blocks lose weight instead.
UNNEEDED = "It names steps nothing here calls for:"

VOWELS = "aeiou"


def _numeric(values: Iterable[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _list_blocks(xs: list, out: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(out, list):
        try:
            if out != xs and out == sorted(xs):
                found |= {"sorted"}
            elif out != xs and out == sorted(xs, reverse=True):
                found |= {"sorted", "sorted_desc"}
        except TypeError:
            pass
        if out != xs and out == xs[::-1]:
            found.add("rev")
        if len(out) < len(xs) and all(x in xs for x in out):
            found.add("comp_filter")
            if _numeric(xs) and _numeric(out) and out:
                parities = {x % 2 for x in out}
                if len(parities) == 1 and {x % 2 for x in xs} - parities:  # only evens, or only odds
                    found |= {"mod", "const:2"}
                if all(x > 0 for x in out) and any(x <= 0 for x in xs):
                    found |= {"gt", "const:0"}
            if len(set(map(repr, xs))) < len(xs) and len(set(map(repr, out))) == len(out):
                found.add("set")
        elif len(out) == len(xs) and out != xs and sorted(map(repr, out)) != sorted(map(repr, xs)):
            found.add("comp_map")
    elif isinstance(out, str) and all(isinstance(x, str) for x in xs) and xs:
        found.add("join")
    elif isinstance(out, (int, float)) and not isinstance(out, bool) and xs:
        if _numeric(xs):
            if out == sum(xs) and len(xs) > 1:
                found.add("sum")
            if out == max(xs) and len(set(xs)) > 1:
                found.add("max")
            if out == min(xs) and len(set(xs)) > 1:
                found.add("min")
        if out == len(xs):
            found.add("len")
        elif out == len(set(map(repr, xs))):
            found |= {"set", "len"}
        elif isinstance(out, int) and 0 <= out < len(xs):
            found |= {"comp_filter", "len"}
    return found


def _str_blocks(s: str, out: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(out, str):
        if out != s and out == s[::-1]:
            found.add("rev")
        for method in ("upper", "lower", "capitalize", "title", "swapcase", "strip"):
            if out != s and out == getattr(s, method)():
                found.add(method)
        if len(out) < len(s) and _is_subsequence(out, s):
            found |= {"comp_filter", "join"}
            removed = set(s) - set(out)
            if removed and removed <= set(VOWELS + VOWELS.upper()):
                found.add(f"const:{VOWELS!r}")
        if " " in s and out != s:
            found |= {"split", "join"}
    elif isinstance(out, list) and all(isinstance(x, str) for x in out) and len(out) > 1:
        found.add("split")
    elif isinstance(out, bool):
        if out == (s == s[::-1]) and s and s != s[::-1]:
            found |= {"rev", "eq"}
    elif isinstance(out, int):
        if out == len(s):
            found.add("len")
        elif out == sum(c in VOWELS for c in s.lower()) and out:
            found |= {f"const:{VOWELS!r}", "in", "comp_filter"}
        elif out == sum(c.isdigit() for c in s) and out:
            found |= {"isdigit", "comp_filter"}
    return found


def _int_blocks(n: int, out: Any) -> set[str]:
    digits = str(abs(n))
    found: set[str] = set()
    if isinstance(out, int) and not isinstance(out, bool) and len(digits) > 1:
        if out == sum(int(d) for d in digits):
            found |= {"str", "int", "comp_map", "sum"}
        elif out == int(digits[::-1]):
            found |= {"str", "int", "rev"}
        elif out == len(digits):
            found |= {"str", "len"}
    if isinstance(out, list) and out == [int(d) for d in digits]:
        found |= {"str", "int", "comp_map"}
    return found


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def blocks_from_case(args: tuple, out: Any) -> set[str]:
    """Blocks one example suggests, from how its expected value relates to its arguments."""
    found: set[str] = set()
    for arg in args:
        if isinstance(arg, (list, tuple)):
            found |= _list_blocks(list(arg), out)
        elif isinstance(arg, str):
            found |= _str_blocks(arg, out)
        elif isinstance(arg, int) and not isinstance(arg, bool):
            found |= _int_blocks(arg, out)
    return found


def _share_per_task(cases: list[Case]) -> Counter:
    """For each block, the share of tasks (function names) where some case suggests it."""
    per_task: dict[str, set[str]] = defaultdict(set)
    for entry, args, out in cases:
        try:
            per_task[entry] |= blocks_from_case(args, out)
        except Exception:  # noqa: BLE001 - an odd value (e.g. unorderable, huge) suggests nothing
            continue
    return _shares(per_task.values())


def _shares(sets: Iterable[set[str]]) -> Counter:
    sets = list(sets)
    counts: Counter = Counter()
    for s in sets:
        counts.update(s - UNINFORMATIVE)
    return Counter({b: c / len(sets) for b, c in counts.items()}) if sets else counts


def code_shares(sources: list[str]) -> Counter:
    """For each block, the share of snippets that use it (generic blocks left out)."""
    return _shares(set(blocks_in_code(s)) - CODE_NOISE for s in sources)


def history_weights(history: list[tuple[str, float]]) -> Counter:
    """Blocks that better-scoring instructions name gain; blocks poorer ones name lose."""
    weights: Counter = Counter()
    if not history:
        return weights
    scores = [s for _, s in history]
    spread = (max(scores) - min(scores)) or 1.0
    named = [set(blocks_in_instruction(text)) for text, _ in history]
    for block in set().union(*named) - UNINFORMATIVE:
        with_b = [s for s, n in zip(scores, named) if block in n]
        without = [s for s, n in zip(scores, named) if block not in n]
        if with_b and without:
            weights[block] += HISTORY * (sum(with_b) / len(with_b) - sum(without) / len(without)) / spread
    best = max(range(len(history)), key=lambda i: (scores[i], i))  # ties: the later one
    for block in named[best] - UNINFORMATIVE:
        weights[block] += BEST
    return weights


def block_weights(evidence: Evidence) -> Counter:
    """Weights over blocks from all the evidence: positive for blocks the tasks call for."""
    weights: Counter = Counter()
    good = code_shares(evidence.good_code)
    for block, share in good.items():
        weights[block] += GOOD_CODE * share
    for block, share in _share_per_task(evidence.cases).items():
        weights[block] += CASES * share
    for block, share in _share_per_task(evidence.failing).items():
        weights[block] += FAILING * share
    for block, share in code_shares(evidence.bad_code).items():
        if block not in good:
            weights[block] += BAD_CODE * share
    for text in evidence.prose:
        for line in text.splitlines():
            sign = -1.0 if line.strip().startswith(UNNEEDED) else 1.0
            for block in set(blocks_in_instruction(line.replace(UNNEEDED, ""))) - UNINFORMATIVE:
                weights[block] += sign * PROSE
    for block in set(blocks_in_instruction(evidence.current)) - UNINFORMATIVE:
        weights[block] += CURRENT
    weights.update(history_weights(evidence.history))
    return weights
