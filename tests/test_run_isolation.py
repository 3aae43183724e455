"""``--isolation`` on ``run``, ``compare`` and ``eval``: passed to the sandbox the experiment
builds, recorded in the run's config, and ``strict`` refusing in one line before anything is
written."""

from __future__ import annotations

import json
import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest  # noqa: E402

from codeloop.cli import main  # noqa: E402
from codeloop.execution import _sandbox  # noqa: E402
from codeloop.experiments import _run  # noqa: E402

SMALL_LM = "offline:max_programs=3000"


@pytest.fixture()
def suite(tmp_path):
    rows = [{"id": f"own/{n}", "entry_point": "double", "examples": [{"args": [i], "expected": 2 * i} for i in range(3)],
             "hidden_tests": [{"args": [i], "expected": 2 * i} for i in range(3, 6)],
             "reference": "def double(x):\n    return 2 * x\n"} for n in range(12)]
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _flags(suite):
    return ["--suite", f"jsonl:{suite}", "--lm", SMALL_LM, "--rounds", "1", "--module", "from-examples",
            "--limit", "2"]


@pytest.mark.parametrize("command", ["run", "compare", "eval"])
def test_strict_refuses_in_one_line_with_exit_2_before_anything_is_written(command, suite, tmp_path, monkeypatch,
                                                                           capsys):
    monkeypatch.setattr(_sandbox, "_namespace_support", lambda: (False, "test says no"))
    out = tmp_path / "out"
    program = tmp_path / "program.json"
    program.write_text(json.dumps({"format": "codeloop-program/1"}))
    argv = {"run": ["run", *_flags(suite), "--optimizer", "none"],
            "compare": ["compare", *_flags(suite), "--strategies", "none", "--seeds", "0"],
            "eval": ["eval", str(program), "--suite", f"jsonl:{suite}", "--lm", SMALL_LM]}[command]
    if command == "eval":  # a valid program file, so that only the isolation can refuse
        assert main(["run", *_flags(suite), "--optimizer", "none", "--isolation", "none",
                     "--out", str(tmp_path / "made")]) == 0
        program.write_text((tmp_path / "made" / "program.json").read_text())
        capsys.readouterr()
    assert main([*argv, "--isolation", "strict", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "strict isolation needs Linux namespaces" in err and "test says no" in err
    assert not out.exists()


def test_the_isolation_is_recorded_in_the_run_config_and_reaches_the_sandbox(suite, tmp_path, monkeypatch):
    built = []

    class Recording(_run.Sandbox):
        def start(self):
            built.append(self.isolation)
            return super().start()

    monkeypatch.setattr(_run, "Sandbox", Recording)
    out = tmp_path / "none"
    assert main(["run", *_flags(suite), "--optimizer", "none", "--isolation", "none", "--out", str(out)]) == 0
    recorded = json.loads((out / "config.json").read_text())
    assert recorded["config"]["isolation"] == "none"
    assert built == ["none"]  # the pool the run used had no namespaces, as asked
    # Resuming with another isolation is allowed (it does not change an honest candidate's verdicts).
    assert main(["run", *_flags(suite), "--optimizer", "none", "--isolation", "auto", "--out", str(out)]) == 0


def test_a_bad_isolation_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--isolation", "chroot"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'chroot'" in capsys.readouterr().err
