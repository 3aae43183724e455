"""Assertion tests judged in the parent: the child computes values, the parent compares.

An :class:`AssertTest` (``assert f(3) in (1, 2)``, a HumanEval ``check(candidate)``) is
split, where its form allows, into

* **calls** of the function under test with arguments the parent can compute, each
  optionally wrapped in builtins applied *in the child by the runner* (``sorted(f(x))``,
  ``list(f(x))``: the runner's own builtins, never names from the candidate's globals), whose
  results cross the boundary as plain values; and
* **checks**: each ``assert`` expression, evaluated here over the decoded results with the
  real builtins, with Python's own short-circuiting (a call whose result is never needed does
  not decide anything, even if it failed).

So an always-equal object cannot pass (it cannot cross), and redefining ``sorted`` or ``len``
in the candidate changes nothing. What does not fit the form (loops, helper functions,
methods on results, f-strings ...) is not split: it runs in the child and its verdict says
``decided_in="child"``. Nothing here executes test code: the checks are interpreted node by
node over a small grammar, with every operation's cost bounded.
"""

from __future__ import annotations

import ast
import builtins
import functools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import _pyast
from . import _codec

WRAPPERS = frozenset(_codec.WRAPPERS)  # applied by the runner in the child, one positional argument each
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: getattr(builtins, name)
    for name in ("abs", "all", "any", "bool", "bytes", "chr", "complex", "dict", "float", "frozenset", "int",
                 "isinstance", "len", "list", "max", "min", "ord", "repr", "round", "set", "sorted", "str", "sum",
                 "tuple")
}
_TYPES = {name: _FUNCTIONS[name] for name in ("bool", "bytes", "complex", "dict", "float", "frozenset", "int",
                                              "list", "set", "str", "tuple")}
# Pure functions whose cost is bounded by their arguments' size (no gcd, prod or factorial).
_MATH = {name: getattr(math, name) for name in ("isclose", "isnan", "isinf", "isfinite", "fabs", "floor", "ceil",
                                                "sqrt", "trunc", "copysign", "log", "log2", "log10", "exp", "hypot",
                                                "fsum")}
_MATH_CONSTANTS = {name: getattr(math, name) for name in ("pi", "e", "tau", "inf", "nan")}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
MAX_SEQUENCE = 1_000_000  # elements of a sequence the parent will build by repetition or range()
MAX_MUL_BITS = 1_000_000  # bits of an int operand to *, and of a power's result
MAX_DIV_BITS = 100_000  # bits of an int operand to // and % (schoolbook division is quadratic)
MAX_ROUND_DIGITS = 10_000


class Unsplittable(Exception):
    """The assertion's form does not allow judging it in the parent."""


class TooCostly(Exception):
    """An operation in a check would cost the parent more than it allows."""


@dataclass(frozen=True)
class Call:
    """One call of the function under test, made in the child: ``wrap`` names the runner's
    builtins applied to its result there, innermost first."""

    args: tuple
    kwargs: dict
    wrap: tuple[str, ...]
    source: str  # how the test wrote it, for reasons


@dataclass(frozen=True)
class Check:
    test: ast.expr
    message: str | None
    source: str


@dataclass(frozen=True)
class AssertPlan:
    calls: tuple[Call, ...]
    checks: tuple[Check, ...]
    sites: dict[int, int]  # id() of each call-site node in the checks -> index into calls


@functools.lru_cache(maxsize=4096)
def plan_assert(code: str, entry: str) -> AssertPlan | None:
    """The split of an assertion test's code, or ``None`` if it must run in the child."""
    try:
        tree = _pyast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return None
    try:
        return _Planner(entry).plan(tree)
    except (Unsplittable, RecursionError):
        return None


def _is_noop(node: ast.stmt) -> bool:
    return isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))


