"""The contract every module in ``MODULES`` keeps, checked over the registry itself: one call
makes no more LM calls than the module declares (``max_lm_calls``), counted at the LM, and agrees
with the ``lm_calls`` it reports; it returns a ``dspy.Prediction`` with a ``code`` string. The
tasks are chosen so that check-refine refines (and best-of-n draws), so each bound is reached.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM must not fetch prices

import dspy  # noqa: E402
import pytest  # noqa: E402

from codeloop.benchmarks import TaskView, load_suite  # noqa: E402
from codeloop.lm import Meter, MeteredLM  # noqa: E402
from codeloop.modules import MODULES, build_module, max_lm_calls  # noqa: E402

#: At MODULE_SYNTH_PROGRAMS check-refine solves the first task at once, the second on refining,
#: and refines the third until its iterations run out, so its bound is reached, not just met.
MODULE_TASKS = ("algorithms/balanced_brackets", "algorithms/can_segment", "algorithms/count_inversions")
MODULE_SYNTH_PROGRAMS = 300


@pytest.fixture(scope="module")
def module_views() -> list[TaskView]:
    tasks = {t.id: t for t in load_suite("bundled").tasks}
    return [tasks[i].view() for i in MODULE_TASKS]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_makes_no_more_lm_calls_than_it_declares(name, sandbox, small_lm, module_views):
    module = build_module(name, sandbox=sandbox)
    bound = max_lm_calls(module)
    used = []
    for view in module_views:
        meter = Meter()  # counts at the LM, draws from lm.copy(...) included
        with dspy.context(lm=MeteredLM(small_lm(MODULE_SYNTH_PROGRAMS), meter)):
            prediction = module(task=view)
        assert isinstance(prediction, dspy.Prediction) and isinstance(prediction.code, str), view.id
        assert meter.spend.calls <= bound, (view.id, meter.spend.calls, bound)
        assert prediction.lm_calls == meter.spend.calls, view.id  # the module's own count is the LM's
        used.append(meter.spend.calls)
    assert max(used) == bound, f"no task made {name} use its declared {bound} calls (used {used}); " \
                               "choose MODULE_TASKS where it does its most work"
