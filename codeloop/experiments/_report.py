"""A run's summary: the table printed at the end, ``summary.json``/``.csv``/``.md``, and plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..benchmarks.rounds import RoundsSummary
from ._config import RunConfig
from ._numbering import row_numbered_choice


class RunSummary(BaseModel):
    """What ``codeloop run`` found; ``summary.json`` is this model."""

    suite: str
    module: str
    optimizer: str
    seed: int
    tasks: int
    rounds: int
    k: int
    solved_at: list[float]  # cumulative share of test tasks solved by round r
    first_round_share: float
    conformity_at: list[float | None]
    correctness_at: list[float | None]
    gap_at: list[float | None]
    open_at: list[int] = []  # tasks still open in round r (the denominator of conformity and correctness)
    mode: str = "examples"
    kind: str = "function"  # "puzzle": no examples are shown, so k and the mode do not apply
    chosen: str = ""  # how the program was chosen, in words
    budget_note: str = ""  # set when the budget was below the optimizer's own estimate
    lm_calls: int  # optimizing plus evaluating
    tokens: int
    lm_calls_optimize: int
    lm_calls_eval: int
    budget: int
    budget_exhausted: bool
    trials: int
    trials_reused: int
    tasks_reused: int
    wall_seconds: float
    lm_errors: int = 0  # test task rounds whose LM call failed on every retry (--max-lm-errors)
    tasks_left_out: int = 0  # test tasks with such a round: left out of every score
    parse_routes: dict[str, int] = {}  # evaluation replies by how they were parsed (see codeloop.modules)
    parse_mode: str = ""  # the parse mode those replies went through (--parse)

    @classmethod
    def of(cls, config: RunConfig, rounds: RoundsSummary, optimization: dict[str, Any], *,
           wall_seconds: float, tasks_reused: int, kind: str = "function") -> RunSummary:
        return cls(suite=config.suite, module=config.module, optimizer=config.optimizer, seed=config.seed,
                   tasks=rounds.tasks, rounds=rounds.rounds, k=config.k, solved_at=rounds.solved_at,
                   first_round_share=rounds.first_round_share, conformity_at=rounds.conformity_at,
                   correctness_at=rounds.correctness_at, gap_at=rounds.gap_at, open_at=rounds.open_at,
                   mode=config.mode, kind=kind, chosen=how_chosen(config.optimizer, optimization),
                   budget_note=budget_note(config.budget, optimization),
                   lm_calls=int(optimization.get("lm_calls", 0)) + rounds.lm_calls,
                   tokens=int(optimization.get("tokens", 0)) + rounds.tokens,
                   lm_calls_optimize=int(optimization.get("lm_calls", 0)), lm_calls_eval=rounds.lm_calls,
                   budget=config.budget, budget_exhausted=bool(optimization.get("budget_exhausted", False)),
                   trials=len(optimization.get("trials", [])), trials_reused=int(optimization.get("trials_reused", 0)),
                   tasks_reused=tasks_reused, wall_seconds=round(wall_seconds, 2), lm_errors=rounds.lm_errors,
                   tasks_left_out=rounds.tasks_left_out, parse_routes=rounds.parse_routes)

    def table(self) -> pd.DataFrame:
        """One row per round: solved@r (of all tasks), and on the tasks still open in that round,
        how many there were, conformity, correctness and their gap."""
        open_at = self.open_at or [None] * self.rounds
        return pd.DataFrame({"round": range(1, self.rounds + 1), "solved@r": self.solved_at, "open": open_at,
                             "conformity": self.conformity_at, "correctness": self.correctness_at,
                             "gap": self.gap_at})

    def render(self) -> str:
        def fmt(value: float | None) -> str:
            return "-" if value is None or value != value else f"{value:.3f}"

        if self.kind == "puzzle":  # a puzzle shows its sat, never examples: k and the mode mean nothing
            shown = "puzzles judged by sat(sol())"
        elif self.mode == "description":
            shown = "no examples (description only), mode description"
        else:
            shown = f"k={self.k}, mode {self.mode}"
        lines = [f"{self.module} + {self.optimizer} on {self.suite} (test: {self.tasks} tasks, {shown}, "
                 f"seed {self.seed})", "", "round  solved@r   open  conformity  correctness    gap"]
        for _, row in self.table().iterrows():
            opened = "-" if row["open"] is None or row["open"] != row["open"] else str(int(row["open"]))
            lines.append(f"{int(row['round']):>5}  {fmt(row['solved@r']):>8}  {opened:>5}  {fmt(row['conformity']):>10}  "
                         f"{fmt(row['correctness']):>11}  {fmt(row['gap']):>5}")
        lines += ["", LEGEND, "", f"first-round share: {self.first_round_share:.3f}"]
        if self.chosen:
            lines.append(f"chosen: {self.chosen}")
        if self.budget_note:
            lines.append(f"note: {self.budget_note}")
        lines += [
                  f"LM calls: {self.lm_calls} ({self.lm_calls_optimize} optimizing, budget {self.budget}"
                  f"{', spent' if self.budget_exhausted else ''}; {self.lm_calls_eval} evaluating), "
                  f"tokens: {self.tokens}",
                  f"trials: {self.trials} ({self.trials_reused} reused), wall time: {self.wall_seconds:.1f} s"]
        if self.parse_routes:
            mode = f" ({self.parse_mode})" if self.parse_mode else ""
            lines.append(f"replies parsed{mode}: {describe_routes(self.parse_routes)}")
        if self.lm_errors:
            lines.append(f"LM errors: {self.lm_errors} test task rounds failed on every retry; those "
                         f"{self.tasks_left_out} tasks are left out of the scores (the same command evaluates "
                         "them again)")
        return "\n".join(lines)


ROUTE_WORDS = {"chat": "by the chat format", "raw": "read raw (no field markers)",
               "json": "by the JSON format (a retry call unless --parse json)",
               "failed": "not at all (no code)"}


def describe_routes(routes: dict[str, int]) -> str:
    """``26 replies: 20 by the chat format (77%), 6 read raw ...`` (evaluation replies with code)."""
    total = sum(routes.values())
    parts = [f"{n} {ROUTE_WORDS.get(route, route)} ({n / total:.0%})" for route, n in
             sorted(routes.items(), key=lambda item: -item[1])]
    return f"{total} replies: " + ", ".join(parts)


LEGEND = ("solved@r: share of all test tasks solved by round r. open: tasks not solved before round r; "
          "conformity (the code passes the examples shown), correctness (it passes every test) and gap "
          "(conformity minus correctness) are shares of those open tasks. first-round share: of the tasks "
          "solved, the share solved in round 1.")


def how_chosen(optimizer: str, optimization: dict[str, Any]) -> str:
    """How the compiled program was chosen, in words (from ``optimization.json``); trials are
    named by their ``trials.jsonl`` row, Optuna's number in brackets where it differs."""
    if optimizer == "none":
        return "no optimizer: the module as given"
    choice = row_numbered_choice(optimization.get("choice"), optimization.get("trials", []))
    if choice:
        return _choice_sentence(choice)
    scored = [t for t in optimization.get("trials", []) if t.get("kind") in ("candidate", "final")
              and t.get("score") is not None]
    if not scored:
        return f"{optimizer} chose without scoring on dev"
    best = max(scored, key=lambda t: t["score"])
    return f"{optimizer}'s choice; its best scored trial: {best['number']} ({best['score']:.3f} on {best['n_examples']} dev tasks)"


