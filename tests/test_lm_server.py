"""The loopback OpenAI-compatible server (codeloop.lm._server) over raw HTTP and through dspy.LM."""

from __future__ import annotations

import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.request

import pytest

# LiteLLM otherwise tries (and, offline, retries) fetching its model cost map on first import.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from codeloop.lm._faults import FAULT_KINDS, FaultPlan  # noqa: E402
from codeloop.lm._server import echo_responder, is_loopback_host, serve  # noqa: E402

ANSWER_42 = "[[ ## answer ## ]]\n42\n\n[[ ## completed ## ]]"


def recording_responder(text: str = "hello there world"):
    calls: list[tuple[list[dict], dict]] = []

    def responder(messages: list[dict], params: dict) -> str:
        calls.append((messages, params))
        return f"{text} #{params['sample']}"

    responder.calls = calls  # type: ignore[attr-defined]
    return responder


def post(url: str, body: object, *, raw: bytes | None = None, timeout: float = 5.0):
    """POST JSON; returns (status, headers, body bytes) for any status code."""
    data = raw if raw is not None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


def get(url: str, timeout: float = 5.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


CHAT = {"model": "codeloop-offline", "messages": [{"role": "user", "content": "say hi please"}]}


@pytest.fixture
def server():
    responder = recording_responder()
    with serve(responder) as handle:
        handle.test_responder = responder
        yield handle


# ---------------------------------------------------------------------------------------------
# Plain HTTP
# ---------------------------------------------------------------------------------------------


def test_url_and_port(server):
    assert server.url == f"http://127.0.0.1:{server.port}/v1"
    assert server.port > 0


def test_chat_completion_shape_and_usage(server):
    status, headers, body = post(server.url + "/chat/completions", {**CHAT, "temperature": 0.3, "seed": 7})
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    data = json.loads(body)
    assert data["id"].startswith("chatcmpl-")
    assert data["object"] == "chat.completion"
    assert isinstance(data["created"], int)
    assert data["model"] == "codeloop-offline"
    assert data["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "hello there world #0"},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ]
    # Usage counts whitespace-separated words: 3 in the prompt, 4 in the reply.
    assert data["usage"] == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    ((messages, params),) = server.test_responder.calls
    assert messages == CHAT["messages"]
    assert params == {"model": "codeloop-offline", "temperature": 0.3, "seed": 7, "n": 1, "sample": 0}
    assert server.requests == 1 and server.completions == 1


def test_n_choices_call_responder_per_sample(server):
    status, _, body = post(server.url + "/chat/completions", {**CHAT, "n": 3})
    assert status == 200
    data = json.loads(body)
    assert [c["index"] for c in data["choices"]] == [0, 1, 2]
    assert [c["message"]["content"] for c in data["choices"]] == [f"hello there world #{i}" for i in range(3)]
    assert [p["sample"] for _, p in server.test_responder.calls] == [0, 1, 2]
    assert all(p["n"] == 3 for _, p in server.test_responder.calls)
    assert data["usage"]["completion_tokens"] == 12
    assert data["usage"]["total_tokens"] == 15


def test_usage_counts_list_content_parts(server):
    messages = [
        {"role": "system", "content": "be brief"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "one two"}, {"type": "image_url", "image_url": {}}],
        },
    ]
    status, _, body = post(server.url + "/chat/completions", {"messages": messages})
    assert status == 200
    assert json.loads(body)["usage"]["prompt_tokens"] == 4


def test_models_endpoint(server):
    status, _, body = get(server.url + "/models")
    assert status == 200
    data = json.loads(body)
    assert data["object"] == "list"
    assert [m["id"] for m in data["data"]] == ["codeloop-offline"]
    assert data["data"][0]["object"] == "model"


