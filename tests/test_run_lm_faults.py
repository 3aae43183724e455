"""Runs survive LM faults: ``codeloop run`` against ``serve-lm`` stops within seconds with one
line when the LM is gone (every finished task kept, the same command resumes), goes on past
``--max-lm-errors`` failed rounds (recorded, left out of the score, evaluated again on resume),
and, soaked in injected faults, gives exactly the results of a run against a clean server."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import dspy  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from dspy.clients.cache import Cache  # noqa: E402

from codeloop.benchmarks import Suite, load_suite, write_jsonl_suite  # noqa: E402
from codeloop.cli import main  # noqa: E402
from codeloop.execution import Sandbox  # noqa: E402
from codeloop.experiments import RunConfig, compare, run_experiment  # noqa: E402
from codeloop.lm import FaultPlan, RetryPolicy, SynthesisResponder, resolve_lm, retry_stats, serve  # noqa: E402

MODEL = "openai/codeloop-offline"


@pytest.fixture(scope="module")
def suite_file(tmp_path_factory) -> Path:
    """Six train, four dev and eight test tasks of the bundled suite, as a JSONL suite."""
    bundled = load_suite("bundled")
    test = ("lists/merge_sorted", "dicts_sets/first_wins", *bundled.splits["test"][:6])
    splits = {"train": bundled.splits["train"][:6], "test": test,
              "dev": tuple(i for i in bundled.splits["dev"] if i not in test)[:4]}
    wanted = {i for ids in splits.values() for i in ids}
    small = Suite(name="small", tasks=tuple(t for t in bundled.tasks if t.id in wanted), splits=splits)
    path = tmp_path_factory.mktemp("suite") / "small.jsonl"
    write_jsonl_suite(small, path)
    return path


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(workers=2) as box:
        yield box


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """DSPy's cache of this test's own: calls reach the server, whatever ran before."""
    monkeypatch.setattr(dspy, "cache", Cache(True, True, str(tmp_path / "dspy-cache")))


def new_cache(tmp_path: Path, name: str) -> None:
    dspy.cache = Cache(True, True, str(tmp_path / name))


def synthesizer() -> SynthesisResponder:
    return SynthesisResponder(max_programs=3000)


def run_args(suite_file: Path, url: str, out: Path, *extra: str) -> list[str]:
    return ["run", "--suite", f"jsonl:{suite_file}", "--lm", MODEL, "--api-base", url, "--module", "from-examples",
            "--optimizer", "none", "--rounds", "2", "--workers", "2", "--out", str(out), *extra]


def rows_of(out: Path) -> pd.DataFrame:
    frame = pd.read_parquet(out / "results.parquet")
    return frame.sort_values(["task_id", "round", "sample"]).reset_index(drop=True)


def same_results(a: pd.DataFrame, b: pd.DataFrame, *, resumed: bool = False) -> None:
    """Equal rows but for the time taken; after a resume also but for the tokens, which DSPy
    does not report for calls it replays from its cache (the honest-totals part of issue 15)."""
    ignored = {"latency_s", "tokens"} if resumed else {"latency_s"}
    columns = [c for c in a.columns if c not in ignored]
    pd.testing.assert_frame_equal(a[columns], b[columns])


def test_a_dead_lm_stops_the_run_in_seconds_with_one_line_and_the_same_command_resumes(
        suite_file, tmp_path, capsys, fresh_cache):
    """Before: the remaining tasks kept retrying for minutes, four tracebacks, most work lost."""
    responder, answered = synthesizer(), []

    with serve(responder) as handle:
        def die_after_four(messages, params):  # the server goes bad after four answers
            text = responder(messages, params)
            answered.append(1)
            if len(answered) == 4:
                handle.faults = FaultPlan(error_rate=1.0)
            return text

        handle.responder = die_after_four
        began = time.monotonic()
        code = main(run_args(suite_file, handle.url, tmp_path / "run", "--lm-retries", "2", "--lm-timeout", "5"))
        elapsed = time.monotonic() - began
    err = capsys.readouterr().err
    assert code == 3, err[-3000:]
    errors = [line for line in err.splitlines() if line.startswith("codeloop: error:")]
    assert len(errors) == 1 and "Traceback" not in err, err[-3000:]
    line = errors[0]
    assert "failed on all 3 attempts of one call (3 http_5xx)" in line and "run the same command again" in line
    kept = [json.loads(x) for x in (tmp_path / "run" / "rounds.jsonl").read_text().splitlines()]
    assert 1 <= len(kept) < 8 and f"{len(kept)} of 8 test tasks are checkpointed" in line
    assert elapsed < 30  # the first call to give up ends the run (its retries take 1.5 s at most)

    with serve(synthesizer()) as healthy:  # the same command, against a server that works again
        assert main(run_args(suite_file, healthy.url, tmp_path / "run")) == 0
    out = capsys.readouterr().out
    assert f"resuming: {len(kept)} of 8 test tasks already evaluated" in out
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["tasks"] == 8 and summary["tasks_reused"] == len(kept) and summary["lm_errors"] == 0

    new_cache(tmp_path, "clean-cache")
    with serve(synthesizer()) as clean:
        assert main(run_args(suite_file, clean.url, tmp_path / "clean")) == 0
    same_results(rows_of(tmp_path / "run"), rows_of(tmp_path / "clean"), resumed=True)


def test_past_max_lm_errors_a_failed_task_is_recorded_left_out_and_evaluated_again_on_resume(
        suite_file, tmp_path, capsys, fresh_cache):
    responder, broken = synthesizer(), threading.Event()
    broken.set()

    def fails_on_first_wins(messages, params):  # every call for one task fails, retries included
        if broken.is_set() and any("def first_wins(" in str(m.get("content")) for m in messages):
            raise RuntimeError("this task's calls fail")
        return responder(messages, params)

    with serve(fails_on_first_wins) as handle:
        code = main(run_args(suite_file, handle.url, tmp_path / "run", "--lm-retries", "1", "--max-lm-errors", "2"))
    captured = capsys.readouterr()
    assert code == 0, captured.err[-3000:]
    assert "LM errors: 1 test task rounds failed on every retry; those 1 tasks are left out" in captured.out
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert (summary["tasks"], summary["lm_errors"], summary["tasks_left_out"]) == (7, 1, 1)
    frame = rows_of(tmp_path / "run")
    failed = frame[frame["state"] == "lm_error"]
    assert failed[["task_id", "round", "code"]].values.tolist() == [["dicts_sets/first_wins", 1, ""]]

    broken.clear()
    with serve(fails_on_first_wins) as handle:
        assert main(run_args(suite_file, handle.url, tmp_path / "run")) == 0
    assert "7 of 8 test tasks already evaluated; 1 whose LM failed are evaluated again" in capsys.readouterr().out
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert (summary["tasks"], summary["lm_errors"], summary["tasks_left_out"]) == (8, 0, 0)
    assert (rows_of(tmp_path / "run")["state"] == "ok").all()


# ---------------------------------------------------------------------------------------------
# The soak
# ---------------------------------------------------------------------------------------------

SOAK_FAULTS = FaultPlan(seed=20, error_rate=0.10, rate_limit_rate=0.05, retry_after_s=0.05, timeout_rate=0.02,
                        timeout_hold_s=6, malformed_rate=0.05, malformed_kinds=("invalid_json",), empty_rate=0.02)
CLIENT_KINDS = {"http_500": "http_5xx", "http_429": "http_429", "malformed": "malformed", "empty": "empty"}


def soak_lm(url: str):
    policy = RetryPolicy(retries=12, timeout=4.0, backoff_s=0.05, max_backoff_s=0.5)
    return resolve_lm(MODEL, api_base=url, retry=policy).lm


def soak_config(suite_file: Path, out: Path, **changes) -> RunConfig:
    values = dict(suite=f"jsonl:{suite_file}", lm=MODEL, module="check-refine", optimizer="labeled-random",
                  budget=24, rounds=2, k=3, seed=0, workers=2, out=out)
    return RunConfig.build(**{**values, **changes})


@pytest.mark.slow
def test_soak_runs_and_comparisons_under_injected_faults_match_clean_ones(suite_file, tmp_path, sandbox):
    """10% HTTP 500, 5% 429, 2% timeouts, 5% malformed and 2% empty replies: every fault is
    retried, none ends the run or reaches the results, which equal a clean server's exactly."""
    outcomes, figures = {}, {}
    for name, faults in (("clean", FaultPlan()), ("faulty", SOAK_FAULTS)):
        new_cache(tmp_path, f"cache-{name}")
        began = time.monotonic()
        with serve(synthesizer(), faults=faults) as handle:
            lm = soak_lm(handle.url)
            run = run_experiment(soak_config(suite_file, tmp_path / name / "run"), sandbox=sandbox, lm=lm,
                                 say=lambda line: None)
            comparison = compare(["none", "labeled-random"], [0, 1],
                                 soak_config(suite_file, tmp_path / name / "compare"), sandbox=sandbox, lm=lm,
                                 resamples=200, say=lambda line: None)
            figures[name] = {"requests": handle.requests, "injected": handle.errors_injected,
                             "client": retry_stats(lm), "wall_s": time.monotonic() - began}
        outcomes[name] = (run, comparison)
    print(f"\nsoak figures: {json.dumps(figures)}")

    clean, faulty = outcomes["clean"], outcomes["faulty"]
    same_results(clean[0].frame.sort_values(["task_id", "round", "sample"]).reset_index(drop=True),
                 faulty[0].frame.sort_values(["task_id", "round", "sample"]).reset_index(drop=True))
    assert clean[0].summary.solved_at == faulty[0].summary.solved_at and faulty[0].summary.lm_errors == 0
    assert clean[1].model_dump(exclude={"provenance"}) == faulty[1].model_dump(exclude={"provenance"})  # when, not what
    for strategy in ("none", "labeled-random"):
        for seed in (0, 1):
            cell = Path(strategy) / f"seed{seed}"
            same_results(rows_of(tmp_path / "clean" / "compare" / cell), rows_of(tmp_path / "faulty" / "compare" / cell))

    injected, client = figures["faulty"]["injected"], figures["faulty"]["client"]
    assert figures["clean"]["client"]["retries"] == 0 and sum(figures["clean"]["injected"].values()) == 0
    assert all(injected[kind] > 0 for kind in ("http_500", "http_429", "malformed", "empty")), injected
    assert client["given_up"] == 0
    for server_kind, client_kind in CLIENT_KINDS.items():  # every injected fault was seen and retried
        assert client["faults"][client_kind] == injected[server_kind], (server_kind, injected, client)
    assert client["faults"]["timeout"] >= injected["timeout"]
    assert client["retries"] == sum(client["faults"].values()) >= sum(injected.values())
    assert client["calls"] == figures["clean"]["client"]["calls"]


def test_a_dead_lm_during_optimizing_ends_the_run_with_one_line(suite_file, tmp_path, capsys, fresh_cache):
    responder, answered = synthesizer(), []
    with serve(responder) as handle:
        def die_after_two(messages, params):
            answered.append(1)
            if len(answered) == 2:
                handle.faults = FaultPlan(error_rate=1.0)
            return responder(messages, params)

        handle.responder = die_after_two
        args = run_args(suite_file, handle.url, tmp_path / "run", "--lm-retries", "2")
        args[args.index("none")] = "bootstrapped"  # bootstraps demos on the train tasks, two at a time
        args[args.index(f"jsonl:{suite_file}")] = "bundled"  # 91 train tasks: most still to do when the LM dies
        code = main(args)
        requests = handle.requests
    err = capsys.readouterr().err
    assert code == 3 and "Traceback" not in err, err[-3000:]
    assert [line for line in err.splitlines() if line.startswith("codeloop: error:")][-1].endswith(
        "run the same command again to resume")
    # Two answers, then the two calls in flight, three attempts each (one more call may have
    # started as the first gave up); before, every train task still went on to be tried.
    assert requests <= 2 + 3 * 3  # (wall time is not asserted: this machine is shared; requests tell)
