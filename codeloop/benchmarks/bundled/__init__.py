"""codeloop's bundled task suite: original target functionalities, each with a reference solution.

Every entry is a :class:`Spec` (a description, the Python source of a reference function and
hand-picked inputs); expected outputs are never written by hand but computed by running the
reference in the sandbox (``_build.build_bundled_suite``). The built suite is stored as
package data (``codeloop/benchmarks/data/bundled.jsonl``) and loaded with
``codeloop.benchmarks._bundled.load_bundled_suite``. Regenerate it with
``python -m codeloop.benchmarks.bundled._build``.
"""

from __future__ import annotations

from typing import Any

from ._algorithms import SPECS as _ALGORITHMS
from ._dicts_sets import SPECS as _DICTS_SETS
from ._lists import SPECS as _LISTS
from ._numbers import SPECS as _NUMBERS
from ._spec import CATEGORIES, MIN_INPUTS, N_EXAMPLES, Spec
from ._strings import SPECS as _STRINGS

SPECS: tuple[Spec, ...] = (*_STRINGS, *_LISTS, *_NUMBERS, *_DICTS_SETS, *_ALGORITHMS)

__all__ = ["CATEGORIES", "MIN_INPUTS", "N_EXAMPLES", "SPECS", "Spec", "build_bundled_suite", "official_split"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that ``python -m codeloop.benchmarks.bundled._build`` runs cleanly.
    if name in ("build_bundled_suite", "official_split"):
        from . import _build

        return getattr(_build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
