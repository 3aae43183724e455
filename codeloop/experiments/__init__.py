"""Experiments end to end: ``codeloop run`` (optimize, evaluate over rounds, report),
``codeloop compare`` (strategies x seeds with paired-bootstrap intervals) and ``codeloop eval``
(a saved program over the rounds), with run directories that resume after a kill."""

from ._compare import Comparison, StrategyResult, compare, comparison_table, paired_bootstrap, with_modes
from ._config import RunConfig, environment
from ._report import RunSummary, write_plots, write_summary
from ._run import RunOutcome, estimate_run, evaluate_saved, program_digest, run_experiment

__all__ = ["Comparison", "RunConfig", "RunOutcome", "RunSummary", "StrategyResult", "compare", "comparison_table",
           "environment", "estimate_run", "evaluate_saved", "paired_bootstrap", "program_digest", "run_experiment",
           "with_modes", "write_plots", "write_summary"]
