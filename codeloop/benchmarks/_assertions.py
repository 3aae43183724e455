"""Turn benchmark assertions (MBPP ``test_list``, HumanEval ``check``) into trusted I/O pairs.

An :class:`IOTest` is judged in the trusted parent; an :class:`AssertTest` runs code in the
sandbox child, whose verdict is less trusted. So every assertion that says, in a form we can
read off the syntax tree, "calling the entry point with these literals gives this literal" is
converted, and everything else is kept as code. Conversion is purely syntactic: the test code
is never executed here (no ``eval``/``exec``). Values are read from the node types
``ast.literal_eval`` accepts, plus a few hand-checked forms with no literal syntax
(``float('inf')``, ``set([...])``, arithmetic on number literals such as ``2.0 / 3.0``).

When unsure, we keep the code: a wrong conversion silently changes what a benchmark measures,
while a missed one only costs a little trust.
"""

from __future__ import annotations

import ast
import copy
import math
import operator
from collections.abc import Callable, Iterable
from typing import Any

from .. import _pyast
from ..execution import AssertTest, IOTest, Test

__all__ = ["literal_call_args", "tests_from_assertions"]

_STAR = "*"  # in a set of bound names, stands for "every name": a star import can bind anything

_CONSTANT_TYPES = (str, bytes, bool, int, float, complex, type(None))
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}  # no Pow or shifts: ``10**10**10`` must not be able to hang the parent


class _NotLiteral(Exception):
    """Raised inside the literal reader when a node is not a value we can read safely."""


# --------------------------------------------------------------------------- literals


def _is_number(value: Any) -> bool:
    """int or float but not bool (bool is an int subclass, yet ``True - 1.0`` is not a test)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _literal(node: ast.expr) -> Any:
    """Read a literal value from ``node`` without evaluating code, or raise ``_NotLiteral``.

    It accepts what ``ast.literal_eval`` accepts (constants, containers, signed numbers,
    ``set()``), written out node by node so that it can also accept the few forms benchmarks
    use for values without literal syntax (``float('inf')``, ``set([1, 2])``) and arithmetic on
    number literals (``2.0 / 3.0``), which Python computes identically in the parent. Ellipsis
    is refused: it cannot cross the sandbox boundary.
    """
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, _CONSTANT_TYPES):  # e.g. Ellipsis
            raise _NotLiteral
        return node.value
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        values = [_literal(elt) for elt in node.elts]  # a Starred element raises
        return _build(
            tuple if isinstance(node, ast.Tuple) else list if isinstance(node, ast.List) else set, values
        )
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):  # ``{**other}``
            raise _NotLiteral
        pairs = [(_literal(k), _literal(v)) for k, v in zip(node.keys, node.values, strict=True)]  # type: ignore[arg-type]
        return _build(dict, pairs)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(node.operand)
        if not (_is_number(value) or isinstance(value, complex)):
            raise _NotLiteral
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        return _arithmetic(node)
    if isinstance(node, ast.Call):
        return _literal_call(node)
    raise _NotLiteral


def _build(kind: Callable[[Any], Any], values: Any) -> Any:
    """Build a container; unhashable set members or dict keys make the node non-literal."""
    try:
        return kind(values)
    except TypeError as exc:
        raise _NotLiteral from exc


def _arithmetic(node: ast.BinOp) -> Any:
    """Fold ``number <op> number`` (``1 + 2j``, ``2.0 / 3.0``); errors make it non-literal."""
    left, right = _literal(node.left), _literal(node.right)
    numeric = (int, float, complex)
    if not all(isinstance(v, numeric) and not isinstance(v, bool) for v in (left, right)):
        raise _NotLiteral
    try:
        return _ARITHMETIC[type(node.op)](left, right)
    except (ArithmeticError, TypeError) as exc:  # division by zero, complex // complex, overflow
        raise _NotLiteral from exc


def _literal_call(node: ast.Call) -> Any:
    """``float('inf')``-style and ``set(literal)`` calls: builtins applied to literals only.

    NaN is refused: ``x == float('nan')`` is always false, and a converted test would
    depend on how the judge treats NaN rather than on what the assertion said.
    """
    if not isinstance(node.func, ast.Name) or node.keywords:
        raise _NotLiteral
    name, args = node.func.id, node.args
    if name == "float" and len(args) == 1:
        value = _literal(args[0])
        if not (isinstance(value, str) or _is_number(value)):
            raise _NotLiteral
        try:
            result = float(value)
        except (ValueError, OverflowError) as exc:
            raise _NotLiteral from exc
        if math.isnan(result):
            raise _NotLiteral
        return result
    if name in ("set", "frozenset") and len(args) <= 1:
        kind = set if name == "set" else frozenset
        if not args:
            return kind()
        value = _literal(args[0])
        if not isinstance(value, (list, tuple, set, frozenset, str)):
            raise _NotLiteral
        return _build(kind, value)
    raise _NotLiteral


def _try_literal(node: ast.expr) -> tuple[bool, Any]:
    """``(True, value)`` if ``node`` is a readable literal, else ``(False, None)``."""
    try:
        return True, _literal(node)
    except (_NotLiteral, RecursionError):
        return False, None


def literal_call_args(call: ast.Call) -> tuple[tuple, dict] | None:
    """The positional and keyword arguments of ``call`` if all are literals, else ``None``.

    ``*args`` and ``**kwargs`` are refused: what they expand to is not visible in the syntax.
    """
    args = []
    for node in call.args:
        ok, value = (False, None) if isinstance(node, ast.Starred) else _try_literal(node)
        if not ok:
            return None
        args.append(value)
    kwargs = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            return None
        ok, value = _try_literal(keyword.value)
        if not ok:
            return None
        kwargs[keyword.arg] = value
    return tuple(args), kwargs


# --------------------------------------------------------------------------- one assertion


def _target_call(node: ast.expr, callee: str) -> ast.Call | None:
    """``node`` if it is a direct call of the function under test by its plain name."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == callee:
        return node
    return None


