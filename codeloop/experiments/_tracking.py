"""Optional MLflow tracking of a finished run (``pip install 'codeloop[mlflow]'``).

The run directory stays the record of truth; MLflow gets a copy to browse and compare:
the configuration as params, solved@r and conformity@r as per-round metrics (step = round),
the totals as metrics, and the summary, plots and compiled program as artifacts.
"""

from __future__ import annotations

from pathlib import Path

from ..exceptions import ConfigError
from ._config import RunConfig
from ._report import RunSummary

ARTIFACTS = ("summary.json", "summary.csv", "summary.md", "solved_at.png", "score_vs_calls.png", "program.json",
             "config.json")


def track_in_mlflow(uri: str, config: RunConfig, summary: RunSummary, directory: Path,
                    experiment: str = "codeloop") -> str:
    """Log the run to the MLflow tracking server or database at ``uri``; returns the MLflow run id."""
    try:
        import mlflow
    except ImportError:
        raise ConfigError("MLflow tracking needs the mlflow extra: pip install 'codeloop[mlflow]'") from None
    client = mlflow.MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found is not None else client.create_experiment(experiment)
    run = client.create_run(experiment_id, run_name=f"{config.module}+{config.optimizer} seed {config.seed}",
                            tags={"codeloop.run_directory": str(directory.resolve())})
    run_id = run.info.run_id
    try:
        for key, value in config.model_dump(mode="json").items():
            client.log_param(run_id, key, "" if value is None else value)
        for round_number, value in enumerate(summary.solved_at, 1):
            client.log_metric(run_id, "solved_at", value, step=round_number)
        for round_number, value in enumerate(summary.conformity_at, 1):
            if value is not None:
                client.log_metric(run_id, "conformity_at", value, step=round_number)
        for key in ("first_round_share", "lm_calls", "lm_calls_optimize", "lm_calls_eval", "tokens", "wall_seconds",
                    "trials", "trials_reused"):
            client.log_metric(run_id, key, float(getattr(summary, key)))
        for name in ARTIFACTS:
            if (directory / name).exists():
                client.log_artifact(run_id, str(directory / name))
    except Exception:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id)
    return run_id
