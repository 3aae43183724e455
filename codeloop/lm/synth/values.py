"""Value handling for the synthesizer: the error sentinel, size caps, type tags and equality.

Every DSL primitive result passes through :func:`bounded`, so no expression can produce an
int wider than ``MAX_INT_BITS`` bits, a string or container longer than ``MAX_LEN`` or a
non-finite float; primitives that could take long *before* producing their result (repeat,
multiply, ``range``, ``str(int)``) check their inputs with :func:`guard_*` first.
"""

from __future__ import annotations

import itertools
import marshal
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
        if t is list or t is tuple:
            if n and type(v[0]) in _CONTAINERS and _nested_len(v) > MAX_LEN:
                raise Bound("nested too long")
        # a set: every element, not the first one (which comes first depends on PYTHONHASHSEED)
        elif n and (t is set or t is frozenset) and _nested_len(v) > MAX_LEN:
            raise Bound("nested too long")
    return v


_CONTAINER_SET = frozenset(_CONTAINERS)


def _nested_len(v: Any) -> int:
    """Total length of the containers among ``v``'s elements."""
    if _CONTAINER_SET.issuperset(map(type, v)):
        return sum(map(len, v))
    return sum(len(e) for e in v if type(e) in _CONTAINER_SET)


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


def _list_tag(types: set) -> str:
    """The tag of a list whose (first 50) elements have these Python types (at least one)."""
    if len(types) == 1:
        return _LIST_TAGS.get(next(iter(types)), "list[any]")
    inner = {_ELEM_TAGS.get(et, "any") for et in types}
    if len(inner) == 1:
        return "list[" + inner.pop() + "]"
    if inner == _INT_FLOAT:
        return "list[float]"
    return "list"


def tag_of(v: Any) -> str:
    """The type tag of one value: int, bool, float, str, none, tuple, dict, set, list[T], list[?]."""
    t = type(v)
    tag = _SCALAR_TAGS.get(t)
    if tag is not None:
        return tag
    if t is list:
        if not v:
            return "list[?]"
        return _list_tag(set(map(type, v if len(v) <= 50 else v[:50])))
    if t is tuple:
        return "tuple"
    if t is dict:
        return "dict"
    if t in (set, frozenset):
        return "set"
    return "any"


# element type -> element tag (what ``tag_of`` puts inside ``list[...]``); other types: "any"
_ELEM_TAGS = {bool: "bool", int: "int", float: "float", str: "str", type(None): "any", list: "list",
              tuple: "tuple", dict: "dict"}
_LIST_TAGS = {t: "list[" + tag + "]" for t, tag in _ELEM_TAGS.items()}
_INT_FLOAT = frozenset({"int", "float"})


def unify(tags: list[str]) -> str:
    """One tag for a value vector: equal tags stay, int+float is float, empty lists defer to
    the other lists, anything else mixed is ``any``."""
    s = set(tags)
    if len(s) == 1:
        t = s.pop()
        return "list" if t == "list[?]" else t
    if s == _INT_FLOAT:
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


def checked_tag(vals: tuple) -> str:
    """``bounded`` on every value (raising :class:`Bound`) and then ``infer_tag``, in one pass
    with fast paths for vectors of one type. ``vals`` must not contain ``ERR``."""
    types = set(map(type, vals))
    if len(types) == 1:
        t = types.pop()
        if t is bool:
            return "bool"
        if t is int:
            if max(map(_bit_length, vals)) > MAX_INT_BITS:
                raise Bound("int too wide")
            return "int"
        if t is str:
            if max(map(len, vals)) > MAX_LEN:
                raise Bound("too long")
            return "str"
        if t is list:
            return _list_vector_tag(vals)
        if t is tuple:
            if max(map(len, vals)) > MAX_LEN:
                raise Bound("too long")
            _nested_types(vals)
            return "tuple"
        if t is dict:
            if max(map(len, vals)) > MAX_LEN:
                raise Bound("too long")
            return "dict"
        if t is float:
            if not all(map(math.isfinite, vals)):
                raise Bound("non-finite float")
            return "float"
        if t is _NONE:
            return "none"
    for v in vals:
        bounded(v)
    if not vals:
        return "any"
    return unify([tag_of(v) for v in vals])


def _list_vector_tag(vals: tuple) -> str:
    """``checked_tag`` for a vector of lists. The unified tag of the lists' own tags is the
    tag of one list holding all their (first 50) element types: a list's tag depends on the
    set of its element kinds only, and ``unify`` of such tags is the tag of the union."""
    longest = max(map(len, vals))
    if longest > MAX_LEN:
        raise Bound("too long")
    if longest <= 50:
        types = _nested_types(vals)
    else:
        types = set()
        for v in vals:
            if v:
                if type(v[0]) in _CONTAINERS and _nested_len(v) > MAX_LEN:
                    raise Bound("nested too long")
                types.update(map(type, v if len(v) <= 50 else v[:50]))
    if not types:
        return "list"
    return _list_tag(types)


