"""The sampling settings every LM gets from codeloop, so a run does not inherit a server's.

A server left to its defaults samples at its own temperature (llama.cpp's: 0.8, so the same
command gives other results) and without a token cap (a weak model wrote ~4,000 tokens until
its context filled, 230 s for one call). A function needs far fewer than 1,024 tokens.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_TEMPERATURE = 0.0
DEFAULT_MAX_TOKENS = 1024


class GenerationSettings(BaseModel):
    """Temperature and token cap sent with every call (the offline backend ignores both)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: float = Field(DEFAULT_TEMPERATURE, ge=0.0, le=2.0)
    max_tokens: int = Field(DEFAULT_MAX_TOKENS, ge=1, le=131_072)

    def request_kwargs(self) -> dict[str, Any]:
        """What goes into each request (and so into DSPy's cache key)."""
        return {"temperature": self.temperature, "max_tokens": self.max_tokens}
