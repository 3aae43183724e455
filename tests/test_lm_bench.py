"""``codeloop bench backend`` machinery on a few tasks (the full run is a command, not a test)."""

from __future__ import annotations

from codeloop.benchmarks import load_bundled_suite
from codeloop.diagnostics._backend_bench import bench_backend, matching_demos
from codeloop.lm.synth import SearchBudget, blocks_in_code


def test_matching_demos_share_the_most_building_blocks_with_the_target():
    suite = load_bundled_suite()
    target, pool = suite.split("dev")[0], suite.split("train")
    chosen = matching_demos(target, pool, 3)
    wanted = set(blocks_in_code(target.reference))

    def overlap(task):
        have = set(blocks_in_code(task.reference))
        return len(wanted & have) / max(1, len(wanted | have))

    assert len(chosen) == 3
    assert min(overlap(t) for t in chosen) >= max(overlap(t) for t in pool if t not in chosen)


def test_bench_reports_the_three_conditions_and_ends_with_the_summary_line():
    lines: list[str] = []
    figures = bench_backend(limit=2, budget=SearchBudget(max_programs=2000), report=lines.append)
    assert set(figures) >= {"no demos", "random demos", "matching demos", "median_s", "p95_s"}
    assert lines[-1].startswith("round-1 solved: no demos ") and "matching demos" in lines[-1]
    assert all(0.0 <= figures[c] <= 100.0 for c in ("no demos", "random demos", "matching demos"))
