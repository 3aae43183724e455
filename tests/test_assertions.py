"""Tests for turning MBPP/HumanEval assertions into I/O pairs (``codeloop.benchmarks._assertions``)."""

from __future__ import annotations

import ast
import json
import math
from typing import Any

import pytest

from codeloop.benchmarks import literal_call_args, tests_from_assertions
from codeloop.execution import AssertTest, IOTest


def one(source: str, entry_point: str = "f", **kw: Any) -> IOTest | AssertTest:
    """Convert a single MBPP-style assertion and return its only test."""
    tests = tests_from_assertions([source], entry_point, **kw)
    assert len(tests) == 1
    return tests[0]


def io(args: tuple = (), kwargs: dict | None = None, **fields: Any) -> IOTest:
    return IOTest(args=args, kwargs=kwargs or {}, **fields)


def same_code(code: str, expected: str) -> bool:
    """Equal as Python (ignores formatting, which ``ast.unparse`` may choose)."""
    return ast.dump(ast.parse(code)) == ast.dump(ast.parse(expected))


def judge(test: IOTest, func: Any) -> bool:
    """A minimal stand-in for the parent's comparison, to check conversions end to end."""
    got = func(*test.args, **test.kwargs)
    if test.atol is None and test.rtol is None:
        return got == test.expected
    return math.isclose(got, test.expected, rel_tol=test.rtol or 0.0, abs_tol=test.atol or 0.0)


# --------------------------------------------------------------------------- plain MBPP


def test_plain_mbpp_assert() -> None:
    test = one('assert remove_Occ("hello","l") == "heo"', "remove_Occ")
    assert test == io(("hello", "l"), expected="heo")
    assert test.atol is None and test.rtol is None


def test_strings_containing_comparison_operators() -> None:
    assert one('assert f("a == b", "==") == "a  b"') == io(("a == b", "=="), expected="a  b")
    assert one("assert f('x != y, z') == 'assert f(1) == 2'") == io(
        ("x != y, z",), expected="assert f(1) == 2"
    )


def test_nested_lists_tuples_negative_numbers() -> None:
    test = one("assert f([[1, -2], [3, [4.5, -6.25]]], (7, -8)) == [(-1, 2), [], ()]")
    assert test.args == ([[1, -2], [3, [4.5, -6.25]]], (7, -8))
    assert test.expected == [(-1, 2), [], ()]
    assert isinstance(test.expected[0], tuple) and isinstance(test.expected[1], list)
    assert one("assert f(-3) == -3.5") == io((-3,), expected=-3.5)
    assert one("assert f(+3) == -(4)") == io((3,), expected=-4)


def test_dicts_sets_and_other_literals() -> None:
    test = one("assert f({'a': [1, 2], 3: (4,)}, {1, -2}) == {'x': {5}, 'y': None}")
    assert test.args == ({"a": [1, 2], 3: (4,)}, {1, -2})
    assert test.expected == {"x": {5}, "y": None}
    assert one("assert f(b'ab', 1+2j) == -1j") == io((b"ab", 1 + 2j), expected=-1j)
    assert one("assert f() == set()") == io((), expected=set())
    assert one("assert f('ab') == set([1, 2])").expected == {1, 2}
    assert one("assert f('ab') == set('ab')").expected == {"a", "b"}
    assert one("assert f('ab') == frozenset((1,))").expected == frozenset({1})


def test_keyword_arguments() -> None:
    assert one("assert f(1, key='x', n=-2) == 2") == io((1,), {"key": "x", "n": -2}, expected=2)


def test_infinity_and_numeric_arithmetic() -> None:
    assert one("assert f([]) == float('inf')").expected == math.inf
    assert one("assert f([]) == -float('inf')").expected == -math.inf
    assert one('assert f([]) == float("-inf")').expected == -math.inf
    assert one("assert f(1) == 2.0 / 3.0").expected == 2.0 / 3.0
    assert one("assert f(1) == 3 * 4 - 1").expected == 11


def test_reversed_equality() -> None:
    assert one("assert 5 == f(2, 3)") == io((2, 3), expected=5)
    assert one("assert [1, 2] == f([2, 1])") == io(([2, 1],), expected=[1, 2])


