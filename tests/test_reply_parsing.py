"""The modules' reply parsing: a reply the chat format cannot split is read raw before any JSON
retry call (lenient, the default); DSPy's behaviour and JSON-only stay available; every reply's
route is recorded, and an empty field is logged, never silently scored."""

from __future__ import annotations

import logging

import dspy
import litellm
import pytest

from codeloop.benchmarks import Task, TaskView
from codeloop.execution import IOTest
from codeloop.modules import CodeFromExamples, GenerateCheckRefine, ReplyParser, as_program, set_parse_mode

FENCED_MARKER = "```[[ ## code ## ]]\ndef double(x):\n    return 2 * x\n```"
BARE_FENCE = "Here is the function:\n```python\ndef double(x):\n    return x * 2\n```\nIt doubles x."
PROSE = "I would double the number."
CHAT_OK = "[[ ## code ## ]]\ndef double(x):\n    return x + x\n\n[[ ## completed ## ]]"
JSON_OK = '{"code": "def double(x):\\n    return 2 * x"}'


class ScriptedLM(dspy.BaseLM):
    """Answers with the given replies in order (no cache): the tests count the calls it got."""

    def __init__(self, replies: list[str]) -> None:
        super().__init__(model="scripted", cache=False)
        self.replies = list(replies)
        self.calls = 0

    def forward(self, prompt=None, messages=None, **kwargs):
        reply = self.replies[min(self.calls, len(self.replies) - 1)]
        self.calls += 1
        return litellm.ModelResponse(model="scripted", choices=[{"message": {"role": "assistant", "content": reply},
                                                                 "finish_reason": "stop"}])


def double_view() -> TaskView:
    tests = tuple(IOTest(args=(x,), expected=2 * x) for x in (1, 2, 3, 4))
    task = Task(id="double", entry_point="double", description="Double x.", examples=tests[:2],
                hidden_tests=tests[2:], reference="def double(x):\n    return 2 * x\n")
    return TaskView.model_validate({"id": task.id, "entry_point": task.entry_point,
                                    "description": task.description, "examples": task.examples})


def generate(replies: list[str], mode: str | None = None) -> tuple[dspy.Prediction, ScriptedLM]:
    lm = ScriptedLM(replies)
    context = {"adapter": ReplyParser(mode)} if mode else {}
    with dspy.context(lm=lm, **context):
        prediction = CodeFromExamples()(task=double_view())
    return prediction, lm


@pytest.mark.parametrize("reply", [FENCED_MARKER, BARE_FENCE])
def test_lenient_reads_a_reply_without_markers_raw_without_a_retry_call(reply):
    prediction, lm = generate([reply, JSON_OK])
    assert lm.calls == 1
    assert "def double(x)" in prediction.code and "[[" not in prediction.code
    assert prediction.attempts[0]["parse"] == "raw" and prediction.attempts[0]["extraction_ok"]


def test_chat_mode_keeps_dspys_json_retry():
    prediction, lm = generate([FENCED_MARKER, JSON_OK], mode="chat")
    assert lm.calls == 2  # the JSON fallback call
    assert prediction.attempts[0]["parse"] == "json"
    assert "return 2 * x" in prediction.code


def test_prose_without_code_still_gets_the_json_retry():
    prediction, lm = generate([PROSE, JSON_OK])
    assert lm.calls == 2 and prediction.attempts[0]["parse"] == "json"


def test_a_well_formed_reply_parses_by_the_chat_format():
    prediction, lm = generate([CHAT_OK])
    assert lm.calls == 1 and prediction.attempts[0]["parse"] == "chat"
    assert "return x + x" in prediction.code


def test_json_mode_asks_in_json_only():
    prediction, lm = generate([JSON_OK], mode="json")
    assert lm.calls == 1 and prediction.attempts[0]["parse"] == "json"
    sent = lm.history[-1]["messages"] if lm.history else None
    assert prediction.code.startswith("def double") and (sent is None or "json" in str(sent).lower())