def _trial_name(row: int | None, optuna: int | None) -> str:
    if row is None:
        return f"Optuna's trial {optuna} (no row in this run's trials.jsonl)"
    return f"trial {row}" + (f" (Optuna's {optuna})" if optuna is not None and optuna != row else "")


def _choice_sentence(choice: dict[str, Any]) -> str:
    """The joint search's choice: the winner (or the program as given), its score, and the test
    that decided, in one sentence built from the same parts whichever way it went."""
    scores = {int(k): v for k, v in (choice.get("optuna_finalists") or {}).items()}
    where, chosen = choice.get("scored_on", "dev"), choice.get("optuna_trial")
    best = choice.get("optuna_best_finalist", chosen)
    subject = _trial_name(choice.get("trial"), chosen)
    p = choice.get("sign_test_p")
    test = f"sign test p = {p:.3f}" if p is not None else ""
    versus = (f", won {choice['wins']} and lost {choice['losses']} of {choice.get('tested_on')} held-out tasks"
              if choice.get("wins") is not None else "")
    if not choice.get("as_given"):
        return f"{subject} ({scores.get(chosen, 0):.3f} on {where}{versus}{', ' + test if test else ''})"
    if best == chosen or best not in scores:
        return f"the program as given ({subject}): no finalist scored higher on {where}"
    undecided = f" ({test} > {choice.get('accept_alpha')})" if test else ""
    return (f"the program as given ({subject}, {scores.get(chosen, 0):.3f} on {where}): the best finalist, "
            f"{_trial_name(choice.get('best_finalist'), best)} ({scores[best]:.3f}){versus}, was not significantly "
            f"better{undecided}")


def budget_note(budget: int, optimization: dict[str, Any]) -> str:
    estimate = optimization.get("estimate")
    if estimate is None or estimate <= budget:
        return ""
    return (f"the budget ({budget} LM calls) is below the optimizer's own estimate ({estimate}): it searched "
            f"only part of what it would have (raise --budget for a full search)")


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """``frame`` as a Markdown table, floats rounded to ``digits`` (no extra dependency)."""
    def cell(value: Any) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return "-"
        if isinstance(value, float):
            return f"{value:.{digits}f}"
        return str(value).replace("|", "\\|")

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def write_summary(summary: RunSummary, directory: Path) -> dict[str, Path]:
    paths = {"json": directory / "summary.json", "csv": directory / "summary.csv", "md": directory / "summary.md"}
    paths["json"].write_text(json.dumps(summary.model_dump(), indent=2) + "\n")
    summary.table().to_csv(paths["csv"], index=False)
    paths["md"].write_text(f"# {summary.module} + {summary.optimizer} on {summary.suite}\n\n"
                           f"{markdown_table(summary.table())}\n\n{LEGEND}\n\n```\n{summary.render()}\n```\n")
    return paths


