"""Each package's ``__all__`` is sorted and names only what exists."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("name", ["codeloop", "codeloop.execution", "codeloop.metrics", "codeloop.benchmarks", "codeloop.benchmarks.rounds", "codeloop.lm", "codeloop.lm.synth", "codeloop.modules", "codeloop.optimizers", "codeloop.experiments", "codeloop.diagnostics", "codeloop.optimizers.exemplars", "codeloop.optimizers.instructions", "codeloop.optimizers.joint", "codeloop.optimizers.baselines"])
def test_all_is_sorted_and_complete(name):
    module = importlib.import_module(name)
    assert module.__all__ == sorted(module.__all__)
    assert [n for n in module.__all__ if not hasattr(module, n)] == []
    public = {n for n, v in vars(module).items() if not n.startswith("_") and not isinstance(v, type(module))}
    assert public - set(module.__all__) - {"annotations"} == set()
