"""``codeloop run`` end to end on a small suite: the run directory and its files, resuming after a
kill (SIGKILL included) without redoing recorded work, clear errors, and ``codeloop.load``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import optuna  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import codeloop  # noqa: E402
from codeloop.benchmarks import Suite, load_suite, write_jsonl_suite  # noqa: E402
from codeloop.cli import main  # noqa: E402
from codeloop.exceptions import ConfigError  # noqa: E402
from codeloop.experiments import (  # noqa: E402
    RunConfig,
    cluster_bootstrap,
    compare,
    evaluate_saved,
    holm,
    run_experiment,
    sign_test,
)
from codeloop.lm import resolve_lm  # noqa: E402

SMALL_LM = "offline:max_programs=3000"
SUMMARY_KEYS = {"tasks", "rounds", "solved_at", "conformity_at", "first_round_share", "lm_calls", "tokens",
                "wall_seconds", "trials_reused"}


@pytest.fixture(scope="module")
def suite_file(tmp_path_factory) -> Path:
    """Six train, four dev and six test tasks of the bundled suite, as a JSONL suite."""
    bundled = load_suite("bundled")
    splits = {"train": bundled.splits["train"][:6], "dev": bundled.splits["dev"][:4],
              "test": ("lists/merge_sorted", "dicts_sets/first_wins", *bundled.splits["test"][:4])}
    splits["dev"] = tuple(i for i in bundled.splits["dev"] if i not in splits["test"])[:4]
    wanted = {i for ids in splits.values() for i in ids}
    small = Suite(name="small", tasks=tuple(t for t in bundled.tasks if t.id in wanted), splits=splits)
    path = tmp_path_factory.mktemp("suite") / "small.jsonl"
    write_jsonl_suite(small, path)
    return path


def config(suite_file: Path, out: Path, **changes) -> RunConfig:
    values = dict(suite=f"jsonl:{suite_file}", lm=SMALL_LM, module="from-examples", optimizer="labeled-random",
                  budget=40, rounds=2, k=3, seed=0, workers=2, out=out)
    values.update(changes)
    return RunConfig.build(**values)


def test_a_run_writes_its_directory_and_a_summary_with_every_field(suite_file, tmp_path, sandbox):
    outcome = run_experiment(config(suite_file, tmp_path / "run"), sandbox=sandbox, say=lambda line: None)
    out = outcome.directory
    assert (out / "trials.jsonl").exists()  # empty: labeled-random scores no candidates
    for name in ("config.json", "program.json", "results.parquet", "summary.json", "summary.csv",
                 "summary.md", "solved_at.png", "rounds.jsonl", "suite.json"):
        assert (out / name).stat().st_size > 0, name
    assert not (out / "score_vs_calls.png").exists()  # labeled-random scored nothing: no empty plot
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) >= SUMMARY_KEYS
    assert summary["tasks"] == 6 and len(summary["solved_at"]) == 2 and len(summary["conformity_at"]) == 2
    assert summary["solved_at"][0] > 0  # the small synthesizer solves merge_sorted and first_wins
    assert summary["solved_at"] == sorted(summary["solved_at"])
    frame = pd.read_parquet(out / "results.parquet")
    assert summary["lm_calls"] == summary["lm_calls_optimize"] + int(frame["lm_calls"].sum())
    stored = json.loads((out / "config.json").read_text())
    assert stored["config"]["optimizer"] == "labeled-random" and stored["environment"]["dspy"].startswith("3.4")
    program = json.loads((out / "program.json").read_text())
    assert program["module"] == "from-examples" and program["compiled_with"]["optimizer"] == "labeled-random"
    assert len(program["state"]["generate"]["demos"]) == 3  # labeled-random's k reference demos


def test_a_rerun_resumes_and_redoes_nothing(suite_file, tmp_path, sandbox):
    out = tmp_path / "run"
    first = run_experiment(config(suite_file, out), sandbox=sandbox, say=lambda line: None)
    lines = (out / "rounds.jsonl").read_text().splitlines()
    # as if killed while writing the fourth task: three whole lines and half of one
    (out / "rounds.jsonl").write_text("\n".join(lines[:3]) + "\n" + lines[3][: len(lines[3]) // 2])
    said: list[str] = []
    second = run_experiment(config(suite_file, out), sandbox=sandbox, say=said.append)
    assert second.summary.tasks_reused == 3
    assert any("compiled program" in line for line in said)
    assert second.summary.solved_at == first.summary.solved_at
    assert second.summary.lm_calls_optimize == first.summary.lm_calls_optimize
    third = run_experiment(config(suite_file, out), sandbox=sandbox, say=lambda line: None)
    assert third.summary.tasks_reused == 6  # the cut line was dropped, not glued to the next task's
    with pytest.raises(ConfigError, match="was run with the LM"):
        run_experiment(config(suite_file, out, lm="offline:max_programs=50"), sandbox=sandbox)


def test_a_rerun_with_other_settings_is_refused(suite_file, tmp_path, sandbox):
    out = tmp_path / "run"
    run_experiment(config(suite_file, out, optimizer="none"), sandbox=sandbox, say=lambda line: None)
    with pytest.raises(ConfigError, match="optimizer: 'none' there, 'labeled-random' now"):
        run_experiment(config(suite_file, out), sandbox=sandbox, say=lambda line: None)


@pytest.mark.parametrize(("flag", "value", "needle"), [
    ("module", "nope", "accepted: best-of-n"),
    ("optimizer", "mipro", "accepted: none"),
    ("rounds", 0, "--rounds=0"),
    ("budget", 0, "--budget=0"),
])
def test_bad_settings_name_the_value_and_what_is_accepted(flag, value, needle, tmp_path):
    with pytest.raises(ConfigError, match=needle):
        RunConfig.build(**{flag: value, "out": tmp_path})


def test_k_beyond_what_augmentation_can_give_is_refused(suite_file, tmp_path, sandbox, capsys):
    with pytest.raises(ConfigError, match="has no test tasks"):  # 12 tests plus 6 made up < 20 + 1
        run_experiment(config(suite_file, tmp_path / "r", k=20), sandbox=sandbox)
    assert "dropped 16: too few distinct inputs" in capsys.readouterr().out
    assert not (tmp_path / "r").exists()  # nothing written for a bad run


def test_unknown_lm_and_suite_are_named(tmp_path, capsys):
    with pytest.raises(ConfigError, match="unknown LM 'gpt4'"):
        resolve_lm("gpt4")
    with pytest.raises(ConfigError, match="max_programs=N"):
        resolve_lm("offline:max=3")
    assert main(["run", "--suite", "nosuch:x", "--out", str(tmp_path / "x")]) == 2
    assert "unknown suite spec 'nosuch:x'" in capsys.readouterr().err


def test_the_offline_default_says_so(monkeypatch):
    monkeypatch.delenv("CODELOOP_LM", raising=False)
    resolved = resolve_lm(None, env={})
    assert resolved.offline and "offline backend" in resolved.notice
    assert resolve_lm(None, env={"CODELOOP_LM": SMALL_LM}).notice is None


def test_a_loaded_program_is_a_thread_safe_callable(suite_file, tmp_path, sandbox):
    outcome = run_experiment(config(suite_file, tmp_path / "run"), sandbox=sandbox, say=lambda line: None)
    program = codeloop.load(outcome.directory / "program.json", lm=SMALL_LM, sandbox=sandbox)
    solution = program(examples=[((3, 4), 7), ((10, -2), 8), ((0, 0), 0)], name="add")
    assert solution.passed_visible and solution.verdicts == ["passed"] * 3 and "def add(" in solution.code
    results: list[bool] = []
    threads = [threading.Thread(target=lambda i=i: results.append(
        program(examples=[(([1, 2, i],), 3 + i), (([],), 0), (([5],), 5)], name="total").passed_visible)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 4
    with pytest.raises(ConfigError, match=r"examples\[0\]: args must be a tuple"):
        program(examples=[(3, 4)])


def test_a_solution_runs_and_checks_its_code_in_the_sandbox_and_arguments_are_never_guessed(
        suite_file, tmp_path, sandbox):
    program = codeloop.CompiledProgram(codeloop.build_module("from-examples"), resolve_lm(SMALL_LM).lm, sandbox)
    solution = program(examples=[((3, 4), 7), ((10, -2), 8), ((0, 0), 0)], name="add")
    assert solution.passed_visible and not hasattr(solution, "passed")
    assert solution.run(20, 22) == 42  # computed in the sandbox: the app never execs the code
    check = solution.check([((1, 1), 2), ((2, 2), 5)])
    assert [v.status.value for v in check.verdicts] == ["passed", "failed"] and not check.passed
    with pytest.raises(codeloop.SolutionFailed, match="did not return a value: error") as caught:
        solution.run("a", 1)  # str + int raises in the child
    assert caught.value.verdict.error_type == "TypeError"
    with pytest.raises(ConfigError, match=r"could be one argument or the arguments themselves; write \(\[3, 1, 4\],\)"):
        program(examples=[([3, 1, 4], 3), ([5, 9, 2], 9)], name="biggest")  # three arguments, or one list?
    one_list = program(examples=[([3, 1, 4], 4), ([7], 7), ([2, 8], 8)], name="biggest")  # lengths differ: one list
    assert one_list.run([1, 5, 2]) == 5


def test_the_offline_backend_says_so_and_warns_on_description_only_calls(suite_file, tmp_path, sandbox, monkeypatch):
    outcome = run_experiment(config(suite_file, tmp_path / "run", optimizer="none"), sandbox=sandbox,
                             say=lambda line: None)
    monkeypatch.delenv("CODELOOP_LM", raising=False)
    with pytest.warns(UserWarning, match="offline backend"):
        program = codeloop.load(outcome.directory / "program.json", sandbox=sandbox)
    assert program.offline
    with pytest.warns(UserWarning, match="synthesizes code from examples only"):
        program(description="count the words", name="words")


@pytest.mark.slow
def test_a_sigkilled_joint_run_continues_where_it_stopped(suite_file, tmp_path):
    out = tmp_path / "run"
    command = [sys.executable, "-m", "codeloop.cli", "run", "--suite", f"jsonl:{suite_file}", "--lm", SMALL_LM,
               "--module", "from-examples", "--optimizer", "joint", "--budget", "400", "--rounds", "2",
               "--out", str(out), "--workers", "1"]
    victim = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    database = out / "trials.db"
    deadline = time.monotonic() + 300
    complete = 0
    while time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.05)  # a quiet machine finishes the search soon after trial 2
        if database.exists():
            try:
                study = optuna.load_study(study_name="codeloop-joint", storage=f"sqlite:///{database}")
                complete = len([t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE])
            except Exception:  # the study is still being created
                continue
            if complete >= 2:
                break
    assert victim.poll() is None, "the run finished before it could be killed; give it more work"
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    assert not (out / "program.json").exists()
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trials_reused"] >= complete >= 2
    study = optuna.load_study(study_name="codeloop-joint", storage=f"sqlite:///{database}")
    assert not [t for t in study.trials if t.state == optuna.trial.TrialState.RUNNING]


# -- compare and eval ---------------------------------------------------------------------


def test_the_task_bootstrap_gives_the_baseline_a_zero_difference_and_catches_a_constant_gain():
    import numpy as np

    rng = np.random.default_rng(0)
    base = rng.integers(0, 2, size=200).astype(float)
    better = base.copy()
    better[np.flatnonzero(base == 0)[:30]] = 1.0  # 30 more units solved, none lost
    low, high, diff_low, diff_high = cluster_bootstrap(np.array([base, better]), 0, resamples=500)
    assert diff_low[0] == diff_high[0] == 0.0
    assert 0 < diff_low[1] <= 0.15 <= diff_high[1]  # a paired gain of exactly 30/200
    assert low[1] < better.mean() < high[1]


def test_sign_test_and_holm_are_exact():
    assert sign_test([1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 0, 0]) == (5, 0, 2 / 32)
    assert sign_test([1, 0, 0.5], [0, 1, 0.5]) == (1, 1, 1.0)
    assert sign_test([0, 0], [0, 0]) == (0, 0, 1.0)
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])  # 3p, then max(2p, before), then p
    assert holm([0.5, 0.001]) == pytest.approx([0.5, 0.002])


def test_identical_seeds_do_not_narrow_the_interval(suite_file, tmp_path, sandbox):
    """The tasks are the same for every seed: a strategy whose results do not depend on the seed
    (``none``) gets the same interval from two seeds as from one (a bootstrap over (seed, task)
    pairs narrowed it), and is marked as not varying across seeds."""
    base = config(suite_file, tmp_path / "c", optimizer="none")
    one = compare(["none", "labeled-random"], [0], base.model_copy(update={"out": tmp_path / "one"}),
                  sandbox=sandbox, lm=resolve_lm(SMALL_LM).lm, say=lambda line: None)
    two = compare(["none", "labeled-random"], [0, 1], base.model_copy(update={"out": tmp_path / "two"}),
                  sandbox=sandbox, lm=resolve_lm(SMALL_LM).lm, say=lambda line: None)
    a, b = one.strategies["none"], two.strategies["none"]
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert two.tasks == one.tasks == 6 and two.seeds == 2
    assert b.varies_with_seed is False


def test_compare_writes_means_intervals_and_paired_differences_and_resumes(suite_file, tmp_path, sandbox):
    base = config(suite_file, tmp_path / "cmp", optimizer="none")
    said: list[str] = []
    result = compare(["none", "labeled-random"], [0, 1], base, sandbox=sandbox, resamples=300, say=said.append)
    stored = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    assert stored["baseline"] == "none" and set(stored["strategies"]) == {"none", "labeled-random"}
    for entry in stored["strategies"].values():
        assert {"mean", "ci_low", "ci_high", "lm_calls", "seeds", "diff", "diff_ci_low", "diff_ci_high"} <= set(entry)
        assert entry["ci_low"] <= entry["mean"] <= entry["ci_high"] and entry["seeds"] == [0, 1]
    assert stored["strategies"]["none"]["diff"] == 0.0
    assert (tmp_path / "cmp" / "labeled-random" / "seed1" / "summary.json").exists()
    assert (tmp_path / "cmp" / "comparison.png").stat().st_size > 0
    said.clear()
    again = compare(["none", "labeled-random"], [0, 1], base, sandbox=sandbox, resamples=300, say=said.append)
    assert again.strategies == result.strategies
    assert sum("test tasks already evaluated" in line for line in said) == 4  # every cell resumed, nothing redone
    with pytest.raises(ConfigError, match="unknown optimizer 'nope'"):
        compare(["none", "nope"], [0], base, sandbox=sandbox)


def test_compare_gives_a_strategy_its_own_budget_with_name_at_budget(suite_file, tmp_path, sandbox):
    base = config(suite_file, tmp_path / "cmp", budget=40)
    result = compare(["none", "random-search@2"], [0], base, sandbox=sandbox, resamples=100, say=lambda line: None)
    cell = tmp_path / "cmp" / "random-search@2" / "seed0"
    assert json.loads((cell / "config.json").read_text())["config"]["budget"] == 2
    assert json.loads((cell / "config.json").read_text())["config"]["optimizer"] == "random-search"
    assert 0 < result.strategies["random-search@2"].lm_calls <= 2
    with pytest.raises(ConfigError, match="'joint@lots'.*whole number"):
        compare(["none", "joint@lots"], [0], base, sandbox=sandbox)


def test_eval_runs_a_saved_program_on_another_suite_split(suite_file, tmp_path, sandbox):
    first = run_experiment(config(suite_file, tmp_path / "run"), sandbox=sandbox, say=lambda line: None)
    outcome = evaluate_saved(first.directory / "program.json", config(suite_file, tmp_path / "eval", rounds=1),
                             sandbox=sandbox, say=lambda line: None)
    assert outcome.summary.tasks == 6 and outcome.summary.rounds == 1 and outcome.summary.module == "from-examples"
    assert outcome.summary.solved_at[0] == first.summary.solved_at[0]  # same program, same round 1
    with pytest.raises(ConfigError, match="expected 'codeloop-program/1'"):
        bad = tmp_path / "bad.json"
        bad.write_text("{}")
        evaluate_saved(bad, config(suite_file, tmp_path / "eval2"), sandbox=sandbox)
    assert main(["eval", str(tmp_path / "missing.json"), "--out", str(tmp_path / "e3")]) == 2
    other = run_experiment(config(suite_file, tmp_path / "other", optimizer="none"), sandbox=sandbox,
                           say=lambda line: None)
    before = (other.directory / "program.json").read_text()
    with pytest.raises(ConfigError, match="another program"):  # nothing of the other run is overwritten
        evaluate_saved(first.directory / "program.json", config(suite_file, other.directory, optimizer="none"),
                       sandbox=sandbox)
    assert (other.directory / "program.json").read_text() == before


def test_dry_run_estimates_without_calling_anything(suite_file, tmp_path, capsys):
    out = tmp_path / "dry"
    assert main(["run", "--dry-run", "--suite", f"jsonl:{suite_file}", "--optimizer", "joint", "--budget", "20",
                 "--module", "check-refine", "--rounds", "2", "--out", str(out)]) == 0
    line = capsys.readouterr().out
    assert "capped at 20 by --budget 20" in line and "makes at most 36" in line  # 6 tasks x 2 rounds x 3 calls
    assert not out.exists()


@pytest.mark.slow
def test_a_full_pipeline_runs_over_http_against_the_local_server(suite_file, tmp_path, capsys):
    """Module + optimizer + evaluation over rounds, through dspy.LM('openai/...') and real HTTP."""
    from codeloop.lm import SynthesisResponder, serve
    from codeloop.lm.synth import SearchBudget

    with serve(SynthesisResponder(budget=SearchBudget(max_programs=3000))) as handle:
        code = main(["run", "--suite", f"jsonl:{suite_file}", "--lm", "openai/codeloop-offline", "--api-base",
                     handle.url, "--module", "check-refine", "--optimizer", "joint", "--budget", "30",
                     "--rounds", "2", "--workers", "1", "--out", str(tmp_path / "http")])
    assert code == 0, capsys.readouterr().err[-2000:]
    summary = json.loads((tmp_path / "http" / "summary.json").read_text())
    stored = json.loads((tmp_path / "http" / "config.json").read_text())
    assert stored["lm_resolved"] == "openai/codeloop-offline"
    assert 0 < summary["lm_calls_optimize"] <= 30 and summary["lm_calls"] > summary["lm_calls_optimize"]
    assert summary["solved_at"][-1] > 0 and summary["trials"] > 0
    choice = json.loads((tmp_path / "http" / "optimization.json").read_text())["choice"]
    assert isinstance(choice["as_given"], bool) and str(choice["trial"]) in choice["finalists"]


def test_a_run_can_be_logged_to_mlflow(suite_file, tmp_path, sandbox, monkeypatch):
    mlflow = pytest.importorskip("mlflow", reason="the mlflow extra is not installed")
    monkeypatch.chdir(tmp_path)  # MLflow puts artifacts in ./mlruns beside a database store
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    outcome = run_experiment(config(suite_file, tmp_path / "run"), sandbox=sandbox, say=lambda line: None,
                             mlflow_uri=uri)
    client = mlflow.MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("codeloop").experiment_id])
    assert len(runs) == 1
    run = runs[0]
    assert run.data.params["optimizer"] == "labeled-random" and run.info.status == "FINISHED"
    history = client.get_metric_history(run.info.run_id, "solved_at")
    assert [m.value for m in sorted(history, key=lambda m: m.step)] == outcome.summary.solved_at
    assert run.data.metrics["lm_calls"] == outcome.summary.lm_calls
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"summary.json", "program.json", "solved_at.png"} <= artifacts


def test_the_readmes_app_example_runs_as_written(suite_file, tmp_path, sandbox):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Embed a compiled program in your app", 1)[1]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    run_experiment(config(suite_file, tmp_path / "codeloop-runs" / "default", optimizer="none"), sandbox=sandbox,
                   say=lambda line: None)
    env = {**os.environ, "PYTHONPATH": str(Path(codeloop.__file__).resolve().parents[1])}
    env.pop("CODELOOP_LM", None)
    done = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, done.stderr
    code, rest = done.stdout.split("\n\n", 1)  # the printed code ends with a newline of its own
    assert code.startswith("def add(") and "return" in code
    assert rest.splitlines() == ["['passed', 'passed', 'passed']", "True", "42", "True"], done.stdout


def test_the_summary_says_how_the_program_was_chosen_and_when_the_budget_was_short():
    from codeloop.experiments._report import budget_note, how_chosen, markdown_table

    kept = {"choice": {"trial": 0, "as_given": True, "scored_on": "all of dev", "finalists": {"0": 0.083, "5": 0.111},
                       "sign_test_p": 0.5, "best_finalist": 5, "wins": 1, "losses": 0, "tested_on": 28,
                       "accept_alpha": 0.1},
            "trials": [{"number": 0, "params": {"optuna_trial": 0}}, {"number": 1, "params": {"optuna_trial": 5}}]}
    said = how_chosen("joint", kept)  # trials are named by their trials.jsonl row, Optuna's number aside
    assert "the program as given (trial 0, 0.083 on all of dev)" in said
    assert "trial 1 (Optuna's 5) (0.111), won 1 and lost 0 of 28 held-out tasks" in said and "p = 0.500 > 0.1" in said
    assert how_chosen("none", {}) == "no optimizer: the module as given"
    assert "below the optimizer's own estimate (651)" in budget_note(150, {"estimate": 651})
    assert budget_note(150, {"estimate": 100}) == ""
    table = markdown_table(pd.DataFrame({"round": [1], "solved@r": [0.1234567], "gap": [None]}))
    assert table.splitlines() == ["| round | solved@r | gap |", "|---|---|---|", "| 1 | 0.123 | - |"]


def test_the_cli_prints_no_optuna_log_lines(suite_file, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(codeloop.__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-m", "codeloop.cli", "run", "--suite", f"jsonl:{suite_file}", "--lm",
                           SMALL_LM, "--module", "from-examples", "--optimizer", "joint", "--budget", "20",
                           "--rounds", "1", "--out", str(tmp_path / "r")], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "A new study created" not in done.stdout + done.stderr
    assert "chosen: " in done.stdout and "shares of those open tasks" in done.stdout


def test_no_empty_plot_and_the_same_test_tasks_for_every_seed(tmp_path, capsys):
    rows = [{"id": f"own/{n}", "entry_point": "double", "examples": [{"args": [i], "expected": 2 * i} for i in range(3)],
             "hidden_tests": [{"args": [i], "expected": 2 * i} for i in range(3, 6)],
             "reference": "def double(x):\n    return 2 * x\n"} for n in range(30)]  # no split: seeded
    suite = tmp_path / "s.jsonl"
    suite.write_text("".join(json.dumps(r) + "\n" for r in rows))
    tested = []
    for seed in (0, 1):
        out = tmp_path / f"seed{seed}"
        assert main(["run", "--suite", f"jsonl:{suite}", "--optimizer", "none", "--lm", SMALL_LM, "--rounds", "1",
                     "--module", "from-examples", "--seed", str(seed), "--limit", "4", "--out", str(out)]) == 0
        assert (out / "solved_at.png").exists() and not (out / "score_vs_calls.png").exists()
        tested.append(sorted(json.loads(line)["task"] for line in (out / "rounds.jsonl").read_text().splitlines()))
    assert tested[0] == tested[1] and len(tested[0]) == 4
    assert "score_vs_calls.png" not in capsys.readouterr().out
