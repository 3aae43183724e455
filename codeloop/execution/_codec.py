"""The canonical JSON-safe form of values that cross the sandbox boundary.

Standard library only: the zygote imports this file by path, without the rest of codeloop.

Types that cross (and nothing else):
    None, bool, int, float (nan and +-inf included), complex, str, bytes,
    list, tuple, set, frozenset, dict (any encodable keys).
Subclasses (``Counter``, ``OrderedDict``, named tuples, ``IntEnum`` ...) cross as their
built-in base, so the parent only ever compares plain built-in values: an object with a
forged ``__eq__`` can at most choose which plain value it is encoded as, which is the same
power as returning that value. Anything else (user classes, generators, numpy arrays)
raises :class:`Unencodable`, and the parent turns that into a ``failed`` verdict.

Decoding runs in the trusted parent on bytes a candidate wrote, so it is bounded: at most
``max_nodes`` values, nested at most ``MAX_DEPTH`` deep, and no set or dict whose keys crowd
onto one hash value (ints, floats and tuples can be made to collide at will, and Python's
sets then cost quadratic time to build). Over a limit it raises :class:`DecodeLimit`, which
names the limit.

JSON objects are always tags, so a plain JSON value never needs escaping:
    {"t": [...]} tuple, {"s": [...]} set, {"fs": [...]} frozenset, {"d": [[k, v], ...]} dict,
    {"b": "<hex>"} bytes, {"c": [re, im]} complex, {"f": "nan" | "inf" | "-inf"} float,
    {"i": "<hex>"} an int too large for decimal JSON (beyond 4000 digits).
"""

from __future__ import annotations

import math
from typing import Any

MAX_DEPTH = 64
BIG_INT = 10**4000
MAX_NODES = 1_000_000  # decode's default; the sandbox passes a bound from the run's limits
MAX_EQUAL_HASHES = 32  # keys of one set or dict that may share a hash value
# Builtins the child's runner may apply to a call's result before encoding it (``sorted(f(x))``
# in an assertion judged by the parent): always the runner's own, never the candidate's names.
WRAPPERS = ("list", "tuple", "set", "frozenset", "sorted", "len", "sum", "min", "max", "bool", "str", "int",
            "float", "abs", "round", "dict", "any", "all")


class Unencodable(TypeError):
    """The value cannot cross the boundary; ``type_name`` says which type was met."""

    def __init__(self, type_name: str, reason: str = "") -> None:
        super().__init__(reason or f"values of type {type_name!r} cannot cross the sandbox boundary")
        self.type_name = type_name


