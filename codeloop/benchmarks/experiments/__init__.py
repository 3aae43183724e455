"""Experiments end to end: ``codeloop run`` (optimize, evaluate over rounds, report) with run
directories that resume after a kill."""

from ._config import RunConfig, environment
from ._report import RunSummary, write_plots, write_summary
from ._run import RunOutcome, run_experiment

__all__ = ["RunConfig", "RunOutcome", "RunSummary", "environment", "run_experiment", "write_plots", "write_summary"]
