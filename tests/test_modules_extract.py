"""extract_code on messy, realistic LM outputs: fences, prose, several blocks, broken code."""

from __future__ import annotations

import ast

import pytest

from codeloop.modules import Extraction, extract_code


def defined(code: str) -> list[str]:
    return [n.name for n in ast.parse(code).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


def run(code: str, entry: str, *args):
    namespace: dict = {}
    exec(compile(code, "<extracted>", "exec"), namespace)  # trusted: the test's own strings
    return namespace[entry](*args)


def test_python_fence_with_prose_around_it():
    text = ("Sure! Here's an implementation that sorts the list:\n\n```python\ndef arrange(xs):\n"
            "    return sorted(xs)\n```\n\nThis runs in O(n log n) time. Let me know if you need more!")
    result = extract_code(text, "arrange")
    assert result == Extraction("def arrange(xs):\n    return sorted(xs)\n", True, "")


@pytest.mark.parametrize("fence", ["```", "~~~", "````", "```py", "``` python"])
def test_other_fences(fence):
    close = fence.split()[0].rstrip("py") if fence.startswith("`") else fence
    text = f"Answer:\n{fence}\ndef add(a, b):\n    return a + b\n{close}\n"
    result = extract_code(text, "add")
    assert result.ok, result.reason
    assert run(result.code, "add", 2, 3) == 5


def test_helpers_in_one_block_entry_in_another_and_usage_dropped():
    text = """First a helper:

```python
import math

def is_square(n):
    return n >= 0 and math.isqrt(n) ** 2 == n
```

Then the main function:

```python
def count_squares(xs):
    return sum(1 for x in xs if is_square(x))

print(count_squares([1, 2, 4]))
assert count_squares([9]) == 1
result = count_squares([16, 3])
if __name__ == "__main__":
    print(result)
```

Example output:
```text
2
```
"""
    result = extract_code(text, "count_squares")
    assert result.ok, result.reason
    assert defined(result.code) == ["is_square", "count_squares"]
    assert "print" not in result.code and "assert" not in result.code and "result =" not in result.code
    assert result.code.startswith("import math")
    assert run(result.code, "count_squares", [1, 2, 4, 9]) == 3


def test_a_corrected_second_version_wins():
    text = ("```python\ndef f(x):\n    return x + 1\n```\nWait, that is off by one. Corrected:\n"
            "```python\ndef f(x):\n    return x + 2\n```")
    result = extract_code(text, "f")
    assert result.ok and run(result.code, "f", 1) == 3 and result.code.count("def f") == 1


def test_no_fences_prose_before_and_after():
    text = ("To solve this, iterate and keep the maximum.\n\ndef biggest(xs):\n    best = xs[0]\n"
            "    for x in xs:\n        if x > best:\n            best = x\n    return best\n\n"
            "The function returns the largest element of the list.")
    result = extract_code(text, "biggest")
    assert result.ok, result.reason
    assert run(result.code, "biggest", [3, 9, 2]) == 9


def test_plain_code_with_constants_decorators_and_a_class():
    text = ("from functools import lru_cache\nMOD = 10**9 + 7\n\n@lru_cache(maxsize=None)\n"
            "def fib(n):\n    return n if n < 2 else (fib(n - 1) + fib(n - 2)) % MOD\n\n"
            "class Helper:\n    pass\n")
    result = extract_code(text, "fib")
    assert result.ok and "@lru_cache" in result.code and "MOD = 10**9 + 7" in result.code
    assert run(result.code, "fib", 30) == 832040


def test_indented_code_inside_prose():
    text = "Here you go:\n\n    def double(x):\n        return 2 * x\n\nHope it helps."
    result = extract_code(text, "double")
    assert result.ok, result.reason
    assert run(result.code, "double", 4) == 8


def test_truncated_output_with_an_unclosed_fence():
    text = "```python\ndef square(x):\n    return x * x\n"
    result = extract_code(text, "square")
    assert result.ok and run(result.code, "square", 5) == 25


def test_missing_entry_point_is_not_ok_and_says_why():
    result = extract_code("```python\ndef helper(x):\n    return x\n```", "solve")
    assert not result.ok
    assert "'solve'" in result.reason and "helper" in result.reason
    assert "def helper" in result.code


def test_syntax_error_is_reported_not_raised():
    result = extract_code("```python\ndef broken(x)\n    return x +\n```", "broken")
    assert not result.ok and "syntax error" in result.reason


@pytest.mark.parametrize("text", [None, "", "   \n", "I cannot help with that."])
def test_empty_or_prose_only(text):
    result = extract_code(text, "f")
    assert not result.ok and result.reason


def test_entry_point_as_a_lambda_assignment_counts():
    result = extract_code("```python\nsquare = lambda x: x * x\n```", "square")
    assert result.ok and run(result.code, "square", 3) == 9


def test_a_definition_inside_a_not_quite_json_object_is_found():
    # a small model's answer to DSPy's JSON retry: valid Python (a set of one string), no definition
    reply = '{"code": """\ndef double(x):\n    return 2 * x\n"""}'
    extraction = extract_code(reply, "double")
    assert extraction.ok and extraction.code == "def double(x):\n    return 2 * x\n"


def test_a_function_inside_a_json_fence_is_found():
    # Qwen2.5-Coder-1.5B's answer to DSPy's JSON format: a json fence around a triple-quoted string
    reply = '```json\n{\n  "code": """\ndef best(prices):\n    return max(prices)\n"""\n}\n```'
    extraction = extract_code(reply, "best")
    assert extraction.ok and extraction.code == "def best(prices):\n    return max(prices)\n"
