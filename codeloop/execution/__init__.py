"""Running untrusted candidate code against tests: the sandbox, its records, and its cache.

Values that cross the boundary (arguments in, outputs back) are encoded by ``_codec``:
None, bool, int, float, complex, str, bytes, list, tuple, set, frozenset and dict; outputs
of any other type are a ``failed`` verdict with the reason.
"""

from ._cache import ResultCache, result_key
from ._codec import Unencodable, decode, encode
from ._isolation import namespace_support
from ._judge import values_equal
from ._models import AssertTest, IOTest, Limits, RunResult, SatTest, Status, Test, Verdict
from ._sandbox import Sandbox, default_sandbox

__all__ = [
    "AssertTest",
    "IOTest",
    "Limits",
    "ResultCache",
    "RunResult",
    "Sandbox",
    "SatTest",
    "Status",
    "Test",
    "Unencodable",
    "Verdict",
    "decode",
    "default_sandbox",
    "encode",
    "namespace_support",
    "result_key",
    "values_equal",
]
