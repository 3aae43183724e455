"""DSPy's own optimizers as baselines, under codeloop's accounting (``_bridge``) so that a
comparison with codeloop's optimizers spends and records LM calls the same way."""

from ._baselines import (
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
from ._bridge import DspyBaseline

__all__ = [
    "BootstrapFewShotBaseline",
    "BootstrapRandomSearchBaseline",
    "COPROBaseline",
    "DSPY_BASELINES",
    "DspyBaseline",
    "GEPABaseline",
    "KNNFewShotBaseline",
    "LabeledFewShotBaseline",
    "MIPROv2LightBaseline",
    "SIMBABaseline",
]
