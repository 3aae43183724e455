"""The optimizer contract itself: constructors only store, ``compile`` checks, settings are
introspected, ``build_optimizer`` refuses what a class does not take, and budgets may be ints."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest  # noqa: E402

from codeloop.benchmarks import load_suite  # noqa: E402
from codeloop.exceptions import ConfigError  # noqa: E402
from codeloop.lm import Budget, SynthesisResponder, offline_lm  # noqa: E402
from codeloop.modules import CodeFromExamples  # noqa: E402
from codeloop.optimizers import (  # noqa: E402
    OPTIMIZER_NAMES,
    CodeloopOptimizer,
    JointSearch,
    build_optimizer,
    optimizer_class,
    task_examples,
)
from codeloop.optimizers.baselines import DspyBaseline  # noqa: E402

NAMES = [n for n in OPTIMIZER_NAMES if n != "none"]


@pytest.mark.parametrize("name", NAMES)
def test_get_params_lists_every_constructor_setting_and_rebuilds_an_equal_optimizer(name):
    cls = optimizer_class(name)
    optimizer = cls()
    params = optimizer.get_params()
    assert set(params) == set(cls.param_names())
    assert {"budget", "seed", "metric", "lm", "sandbox"} <= set(params)
    assert type(optimizer)(**params).get_params() == params
    settings = optimizer.settings()
    assert "seed" in settings and not settings.keys() & CodeloopOptimizer.RUNTIME_PARAMS


@pytest.mark.parametrize("name", NAMES)
def test_build_optimizer_refuses_an_unknown_setting_naming_it_and_what_is_accepted(name):
    with pytest.raises(ConfigError) as caught:
        build_optimizer(name, no_such_setting=1)
    message = str(caught.value)
    assert "'no_such_setting'" in message and name in message and "seed" in message and "budget" in message


def test_build_optimizer_takes_an_int_budget_as_a_cap_on_calls():
    optimizer = build_optimizer("joint", budget=40)
    assert optimizer.budget == 40
    assert Budget.coerce(optimizer.budget) == Budget(max_calls=40)
    assert build_optimizer("none", budget=40) is None
    for bad in (0, -3, "40", 2.5, True):
        with pytest.raises(ConfigError, match="'budget' parameter"):
            Budget.coerce(bad, caller="joint")


def test_constructors_store_and_compile_checks_naming_the_setting():
    optimizer = JointSearch(n_trials=0, accept_alpha=2.0)  # no error yet: constructors only store
    assert optimizer.n_trials == 0 and optimizer.accept_alpha == 2.0
    lm = offline_lm(SynthesisResponder(max_programs=500), cache=False)
    train = task_examples(load_suite("bundled").split("train")[:2])
    with pytest.raises(ConfigError, match="'n_trials' parameter of joint must be an integer >= 1. Got 0"):
        JointSearch(n_trials=0, lm=lm).compile(CodeFromExamples(), trainset=train, valset=train)
    with pytest.raises(ConfigError, match="'accept_alpha' parameter of joint"):
        JointSearch(accept_alpha=2.0, lm=lm).compile(CodeFromExamples(), trainset=train, valset=train)
    with pytest.raises(ConfigError, match="'budget' parameter of joint"):
        JointSearch(budget="lots", lm=lm).compile(CodeFromExamples(), trainset=train, valset=train)
    assert lm.history == []  # refused before any LM call


def test_a_subclass_must_implement_search_and_a_dspy_baseline_dspy_compile():
    class NoSearch(CodeloopOptimizer):
        name = "no-search"

    class NoCompile(DspyBaseline):
        name = "no-compile"

    for cls in (NoSearch, NoCompile):
        with pytest.raises(TypeError, match="abstract"):
            cls()


def test_synthesis_responder_takes_max_programs_as_shorthand():
    assert SynthesisResponder(max_programs=5).budget.max_programs == 5
    with pytest.raises(ConfigError, match="max_programs"):
        SynthesisResponder(max_programs=0)