class _Planner:
    def __init__(self, entry: str) -> None:
        self.entry = entry
        self.calls: list[Call] = []
        self.checks: list[Check] = []
        self.sites: dict[int, int] = {}
        self.math = False

    def plan(self, tree: ast.Module) -> AssertPlan | None:
        module_asserts: list[ast.Assert] = []
        check: ast.FunctionDef | None = None
        for node in tree.body:
            if _is_noop(node):
                continue
            if isinstance(node, ast.Import) and all(a.name == "math" and a.asname is None for a in node.names):
                self.math = True
            elif isinstance(node, ast.Assert):
                module_asserts.append(node)
            elif isinstance(node, ast.FunctionDef) and node.name == "check" and check is None:
                check = node
            else:
                raise Unsplittable
        self._statements(module_asserts, {self.entry, "candidate"})
        if check is not None:
            a = check.args
            params = a.posonlyargs + a.args
            if len(params) != 1 or a.vararg or a.kwarg or a.kwonlyargs or a.defaults or check.decorator_list:
                raise Unsplittable
            body = [s for s in check.body if not _is_noop(s)]
            if not all(isinstance(s, ast.Assert) for s in body):
                raise Unsplittable
            self._statements(body, {params[0].arg, self.entry})
        if not self.checks or not self.calls:  # nothing of the candidate's: the child must load it
            return None
        return AssertPlan(tuple(self.calls), tuple(self.checks), dict(self.sites))

    def _statements(self, statements: Sequence[ast.Assert], callees: set[str]) -> None:
        for statement in statements:
            self.callees = callees
            self._expr(statement.test)
            message = statement.msg.value if isinstance(statement.msg, ast.Constant) else None
            self.checks.append(Check(statement.test, str(message) if message is not None else None,
                                     _unparse(statement.test)))

    def _site(self, node: ast.expr) -> tuple[ast.Call, tuple[str, ...]] | None:
        """``node`` as a call site: a call of the function under test, in wrappers."""
        wrap: list[str] = []
        while (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in WRAPPERS
               and len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred)):
            wrap.append(node.func.id)
            node = node.args[0]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.callees:
            return node, tuple(reversed(wrap))
        return None

    def _expr(self, node: ast.expr) -> None:
        site = self._site(node)
        if site is not None:
            call, wrap = site
            args = tuple(self._constant(a) for a in call.args)
            kwargs = {}
            for keyword in call.keywords:
                if keyword.arg is None:
                    raise Unsplittable
                kwargs[keyword.arg] = self._constant(keyword.value)
            try:
                _codec.encode((args, kwargs))
            except _codec.Unencodable:
                raise Unsplittable from None
            self.sites[id(node)] = len(self.calls)
            self.calls.append(Call(args, kwargs, wrap, _unparse(node)))
            return
        if isinstance(node, ast.Name):
            if node.id in self.callees or node.id not in _TYPES:
                raise Unsplittable
            return
        if isinstance(node, ast.Call):
            self._callable(node.func)
            if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                raise Unsplittable
            for child in [*node.args, *(k.value for k in node.keywords)]:
                self._expr(child)
            return
        if isinstance(node, ast.Attribute):
            if not (self.math and isinstance(node.value, ast.Name) and node.value.id == "math"
                    and node.attr in _MATH_CONSTANTS):
                raise Unsplittable
            return
        self._children(node)

    def _children(self, node: ast.expr) -> None:
        if isinstance(node, ast.Constant):
            if node.value is Ellipsis:
                raise Unsplittable
            return
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            parts = node.elts
        elif isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise Unsplittable
            parts = [*node.keys, *node.values]  # type: ignore[list-item]
        elif isinstance(node, ast.Compare):
            parts = [node.left, *node.comparators]
        elif isinstance(node, ast.BoolOp):
            parts = node.values
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            parts = [node.operand]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, _BINARY):
            parts = [node.left, node.right]
        elif isinstance(node, ast.IfExp):
            parts = [node.test, node.body, node.orelse]
        elif isinstance(node, ast.Subscript):
            parts = [node.value, node.slice]
        elif isinstance(node, ast.Slice):
            parts = [p for p in (node.lower, node.upper, node.step) if p is not None]
        else:
            raise Unsplittable
        for part in parts:
            if isinstance(part, ast.Starred):
                raise Unsplittable
            self._expr(part)

    def _callable(self, func: ast.expr) -> None:
        if isinstance(func, ast.Name) and func.id in _FUNCTIONS and func.id not in self.callees:
            return
        if (self.math and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and func.value.id == "math" and func.attr in _MATH):
            return
        raise Unsplittable

    def _constant(self, node: ast.expr) -> Any:
        """An argument of a call site: computed here, now, from the test's text alone."""
        before = len(self.calls)
        self._expr(node)
        if len(self.calls) != before:  # an argument that needs the candidate's result
            raise Unsplittable
        try:
            return evaluate(node, AssertPlan((), (), {}), lambda index: None)
        except Exception as exc:  # noqa: BLE001 - the test itself is broken there: keep it whole
            raise Unsplittable from exc


