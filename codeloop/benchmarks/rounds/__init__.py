"""The iterative-rounds protocol: examples first, then one counterexample per round.

See ``_protocol`` for the procedure, ``_policies`` for how examples are chosen (including
the ``informative`` policy), and ``_results`` for the aggregates and files.
"""

from ._policies import (
    COUNTEREXAMPLE_POLICIES,
    INITIAL_POLICIES,
    CounterexamplePolicy,
    InitialPolicy,
    informative_scores,
    pick_counterexamples,
    pick_initial,
)
from ._protocol import MODES, Generation, Mode, RoundsConfig, SupportsGenerate, initial_view, run_rounds
from ._results import RoundsSummary, save_results, summarize, to_frame

__all__ = [
    "COUNTEREXAMPLE_POLICIES",
    "CounterexamplePolicy",
    "Generation",
    "INITIAL_POLICIES",
    "InitialPolicy",
    "MODES",
    "Mode",
    "RoundsConfig",
    "RoundsSummary",
    "SupportsGenerate",
    "informative_scores",
    "initial_view",
    "pick_counterexamples",
    "pick_initial",
    "run_rounds",
    "save_results",
    "summarize",
    "to_frame",
]
