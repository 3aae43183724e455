"""Aggregates of an evaluation over rounds, and how they are saved."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from ...metrics import mean_pass_at_k

COLUMNS = ["task_id", "round", "sample", "mode", "n_examples", "code", "conformity", "correctness",
           "pass_ratio", "n_passed", "n_tests", "verdicts", "lm_calls", "tokens", "latency_s", "state", "parse"]


class RoundsSummary(BaseModel):
    """What an evaluation over rounds found (sample 0 drives the rounds)."""

    tasks: int
    rounds: int
    solved_at: list[float]  # cumulative share of tasks solved by round r (index r - 1)
    first_round_share: float  # share of all successes reached in round 1
    conformity_at: list[float | None]  # mean conformity of the tasks still open in round r
    correctness_at: list[float | None]
    gap_at: list[float | None]  # conformity minus correctness, per round
    open_at: list[int] = []  # tasks still open (not solved before) in round r: the denominator of the three above
    pass_at_k: dict[str, list[float | None]] = {}  # "pass@k" -> per round, when samples > 1
    lm_calls: int = 0
    tokens: int = 0
    lm_errors: int = 0  # task rounds whose LM call failed on every retry (rows with state "lm_error")
    tasks_left_out: int = 0  # tasks with such a round: in no score (neither solved nor counted)
    parse_routes: dict[str, int] = {}  # LM replies by how they were parsed (chat format, raw reply, JSON retry, failed)


def to_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["state"] = frame["state"].fillna("ok")  # rows recorded before there were states
    frame["parse"] = frame["parse"].fillna("")  # rows recorded before parse routes were
    return frame


def summarize(frame: pd.DataFrame, rounds: int) -> RoundsSummary:
    """solved@r, first-round share, conformity vs correctness per round, pass@k per round.

    A task with an ``lm_error`` round is left out of every score, numerator and denominator
    alike: what it would have done from that round on is unknown, and scoring it as unsolved
    would count the LM's outage as the program's failure. ``lm_calls`` and ``tokens`` still
    count its rows; ``lm_errors`` and ``tasks_left_out`` say how many there were.
    """
    states = frame["state"].fillna("ok") if "state" in frame else pd.Series("ok", index=frame.index)
    failed = frame.loc[states == "lm_error", "task_id"]
    lm_errors, left_out = len(failed), failed.nunique()
    lm_calls, tokens = int(frame["lm_calls"].sum()), int(frame["tokens"].sum())
    parse_routes = count_routes(frame.get("parse", []))
    frame = frame[~frame["task_id"].isin(set(failed))]
    tasks = frame["task_id"].nunique()
    primary = frame[frame["sample"] == 0]
    first_solved = primary[primary["correctness"]].groupby("task_id")["round"].min()
    solved_at = [float((first_solved <= r).sum() / tasks) if tasks else 0.0 for r in range(1, rounds + 1)]
    solved_total = len(first_solved)
    first_round_share = float((first_solved == 1).sum() / solved_total) if solved_total else 0.0
    conformity_at, correctness_at, gap_at, open_at = [], [], [], []
    for r in range(1, rounds + 1):
        at = primary[primary["round"] == r]
        open_at.append(int(at["task_id"].nunique()))
        if at.empty:
            conformity_at.append(None)
            correctness_at.append(None)
            gap_at.append(None)
            continue
        conformity, correctness = float(at["conformity"].mean()), float(at["correctness"].mean())
        conformity_at.append(conformity)
        correctness_at.append(correctness)
        gap_at.append(conformity - correctness)
    pass_at: dict[str, list[float | None]] = {}
    n_samples = int(frame["sample"].max()) + 1 if len(frame) else 1
    if n_samples > 1:
        for k in sorted({1, min(5, n_samples), n_samples}):
            per_round: list[float | None] = []
            for r in range(1, rounds + 1):
                at = frame[frame["round"] == r].groupby("task_id")["correctness"].agg(["size", "sum"])
                per_round.append(mean_pass_at_k(at["size"].to_numpy(), at["sum"].to_numpy(), k)
                                 if len(at) else None)
            pass_at[f"pass@{k}"] = per_round
    return RoundsSummary(tasks=tasks, rounds=rounds, solved_at=solved_at, first_round_share=first_round_share,
                         conformity_at=conformity_at, correctness_at=correctness_at, gap_at=gap_at,
                         open_at=open_at, pass_at_k=pass_at, lm_calls=lm_calls, tokens=tokens,
                         lm_errors=lm_errors, tasks_left_out=left_out, parse_routes=parse_routes)


def count_routes(cells) -> dict[str, int]:
    """Replies per parse route, from the rows' comma-joined ``parse`` cells."""
    counts: dict[str, int] = {}
    for cell in cells:
        for route in str(cell or "").split(","):
            if route:
                counts[route] = counts.get(route, 0) + 1
    return dict(sorted(counts.items()))


def save_results(frame: pd.DataFrame, summary: RoundsSummary, directory: str | Path) -> dict[str, Path]:
    """Write ``results.parquet`` (CSV if Parquet is unavailable) and ``summary.json``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    try:
        path = directory / "results.parquet"
        frame.to_parquet(path, index=False)
    except ImportError:
        path = directory / "results.csv"
        frame.to_csv(path, index=False)
    written["results"] = path
    summary_path = directory / "summary.json"
    summary_path.write_text(json.dumps(summary.model_dump(), indent=2) + "\n")
    written["summary"] = summary_path
    return written
