"""Optimizers: exemplar strategies, instruction proposers, the joint budgeted search, and DSPy's
optimizers as baselines, all under one contract (``compile(student, trainset=, valset=)``) and
one accounting (every LM call counted by ``codeloop.lm``'s metered LM, every candidate recorded
as a trial). The contract is written once, in :class:`CodeloopOptimizer`.

Build one by name with ``build_optimizer`` (names in ``OPTIMIZER_NAMES``); give it tasks as
DSPy examples with ``task_examples``; save and load what it returns with ``save_program`` /
``load_program``.
"""

from ._base import CodeloopOptimizer, Evaluation, Session
from ._examples import task_example, task_examples
from ._program_edits import generation_predictors, labeled_demos, set_demos, set_instructions
from ._registry import OPTIMIZER_NAMES, build_optimizer, optimizer_class
from ._saved import load_program, save_program
from ._trials import Trial, save_trials
from .baselines import (
    DSPY_BASELINES,
    BootstrapFewShotBaseline,
    BootstrapRandomSearchBaseline,
    COPROBaseline,
    GEPABaseline,
    KNNFewShotBaseline,
    LabeledFewShotBaseline,
    MIPROv2LightBaseline,
    SIMBABaseline,
)
from .exemplars import (
    Bootstrapped,
    Diverse,
    LabeledRandom,
    Mutation,
    Nearest,
    RandomSearch,
    RetrievalProgram,
    bootstrap_pool,
    demo_set_candidates,
    labeled_pool,
)
from .instructions import (
    ApeInstructions,
    OproInstructions,
    ProtegiInstructions,
    SeedInstruction,
    propose_instructions,
)
from .joint import JointSearch, open_storage

__all__ = [
    "ApeInstructions",
    "BootstrapFewShotBaseline",
    "BootstrapRandomSearchBaseline",
    "Bootstrapped",
    "COPROBaseline",
    "CodeloopOptimizer",
    "DSPY_BASELINES",
    "Diverse",
    "Evaluation",
    "GEPABaseline",
    "JointSearch",
    "KNNFewShotBaseline",
    "LabeledFewShotBaseline",
    "LabeledRandom",
    "MIPROv2LightBaseline",
    "Mutation",
    "Nearest",
    "OPTIMIZER_NAMES",
    "OproInstructions",
    "ProtegiInstructions",
    "RandomSearch",
    "RetrievalProgram",
    "SIMBABaseline",
    "SeedInstruction",
    "Session",
    "Trial",
    "bootstrap_pool",
    "build_optimizer",
    "demo_set_candidates",
    "generation_predictors",
    "labeled_demos",
    "labeled_pool",
    "load_program",
    "open_storage",
    "optimizer_class",
    "propose_instructions",
    "save_program",
    "save_trials",
    "set_demos",
    "set_instructions",
    "task_example",
    "task_examples",
]