def _unparse(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001
        return "<assertion>"
    return text if len(text) <= 200 else text[:197] + "..."


# --------------------------------------------------------------------------- evaluation


def evaluate(node: ast.expr, plan: AssertPlan, result: Callable[[int], Any]) -> Any:
    """The value of ``node``, with ``result(i)`` giving call ``i``'s decoded value (or raising)."""
    index = plan.sites.get(id(node))
    if index is not None:
        return result(index)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return _TYPES[node.id]
    if isinstance(node, ast.Attribute):
        return _MATH_CONSTANTS[node.attr]
    if isinstance(node, ast.Tuple):
        return tuple(evaluate(e, plan, result) for e in node.elts)
    if isinstance(node, ast.List):
        return [evaluate(e, plan, result) for e in node.elts]
    if isinstance(node, ast.Set):
        return _codec.safe_set([evaluate(e, plan, result) for e in node.elts])
    if isinstance(node, ast.Dict):
        pairs = [(evaluate(k, plan, result), evaluate(v, plan, result)) for k, v in zip(node.keys, node.values)]
        return _codec.safe_dict(pairs)
    if isinstance(node, ast.BoolOp):
        value: Any = None
        for part in node.values:
            value = evaluate(part, plan, result)
            if (not value) if isinstance(node.op, ast.And) else bool(value):
                return value
        return value
    if isinstance(node, ast.Compare):
        left = evaluate(node.left, plan, result)
        for op, comparator in zip(node.ops, node.comparators):
            right = evaluate(comparator, plan, result)
            outcome = _COMPARE[type(op)](left, right)
            if not outcome:
                return outcome
            left = right
        return outcome
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](evaluate(node.operand, plan, result))
    if isinstance(node, ast.BinOp):
        return _binary(node.op, evaluate(node.left, plan, result), evaluate(node.right, plan, result))
    if isinstance(node, ast.IfExp):
        chosen = node.body if evaluate(node.test, plan, result) else node.orelse
        return evaluate(chosen, plan, result)
    if isinstance(node, ast.Subscript):
        return evaluate(node.value, plan, result)[evaluate(node.slice, plan, result)]
    if isinstance(node, ast.Slice):
        parts = (node.lower, node.upper, node.step)
        return slice(*(evaluate(p, plan, result) if p is not None else None for p in parts))
    if isinstance(node, ast.Call):
        return _call(node, plan, result)
    raise Unsplittable(type(node).__name__)  # the planner admits nothing else


def _call(node: ast.Call, plan: AssertPlan, result: Callable[[int], Any]) -> Any:
    func = node.func
    args = [evaluate(a, plan, result) for a in node.args]
    kwargs = {k.arg: evaluate(k.value, plan, result) for k in node.keywords}
    if isinstance(func, ast.Attribute):
        return _MATH[func.attr](*args, **kwargs)
    name = func.id  # type: ignore[attr-defined]
    if kwargs.get("key") in (set, frozenset, dict):
        raise TooCostly("sets or dicts built as sort keys")
    if name in ("set", "frozenset") and args and not kwargs:  # collisions checked, as in decoding
        built = _codec.safe_set(list(_bounded_iter(args[0])))
        return built if name == "set" else frozenset(built)
    if name == "dict" and args and not kwargs and not isinstance(args[0], dict):
        return _codec.safe_dict(list(_bounded_iter(args[0])))
    if name == "sum" and (len(args) > 1 or "start" in kwargs):
        start = args[1] if len(args) > 1 else kwargs["start"]
        if not isinstance(start, (int, float, complex)):
            raise TooCostly("sum() of sequences (quadratic)")
    if name == "round" and len(args) > 1 and isinstance(args[1], int) and abs(args[1]) > MAX_ROUND_DIGITS:
        raise TooCostly(f"round() to more than {MAX_ROUND_DIGITS} digits")
    if name == "bytes" and args and isinstance(args[0], int) and args[0] > MAX_SEQUENCE:
        raise TooCostly(f"a sequence of more than {MAX_SEQUENCE} elements")
    return _FUNCTIONS[name](*args, **kwargs)


def _bounded_iter(value: Any) -> Any:
    if isinstance(value, (str, bytes, list, tuple, set, frozenset, dict)):
        return value
    raise TypeError(f"'{type(value).__name__}' object is not iterable here")


def _binary(op: ast.operator, left: Any, right: Any) -> Any:
    if isinstance(op, ast.Mult):
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int) \
                    and len(seq) * max(times, 0) > MAX_SEQUENCE:
                raise TooCostly(f"a sequence of more than {MAX_SEQUENCE} elements")
        _bits(left, right, MAX_MUL_BITS, "*")
        return left * right
    if isinstance(op, (ast.FloorDiv, ast.Mod)):
        if isinstance(op, ast.Mod) and isinstance(left, (str, bytes)):
            raise TooCostly("%-formatting")
        _bits(left, right, MAX_DIV_BITS, "//" if isinstance(op, ast.FloorDiv) else "%")
        return left // right if isinstance(op, ast.FloorDiv) else left % right
    if isinstance(op, ast.Pow):
        if isinstance(left, int) and isinstance(right, int) and right > 0 \
                and max(left.bit_length(), 1) * right > MAX_MUL_BITS:
            raise TooCostly(f"a power of more than {MAX_MUL_BITS} bits")
        if isinstance(right, int) and abs(right) > MAX_MUL_BITS:
            raise TooCostly("an exponent that large")
        return left ** right
    return {ast.Add: operator.add, ast.Sub: operator.sub, ast.Div: operator.truediv}[type(op)](left, right)


def _bits(left: Any, right: Any, limit: int, what: str) -> None:
    for value in (left, right):
        if isinstance(value, int) and value.bit_length() > limit:
            raise TooCostly(f"{what} on an int of more than {limit} bits")
