"""Every suite through ``codeloop run``: conversion to input/output form where needed (with
augmentation when a task has too few tests to hide any), a report of what was dropped, a cache
that makes the second run start at once, ``--limit``, ``--mode`` and ``--skip-bad``."""

from __future__ import annotations

import json
import os
from collections import Counter

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest  # noqa: E402

from codeloop.benchmarks import limited, load_suite, prepare_suite  # noqa: E402
from codeloop.cli import main  # noqa: E402
from codeloop.exceptions import ConfigError  # noqa: E402
from codeloop.experiments import RunConfig  # noqa: E402

SMALL_LM = "offline:max_programs=3000"
#: MBPP ids from each official split (prompt 1-10 goes to train, test 11-510, dev 511-600, train 601-974)
MBPP_IDS = {*range(2, 8), *range(11, 17), *range(511, 517), *range(601, 607), 367}
NO_IO_FORM = {367, 601}  # their tests call the entry point on objects built in setup code


@pytest.fixture(scope="module")
def mbpp_file(shared_data, tmp_path_factory):
    rows = [json.loads(line) for line in shared_data("mbpp", "mbpp.jsonl").read_text().splitlines() if line.strip()]
    path = tmp_path_factory.mktemp("mbpp") / "mbpp-part.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows if r["task_id"] in MBPP_IDS))
    return path


def run(*args: str) -> int:
    return main(["run", "--lm", SMALL_LM, "--module", "from-examples", "--rounds", "1", "--workers", "2", *args])


