"""A run's summary: the table printed at the end, ``summary.json``/``.csv``/``.md``, and plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from ..benchmarks.rounds import RoundsSummary
from ._config import RunConfig


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

    @classmethod
    def of(cls, config: RunConfig, rounds: RoundsSummary, optimization: dict[str, Any], *,
           wall_seconds: float, tasks_reused: int) -> RunSummary:
        return cls(suite=config.suite, module=config.module, optimizer=config.optimizer, seed=config.seed,
                   tasks=rounds.tasks, rounds=rounds.rounds, k=config.k, solved_at=rounds.solved_at,
                   first_round_share=rounds.first_round_share, conformity_at=rounds.conformity_at,
                   correctness_at=rounds.correctness_at, gap_at=rounds.gap_at,
                   lm_calls=int(optimization.get("lm_calls", 0)) + rounds.lm_calls,
                   tokens=int(optimization.get("tokens", 0)) + rounds.tokens,
                   lm_calls_optimize=int(optimization.get("lm_calls", 0)), lm_calls_eval=rounds.lm_calls,
                   budget=config.budget, budget_exhausted=bool(optimization.get("budget_exhausted", False)),
                   trials=len(optimization.get("trials", [])), trials_reused=int(optimization.get("trials_reused", 0)),
                   tasks_reused=tasks_reused, wall_seconds=round(wall_seconds, 2))

    def table(self) -> pd.DataFrame:
        """One row per round: solved@r, conformity, correctness and their gap on the tasks still open."""
        return pd.DataFrame({"round": range(1, self.rounds + 1), "solved@r": self.solved_at,
                             "conformity": self.conformity_at, "correctness": self.correctness_at,
                             "gap": self.gap_at})

    def render(self) -> str:
        def fmt(value: float | None) -> str:
            return "-" if value is None else f"{value:.3f}"

        lines = [f"{self.module} + {self.optimizer} on {self.suite} (test: {self.tasks} tasks, k={self.k}, "
                 f"seed {self.seed})", "", "round  solved@r  conformity  correctness  gap"]
        for _, row in self.table().iterrows():
            lines.append(f"{int(row['round']):>5}  {fmt(row['solved@r']):>8}  {fmt(row['conformity']):>10}  "
                         f"{fmt(row['correctness']):>11}  {fmt(row['gap']):>5}")
        lines += ["", f"first-round share: {self.first_round_share:.3f}",
                  f"LM calls: {self.lm_calls} ({self.lm_calls_optimize} optimizing, budget {self.budget}"
                  f"{', spent' if self.budget_exhausted else ''}; {self.lm_calls_eval} evaluating), "
                  f"tokens: {self.tokens}",
                  f"trials: {self.trials} ({self.trials_reused} reused), wall time: {self.wall_seconds:.1f} s"]
        return "\n".join(lines)


def write_summary(summary: RunSummary, directory: Path) -> dict[str, Path]:
    paths = {"json": directory / "summary.json", "csv": directory / "summary.csv", "md": directory / "summary.md"}
    paths["json"].write_text(json.dumps(summary.model_dump(), indent=2) + "\n")
    summary.table().to_csv(paths["csv"], index=False)
    table = summary.table().to_markdown(index=False, floatfmt=".3f") if _has_tabulate() else \
        summary.table().to_string(index=False)
    paths["md"].write_text(f"# {summary.module} + {summary.optimizer} on {summary.suite}\n\n{table}\n\n"
                           f"```\n{summary.render()}\n```\n")
    return paths


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def write_plots(summary: RunSummary, trials: list[dict[str, Any]], directory: Path) -> dict[str, Path]:
    """``solved_at.png`` (solved@round) and ``score_vs_calls.png`` (trial score against cumulative LM calls)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = {"solved_at": directory / "solved_at.png", "score_vs_calls": directory / "score_vs_calls.png"}
    figure, axes = plt.subplots(figsize=(5, 3.5))
    axes.plot(range(1, summary.rounds + 1), summary.solved_at, marker="o")
    axes.set(xlabel="round", ylabel="solved (cumulative share)", ylim=(0, 1),
             title=f"{summary.module} + {summary.optimizer}")
    axes.set_xticks(range(1, summary.rounds + 1))
    figure.tight_layout()
    figure.savefig(paths["solved_at"], dpi=100)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(5, 3.5))
    spent, xs, ys, best, bests = 0, [], [], None, []
    for trial in trials:
        spent += int(trial.get("lm_calls", 0))
        if trial.get("kind") in ("candidate", "final") and trial.get("score") is not None:
            xs.append(spent)
            ys.append(trial["score"])
            best = trial["score"] if best is None else max(best, trial["score"])
            bests.append(best)
    if xs:
        axes.scatter(xs, ys, s=12, label="trial")
        axes.step(xs, bests, where="post", label="best so far")
        axes.legend()
    else:
        axes.text(0.5, 0.5, "no scored trials", ha="center", va="center", transform=axes.transAxes)
    axes.set(xlabel="LM calls (cumulative)", ylabel="dev score", title="score against LM calls")
    figure.tight_layout()
    figure.savefig(paths["score_vs_calls"], dpi=100)
    plt.close(figure)
    return paths
