"""The offline backend inside DSPy: an engine for ``dspy.LM(engine=...)`` (DSPy 3.4's interface).

DSPy 3.4 deprecates custom LMs through ``BaseLM.forward`` (removed in 3.5; it also bypasses
the cache). The supported way is an engine object with ``complete(Request) -> Response``
passed to ``dspy.LM``: DSPy then does the caching, usage tracking, retries and history, the
same for this backend as for any provider. The engine turns the request into the same
``(messages, params)`` a :class:`~codeloop.lm._server.Responder` gets over HTTP, so one
responder serves both paths.

DSPy keeps ``rollout_id`` to itself (it only enters the cache key), so the engine cannot see
it. Samples at temperature > 0 are told apart by ``sample``: the number of times this
engine has already answered the identical request, which is repeatable in call order.
``Config.seed`` is passed on as ``seed`` when set.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import dspy
from dspy.clients.engines.base import validate_request
from dspy.lm15 import Message, Request, Response, TextPart, Usage, response_to_events

ResponderFn = Callable[[list[dict], dict], str]


def _text(parts: Any) -> str:
    if parts is None:
        return ""
    if isinstance(parts, str):
        return parts
    return "".join(getattr(p, "text", "") or "" for p in parts)


def _tokens(text: str) -> int:
    """Whitespace words: the same approximate count the HTTP server reports."""
    return len(text.split())


class OfflineEngine:
    """A DSPy engine answering every request with ``responder(messages, params)``."""

    def __init__(self, responder: ResponderFn, *, model_name: str = "codeloop-offline") -> None:
        self.responder = responder
        self.model_name = model_name
        self._answered: dict[str, int] = {}
        self._lock = threading.Lock()

    def messages_of(self, request: Request) -> list[dict]:
        messages = []
        if request.system is not None:
            messages.append({"role": "system", "content": _text(request.system)})
        messages.extend({"role": m.role, "content": _text(m.parts)} for m in request.messages)
        return messages

    def complete(self, request: Request) -> Response:
        validate_request(request)
        messages = self.messages_of(request)
        config = request.config
        key = hashlib.sha256(json.dumps([messages, config.temperature, config.seed]).encode()).hexdigest()
        with self._lock:
            sample = self._answered.get(key, 0)
            self._answered[key] = sample + 1
        params = {"model": request.model, "temperature": config.temperature, "max_tokens": config.max_tokens,
                  "seed": config.seed, "sample": sample}
        text = self.responder(messages, params)
        prompt_tokens = sum(_tokens(m["content"]) for m in messages)
        usage = Usage(input_tokens=prompt_tokens, output_tokens=_tokens(text),
                      total_tokens=prompt_tokens + _tokens(text))
        return Response(id=None, model=self.model_name, message=Message.assistant([TextPart(text)]),
                        finish_reason="stop", usage=usage)

    def stream(self, request: Request) -> Iterator[Any]:
        return response_to_events(self.complete(request))

    def close(self) -> None:
        pass


def offline_lm(responder: ResponderFn, *, model_name: str = "codeloop-offline", **kwargs: Any) -> dspy.LM:
    """A ``dspy.LM`` backed by ``responder`` in this process (caching, history and usage as usual)."""
    return dspy.LM(f"codeloop/{model_name}", engine=OfflineEngine(responder, model_name=model_name), **kwargs)