def _io(call: ast.Call, **fields: Any) -> IOTest | None:
    """An IOTest for ``call`` with literal arguments, or ``None`` if an argument is not literal."""
    arguments = literal_call_args(call)
    if arguments is None:
        return None
    args, kwargs = arguments
    return IOTest(args=args, kwargs=kwargs, **fields)


def _call_and_value(a: ast.expr, b: ast.expr, callee: str) -> tuple[ast.Call, Any] | None:
    """Of two operands, one call of the function under test and one literal (either order)."""
    for call_node, value_node in ((a, b), (b, a)):
        call = _target_call(call_node, callee)
        if call is not None:
            ok, value = _try_literal(value_node)
            return (call, value) if ok else None
    return None


def _convert(test: ast.expr, callee: str) -> IOTest | None:
    """The IOTest equivalent to ``assert <test>``, or ``None`` if the form is not a safe one."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return _from_compare(test.left, test.ops[0], test.comparators[0], callee)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        call = _target_call(test.operand, callee)
        return _io(call, compare="falsy") if call is not None else None
    if isinstance(test, ast.Call):
        call = _target_call(test, callee)
        return _io(call, compare="truthy") if call is not None else _from_isclose(test, callee)
    return None


def _from_compare(left: ast.expr, op: ast.cmpop, right: ast.expr, callee: str) -> IOTest | None:
    """``f(x) == v``, ``v == f(x)``, ``f(x) is True/False/None`` and ``abs(f(x) - v) < tol``."""
    if isinstance(op, ast.Eq):
        pair = _call_and_value(left, right, callee)
        return _io(pair[0], expected=pair[1]) if pair else None
    if isinstance(op, ast.Is):
        pair = _call_and_value(left, right, callee)
        singleton = pair is not None and any(pair[1] is s for s in (True, False, None))
        return _io(pair[0], expected=pair[1], compare="is") if pair and singleton else None
    if isinstance(op, (ast.Lt, ast.LtE)):
        return _from_abs(left, right, strict=isinstance(op, ast.Lt), callee=callee)
    if isinstance(op, (ast.Gt, ast.GtE)):  # ``tol > abs(f(x) - v)``
        return _from_abs(right, left, strict=isinstance(op, ast.Gt), callee=callee)
    return None


def _finite_number(value: Any) -> bool:
    """A finite int/float (not bool): what tolerance forms compare and accept as bounds."""
    if not _is_number(value):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _from_abs(diff: ast.expr, bound: ast.expr, *, strict: bool, callee: str) -> IOTest | None:
    """``abs(f(x) - v) < tol`` (or ``<=``, or ``abs(v - f(x))``) as an absolute tolerance.

    The judge accepts ``|got - v| <= atol`` (``math.isclose`` with ``rel_tol=0``), so for the
    strict ``<`` the tolerance is moved to the next float below ``tol``: for floats
    ``d < tol`` is exactly ``d <= nextafter(tol, 0)``. A zero bound with ``<`` never holds, so
    it is not converted.
    """
    if not (isinstance(diff, ast.Call) and isinstance(diff.func, ast.Name) and diff.func.id == "abs"):
        return None
    if len(diff.args) != 1 or diff.keywords:
        return None
    inner = diff.args[0]
    if not (isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Sub)):
        return None
    pair = _call_and_value(inner.left, inner.right, callee)
    ok, tol = _try_literal(bound)
    if pair is None or not (ok and _finite_number(tol) and _finite_number(pair[1])):
        return None
    if tol < 0 or (strict and tol == 0):
        return None
    atol = math.nextafter(float(tol), 0.0) if strict else float(tol)
    return _io(pair[0], expected=pair[1], atol=atol, rtol=0.0)


def _from_isclose(call: ast.Call, callee: str) -> IOTest | None:
    """``math.isclose(f(x), v, rel_tol=.., abs_tol=..)`` (either argument order).

    Defaults are ``math.isclose``'s own (``rel_tol=1e-9``, ``abs_tol=0``), written out because
    the judge treats a missing tolerance as zero. Negative tolerances make ``isclose`` raise,
    so they are left to the original code.
    """
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and func.attr == "isclose"
        and isinstance(func.value, ast.Name)
        and func.value.id == "math"
    ):
        return None
    if len(call.args) != 2 or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    tolerances = {"rel_tol": 1e-9, "abs_tol": 0.0}
    for keyword in call.keywords:
        ok, value = _try_literal(keyword.value)
        if keyword.arg not in tolerances or not (ok and _finite_number(value)) or value < 0:
            return None
        tolerances[keyword.arg] = float(value)
    pair = _call_and_value(call.args[0], call.args[1], callee)
    if pair is None or not _finite_number(pair[1]):
        return None
    return _io(pair[0], expected=pair[1], rtol=tolerances["rel_tol"], atol=tolerances["abs_tol"])


# --------------------------------------------------------------------------- names


def _is_plain_math_import(node: ast.stmt) -> bool:
    """``import math``: binds ``math`` to the real module, which is what assertions assume."""
    return isinstance(node, ast.Import) and all(a.name == "math" and a.asname is None for a in node.names)


def _bound_names(statements: Iterable[ast.stmt]) -> set[str]:
    """Every name the statements may bind, anywhere inside them (over-approximated on purpose)."""
    names: set[str] = set()
    for statement in statements:
        if _is_plain_math_import(statement):
            continue
        for node in ast.walk(statement):
            names |= _names_bound_by(node)
    return names


def _names_bound_by(node: ast.AST) -> set[str]:
    """The names one AST node binds (``_STAR`` for a star import)."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        return {node.id}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {_STAR if a.name == "*" else (a.asname or a.name.split(".")[0]) for a in node.names}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return set(node.names)
    if isinstance(node, ast.ExceptHandler) and node.name:
        return {node.name}
    name = getattr(node, "name", None) if isinstance(node, (ast.MatchAs, ast.MatchStar)) else None
    rest = getattr(node, "rest", None) if isinstance(node, ast.MatchMapping) else None
    return {n for n in (name, rest) if n}


