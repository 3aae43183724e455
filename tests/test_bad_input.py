"""Bad input a newcomer would write, and run directories broken after the fact: exit status 2 and
one line naming the file (and line), the field or value, and the fix; nothing written for a bad
run, nothing removed or overwritten in a broken one; ``--repair`` moves a damaged file aside."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest  # noqa: E402

from codeloop.cli import main  # noqa: E402

SMALL = ["--lm", "offline:max_programs=2000", "--module", "from-examples", "--rounds", "1", "--limit", "2"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["run", *SMALL, *args])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("[")]
    assert len(lines) == 1 and lines[0].startswith("codeloop: error: "), err
    return lines[0]


def test_a_non_utf8_suite_names_the_line_and_byte(tmp_path, capsys):
    suite = tmp_path / "s.jsonl"
    suite.write_bytes(b'{"id": "ok", "entry_point": "f", "hidden_tests": [{"args": [1], "expected": 1}]}\n'
                      b'{"id": "b\xff", "entry_point": "f", "hidden_tests": [{"args": [1], "expected": 1}]}\n')
    code, _, err = run(capsys, "--suite", f"jsonl:{suite}", "--optimizer", "none", "--out", str(tmp_path / "o"))
    assert code == 2 and f"{suite}:2: not UTF-8 text (byte 0xff" in one_error_line(err)
    assert not (tmp_path / "o").exists()


def test_a_directory_as_suite_file_says_so(tmp_path, capsys):
    code, _, err = run(capsys, "--suite", f"jsonl:{tmp_path}", "--out", str(tmp_path / "o"))
    assert code == 2 and "is a directory" in one_error_line(err)


@pytest.mark.parametrize("where", ["file", "under-file"])
def test_an_out_that_is_a_file_or_under_one_is_refused(tmp_path, capsys, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("mine")
    out = blocker if where == "file" else blocker / "run"
    code, _, err = run(capsys, "--optimizer", "none", "--out", str(out))
    assert code == 2 and "is a file" in one_error_line(err)
    assert blocker.read_text() == "mine"


def test_no_key_and_no_server_are_refused_before_anything_is_written(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("CODELOOP_API_BASE", raising=False)
    code = main(["run", "--lm", "openai/gpt-4o-mini", "--out", str(tmp_path / "a")])
    assert code == 2 and "no API key for openai: set OPENAI_API_KEY" in one_error_line(capsys.readouterr().err)
    code = main(["run", "--lm", "openai/x", "--api-base", "http://127.0.0.1:9/v1", "--out", str(tmp_path / "b")])
    assert code == 2 and "nothing answers at 127.0.0.1:9" in one_error_line(capsys.readouterr().err)
    code = main(["run", "--dry-run", "--lm", "offline:max_program=5"])
    assert code == 2 and "bad offline LM option 'max_program=5'" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.fixture()
def finished_run(tmp_path, capsys) -> Path:
    out = tmp_path / "run"
    code, _, _ = run(capsys, "--optimizer", "labeled-random", "--out", str(out))
    assert code == 0
    return out


@pytest.mark.parametrize("name", ["config.json", "state.json", "optimization.json"])
def test_a_truncated_state_file_is_refused_and_repair_moves_it_aside(finished_run, capsys, name):
    damaged = finished_run / name
    text = damaged.read_text()
    damaged.write_text(text[: len(text) // 2])
    before = {p.name: p.read_bytes() for p in finished_run.iterdir()}
    code, _, err = run(capsys, "--optimizer", "labeled-random", "--out", str(finished_run))
    line = one_error_line(err)
    assert code == 2 and f"{damaged} is damaged (not valid JSON" in line and "--repair" in line
    assert {p.name: p.read_bytes() for p in finished_run.iterdir()} == before  # nothing touched
    code, _, _ = run(capsys, "--optimizer", "labeled-random", "--out", str(finished_run), "--repair")
    assert code == 0
    assert [p.name for p in finished_run.glob(f"{name}.corrupt-*")]
    assert json.loads(damaged.read_text())  # written anew
    assert json.loads((finished_run / "summary.json").read_text())["tasks"] == 2


def test_a_damaged_checkpoint_line_reruns_only_its_task(finished_run, capsys):
    with (finished_run / "rounds.jsonl").open("ab") as sink:
        sink.write(b'{"task": "x\xff\xfe", "rows": []}\n')
    code, out, _ = run(capsys, "--optimizer", "labeled-random", "--out", str(finished_run))
    assert code == 0 and "resuming: 2 of 2 test tasks already evaluated" in out


def test_a_corrupted_study_without_a_program_is_refused_then_repaired(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "trials.db").write_bytes(b"this is not an sqlite file" * 100)
    code, _, err = run(capsys, "--optimizer", "joint", "--budget", "12", "--out", str(out))
    assert code == 2 and "trials.db is damaged (not a readable SQLite database" in one_error_line(err)
    assert (out / "trials.db").read_bytes().startswith(b"this is not")
    code, _, _ = run(capsys, "--optimizer", "joint", "--budget", "12", "--out", str(out), "--repair")
    assert code == 0 and list(out.glob("trials.db.corrupt-*"))