def test_custom_model_name():
    with serve(echo_responder, model_name="tiny") as handle:
        _, _, body = get(handle.url + "/models")
        assert json.loads(body)["data"][0]["id"] == "tiny"
        _, _, body = post(handle.url + "/chat/completions", {"messages": CHAT["messages"]})
        assert json.loads(body)["model"] == "tiny"


@pytest.mark.parametrize(
    ("payload", "raw", "code", "needle"),
    [
        (None, b"{not json", "invalid_json", "not valid JSON"),
        (None, b"", "invalid_json", "empty"),
        ([1, 2], None, "invalid_json", "JSON object"),
        ({"model": "m"}, None, "missing_required_parameter", "messages"),
        ({"messages": []}, None, "invalid_type", "messages"),
        ({"messages": ["hi"]}, None, "invalid_type", "messages[0]"),
        ({**CHAT, "stream": True}, None, "stream_not_supported", "Streaming"),
        ({**CHAT, "n": 0}, None, "invalid_value", "'n'"),
        ({**CHAT, "n": "2"}, None, "invalid_value", "'n'"),
    ],
)
def test_bad_requests_get_openai_style_400(server, payload, raw, code, needle):
    status, _, body = post(server.url + "/chat/completions", payload, raw=raw)
    assert status == 400
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == code
    assert needle in error["message"]
    assert server.test_responder.calls == []
    assert server.bad_requests == 1


def test_unknown_paths_404_and_wrong_methods_405(server):
    status, _, body = get(server.url + "/nope")
    assert status == 404
    assert json.loads(body)["error"]["code"] == "not_found"
    assert post(server.url + "/completions", CHAT)[0] == 404
    assert post(server.url + "/models", {})[0] == 405
    assert get(server.url + "/chat/completions")[0] == 405


def test_responder_exception_is_500_and_server_survives():
    def broken(messages, params):
        raise RuntimeError("boom")

    with serve(broken) as handle:
        status, _, body = post(handle.url + "/chat/completions", CHAT)
        assert status == 500
        error = json.loads(body)["error"]
        assert error["type"] == "server_error" and "boom" in error["message"]
        assert handle.responder_errors == 1
        assert get(handle.url + "/models")[0] == 200


