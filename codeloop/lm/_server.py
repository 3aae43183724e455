"""A loopback OpenAI-compatible chat-completions server around a pluggable :class:`Responder`.

It exists so the real HTTP path of ``dspy.LM("openai/<model>", api_base=handle.url)`` can be exercised
with no hosted LM: the offline program-synthesis backend is plugged in as the responder.  Note that
DSPy 3.4.1's default ``engine="auto"`` reaches it through DSPy's vendored lm15 stdlib client (which
sends ``n`` separate single-choice requests); pass ``engine="litellm"`` to go through LiteLLM.
Standard library only (plus pydantic for :class:`~codeloop.lm._faults.FaultPlan`).

Endpoints (everything else is 404; wrong method on a known path is 405):

* ``POST /v1/chat/completions`` -- OpenAI chat-completion shape.  ``n`` choices are produced by
  calling the responder once per choice with ``params["sample"]`` = 0..n-1.  ``stream: true`` is
  refused with 400 (``code: "stream_not_supported"``).  The reply's ``model`` echoes the request's
  ``model`` (LiteLLM sends the part after ``openai/``), else the server's ``model_name``.
* ``GET /v1/models`` -- a list holding the single ``model_name``.
* ``GET /health`` -- ``{"status": "ok"}`` (never faulted).

Token usage is **approximate**: a token is a whitespace-separated word (``len(text.split())``).
``prompt_tokens`` counts the words of every message's text content (text parts of list contents
included); ``completion_tokens`` sums the words of all ``n`` choices.

Faults (:class:`FaultPlan`) apply only to *valid* chat-completion requests, after validation, so
400s are never masked by injected faults and ``/v1/models`` is never faulted.

Typical use::

    with serve(my_responder, faults=FaultPlan(rate_limit_rate=0.5, seed=1)) as handle:
        lm = dspy.LM("openai/codeloop-offline", api_base=handle.url, api_key="unused", cache=False)
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from codeloop.lm._faults import FAULT_KINDS, FaultDecision, FaultPlan

__all__ = [
    "FaultPlan",
    "Responder",
    "ServerHandle",
    "echo_responder",
    "is_loopback_host",
    "run_server",
    "serve",
]

MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_N = 128
FAULT_LOG_SIZE = 10_000  # fault_log keeps the most recent decisions only


class Responder(Protocol):
    """Produces the assistant text for one choice of a chat request.

    ``messages`` are the request's messages as sent; ``params`` is the rest of the request body
    (``model``, ``temperature``, ``n``, ``max_tokens``, ``seed``, ``response_format``, ...) plus
    ``sample``: the index of the choice being produced (0..n-1).
    """

    def __call__(self, messages: list[dict], params: dict) -> str: ...


class _RequestError(Exception):
    """A client error answered with an OpenAI-style error body."""

    def __init__(self, status: int, message: str, *, code: str, param: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param


# ---------------------------------------------------------------------------------------------
# Echo responder (tests the HTTP layer without the synthesizer)
# ---------------------------------------------------------------------------------------------

_OUTPUT_FIELDS_RE = re.compile(
    r"Your output fields are:\s*\n(.*?)(?:\nAll interactions|\nIn adhering|\Z)", re.S
)
_FIELD_LINE_RE = re.compile(r"^\s*\d+\.\s+`([A-Za-z_][A-Za-z0-9_]*)`", re.M)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return "\n".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return "" if content is None else str(content)


def _output_fields(messages: list[dict]) -> list[str]:
    """Output field names declared by a DSPy ChatAdapter/JSONAdapter system message, if any."""
    for message in messages:
        if message.get("role") != "system":
            continue
        match = _OUTPUT_FIELDS_RE.search(_text_of(message.get("content")))
        if match:
            names = _FIELD_LINE_RE.findall(match.group(1))
            if names:
                return names
    return []


def echo_responder(messages: list[dict], params: dict) -> str:
    """A trivial responder for testing the HTTP layer without the synthesizer.

    It answers in DSPy ChatAdapter format: every output field declared in the system message
    (``code`` if none is found) gets a trivial value, then ``[[ ## completed ## ]]``.  ``code``
    is a Python stub whose comment echoes the first line of the last user message; any other
    field echoes that line.  With ``response_format`` set (DSPy's JSONAdapter fallback) the same
    values come back as a JSON object.
    """
    last_user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    lines = [ln.strip() for ln in _text_of(last_user.get("content") if last_user else "").splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("[[ ##")]
    echo = lines[0] if lines else ""
    values: dict[str, str] = {}
    for name in _output_fields(messages) or ["code"]:
        if name == "code":
            values[name] = f"# codeloop-offline placeholder; echo: {echo[:200]}\npass"
        else:
            values[name] = echo
    if params.get("response_format"):
        return json.dumps(values)
    parts = [f"[[ ## {name} ## ]]\n{value}" for name, value in values.items()]
    return "\n\n".join([*parts, "[[ ## completed ## ]]"])


# ---------------------------------------------------------------------------------------------
# Server
# ---------------------------------------------------------------------------------------------


def is_loopback_host(host: str) -> bool:
    """True if every address ``host`` names is a loopback address (resolves hostnames)."""
    bare = host.strip("[]")
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        pass
    if bare.lower() == "localhost":
        return True
    try:
        infos = socket.getaddrinfo(bare, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def _format_seconds(seconds: float) -> str:
    """``Retry-After`` value: whole seconds as an integer, else a decimal (non-RFC, but both the
    OpenAI SDK and DSPy's native lm15 client parse it with ``float()``)."""
    if seconds == int(seconds):
        return str(int(seconds))
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


def _count_words(text: str) -> int:
    return len(text.split())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handle: ServerHandle):
        self.handle = handle
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like real OpenAI endpoints
    server_version = "codeloop-offline-lm"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are dropped after this

    server: _Server

    # -- plumbing -----------------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.server.handle._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.handle._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.handle.verbose:
            super().log_message(format, *args)

    def _send_bytes(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        try:
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client stopped waiting (its timeout): not ours
            self.close_connection = True

    def _send_json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), headers)

    def _send_error(
        self,
        status: int,
        message: str,
        *,
        code: str | None,
        param: str | None = None,
        err_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if err_type is None:
            err_type = "invalid_request_error" if status < 500 else "server_error"
        self._send_json(
            status, {"error": {"message": message, "type": err_type, "param": param, "code": code}}, headers
        )

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            raise _RequestError(
                411, "Chunked request bodies are not supported; send Content-Length.", code="length_required"
            )
        raw = self.headers.get("Content-Length")
        try:
            length = int(raw) if raw is not None else 0
        except ValueError:
            self.close_connection = True
            raise _RequestError(
                400, f"Invalid Content-Length header: {raw!r}.", code="invalid_request"
            ) from None
        if length < 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            raise _RequestError(413, f"Request body of {length} bytes is not allowed.", code="body_too_large")
        return self.rfile.read(length) if length else b""

    def _path(self) -> str:
        path = self.path.split("?", 1)[0]
        return path.rstrip("/") or "/"

    # -- routing ------------------------------------------------------------------------------

    def do_GET(self) -> None:
        handle = self.server.handle
        handle._bump("requests")
        path = self._path()
        if path == "/v1/models":
            self._send_json(200, {"object": "list", "data": [handle._model_card()]})
        elif path == f"/v1/models/{handle.model_name}":
            self._send_json(200, handle._model_card())
        elif path in ("/health", "/v1/health"):
            self._send_json(200, {"status": "ok"})
        elif path == "/v1/chat/completions":
            self._send_error(405, "Use POST for /v1/chat/completions.", code="method_not_allowed")
        else:
            self._send_error(404, f"Unknown path: GET {path}", code="not_found")

    def do_POST(self) -> None:
        handle = self.server.handle
        handle._bump("requests")
        path = self._path()
        try:
            body = self._read_body()
        except _RequestError as err:
            self._send_error(err.status, err.message, code=err.code, param=err.param)
            return
        if path != "/v1/chat/completions":
            if path == "/v1/models":
                self._send_error(405, "Use GET for /v1/models.", code="method_not_allowed")
            else:
                self._send_error(404, f"Unknown path: POST {path}", code="not_found")
            return
        try:
            messages, params = _parse_chat_request(body)
        except _RequestError as err:
            handle._bump("bad_requests")
            self._send_error(err.status, err.message, code=err.code, param=err.param)
            return
        decision = handle._next_decision()
        self._chat_completion(messages, params, decision)

    def do_PUT(self) -> None:
        self._unsupported()

    def do_DELETE(self) -> None:
        self._unsupported()

    def do_PATCH(self) -> None:
        self._unsupported()

    def _unsupported(self) -> None:
        self.server.handle._bump("requests")
        try:
            self._read_body()
        except _RequestError:
            self.close_connection = True
        path = self._path()
        if path in ("/v1/chat/completions", "/v1/models"):
            self._send_error(405, f"Method {self.command} not allowed for {path}.", code="method_not_allowed")
        else:
            self._send_error(404, f"Unknown path: {self.command} {path}", code="not_found")

    # -- chat completions -----------------------------------------------------------------------

    def _chat_completion(self, messages: list[dict], params: dict, decision: FaultDecision) -> None:
        handle = self.server.handle
        if decision.delay_s > 0:
            handle._count_fault("latency")
            if handle._stopping.wait(decision.delay_s):
                self.close_connection = True
                return
        kind = decision.kind
        if kind is not None:
            handle._count_fault(kind)
        if kind == "http_500":
            self._send_error(500, "Injected fault: internal server error.", code="injected_server_error")
            return
        if kind == "http_429":
            retry_after = handle.faults.retry_after_s
            self._send_error(
                429,
                f"Injected fault: rate limit reached, retry after {retry_after:g}s.",
                code="rate_limit_exceeded",
                err_type="rate_limit_error",
                headers={
                    "Retry-After": _format_seconds(retry_after),
                    "retry-after-ms": str(int(round(retry_after * 1000))),
                },
            )
            return
        if kind == "timeout":
            stopped = handle._stopping.wait(handle.faults.timeout_hold_s)
            if stopped or handle.faults.timeout_then == "close":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return

        model = params.get("model") or handle.model_name
        n = params.get("n") or 1
        try:
            texts = []
            for sample in range(n):
                text = handle.responder(messages, {**params, "model": model, "n": n, "sample": sample})
                if not isinstance(text, str):
                    raise TypeError(f"responder returned {type(text).__name__}, expected str")
                texts.append(text)
        except Exception as exc:  # a responder bug is the server's fault: answer 500, keep serving
            handle._bump("responder_errors")
            self._send_error(500, f"Responder failed: {type(exc).__name__}: {exc}", code="responder_error")
            return

        prompt_tokens = sum(_count_words(_text_of(m.get("content"))) for m in messages)
        completion_tokens = sum(_count_words(t) for t in texts)
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        payload = {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "codeloop-offline",
            "choices": [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": text},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
                for i, text in enumerate(texts)
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        if kind == "malformed":
            if decision.malformed_kind == "empty_choices":
                payload["choices"] = []
                self._send_json(200, payload)
            else:  # invalid_json: cut the document in half
                body = json.dumps(payload).encode()
                self._send_bytes(200, body[: max(1, len(body) // 2)])
            return
        if kind == "empty":
            if decision.empty_kind == "no_text":
                payload["choices"] = payload["choices"][:1]
                payload["choices"][0]["message"]["content"] = ""
            else:
                payload["choices"] = []
            self._send_json(200, payload)
            return
        if kind == "truncated":
            self._send_truncated(json.dumps(payload).encode())
            return
        if kind == "slow_body":
            self._send_slowly(json.dumps(payload).encode(), {"x-request-id": completion_id})
            return
        handle._bump("completions")
        self._send_json(200, payload, {"x-request-id": completion_id})

    def _send_truncated(self, body: bytes) -> None:
        """Headers promising ``len(body)`` bytes, half of them, then the connection is closed."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.close_connection = True
        try:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send_slowly(self, body: bytes, headers: Mapping[str, str]) -> None:
        """The whole body, in ``slow_body_chunks`` pieces ``slow_body_gap_s`` apart (a healthy
        answer when the client waits long enough: counted in ``completions`` too)."""
        handle = self.server.handle
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        chunks = handle.faults.slow_body_chunks
        size = -(-len(body) // chunks)
        try:
            for start in range(0, len(body), size):
                if start and handle._stopping.wait(handle.faults.slow_body_gap_s):
                    self.close_connection = True
                    return
                self.wfile.write(body[start:start + size])
                self.wfile.flush()
        except OSError:  # the client gave up waiting
            self.close_connection = True
            return
        handle._bump("completions")


def _parse_chat_request(body: bytes) -> tuple[list[dict], dict]:
    if not body.strip():
        raise _RequestError(400, "Request body is empty; expected a JSON object.", code="invalid_json")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _RequestError(400, f"Request body is not valid JSON: {exc}", code="invalid_json") from None
    if not isinstance(data, dict):
        raise _RequestError(400, "Request body must be a JSON object.", code="invalid_json")
    messages = data.get("messages")
    if messages is None:
        raise _RequestError(
            400,
            "Missing required parameter: 'messages'.",
            code="missing_required_parameter",
            param="messages",
        )
    if not isinstance(messages, list) or not messages:
        raise _RequestError(
            400, "'messages' must be a non-empty array.", code="invalid_type", param="messages"
        )
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise _RequestError(
                400,
                f"'messages[{i}]' must be an object with a string 'role'.",
                code="invalid_type",
                param=f"messages[{i}]",
            )
    if data.get("stream"):
        raise _RequestError(
            400,
            "Streaming (stream: true) is not supported by the codeloop offline server.",
            code="stream_not_supported",
            param="stream",
        )
    n = data.get("n", 1)
    if n is None:
        n = 1
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise _RequestError(
            400, f"'n' must be an integer between 1 and {MAX_N}, got {n!r}.", code="invalid_value", param="n"
        )
    params = {k: v for k, v in data.items() if k != "messages"}
    params["n"] = n
    return messages, params


class ServerHandle:
    """A running server.  ``close()`` (or leaving the ``with`` block) stops it.

    Counters (thread-safe snapshots):

    * ``requests`` -- every HTTP request received, any path;
    * ``completions`` -- healthy chat completions answered (slow bodies sent in full included);
    * ``bad_requests`` -- chat requests rejected with 400;
    * ``responder_errors`` -- 500s caused by the responder raising;
    * ``errors_injected`` -- ``{kind: count}`` over :data:`FAULT_KINDS`
      (``latency``, ``http_500``, ``http_429``, ``timeout``, ``malformed``, ``empty``,
      ``truncated``, ``slow_body``);
    * ``fault_log`` -- the :class:`FaultDecision` of each valid chat request, in arrival order
      (the most recent ``FAULT_LOG_SIZE``).
    """

    def __init__(
        self,
        responder: Responder | Callable[[list[dict], dict], str],
        *,
        host: str,
        port: int,
        faults: FaultPlan,
        model_name: str,
        verbose: bool = False,
    ):
        self.responder = responder
        self.faults = faults
        self.model_name = model_name
        self.verbose = verbose
        self.started = int(time.time())
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._counters: dict[str, int] = {
            "requests": 0,
            "completions": 0,
            "bad_requests": 0,
            "responder_errors": 0,
        }
        self._faults_counted: dict[str, int] = dict.fromkeys(FAULT_KINDS, 0)
        self._chat_requests = 0
        self._decisions: deque[FaultDecision] = deque(maxlen=FAULT_LOG_SIZE)
        self._connections: set[socket.socket] = set()
        if ":" in host.strip("[]"):
            server_cls = type("_Server6", (_Server,), {"address_family": socket.AF_INET6})
        else:
            server_cls = _Server
        self._server: _Server = server_cls((host.strip("[]"), port), self)
        self.host = host.strip("[]")
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"codeloop-lm-server:{self.port}",
            daemon=True,
        )
        self._closed = False
        self._thread.start()

    # -- public -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The OpenAI ``api_base``: ``http://HOST:PORT/v1``."""
        return f"{self.base_url}/v1"

    @property
    def requests(self) -> int:
        return self._get("requests")

    @property
    def completions(self) -> int:
        return self._get("completions")

    @property
    def bad_requests(self) -> int:
        return self._get("bad_requests")

    @property
    def responder_errors(self) -> int:
        return self._get("responder_errors")

    @property
    def errors_injected(self) -> dict[str, int]:
        with self._lock:
            return dict(self._faults_counted)

    @property
    def fault_log(self) -> list[FaultDecision]:
        with self._lock:
            return list(self._decisions)

    def close(self) -> None:
        """Stop serving, wake held requests and drop open connections.  Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        self._server.shutdown()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "running"
        return f"<ServerHandle {self.url} {state} requests={self.requests}>"

    # -- internal -----------------------------------------------------------------------------

    def _get(self, key: str) -> int:
        with self._lock:
            return self._counters[key]

    def _bump(self, key: str) -> None:
        with self._lock:
            self._counters[key] += 1

    def _count_fault(self, kind: str) -> None:
        with self._lock:
            self._faults_counted[kind] += 1

    def _next_decision(self) -> FaultDecision:
        with self._lock:
            index = self._chat_requests
            self._chat_requests += 1
            decision = self.faults.decide(index) if self.faults.active else FaultDecision(index=index)
            self._decisions.append(decision)
            return decision

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _model_card(self) -> dict:
        return {"id": self.model_name, "object": "model", "created": self.started, "owned_by": "codeloop"}


def serve(
    responder: Responder | Callable[[list[dict], dict], str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultPlan | Mapping[str, Any] | None = None,
    model_name: str = "codeloop-offline",
    allow_remote: bool = False,
    verbose: bool = False,
) -> ServerHandle:
    """Start the server in a daemon thread and return its handle (``port=0`` picks a free port).

    Refuses (``ValueError``) to bind a non-loopback ``host`` unless ``allow_remote=True``.
    """
    if not allow_remote and not is_loopback_host(host):
        raise ValueError(
            f"Refusing to bind the offline LM server to non-loopback host {host!r}; "
            "pass allow_remote=True if you really mean to expose it."
        )
    plan = faults if isinstance(faults, FaultPlan) else FaultPlan.model_validate(dict(faults or {}))
    return ServerHandle(responder, host=host, port=port, faults=plan, model_name=model_name, verbose=verbose)


def run_server(
    port: int = 8000,
    faults: FaultPlan | Mapping[str, Any] | None = None,
    responder: Responder | Callable[[list[dict], dict], str] | None = None,
    *,
    host: str = "127.0.0.1",
    model_name: str = "codeloop-offline",
    allow_remote: bool = False,
    verbose: bool = True,
) -> int:
    """Serve until Ctrl-C (for ``codeloop serve-lm``); returns an exit code.

    ``codeloop serve-lm`` passes the synthesizer; with no ``responder``, the trivial
    :func:`echo_responder` answers (enough to test a client's HTTP handling).
    """
    handle = serve(
        responder or echo_responder,
        host=host,
        port=port,
        faults=faults,
        model_name=model_name,
        allow_remote=allow_remote,
        verbose=verbose,
    )
    print(
        f"codeloop offline LM server listening on {handle.url} (model {model_name!r}); Ctrl-C to stop",
        flush=True,
    )
    print(f'  dspy.LM("openai/{model_name}", api_base="{handle.url}", api_key="unused")', flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        handle.close()
        injected = {k: v for k, v in handle.errors_injected.items() if v}
        print(f"stopped after {handle.requests} requests; faults injected: {injected or 'none'}", flush=True)
    return 0
