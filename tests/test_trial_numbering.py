"""One trial numbering everywhere: ``trials.jsonl``'s row numbers, Optuna's kept as ``optuna_*``."""

from __future__ import annotations

import json

from codeloop.cli import main
from codeloop.experiments._numbering import row_numbered_choice
from codeloop.experiments._report import how_chosen


def test_the_joint_searchs_choice_is_numbered_by_trials_jsonl_rows(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["run", "--lm", "offline:max_programs=300", "--limit", "8", "--rounds", "1", "--module",
                 "from-examples", "--optimizer", "joint", "--budget", "60", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()]
    choice = json.loads((out / "optimization.json").read_text())["choice"]
    assert [r["number"] for r in rows] == list(range(len(rows)))  # the numbers users see are the rows
    chosen = rows[choice["trial"]]
    assert chosen["params"]["optuna_trial"] == choice["optuna_trial"]
    assert not any(r["params"].get("optuna_trial") == choice["optuna_trial"] for r in rows[chosen["number"] + 1:])
    for row, score in choice["finalists"].items():
        assert rows[int(row)]["params"]["optuna_trial"] in {int(k) for k in choice["optuna_finalists"]}
        assert score == choice["optuna_finalists"][str(rows[int(row)]["params"]["optuna_trial"])]
    summary = json.loads((out / "summary.json").read_text())
    assert f"trial {choice['trial']}" in summary["chosen"]


def test_a_choice_is_renumbered_once_and_a_trial_without_a_row_is_named_so() -> None:
    trials = [{"number": 0, "params": {"optuna_trial": 0}}, {"number": 1, "params": {"optuna_trial": 3}},
              {"number": 2, "params": {"optuna_trial": 0}}]  # trial 0 scored again on all of dev: row 2
    choice = {"trial": 3, "as_given": False, "given": 0, "best_finalist": 3, "scored_on": "all of dev",
              "finalists": {"0": 0.1, "3": 0.2}, "sign_test_p": 0.03, "wins": 3, "losses": 0, "tested_on": 20,
              "accept_alpha": 0.1}
    numbered = row_numbered_choice(choice, trials)
    assert (numbered["trial"], numbered["given"], numbered["finalists"]) == (1, 2, {2: 0.1, 1: 0.2})
    assert (numbered["optuna_trial"], numbered["optuna_given"]) == (3, 0)
    assert row_numbered_choice(numbered, trials) == numbered
    said = how_chosen("joint", {"choice": choice, "trials": trials})
    assert said == ("trial 1 (Optuna's 3) (0.200 on all of dev, won 3 and lost 0 of 20 held-out tasks, "
                    "sign test p = 0.030)")
    unlogged = how_chosen("joint", {"choice": {**choice, "trial": 7, "as_given": True, "best_finalist": 7},
                                    "trials": trials})
    assert unlogged.startswith("the program as given (Optuna's trial 7 (no row in this run's trials.jsonl))")
