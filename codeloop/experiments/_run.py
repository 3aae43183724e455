"""``codeloop run``: optimize a module on train/dev, evaluate it over rounds on test, report.

A run directory holds everything, written as soon as it exists, so a run killed at any
point (SIGKILL included) continues where it stopped when started again with the same
``--out``:

* ``config.json``: the resolved configuration, package versions and seeds;
* ``trials.db``: the optimizer's Optuna study (joint search), ``trials.jsonl``: every trial;
* ``program.json``: the compiled program (written once optimizing is done; its presence
  means optimizing is not repeated);
* ``rounds.jsonl``: each test task's rows, appended as the task finishes;
* ``results.parquet``, ``summary.json``/``.csv``/``.md`` and the plots, at the end.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .._files import write_json_atomically
from .._progress import Progress
from ..benchmarks import Preparation, Suite, prepare_suite, suite_kind
from ..benchmarks.rounds import RoundsConfig, run_rounds, summarize, to_frame
from ..exceptions import ConfigError
from ..execution import Sandbox
from ..lm import resolve_lm
from ..modules import as_program, build_module
from ..optimizers import (
    build_optimizer,
    load_program,
    optimizer_class,
    save_program,
    save_trials,
    task_examples,
)
from ._config import RunConfig, check_against_suite, environment
from ._report import RunSummary, write_plots, write_summary

logger = logging.getLogger(__name__)

#: With no LM configured, runs use the offline backend with a 30,000-program search per call:
#: about a third of a call's default budget, so a whole default run takes minutes on 2 cores
#: (the synthesizer runs in this process, so evaluation threads share one core's worth of it).
RUN_DEFAULT_LM = "offline:max_programs=30000"


@dataclass
class RunOutcome:
    directory: Path
    summary: RunSummary
    frame: pd.DataFrame


def lm_identity(lm: Any) -> str:
    """What the results depend on: the model, and the offline backend's search budget."""
    engine = getattr(lm, "engine", None)
    budget = getattr(getattr(engine, "responder", None), "budget", None)
    model = str(getattr(lm, "model", type(lm).__name__))
    return f"{model} (max_programs={budget.max_programs})" if budget is not None else model


def _prepare_directory(config: RunConfig, lm_name: str) -> dict[str, Any]:
    """Create the run directory, or check that it belongs to the same experiment; the state so far."""
    out = config.out
    config_path = out / "config.json"
    state_path = out / "state.json"
    if config_path.exists():
        record = json.loads(config_path.read_text())
        stored = RunConfig.build(**record["config"])
        if record["lm_resolved"] != lm_name:
            raise ConfigError(f"{out} was run with the LM {record['lm_resolved']!r}, not {lm_name!r}; mixing two "
                              "LMs in one run would mix their results: choose another --out or the same LM")
        changed = config.differences(stored)
        if changed:
            details = ", ".join(f"{f}: {getattr(stored, f)!r} there, {getattr(config, f)!r} now" for f in changed)
            raise ConfigError(f"{out} holds a different run ({details}); choose another --out or the same settings")
        return json.loads(state_path.read_text()) if state_path.exists() else {}
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomically(config_path, {"config": config.model_dump(mode="json"), "lm_resolved": lm_name,
                                        "environment": environment(),
                                        "seeds": {"optimizer": config.seed, "rounds": config.seed,
                                                  "splits": config.seed}})
    return {}