def test_mbpp_runs_from_the_cli_with_its_defaults_converted_augmented_and_reported(mbpp_file, tmp_path, capsys):
    out = tmp_path / "run"
    assert run("--suite", f"mbpp:{mbpp_file}", "--optimizer", "none", "--limit", "3", "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "had too few tests to hide any: inputs augmented" in printed
    assert "dropped 2: no input/output form" in printed and "mbpp/367, mbpp/601" in printed
    record = json.loads((out / "suite.json").read_text())
    assert record["converted"] == len(MBPP_IDS - NO_IO_FORM) and record["kept_as_is"] == 0
    assert record["cached"] is False
    assert set(record["augmented"]) == {f"mbpp/{i}" for i in MBPP_IDS - NO_IO_FORM}  # 3 tests: k=3 hides none
    assert record["dropped"] == {"no input/output form (puzzle or assertion-only tests)": [
        f"mbpp/{i}: no literal call of the entry point in its tests" for i in sorted(NO_IO_FORM)]}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tasks"] == 3

    again = tmp_path / "again"  # another run directory: the conversion comes from the cache
    assert run("--suite", f"mbpp:{mbpp_file}", "--optimizer", "none", "--limit", "3", "--out", str(again)) == 0
    assert "(cached)" in capsys.readouterr().out
    assert json.loads((again / "suite.json").read_text())["cached"] is True
    first = [json.loads(line) for line in (out / "rounds.jsonl").read_text().splitlines()]
    second = [json.loads(line) for line in (again / "rounds.jsonl").read_text().splitlines()]
    assert sorted(r["task"] for r in first) == sorted(r["task"] for r in second)


def test_the_cache_is_keyed_by_the_files_content_and_the_settings(mbpp_file, tmp_path, sandbox):
    copy = tmp_path / "mbpp.jsonl"
    copy.write_bytes(mbpp_file.read_bytes())
    cache = tmp_path / "cache"
    _, first = prepare_suite(f"mbpp:{copy}", sandbox, k=2, cache_dir=cache)
    _, second = prepare_suite(f"mbpp:{copy}", sandbox, k=2, cache_dir=cache)
    assert (first.cached, second.cached) == (False, True)
    assert first.augmented == [] and second.augmented == []  # k=2 leaves one of 3 tests hidden
    _, other_k = prepare_suite(f"mbpp:{copy}", sandbox, k=3, cache_dir=cache)
    assert other_k.cached is False and other_k.augmented
    lines = copy.read_text().splitlines()
    copy.write_text("\n".join(lines[1:]) + "\n")  # the file changed: its old conversion is not used
    suite, changed = prepare_suite(f"mbpp:{copy}", sandbox, k=2, cache_dir=cache)
    assert changed.cached is False and len(suite.tasks) == len(MBPP_IDS - NO_IO_FORM) - 1


def test_humaneval_rows_run_from_the_cli(tmp_path, capsys):
    rows = []
    for n in range(6):
        rows.append({"task_id": f"HumanEval/{n}", "entry_point": "add",
                     "prompt": 'def add(a, b):\n    """Add two numbers.\n    >>> add(1, 2)\n    3\n    """\n',
                     "canonical_solution": "    return a + b\n",
                     "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-4, 4) == 0\n"
                             "    assert candidate(10, 5) == 15\n"})
    path = tmp_path / "HumanEval.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "he"
    assert run("--suite", f"humaneval:{path}", "--optimizer", "none", "--k", "2", "--out", str(out)) == 0
    record = json.loads((out / "suite.json").read_text())
    # asserts of literal calls are input/output pairs already: three, so k=2 leaves one hidden
    assert record["kept_as_is"] == 6 and record["converted"] == 0
    assert json.loads((out / "summary.json").read_text())["tasks"] >= 1
    out3 = tmp_path / "he3"  # k=3: nothing to hide, so the tasks are converted with more inputs
    assert run("--suite", f"humaneval:{path}", "--optimizer", "none", "--out", str(out3)) == 0
    record = json.loads((out3 / "suite.json").read_text())
    assert record["converted"] == 6 and len(record["augmented"]) == 6


def test_description_mode_runs_with_no_examples_and_k0_needs_it(tmp_path, capsys):
    with pytest.raises(ConfigError, match="k=0 shows no examples"):
        RunConfig.build(k=0, out=tmp_path / "x")
    assert run("--k", "0", "--out", str(tmp_path / "x")) == 2
    assert "k=0 shows no examples" in capsys.readouterr().err
    out = tmp_path / "desc"
    assert run("--mode", "description", "--k", "0", "--optimizer", "none", "--limit", "4", "--out", str(out)) == 0
    frame_rows = [row for line in (out / "rounds.jsonl").read_text().splitlines()
                  for row in json.loads(line)["rows"]]
    assert frame_rows and {r["mode"] for r in frame_rows} == {"description"}
    assert all(r["n_examples"] == 0 for r in frame_rows if r["round"] == 1)


def test_limit_keeps_a_seeded_category_stratified_sample_of_each_split():
    suite = load_suite("bundled")
    small = limited(suite, 10, seed=0)
    assert small.counts() == {"train": 10, "dev": 10, "test": 10}
    by_id = {t.id: t for t in small.tasks}
    categories = Counter(by_id[i].metadata["category"] for i in small.splits["test"])
    assert set(categories) == {"strings", "lists", "numbers", "dicts_sets", "algorithms"}
    assert max(categories.values()) - min(categories.values()) <= 1  # the bundled test split is balanced
    assert limited(suite, 10, seed=0).splits == small.splits
    assert limited(suite, 10, seed=1).splits["test"] != small.splits["test"]
    assert limited(suite, 500, seed=0).splits == suite.splits


def test_skip_bad_is_on_run_and_a_bad_row_is_named_without_it(tmp_path, capsys):
    bundled = load_suite("bundled")
    from codeloop.benchmarks import write_jsonl_suite

    good = tmp_path / "good.jsonl"
    write_jsonl_suite(bundled, good)
    lines = good.read_text().splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], '{"id": "broken"', *lines[1:]]) + "\n")
    assert run("--suite", f"jsonl:{bad}", "--optimizer", "none", "--limit", "2", "--out", str(tmp_path / "a")) == 2
    assert f"{bad}:2" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    out = tmp_path / "b"
    assert run("--suite", f"jsonl:{bad}", "--optimizer", "none", "--limit", "2", "--skip-bad", "--out", str(out)) == 0
    assert "skipped 1 malformed rows" in capsys.readouterr().out
    assert len(json.loads((out / "suite.json").read_text())["skipped_rows"]) == 1


def test_strategy_labels_carry_a_budget_and_a_mode():
    from codeloop.experiments._compare import strategy_settings

    assert strategy_settings("joint@40+description") == {"optimizer": "joint", "budget": 40, "mode": "description"}
    assert strategy_settings("none+both") == {"optimizer": "none", "mode": "both"}
    with pytest.raises(ConfigError, match="mode after '\\+' must be one of"):
        strategy_settings("none+words")