def test_keep_alive_connection_serves_several_requests(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        for _ in range(3):
            conn.request(
                "POST",
                "/v1/chat/completions",
                body=json.dumps(CHAT),
                headers={"Content-Type": "application/json"},
            )
            resp = conn.getresponse()
            assert resp.status == 200
            json.loads(resp.read())
    finally:
        conn.close()
    assert server.completions == 3


def test_refuses_non_loopback_host():
    with pytest.raises(ValueError, match="non-loopback"):
        serve(echo_responder, host="0.0.0.0")
    with pytest.raises(ValueError, match="allow_remote"):
        serve(echo_responder, host="10.1.2.3")
    assert is_loopback_host("127.0.0.1") and is_loopback_host("localhost") and is_loopback_host("::1")
    assert not is_loopback_host("0.0.0.0")


def test_allow_remote_binds_any_address():
    with serve(echo_responder, host="0.0.0.0", allow_remote=True) as handle:
        status, _, _ = get(f"http://127.0.0.1:{handle.port}/v1/models")
        assert status == 200


def test_close_is_idempotent_and_stops_serving():
    handle = serve(echo_responder)
    port = handle.port
    handle.close()
    handle.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_echo_responder_fills_chat_adapter_fields():
    system = (
        "Your input fields are:\n1. `task` (str):\nYour output fields are:\n1. `reasoning` (str): \n"
        "2. `code` (str):\nAll interactions will be structured in the following way"
    )
    text = echo_responder(
        [
            {"role": "system", "content": system},
            {"role": "user", "content": "[[ ## task ## ]]\nadd two ints"},
        ],
        {"sample": 0},
    )
    assert text.startswith("[[ ## reasoning ## ]]\nadd two ints\n\n[[ ## code ## ]]\n")
    assert text.endswith("[[ ## completed ## ]]")
    assert "[[ ## code ## ]]" in echo_responder([{"role": "user", "content": "hi"}], {"sample": 0})
    as_json = json.loads(
        echo_responder([{"role": "user", "content": "hi"}], {"response_format": {"type": "json_object"}})
    )
    assert set(as_json) == {"code"}


# ---------------------------------------------------------------------------------------------
# Fault injection
# ---------------------------------------------------------------------------------------------


def _injected(handle) -> dict[str, int]:
    return {k: v for k, v in handle.errors_injected.items() if v}


def test_fault_http_500():
    with serve(echo_responder, faults=FaultPlan(error_rate=1.0)) as handle:
        for _ in range(2):
            status, _, body = post(handle.url + "/chat/completions", CHAT)
            assert status == 500
            assert json.loads(body)["error"]["type"] == "server_error"
        assert _injected(handle) == {"http_500": 2}
        assert handle.completions == 0


def test_fault_http_429_with_retry_after():
    with serve(echo_responder, faults=FaultPlan(rate_limit_rate=1.0, retry_after_s=2)) as handle:
        status, headers, body = post(handle.url + "/chat/completions", CHAT)
        assert status == 429
        assert headers["Retry-After"] == "2"
        assert headers["retry-after-ms"] == "2000"
        assert json.loads(body)["error"]["type"] == "rate_limit_error"
        assert _injected(handle) == {"http_429": 1}
    with serve(echo_responder, faults=FaultPlan(rate_limit_rate=1.0, retry_after_s=0.05)) as handle:
        assert post(handle.url + "/chat/completions", CHAT)[1]["Retry-After"] == "0.05"


def test_fault_timeout_client_gives_up():
    plan = FaultPlan(timeout_rate=1.0, timeout_hold_s=30)
    with serve(echo_responder, faults=plan) as handle:
        started = time.monotonic()
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            post(handle.url + "/chat/completions", CHAT, timeout=0.3)
        assert _injected(handle) == {"timeout": 1}
        close_started = time.monotonic()
    # close() wakes the held request instead of waiting out the 30 s hold.
    assert time.monotonic() - close_started < 3
    assert time.monotonic() - started < 5


def test_fault_timeout_then_close_drops_connection():
    plan = FaultPlan(timeout_rate=1.0, timeout_hold_s=0.1, timeout_then="close")
    with serve(echo_responder, faults=plan) as handle:
        started = time.monotonic()
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
            post(handle.url + "/chat/completions", CHAT)
        assert time.monotonic() - started >= 0.1
        assert _injected(handle) == {"timeout": 1}


def test_fault_timeout_then_answer_is_slow_but_ok():
    plan = FaultPlan(timeout_rate=1.0, timeout_hold_s=0.2, timeout_then="answer")
    with serve(echo_responder, faults=plan) as handle:
        started = time.monotonic()
        assert post(handle.url + "/chat/completions", CHAT)[0] == 200
        assert time.monotonic() - started >= 0.2
        assert _injected(handle) == {"timeout": 1}


@pytest.mark.parametrize("kind", ["invalid_json", "empty_choices"])
def test_fault_malformed(kind):
    with serve(echo_responder, faults=FaultPlan(malformed_rate=1.0, malformed_kinds=(kind,))) as handle:
        status, _, body = post(handle.url + "/chat/completions", CHAT)
        assert status == 200
        if kind == "invalid_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(body)
        else:
            data = json.loads(body)
            assert data["object"] == "chat.completion" and data["choices"] == []
        assert _injected(handle) == {"malformed": 1}
        assert handle.fault_log[0].malformed_kind == kind


@pytest.mark.parametrize("kind", ["no_choices", "no_text"])
def test_fault_empty_reply_is_well_formed_but_has_no_answer(kind):
    with serve(echo_responder, faults=FaultPlan(empty_rate=1.0, empty_kinds=(kind,))) as handle:
        status, _, body = post(handle.url + "/chat/completions", CHAT)
        data = json.loads(body)
        assert status == 200 and data["object"] == "chat.completion"
        if kind == "no_choices":
            assert data["choices"] == []
        else:
            assert [c["message"]["content"] for c in data["choices"]] == [""]
        assert _injected(handle) == {"empty": 1} and handle.fault_log[0].empty_kind == kind


def test_fault_truncated_body_promises_more_than_it_sends():
    with serve(echo_responder, faults=FaultPlan(truncated_rate=1.0)) as handle:
        with socket.create_connection((handle.host, handle.port), timeout=5) as conn:
            body = json.dumps(CHAT).encode()
            conn.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            received = b""
            while chunk := conn.recv(65536):
                received += chunk
        head, _, sent = received.partition(b"\r\n\r\n")
        promised = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                            if line.lower().startswith(b"content-length")))
        assert head.startswith(b"HTTP/1.1 200") and 0 < len(sent) < promised
        assert _injected(handle) == {"truncated": 1} and handle.completions == 0


