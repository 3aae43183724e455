"""Value handling for the synthesizer: the error sentinel, size caps, type tags and equality.

Every DSL primitive result passes through :func:`bounded`, so no expression can produce an
int wider than ``MAX_INT_BITS`` bits, a string or container longer than ``MAX_LEN`` or a
non-finite float; primitives that could take long *before* producing their result (repeat,
multiply, ``range``, ``str(int)``) check their inputs with :func:`guard_*` first.
"""

from __future__ import annotations

import math
from typing import Any

MAX_INT_BITS = 128
MAX_LEN = 2000


class _Err:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ERR"


ERR: Any = _Err()


class Bound(Exception):
    """A primitive result (or input) exceeded the caps."""


_CONTAINERS = (list, tuple, set, frozenset, dict, str)


def bounded(v: Any) -> Any:
    t = type(v)
    if t is int:
        if v.bit_length() > MAX_INT_BITS:
            raise Bound("int too wide")
    elif t is float:
        if not math.isfinite(v):
            raise Bound("non-finite float")
    elif t in _CONTAINERS:
        n = len(v)
        if n > MAX_LEN:
            raise Bound("too long")
        if t is not str and n and t is not dict:
            first = next(iter(v))
            if type(first) in _CONTAINERS and sum(len(e) for e in v if type(e) in _CONTAINERS) > MAX_LEN:
                raise Bound("nested too long")
    return v


def guard_int(n: Any, limit: int = MAX_LEN) -> None:
    if type(n) is not int or abs(n) > limit:
        raise Bound("int argument out of range")


def guard_mul(a: Any, b: Any) -> None:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        if a.bit_length() + b.bit_length() > MAX_INT_BITS + 1:
            raise Bound("product too wide")
    elif ta in (str, list, tuple) and tb is int:
        if len(a) * max(b, 0) > MAX_LEN:
            raise Bound("repeat too long")
    elif tb in (str, list, tuple) and ta is int and len(b) * max(a, 0) > MAX_LEN:
        raise Bound("repeat too long")


def guard_len(v: Any) -> None:
    if len(v) > MAX_LEN:
        raise Bound("input too long")


# ---- type tags -------------------------------------------------------------------------

_SCALAR_TAGS = {bool: "bool", int: "int", float: "float", str: "str", type(None): "none"}
_ELEM_OF_LIST = {"int", "str", "float", "bool", "tuple", "dict"}


def tag_of(v: Any) -> str:
    """The type tag of one value: int, bool, float, str, none, tuple, dict, set, list[T], list[?]."""
    t = type(v)
    tag = _SCALAR_TAGS.get(t)
    if tag is not None:
        return tag
    if t is list:
        if not v:
            return "list[?]"
        inner = {_elem_tag_of(e) for e in v[:50]}
        if len(inner) == 1:
            return "list[" + inner.pop() + "]"
        if inner == {"int", "float"}:
            return "list[float]"
        return "list"
    if t is tuple:
        return "tuple"
    if t is dict:
        return "dict"
    if t in (set, frozenset):
        return "set"
    return "any"


def _elem_tag_of(e: Any) -> str:
    t = type(e)
    tag = _SCALAR_TAGS.get(t)
    if tag is not None:
        return tag if tag != "none" else "any"
    if t is list:
        return "list"
    if t is tuple:
        return "tuple"
    if t is dict:
        return "dict"
    return "any"


def unify(tags: list[str]) -> str:
    """One tag for a value vector: equal tags stay, int+float is float, empty lists defer to
    the other lists, anything else mixed is ``any``."""
    s = set(tags)
    if len(s) == 1:
        t = s.pop()
        return "list" if t == "list[?]" else t
    if s == {"int", "float"}:
        return "float"
    if all(t.startswith("list") for t in s):
        s.discard("list[?]")
        if len(s) == 1:
            return s.pop()
        if s == {"list[int]", "list[float]"}:
            return "list[float]"
        return "list"
    return "any"


def infer_tag(vals: tuple) -> str:
    tags = [tag_of(v) for v in vals if v is not ERR]
    return unify(tags) if tags else "any"


def elem_key(tag: str) -> str | None:
    """The element key used to route iteration over a value of this tag to a lambda bank."""
    if tag == "str":
        return "str"
    if tag.startswith("list["):
        inner = tag[5:-1]
        if inner in _ELEM_OF_LIST:
            return inner
        if inner == "list":
            return "list"
        return "any"
    if tag in ("list", "set", "dict"):
        return "any"
    return None


def is_list(tag: str) -> bool:
    return tag.startswith("list")


# ---- equality and keys -----------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Equality as a test would judge it, but strict about bool vs int and list vs tuple."""
    try:
        return _same(a, b)
    except Exception:
        return False


def _same(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if ta is float or tb is float:
        if ta not in (int, float) or tb not in (int, float):
            return False
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if ta is not tb:
        return False
    if ta in (list, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if ta is dict:
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:
        return False


def vector_key(tag: str, vals: tuple) -> Any:
    """A hashable key for observational equivalence: equal keys mean equal value vectors."""
    try:
        hash(vals)
        return (tag, vals)
    except TypeError:
        try:
            return (tag, repr(vals))
        except Exception:  # e.g. an int too long to print: never merged with anything
            return (tag, id(vals))