def test_parenthesised_call_and_trailing_space() -> None:
    assert one("assert (f(1)) == 2 ") == io((1,), expected=2)


def test_is_true_false_none() -> None:
    assert one("assert f(1) is True") == io((1,), expected=True, compare="is")
    assert one("assert f(2) is False") == io((2,), expected=False, compare="is")
    assert one("assert f(3) is None") == io((3,), expected=None, compare="is")
    assert one("assert None is f(4)") == io((4,), expected=None, compare="is")


def test_bare_truthiness_and_not() -> None:
    assert one("assert f('abc')") == io(("abc",), compare="truthy")
    assert one("assert not f('abc', x=1)") == io(("abc",), {"x": 1}, compare="falsy")


def test_abs_tolerance_strict_and_non_strict() -> None:
    strict = one("assert abs(f(3.5) - 0.5) < 1e-6")
    assert strict == io((3.5,), expected=0.5, atol=math.nextafter(1e-6, 0.0), rtol=0.0)
    assert strict.atol < 1e-6  # ``d < tol`` is ``d <= nextafter(tol, 0)`` for floats
    assert one("assert abs(f(3.5) - 0.5) <= 1e-6") == io((3.5,), expected=0.5, atol=1e-6, rtol=0.0)
    assert one("assert abs(0.5 - f(3.5)) <= 0.001") == io((3.5,), expected=0.5, atol=0.001, rtol=0.0)
    assert one("assert 1e-3 >= abs(f(2) - 4)") == io((2,), expected=4, atol=1e-3, rtol=0.0)
    assert one("assert 1 > abs(f(2) - 4)") == io((2,), expected=4, atol=math.nextafter(1.0, 0.0), rtol=0.0)


def test_abs_tolerance_with_folded_expected_value() -> None:
    test = one("assert abs(f([1.0, 2.0, 3.0]) - 2.0/3.0) < 1e-6")
    assert test.expected == 2.0 / 3.0
    assert test.args == ([1.0, 2.0, 3.0],)


def test_strict_tolerance_is_exact_at_the_boundary() -> None:
    test = one("assert abs(f(0) - 1.0) < 0.5")
    assert judge(test, lambda _: 1.4999999999)
    assert not judge(test, lambda _: 1.5)  # abs(1.5 - 1.0) < 0.5 is False, so must fail


def test_math_isclose() -> None:
    assert one("assert math.isclose(f(2), 3.14)") == io((2,), expected=3.14, rtol=1e-9, atol=0.0)
    assert one("assert math.isclose(f(2), 3.14, rel_tol=0.001)") == io(
        (2,), expected=3.14, rtol=0.001, atol=0.0
    )
    assert one("assert math.isclose(3.14, f(2), abs_tol=1e-4, rel_tol=0)") == io(
        (2,), expected=3.14, rtol=0.0, atol=1e-4
    )


def test_assertion_messages_are_ignored() -> None:
    assert one('assert f(1) == 2, "msg"') == io((1,), expected=2)
    assert one("assert f(1) is True, f'got {f(1)}'") == io((1,), expected=True, compare="is")
    # MBPP task 190-style typo: ``== -1,-6`` is ``== -1`` with message ``-6``; keep its meaning.
    assert one("assert neg_nos([-1,4,5,-6]) == -1,-6", "neg_nos") == io(([-1, 4, 5, -6],), expected=-1)


def test_order_is_preserved_and_trivial_asserts_dropped() -> None:
    tests = tests_from_assertions(
        ["assert f(1) == 1", "assert f(x) == 2", "assert True", "assert f(3) == 3"], "f"
    )
    assert tests == [io((1,), expected=1), AssertTest(code="assert f(x) == 2"), io((3,), expected=3)]
    assert tests_from_assertions([], "f") == []


# --------------------------------------------------------------------------- kept as code