def test_an_empty_field_is_logged_and_marked_failed(caplog):
    empty_json = '{"code": ""}'
    with caplog.at_level(logging.WARNING, logger="codeloop.modules._common"):
        prediction, lm = generate([PROSE, empty_json])
    assert prediction.attempts[0]["parse"] == "failed" and prediction.code == ""
    assert "empty code field" in caplog.text or "could not be parsed" in caplog.text


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown parse mode 'xml'.*lenient"):
        ReplyParser("xml")


def test_routes_reach_the_generation_of_a_program(sandbox):
    lm = ScriptedLM([BARE_FENCE.replace("x * 2", "x * 3"), FENCED_MARKER])  # first fails, refine fixes it
    program = as_program(GenerateCheckRefine(CodeFromExamples(), max_iters=2, sandbox=sandbox), lm=lm)
    generation = program(double_view())
    assert generation.parse == ["raw", "raw"] and generation.lm_calls == 2
    assert "return 2 * x" in generation.code


def test_a_runs_summary_reports_how_its_replies_were_parsed(tmp_path, capsys):
    import json

    from codeloop.cli import main

    out = tmp_path / "run"
    assert main(["run", "--optimizer", "none", "--module", "from-examples", "--limit", "3", "--rounds", "1",
                 "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["parse_routes"] == {"chat": summary["lm_calls_eval"]}  # the offline backend writes markers
    assert summary["parse_mode"] == "lenient"  # the offline backend's native chat format
    assert f"replies parsed (lenient): {summary['lm_calls_eval']} replies: {summary['lm_calls_eval']} by the chat format" \
        in capsys.readouterr().out


def test_the_runs_parse_mode_reaches_the_evaluation(tmp_path):
    import json

    from codeloop.cli import main

    out = tmp_path / "run"
    assert main(["run", "--optimizer", "none", "--module", "from-examples", "--limit", "2", "--rounds", "1",
                 "--parse", "json", "--out", str(out)]) == 0
    assert json.loads((out / "config.json").read_text())["config"]["parse"] == "json"
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["parse_routes"]) <= {"json", "failed"} and summary["parse_routes"]


def test_json_lenient_reads_a_not_quite_json_reply_raw():
    not_json = '{"code": """\ndef double(x):\n    return 2 * x\n"""}'
    prediction, lm = generate([not_json], mode="json-lenient")
    assert lm.calls == 1 and prediction.attempts[0]["parse"] == "raw"
    assert prediction.attempts[0]["extraction_ok"] and "return 2 * x" in prediction.code
    prediction, lm = generate([not_json], mode="json")
    assert prediction.attempts[0]["parse"] == "failed" and prediction.code == ""


def test_a_real_lm_is_parsed_json_lenient_by_default_and_a_program_keeps_its_mode():
    import copy

    from codeloop.experiments import RunConfig
    from codeloop.experiments._run import parse_mode_for
    from codeloop.lm import resolve_lm
    from codeloop.modules import build_module

    network = resolve_lm("openai/tiny", api_base="http://127.0.0.1:9/v1").lm
    offline = resolve_lm("offline").lm
    assert parse_mode_for(RunConfig(), network) == "json-lenient"
    assert parse_mode_for(RunConfig(), offline) == "lenient"
    assert parse_mode_for(RunConfig(parse="chat"), network) == "chat"
    program = set_parse_mode(build_module("check-refine"), "json")
    copied = copy.deepcopy(program)
    assert copied.parse_mode == "json" and copied.inner.parse_mode == "json"
    with pytest.raises(ValueError, match="unknown parse mode"):
        set_parse_mode(program, "yaml")


def test_a_modules_parse_mode_wins_over_dspys_settings():
    module = set_parse_mode(CodeFromExamples(), "json-lenient")
    lm = ScriptedLM([JSON_OK])
    with dspy.context(lm=lm, adapter=ReplyParser("chat")):
        prediction = module(task=double_view())
    assert prediction.attempts[0]["parse"] == "json" and lm.calls == 1