def _nested_types(vals: tuple) -> set:
    """The element types of a vector of lists or tuples, after ``bounded``'s nested-length
    check of each (raising :class:`Bound`), with whole-vector shortcuts."""
    types = set(map(type, _chain(vals)))
    if types.isdisjoint(_CONTAINER_SET):
        return types  # no element is a container: nothing nested to check
    if _CONTAINER_SET.issuperset(types) and sum(map(len, _chain(vals))) <= MAX_LEN:
        return types  # all elements are containers, and not too long even all together
    for v in vals:
        if v and type(v[0]) in _CONTAINERS and _nested_len(v) > MAX_LEN:
            raise Bound("nested too long")
    return types


_chain = itertools.chain.from_iterable
_bit_length = int.bit_length
_NONE = type(None)
# Tags of vectors that are always hashable (scalars, and ERR): their key is the vector itself.
HASHABLE_TAGS = frozenset({"int", "bool", "float", "str", "none"})


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
    """A hashable key for observational equivalence: equal keys mean equal value vectors.

    Unhashable vectors are keyed by their serialized form (``marshal``, which like ``repr``
    tells 1, True and 1.0 apart, but is much faster), and those holding sets by their printed
    form with sets in a canonical order: a set's own order depends on PYTHONHASHSEED, and the
    same request must prune (and so answer) the same way in every process."""
    if tag in HASHABLE_TAGS:
        return (tag, vals)
    if tag[0] not in "lds":  # not list..., dict or set (tuple, any): maybe hashable
        try:
            hash(vals)
            return (tag, vals)
        except TypeError:
            pass
    if tag == "set":  # sets (and ERR): the common vector with sets
        try:
            return (tag, tuple(map(_set_key, vals)))
        except Exception:  # e.g. an int too long to print: never merged with anything
            return (tag, id(vals))
    try:
        data = marshal.dumps(vals, 2)
    except Exception:  # ERR among the values (or a value marshal does not know)
        try:
            data = marshal.dumps(tuple(_ERR_MARK if v is ERR else v for v in vals), 2)
        except Exception:
            data = None
    # version 2: no back-references or interning marks, so equal values give equal bytes; a
    # set (type code < or >) is serialized in its hash-seed dependent order
    if data is not None and ((b"<" not in data and b">" not in data) or not _has_set(vals)):
        return (tag, data)
    try:
        text = repr(vals)
        if "{" in text:  # maybe a set (or a dict, or a brace in a string)
            text = canonical_repr(vals)
        return (tag, text)
    except Exception:  # e.g. an int too long to print: never merged with anything
        return (tag, id(vals))


_ERR_MARK = StopIteration  # stands for ERR when serializing: marshal knows it, no value is it


def spread_key(tag: str, few: tuple, at: tuple, vals: tuple) -> Any:
    """``vector_key(tag, vals)`` for ``vals == tuple(few[i] for i in at)`` (a lambda-bank
    vector with one value per example), serializing each distinct value once: marshal's
    encoding of a tuple is a header followed by its items' encodings."""
    if tag in HASHABLE_TAGS:
        return (tag, vals)
    if tag[0] in "lds" and tag != "set":
        try:
            pieces = [marshal.dumps(_ERR_MARK if v is ERR else v, 2) for v in few]
        except Exception:
            return vector_key(tag, vals)
        head = _TUPLE_HEADS.get(len(vals))
        if head is None:
            head = _TUPLE_HEADS[len(vals)] = marshal.dumps((None,) * len(vals), 2)[:5]
        data = head + b"".join(map(pieces.__getitem__, at))
        if (b"<" not in data and b">" not in data) or not _has_set(few):
            return (tag, data)
    return vector_key(tag, vals)


_TUPLE_HEADS: dict[int, bytes] = {}  # tuple length -> marshal's header for a tuple that long


def _has_set(v: Any) -> bool:
    """Whether a set or frozenset is anywhere in ``v``."""
    t = type(v)
    if t is set or t is frozenset:
        return True
    if t is list or t is tuple:
        return not _PLAIN.issuperset(map(type, v)) and any(map(_has_set, v))
    if t is dict:
        return any(map(_has_set, v)) or any(map(_has_set, v.values()))
    return False


def _set_key(s: Any) -> Any:
    """A set's part of a vector key: the frozenset when ``==`` on its elements is as strict as
    their ``repr`` (ints and strings only), else its canonical printed form."""
    if type(s) is set and _INT_STR.issuperset(map(type, s)):
        return frozenset(s)
    return s if s is ERR else canonical_repr(s)


_INT_STR = frozenset({int, str})


def canonical_repr(v: Any) -> str:
    """``repr`` with the elements of every set sorted by their own canonical form."""
    t = type(v)
    if t is list or t is tuple:
        if _PLAIN.issuperset(map(type, v)):
            return repr(v)
        return ("[" + ", ".join(map(canonical_repr, v)) + "]" if t is list else
                "(" + ", ".join(map(canonical_repr, v)) + ("," if len(v) == 1 else "") + ")")
    if t is dict:
        if _PLAIN.issuperset(map(type, v)) and _PLAIN.issuperset(map(type, v.values())):
            return repr(v)
        return "{" + ", ".join(canonical_repr(k) + ": " + canonical_repr(x) for k, x in v.items()) + "}"
    if t is set or t is frozenset:
        if not v:
            return repr(v)
        inner = ", ".join(sorted(map(canonical_repr, v)))
        return ("{" + inner + "}") if t is set else ("frozenset({" + inner + "})")
    return repr(v)


_PLAIN = frozenset({int, float, str, bool, type(None)})
