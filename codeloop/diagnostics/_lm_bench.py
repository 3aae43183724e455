"""``codeloop bench lm``: how fast a real LM serves one trial, and what the pipeline adds to it.

One trial is what an optimizer pays to score a candidate program: the from-examples module,
with the same labeled demonstrations (training tasks and their references) in every prompt,
writing code for the first round of each dev task, every answer judged in the sandbox. The
trial runs once per evaluation-worker count, with DSPy's cache off so every call reaches the
model. For a local model (``--lm local``) the engine's own counters give the model's time per
call, the prompt and generation rates and the share of prompt tokens served from the KV cache
(the demonstrations are a prefix shared across tasks); the *overhead* is the trial's wall time
over the summed model time, whose goal is at most 1.25 (DSPy, the sandbox and codeloop stay
small beside the model).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..benchmarks import load_bundled_suite
from ..benchmarks.rounds import RoundsConfig, run_rounds
from ..exceptions import ConfigError
from ..execution import Sandbox
from ..lm import LlamaEngine, resolve_lm
from ..modules import CodeFromExamples, as_program
from ..optimizers import labeled_demos, set_demos, task_examples

OVERHEAD_GOAL = 1.25


@dataclass(frozen=True)
class TrialFigures:
    """One trial at one worker count."""

    workers: int
    tasks: int
    calls: int
    wall_s: float
    model_s: float | None  # summed per-call model time (local models only)
    prompt_tokens: int | None
    cached_prompt_tokens: int | None
    completion_tokens: int | None
    solved: int

    @property
    def calls_per_min(self) -> float:
        return 60.0 * self.calls / self.wall_s if self.wall_s else 0.0

    @property
    def overhead(self) -> float | None:
        return self.wall_s / self.model_s if self.model_s else None

    def line(self) -> str:
        head = (f"workers {self.workers}: {self.calls} calls in {self.wall_s:.1f} s = {self.calls_per_min:.1f} "
                f"calls/min, round-1 solved {self.solved}/{self.tasks}")
        if self.model_s is None or self.prompt_tokens is None or self.completion_tokens is None:
            return head + " (model-side figures only for --lm local)"
        fresh = self.prompt_tokens - (self.cached_prompt_tokens or 0)
        return (head + f"; model {self.model_s:.1f} s ({self.model_s / max(1, self.calls):.2f} s/call), prompt "
                f"{self.prompt_tokens / self.model_s:.0f} tok/s ({self.cached_prompt_tokens} of {self.prompt_tokens} "
                f"from the KV cache, {fresh} computed), generation {self.completion_tokens / self.model_s:.1f} tok/s; "
                f"overhead {self.overhead:.3f}x the model's time (goal <= {OVERHEAD_GOAL})")


def _engine_stats(lm: Any) -> dict[str, float] | None:
    engine = getattr(lm, "engine", None)
    return dict(engine.stats) if isinstance(engine, LlamaEngine) else None


def bench_lm(spec: str = "local", *, tasks: int = 8, demos: int = 3, workers: Sequence[int] = (1, 2),
             seed: int = 0, report: Callable[[str], None] = print) -> list[TrialFigures]:
    """Run one trial per worker count with the LM ``spec`` names and report each."""
    if tasks < 1 or demos < 0 or not workers or min(workers) < 1:
        raise ConfigError("bench lm needs --tasks >= 1, --demos >= 0 and worker counts >= 1")
    resolved = resolve_lm(spec, cache=False)
    if resolved.offline:
        report("note: the offline backend is a program synthesizer, not an LM; its figures say nothing of a model")
    suite = load_bundled_suite()
    dev, train = suite.split("dev")[:tasks], suite.split("train")
    program = CodeFromExamples()
    pool = task_examples(train[:demos]) if demos else []
    if pool:
        set_demos(program, labeled_demos(program, pool))
    report(f"{resolved.model}: one trial = from-examples with {demos} labeled demos on {len(dev)} bundled dev "
           f"tasks, round 1, DSPy's cache off")
    engine = getattr(resolved.lm, "engine", None)
    if isinstance(engine, LlamaEngine):
        engine.load()  # the model loads once, before any trial is timed
    results: list[TrialFigures] = []
    with Sandbox(workers=max(workers), cache_size=0) as sandbox:
        for count in workers:
            before = _engine_stats(resolved.lm)
            began = time.perf_counter()
            rows = run_rounds(as_program(program, lm=resolved.lm), dev, sandbox, RoundsConfig(k=3, rounds=1),
                              workers=count)
            wall = time.perf_counter() - began
            after = _engine_stats(resolved.lm)
            delta = {k: after[k] - before[k] for k in after} if after is not None and before is not None else None
            figures = TrialFigures(
                workers=count, tasks=len(dev), calls=sum(int(r["lm_calls"]) for r in rows), wall_s=wall,
                model_s=delta["seconds"] if delta else None,
                prompt_tokens=int(delta["prompt_tokens"]) if delta else None,
                cached_prompt_tokens=int(delta["cached_prompt_tokens"]) if delta else None,
                completion_tokens=int(delta["completion_tokens"]) if delta else None,
                solved=sum(bool(r["correctness"]) for r in rows))
            report(figures.line())
            results.append(figures)
    return results
