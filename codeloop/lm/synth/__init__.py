"""An offline, search-based program synthesizer (not a language model).

Bottom-up enumeration over a typed DSL of Python building blocks, by increasing cost under a
prior over blocks, with observational-equivalence pruning on the example inputs. Priors come
from demonstration code (:func:`prior_from_code`) and instruction text
(:func:`prior_from_instruction`); better demonstrations and wording make more tasks solvable
within the same :class:`SearchBudget`. Pure library: no DSPy dependency.
"""

from .api import SearchBudget, SynthesisResult, synthesize
from .dsl import BASE_WEIGHTS, PRODUCTIONS, Prod
from .prior import (
    KEYWORD_BLOCKS,
    Prior,
    blocks_in_code,
    blocks_in_instruction,
    prior_from_code,
    prior_from_instruction,
)

__all__ = [
    "BASE_WEIGHTS",
    "KEYWORD_BLOCKS",
    "PRODUCTIONS",
    "Prior",
    "Prod",
    "SearchBudget",
    "SynthesisResult",
    "blocks_in_code",
    "blocks_in_instruction",
    "prior_from_code",
    "prior_from_instruction",
    "synthesize",
]
