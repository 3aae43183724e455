"""The task files in ``examples/`` (the README's example task among them) load, their reference
solutions pass every test in the sandbox, and ``codeloop run`` runs them end to end."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from codeloop.benchmarks import read_jsonl_suite  # noqa: E402
from codeloop.cli import main  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "tasks.jsonl"


def test_the_example_tasks_load_and_their_references_pass_every_test(sandbox):
    suite = read_jsonl_suite(EXAMPLES)
    assert [t.id for t in suite.tasks] == ["demo/pairs", "demo/word_counts"]
    counts = suite.tasks[1].hidden_tests[2].expected
    assert counts == {"to": 2, "be": 2, "or": 1, "not": 1}  # a plain JSON object is a dict as it is
    for task in suite.tasks:
        result = sandbox.run(task.reference, task.entry_point, list(task.all_tests))
        assert result.passed, (task.id, [v.reason for v in result.verdicts])


def test_the_readmes_example_task_is_the_files_first_line():
    readme = (EXAMPLES.parents[1] / "README.md").read_text()
    block = readme.split("```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(block) == json.loads(EXAMPLES.read_text().splitlines()[0])


def test_codeloop_run_runs_the_example_tasks(tmp_path):
    out = tmp_path / "run"
    code = main(["run", "--suite", f"jsonl:{EXAMPLES}", "--optimizer", "none", "--rounds", "2", "--k", "1",
                 "--module", "from-examples", "--lm", "offline:max_programs=3000", "--out", str(out)])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tasks"] == 2
