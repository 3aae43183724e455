"""``codeloop report PATH``: the Markdown figure table the README uses for a run or a comparison
directory, after one line saying what it measures and followed right below by one provenance line
naming the command, commit, date and LM.

The provenance line has one fixed form, which renders as small text under a table on GitHub
and which :data:`PROVENANCE_LINE` matches::

    <sub>Produced by `codeloop compare ...` at commit abc1234 on 2026-12-02, LM offline:... .</sub>

(``at version 0.1.0`` instead of a commit outside a git checkout; ``+dirty`` after the commit
when the package's files differed from it; resumptions are named after the LM.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import ConfigError
from ._report import markdown_table

#: The provenance line under every README figure table (``tests/test_readme_figures.py`` checks it).
PROVENANCE_LINE = re.compile(
    r"^<sub>Produced by `(?P<command>codeloop [^`]+)` at (?:commit (?P<commit>[0-9a-f]{7,40})(?P<dirty>\+dirty)?"
    r"|version (?P<version>[^ ]+)) on (?P<date>\d{4}-\d{2}-\d{2}), LM (?P<lm>.+)\.</sub>$")


def provenance_line(entries: list[dict[str, Any]], *, fallback_lm: str = "unknown") -> str:
    """The README line for a result whose provenance is ``entries`` (the first started it)."""
    if not entries:
        raise ConfigError("this result records no provenance (it was written before codeloop recorded the command "
                          "line); run the same command again with the same --out to record it")
    first = entries[0]
    command = first.get("command") or "codeloop (called from Python)"
    where = (f"commit {first['commit']}{'+dirty' if first.get('dirty') else ''}" if first.get("commit")
             else f"version {first.get('version', 'unknown')}")
    settings = first.get("lm_settings") or {}
    lm = str(first.get("lm") or fallback_lm) + (
        " (" + ", ".join(f"{k}={v}" for k, v in settings.items()) + ")" if settings else "")
    later = [e for e in entries[1:] if e.get("command")]
    resumed = ""
    if later:
        last = later[-1]
        resumed = (f"; resumed {len(later)} time(s), last by `{last['command']}` at "
                   f"{'commit ' + str(last['commit']) if last.get('commit') else 'version ' + str(last.get('version'))}"
                   f" on {str(last.get('date', ''))[:10]}")
    return f"<sub>Produced by `{command}` at {where} on {str(first.get('date', ''))[:10]}, LM {lm}{resumed}.</sub>"


def comparison_figure(record: dict[str, Any]) -> str:
    """The README's comparison table: per strategy, solved@1, solved@R with its interval, the paired
    difference to the baseline, won/lost tasks with the Holm-corrected p, and LM calls per seed."""
    metric, baseline = record["metric"], record["baseline"]
    rows = []
    for r in record["strategies"].values():
        seeds = len(r.get("seeds") or [1])
        rows.append({
            "strategy": f"`{r['strategy']}`" + ("" if r.get("varies_with_seed", True) or seeds == 1
                                                else " (same on every seed)"),
            "test solved@1": f"{r['solved_at_1']:.3f}",
            f"test {metric} [95% CI]": f"{r['mean']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}]",
            f"diff vs `{baseline}` [paired 95% CI]": (f"{r['diff']:+.3f} [{r['diff_ci_low']:+.3f}, "
                                                      f"{r['diff_ci_high']:+.3f}]"),
            "won/lost tasks, p (Holm)": ("baseline" if r.get("p_holm") is None
                                         else f"{r['wins']}/{r['losses']}, {r['p_holm']:.3f}"),
            "LM calls per seed (optimizing)": f"{r['lm_calls'] / seeds:.0f}"})
    return markdown_table(pd.DataFrame(rows))


def run_figure(summary: dict[str, Any]) -> str:
    """The README's run table: one row per round, solved@r over all test tasks and, over the tasks
    still open, their number, conformity, correctness and gap."""
    rounds = summary["rounds"]
    frame = pd.DataFrame({"round": range(1, rounds + 1), "solved@r": summary["solved_at"],
                          "open": (summary.get("open_at") or [None] * rounds),
                          "conformity": summary["conformity_at"], "correctness": summary["correctness_at"],
                          "gap": summary["gap_at"]})
    return markdown_table(frame)


def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read it as JSON ({exc})") from None


def figure_report(path: str | Path) -> str:
    """The Markdown table for the run or comparison directory ``path`` and its provenance line.

    A comparison directory holds ``comparison.json``; a run directory holds ``config.json`` and a
    ``summary.json`` (written when the run finished). Anything else is refused, naming the path.
    """
    directory = Path(path)
    if (directory / "comparison.json").is_file():
        record = _read(directory / "comparison.json")
        metric = record.get("metric", "solved@R")
        note = (f"{record.get('suite')}, {record.get('module')}: {metric} over {record.get('tasks')} test tasks x "
                f"{record.get('seeds')} seed(s); intervals by a bootstrap over tasks, paired for the difference; "
                "p: exact sign test over tasks, Holm-corrected.")
        return "\n\n".join([note, comparison_figure(record),
                            provenance_line(record.get("provenance") or [], fallback_lm=record.get("lm", "unknown"))])
    if (directory / "config.json").is_file() and (directory / "summary.json").is_file():
        config, summary = _read(directory / "config.json"), _read(directory / "summary.json")
        note = (f"{summary['module']} + {summary['optimizer']} on {summary['suite']}: {summary['tasks']} test tasks, "
                f"k={summary['k']}, seed {summary['seed']}; LM calls {summary['lm_calls_optimize']} optimizing, "
                f"{summary['lm_calls_eval']} evaluating. open: tasks not solved before the round; conformity, "
                "correctness and gap are shares of those.")
        return "\n\n".join([note, run_figure(summary), provenance_line(config.get("provenance") or [],
                                                                       fallback_lm=config.get("lm_resolved", ""))])
    if (directory / "config.json").is_file():
        raise ConfigError(f"{directory}: a run directory whose run has not finished (no summary.json); run the same "
                          "command again to finish it")
    raise ConfigError(f"{directory}: not a run directory (config.json and summary.json) nor a comparison directory "
                      "(comparison.json)")