def _cut_partial_line(path: Path) -> None:
    """Drop a last line a kill cut short, so the next task's line does not append to it."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


def _read_rows(path: Path) -> list[dict]:
    """The rows of every task finished so far: one line per task, so a line cut short by a
    kill loses only that task, which is then run again."""
    rows = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                rows += json.loads(line)["rows"]
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
    return rows


def run_experiment(config: RunConfig, *, sandbox: Sandbox | None = None, lm: Any = None,
                   say: Callable[[str], None] = print, mlflow_uri: str | None = None) -> RunOutcome:
    """Run (or resume) the experiment ``config`` describes; returns the summary and the rows.

    ``lm`` (a ``dspy.BaseLM``) overrides ``config.lm``, e.g. for an LM object built in code.
    ``mlflow_uri`` also logs the finished run to MLflow (needs the ``mlflow`` extra).
    """
    began = time.perf_counter()
    if lm is None:  # bad settings fail before anything is written
        resolved = resolve_lm(config.lm, api_base=config.api_base, default=RUN_DEFAULT_LM)
        if resolved.notice:
            say(f"note: {resolved.notice}")
        lm = resolved.lm
    own_sandbox = sandbox is None
    sandbox = sandbox or Sandbox(workers=config.workers)
    try:
        suite, preparation = prepared_suite(config, sandbox, say)
        train, dev, test = suite.split("train"), suite.split("dev"), suite.split("test")
        kind = suite_kind(suite.tasks, f"suite {config.suite!r}")
        state = _prepare_directory(config, lm_identity(lm))
    except BaseException:
        if own_sandbox:
            sandbox.close()
        raise
    out = config.out
    write_json_atomically(out / "suite.json", preparation.model_dump(mode="json"))
    wall_before = state.get("wall_seconds", 0.0)

    def checkpoint_state() -> None:  # so a killed run's time still counts
        state["wall_seconds"] = wall_before + time.perf_counter() - began
        write_json_atomically(out / "state.json", state)

    rounds_config = RoundsConfig(k=config.shown, rounds=config.rounds, seed=config.seed, mode=config.mode)
    try:
        program, optimization = _optimized_program(config, lm, sandbox, train, dev, rounds_config, say, kind)
        checkpoint_state()
        rows = _evaluate(config, program, lm, sandbox, test, rounds_config, state, say, checkpoint_state)
    finally:
        if own_sandbox:
            sandbox.close()
    checkpoint_state()
    frame = to_frame(rows)
    rounds_summary = summarize(frame, config.rounds)
    summary = RunSummary.of(config, rounds_summary, optimization, wall_seconds=state["wall_seconds"],
                            tasks_reused=state.get("tasks_reused", 0))
    frame.to_parquet(out / "results.parquet", index=False)
    write_summary(summary, out)
    write_plots(summary, optimization.get("trials", []), out)
    if mlflow_uri:
        from ._tracking import track_in_mlflow

        say(f"logged to MLflow at {mlflow_uri}: run {track_in_mlflow(mlflow_uri, config, summary, out)}")
    return RunOutcome(out, summary, frame)


def estimate_run(config: RunConfig) -> dict[str, int]:
    """A dry run: the LM calls the optimizer would make at most (capped by the budget) and the
    evaluation's upper bound (every test task failing every round). Nothing is called."""
    from ..modules import max_lm_calls

    with Sandbox(workers=config.workers) as sandbox:
        suite, _ = prepared_suite(config, sandbox, lambda line: None)
    train, dev, test = suite.split("train"), suite.split("dev"), suite.split("test")
    student = build_module(config.module, kind=suite_kind(suite.tasks, f"suite {config.suite!r}"))
    optimizer = build_optimizer(config.optimizer, budget=config.budget, seed=config.seed)
    wanted = optimizer.estimate_calls(student, len(train), len(dev)) if optimizer is not None else 0
    return {"optimize_estimate": wanted, "optimize_cap": min(wanted, config.budget),
            "evaluate_at_most": len(test) * config.rounds * max_lm_calls(student)}


def prepared_suite(config: RunConfig, sandbox: Sandbox, say: Callable[[str], None]) -> tuple[Suite, Preparation]:
    """``config.suite`` with every task runnable in rounds (converted where needed, cached), cut
    to ``config.limit`` per split, and checked against the run's settings; what was done is said."""
    suite, preparation = prepare_suite(config.suite, sandbox, k=config.shown, seed=config.seed,
                                       skip_bad=config.skip_bad, limit=config.limit)
    for line in preparation.lines():
        say(line)
    if config.limit is not None:
        say(f"--limit {config.limit}: {suite.summary_line()}")
    check_against_suite(config, suite)
    return suite, preparation


def program_digest(record: dict[str, Any]) -> str:
    """12 hex digits naming a saved program's record (``codeloop eval``'s default directory is named by it)."""
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:12]


