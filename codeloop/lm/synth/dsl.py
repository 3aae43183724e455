"""The typed DSL: Python building blocks as productions over type tags.

Each :class:`Prod` is one building block: a name (the key of the prior), argument type
predicates, a total primitive (it may raise; the search catches it per expression), a code
template with operator precedences, and the imports its code needs. Comprehension-style
blocks (those with ``kind`` other than ``"plain"``) take lambda bodies from a lambda bank.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .values import guard_int, guard_len, guard_mul, is_list

ATOM = 16  # precedence of names, literals, calls, subscripts

# ---- type predicates ---------------------------------------------------------------------


def NUM(t: str) -> bool:
    return t in ("int", "float")


def INT(t: str) -> bool:
    return t == "int"


def BOOL(t: str) -> bool:
    return t == "bool"


def STR(t: str) -> bool:
    return t == "str"


def LIST(t: str) -> bool:
    return is_list(t)


def NUMLIST(t: str) -> bool:
    return t in ("list[int]", "list[float]", "list[bool]")


def STRLIST(t: str) -> bool:
    return t == "list[str]"


def SEQ(t: str) -> bool:
    return t == "str" or is_list(t)


def ITER(t: str) -> bool:
    return t in ("str", "set", "dict") or is_list(t)


def STABLE_ITER(t: str) -> bool:
    """Iterables whose iteration order does not depend on the process: not sets, whose order
    for strings changes with PYTHONHASHSEED (the synthesizer and the sandbox must agree, and
    the same request must give the same program in every process)."""
    return t in ("str", "dict") or is_list(t)


def ORDERED(t: str) -> bool:
    return t in ("str", "list[int]", "list[float]", "list[str]", "list[tuple]", "list[list]", "set")


def SET(t: str) -> bool:
    return t == "set"


def DICT(t: str) -> bool:
    return t == "dict"


def SEQT(t: str) -> bool:
    return t in ("str", "tuple") or is_list(t)


def PAIRS(t: str) -> bool:
    return t in ("list[tuple]", "list[list]", "list")


def ANY(t: str) -> bool:
    return True


# ---- productions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Prod:
    name: str
    args: tuple[Callable[[str], bool], ...]
    fn: Callable[..., Any]
    template: str  # str.format template over rendered arguments
    prec: int = ATOM  # precedence of the rendered result
    arg_prec: tuple[int, ...] = ()  # minimal precedence each argument must have (else parens)
    check: Callable[..., bool] | None = None  # extra constraint on argument tags
    kind: str = "plain"  # plain | map | filter | map_filter | key | fold
    imports: tuple[str, ...] = ()
    iter_template: str | None = None  # rendering when used as the iterable of a comprehension
    commutative: bool = False
    lam: bool = True  # also usable inside lambda bodies

    @property
    def arity(self) -> int:
        return len(self.args)


def _same_tags(a: str, b: str) -> bool:
    return a == b or (NUM(a) and NUM(b))


def _cmp_ok(a: str, b: str) -> bool:
    return (NUM(a) and NUM(b)) or (a == b and a in ("str", "list[int]", "list[str]"))


def _eq_ok(a: str, b: str) -> bool:
    return _same_tags(a, b) or a == "any" or b == "any" or (is_list(a) and is_list(b))


def _in_ok(x: str, c: str) -> bool:
    if c == "str":
        return x == "str"
    if is_list(c):
        inner = c[5:-1] if c.startswith("list[") else "any"
        return inner in ("any", "?", x) or x == "any" or (inner == "list" and is_list(x))
    return c in ("set", "dict")


def _concat_ok(a: str, b: str) -> bool:
    return (a == b == "str") or (is_list(a) and is_list(b))


# Primitives are C functions where one does exactly what the block means (the search calls
# them millions of times); the others are small Python functions.
_div = operator.truediv
_floordiv = operator.floordiv
_mod = operator.mod


def _mul(a: Any, b: Any) -> Any:
    guard_mul(a, b)
    return a * b


def _repeat(s: Any, n: int) -> Any:
    guard_mul(s, n)
    return s * n


_sub = operator.sub


def _index(s: Any, i: int) -> Any:
    if type(i) is not int:
        raise TypeError
    return s[i]


def _slice(s: Any, a: int, b: int) -> Any:
    return s[a:b]


def _slice_from(s: Any, a: int) -> Any:
    return s[a:]


def _slice_to(s: Any, b: int) -> Any:
    return s[:b]


def _step(s: Any, k: int) -> Any:
    return s[::k]


_rev = operator.itemgetter(slice(None, None, -1))  # s[::-1]


def _sorted(s: Any) -> list:
    guard_len(s)
    return sorted(s)


def _sorted_desc(s: Any) -> list:
    guard_len(s)
    return sorted(s, reverse=True)


def _to_str(x: Any) -> str:
    if type(x) is int and x.bit_length() > 256:
        raise ValueError
    if type(x) not in (int, float, bool):
        raise TypeError
    return str(x)


def _to_int(x: Any) -> int:
    if type(x) is str:
        if len(x) > 40:
            raise ValueError
        return int(x)
    if type(x) in (float, bool):
        return int(x)
    raise TypeError


def _range1(n: int) -> list:
    guard_int(n)
    return list(range(n))


def _range2(a: int, b: int) -> list:
    guard_int(a)
    guard_int(b)
    return list(range(a, b))


def _range_incl(a: int, b: int) -> list:
    guard_int(a)
    guard_int(b)
    return list(range(a, b + 1))


_split = str.split  # s.split()
_split_sep = str.split  # s.split(sep)
_join = str.join  # sep.join(xs)


def _replace(s: str, a: str, b: str) -> str:
    if a == "" or len(s) * max(len(b), 1) > 4 * 2000:
        raise ValueError
    return s.replace(a, b)


def _count(s: Any, x: Any) -> int:
    if type(s) is str and type(x) is not str:
        raise TypeError
    return s.count(x)


_find = str.find


def _list_index(s: Any, x: Any) -> int:
    return s.index(x)


def _in(x: Any, c: Any) -> bool:
    if type(c) is str and type(x) is not str:
        raise TypeError
    return x in c


def _not_in(x: Any, c: Any) -> bool:
    return not _in(x, c)


def _sum(xs: Any) -> Any:
    if xs and type(next(iter(xs))) is bool:
        raise TypeError
    return sum(xs)


def _prod(xs: Any) -> Any:
    out = 1
    for x in xs:
        out = _mul(out, x)
    return out


def _accumulate(xs: list) -> list:
    return list(itertools.accumulate(xs))


def _running_max(xs: list) -> list:
    return list(itertools.accumulate(xs, max))


def _zip(a: Any, b: Any) -> list:
    return list(zip(a, b))


def _enumerate(a: Any) -> list:
    return list(enumerate(a))


def _dict_pairs(xs: Any) -> dict:
    return dict(xs)


def _dict_zip(a: Any, b: Any) -> dict:
    return dict(zip(a, b))


def _get(d: dict, k: Any, default: Any) -> Any:
    return d.get(k, default)


_dget = operator.getitem  # d[k]


def _ite(c: bool, a: Any, b: Any) -> Any:
    return a if c else b


_min2 = min
_max2 = max


def _and(a: bool, b: bool) -> bool:
    return a and b


def _or(a: bool, b: bool) -> bool:
    return a or b


def _tuple2(a: Any, b: Any) -> tuple:
    return (a, b)


_issubset = operator.le  # a <= b


def _mk(name: str, args: tuple, fn: Callable, template: str, prec: int = ATOM,
        arg_prec: tuple[int, ...] | None = None, **kw: Any) -> Prod:
    if arg_prec is None:
        arg_prec = (0,) * len(args)
    return Prod(name, args, fn, template, prec, arg_prec, **kw)


def _bin(name: str, a: Callable, b: Callable, fn: Callable, sym: str, prec: int, **kw: Any) -> Prod:
    return _mk(name, (a, b), fn, "{0} " + sym + " {1}", prec, (prec, prec + 1), **kw)


def _call1(name: str, a: Callable, fn: Callable, fname: str, **kw: Any) -> Prod:
    return _mk(name, (a,), fn, fname + "({0})", **kw)


def _meth(name: str, args: tuple, fn: Callable, meth: str, **kw: Any) -> Prod:
    rest = ", ".join("{" + str(i) + "}" for i in range(1, len(args)))
    return _mk(name, args, fn, "{0}." + meth + "(" + rest + ")", ATOM, (ATOM,) + (0,) * (len(args) - 1), **kw)


def _unmeth(name: str, meth: str) -> Prod:
    return _meth(name, (STR,), operator.methodcaller(meth), meth)


CMP = 6

PRODUCTIONS: tuple[Prod, ...] = (
    # arithmetic
    _bin("add", NUM, NUM, operator.add, "+", 11, commutative=True),
    _bin("sub", NUM, NUM, _sub, "-", 11),
    _bin("mul", NUM, NUM, _mul, "*", 12, commutative=True),
    _bin("floordiv", INT, INT, _floordiv, "//", 12),
    _bin("mod", INT, INT, _mod, "%", 12),
    _bin("div", NUM, NUM, _div, "/", 12),
    _mk("neg", (NUM,), operator.neg, "-{0}", 13, (13,)),
    _call1("abs", NUM, abs, "abs"),
    _mk("min2", (NUM, NUM), _min2, "min({0}, {1})", commutative=True),
    _mk("max2", (NUM, NUM), _max2, "max({0}, {1})", commutative=True),
    # comparisons and logic
    _bin("eq", ANY, ANY, operator.eq, "==", CMP, check=_eq_ok, commutative=True),
    _bin("ne", ANY, ANY, operator.ne, "!=", CMP, check=_eq_ok, commutative=True),
    _bin("lt", ANY, ANY, operator.lt, "<", CMP, check=_cmp_ok),
    _bin("le", ANY, ANY, operator.le, "<=", CMP, check=_cmp_ok),
    _bin("gt", ANY, ANY, operator.gt, ">", CMP, check=_cmp_ok),
    _bin("ge", ANY, ANY, operator.ge, ">=", CMP, check=_cmp_ok),
    _bin("and", BOOL, BOOL, _and, "and", 4, commutative=True),
    _bin("or", BOOL, BOOL, _or, "or", 3, commutative=True),
    _mk("not", (BOOL,), operator.not_, "not {0}", 5, (5,)),
    _mk("ite", (BOOL, ANY, ANY), _ite, "{1} if {0} else {2}", 2, (3, 3, 2),
        check=lambda c, a, b: _same_tags(a, b) or (is_list(a) and is_list(b))),
    # strings
    _unmeth("lower", "lower"),
    _unmeth("upper", "upper"),
    _unmeth("strip", "strip"),
    _unmeth("capitalize", "capitalize"),
    _unmeth("title", "title"),
    _unmeth("swapcase", "swapcase"),
    _unmeth("isdigit", "isdigit"),
    _unmeth("isalpha", "isalpha"),
    _unmeth("isupper", "isupper"),
    _unmeth("islower", "islower"),
    _unmeth("isalnum", "isalnum"),
    _meth("split", (STR,), _split, "split"),
    _meth("split_sep", (STR, STR), _split_sep, "split"),
    _meth("join", (STR, STRLIST), _join, "join"),
    _meth("replace", (STR, STR, STR), _replace, "replace"),
    _meth("startswith", (STR, STR), str.startswith, "startswith"),
    _meth("endswith", (STR, STR), str.endswith, "endswith"),
    _meth("count", (SEQ, ANY), _count, "count",
          check=lambda s, x: (s == "str" and x == "str") or (s != "str" and _in_ok(x, s))),
    _meth("find", (STR, STR), _find, "find"),
    _meth("list_index", (LIST, ANY), _list_index, "index", check=lambda s, x: _in_ok(x, s)),
    _call1("str", NUM, _to_str, "str"),
    _mk("int", (lambda t: t in ("str", "float"),), _to_int, "int({0})"),
    _bin("repeat", SEQ, INT, _repeat, "*", 12),
    # sequences
    _call1("len", ITER, len, "len"),
    _mk("concat", (SEQ, SEQ), operator.add, "{0} + {1}", 11, (11, 12), check=_concat_ok),
    _mk("index", (SEQT, INT), _index, "{0}[{1}]", ATOM, (ATOM, 0)),
    _mk("slice", (SEQ, INT, INT), _slice, "{0}[{1}:{2}]", ATOM, (ATOM, 0, 0)),
    _mk("slice_from", (SEQ, INT), _slice_from, "{0}[{1}:]", ATOM, (ATOM, 0)),
    _mk("slice_to", (SEQ, INT), _slice_to, "{0}[:{1}]", ATOM, (ATOM, 0)),
    _mk("step", (SEQ, INT), _step, "{0}[::{1}]", ATOM, (ATOM, 0)),
    _mk("rev", (SEQ,), _rev, "{0}[::-1]", ATOM, (ATOM,)),
    _call1("sorted", ORDERED, _sorted, "sorted"),
    _mk("sorted_desc", (ORDERED,), _sorted_desc, "sorted({0}, reverse=True)"),
    _call1("sum", NUMLIST, _sum, "sum"),
    _call1("min", ORDERED, min, "min"),
    _call1("max", ORDERED, max, "max"),
    _call1("any", lambda t: t == "list[bool]", any, "any"),
    _call1("all", lambda t: t == "list[bool]", all, "all"),
    _call1("set", ITER, set, "set"),
    _call1("list", lambda t: t in ("str", "tuple"), list, "list"),
    _mk("in", (ANY, ITER), _in, "{0} in {1}", CMP, (CMP + 1, CMP + 1), check=_in_ok),
    _mk("not_in", (ANY, ITER), _not_in, "{0} not in {1}", CMP, (CMP + 1, CMP + 1), check=_in_ok),
    _mk("range", (INT,), _range1, "list(range({0}))", iter_template="range({0})"),
    _mk("range2", (INT, INT), _range2, "list(range({0}, {1}))", iter_template="range({0}, {1})"),
    _mk("range_incl", (INT, INT), _range_incl, "list(range({0}, {1} + 1))",
        iter_template="range({0}, {1} + 1)", arg_prec=(0, 11)),
    _mk("zip", (LIST, LIST), _zip, "list(zip({0}, {1}))", iter_template="zip({0}, {1})"),
    _mk("enumerate", (SEQ,), _enumerate, "list(enumerate({0}))", iter_template="enumerate({0})"),
    _mk("prod", (NUMLIST,), _prod, "math.prod({0})", imports=("import math",)),
    _mk("accumulate", (NUMLIST,), _accumulate, "list(accumulate({0}))",
        imports=("from itertools import accumulate",)),
    _mk("running_max", (NUMLIST,), _running_max, "list(accumulate({0}, max))",
        imports=("from itertools import accumulate",)),
    _mk("tuple2", (ANY, ANY), _tuple2, "({0}, {1})"),
    # dicts and sets
    _mk("keys", (DICT,), list, "list({0})", iter_template="{0}"),
    _meth("values", (DICT,), lambda d: list(d.values()), "values"),
    _meth("items", (DICT,), lambda d: list(d.items()), "items"),
    _mk("dict", (PAIRS,), _dict_pairs, "dict({0})"),
    _mk("dict_zip", (LIST, LIST), _dict_zip, "dict(zip({0}, {1}))"),
    _meth("get", (DICT, ANY, ANY), _get, "get"),
    _mk("dget", (DICT, ANY), _dget, "{0}[{1}]", ATOM, (ATOM, 0)),
    _bin("set_union", SET, SET, operator.or_, "|", 7, commutative=True),
    _bin("set_inter", SET, SET, operator.and_, "&", 9, commutative=True),
    _bin("set_diff", SET, SET, operator.sub, "-", 11),
    _bin("set_symdiff", SET, SET, operator.xor, "^", 8, commutative=True),
    _bin("issubset", SET, SET, _issubset, "<=", CMP),
    # comprehensions (lambda bodies come from a lambda bank)
    _mk("comp_map", (STABLE_ITER,), None, "[{1} for {x} in {0}]", kind="map", lam=False),
    _mk("comp_filter", (STABLE_ITER,), None, "[{x} for {x} in {0} if {1}]", kind="filter", lam=False),
    _mk("comp_map_filter", (STABLE_ITER,), None, "[{1} for {x} in {0} if {2}]", kind="map_filter", lam=False),
    _mk("sorted_key", (STABLE_ITER,), None, "sorted({0}, key=lambda {x}: {1})", kind="key", lam=False),
    _mk("max_key", (STABLE_ITER,), None, "max({0}, key=lambda {x}: {1})", kind="key", lam=False),
    _mk("min_key", (STABLE_ITER,), None, "min({0}, key=lambda {x}: {1})", kind="key", lam=False),
)

# Leaves are blocks too: parameters, the lambda variable and constants.
PARAM = "param"
VAR = "var"

DEFAULT_CONSTANTS: tuple[Any, ...] = (0, 1, 2, -1, 3, 10, True, False, "", " ", "aeiou")


def const_block(value: Any) -> str:
    return "const:" + repr(value)


# Base weights: the DSL's generic prior before any demonstration or instruction (unnamed
# blocks weigh 1.0). Larger is explored earlier.
BASE_WEIGHTS: dict[str, float] = {
    PARAM: 12.0, VAR: 12.0,
    "add": 3.0, "sub": 3.0, "mul": 3.0, "floordiv": 1.5, "mod": 2.0, "div": 0.7, "neg": 0.7,
    "abs": 1.0, "min2": 1.0, "max2": 1.0,
    "eq": 2.0, "ne": 1.2, "lt": 1.5, "le": 1.0, "gt": 1.5, "ge": 1.0, "and": 1.0, "or": 1.0, "not": 1.0,
    "ite": 0.8,
    "lower": 1.0, "upper": 1.0, "strip": 0.7, "capitalize": 0.5, "title": 0.5, "swapcase": 0.4,
    "isdigit": 0.6, "isalpha": 0.5, "isupper": 0.5, "islower": 0.4, "isalnum": 0.3,
    "split": 1.5, "split_sep": 0.6, "join": 1.5, "replace": 0.6, "startswith": 0.6, "endswith": 0.5,
    "count": 1.0, "find": 0.4, "list_index": 0.5, "str": 1.0, "int": 1.0, "repeat": 0.6,
    "len": 3.0, "concat": 1.5, "index": 2.0, "slice": 0.7, "slice_from": 1.0, "slice_to": 1.0,
    "step": 0.8, "rev": 1.5, "sorted": 2.0, "sorted_desc": 0.8, "sum": 2.5, "min": 1.5, "max": 1.5,
    "any": 0.8, "all": 0.8, "set": 1.5, "list": 0.8, "in": 1.5, "not_in": 0.8, "range": 1.0,
    "range2": 0.6, "range_incl": 0.6, "zip": 0.8, "enumerate": 0.5, "prod": 0.5, "accumulate": 0.5,
    "running_max": 0.3, "tuple2": 0.5, "keys": 1.0, "values": 1.0, "items": 1.0, "dict": 0.6,
    "dict_zip": 0.5, "get": 0.5, "dget": 0.6, "set_union": 0.8, "set_inter": 0.8, "set_diff": 0.8,
    "set_symdiff": 0.5, "issubset": 0.5,
    "comp_map": 3.0, "comp_filter": 3.0, "comp_map_filter": 2.0, "sorted_key": 0.8, "max_key": 0.6,
    "min_key": 0.6,
    "const:0": 3.0, "const:1": 3.0, "const:2": 2.0, "const:-1": 1.5, "const:3": 0.25, "const:10": 0.25,
    "const:True": 0.6, "const:False": 0.6, "const:''": 1.0, "const:' '": 1.0, "const:'aeiou'": 0.3,
}
# Constants found in the examples (output characters absent from the inputs) get this weight.
EXAMPLE_CONST_WEIGHT = 0.5
# Constants a prior introduces without a base weight start from this weight before scaling.
NEW_CONST_WEIGHT = 0.25