def test_fault_slow_body_arrives_whole_but_slowly():
    plan = FaultPlan(slow_body_rate=1.0, slow_body_gap_s=0.1, slow_body_chunks=4)
    with serve(echo_responder, faults=plan) as handle:
        started = time.monotonic()
        status, _, body = post(handle.url + "/chat/completions", CHAT)
        assert status == 200 and json.loads(body)["choices"][0]["message"]["content"]
        assert time.monotonic() - started >= 0.3  # three gaps between four pieces
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            handle.faults = FaultPlan(slow_body_rate=1.0, slow_body_gap_s=1.0)
            post(handle.url + "/chat/completions", CHAT, timeout=0.3)
        assert _injected(handle) == {"slow_body": 2}


def test_new_fault_kinds_leave_older_plans_schedules_unchanged():
    """Kinds are drawn in a fixed order with the new ones last: a plan that does not use them
    gets the same decisions as before they existed (recorded at commit 1c28ecb)."""
    plan = FaultPlan(seed=11, error_rate=0.2, rate_limit_rate=0.2, malformed_rate=0.2, timeout_rate=0.1)
    kinds = [d.malformed_kind if d.kind == "malformed" else d.kind or "-" for d in plan.schedule(16)]
    assert kinds == ["empty_choices", "-", "invalid_json", "http_500", "timeout", "-", "-", "-", "-", "http_429",
                     "timeout", "-", "http_429", "http_500", "-", "empty_choices"]
    mixed = FaultPlan(seed=2, error_rate=0.2, empty_rate=0.2, truncated_rate=0.2, slow_body_rate=0.2)
    assert {d.kind for d in mixed.schedule(100)} == {None, "http_500", "empty", "truncated", "slow_body"}
    assert mixed.schedule(50) == FaultPlan(**mixed.model_dump()).schedule(50)
    with pytest.raises(ValueError, match="<= 1"):
        FaultPlan(error_rate=0.5, empty_rate=0.3, slow_body_rate=0.3)


def test_fault_latency_fixed_and_jitter():
    plan = FaultPlan(latency_s=0.1, jitter_s=0.1, seed=5)
    with serve(echo_responder, faults=plan) as handle:
        started = time.monotonic()
        assert post(handle.url + "/chat/completions", CHAT)[0] == 200
        elapsed = time.monotonic() - started
        delay = handle.fault_log[0].delay_s
        assert 0.1 <= delay <= 0.2
        assert elapsed >= delay
        assert _injected(handle) == {"latency": 1}


def test_faults_never_touch_models_or_bad_requests():
    with serve(echo_responder, faults=FaultPlan(error_rate=1.0)) as handle:
        assert get(handle.url + "/models")[0] == 200
        assert post(handle.url + "/chat/completions", {"model": "x"})[0] == 400
        assert _injected(handle) == {}
        assert handle.fault_log == []


