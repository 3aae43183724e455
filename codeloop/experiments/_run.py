"""``codeloop run``: optimize a module on train/dev, evaluate it over rounds on test, report.

A run directory holds everything, written as soon as it exists, so a run killed at any
point (SIGKILL included) continues where it stopped when started again with the same
``--out``:

* ``config.json``: the resolved configuration, package versions and seeds;
* ``trials.db``: the optimizer's Optuna study (joint search), ``trials.jsonl``: every trial;
* ``program.json``: the compiled program (written once optimizing is done; its presence
  means optimizing is not repeated);
* ``rounds.jsonl``: each test task's rows, appended as the task finishes (a task run again
  appends a new line; the last line of a task is the one that counts);
* ``results.parquet``, ``summary.json``/``.csv``/``.md`` and the plots, at the end.

When an LM call fails on every retry, the run stops within seconds (past ``max_lm_errors``
such failures in the evaluation) with :class:`~codeloop.exceptions.LMUnavailable`, after
checkpointing every finished task; the same command resumes, and runs again the test tasks
whose rows hold ``state="lm_error"``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._files import write_json_atomically
from .._progress import Progress
from ..benchmarks import Preparation, Suite, prepare_suite, suite_kind
from ..benchmarks.rounds import RoundsConfig, run_rounds, summarize, to_frame
from ..exceptions import ConfigError, LMUnavailable
from ..execution import Sandbox
from ..lm import GenerationSettings, OfflineEngine, RetryPolicy, check_lm_reachable, resolve_lm, retry_stats
from ..modules import as_program, build_module, set_parse_mode
from ..optimizers import (
    build_optimizer,
    load_program,
    optimizer_class,
    save_program,
    save_trials,
    task_examples,
)
from ._config import RunConfig, check_against_suite, environment
from ._numbering import row_numbered_choice
from ._provenance import append_provenance, code_version, provenance_entry
from ._report import RunSummary, write_plots, write_summary

logger = logging.getLogger(__name__)

#: With no LM configured, runs use the offline backend with a 30,000-program search per call:
#: about a third of a call's default budget, so a whole default run takes minutes on 2 cores
#: (the synthesizer runs in this process, so evaluation threads share one core's worth of it).
RUN_DEFAULT_LM = "offline:max_programs=30000"
#: The suite (its seeded split where the source has none, the augmentation, the --limit sample) does
#: not follow --seed: runs with different seeds are then scored on the same test tasks, which is
#: what a comparison over seeds needs (the task is its unit of evidence).
SUITE_SEED = 0


@dataclass
class RunOutcome:
    directory: Path
    summary: RunSummary
    frame: pd.DataFrame
    plots: list[str] = field(default_factory=list)  # the plot files written


def lm_identity(lm: Any) -> str:
    """What the results depend on: the model, and the offline backend's search budget."""
    engine = getattr(lm, "engine", None)
    budget = getattr(getattr(engine, "responder", None), "budget", None)
    model = str(getattr(lm, "model", type(lm).__name__))
    return f"{model} (max_programs={budget.max_programs})" if budget is not None else model


def usable_directory(out: Path) -> None:
    """Refuse, naming the problem, an ``--out`` that is a file, lies under a file, or cannot be written."""
    for parent in (out, *out.parents):
        if parent.exists() and not parent.is_dir():
            where = "is a file" if parent == out else f"lies under {parent}, which is a file"
            raise ConfigError(f"--out {out} {where}; give a directory (new or a run's own)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".codeloop-write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"--out {out}: cannot write there ({exc.strerror or exc}); give a writable directory") from None


def read_record(path: Path, *, repair: bool) -> dict[str, Any] | None:
    """A JSON file of the run directory, or ``None`` if absent. A damaged one is refused, naming it;
    with ``repair`` it is moved aside (``NAME.corrupt-<time>``) and treated as absent, so only the
    work it recorded is redone."""
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            raise ValueError(f"holds a {type(record).__name__}, not an object")
        return record
    except (ValueError, UnicodeDecodeError) as exc:
        if not repair:
            raise ConfigError(f"{path} is damaged ({_describe(exc)}); run again with --repair to move it aside "
                              "and redo only what it recorded") from None
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        path.replace(aside)
        logger.warning("moved the damaged %s aside to %s", path, aside.name)
        return None


