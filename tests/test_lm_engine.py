"""The offline engine inside DSPy: answers parse, usage and history are recorded, cache works."""

from __future__ import annotations

import os

import dspy

from codeloop.lm._engine import offline_lm


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[list[dict], dict]] = []

    def __call__(self, messages: list[dict], params: dict) -> str:
        self.calls.append((messages, params))
        return f"[[ ## answer ## ]]\n{40 + len(self.calls) + params['sample']}\n\n[[ ## completed ## ]]"


def test_predict_through_the_engine_records_history_and_usage():
    responder = Recorder()
    lm = offline_lm(responder, cache=False)
    with dspy.context(lm=lm):
        answer = dspy.Predict("question -> answer")(question="What is six times seven?").answer
    assert answer == "41"
    messages, params = responder.calls[0]
    assert messages[0]["role"] == "system" and "answer" in messages[0]["content"]
    assert "What is six times seven?" in messages[-1]["content"]
    assert len(lm.history) == 1
    usage = lm.history[0]["usage"]
    assert usage["total_tokens"] > 0


def test_dspy_cache_answers_a_repeated_request_without_calling_the_responder():
    responder = Recorder()
    lm = offline_lm(responder, cache=True)
    question = f"cache check {os.urandom(8).hex()}"  # never asked before, in any run
    with dspy.context(lm=lm):
        first = dspy.Predict("question -> answer")(question=question).answer
        second = dspy.Predict("question -> answer")(question=question).answer
    assert first == second and len(responder.calls) == 1


def test_repeated_identical_requests_are_numbered_as_samples():
    responder = Recorder()
    lm = offline_lm(responder, cache=False, temperature=1.0)
    with dspy.context(lm=lm):
        for _ in range(3):
            dspy.Predict("question -> answer")(question="same")
    assert [params["sample"] for _, params in responder.calls] == [0, 1, 2]