@pytest.mark.parametrize(
    "source",
    [
        "assert f(x) == g(y)",
        "assert f(1) == g(2)",
        "assert f(1) == f(2)",
        "assert f(3) != 3",
        "assert f(3) is not None",
        "assert f(3) is 3",
        "assert f(3) in [1, 2, 3]",
        "assert f(3) > 2",
        "assert f(1) == 1 == 1",
        "assert sorted(f([2, 1])) == [1, 2]",
        "assert set(f([2, 1])) == set([1, 2])",
        "assert set(f([2, 1])) == {1, 2}",
        "assert round(f(2), 2) == 3.14",
        "assert int(f(5, 3)) == 35",
        "assert g(1) == 2",
        "assert f.attr(1) == 2",
        "assert f(*[1, 2]) == 3",
        "assert f(**{'a': 1}) == 3",
        "assert f([Pair(1, 2)]) == 3",
        "assert f((1, 2), int) == [1]",
        "assert f(1) == float('nan')",
        "assert f(1) == {[1]: 2}",
        "assert f(1) == {[1]}",
        "assert f(1) == ...",
        "assert f(1) == 2 ** 100000",
        "assert f(1) == 1 / 0",
        "assert not g(1)",
        "assert f(1) and f(2)",
        "assert abs(f(1) - 2) < 0",
        "assert abs(f(1) - 2) <= -1",
        "assert abs(f(1)) < 1e-6",
        "assert abs(f(1) - g(2)) < 1e-6",
        "assert abs(f(1) - 'a') < 1e-6",
        "assert abs(f(1) + 2) < 1e-6",
        "assert abs(f(1) - float('inf')) < 1e-6",
        "assert abs(f(1) - 2) == 0",
        "assert math.isclose(f(1), 2, rel_tol=-1)",
        "assert math.isclose(f(1), 2, tol=1)",
        "assert math.isclose(f(1), 2, 1e-9)",
        "assert math.isclose(f(1), g(2))",
        "assert cmath.isclose(f(1), 2)",
        "assert isclose(f(1), 2)",
        "x = f(1); assert x == 2",
    ],
)
def test_non_convertible_forms_stay_assert_tests(source: str) -> None:
    assert one(source) == AssertTest(code=source)


def test_top_level_string_splits_converted_from_kept_statements() -> None:
    tests = tests_from_assertions("assert f(1) == 2\nassert f(2) == g(3)\nassert f(3) == 4\n", "f")
    assert tests == [io((1,), expected=2), AssertTest(code="assert f(2) == g(3)"), io((3,), expected=4)]


def test_top_level_string_with_shared_names_is_kept_whole() -> None:
    source = "import math\nxs = [1, 2]\nassert f(xs) == 3\nassert f([1]) == 1\n"
    assert tests_from_assertions(source, "f") == [AssertTest(code=source)]


# --------------------------------------------------------------------------- setup code


def test_setup_code_defining_used_names_keeps_code_self_contained() -> None:
    setup = "root = Node(1) \r\nroot.left = Node(2) \r\n"
    tests = tests_from_assertions(
        ["assert is_tree_balanced(root) == False", "assert is_tree_balanced(None) == True"],
        "is_tree_balanced",
        setup_code=setup,
    )
    assert tests == [
        AssertTest(code="root = Node(1) \r\nroot.left = Node(2)\nassert is_tree_balanced(root) == False"),
        io((None,), expected=True),  # uses nothing from the setup code
    ]


def test_setup_code_rebinding_helpers_or_entry_point_prevents_conversion() -> None:
    assert one("assert abs(f(1) - 2) < 1", setup_code="abs = len") == AssertTest(
        code="abs = len\nassert abs(f(1) - 2) < 1"
    )
    assert one("assert math.isclose(f(1), 2.0)", setup_code="import numpy as math") == AssertTest(
        code="import numpy as math\nassert math.isclose(f(1), 2.0)"
    )
    assert one("assert f(1) == 2", setup_code="def f(x):\n    return 2") == AssertTest(
        code="def f(x):\n    return 2\nassert f(1) == 2"
    )
    assert one("assert f(1) == set()", setup_code="from helpers import *") == AssertTest(
        code="from helpers import *\nassert f(1) == set()"
    )


def test_setup_code_importing_math_keeps_isclose_convertible() -> None:
    test = one("assert math.isclose(f(1), 2.0, rel_tol=0.01)", setup_code="import math\n")
    assert test == io((1,), expected=2.0, rtol=0.01, atol=0.0)


# --------------------------------------------------------------------------- HumanEval


