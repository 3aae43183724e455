"""Checks an LM can be reached before a run writes anything: a key for providers that need one,
a server that answers at ``--api-base``. A missing key otherwise surfaces as a long traceback from
the first call, after the run directory and its study were created."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from urllib.parse import urlsplit

from ..exceptions import ConfigError

#: providers whose hosted API needs a key, and the variables it may come from (any one will do)
PROVIDER_KEYS: dict[str, tuple[str, ...]] = {
    "openai": ("OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "mistral": ("MISTRAL_API_KEY",),
    "groq": ("GROQ_API_KEY",),
    "deepseek": ("DEEPSEEK_API_KEY",),
    "xai": ("XAI_API_KEY",),
    "cohere": ("COHERE_API_KEY", "CO_API_KEY"),
    "together_ai": ("TOGETHERAI_API_KEY", "TOGETHER_API_KEY"),
    "openrouter": ("OPENROUTER_API_KEY",),
    "fireworks_ai": ("FIREWORKS_API_KEY", "FIREWORKS_AI_API_KEY"),
}


def check_lm_reachable(model: str, *, api_base: str | None = None, env: Mapping[str, str] | None = None,
                       timeout: float = 3.0) -> None:
    """Refuse, naming the fix, an LM that cannot answer: no key for a hosted provider, or no
    server listening at ``api_base``. Providers not listed are left to their own client."""
    env = os.environ if env is None else env
    if api_base:
        _check_server(api_base, timeout)
        return
    provider = model.split("/", 1)[0].lower()
    keys = PROVIDER_KEYS.get(provider)
    if keys and not any(env.get(key) for key in keys):
        raise ConfigError(f"--lm {model}: no API key for {provider}: set {' or '.join(keys)} "
                          "(or give --api-base for an OpenAI-compatible server, or --lm offline)")


def _check_server(api_base: str, timeout: float) -> None:
    parts = urlsplit(api_base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--api-base {api_base!r} is not an http(s) URL; e.g. http://127.0.0.1:8000/v1")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ConfigError(f"--api-base {api_base!r} has a bad port") from None
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"--api-base {api_base}: nothing answers at {parts.hostname}:{port} ({reason}); "
                          "start the server, or fix the URL") from None
