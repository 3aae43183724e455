"""LMs: resolving ``--lm`` to a ``dspy.LM``, the offline synthesis backend (in process as a DSPy
engine, or behind an OpenAI-compatible server), the local llama.cpp model (``--lm local``: its
registry, weights and runtime), and all LM accounting (metered LM, budget, usage,
per-generation call counts).

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
from ._generation import DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE, GenerationSettings
from ._local import LlamaEngine, LocalSettings, local_lm
from ._models import MODELS, ModelSpec
from ._preflight import check_lm_reachable
from ._resolve import OFFLINE_NOTICE, ResolvedLM, resolve_lm
from ._responder import ChatRequest, SynthesisResponder
from ._retry import RetryingEngine, RetryPolicy, retry_stats, retrying_lm
from ._runtime import install_runtime, portable_cmake_args
from ._server import ServerHandle, run_server, serve
from ._weights import codeloop_home, fetch_model, is_verified, model_path

__all__ = [
    "Budget",
    "CallCounter",
    "ChatRequest",
    "DEFAULT_MAX_TOKENS",
    "DEFAULT_TEMPERATURE",
    "FaultPlan",
    "GenerationSettings",
    "LlamaEngine",
    "LocalSettings",
    "MODELS",
    "Meter",
    "MeteredLM",
    "ModelSpec",
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
    "codeloop_home",
    "fetch_model",
    "install_runtime",
    "is_verified",
    "local_lm",
    "model_path",
    "offline_lm",
    "portable_cmake_args",
    "resolve_lm",
    "retry_stats",
    "retrying_lm",
    "run_server",
    "serve",
    "total_tokens",
    "usage_tokens",
]
