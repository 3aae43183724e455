"""Metrics for generated code: per-task scores, pass@k, an execution-based DSPy metric, and the
puzzle answer's type check."""

from codeloop.metrics._answer_types import answer_type_problem, check_answer_types, sat_answer_type
from codeloop.metrics._dspy_metric import ExecutionMetric, MetricOutcome, ScoreMode
from codeloop.metrics._feedback import describe_outcome, feedback_for, render_call
from codeloop.metrics._pass_at_k import mean_pass_at_k, pass_at_k
from codeloop.metrics._protocols import SupportsRun
from codeloop.metrics._scores import TaskScore, all_pass, pass_ratio, score_task

__all__ = [
    "ExecutionMetric",
    "MetricOutcome",
    "ScoreMode",
    "SupportsRun",
    "TaskScore",
    "all_pass",
    "answer_type_problem",
    "check_answer_types",
    "describe_outcome",
    "feedback_for",
    "mean_pass_at_k",
    "pass_at_k",
    "pass_ratio",
    "render_call",
    "sat_answer_type",
    "score_task",
]
