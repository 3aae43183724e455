"""The contract every optimizer in ``OPTIMIZER_NAMES`` keeps, checked over the registry itself
(after scikit-learn's ``estimator_checks``), so a newly registered optimizer is checked without a
new test. Each compiles a from-examples student on a few bundled tasks with the offline LM under
a small budget, and:

- stays within the budget, the calls it reports being the calls the LM received, each in a trial;
- estimates (dry run) at least the calls it made;
- records trials that are plain JSON (no live objects in params);
- gives the same trials and the same program for the same seed (a fresh LM and trial store);
- returns a program that saves and loads into ``codeloop.load``'s callable, writing the same code.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM must not fetch prices

import dspy  # noqa: E402
import pytest  # noqa: E402

import codeloop  # noqa: E402
from codeloop.benchmarks import load_suite  # noqa: E402
from codeloop.exceptions import ConfigError  # noqa: E402
from codeloop.lm import Budget, CallCounter  # noqa: E402
from codeloop.modules import ModuleProgram, build_module  # noqa: E402
from codeloop.optimizers import (  # noqa: E402
    OPTIMIZER_NAMES,
    CodeloopOptimizer,
    Trial,
    build_optimizer,
    optimizer_class,
    save_program,
    task_examples,
)

OPTIMIZERS = [name for name in OPTIMIZER_NAMES if name != "none"]
CAP = 12  # LM calls per compile: enough for every optimizer to score a candidate, small enough to run out
SYNTH_PROGRAMS = 2000  # the offline LM's search budget
#: Settings given to every optimizer that takes them: the exemplar strategies that choose without
#: scoring score what they chose (so each one has trials to check); a study stores its trials in a file.
SETTINGS: dict[str, Any] = {"evaluate": True}


@dataclass
class Compiled:
    """One compile of an optimizer with the offline LM, and what the LM itself counted."""

    optimizer: CodeloopOptimizer
    program: dspy.Module
    lm_calls: int  # counted by a callback on the LM, not by the optimizer's meter


@pytest.fixture(scope="module")
def optimizer_data():
    suite = load_suite("bundled")
    return (task_examples(suite.split("train")[:4]), task_examples(suite.split("dev")[:2]),
            suite.split("test")[:2])


def compile_once(name: str, sandbox, small_lm, data, storage_dir) -> Compiled:
    """A compile from scratch: a new LM (DSPy's cache off) and a new trial store, so nothing is replayed."""
    train, dev, _ = data
    counter = CallCounter()
    accepted = optimizer_class(name).param_names()
    settings = {**SETTINGS, "storage": f"sqlite:///{storage_dir / 'trials.db'}"}
    optimizer = build_optimizer(name, budget=Budget(max_calls=CAP), seed=0, sandbox=sandbox,
                                lm=small_lm(SYNTH_PROGRAMS, callbacks=[counter]), num_threads=1,
                                **{k: v for k, v in settings.items() if k in accepted})
    program = optimizer.compile(build_module("from-examples", sandbox=sandbox), trainset=train, valset=dev)
    return Compiled(optimizer, program, counter.calls)


@pytest.fixture(scope="module", params=OPTIMIZERS)
def compiled(request, sandbox, small_lm, optimizer_data, tmp_path_factory) -> Compiled:
    return compile_once(request.param, sandbox, small_lm, optimizer_data, tmp_path_factory.mktemp(request.param))


def test_optimizer_stays_within_its_budget_and_reports_the_calls_the_lm_received(compiled):
    optimizer = compiled.optimizer
    assert 0 < optimizer.spend.calls <= CAP
    assert compiled.lm_calls == optimizer.spend.calls  # nothing reached the LM around the meter
    assert sum(t.lm_calls for t in optimizer.trials) == optimizer.spend.calls  # every call belongs to a trial


def test_optimizer_estimate_is_an_upper_bound(compiled, optimizer_data):
    train, dev, _ = optimizer_data
    estimate = compiled.optimizer.estimate_calls(build_module("from-examples"), len(train), len(dev))
    assert estimate >= compiled.optimizer.spend.calls


def _plain_json(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_json(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


def test_optimizer_trials_are_plain_json(compiled):
    trials = compiled.optimizer.trials
    assert trials and [t.number for t in trials] == list(range(len(trials)))
    for trial in trials:
        record = trial.model_dump()
        assert _plain_json(record), record  # no live objects, tuples or non-string keys in params
        assert Trial.model_validate(json.loads(json.dumps(record))) == trial


def trial_record(optimizer: CodeloopOptimizer) -> list[tuple]:
    """What a repeated run must reproduce: everything but the wall-clock time."""
    return [(t.kind, t.params, t.score, t.n_examples, t.lm_calls, t.tokens, t.state) for t in optimizer.trials]


def test_optimizer_gives_the_same_trials_for_the_same_seed(compiled, sandbox, small_lm, optimizer_data,
                                                           tmp_path):
    again = compile_once(compiled.optimizer.name, sandbox, small_lm, optimizer_data, tmp_path)
    assert trial_record(again.optimizer) == trial_record(compiled.optimizer)
    assert again.program.dump_state() == compiled.program.dump_state()


def test_optimizer_output_round_trips_through_codeloop_load(compiled, sandbox, small_lm, optimizer_data,
                                                            tmp_path):
    """The saved program loads into ``codeloop.load``'s callable and writes the same code as the
    program it was saved from (per-input retrieval included); DSPy's KNNFewShot, which cannot
    be saved, is refused with a clear error instead of being saved as a zero-shot student."""
    name, program = compiled.optimizer.name, compiled.program
    _, _, probe = optimizer_data
    path = tmp_path / "program.json"
    if name == "dspy-knn":
        with pytest.raises(ConfigError, match="cannot be saved"):
            save_program(program, path, module="from-examples")
        return
    save_program(program, path, module="from-examples", compiled_with={"optimizer": name})
    lm = small_lm(SYNTH_PROGRAMS)
    loaded = codeloop.load(path, lm=lm, sandbox=sandbox)
    assert type(loaded.program) is type(program)  # a retrieval wrapper comes back as one
    assert loaded.program.dump_state() == program.dump_state()
    for task in probe:
        view = task.view()
        expected = ModuleProgram(program, lm)(view).code
        assert ModuleProgram(loaded.program, lm)(view).code == expected
    examples = [(tuple(t.args), t.expected) for t in probe[0].examples]
    solution = loaded(examples=examples, name=probe[0].entry_point)
    assert solution.code.startswith("def ") and len(solution.verdicts) == len(examples)
