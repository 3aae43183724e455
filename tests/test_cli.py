"""The ``codeloop`` command line: help, and the errors it gives for bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from codeloop.cli import build_parser, main


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "sandbox-audit" in out and "bench" in out


def test_unknown_isolation_is_refused_with_the_accepted_values(capsys):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["sandbox-audit", "--isolation", "docker"])
    assert info.value.code == 2
    assert "invalid choice: 'docker'" in capsys.readouterr().err


def test_console_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "codeloop.cli", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("codeloop ")


@pytest.mark.slow
def test_bench_prints_both_throughputs_and_the_ratio_last(capsys):
    assert main(["bench", "sandbox", "--candidates", "16"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [line.strip() for line in lines]
    assert any(row.startswith("codeloop sandbox (isolation:") and "16/16 right" in row for row in rows)
    assert any(row.startswith("human-eval-style") and "16/16 right" in row for row in rows)
    assert any(row.startswith("unsafe in-process exec") and "16/16 right" in row for row in rows)
    assert lines[-1].startswith("ratio codeloop/human-eval-style: ") and lines[-1].endswith("x")
    assert float(lines[-1].split(": ")[1].rstrip("x")) > 0
