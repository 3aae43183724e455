"""Every real LM gets codeloop's sampling settings (temperature 0, a token cap), changeable by
flag and recorded in the run's configuration; a local model needs no --api-base check."""

from __future__ import annotations

import json

import dspy
import pytest

from codeloop.cli import main
from codeloop.experiments import RunConfig
from codeloop.lm import GenerationSettings, resolve_lm


def test_a_network_lm_sends_temperature_zero_and_a_token_cap_by_default():
    lm = resolve_lm("openai/tiny", api_base="http://127.0.0.1:9/v1").lm
    assert lm.kwargs["temperature"] == 0.0 and lm.kwargs["max_tokens"] == 1024


def test_generation_settings_reach_the_lm():
    lm = resolve_lm("openai/tiny", api_base="http://127.0.0.1:9/v1",
                    generation=GenerationSettings(temperature=0.7, max_tokens=300)).lm
    assert lm.kwargs["temperature"] == 0.7 and lm.kwargs["max_tokens"] == 300


def test_bad_generation_settings_are_refused():
    with pytest.raises(ValueError, match="max_tokens"):
        GenerationSettings(max_tokens=0)
    with pytest.raises(ValueError, match="temperature"):
        RunConfig(temperature=3.0)


def test_local_options_win_over_the_runs_settings(monkeypatch):
    from codeloop.lm import _local

    seen = {}
    monkeypatch.setattr(_local, "local_model_file", lambda model, home=None: _local.Path("/nonexistent/m.gguf"))
    monkeypatch.setattr(_local, "check_runtime", lambda: None)

    class Engine:
        def __init__(self, path, settings, model_name):
            seen["settings"] = settings

        def complete(self, request):
            raise AssertionError("not called")

    monkeypatch.setattr(_local, "LlamaEngine", Engine)
    lm = _local.local_lm("local:qwen2.5-coder-0.5b,temperature=0.5", cache=False,
                         generation=GenerationSettings(temperature=0.0, max_tokens=256))
    assert seen["settings"].temperature == 0.5 and seen["settings"].max_tokens == 256
    assert isinstance(lm, dspy.LM) and lm.kwargs["max_tokens"] == 256


def test_flags_are_recorded_in_the_run_configuration(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "--optimizer", "none", "--temperature", "0.3", "--max-tokens", "512",
                 "--out", str(out), "--limit", "2", "--rounds", "1"]) == 0
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["temperature"] == 0.3 and config["max_tokens"] == 512


def test_a_local_lm_is_not_checked_against_an_api_base(monkeypatch):
    from codeloop.experiments import _run
    from codeloop.lm import ResolvedLM

    monkeypatch.setattr(_run, "resolve_lm", lambda *a, **k: ResolvedLM(lm=None, model="local", source="flag",
                                                                       offline=False, local=True))

    def unreachable(*a, **k):
        raise AssertionError("a local LM was checked for a server")

    monkeypatch.setattr(_run, "check_lm_reachable", unreachable)
    said: list[str] = []
    _run.resolved_lm(RunConfig(lm="local", api_base="http://127.0.0.1:9/v1", max_tokens=700), said.append)
    assert said == ["LM: local (from --lm; llama.cpp in this process; temperature 0.0, at most 700 tokens a call)"]
