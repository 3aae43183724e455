"""LMs: resolving ``--lm`` to a ``dspy.LM``, the offline synthesis backend (in process as a DSPy
engine, or behind an OpenAI-compatible server), and all LM accounting (metered LM, budget,
usage, per-generation call counts).

The offline backend is a search-based program synthesizer (``codeloop.lm.synth``), not a
language model: it reads the examples, demonstrations and instruction out of DSPy's chat
prompts and searches a DSL of Python building blocks for a consistent function.

This package knows nothing of suites, modules or optimizers.
"""

from ._accounting import (
    Budget,
    CallCounter,
    Meter,
    MeteredLM,
    Spend,
    StoppingLM,
    budget_stops,
    total_tokens,
    usage_tokens,
)
from ._engine import OfflineEngine, offline_lm
from ._faults import FaultPlan
from ._preflight import check_lm_reachable
from ._resolve import OFFLINE_NOTICE, ResolvedLM, resolve_lm
from ._responder import ChatRequest, SynthesisResponder
from ._retry import RetryingEngine, RetryPolicy, retry_stats, retrying_lm
from ._server import ServerHandle, run_server, serve

__all__ = [
    "Budget",
    "CallCounter",
    "ChatRequest",
    "FaultPlan",
    "Meter",
    "MeteredLM",
    "OFFLINE_NOTICE",
    "OfflineEngine",
    "ResolvedLM",
    "RetryPolicy",
    "RetryingEngine",
    "ServerHandle",
    "Spend",
    "StoppingLM",
    "SynthesisResponder",
    "budget_stops",
    "check_lm_reachable",
    "offline_lm",
    "resolve_lm",
    "retry_stats",
    "retrying_lm",
    "run_server",
    "serve",
    "total_tokens",
    "usage_tokens",
]