def readable_study(path: Path, *, repair: bool) -> None:
    """Refuse a ``trials.db`` that is not an SQLite database (naming it), or with ``repair`` move
    it aside so the search starts a fresh study."""
    if not path.exists():
        return
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            db.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.DatabaseError as exc:
        if not repair:
            raise ConfigError(f"{path} is damaged (not a readable SQLite database: {exc}); run again with --repair "
                              "to move it aside and redo the search's trials") from None
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        path.replace(aside)
        logger.warning("moved the damaged %s aside to %s", path, aside.name)


def _describe(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text: byte {exc.object[exc.start]:#04x} at offset {exc.start}"
    return str(exc)


def _prepare_directory(config: RunConfig, lm_name: str) -> dict[str, Any]:
    """Create the run directory, or check that it belongs to the same experiment; the state so far."""
    out = config.out
    usable_directory(out)
    config_path = out / "config.json"
    state_path = out / "state.json"
    record = read_record(config_path, repair=config.repair)
    if record is not None:
        try:
            stored, stored_lm = RunConfig.build(**record["config"]), record["lm_resolved"]
        except (KeyError, TypeError, ConfigError) as exc:
            raise ConfigError(f"{config_path} does not hold a run configuration ({exc}); choose another --out, "
                              "or run with --repair to move it aside") from None
        if stored_lm != lm_name:
            raise ConfigError(f"{out} was run with the LM {stored_lm!r}, not {lm_name!r}; mixing two "
                              "LMs in one run would mix their results: choose another --out or the same LM")
        changed = config.differences(stored)
        if changed:
            details = ", ".join(f"{f}: {getattr(stored, f)!r} there, {getattr(config, f)!r} now" for f in changed)
            raise ConfigError(f"{out} holds a different run ({details}); choose another --out or the same settings")
        return read_record(state_path, repair=config.repair) or {}
    write_json_atomically(config_path, {"config": config.model_dump(mode="json"), "lm_resolved": lm_name,
                                        "environment": environment(),
                                        "seeds": {"optimizer": config.seed, "rounds": config.seed,
                                                  "suite": SUITE_SEED}})
    return {}


def _cut_partial_line(path: Path) -> None:
    """Drop a last line a kill cut short, so the next task's line does not append to it."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


def _read_rows(path: Path) -> dict[str, list[dict]]:
    """The rows of every task finished so far, by task: one line per task, so a line cut short
    by a kill, or damaged later, loses only that task, which is then run again (and said). A
    task run again (after an LM error) has a later line, which replaces the earlier one."""
    by_task: dict[str, list[dict]] = {}
    damaged = 0
    if path.exists():
        for line in path.read_bytes().splitlines():
            try:
                rows = json.loads(line.decode("utf-8"))["rows"]
                by_task[rows[0]["task_id"]] = rows
            except (ValueError, KeyError, TypeError, IndexError):  # ValueError: bad JSON or bad UTF-8
                damaged += bool(line.strip())
    if damaged:
        logger.warning("%s: %d damaged line(s) skipped; their tasks are run again", path, damaged)
    return by_task


def run_experiment(config: RunConfig, *, sandbox: Sandbox | None = None, lm: Any = None,
                   say: Callable[[str], None] = print, mlflow_uri: str | None = None,
                   command: str | None = None) -> RunOutcome:
    """Run (or resume) the experiment ``config`` describes; returns the summary and the rows.

    ``lm`` (a ``dspy.BaseLM``) overrides ``config.lm``, e.g. for an LM object built in code.
    ``mlflow_uri`` also logs the finished run to MLflow (needs the ``mlflow`` extra).
    ``command`` (the command line, from the CLI) is recorded in ``config.json``'s ``provenance``
    with the commit, date and LM; a resumption appends its own entry.
    """
    began = time.perf_counter()
    code_version()  # the commit of the code this process loaded, read before any work
    if lm is None:  # bad settings fail before anything is written
        lm = resolved_lm(config, say)
    own_sandbox = sandbox is None
    sandbox = sandbox or Sandbox(workers=config.workers, isolation=config.isolation)
    try:
        if own_sandbox:  # strict isolation refuses here, before anything is written
            sandbox.start()
        suite, preparation = prepared_suite(config, sandbox, say)
        train, dev, test = suite.split("train"), suite.split("dev"), suite.split("test")
        kind = suite_kind(suite.tasks, f"suite {config.suite!r}")
        state = _prepare_directory(config, lm_identity(lm))
        if (config.out / "program.json").exists():  # a damaged record refuses the run before anything is written
            read_record(config.out / "optimization.json", repair=config.repair)
        config_path = config.out / "config.json"
        write_json_atomically(config_path, append_provenance(json.loads(config_path.read_text(encoding="utf-8")),
                                                             provenance_entry(command, lm_identity(lm), lm)))
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
    retried_before = retry_stats(lm)
    try:
        try:
            program, optimization = _optimized_program(config, lm, sandbox, train, dev, rounds_config, say, kind)
        except Exception as exc:  # DSPy wraps an LM failure raised inside its call: name it as what it is
            failure = LMUnavailable.within(exc)
            if failure is None:
                raise
            checkpoint_state()
            log = out / "trials.jsonl"
            trials = len(log.read_text().splitlines()) if log.exists() else 0
            failure.where = f"while optimizing; {trials} trials are recorded in {log}"
            if failure is exc:
                raise
            raise failure from exc
        checkpoint_state()
        rows = _evaluate(config, program, lm, sandbox, test, rounds_config, state, say, checkpoint_state)
    finally:
        if own_sandbox:
            sandbox.close()
    checkpoint_state()
    _say_retries(retried_before, retry_stats(lm), say)
    frame = to_frame(rows)
    rounds_summary = summarize(frame, config.rounds)
    summary = RunSummary.of(config, rounds_summary, optimization, wall_seconds=state["wall_seconds"],
                            tasks_reused=state.get("tasks_reused", 0), kind=kind).model_copy(
        update={"parse_mode": parse_mode_for(config, lm)})
    frame.to_parquet(out / "results.parquet", index=False)
    write_summary(summary, out)
    plots = write_plots(summary, optimization.get("trials", []), out, frame, optimization.get("choice"))
    if mlflow_uri:
        from ._tracking import track_in_mlflow

        say(f"logged to MLflow at {mlflow_uri}: run {track_in_mlflow(mlflow_uri, config, summary, out)}")
    return RunOutcome(out, summary, frame, sorted(p.name for p in plots.values()))


def _say_retries(before: dict[str, Any] | None, after: dict[str, Any] | None, say: Callable[[str], None]) -> None:
    """One line on the LM faults this run met and retried (nothing when there were none)."""
    if before is None or after is None or after["retries"] == before["retries"]:
        return
    faults = {kind: after["faults"][kind] - before["faults"][kind] for kind in after["faults"]}
    kinds = ", ".join(f"{n} {kind}" for kind, n in faults.items() if n)
    say(f"LM faults met and retried: {after['retries'] - before['retries']} retries ({kinds}) over "
        f"{after['calls'] - before['calls']} calls")


def estimate_run(config: RunConfig) -> dict[str, int]:
    """A dry run: the LM calls the optimizer would make at most (capped by the budget) and the
    evaluation's upper bound (every test task failing every round). Nothing is called."""
    from ..modules import max_lm_calls

    resolved_lm(config, lambda line: None)  # a bad --lm fails a dry run too
    with Sandbox(workers=config.workers, isolation=config.isolation) as sandbox:
        suite, _ = prepared_suite(config, sandbox, lambda line: None)
    train, dev, test = suite.split("train"), suite.split("dev"), suite.split("test")
    student = build_module(config.module, kind=suite_kind(suite.tasks, f"suite {config.suite!r}"))
    optimizer = build_optimizer(config.optimizer, budget=config.budget, seed=config.seed)
    wanted = optimizer.estimate_calls(student, len(train), len(dev)) if optimizer is not None else 0
    return {"optimize_estimate": wanted, "optimize_cap": min(wanted, config.budget),
            "evaluate_at_most": len(test) * config.rounds * max_lm_calls(student)}


#: why the offline backend stays the default (see the README's "A real code LM"): the default run makes up to
#: 150 + 486 LM calls, which at the local 0.5B model's measured 4-10 s a call is 40 minutes or more on 2
#: cores, and the model is an optional install
LOCAL_HINT = ("--lm local runs Qwen2.5-Coder-0.5B in process (install once: codeloop models install-runtime && "
              "codeloop models fetch qwen2.5-coder-0.5b)")


def parse_mode_for(config: RunConfig, lm: Any) -> str:
    """``config.parse``, else by the LM: the offline backend writes the chat format natively (lenient);
    a real LM parsed best as JSON with the raw reply as fallback (json-lenient: on Qwen2.5-Coder-0.5B,
    7 of 15 tasks against 4 with the chat format, in fewer calls; see the README)."""
    if config.parse:
        return config.parse
    return "lenient" if isinstance(getattr(lm, "engine", None), OfflineEngine) else "json-lenient"


def resolved_lm(config: RunConfig, say: Callable[[str], None]) -> Any:
    """The LM ``config`` names, checked to be reachable (a key, a server) before anything is written."""
    resolved = resolve_lm(config.lm, api_base=config.api_base, default=RUN_DEFAULT_LM,
                          retry=RetryPolicy(retries=config.lm_retries, timeout=config.lm_timeout),
                          generation=GenerationSettings(temperature=config.temperature, max_tokens=config.max_tokens))
    if not resolved.offline and not resolved.local:  # a local model needs no server and no key
        check_lm_reachable(resolved.model, api_base=config.api_base or os.environ.get("CODELOOP_API_BASE"))
    if resolved.notice:
        say(f"note: {resolved.notice}")
        say(f"note: for a real code LM, {LOCAL_HINT}")
    else:
        origin = {"flag": "--lm", "environment": "CODELOOP_LM"}.get(resolved.source, resolved.source)
        sampling = "" if resolved.offline else f"; temperature {config.temperature}, at most {config.max_tokens} tokens a call"
        say(f"LM: {resolved.model} (from {origin}{'; llama.cpp in this process' if resolved.local else ''}{sampling})")
    return resolved.lm


def prepared_suite(config: RunConfig, sandbox: Sandbox, say: Callable[[str], None]) -> tuple[Suite, Preparation]:
    """``config.suite`` with every task runnable in rounds (converted where needed, cached), cut
    to ``config.limit`` per split, and checked against the run's settings; what was done is said."""
    suite, preparation = prepare_suite(config.suite, sandbox, k=config.shown, seed=SUITE_SEED,
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
    stored_record = read_record(out / "config.json", repair=config.repair) if out.is_dir() else None
    if stored_record is not None:
        stored = RunConfig.build(**stored_record["config"])
        changed = config.differences(stored)
        if changed:
            raise ConfigError(f"{out} holds a different run (differs in {', '.join(changed)}); choose another --out")
    held = read_record(out / "program.json", repair=config.repair) if out.is_dir() else None
    if held is not None and program_digest(held) != program_digest(record):
        raise ConfigError(f"{out} holds the evaluation of another program; choose another --out")
    own_sandbox = sandbox is None
    sandbox = sandbox or Sandbox(workers=config.workers, isolation=config.isolation)
    try:
        if own_sandbox:  # strict isolation refuses here, before anything is written
            sandbox.start()
        usable_directory(out)
        write_json_atomically(out / "program.json", record)
        write_json_atomically(out / "optimization.json",
                              {"optimizer": "none", "budget": config.budget, "lm_calls": 0, "tokens": 0,
                               "trials": [], "trials_reused": 0, "budget_exhausted": False,
                               "evaluated_from": str(program_path)})
        return run_experiment(config, sandbox=sandbox, lm=lm, say=say)
    finally:
        if own_sandbox:
            sandbox.close()


def _optimized_program(config: RunConfig, lm, sandbox: Sandbox, train, dev, rounds_config: RoundsConfig,
                       say, kind: str = "function") -> tuple[Any, dict[str, Any]]:
    out = config.out
    program_path, optimization_path = out / "program.json", out / "optimization.json"
    optimization = read_record(optimization_path, repair=config.repair) if program_path.exists() else None
    if optimization is not None:
        program, meta = load_program(program_path, sandbox=sandbox)
        set_parse_mode(program, parse_mode_for(config, lm))
        if meta["kind"] != kind:
            raise ConfigError(f"{program_path} is a program for {meta['kind']} tasks, but suite {config.suite!r} "
                              f"holds {kind} tasks; evaluate it on a suite of its kind")
        optimization["trials_reused"] = len(optimization.get("trials", []))
        say(f"resuming: the compiled program in {program_path} is reused ({optimization['trials_reused']} trials)")
        return program, optimization
    student = set_parse_mode(build_module(config.module, sandbox=sandbox, kind=kind), parse_mode_for(config, lm))
    settings: dict[str, Any] = {"budget": config.budget, "seed": config.seed, "sandbox": sandbox, "lm": lm,
                                "num_threads": config.workers, "trial_log": out / "trials.jsonl"}
    if config.optimizer != "none" and "storage" in optimizer_class(config.optimizer).param_names():
        study_file = out / "trials.db"
        readable_study(study_file, repair=config.repair)
        settings["storage"] = f"sqlite:///{study_file.resolve()}"  # a resumable study
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
        if estimate > config.budget:
            say(f"note: the budget ({config.budget}) is below {config.optimizer}'s estimate ({estimate}): it will "
                "search only part of its space")
        began = time.perf_counter()
        program = optimizer.compile(student, trainset=trainset, valset=devset)
        trials = [t.model_dump() for t in optimizer.trials]
        optimization.update(lm_calls=optimizer.spend.calls, tokens=optimizer.spend.tokens, trials=trials,
                            trials_reused=int(getattr(optimizer, "trials_reused", 0)),
                            budget_exhausted=optimizer.budget_exhausted, estimate=estimate,
                            choice=row_numbered_choice(getattr(optimizer, "choice", None), trials),
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
    by_task = _read_rows(checkpoint)
    failed = {task for task, task_rows in by_task.items() if any(r.get("state") == "lm_error" for r in task_rows)}
    rows = [row for task, task_rows in by_task.items() if task not in failed for row in task_rows]
    done = set(by_task) - failed
    state["tasks_reused"] = len(done)
    remaining = [t for t in test if t.id not in done]
    if done or failed:
        again = f"; {len(failed)} whose LM failed are evaluated again" if failed else ""
        say(f"resuming: {len(done)} of {len(test)} test tasks already evaluated{again}")
    progress = Progress(len(test), "rounds on test")
    progress.update(len(done))

    _cut_partial_line(checkpoint)
    with checkpoint.open("a") as sink:
        def keep(task_rows: list[dict]) -> None:
            sink.write(json.dumps({"task": task_rows[0]["task_id"] if task_rows else None, "rows": task_rows},
                                  default=str) + "\n")
            sink.flush()
            checkpoint_state()

        try:
            new_rows = run_rounds(as_program(program, lm=lm, parse=parse_mode_for(config, lm)), remaining, sandbox, rounds_config,
                                  workers=config.workers, on_task=keep, max_lm_errors=config.max_lm_errors,
                                  progress=lambda n, total: progress.update(len(done) + n))
        except LMUnavailable as exc:
            progress.close()
            checkpoint_state()
            exc.tasks_done = len(done) + (exc.tasks_done or 0)
            exc.tasks_total, exc.where = len(test), str(checkpoint)
            raise
    progress.close()
    return rows + new_rows
