"""``codeloop bench lm`` runs one trial per worker count and reports what it measured."""

from __future__ import annotations

import pytest

from codeloop.cli import main
from codeloop.diagnostics import bench_lm
from codeloop.exceptions import ConfigError


def test_one_trial_per_worker_count_with_every_call_counted():
    lines: list[str] = []
    figures = bench_lm("offline", tasks=3, demos=2, workers=(1, 2), report=lines.append)
    assert [f.workers for f in figures] == [1, 2]
    assert all(f.calls == 3 and f.tasks == 3 and f.wall_s > 0 for f in figures)
    assert all(f.model_s is None and f.overhead is None for f in figures)  # no model-side clock offline
    assert any("not an LM" in line for line in lines) and sum("calls/min" in line for line in lines) == 2


def test_bad_settings_are_refused():
    with pytest.raises(ConfigError, match="--tasks >= 1"):
        bench_lm("offline", tasks=0)


def test_the_cli_prints_the_figures(capsys):
    assert main(["bench", "lm", "--lm", "offline", "--tasks", "2", "--demos", "1", "--workers", "1"]) == 0
    assert "workers 1: 2 calls" in capsys.readouterr().out