def test_fault_plan_validation():
    with pytest.raises(ValueError, match="<= 1"):
        FaultPlan(error_rate=0.6, rate_limit_rate=0.6)
    with pytest.raises(ValueError):
        FaultPlan(error_rate=1.5)
    with pytest.raises(ValueError):
        FaultPlan(bogus=1)
    assert not FaultPlan().active and FaultPlan(latency_s=0.1).active
    # serve() also takes a plain mapping (e.g. parsed from a CLI option).
    with serve(echo_responder, faults={"error_rate": 1.0}) as handle:
        assert post(handle.url + "/chat/completions", CHAT)[0] == 500


def test_seeded_fault_sequences_repeat():
    plan = FaultPlan(seed=11, error_rate=0.2, rate_limit_rate=0.2, malformed_rate=0.2, jitter_s=0.5)
    first, second = plan.schedule(200), FaultPlan(**plan.model_dump()).schedule(200)
    assert first == second
    kinds = {d.kind for d in first}
    assert kinds == {None, "http_500", "http_429", "malformed"}
    assert {d.malformed_kind for d in first if d.kind == "malformed"} == {"invalid_json", "empty_choices"}
    # Rates land roughly where asked.
    assert 20 <= sum(d.kind == "http_500" for d in first) <= 60
    # A different seed gives a different sequence.
    assert FaultPlan(**{**plan.model_dump(), "seed": 12}).schedule(200) != first


def test_seeded_fault_sequences_repeat_over_http():
    plan = FaultPlan(seed=3, error_rate=0.3, rate_limit_rate=0.3, retry_after_s=0)
    runs = []
    for _ in range(2):
        with serve(echo_responder, faults=plan) as handle:
            statuses = [post(handle.url + "/chat/completions", CHAT)[0] for _ in range(12)]
            runs.append((statuses, handle.errors_injected))
    assert runs[0] == runs[1]
    statuses, counted = runs[0]
    assert set(statuses) == {200, 429, 500}
    assert counted["http_500"] == statuses.count(500)
    assert counted["http_429"] == statuses.count(429)
    expected = {None: 200, "http_500": 500, "http_429": 429}
    assert statuses == [expected[d.kind] for d in plan.schedule(12)]


# ---------------------------------------------------------------------------------------------
# Through dspy.LM
# ---------------------------------------------------------------------------------------------
#
# DSPy 3.4.1's default engine="auto" talks to an "openai/..." model with api_base through its
# vendored lm15 stdlib client (User-Agent "lm15/stdlib"), NOT through LiteLLM; engine="litellm"
# forces the LiteLLM path.  Both are exercised.

ENGINES = ["auto", "litellm"]


def client_lm(handle, engine: str, **kwargs):
    """A ``dspy.LM`` talking to the server, through DSPy's own client ("auto") or LiteLLM."""
    import dspy

    return dspy.LM("openai/codeloop-offline", api_base=handle.url, api_key="unused", cache=False,
                   engine=engine, **kwargs)


def answer_responder(messages: list[dict], params: dict) -> str:
    return ANSWER_42


@pytest.mark.parametrize("engine", ENGINES)
def test_dspy_predict_through_server(engine):
    import dspy

    with serve(answer_responder) as handle:
        lm = client_lm(handle, engine, num_retries=0)
        with dspy.context(lm=lm):
            prediction = dspy.Predict("question -> answer")(question="?")
        assert prediction.answer == "42"
        assert handle.completions == 1
        assert len(lm.history) == 1
        entry = lm.history[-1]
        usage = entry["usage"]
        assert usage["completion_tokens"] == len(ANSWER_42.split())
        assert usage["prompt_tokens"] > 0
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
        assert entry["model"] == "openai/codeloop-offline"


