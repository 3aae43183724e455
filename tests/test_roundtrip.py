"""Every optimizer's output saves and loads into ``codeloop.load``'s callable and writes the same
code as the program it was saved from (per-input retrieval included); DSPy's KNNFewShot, which
cannot be saved, is refused with a clear error instead of being saved as a zero-shot student."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest  # noqa: E402

import codeloop  # noqa: E402
from codeloop.benchmarks import load_suite  # noqa: E402
from codeloop.exceptions import ConfigError  # noqa: E402
from codeloop.lm import SynthesisResponder, offline_lm  # noqa: E402
from codeloop.lm.synth import SearchBudget as SynthBudget  # noqa: E402
from codeloop.modules import ModuleProgram, build_module  # noqa: E402
from codeloop.optimizers import OPTIMIZER_NAMES, Budget, build_optimizer, save_program, task_examples  # noqa: E402


def small_lm():
    return offline_lm(SynthesisResponder(budget=SynthBudget(max_programs=2000)), cache=False)


@pytest.fixture(scope="module")
def data():
    suite = load_suite("bundled")
    return (task_examples(suite.split("train")[:4]), task_examples(suite.split("dev")[:2]),
            suite.split("test")[:2])


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in OPTIMIZER_NAMES if n != "none"])
def test_every_optimizers_output_round_trips_through_codeloop_load(name, data, sandbox, tmp_path):
    train, dev, probe = data
    lm = small_lm()
    optimizer = build_optimizer(name, budget=Budget(max_calls=12), seed=0, sandbox=sandbox, lm=lm, num_threads=1,
                                storage=f"sqlite:///{tmp_path / 'trials.db'}")
    compiled = optimizer.compile(build_module("from-examples", sandbox=sandbox), trainset=train, valset=dev)
    path = tmp_path / "program.json"
    if name == "dspy-knn":
        with pytest.raises(ConfigError, match="cannot be saved"):
            save_program(compiled, path, module="from-examples")
        return
    save_program(compiled, path, module="from-examples", compiled_with={"optimizer": name})
    loaded = codeloop.load(path, lm=lm, sandbox=sandbox)
    assert type(loaded.program) is type(compiled)  # a retrieval wrapper comes back as one
    assert loaded.program.dump_state() == compiled.dump_state()
    for task in probe:
        view = task.view()
        expected = ModuleProgram(compiled, lm)(view).code
        assert ModuleProgram(loaded.program, lm)(view).code == expected
    examples = [(tuple(t.args), t.expected) for t in probe[0].examples]
    solution = loaded(examples=examples, name=probe[0].entry_point)
    assert solution.code.startswith("def ") and len(solution.verdicts) == len(examples)