def solved_intervals(frame: pd.DataFrame, rounds: int, *, resamples: int = 2000, seed: int = 0) -> np.ndarray:
    """95% intervals for solved@r, r = 1..rounds (2 x rounds), by a bootstrap over the test tasks."""
    primary = frame[frame["sample"] == 0]
    tasks = sorted(primary["task_id"].unique())
    if not tasks:
        return np.zeros((2, rounds))
    first = primary[primary["correctness"]].groupby("task_id")["round"].min()
    solved = np.array([[task in first.index and first[task] <= r for r in range(1, rounds + 1)] for task in tasks],
                      dtype=float)  # tasks x rounds
    picks = np.random.default_rng(seed).integers(0, len(tasks), size=(resamples, len(tasks)))
    means = solved[picks].mean(axis=1)  # resamples x rounds
    return np.quantile(means, [0.025, 0.975], axis=0)


def write_plots(summary: RunSummary, trials: list[dict[str, Any]], directory: Path,
                frame: pd.DataFrame | None = None, choice: dict[str, Any] | None = None) -> dict[str, Path]:
    """``solved_at.png`` (solved@round with 95% intervals over tasks) and, when the optimizer scored
    candidates, ``score_vs_calls.png`` (each trial's dev score against cumulative LM calls, the
    chosen program marked, the program as given as a reference line). No plot is written empty."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = {"solved_at": directory / "solved_at.png"}
    rounds = range(1, summary.rounds + 1)
    figure, axes = plt.subplots(figsize=(5.5, 3.8))
    axes.plot(rounds, summary.solved_at, marker="o", label="solved by round r")
    if frame is not None and len(frame):
        low, high = solved_intervals(frame, summary.rounds, seed=summary.seed)
        axes.fill_between(rounds, low, high, alpha=0.2, label="95% CI (bootstrap over tasks)")
        axes.legend(loc="lower right", fontsize=8)
    top = max([*summary.solved_at, 0.05])
    axes.set(xlabel="round", ylabel=f"share of the {summary.tasks} test tasks", ylim=(0, min(1.0, top * 1.6 + 0.05)),
             title=f"{summary.module} + {summary.optimizer} on {summary.suite}\nsolved@r, {summary.tasks} tasks, "
                   f"seed {summary.seed}")
    axes.title.set_fontsize(9)
    axes.set_xticks(list(rounds))
    figure.tight_layout()
    figure.savefig(paths["solved_at"], dpi=100)
    plt.close(figure)

    spent, points = 0, []
    for trial in trials:
        spent += int(trial.get("lm_calls", 0))
        if trial.get("kind") in ("candidate", "final") and trial.get("score") is not None:
            points.append((spent, float(trial["score"]), trial))
    if not points:
        stale = directory / "score_vs_calls.png"
        if stale.exists():
            stale.unlink()  # a plot of an earlier run of this directory would describe another search
        return paths
    paths["score_vs_calls"] = directory / "score_vs_calls.png"
    figure, axes = plt.subplots(figsize=(6, 3.8))
    sizes = sorted({int(p[2].get("n_examples", 0)) for p in points})
    for size in sizes:
        mine = [p for p in points if int(p[2].get("n_examples", 0)) == size]
        axes.scatter([p[0] for p in mine], [p[1] for p in mine], s=14,
                     label=f"trial scored on {size} dev tasks")
    choice = row_numbered_choice(choice, trials) or {}
    given_row = choice.get("given")  # rows of trials.jsonl: the last (widest) evaluation of each
    given = next((p for p in points if given_row is not None and p[2].get("number") == given_row), None)
    if given is not None:
        axes.axhline(given[1], linestyle="--", color="grey", linewidth=1, label="program as given")
    chosen_row = choice.get("trial")
    chosen = [p for p in points if chosen_row is not None and p[2].get("number") == chosen_row]
    if chosen:
        axes.scatter([chosen[-1][0]], [chosen[-1][1]], marker="*", s=160, color="crimson", zorder=3,
                     label="chosen program")
    axes.legend(fontsize=7, loc="best")
    axes.set(xlabel="LM calls spent optimizing (cumulative)", ylabel="dev score (share of tasks solved)",
             title=f"{summary.optimizer}: each trial's dev score against LM calls\n{summary.module} on {summary.suite}, "
                   f"budget {summary.budget}")
    axes.title.set_fontsize(9)
    figure.tight_layout()
    figure.savefig(paths["score_vs_calls"], dpi=100)
    plt.close(figure)
    return paths
