"""Through the real local model (Qwen2.5-Coder-0.5B-Instruct in llama.cpp): a from-examples module,
compiled by an optimizer with a tiny budget, evaluated for one round on a few bundled tasks.

Slow (about a minute on 2 idle cores, more on a loaded machine), and run in CI, which installs
the runtime and fetches the weights first. Skipped, saying which commands install them, where
either is missing.
"""

from __future__ import annotations

import importlib.util

import pytest

from codeloop.lm import MODELS, is_verified, local_lm, model_path

SPEC = MODELS["qwen2.5-coder-0.5b"]
INSTALL = "codeloop models install-runtime && codeloop models fetch qwen2.5-coder-0.5b (or scripts/install-local-lm)"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                       reason=f"llama-cpp-python is not installed: {INSTALL}"),
    pytest.mark.skipif(not is_verified(SPEC, model_path(SPEC)),
                       reason=f"the weights of {SPEC.name} are not fetched to {model_path(SPEC)}: {INSTALL}"),
]


@pytest.mark.timeout(1200)
def test_a_compiled_module_runs_through_the_local_model(tmp_path, sandbox):
    from codeloop.experiments import RunConfig, run_experiment

    lm = local_lm("local", cache=False)  # every call reaches the model, whatever an earlier run cached
    config = RunConfig.build(suite="bundled", lm="local", module="from-examples", optimizer="bootstrapped",
                             budget=4, rounds=1, limit=2, workers=2, seed=0, out=str(tmp_path / "run"))
    outcome = run_experiment(config, sandbox=sandbox, lm=lm, say=lambda line: None)
    summary, frame = outcome.summary, outcome.frame

    stats = lm.engine.stats
    assert summary.tasks == 2 and len(frame) == 2
    assert 1 <= summary.lm_calls_optimize <= 4 and summary.lm_calls_eval >= 2
    assert summary.lm_calls == stats["calls"]  # every call counted, every one reached the model
    assert summary.tokens == stats["prompt_tokens"] + stats["completion_tokens"] > 0
    assert stats["completion_tokens"] > 0 and stats["seconds"] > 0
    assert stats["cached_prompt_tokens"] > 0  # the shared prompt prefix came from the KV cache
    assert all(frame["tokens"] > 0) and all(frame["lm_calls"] >= 1)
    # code was parsed out of the model's replies and run by the sandbox, which gave every test a verdict
    assert all("def " in code for code in frame["code"])
    assert all(frame["n_tests"] > 0)
    assert all(sum(int(part.rsplit(":", 1)[1]) for part in v.split(",")) == n
               for v, n in zip(frame["verdicts"], frame["n_tests"]))
    assert set(frame["correctness"]) <= {True, False}
    # every reply's parse route was recorded (the chat format, the raw reply, a JSON retry, or none)
    assert all(cell and set(cell.split(",")) <= {"chat", "raw", "json", "failed"} for cell in frame["parse"])