HUMANEVAL_MIXED = """

METADATA = {
    'author': 'jt',
    'dataset': 'test'
}


def check(candidate):
    assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3) == True
    assert candidate([1.0, 2.0, 5.9, 4.0, 5.0], 0.95) == False, "message"
    assert sorted(candidate([3, 1], 0.5)) == [1, 3]
    assert True, "This prints if this assert fails 1 (good for debugging!)"
    print("between")
    assert abs(candidate([1.0, 1.5], 0.1) - 0.5) < 1e-6
    for x in range(3):
        assert candidate([x], 1.0) == False
    assert candidate(threshold=0.1, numbers=[]) is None

"""

HUMANEVAL_MIXED_REST = """
METADATA = {'author': 'jt', 'dataset': 'test'}

def check(candidate):
    assert sorted(candidate([3, 1], 0.5)) == [1, 3]
    print("between")
    for x in range(3):
        assert candidate([x], 1.0) == False
"""


def test_humaneval_check_with_metadata_and_mixed_statements() -> None:
    tests = tests_from_assertions(HUMANEVAL_MIXED, "has_close_elements")
    assert len(tests) == 5
    assert tests[0] == io(([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3), expected=True)
    assert tests[1] == io(([1.0, 2.0, 5.9, 4.0, 5.0], 0.95), expected=False)
    assert isinstance(tests[2], AssertTest)  # where the first kept statement was
    assert same_code(tests[2].code, HUMANEVAL_MIXED_REST)
    assert tests[3] == io(([1.0, 1.5], 0.1), expected=0.5, atol=math.nextafter(1e-6, 0.0), rtol=0.0)
    assert tests[4] == io((), {"threshold": 0.1, "numbers": []}, expected=None, compare="is")


def test_humaneval_remainder_still_checks_the_candidate() -> None:
    source = "def check(candidate):\n    assert candidate(2) == 4\n    for i in range(5):\n        assert candidate(i) == i * 2\n"
    tests = tests_from_assertions(source, "double")
    assert tests[0] == io((2,), expected=4)
    namespace: dict[str, Any] = {}
    exec(tests[1].code, namespace)  # test-side only: the library never executes test code
    namespace["check"](lambda n: n * 2)
    with pytest.raises(AssertionError):
        namespace["check"](lambda n: n + 2)


def test_humaneval_fully_convertible_check_has_no_assert_test() -> None:
    source = (
        "import math\n\n"
        "def check(candidate):\n"
        "    '''docstring'''\n"
        "    assert candidate('a') == 'A'\n"
        "    assert math.isclose(candidate('b'), 1.5)\n"
        "    assert not candidate('')\n"
    )
    assert tests_from_assertions(source, "up") == [
        io(("a",), expected="A"),
        io(("b",), expected=1.5, rtol=1e-9, atol=0.0),
        io(("",), compare="falsy"),
    ]


def test_humaneval_check_with_other_parameter_name() -> None:
    assert tests_from_assertions("def check(fn):\n    assert fn(1) == 2\n", "inc") == [io((1,), expected=2)]


def test_humaneval_entry_point_called_by_name_inside_check_is_not_converted() -> None:
    source = "def check(candidate):\n    assert add(1, 2) == 3\n"
    assert tests_from_assertions(source, "add") == [AssertTest(code=source)]


@pytest.mark.parametrize(
    "source",
    [
        # names assigned in check and used by another statement: keep the body together
        "def check(candidate):\n    import random\n    assert candidate(0, 1) == 1\n"
        "    for i in range(100):\n        x, y = random.randint(0, 9), random.randint(0, 9)\n"
        "        assert candidate(x, y) == x + y\n",
        "def check(candidate):\n    xs = [1, 2]\n    assert candidate(xs) == 3\n    assert candidate([1]) == 1\n",
        "def check(candidate):\n    candidate = lambda x: x\n    assert candidate(1) == 1\n",
        "def check(candidate):\n    assert candidate(1) == 1\n    abs = len\n    assert abs(candidate(1) - 1) < 1\n",
        # an early return: later asserts never ran in the original
        "def check(candidate):\n    assert candidate(1) == 1\n    if candidate(0):\n        return\n    assert candidate(2) == 2\n",
        # unusual module-level code or signatures
        "def check(candidate):\n    assert candidate(1) == 1\n\ncheck(f)\n",
        "def check(candidate, extra=1):\n    assert candidate(1) == 1\n",
        "@decorator\ndef check(candidate):\n    assert candidate(1) == 1\n",
        "assert f(1) == 1\n\ndef check(candidate):\n    assert candidate(1) == 1\n",
    ],
)
def test_humaneval_unsafe_to_split_is_kept_whole(source: str) -> None:
    assert tests_from_assertions(source, "f") == [AssertTest(code=source)]


def test_humaneval_module_level_rebinding_blocks_only_affected_asserts() -> None:
    source = "def abs(x):\n    return 0\n\ndef check(candidate):\n    assert candidate(1) == 2\n    assert abs(candidate(1) - 2) < 1\n"
    tests = tests_from_assertions(source, "f")
    assert tests[0] == io((1,), expected=2)
    assert same_code(
        tests[1].code,
        "def abs(x):\n    return 0\n\ndef check(candidate):\n    assert abs(candidate(1) - 2) < 1\n",
    )


def test_humaneval_setup_code_is_prepended_to_the_remainder() -> None:
    source = "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(H) == 3\n"
    tests = tests_from_assertions(source, "f", setup_code="H = 7")
    assert tests[0] == io((1,), expected=2)
    assert tests[1].code.startswith("H = 7\n")
    assert same_code(tests[1].code, "H = 7\ndef check(candidate):\n    assert candidate(H) == 3\n")


# --------------------------------------------------------------------------- errors and helpers


def test_syntax_error_in_test_list_names_line_and_error() -> None:
    with pytest.raises(ValueError, match=r"test 1, line 1: 'assert f\(1\) ==': invalid syntax") as info:
        tests_from_assertions(["assert f(0) == 0", "assert f(1) =="], "f")
    assert isinstance(info.value.__cause__, SyntaxError)


def test_syntax_error_in_humaneval_source_names_line() -> None:
    source = "def check(candidate):\n    assert candidate(1) == 1\n    assert candidate(2 == 2\n"
    with pytest.raises(ValueError, match=r"line 3: 'assert candidate\(2 == 2'") as info:
        tests_from_assertions(source, "f")
    assert "was never closed" in str(info.value)


def test_syntax_error_in_setup_code() -> None:
    with pytest.raises(ValueError, match=r"setup code, line 1: 'def broken\(:'"):
        tests_from_assertions(["assert f(1) == 1"], "f", setup_code="def broken(:\n")


def test_null_byte_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="cannot parse test 0"):
        tests_from_assertions(["assert f('\0') == 1\0"], "f")