@pytest.mark.parametrize("engine", ENGINES)
def test_dspy_n_completions(engine):
    import dspy

    responder = recording_responder()

    def reply(messages, params):
        responder(messages, params)
        return f"[[ ## answer ## ]]\n{params['sample']}\n\n[[ ## completed ## ]]"

    with serve(reply) as handle:
        lm = client_lm(handle, engine, num_retries=0)
        with dspy.context(lm=lm):
            prediction = dspy.Predict("question -> answer", n=3, temperature=1.0)(question="?")
        answers = prediction.completions.answer
        assert len(answers) == 3
        if engine == "litellm":  # one request carrying n=3
            assert handle.completions == 1
            assert answers == ["0", "1", "2"]
        else:  # lm15 drops `n` and sends n separate single-choice requests
            assert handle.completions == 3
            assert all(p["n"] == 1 for _, p in responder.calls)


@pytest.mark.parametrize("engine", ENGINES)
def test_dspy_retries_through_seeded_429s(engine):
    import dspy

    plan = FaultPlan(seed=3, rate_limit_rate=0.5, retry_after_s=0.05)
    decisions = plan.schedule(16)
    # Seed 3 starts with three 429s in a row, so num_retries=3 is exactly enough for call one.
    assert [d.kind for d in decisions[:4]] == ["http_429", "http_429", "http_429", None]
    with serve(answer_responder, faults=plan) as handle:
        lm = client_lm(handle, engine, num_retries=3)
        started = time.monotonic()
        with dspy.context(lm=lm):
            for i in range(3):
                assert dspy.Predict("question -> answer")(question=f"q{i}").answer == "42"
        elapsed = time.monotonic() - started
        assert handle.completions == 3
        assert handle.errors_injected["http_429"] >= 3
        assert handle.requests == handle.completions + handle.errors_injected["http_429"]
    # Retry-After: 0.05 is honoured, so retries do not fall back to 1 s+ exponential backoff.
    # (The first LiteLLM call also pays LiteLLM's import, a few seconds.)
    assert elapsed < (15 if engine == "litellm" else 5)


@pytest.mark.parametrize("engine", ENGINES)
def test_dspy_without_retries_surfaces_rate_limit(engine):
    import dspy

    with serve(answer_responder, faults=FaultPlan(rate_limit_rate=1.0, retry_after_s=0)) as handle:
        lm = client_lm(handle, engine, num_retries=0)
        with dspy.context(lm=lm), pytest.raises(Exception, match="(?i)rate limit"):
            dspy.Predict("question -> answer")(question="?")
        assert handle.errors_injected["http_429"] >= 1


def test_fault_kinds_are_all_counted_keys():
    with serve(echo_responder) as handle:
        assert set(handle.errors_injected) == set(FAULT_KINDS)


def test_run_server_blocks_until_ctrl_c():
    import signal
    import subprocess
    import sys

    code = "from codeloop.lm._server import run_server; raise SystemExit(run_server(0, {'latency_s': 0.01}))"
    # A shell without job control starts background commands with SIGINT ignored, and Python
    # then installs no KeyboardInterrupt handler: give the child the terminal's default.
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in first
        url = first.split("listening on ", 1)[1].split()[0]
        status, _, body = post(url + "/chat/completions", CHAT)
        assert status == 200
        assert "[[ ## code ## ]]" in json.loads(body)["choices"][0]["message"]["content"]
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "stopped after 1 requests" in out and "'latency': 1" in out


def test_a_client_that_stops_waiting_gets_no_traceback_printed(capsys):
    """A client's timeout closes its socket before a slow answer is written: nothing to report."""
    def slow(messages, params):
        time.sleep(0.5)
        return "late"

    with serve(slow) as handle:
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            post(handle.url + "/chat/completions", CHAT, timeout=0.1)
        time.sleep(0.8)  # the answer is written to a closed connection
        assert get(handle.url + "/models")[0] == 200
    assert "Traceback" not in capsys.readouterr().err
