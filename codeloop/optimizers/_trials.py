"""Trial records: every candidate an optimizer evaluated, with what it cost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

TrialKind = Literal["candidate", "final", "proposal", "bootstrap", "compile"]
TrialState = Literal["complete", "budget"]


class Trial(BaseModel):
    """One evaluated candidate (or one piece of paid work, such as proposing instructions).

    ``score`` is the mean metric over ``n_examples`` (``None`` for work that scores nothing,
    or when the budget ran out part way); ``lm_calls`` and ``tokens`` are what this trial
    alone spent, counted at the LM layer.
    """

    number: int
    optimizer: str
    kind: TrialKind = "candidate"
    params: dict[str, Any] = Field(default_factory=dict)
    score: float | None = None
    n_examples: int = 0
    lm_calls: int = 0
    tokens: int = 0
    wall_seconds: float = 0.0
    state: TrialState = "complete"


def save_trials(trials: list[Trial], path: str | Path) -> Path:
    """One JSON object per line (the trial log of an optimizer without an Optuna study)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(t.model_dump()) + "\n" for t in trials))
    return path
