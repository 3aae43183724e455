"""Splitting assertion tests into calls made in the child and checks evaluated in the parent."""

from __future__ import annotations

import pytest

from codeloop.execution._asserts import TooCostly, evaluate, plan_assert
from codeloop.execution._codec import DecodeLimit


@pytest.mark.parametrize("code, calls", [
    ("assert f(3) in (1, 2)", [((3,), {}, ())]),
    ("assert sorted(f([3, 1]), reverse=True) == [3, 1]", [(([3, 1],), {}, ())]),
    ("assert sorted(f(x=2)) == [1]", [((), {"x": 2}, ("sorted",))]),
    ("assert len(set(list(f('ab')))) == 2", [(("ab",), {}, ("list", "set", "len"))]),
    ("import math\nassert math.isclose(f(1.5), 2.25, rel_tol=1e-9)", [((1.5,), {}, ())]),
    ("def check(candidate):\n    assert candidate(-1) == 1\n    assert abs(candidate(2) - 4) < 1e-6, 'sq'\n",
     [((-1,), {}, ()), ((2,), {}, ())]),
    ("assert f(2 ** 3 - 1, {'a': (1, 2)}) is None", [((7, {"a": (1, 2)}), {}, ())]),
])
def test_assertions_over_calls_with_computable_arguments_are_split(code, calls):
    plan = plan_assert(code, "f")
    assert plan is not None
    assert [(c.args, c.kwargs, c.wrap) for c in plan.calls] == calls


@pytest.mark.parametrize("code", [
    "for x in range(3):\n    assert f(x) == x",  # a loop
    "assert f(f(2)) == 1",  # an argument needs the candidate's result
    "assert f(3).lower() == 'a'",  # a method of the result
    "assert helper(f(3))",  # a name the test does not define here
    "assert all(f(x) for x in [1, 2])",  # a comprehension
    "x = 3\nassert f(x) == 3",  # other statements
    "assert f(int) == 1",  # an argument that cannot cross
    "assert callable(f)",  # the function itself, not a call
    "assert math.sqrt(f(4)) == 2",  # math without import math
    "assert 1 == 1",  # nothing of the candidate
    "assert f(*[1]) == 1",
])
def test_other_forms_are_left_to_the_child(code):
    assert plan_assert(code, "f") is None


def _check(code: str, *values):
    plan = plan_assert(code, "f")
    assert plan is not None
    return evaluate(plan.checks[0].test, plan, lambda i: values[i])


def test_checks_evaluate_with_short_circuits_and_python_semantics():
    assert _check("assert f(1) == 2 or f(2) == 3", 2) is True  # the second result is never asked for
    assert _check("assert f(1) < f(2) < 3", 1, 2) is True
    assert _check("assert f(1) < f(2) < 3", 2, 1) is False
    assert _check("assert f(0) in {1: 2}", 1) is True
    assert _check("assert f(0)[1:] == [2, 3]", [1, 2, 3]) is True
    with pytest.raises(TypeError):
        _check("assert f(0) < 1", None)


def test_checks_refuse_what_would_cost_the_parent_too_much():
    with pytest.raises(TooCostly):
        _check("assert f(0) * 10**7 == ''", "ab")
    with pytest.raises(TooCostly):
        _check("assert 2 ** f(0) == 1", 10**7)
    with pytest.raises(TooCostly):
        _check("assert f(0) % 7 == 1", 1 << 200_000)
    with pytest.raises(TooCostly):
        _check("assert sum(f(0), []) == []", [[1]] * 3)
    colliding = [k * (2**61 - 1) + 5 for k in range(1, 200)]
    with pytest.raises(DecodeLimit):
        _check("assert set(f(0)[1:]) == set()", colliding)  # built here, not in the child
