"""Optimizers by name: codeloop's strategies and DSPy's baselines, built the same way."""

from __future__ import annotations

import importlib
from typing import Any

from ..exceptions import ConfigError
from ._base import CodeloopOptimizer

# name -> (module, class); imported when used, so the registry costs nothing to load.
CODELOOP_OPTIMIZERS: dict[str, tuple[str, str]] = {
    "labeled-random": (".exemplars", "LabeledRandom"),
    "bootstrapped": (".exemplars", "Bootstrapped"),
    "random-search": (".exemplars", "RandomSearch"),
    "mutation": (".exemplars", "Mutation"),
    "nearest": (".exemplars", "Nearest"),
    "diverse": (".exemplars", "Diverse"),
    "seed-instruction": (".instructions", "SeedInstruction"),
    "ape": (".instructions", "ApeInstructions"),
    "protegi": (".instructions", "ProtegiInstructions"),
    "opro": (".instructions", "OproInstructions"),
    "joint": (".joint", "JointSearch"),
}
DSPY_OPTIMIZERS: dict[str, tuple[str, str]] = {
    "dspy-labeled": (".baselines", "LabeledFewShotBaseline"),
    "dspy-bootstrap": (".baselines", "BootstrapFewShotBaseline"),
    "dspy-bootstrap-rs": (".baselines", "BootstrapRandomSearchBaseline"),
    "dspy-knn": (".baselines", "KNNFewShotBaseline"),
    "copro": (".baselines", "COPROBaseline"),
    "mipro-light": (".baselines", "MIPROv2LightBaseline"),
    "simba": (".baselines", "SIMBABaseline"),
    "gepa": (".baselines", "GEPABaseline"),
}
OPTIMIZERS: dict[str, tuple[str, str]] = {**CODELOOP_OPTIMIZERS, **DSPY_OPTIMIZERS}
#: every accepted ``--optimizer`` value; ``none`` evaluates the module as it is
OPTIMIZER_NAMES: tuple[str, ...] = ("none", *OPTIMIZERS)


def optimizer_class(name: str) -> type[CodeloopOptimizer]:
    """The class registered under ``name``; ``ConfigError`` lists the accepted names."""
    if name not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {name!r}; accepted: {', '.join(OPTIMIZER_NAMES)}")
    module, cls = OPTIMIZERS[name]
    return getattr(importlib.import_module(module, __package__), cls)


def build_optimizer(name: str, **settings: Any) -> CodeloopOptimizer | None:
    """A fresh optimizer by name (``None`` for ``none``). ``settings`` the optimizer does not
    take (such as ``storage`` for one without an Optuna study) are dropped."""
    if name == "none":
        return None
    cls = optimizer_class(name)
    import inspect

    accepted = set()
    for klass in cls.__mro__:
        if "__init__" in vars(klass):
            accepted |= set(inspect.signature(klass.__init__).parameters)
    return cls(**{k: v for k, v in settings.items() if k in accepted})
