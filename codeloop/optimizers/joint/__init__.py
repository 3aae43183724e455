"""The joint search: instructions, demo sets and k per predictor, chosen by TPE under one
budget, with trials in a shareable, resumable Optuna study and a significance rule for the
final choice."""

from ._search import JointSearch
from ._storage import open_storage

__all__ = ["JointSearch", "open_storage"]
