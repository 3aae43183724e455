"""Instruction methods: search over the instructions of a program's generation predictors,
leaving its demonstrations alone (seed instruction, APE, ProTeGi, OPRO)."""

from ._base import InstructionOptimizer
from ._methods import (
    ApeInstructions,
    OproInstructions,
    ProtegiInstructions,
    SeedInstruction,
    propose_instructions,
)

__all__ = [
    "ApeInstructions",
    "InstructionOptimizer",
    "OproInstructions",
    "ProtegiInstructions",
    "SeedInstruction",
    "propose_instructions",
]
