"""Optimizers by name: codeloop's strategies and DSPy's baselines, built the same way."""

from __future__ import annotations

from typing import Any

from ..exceptions import ConfigError
from ._base import CodeloopOptimizer
from .baselines import DSPY_BASELINES
from .exemplars import Bootstrapped, Diverse, LabeledRandom, Mutation, Nearest, RandomSearch
from .instructions import ApeInstructions, OproInstructions, ProtegiInstructions, SeedInstruction
from .joint import JointSearch

#: codeloop's strategies by CLI name, in the order tables list them
CODELOOP_OPTIMIZERS: dict[str, type[CodeloopOptimizer]] = {
    cls.name: cls for cls in (LabeledRandom, Bootstrapped, RandomSearch, Mutation, Nearest, Diverse, SeedInstruction,
                              ApeInstructions, ProtegiInstructions, OproInstructions, JointSearch)
}
#: DSPy's optimizers as baselines, by CLI name
DSPY_OPTIMIZERS: dict[str, type[CodeloopOptimizer]] = dict(DSPY_BASELINES)
OPTIMIZERS: dict[str, type[CodeloopOptimizer]] = {**CODELOOP_OPTIMIZERS, **DSPY_OPTIMIZERS}
#: every accepted ``--optimizer`` value; ``none`` evaluates the module as it is
OPTIMIZER_NAMES: tuple[str, ...] = ("none", *OPTIMIZERS)


def optimizer_class(name: str) -> type[CodeloopOptimizer]:
    """The class registered under ``name``; ``ConfigError`` lists the accepted names."""
    if name not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {name!r}; accepted: {', '.join(OPTIMIZER_NAMES)}")
    return OPTIMIZERS[name]


def build_optimizer(name: str, **settings: Any) -> CodeloopOptimizer | None:
    """A fresh optimizer by name (``None`` for ``none``), with ``settings`` passed to its constructor.

    A setting the optimizer does not take is refused with a ``ConfigError`` that names it and
    lists what is accepted (``optimizer_class(name).param_names()``); ``budget`` may be a
    :class:`~codeloop.lm.Budget` or an int (a cap on LM calls).
    """
    if name == "none":  # the module as it is: there is nothing to configure
        return None
    cls = optimizer_class(name)
    accepted = cls.param_names()
    unknown = sorted(set(settings) - set(accepted))
    if unknown:
        raise ConfigError(f"optimizer {name!r} ({cls.__name__}) does not take {', '.join(map(repr, unknown))}; "
                          f"it accepts: {', '.join(accepted)}")
    return cls(**settings)
