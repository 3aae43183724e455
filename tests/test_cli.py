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


def test_suites_show_prints_splits_and_the_count_line_last(capsys, tmp_path):
    from codeloop.benchmarks import Suite, Task, write_jsonl_suite
    from codeloop.execution import IOTest

    tasks = tuple(Task(id=f"t{i}", entry_point="f", reference="def f(x):\n    return x * 3\n",
                       hidden_tests=tuple(IOTest(args=(x,), expected=3 * x) for x in range(5)))
                  for i in range(4))
    path = tmp_path / "mini.jsonl"
    write_jsonl_suite(Suite(name="mini", tasks=tasks, splits={"train": ("t0", "t1"), "dev": ("t2",),
                                                              "test": ("t3",)}), path)
    assert main(["suites", "show", f"jsonl:{path}", "--example-based", "--k", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "train (2): t0, t1" in lines
    assert "example-based: 4 of 4 tasks converted" in lines
    assert lines[-1] == "tasks: 4 (train 2, dev 1, test 1)"


def test_suites_show_exits_non_zero_naming_a_bad_file(capsys, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    assert main(["suites", "show", f"jsonl:{bad}"]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:1" in err and "entry_point" in err


def test_serve_lm_refuses_impossible_fault_rates(capsys):
    assert main(["serve-lm", "--error-rate", "0.7", "--rate-limit-rate", "0.7"]) == 2
    assert "serve-lm" in capsys.readouterr().err


def test_serve_lm_takes_every_fault_kind(monkeypatch):
    import codeloop.lm

    served = {}
    monkeypatch.setattr(codeloop.lm, "run_server", lambda port, faults, responder, **kw: served.update(faults=faults))
    assert main(["serve-lm", "--error-rate", "0.1", "--rate-limit-rate", "0.05", "--timeout-rate", "0.02",
                 "--malformed-rate", "0.05", "--malformed-kinds", "invalid_json", "--empty-rate", "0.02",
                 "--truncated-rate", "0.01", "--slow-body-rate", "0.01", "--slow-body-gap", "0.5"]) == 0
    plan = served["faults"]
    assert (plan.malformed_kinds, plan.empty_rate, plan.truncated_rate, plan.slow_body_rate, plan.slow_body_gap_s) \
        == (("invalid_json",), 0.02, 0.01, 0.01, 0.5)
    assert main(["serve-lm", "--malformed-kinds", "invalid_json,bogus", "--malformed-rate", "0.1"]) == 2
