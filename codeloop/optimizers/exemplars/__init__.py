"""Exemplar strategies: which training tasks a program shows as demonstrations, and in what order.

Fixed sets (``labeled-random``, ``bootstrapped``, ``diverse``), per-input retrieval
(``nearest``, a :class:`RetrievalProgram`), and searches over demo sets scored on dev
(``random-search``, ``mutation``). All share :class:`ExemplarOptimizer` and the demo pools
of ``_pool``.
"""

from ._base import ExemplarOptimizer
from ._pool import bootstrap_pool, demo_set_candidates, labeled_pool
from ._retrieval import RetrievalProgram
from ._search import DemoSetSearch, Mutation, RandomSearch
from ._strategies import Bootstrapped, Diverse, LabeledRandom, Nearest

__all__ = [
    "Bootstrapped",
    "DemoSetSearch",
    "Diverse",
    "ExemplarOptimizer",
    "LabeledRandom",
    "Mutation",
    "Nearest",
    "RandomSearch",
    "RetrievalProgram",
    "bootstrap_pool",
    "demo_set_candidates",
    "labeled_pool",
]
