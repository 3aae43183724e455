"""The offline synthesis backend: in-process as a DSPy engine, or over an OpenAI-compatible server.

It is a search-based program synthesizer (``codeloop.lm.synth``), not a language model: it
reads the examples, demonstrations and instruction out of DSPy's chat prompts and searches a
DSL of Python building blocks for a consistent function.
"""

from ._engine import OfflineEngine, offline_lm
from ._faults import FaultPlan
from ._resolve import OFFLINE_NOTICE, ResolvedLM, resolve_lm
from ._responder import ChatRequest, SynthesisResponder
from ._server import ServerHandle, serve

__all__ = ["ChatRequest", "FaultPlan", "OFFLINE_NOTICE", "OfflineEngine", "ResolvedLM", "ServerHandle",
           "SynthesisResponder", "offline_lm", "resolve_lm", "serve"]