def test_literal_call_args() -> None:
    call = ast.parse("f(1, -2.5, [3, (4,)], {'k': {5}}, key=None, other=float('inf'))").body[0].value
    assert literal_call_args(call) == ((1, -2.5, [3, (4,)], {"k": {5}}), {"key": None, "other": math.inf})
    for code in ("f(x)", "f(*xs)", "f(**kw)", "f(1, g(2))", "f(key=x)", "f(lambda: 1)"):
        assert literal_call_args(ast.parse(code).body[0].value) is None, code


# --------------------------------------------------------------------------- MBPP data


def _mbpp_entry_point(row: dict) -> str:
    """The function the tests call that the reference solution defines (first in test order)."""
    defined = {n.name for n in ast.parse(row["code"]).body if isinstance(n, ast.FunctionDef)}
    called = [
        node.func.id
        for test in row["test_list"]
        for node in ast.walk(ast.parse(test))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    ]
    return next((name for name in called if name in defined), called[0])


def test_mbpp_conversion_share(shared_data) -> None:
    mbpp_path = shared_data("mbpp", "mbpp.jsonl")
    rows = [json.loads(line) for line in mbpp_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    total = converted = 0
    for row in rows:
        tests = tests_from_assertions(
            row["test_list"], _mbpp_entry_point(row), setup_code=row["test_setup_code"]
        )
        assert len(tests) == len(row["test_list"])
        for test, source in zip(tests, row["test_list"], strict=True):
            total += 1
            if isinstance(test, IOTest):
                converted += 1
            else:
                assert test.code.endswith(source)
                assert row["test_setup_code"].strip() in test.code
    share = converted / total
    print(f"MBPP: {converted}/{total} assertions converted to IOTest ({share:.2%})")
    assert total == 2922
    assert share >= 0.90