def _float(x: float) -> Any:
    if math.isfinite(x):
        return x
    return {"f": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def encode(value: Any, *, max_nodes: int = 1_000_000) -> Any:
    """Return the JSON-safe form of ``value``; raise :class:`Unencodable` if it cannot cross."""
    budget = [max_nodes]

    def enc(x: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise Unencodable(type(x).__name__, f"value has more than {max_nodes} parts")
        if depth > MAX_DEPTH:
            raise Unencodable(type(x).__name__, f"value is nested deeper than {MAX_DEPTH} levels")
        if x is None or x is True or x is False:
            return x
        # bool is checked above; order matters because bool subclasses int.
        if isinstance(x, int):
            value = int.__index__(x)
            # Beyond ~4000 digits Python refuses decimal conversion; hex has no such limit.
            return value if -BIG_INT < value < BIG_INT else {"i": hex(value)}
        if isinstance(x, float):
            return _float(float.__float__(x))
        if isinstance(x, str):
            return str.__str__(x)
        if isinstance(x, complex):
            z = complex.__complex__(x) if hasattr(complex, "__complex__") else complex(x)
            return {"c": [_float(z.real), _float(z.imag)]}
        if isinstance(x, (bytes, bytearray)):
            return {"b": bytes(x).hex()}
        if isinstance(x, list):
            return [enc(item, depth + 1) for item in list.__iter__(x)]
        if isinstance(x, tuple):
            return {"t": [enc(item, depth + 1) for item in tuple.__iter__(x)]}
        if isinstance(x, frozenset):
            return {"fs": [enc(item, depth + 1) for item in frozenset.__iter__(x)]}
        if isinstance(x, set):
            return {"s": [enc(item, depth + 1) for item in set.__iter__(x)]}
        if isinstance(x, dict):
            return {"d": [[enc(k, depth + 1), enc(v, depth + 1)] for k, v in dict.items(x)]}
        raise Unencodable(type(x).__name__)

    return enc(value, 0)


_SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class DecodeLimit(ValueError):
    """Decoding stopped at one of its limits; the message names the limit."""


def _check_hashes(keys: list) -> None:
    """Refuse keys that crowd onto one hash value (``TypeError`` if one is unhashable)."""
    counts: dict[int, int] = {}  # hash values are distinct ints below 2**61: no collisions here
    for key in keys:
        h = hash(key)
        n = counts.get(h, 0) + 1
        if n > MAX_EQUAL_HASHES:
            raise DecodeLimit(f"more than {MAX_EQUAL_HASHES} keys of one set or dict share a hash value "
                              "(a hash-collision flood)")
        counts[h] = n


def safe_set(items: list) -> set:
    """``set(items)``, refusing a hash-collision flood (see :class:`DecodeLimit`)."""
    _check_hashes(items)
    return set(items)


def safe_dict(pairs: list) -> dict:
    """``dict(pairs)``, refusing a hash-collision flood in the keys."""
    _check_hashes([key for key, _ in pairs])
    return dict(pairs)


def decode(data: Any, *, max_nodes: int = MAX_NODES) -> Any:
    """Rebuild plain built-in values from :func:`encode`'s form; raise ``ValueError`` if malformed,
    :class:`DecodeLimit` (a ``ValueError``) past ``max_nodes`` values, ``MAX_DEPTH`` levels, or
    ``MAX_EQUAL_HASHES`` keys of one set or dict on one hash value.

    The parent calls this on bytes written by untrusted code, so every shape is checked.
    """
    budget = [max_nodes]

    def dec(x: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise DecodeLimit(f"the value has more than {max_nodes} parts")
        if depth > MAX_DEPTH + 1:
            raise DecodeLimit(f"the value is nested deeper than {MAX_DEPTH} levels")
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        if isinstance(x, list):
            return [dec(item, depth + 1) for item in x]
        if not isinstance(x, dict) or len(x) != 1:
            raise ValueError(f"malformed encoded value: {str(x)[:80]}")
        (tag, body), = x.items()
        if tag == "t":
            return tuple(dec(item, depth + 1) for item in _list(body, tag))
        if tag == "s":
            return safe_set([dec(item, depth + 1) for item in _list(body, tag)])
        if tag == "fs":
            return frozenset(safe_set([dec(item, depth + 1) for item in _list(body, tag)]))
        if tag == "d":
            pairs = []
            for pair in _list(body, tag):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise ValueError("malformed dict entry in encoded value")
                pairs.append((dec(pair[0], depth + 1), dec(pair[1], depth + 1)))
            return safe_dict(pairs)
        if tag == "b" and isinstance(body, str):
            return bytes.fromhex(body)
        if tag == "c" and isinstance(body, list) and len(body) == 2:
            return complex(dec(body[0], depth + 1), dec(body[1], depth + 1))
        if tag == "f" and body in _SPECIAL_FLOATS:
            return float(body)  # a fresh object: nan must not be identical to another nan
        if tag == "i" and isinstance(body, str) and len(body) < 1_000_000:
            return int(body, 16)
        raise ValueError(f"unknown tag {tag!r} in encoded value")

    try:
        return dec(data, 0)
    except RecursionError:
        raise DecodeLimit("the value is nested too deeply to decode") from None
    except (TypeError, OverflowError) as exc:  # unhashable set items, huge numbers
        raise ValueError(f"malformed encoded value: {type(exc).__name__}: {str(exc)[:100]}") from None


def _list(body: Any, tag: str) -> list:
    if not isinstance(body, list):
        raise ValueError(f"tag {tag!r} needs a list, got {type(body).__name__}")
    return body
