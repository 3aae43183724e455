"""``codeloop bench backend``: does the offline backend respond to demonstrations as it should?

On a split of the bundled suite, each task's first round (its three examples) goes through
DSPy (``Predict`` over the offline engine) three ways: with no demonstrations, with three
random training tasks as demonstrations, and with the three training tasks whose reference
code shares the most building blocks with the target's ("matching" demos: an oracle choice,
to show that demonstrations of the right kind help). Each answer is judged on all the task's
tests in the sandbox. Latency is per LM call.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import dspy
import numpy as np

from .._format import render_examples
from ..benchmarks import Task, load_bundled_suite
from ..execution import Sandbox
from ..lm import SynthesisResponder, offline_lm
from ..lm.synth import SearchBudget, blocks_in_code


class WriteCode(dspy.Signature):
    """Write a Python function that reproduces the examples."""

    examples: str = dspy.InputField(desc="one example per line: a call == its result")
    function_header: str = dspy.InputField()
    code: str = dspy.OutputField(desc="the function, in Python")


def header(task: Task) -> str:
    return f"def {task.entry_point}({', '.join(p.name for p in task.params)})"


def as_demo(task: Task) -> dspy.Example:
    return dspy.Example(examples=render_examples(task.entry_point, task.examples), function_header=header(task),
                        code=task.reference).with_inputs("examples", "function_header")


def matching_demos(target: Task, pool: list[Task], k: int) -> list[Task]:
    """The ``k`` pool tasks whose reference shares the most building blocks with the target's."""
    wanted = set(blocks_in_code(target.reference or ""))

    def overlap(task: Task) -> tuple[float, str]:
        have = set(blocks_in_code(task.reference or ""))
        return (len(wanted & have) / max(1, len(wanted | have)), task.id)

    return sorted(pool, key=overlap, reverse=True)[:k]


def bench_backend(*, split: str = "dev", k: int = 3, seed: int = 0, budget: SearchBudget | None = None,
                  limit: int | None = None, report: Callable[[str], None] = print) -> dict[str, float]:
    """Run the three conditions on the split (its first ``limit`` tasks) and report."""
    suite = load_bundled_suite()
    targets, pool = suite.split(split)[:limit], suite.split("train")
    rng = np.random.default_rng(seed)
    conditions: dict[str, Callable[[Task], list[Task]]] = {
        "no demos": lambda t: [],
        "random demos": lambda t: [pool[int(i)] for i in rng.choice(len(pool), size=k, replace=False)],
        "matching demos": lambda t: matching_demos(t, pool, k),
    }
    lm = offline_lm(SynthesisResponder(budget=budget or SearchBudget()), cache=False)
    figures: dict[str, float] = {}
    latencies: list[float] = []
    with Sandbox(cache_size=0) as sandbox:
        for label, demos_for in conditions.items():
            solved = 0
            for task in targets:
                predict = dspy.Predict(WriteCode)
                predict.demos = [as_demo(d) for d in demos_for(task)]
                began = time.perf_counter()
                with dspy.context(lm=lm):
                    code = predict(examples=render_examples(task.entry_point, task.examples),
                                   function_header=header(task)).code
                latencies.append(time.perf_counter() - began)
                solved += sandbox.run(code, task.entry_point, task.all_tests).passed
            figures[label] = 100.0 * solved / len(targets)
            report(f"{label:15s} round-1 solved {solved:3d}/{len(targets)} ({figures[label]:.1f}%)")
    ordered = sorted(latencies)
    figures["median_s"] = statistics.median(ordered)
    figures["p95_s"] = ordered[int(0.95 * (len(ordered) - 1))]
    report(f"bundled {split} split, {len(targets)} tasks, k={k} demos; per-call latency "
           f"median {figures['median_s']:.2f} s, p95 {figures['p95_s']:.2f} s")
    report(f"round-1 solved: no demos {figures['no demos']:.1f}%, random demos {figures['random demos']:.1f}%, "
           f"matching demos {figures['matching demos']:.1f}%")
    return figures
