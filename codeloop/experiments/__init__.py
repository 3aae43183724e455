"""Experiments end to end: ``codeloop run`` (optimize, evaluate over rounds, report),
``codeloop compare`` (strategies x seeds with task-level intervals and tests) and ``codeloop eval``
(a saved program over the rounds), with run directories that resume after a kill."""

from ._compare import Comparison, StrategyResult, compare, comparison_table, with_modes
from ._config import RunConfig, environment
from ._figures import PROVENANCE_LINE, figure_report, provenance_line
from ._provenance import command_line
from ._report import RunSummary, write_plots, write_summary
from ._run import RunOutcome, estimate_run, evaluate_saved, program_digest, run_experiment
from ._stats import cluster_bootstrap, holm, sign_test

__all__ = [
    "Comparison",
    "PROVENANCE_LINE",
    "RunConfig",
    "RunOutcome",
    "RunSummary",
    "StrategyResult",
    "cluster_bootstrap",
    "command_line",
    "compare",
    "comparison_table",
    "environment",
    "estimate_run",
    "evaluate_saved",
    "figure_report",
    "holm",
    "program_digest",
    "provenance_line",
    "run_experiment",
    "sign_test",
    "with_modes",
    "write_plots",
    "write_summary",
]
