"""Speed of :func:`~codeloop.lm.synth.synthesize` on bundled tasks: ``python -m codeloop.diagnostics._synth_speed``.

Each task's three examples go through ``synthesize`` (no prior, or ``--prior instruction``:
the prior from the task's description) at the default :class:`~codeloop.lm.synth.SearchBudget`. Printed: programs
explored per second, median and p95 milliseconds per call, and consistent programs found.

``--compare DIR`` also times another copy of this package (``DIR/<name>/`` holding the same
modules, e.g. the committed version: ``mkdir -p /tmp/old/synth_old && for f in api dsl prior
search values __init__; do git show HEAD:codeloop/lm/synth/$f.py > /tmp/old/synth_old/$f.py;
done`` then ``--compare /tmp/old/synth_old``), interleaving the two per task (alternating
which runs first) so that machine load hits both alike, and reports whether their answers
differ. Wall-clock figures on a busy machine are noisy; ``explored`` counts are not.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from ..benchmarks import Task, load_suite


def _examples(task: Task) -> list[tuple[tuple, Any]]:
    out = []
    for e in task.examples:
        args = tuple(e.args) + tuple(e.kwargs[p.name] for p in task.params[len(e.args):] if p.name in e.kwargs)
        if len(args) == len(task.params):
            out.append((args, e.expected))
    return out


def _load(path: str) -> ModuleType:
    folder = Path(path).resolve()
    sys.path.insert(0, str(folder.parent))
    return importlib.import_module(folder.name)


def _call(mod: ModuleType, task: Task, prior: str, temperature: float, clock: Any) -> tuple[float, Any]:
    p = mod.prior_from_instruction(task.description) if prior == "instruction" else None
    began = clock()
    r = mod.synthesize(task.entry_point, [q.name for q in task.params], _examples(task), prior=p,
                       temperature=temperature)
    return clock() - began, r


def _summary(label: str, secs: list[float], results: list[Any]) -> str:
    ordered = sorted(secs)
    explored = sum(r.explored for r in results)
    return (f"{label:8s} {len(secs)} calls: {explored / sum(secs):9,.0f} programs/s, "
            f"median {1000 * statistics.median(ordered):6.0f} ms, p95 {1000 * ordered[int(0.95 * (len(ordered) - 1))]:6.0f} ms, "
            f"{explored:,} programs, {sum(r.consistent for r in results)} consistent")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=None, help="number of tasks (default: all of the split)")
    ap.add_argument("--split", default="dev", help="train, dev, test or all (default dev)")
    ap.add_argument("--prior", choices=("none", "instruction"), default="none")
    ap.add_argument("--temperature", type=float, default=0.0)
    ap.add_argument("--compare", metavar="DIR", help="another copy of this package to time side by side")
    ap.add_argument("--cpu", action="store_true", help="time by process CPU time, not wall clock "
                    "(less sensitive to other work on the machine)")
    a = ap.parse_args(argv)
    suite = load_suite("bundled")
    tasks = list(suite.tasks) if a.split == "all" else list(suite.split(a.split))
    tasks = tasks[:a.n]
    this = importlib.import_module("codeloop.lm.synth")
    mods = {"current": this}
    if a.compare:
        mods = {"other": _load(a.compare), "current": this}
    secs: dict[str, list[float]] = {k: [] for k in mods}
    results: dict[str, list[Any]] = {k: [] for k in mods}
    differ = []
    for i, task in enumerate(tasks):
        order = list(mods) if i % 2 == 0 else list(reversed(mods))
        for label in order:
            dt, r = _call(mods[label], task, a.prior, a.temperature, time.process_time if a.cpu else time.perf_counter)
            secs[label].append(dt)
            results[label].append(r)
        if a.compare and results["other"][-1].code != results["current"][-1].code:
            differ.append(task.id)
    print(f"bundled {a.split} split, {len(tasks)} tasks, prior {a.prior}, temperature {a.temperature}, "
          f"{'CPU' if a.cpu else 'wall-clock'} time")
    for label in mods:
        print(_summary(label, secs[label], results[label]))
    if a.compare:
        ratios = sorted(o / c for o, c in zip(secs["other"], secs["current"]))
        print(f"per-call time other/current: median {statistics.median(ratios):.2f}x; "
              f"programs differ on {len(differ)} tasks{': ' + ', '.join(differ) if differ else ''}")


if __name__ == "__main__":
    main()