def evaluate_saved(program_path: str | Path, config: RunConfig, *, sandbox: Sandbox | None = None, lm: Any = None,
                   say: Callable[[str], None] = print) -> RunOutcome:
    """``codeloop eval``: a saved program over the rounds on ``config.suite``'s test split.

    The program is copied into the run directory as its ``program.json``, so the evaluation
    resumes like a run whose optimizing is done. A directory holding another run, or another
    program, is refused before anything is written.
    """
    load_program(program_path)  # a missing or malformed file raises its precise error here
    record = json.loads(Path(program_path).read_text())
    config = RunConfig.build(**{**config.model_dump(), "module": record["module"], "optimizer": "none"})
    out = config.out
    if (out / "config.json").exists():
        stored = RunConfig.build(**json.loads((out / "config.json").read_text())["config"])
        changed = config.differences(stored)
        if changed:
            raise ConfigError(f"{out} holds a different run (differs in {', '.join(changed)}); choose another --out")
    if (out / "program.json").exists():
        held = json.loads((out / "program.json").read_text())
        if program_digest(held) != program_digest(record):
            raise ConfigError(f"{out} holds the evaluation of another program; choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomically(out / "program.json", record)
    write_json_atomically(out / "optimization.json",
                          {"optimizer": "none", "budget": config.budget, "lm_calls": 0, "tokens": 0, "trials": [],
                           "trials_reused": 0, "budget_exhausted": False, "evaluated_from": str(program_path)})
    return run_experiment(config, sandbox=sandbox, lm=lm, say=say)


def _optimized_program(config: RunConfig, lm, sandbox: Sandbox, train, dev, rounds_config: RoundsConfig,
                       say, kind: str = "function") -> tuple[Any, dict[str, Any]]:
    out = config.out
    program_path, optimization_path = out / "program.json", out / "optimization.json"
    if program_path.exists() and optimization_path.exists():
        optimization = json.loads(optimization_path.read_text())
        program, meta = load_program(program_path, sandbox=sandbox)
        if meta["kind"] != kind:
            raise ConfigError(f"{program_path} is a program for {meta['kind']} tasks, but suite {config.suite!r} "
                              f"holds {kind} tasks; evaluate it on a suite of its kind")
        optimization["trials_reused"] = len(optimization.get("trials", []))
        say(f"resuming: the compiled program in {program_path} is reused ({optimization['trials_reused']} trials)")
        return program, optimization
    student = build_module(config.module, sandbox=sandbox, kind=kind)
    settings: dict[str, Any] = {"budget": config.budget, "seed": config.seed, "sandbox": sandbox, "lm": lm,
                                "num_threads": config.workers, "trial_log": out / "trials.jsonl"}
    if config.optimizer != "none" and "storage" in optimizer_class(config.optimizer).param_names():
        settings["storage"] = f"sqlite:///{(out / 'trials.db').resolve()}"  # a resumable study
    optimizer = build_optimizer(config.optimizer, **settings)
    optimization: dict[str, Any] = {"optimizer": config.optimizer, "budget": config.budget, "lm_calls": 0,
                                    "tokens": 0, "trials": [], "trials_reused": 0, "budget_exhausted": False}
    if optimizer is None:
        program = student
    else:
        trainset, devset = task_examples(train, rounds_config), task_examples(dev, rounds_config)
        estimate = optimizer.estimate_calls(student, len(trainset), len(devset))
        say(f"optimizing {config.module} with {config.optimizer}: budget {config.budget} LM calls "
            f"(estimated need {estimate}), {len(trainset)} train and {len(devset)} dev tasks")
        began = time.perf_counter()
        program = optimizer.compile(student, trainset=trainset, valset=devset)
        optimization.update(lm_calls=optimizer.spend.calls, tokens=optimizer.spend.tokens,
                            trials=[t.model_dump() for t in optimizer.trials],
                            trials_reused=int(getattr(optimizer, "trials_reused", 0)),
                            budget_exhausted=optimizer.budget_exhausted, estimate=estimate,
                            choice=getattr(optimizer, "choice", None),
                            wall_seconds=time.perf_counter() - began)
        if optimizer.budget_exhausted:
            say(f"the budget of {config.budget} LM calls ran out; using the best candidate found")
    save_trials(optimizer.trials if optimizer is not None else [], out / "trials.jsonl")
    try:
        save_program(program, program_path, module=config.module,
                     compiled_with={"optimizer": config.optimizer, "budget": config.budget, "seed": config.seed,
                                    "suite": config.suite, "k": config.k})
    except ConfigError as exc:  # DSPy's KNNFewShot: evaluated now, compiled again if resumed
        say(f"note: {exc}")
        return program, optimization
    write_json_atomically(optimization_path, optimization)
    return program, optimization


def _evaluate(config: RunConfig, program, lm, sandbox: Sandbox, test, rounds_config: RoundsConfig,
              state: dict[str, Any], say, checkpoint_state) -> list[dict]:
    checkpoint = config.out / "rounds.jsonl"
    rows = _read_rows(checkpoint)
    done = {row["task_id"] for row in rows}
    state["tasks_reused"] = len(done)
    remaining = [t for t in test if t.id not in done]
    if done:
        say(f"resuming: {len(done)} of {len(test)} test tasks already evaluated")
    progress = Progress(len(test), "rounds on test")
    progress.update(len(done))

    _cut_partial_line(checkpoint)
    with checkpoint.open("a") as sink:
        def keep(task_rows: list[dict]) -> None:
            sink.write(json.dumps({"task": task_rows[0]["task_id"] if task_rows else None, "rows": task_rows},
                                  default=str) + "\n")
            sink.flush()
            checkpoint_state()

        new_rows = run_rounds(as_program(program, lm=lm), remaining, sandbox, rounds_config,
                              workers=config.workers, on_task=keep,
                              progress=lambda n, total: progress.update(len(done) + n))
    progress.close()
    return rows + new_rows
