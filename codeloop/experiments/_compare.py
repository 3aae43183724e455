"""``codeloop compare``: strategies x seeds in one command, with task-level intervals and tests.

Each (strategy, seed) cell is an ordinary run directory under ``OUT/<strategy>/seed<seed>``,
so a comparison resumes cell by cell, and inside a cell, exactly as ``codeloop run`` does.
All cells run in one process, sharing the sandbox and DSPy's cache.

The score of a cell is per test task: solved by the last round (1/0). The test tasks are the
same for every seed and strategy, so the unit of evidence is the task (``_stats``): a strategy's
score on a task is the mean over its seeds, intervals come from a bootstrap over tasks (the same
resampled tasks for every strategy, so differences are paired), and each strategy is tested
against the baseline by an exact two-sided sign test over tasks, Holm-corrected across
strategies. A strategy whose every task came out the same on every seed is marked: more seeds
added no evidence about it. A task that had an LM
error in any cell (``--max-lm-errors``) is left out for every strategy and seed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from .._files import write_json_atomically
from ..exceptions import ConfigError
from ..execution import Sandbox
from ._config import RunConfig
from ._provenance import code_version, provenance_entry
from ._report import markdown_table
from ._run import lm_identity, run_experiment
from ._stats import cluster_bootstrap, holm, sign_test


class StrategyResult(BaseModel):
    strategy: str
    mean: float  # share of test tasks solved by the last round, over seeds
    ci_low: float
    ci_high: float
    solved_at_1: float
    first_round_share: float  # of the tasks solved, the share solved in round 1 (mean over seeds)
    gap_at_1: float | None  # conformity minus correctness in round 1 (mean over seeds)
    mode: str = "examples"
    lm_calls: int  # optimizing, summed over seeds
    lm_calls_eval: int
    seeds: list[int]
    diff: float | None = None  # mean minus the baseline's, paired
    diff_ci_low: float | None = None
    diff_ci_high: float | None = None
    wins: int = 0  # test tasks on which it scored above the baseline (mean over seeds)
    losses: int = 0
    p_value: float | None = None  # exact two-sided sign test against the baseline over tasks
    p_holm: float | None = None  # the same, Holm-corrected across the strategies
    varies_with_seed: bool = True  # False: every task came out the same on every seed


class Comparison(BaseModel):
    suite: str = ""
    module: str = ""
    lm: str = ""
    baseline: str
    metric: str
    confidence: float
    resamples: int
    tasks: int  # test tasks every strategy was scored on (the bootstrap's and the test's units)
    seeds: int
    strategies: dict[str, StrategyResult]
    #: one entry per invocation (command, commit, date, LM); the first started the comparison
    provenance: list[dict[str, Any]] = []


MODES = ("examples", "description", "both")


def strategy_settings(strategy: str) -> dict[str, Any]:
    """``NAME[@BUDGET][+MODE]``: an optimizer, optionally its own LM-call budget (to compare
    strategies at different budgets, such as one at a third of another's calls), and optionally
    the mode the program is evaluated and optimized in (``examples``, ``description``, ``both``)."""
    rest, plus, mode = strategy.partition("+")
    settings: dict[str, Any] = {}
    if plus:
        if mode not in MODES:
            raise ConfigError(f"strategy {strategy!r}: the mode after '+' must be one of {', '.join(MODES)}, "
                              f"got {mode!r}")
        settings["mode"] = mode
    name, at, budget = rest.partition("@")
    settings["optimizer"] = name
    if at:
        try:
            settings["budget"] = int(budget)
        except ValueError:
            raise ConfigError(f"strategy {strategy!r}: the budget after '@' must be a whole number of LM calls, "
                              f"got {budget!r}") from None
    return settings


def with_modes(strategies: Sequence[str], modes: Sequence[str]) -> list[str]:
    """Every strategy in every mode (``none`` and ``description`` give ``none+description``)."""
    return [f"{s}+{m}" for s in strategies for m in modes]


def compare(strategies: Sequence[str], seeds: Sequence[int], base: RunConfig, *, baseline: str | None = None,
            sandbox: Sandbox | None = None, lm: Any = None, resamples: int = 2000,
            say: Callable[[str], None] = print, command: str | None = None) -> Comparison:
    """Run every strategy with every seed (resuming finished cells) and compare them.

    A strategy is an optimizer name, or ``NAME@BUDGET`` for that optimizer with its own budget
    (``base.budget`` otherwise); the label is used as given in results and directory names.
    ``command`` (the command line) is recorded in ``comparison.json``'s ``provenance``, after the
    entries of earlier invocations on the same directory.
    """
    code_version()  # the commit of the code this process loaded, read before any work
    strategies = list(dict.fromkeys(strategies))
    if not strategies or not seeds:
        raise ConfigError("compare needs at least one strategy and one seed")
    baseline = baseline or strategies[0]
    if baseline not in strategies:
        raise ConfigError(f"--baseline {baseline!r} is not among the strategies: {', '.join(strategies)}")
    configs = {(s, seed): RunConfig.build(**{**base.model_dump(), **strategy_settings(s), "seed": seed,
                                             "out": base.out / s / f"seed{seed}"})
               for s in strategies for seed in seeds}  # every name is checked before any work starts
    own = sandbox is None
    sandbox = sandbox or Sandbox(workers=base.workers, isolation=base.isolation)
    solved: dict[str, dict[tuple[int, str], float]] = {s: {} for s in strategies}
    summaries: dict[tuple[str, int], Any] = {}
    try:
        if own:  # strict isolation refuses here, before any cell is written
            sandbox.start()
        for i, ((strategy, seed), config) in enumerate(configs.items(), 1):
            say(f"[{i}/{len(configs)}] {strategy}, seed {seed}")
            outcome = run_experiment(config, sandbox=sandbox, lm=lm, say=lambda line: say(f"  {line}"),
                                     command=command)
            summaries[(strategy, seed)] = outcome.summary
            frame = outcome.frame
            failed = set(frame.loc[frame["state"] == "lm_error", "task_id"])  # in no strategy's score
            primary = frame[(frame["sample"] == 0) & ~frame["task_id"].isin(failed)]
            by_task = primary.groupby("task_id")["correctness"].any()
            for task_id, value in by_task.items():
                solved[strategy][(seed, task_id)] = float(value)
    finally:
        if own:
            sandbox.close()
    units = set.intersection(*(set(v) for v in solved.values()))
    tasks = sorted({task for seed, task in units if all((s, task) in units for s in seeds)})
    cube = np.array([[[solved[s][(seed, t)] for seed in seeds] for t in tasks] for s in strategies])
    matrix = cube.mean(axis=2)  # strategies x tasks: each task's score averaged over the seeds
    index = strategies.index(baseline)
    low, high, diff_low, diff_high = cluster_bootstrap(matrix, index, resamples=resamples, seed=base.seed)
    tests = {s: sign_test(matrix[row], matrix[index]) for row, s in enumerate(strategies) if s != baseline}
    adjusted = dict(zip(tests, holm([p for _, _, p in tests.values()])))
    results = {}
    for row, strategy in enumerate(strategies):
        cells = [summaries[(strategy, seed)] for seed in seeds]
        mean = float(matrix[row].mean())
        wins, losses, p_value = tests.get(strategy, (0, 0, None))
        gaps = [c.gap_at[0] for c in cells if c.gap_at and c.gap_at[0] is not None]
        results[strategy] = StrategyResult(
            strategy=strategy, mean=mean, ci_low=float(low[row]), ci_high=float(high[row]),
            solved_at_1=float(np.mean([c.solved_at[0] for c in cells])),
            first_round_share=float(np.mean([c.first_round_share for c in cells])),
            gap_at_1=float(np.mean(gaps)) if gaps else None, mode=configs[(strategy, seeds[0])].mode,
            lm_calls=sum(c.lm_calls_optimize for c in cells), lm_calls_eval=sum(c.lm_calls_eval for c in cells),
            seeds=list(seeds), diff=mean - float(matrix[index].mean()),
            diff_ci_low=float(diff_low[row]), diff_ci_high=float(diff_high[row]), wins=wins, losses=losses,
            p_value=p_value, p_holm=adjusted.get(strategy),
            varies_with_seed=len(seeds) == 1 or bool((cube[row] != cube[row][:, :1]).any()))
    first = next(iter(configs.values())).out / "config.json"  # the LM the cells resolved
    lm_name = lm_identity(lm) if lm is not None else json.loads(first.read_text(encoding="utf-8"))["lm_resolved"]
    comparison = Comparison(suite=base.suite, module=base.module, lm=lm_name, baseline=baseline,
                            metric=f"solved@{base.rounds}", confidence=0.95, resamples=resamples, tasks=len(tasks),
                            seeds=len(seeds), strategies=results,
                            provenance=[*_earlier_provenance(base.out / "comparison.json"),
                                        provenance_entry(command, lm_name, lm)])
    write_comparison(comparison, base.out)
    return comparison


def _earlier_provenance(path: Path) -> list[dict[str, Any]]:
    """The provenance entries of an earlier invocation's ``comparison.json`` (none if absent or unreadable)."""
    try:
        earlier = json.loads(path.read_text(encoding="utf-8")).get("provenance", [])
    except (OSError, ValueError, AttributeError):
        return []
    return earlier if isinstance(earlier, list) else []


def comparison_table(comparison: Comparison) -> pd.DataFrame:
    rows = []
    for r in comparison.strategies.values():
        rows.append({"strategy": r.strategy + ("" if r.varies_with_seed else " (same on every seed)"),
                     "solved@1": r.solved_at_1, comparison.metric: r.mean,
                     "first-round share": r.first_round_share, "gap@1": r.gap_at_1,
                     "95% CI": f"[{r.ci_low:.3f}, {r.ci_high:.3f}]",
                     f"diff vs {comparison.baseline}": r.diff,
                     "diff 95% CI": f"[{r.diff_ci_low:.3f}, {r.diff_ci_high:.3f}]",
                     "won/lost tasks": "" if r.p_value is None else f"{r.wins}/{r.losses}",
                     "p (Holm)": "" if r.p_holm is None else f"{r.p_holm:.3f}",
                     "LM calls (optimize, all seeds)": r.lm_calls, "LM calls (eval, all seeds)": r.lm_calls_eval})
    return pd.DataFrame(rows)


def write_comparison(comparison: Comparison, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    write_json_atomically(directory / "comparison.json", json.loads(comparison.model_dump_json()))
    table = comparison_table(comparison)
    table.to_csv(directory / "comparison.csv", index=False)
    (directory / "comparison.md").write_text(
        f"{markdown_table(table)}\n\n{comparison.metric} per test task, mean over {comparison.tasks} tasks (each the "
        f"mean of {comparison.seeds} seed(s)); 95% intervals by a bootstrap over tasks; won/lost: tasks above/below "
        f"the baseline {comparison.baseline}; p: exact two-sided sign test over tasks, Holm-corrected.\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = list(comparison.strategies.values())
    labels = [r.strategy + ("" if r.varies_with_seed else " *") for r in results]
    ys = np.arange(len(results))
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 0.45 * len(results) + 2.2), sharey=True)
    means = np.array([r.mean for r in results])
    errors = np.array([[r.mean - r.ci_low for r in results], [r.ci_high - r.mean for r in results]])
    left.errorbar(means, ys, xerr=errors, fmt="o", capsize=3)
    for y, r in zip(ys, results):
        left.annotate(f"{r.lm_calls} calls", (r.ci_high, y), xytext=(4, 0), textcoords="offset points",
                      va="center", fontsize=7)
    left.set_yticks(ys, labels)
    left.invert_yaxis()
    left.set(xlabel=f"{comparison.metric} (95% CI, bootstrap over tasks)",
             xlim=(0, min(1.0, max(r.ci_high for r in results) * 1.35 + 0.05)))
    diffs = np.array([r.diff or 0.0 for r in results])
    diff_errors = np.array([[(r.diff or 0) - (r.diff_ci_low or 0) for r in results],
                            [(r.diff_ci_high or 0) - (r.diff or 0) for r in results]])
    right.errorbar(diffs, ys, xerr=diff_errors, fmt="s", capsize=3, color="darkorange")
    right.axvline(0.0, color="grey", linewidth=1)
    for y, r in zip(ys, results):
        note = "baseline" if r.p_holm is None else f"p(Holm)={r.p_holm:.2f}"
        right.annotate(note, (max(r.diff_ci_high or 0, 0), y), xytext=(4, 0), textcoords="offset points",
                       va="center", fontsize=7)
    right.set(xlabel=f"difference to {comparison.baseline} (paired 95% CI)")
    figure.suptitle(f"{comparison.suite}, {comparison.module}, LM {comparison.lm}: {comparison.tasks} test tasks x "
                    f"{comparison.seeds} seed(s)" + ("; * same on every seed" if any(not r.varies_with_seed
                                                                                     for r in results) else ""),
                    fontsize=9)
    figure.tight_layout()
    figure.savefig(directory / "comparison.png", dpi=100)
    plt.close(figure)
