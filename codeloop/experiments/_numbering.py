"""One trial numbering in every file: the row number of ``trials.jsonl`` (``Trial.number``).

The joint search records its choice with Optuna's trial numbers (its study's own); a trial of
the study can have two rows in ``trials.jsonl`` (scored on the minibatch, then on all of dev),
and a resumed study's trials from an earlier process have none. So before the choice is written
to ``optimization.json`` or summarized, each Optuna number is replaced by the number of its last
(widest) row, and kept only as a secondary field named ``optuna_*``.
"""

from __future__ import annotations

from typing import Any


def optuna_rows(trials: list[dict[str, Any]]) -> dict[int, int]:
    """Optuna trial number -> the number of its last row in ``trials.jsonl``."""
    rows: dict[int, int] = {}
    for trial in trials:
        optuna = (trial.get("params") or {}).get("optuna_trial")
        if isinstance(optuna, int):
            rows[optuna] = int(trial["number"])
    return rows


def row_numbered_choice(choice: dict[str, Any] | None, trials: list[dict[str, Any]]) -> dict[str, Any] | None:
    """``choice`` (the joint search's, by Optuna number) with ``trial``, ``given``, ``best_finalist``
    and the ``finalists`` keys as ``trials.jsonl`` row numbers (``None`` for a trial with no row in
    this run's log), and Optuna's numbers kept as ``optuna_trial``, ``optuna_given``,
    ``optuna_best_finalist`` and ``optuna_finalists``."""
    if not choice or "optuna_trial" in choice:  # nothing to do, or numbered already
        return choice
    rows = optuna_rows(trials)

    def row(number: Any) -> int | None:
        return rows.get(int(number)) if number is not None else None

    finalists = {int(k): v for k, v in (choice.get("finalists") or {}).items()}
    renumbered = {**choice, "trial": row(choice.get("trial")), "given": row(choice.get("given")),
                  "best_finalist": row(choice.get("best_finalist")),
                  "finalists": {rows[k]: v for k, v in finalists.items() if k in rows},
                  "optuna_trial": choice.get("trial"), "optuna_given": choice.get("given"),
                  "optuna_best_finalist": choice.get("best_finalist"), "optuna_finalists": finalists}
    return renumbered
