"""The one place an LM is chosen: a flag, else ``CODELOOP_LM``, else the offline backend.

Any LiteLLM model string works (``openai/gpt-4o-mini``, ``anthropic/...``, ``ollama_chat/...``);
keys come from the provider's usual variables (``OPENAI_API_KEY``, ...), which DSPy and
LiteLLM read themselves. The offline backend is ``offline`` (or nothing at all); ``offline:max_programs=N`` sets its
search budget per call (smaller is faster and solves less).
``local`` (``local:NAME``, ``local:PATH.gguf``) is a llama.cpp model in process (``codeloop.lm._local``).
``api_base`` (or ``CODELOOP_API_BASE``) points an
``openai/<name>`` model at any OpenAI-compatible server, such as ``codeloop serve-lm``.

Every call to a model reached over the network is retried by codeloop (``retry``, a
:class:`~codeloop.lm.RetryPolicy`: retries, timeout, backoff), below DSPy's cache, so a fault
is never cached; see ``_retry``. The offline backend runs in this process and is not retried.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

import dspy

from ..exceptions import ConfigError
from ._engine import offline_lm
from ._generation import GenerationSettings
from ._local import LOCAL_NAMES, local_lm
from ._responder import SynthesisResponder
from ._retry import RetryPolicy, retrying_lm
from .synth import SearchBudget

OFFLINE_NAMES = ("offline", "codeloop-offline")
OFFLINE_NOTICE = ("no LM configured (--lm or CODELOOP_LM): using codeloop's offline backend, a search-based "
                  "program synthesizer, not a language model")


@dataclass(frozen=True)
class ResolvedLM:
    """The LM to use, how it was chosen, and a notice to show once when it is the offline default."""

    lm: dspy.BaseLM
    model: str
    source: str  # "flag", "environment" or "default"
    offline: bool
    notice: str | None = None
    local: bool = False  # a llama.cpp model in this process: no server, no key


def _offline_budget(options: str, model: str) -> SearchBudget:
    budget = SearchBudget()
    for option in filter(None, options.split(",")):
        key, _, value = option.partition("=")
        if key.strip() != "max_programs" or not value.strip().isdigit() or int(value) < 1:
            raise ConfigError(f"bad offline LM option {option!r} in {model!r}; accepted: max_programs=N (N >= 1)")
        budget = replace(budget, max_programs=int(value))
    return budget


def resolve_lm(model: str | None = None, *, api_base: str | None = None, env: Mapping[str, str] | None = None,
               cache: bool = True, responder: SynthesisResponder | None = None,
               default: str = "offline", retry: RetryPolicy | None = None,
               generation: GenerationSettings | None = None) -> ResolvedLM:
    """The LM named by ``model``, else by ``CODELOOP_LM`` in ``env``, else ``default`` (an
    offline-backend spec, such as ``offline:max_programs=30000``).

    ``retry`` sets how calls to a model over the network are retried and timed out (default
    :class:`RetryPolicy()`: 6 retries, 120 s without a byte of the reply). ``generation``
    (default :class:`GenerationSettings()`: temperature 0, 1,024 tokens) is sent with every call
    of a real LM; a local model's own ``local:...,temperature=T`` options win over it."""
    generation = generation or GenerationSettings()
    env = os.environ if env is None else env
    source = "flag" if model else "environment" if env.get("CODELOOP_LM") else "default"
    model = (model or env.get("CODELOOP_LM") or default).strip()
    api_base = api_base or env.get("CODELOOP_API_BASE") or None
    name, _, options = model.partition(":")
    if not model or name in OFFLINE_NAMES:
        responder = responder or SynthesisResponder(budget=_offline_budget(options, model))
        lm = offline_lm(responder, cache=cache)
        notice = f"{OFFLINE_NOTICE} ({model})" if source == "default" else None
        return ResolvedLM(lm, model, source, True, notice)
    if name in LOCAL_NAMES:
        return ResolvedLM(local_lm(model, cache=cache, generation=generation), model, source, False, local=True)
    if "/" not in model:
        raise ConfigError(f"unknown LM {model!r}: give a LiteLLM model string 'provider/model' "
                          f"(e.g. openai/gpt-4o-mini, or openai/<name> with --api-base) or one of {OFFLINE_NAMES}")
    client = {}
    if api_base:
        client["api_base"] = api_base
        provider = model.split("/", 1)[0].upper()
        client["api_key"] = env.get(f"{provider}_API_KEY") or "unused"  # local servers take any key
    lm = retrying_lm(model, policy=retry, cache=cache, generation=generation.request_kwargs(), **client)
    return ResolvedLM(lm, model, source, False)