def test_compare_modes_is_one_command_and_reports_first_round_share_and_gap(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", "--strategies", "none", "--modes", "examples,description,both", "--seeds", "0",
                 "--limit", "6", "--rounds", "2", "--module", "from-examples", "--lm", "offline:max_programs=20000",
                 "--out", str(out)])
    assert code == 0
    result = json.loads((out / "comparison.json").read_text())
    assert result["baseline"] == "none+examples"
    modes = {name: r["mode"] for name, r in result["strategies"].items()}
    assert modes == {"none+examples": "examples", "none+description": "description", "none+both": "both"}
    for r in result["strategies"].values():
        assert 0.0 <= r["first_round_share"] <= 1.0 and r["gap_at_1"] is not None
    rows = [json.loads(line) for line in (out / "none+description" / "seed0" / "rounds.jsonl").read_text().splitlines()]
    assert {row["mode"] for line in rows for row in line["rows"]} == {"description"}
    assert "first-round share" in capsys.readouterr().out


def test_p3_runs_end_to_end_from_the_cli_with_the_offline_backend(shared_data, tmp_path, capsys):
    puzzles = shared_data("p3", "puzzles.json")
    out = tmp_path / "p3"
    assert main(["run", "--suite", f"p3:{puzzles}", "--limit", "10", "--optimizer", "none", "--lm", SMALL_LM,
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1715 puzzles, kept as they are" in printed and "--limit 10: tasks: 30 (train 10, dev 10, test 10)" in printed
    assert "round  solved@r" in printed and "conformity  correctness" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tasks"] == 10 and summary["rounds"] == 3
    assert summary["conformity_at"] == summary["correctness_at"]  # for a puzzle, what it is shown is sat
    assert json.loads((out / "suite.json").read_text())["puzzles"] == 1715
    assert json.loads((out / "program.json").read_text())["kind"] == "puzzle"
    rows = [row for line in (out / "rounds.jsonl").read_text().splitlines() for row in json.loads(line)["rows"]]
    assert len({row["task_id"] for row in rows}) == 10 and all(row["task_id"].startswith("p3/") and row["n_tests"] == 1 for row in rows)


def test_p3_refuses_what_has_no_puzzle_form_naming_what_would_do(tmp_path, capsys):
    path = tmp_path / "puzzles.json"
    path.write_text(json.dumps([{"name": f"Os{i}:0", "sat": "def sat(s: str):\n    return s == 'o'",
                                 "ans_type": "str", "sol_header": "def sol():", "sol_docstring": '    """o"""',
                                 "sol_bodies": ["    return 'o'"], "module": "m.py"} for i in range(12)]))
    common = ["run", "--suite", f"p3:{path}", "--lm", SMALL_LM, "--out", str(tmp_path / "x")]
    assert main([*common, "--module", "test-first", "--optimizer", "none"]) == 2
    err = capsys.readouterr().err
    assert "--module test-first has no puzzle form" in err and "best-of-n, check-refine, from-examples, from-spec" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("optimizer", ["joint", "labeled-random", "bootstrapped", "dspy-bootstrap"])
def test_optimizers_compile_puzzle_programs_with_sat_demos(shared_data, tmp_path, capsys, optimizer):
    puzzles = shared_data("p3", "puzzles.json")
    out = tmp_path / optimizer
    assert main(["run", "--suite", f"p3:{puzzles}", "--limit", "12", "--optimizer", optimizer, "--budget", "40",
                 "--rounds", "1", "--lm", SMALL_LM, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "puzzles judged by sat(sol())" in printed and "k=" not in printed.split("\n\n")[1]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tasks"] == 12 and summary["kind"] == "puzzle" and 0.0 <= summary["solved_at"][0] <= 1.0
    program = json.loads((out / "program.json").read_text())
    assert program["kind"] == "puzzle" and program["compiled_with"]["optimizer"] == optimizer
    demos = [d for state in program["state"].values() if isinstance(state, dict) for d in state.get("demos", [])]
    if optimizer != "joint":  # joint on a 40-call budget may stop before it sets demos
        assert demos and all("def sat" in d["sat"] and "def sol" in d["code"] for d in demos)
