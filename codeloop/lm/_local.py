"""``--lm local``: a llama.cpp model in this process, as a DSPy engine.

``local`` is the default registered model (:data:`~codeloop.lm._models.DEFAULT_MODEL`),
``local:NAME`` a registered one (fetched with ``codeloop models fetch NAME``), ``local:PATH.gguf``
any GGUF file; options follow after commas: ``local:NAME,threads=2,ctx=8192``.

Why in process rather than a managed ``llama_cpp.server`` (measured; see the README): the
model serves one request at a time either way (the server holds one lock around its one
``Llama``), so threads gain nothing from HTTP, while the server costs a second process, a
port, a start-up wait and its extra dependencies, and hides the prompt-cache figures. In
process, DSPy's cache, history and usage apply exactly as for the offline engine.

One ``Llama`` is not thread-safe: every call holds its lock, and a model file is loaded once
per process (shared by every engine over it, so ``codeloop compare`` loads it once).
llama.cpp keeps the previous prompt in its KV cache and re-evaluates only what follows the
longest common prefix; instruction and demonstrations are shared by the tasks of a trial,
so most of a prompt is read from cache. How much is reported as ``cache_read_tokens``
(``prompt_tokens_details.cached_tokens`` in DSPy's usage) and in :attr:`LlamaEngine.stats`.

Defaults make a run repeatable: temperature 0 (greedy), seed 0, at most 1024 new tokens,
llama.cpp's repeat penalty 1.1, the chat template the GGUF carries.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dspy
from dspy.clients.engines.base import validate_request
from dspy.lm15 import ContextLengthError, Message, Request, Response, TextPart, Usage, response_to_events

from ..exceptions import ConfigError
from ._engine import _text
from ._models import DEFAULT_MODEL, MODELS
from ._weights import model_spec, verified_model_path

INSTALL_HINT = "codeloop models install-runtime"
DEFAULT_MAX_TOKENS = 1024
DEFAULT_CTX = 8192
LOCAL_NAMES = ("local",)


def default_threads() -> int:
    """The CPUs this process may run on (llama.cpp's own default counts the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class LocalSettings:
    """How the model is loaded and sampled; the options of ``local:...,key=value``."""

    threads: int = field(default_factory=default_threads)
    ctx: int = DEFAULT_CTX
    seed: int = 0
    max_tokens: int = DEFAULT_MAX_TOKENS
    temperature: float = 0.0
    # llama.cpp's own default (its server's too): without it the 0.5B model, decoding greedily, loops
    # until the token cap on some prompts (measured: 5,217 new tokens for 6 tasks, against 657)
    repeat_penalty: float = 1.1


_INT_OPTIONS = ("threads", "ctx", "seed", "max_tokens")


def parse_local(spec: str, base: dict[str, Any] | None = None) -> tuple[str, LocalSettings]:
    """``local[:MODEL][,key=value...]`` as (model name or path, settings); the options win over
    ``base`` (the run's generation settings), which win over the defaults."""
    _, _, rest = spec.partition(":")
    model, *options = rest.split(",") if rest else [""]
    values: dict[str, Any] = {}
    for option in filter(None, (o.strip() for o in options)):
        key, _, value = option.partition("=")
        key = key.strip().replace("-", "_")
        try:
            if key in _INT_OPTIONS:
                values[key] = int(value)
                ok = values[key] >= (0 if key == "seed" else 1)
            elif key in ("temperature", "repeat_penalty"):
                values[key] = float(value)
                ok = 0 <= values[key] <= 2 if key == "temperature" else 1 <= values[key] <= 2
            else:
                ok = False
        except ValueError:
            ok = False
        if not ok:
            raise ConfigError(f"bad local LM option {option!r} in {spec!r}; accepted: threads=N, ctx=N, seed=N, "
                              "max_tokens=N (N >= 1, seed >= 0), temperature=T (0 to 2), repeat_penalty=R (1 to 2)")
    return model.strip() or DEFAULT_MODEL, LocalSettings(**{**(base or {}), **values})


def local_model_file(model: str, home: Path | None = None) -> Path:
    """The GGUF ``model`` names: a registered model's verified file, or a path to one."""
    if model in MODELS:
        return verified_model_path(model_spec(model), home)
    if model.endswith(".gguf") or os.sep in model or "/" in model:
        path = Path(model).expanduser()
        if not path.is_file():
            raise ConfigError(f"--lm local:{model}: no such GGUF file")
        return path
    raise ConfigError(f"--lm local:{model}: not a registered model ({', '.join(MODELS)}) nor a path to a .gguf file")


def check_runtime() -> None:
    """Refuse, naming the install command, when llama-cpp-python is not installed."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise ConfigError(f"--lm local needs llama-cpp-python (codeloop's 'local' extra): run `{INSTALL_HINT}` "
                          "(it builds it for this CPU)")


class _Loaded:
    """One model file loaded once per process, with the lock every call holds."""

    _all: dict[tuple, _Loaded] = {}
    _all_lock = threading.Lock()

    def __init__(self, llm: Any) -> None:
        self.llm = llm
        self.lock = threading.Lock()

    @classmethod
    def get(cls, path: Path, settings: LocalSettings) -> _Loaded:
        key = (str(path.resolve()), settings.ctx, settings.threads, settings.seed)
        with cls._all_lock:
            if key not in cls._all:
                check_runtime()
                # llama.cpp's OpenMP threads spin at every barrier by default: on a machine busier than
                # its cores a call then took 20-40x as long with 2 threads as with 1 (measured; see the
                # README). Passive waiting removes that, at no measured cost. Read when libgomp loads.
                os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                from llama_cpp import Llama

                llm = Llama(model_path=str(path), n_ctx=settings.ctx, n_threads=settings.threads,
                            n_threads_batch=settings.threads, seed=settings.seed, verbose=False)
                cls._all[key] = cls(llm)
            return cls._all[key]


class LlamaEngine:
    """A DSPy engine answering with a llama.cpp model in this process (loaded at the first call)."""

    def __init__(self, path: str | Path, *, settings: LocalSettings | None = None,
                 model_name: str | None = None) -> None:
        self.path = Path(path)
        self.settings = settings or LocalSettings()
        self.model_name = model_name or self.path.stem
        self.stats = {"calls": 0, "prompt_tokens": 0, "cached_prompt_tokens": 0, "completion_tokens": 0,
                      "seconds": 0.0}

    def load(self) -> _Loaded:
        return _Loaded.get(self.path, self.settings)

    def complete(self, request: Request) -> Response:
        validate_request(request)
        messages = _messages(request)
        config = request.config
        loaded = self.load()
        with loaded.lock:
            llm = loaded.llm
            before = llm.input_ids[:llm.n_tokens].tolist()
            start = time.perf_counter()
            try:
                out = llm.create_chat_completion(
                    messages=messages,
                    temperature=self.settings.temperature if config.temperature is None else config.temperature,
                    max_tokens=config.max_tokens or self.settings.max_tokens,
                    seed=self.settings.seed if config.seed is None else config.seed,
                    repeat_penalty=self.settings.repeat_penalty,
                    stop=list(config.stop) or None, **({"top_p": config.top_p} if config.top_p is not None else {}))
            except ValueError as exc:
                if "exceed context window" in str(exc):
                    raise ContextLengthError(f"{exc} (raise it with local:...,ctx=N)") from None
                raise
            seconds = time.perf_counter() - start
            usage = out.get("usage") or {}
            prompt, completion = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
            cached = _common_prefix(before, llm.input_ids[:prompt].tolist())
            for key, value in (("calls", 1), ("prompt_tokens", prompt), ("cached_prompt_tokens", cached),
                               ("completion_tokens", completion), ("seconds", seconds)):
                self.stats[key] += value
        choice = out["choices"][0]
        text = (choice.get("message") or {}).get("content") or ""
        finish = "length" if choice.get("finish_reason") == "length" else "stop"
        return Response(id=out.get("id"), model=self.model_name, message=Message.assistant([TextPart(text)]),
                        finish_reason=finish,
                        usage=Usage(input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion,
                                    cache_read_tokens=cached))

    def stream(self, request: Request) -> Iterator[Any]:
        return response_to_events(self.complete(request))

    def close(self) -> None:
        pass


def _messages(request: Request) -> list[dict]:
    messages = [] if request.system is None else [{"role": "system", "content": _text(request.system)}]
    return messages + [{"role": m.role, "content": _text(m.parts)} for m in request.messages]


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def local_lm(spec: str = "local", *, cache: bool = True, home: Path | None = None,
             generation: Any = None) -> dspy.LM:
    """The ``dspy.LM`` that ``--lm spec`` names (``local``, ``local:NAME``, ``local:PATH.gguf``, options);
    ``generation`` (a :class:`~codeloop.lm.GenerationSettings`) sets temperature and token cap
    where the spec does not."""
    model, settings = parse_local(spec, generation.request_kwargs() if generation is not None else None)
    path = local_model_file(model, home)
    check_runtime()
    name = model if model in MODELS else path.stem
    engine = LlamaEngine(path, settings=settings, model_name=name)
    return dspy.LM(f"codeloop/local-{name}", engine=engine, cache=cache, temperature=settings.temperature,
                   max_tokens=settings.max_tokens, seed=settings.seed)