def _loaded_names(node: ast.AST) -> set[str]:
    """Every name read anywhere inside ``node``."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _clashes(used: set[str], bound: set[str]) -> bool:
    """Whether code binding ``bound`` may change what the names in ``used`` refer to."""
    return bool(used & bound) or (_STAR in bound and bool(used))


def _has_cross_dependency(body: list[ast.stmt]) -> bool:
    """Whether any statement reads a name bound by another statement of the same body.

    Then moving statements apart could break the code (a function-local name is local to the
    whole body), so the body is kept together.
    """
    bound = [_bound_names([s]) for s in body]
    for i, statement in enumerate(body):
        others = set().union(*(b for j, b in enumerate(bound) if j != i))
        if _clashes(_loaded_names(statement), others):
            return True
    return False


# --------------------------------------------------------------------------- whole sources


def _is_noop(statement: ast.stmt) -> bool:
    """``pass``, a bare string (docstring) or ``assert True, "..."``: no effect on the verdict."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return True
    return (
        isinstance(statement, ast.Assert)
        and isinstance(statement.test, ast.Constant)
        and bool(statement.test.value)
    )


def _has_return(body: list[ast.stmt]) -> bool:
    """A ``return`` in the check body itself (not in a nested def): later asserts may never run."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
    return False


_MODULE_LEVEL_OK = (
    ast.Import,
    ast.ImportFrom,
    ast.Assign,
    ast.AnnAssign,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
)


def _find_check(tree: ast.Module) -> ast.FunctionDef | None | bool:
    """The HumanEval ``check(candidate)`` def; ``None`` if absent; ``False`` if too unusual.

    "Unusual" (a second ``check``, decorators, defaults, several parameters, or module-level
    statements that do more than define names, such as a call of ``check``) means the source
    is kept whole rather than split.
    """
    defs = [
        s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "check"
    ]
    if not defs:
        return None
    if len(defs) > 1 or not isinstance(defs[0], ast.FunctionDef):
        return False
    check, a = defs[0], defs[0].args
    simple = len(a.posonlyargs) + len(a.args) == 1 and not (
        a.vararg or a.kwarg or a.kwonlyargs or a.defaults or check.decorator_list
    )
    module_ok = all(isinstance(s, _MODULE_LEVEL_OK) or _is_noop(s) for s in tree.body)
    return check if simple and module_ok and not _has_return(check.body) else False


def _parse(text: str, what: str) -> ast.Module:
    """Parse ``text``; a syntax error becomes a ``ValueError`` naming the line and the error."""
    try:
        return _pyast.parse(text)
    except SyntaxError as exc:
        lines = text.splitlines()
        line = exc.text if exc.text is not None else ""
        if not line.strip() and exc.lineno and 0 < exc.lineno <= len(lines):
            line = lines[exc.lineno - 1]
        raise ValueError(f"cannot parse {what}, line {exc.lineno}: {line.strip()!r}: {exc.msg}") from exc
    except ValueError as exc:  # e.g. "source code string cannot contain null bytes"
        raise ValueError(f"cannot parse {what}: {exc}") from exc


def _join(setup_code: str, code: str) -> str:
    """Setup code then test code, so an AssertTest is self-contained."""
    return f"{setup_code.rstrip()}\n{code}" if setup_code.strip() else code


def _split(
    body: list[ast.stmt], callee: str, outer_bound: set[str]
) -> tuple[list[Test | int], list[ast.stmt]]:
    """Convert what can be converted; return the tests (an ``int`` marks where the remaining
    code goes, to keep source order) and the statements left over, in order.

    A statement is converted only if it is a convertible assert whose names (the callee,
    ``abs``, ``math``, ``set``, ...) are not rebound by the surrounding code.
    """
    if _has_cross_dependency(body):
        return [0], list(body)
    tests: list[Test | int] = []
    remaining: list[ast.stmt] = []
    for statement in body:
        if _is_noop(statement):
            continue
        test = _convert(statement.test, callee) if isinstance(statement, ast.Assert) else None
        if test is not None and not _clashes(_loaded_names(statement.test), outer_bound):
            tests.append(test)
            continue
        if not remaining:
            tests.append(len(tests))  # placeholder for the AssertTest
        remaining.append(statement)
    return tests, remaining


def _from_source(
    source: str, entry_point: str, setup_code: str, setup_bound: set[str], what: str
) -> list[Test]:
    """The tests of one piece of test code (an MBPP assert, or a whole HumanEval ``test``)."""
    tree = _parse(source, what)
    check = _find_check(tree)
    if check is False:
        return [AssertTest(code=_join(setup_code, source))]
    if isinstance(check, ast.FunctionDef):
        body, callee = check.body, (check.args.posonlyargs + check.args.args)[0].arg
        outer_bound = setup_bound | _bound_names(s for s in tree.body if s is not check)
    else:
        body, callee, outer_bound = tree.body, entry_point, setup_bound
    tests, remaining = _split(body, callee, outer_bound)
    if not remaining:
        return [t for t in tests if not isinstance(t, int)]
    if all(isinstance(t, int) for t in tests):  # nothing converted: keep the text as written
        code = source
    elif isinstance(check, ast.FunctionDef):
        new_tree = copy.deepcopy(tree)
        new_check = next(s for s in new_tree.body if isinstance(s, ast.FunctionDef) and s.name == "check")
        new_check.body = copy.deepcopy(remaining)
        code = ast.unparse(new_tree)
    else:
        code = ast.unparse(ast.Module(body=remaining, type_ignores=[]))
    remainder = AssertTest(code=_join(setup_code, code))
    return [remainder if isinstance(t, int) else t for t in tests]


def tests_from_assertions(
    source: str | list[str], entry_point: str, *, setup_code: str = ""
) -> list[IOTest | AssertTest]:
    """Convert benchmark assertions into tests, as I/O pairs wherever that is faithful.

    ``source`` is either a list of assertion strings (MBPP ``test_list``; each item is handled
    on its own and, if not converted, kept as ``setup_code`` + the item) or one string (a
    HumanEval ``test`` defining ``check(candidate)``, or plain top-level assertions). Inside
    ``check`` the function under test is its parameter (``candidate``); elsewhere it is
    ``entry_point``. The statements of a ``check`` that do not convert are kept, in order,
    in one AssertTest that defines ``check(candidate)`` with them plus the module-level code;
    if its statements depend on each other's names, ``check`` is kept whole.

    Converted forms: ``f(a) == v`` / ``v == f(a)``, ``f(a) is True|False|None``, ``f(a)``
    (expected ``True``), ``not f(a)`` (expected ``False``), ``abs(f(a) - v) < tol`` /
    ``<= tol`` and ``math.isclose(f(a), v, rel_tol=.., abs_tol=..)``; with or without an
    assertion message. Arguments and ``v`` must be literals.

    Raises ``ValueError`` (naming the line and the error) if any of the code does not parse.
    """
    setup_bound = _bound_names(_parse(setup_code, "setup code").body) if setup_code.strip() else set()
    if isinstance(source, str):
        return _from_source(source, entry_point, setup_code, setup_bound, "test code")
    tests: list[Test] = []
    for i, item in enumerate(source):
        tests.extend(_from_source(item, entry_point, setup_code, setup_bound, f"test {i}"))
    return tests


# The name starts with "test", so pytest would collect it as a test wherever it is imported into a
# test module; this attribute tells pytest it is not one.
tests_from_assertions.__test__ = False  # type: ignore[attr-defined]
