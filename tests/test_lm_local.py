"""``--lm local`` without the model: the spec, the one-line refusals naming the install commands,
and the engine's contract with DSPy over a fake ``Llama`` (settings sent, usage and prompt-cache
reuse reported, one call at a time). The real model is exercised in test_lm_local_model.py."""

from __future__ import annotations

import threading
import time

import dspy
import numpy as np
import pytest
from dspy.lm15 import ContextLengthError

from codeloop.cli import main
from codeloop.exceptions import ConfigError
from codeloop.lm import LlamaEngine, LocalSettings, resolve_lm
from codeloop.lm._local import _Loaded, check_runtime, local_model_file, parse_local


def test_the_spec_names_a_model_or_file_and_options():
    assert parse_local("local") == ("qwen2.5-coder-0.5b", LocalSettings())
    name, settings = parse_local("local:qwen2.5-coder-1.5b,threads=1,ctx=4096,max_tokens=256,seed=3")
    assert name == "qwen2.5-coder-1.5b"
    assert (settings.threads, settings.ctx, settings.max_tokens, settings.seed) == (1, 4096, 256, 3)
    assert parse_local("local:/models/x.gguf")[0] == "/models/x.gguf"
    assert LocalSettings().temperature == 0.0 and LocalSettings().max_tokens == 1024 and LocalSettings().threads >= 1
    assert parse_local("local:x.gguf,repeat_penalty=1")[1].repeat_penalty == 1.0
    for bad in ("local:x.gguf,threads=0", "local:x.gguf,gpu=1", "local:x.gguf,temperature=hot",
                "local:x.gguf,repeat_penalty=0.5"):
        with pytest.raises(ConfigError, match="bad local LM option .* accepted: threads=N"):
            parse_local(bad)


def test_missing_weights_or_file_name_the_fix(tmp_path):
    with pytest.raises(ConfigError, match=r"weights of qwen2.5-coder-0.5b are not fetched .* run `codeloop models "
                                          r"fetch qwen2.5-coder-0.5b`"):
        local_model_file("qwen2.5-coder-0.5b", tmp_path)
    with pytest.raises(ConfigError, match="no such GGUF file"):
        local_model_file(str(tmp_path / "absent.gguf"), tmp_path)
    with pytest.raises(ConfigError, match="not a registered model"):
        local_model_file("gpt-9", tmp_path)


def test_a_missing_runtime_names_the_install_command(monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    with pytest.raises(ConfigError, match="needs llama-cpp-python .* run `codeloop models install-runtime`"):
        check_runtime()


def test_run_with_local_and_no_weights_is_one_line_exit_2_writing_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CODELOOP_HOME", str(tmp_path / "home"))
    out = tmp_path / "run"
    assert main(["run", "--lm", "local", "--out", str(out), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "run `codeloop models fetch qwen2.5-coder-0.5b`" in err[0]
    assert not out.exists()
    with pytest.raises(ConfigError, match="not fetched"):
        resolve_lm("local:qwen2.5-coder-1.5b")


class FakeLlama:
    """Stands in for llama_cpp.Llama: 'tokens' are characters; it keeps the last prompt as its KV cache."""

    def __init__(self, n_ctx: int = 4000) -> None:
        self.input_ids = np.zeros(n_ctx, dtype=np.intc)
        self.n_tokens = 0
        self.calls: list[dict] = []
        self.busy = False
        self.overlapped = False

    def create_chat_completion(self, *, messages, **kwargs):
        if self.busy:
            self.overlapped = True
        self.busy = True
        try:
            time.sleep(0.02)
            self.calls.append(kwargs)
            prompt = "".join(f"<{m['role']}>{m['content']}" for m in messages)
            if len(prompt) >= len(self.input_ids):
                raise ValueError(f"Requested tokens ({len(prompt)}) exceed context window of {len(self.input_ids)}")
            reply = "[[ ## code ## ]]\ndef f(x):\n    return x\n\n[[ ## completed ## ]]"
            tokens = [ord(c) for c in prompt + reply]
            self.input_ids[:len(tokens)] = tokens
            self.n_tokens = len(tokens)
            return {"id": "fake-1", "choices": [{"message": {"role": "assistant", "content": reply},
                                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": len(prompt), "completion_tokens": len(reply),
                              "total_tokens": len(prompt) + len(reply)}}
        finally:
            self.busy = False


@pytest.fixture
def fake_engine(monkeypatch, tmp_path):
    fake = FakeLlama()
    loaded = _Loaded(fake)
    monkeypatch.setattr(_Loaded, "get", classmethod(lambda cls, path, settings: loaded))
    engine = LlamaEngine(tmp_path / "fake.gguf", settings=LocalSettings(threads=1))
    return fake, engine


def test_the_engine_sends_repeatable_settings_and_reports_usage_with_the_cached_prefix(fake_engine):
    fake, engine = fake_engine
    lm = dspy.LM("codeloop/local-fake", engine=engine, cache=False, temperature=0.0, max_tokens=1024, seed=0)
    first = lm(messages=[{"role": "system", "content": "S" * 50}, {"role": "user", "content": "task one"}])
    second = lm(messages=[{"role": "system", "content": "S" * 50}, {"role": "user", "content": "task two"}])
    assert first == second == ["[[ ## code ## ]]\ndef f(x):\n    return x\n\n[[ ## completed ## ]]"]
    assert [(c["temperature"], c["max_tokens"], c["seed"], c["repeat_penalty"]) for c in fake.calls] == [
        (0.0, 1024, 0, 1.1)] * 2
    usage = [entry["usage"] for entry in lm.history]
    prefix = len("<system>" + "S" * 50 + "<user>task ")
    assert usage[0]["prompt_tokens_details"]["cached_tokens"] == 0
    assert usage[1]["prompt_tokens_details"]["cached_tokens"] == prefix
    assert engine.stats["calls"] == 2 and engine.stats["cached_prompt_tokens"] == prefix
    assert engine.stats["prompt_tokens"] == sum(u["prompt_tokens"] for u in usage)


def test_one_call_at_a_time_under_threads(fake_engine):
    fake, engine = fake_engine
    lm = dspy.LM("codeloop/local-fake", engine=engine, cache=False)
    threads = [threading.Thread(target=lm, kwargs={"messages": [{"role": "user", "content": f"t{i}"}]})
               for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake.calls) == 4 and not fake.overlapped


def test_a_prompt_over_the_context_is_a_context_length_error(fake_engine):
    fake, engine = fake_engine
    lm = dspy.LM("codeloop/local-fake", engine=engine, cache=False, num_retries=0)
    with pytest.raises(Exception, match=r"exceed context window of 4000 \(raise it with local:...,ctx=N\)") as caught:
        lm(messages=[{"role": "user", "content": "x" * 5000}])
    assert isinstance(caught.value.__cause__, ContextLengthError)
