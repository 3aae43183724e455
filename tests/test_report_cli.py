"""``codeloop report`` and the provenance runs and comparisons record (command, commit, date, LM)."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from codeloop.cli import main
from codeloop.experiments import PROVENANCE_LINE, command_line, provenance_line

FAST = ["--lm", "offline:max_programs=300", "--limit", "6", "--rounds", "1", "--optimizer", "none",
        "--module", "from-examples"]


def test_a_run_records_its_command_and_a_resumption_adds_its_own(tmp_path, capsys) -> None:
    out = tmp_path / "my run"  # a space: the command must be shell-quoted to paste back
    argv = ["run", *FAST, "--out", str(out)]
    assert main(argv) == 0
    assert main([*argv, "--workers", "1"]) == 0  # a resumption
    entries = json.loads((out / "config.json").read_text())["provenance"]
    assert [e["command"] for e in entries] == [command_line(argv), command_line([*argv, "--workers", "1"])]
    assert shlex.split(entries[0]["command"])[1:] == argv
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", entries[0]["date"])
    assert entries[0]["lm"] == "codeloop/codeloop-offline (max_programs=300)"
    assert entries[0]["commit"] or entries[0]["version"]
    capsys.readouterr()
    report_file = tmp_path / "figure.md"
    assert main(["report", str(out), "--out", str(report_file)]) == 0
    printed = capsys.readouterr().out.strip()
    assert report_file.read_text().strip() == printed
    lines = printed.splitlines()
    assert lines[-1].startswith("<sub>") and PROVENANCE_LINE.match(lines[-1]), lines[-1]
    match = PROVENANCE_LINE.match(lines[-1])
    assert match["command"] == command_line(argv) and "resumed 1 time(s)" in match["lm"]
    summary = json.loads((out / "summary.json").read_text())
    assert f"| 1 | {summary['solved_at'][0]:.3f} |" in printed  # the round table, from summary.json


def test_a_comparison_records_its_command_and_reports_its_table(tmp_path, capsys) -> None:
    out = tmp_path / "cmp"
    argv = ["compare", "--strategies", "none,labeled-random", "--seeds", "0", *FAST[:6], "--module",
            "from-examples", "--out", str(out)]
    assert main(argv) == 0
    record = json.loads((out / "comparison.json").read_text())
    assert [e["command"] for e in record["provenance"]] == [command_line(argv)]
    cell = json.loads((out / "labeled-random" / "seed0" / "config.json").read_text())
    assert cell["provenance"][0]["command"] == command_line(argv)  # each cell names the comparison's command
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    printed = capsys.readouterr().out
    row = record["strategies"]["labeled-random"]
    assert f"| `labeled-random` | {row['solved_at_1']:.3f} | {row['mean']:.3f} [{row['ci_low']:.3f}, " in printed
    assert PROVENANCE_LINE.match(printed.strip().splitlines()[-1])


@pytest.mark.parametrize("make", ["nothing", "unfinished run"])
def test_report_refuses_a_directory_that_is_neither(tmp_path, capsys, make) -> None:
    if make == "unfinished run":
        (tmp_path / "config.json").write_text("{}")
    assert main(["report", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and str(tmp_path) in error[0]
    assert ("comparison directory" in error[0]) if make == "nothing" else ("not finished" in error[0])


def test_the_line_without_a_commit_names_the_version_and_a_dirty_tree() -> None:
    entry = {"command": "codeloop run", "commit": None, "version": "0.1.0", "date": "2026-12-02T10:00:00Z",
             "lm": "m", "lm_settings": {"temperature": 0.0}}
    line = provenance_line([entry])
    assert line == "<sub>Produced by `codeloop run` at version 0.1.0 on 2026-12-02, LM m (temperature=0.0).</sub>"
    assert PROVENANCE_LINE.match(line)["version"] == "0.1.0"
    dirty = provenance_line([{**entry, "commit": "abc1234", "dirty": True}])
    assert PROVENANCE_LINE.match(dirty)["dirty"] == "+dirty"
