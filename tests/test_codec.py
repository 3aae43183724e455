"""The boundary encoding: what crosses, what does not, and that malformed input is refused."""

from __future__ import annotations

import math

import pytest

from codeloop.execution._codec import Unencodable, decode, encode
from codeloop.execution._judge import values_equal


@pytest.mark.parametrize("value", [
    None, False, 0, -(2**80), 0.5, "", "ünï", b"", b"\x01", 3j, [], (), set(), frozenset(), {},
    [1, (2, {3: frozenset({4})})], {(1, 2): [None]}, {"t": 1}, {"d": [[1, 2]]},
])
def test_round_trip_keeps_value_and_type(value):
    back = decode(encode(value))
    assert back == value and type(back) is type(value)


def test_special_floats_round_trip():
    assert decode(encode(math.inf)) == math.inf and decode(encode(-math.inf)) == -math.inf
    assert math.isnan(decode(encode(math.nan)))


@pytest.mark.parametrize("value, name", [(object(), "object"), ([1, iter([])], "list_iterator"),
                                         (lambda: 0, "function")])
def test_other_types_are_refused_by_name(value, name):
    with pytest.raises(Unencodable) as info:
        encode(value)
    assert info.value.type_name == name


def test_too_deep_and_too_large_values_are_refused():
    deep: list = []
    node = deep
    for _ in range(100):
        node.append([])
        node = node[0]
    with pytest.raises(Unencodable, match="nested deeper"):
        encode(deep)
    with pytest.raises(Unencodable, match="more than 10 parts"):
        encode(list(range(20)), max_nodes=10)


@pytest.mark.parametrize("data", [{"zz": 1}, {"t": 1}, {"d": [[1]]}, {"s": [[1]]}, {"a": 1, "b": 2}, {"f": "x"}])
def test_malformed_encodings_raise_value_error(data):
    with pytest.raises(ValueError):
        decode(data)


def test_values_equal_uses_python_equality_or_tolerance():
    assert values_equal(1, 1.0) and values_equal((1, 2), (1, 2)) and not values_equal([1, 2], (1, 2))
    assert not values_equal(0.1 + 0.2, 0.3)
    assert values_equal(0.1 + 0.2, 0.3, atol=1e-12)
    assert values_equal({"a": [1.0, 2.0]}, {"a": [1.0, 2.0 + 1e-10]}, rtol=1e-9)
    assert not values_equal({"a": [1.0]}, {"b": [1.0]}, atol=1.0)


def test_decoding_is_bounded_in_elements_and_nesting():
    from codeloop.execution._codec import DecodeLimit

    with pytest.raises(DecodeLimit, match="more than 100 parts"):
        decode(list(range(200)), max_nodes=100)
    deep: object = 0
    for _ in range(200):
        deep = [deep]
    with pytest.raises(DecodeLimit, match="nested deeper"):
        decode(deep)
    assert decode(list(range(100)), max_nodes=101) == list(range(100))


@pytest.mark.parametrize("tag, body", [
    ("s", lambda ks: ks), ("fs", lambda ks: [{"t": [k]} for k in ks]), ("d", lambda ks: [[k, 0] for k in ks])])
def test_hash_collision_floods_are_refused_in_linear_time(tag, body):
    import time

    from codeloop.execution._codec import MAX_EQUAL_HASHES, DecodeLimit

    colliding = [k * (2**61 - 1) + 7 for k in range(1, 30_000)]  # all hash to 7
    began = time.process_time()
    with pytest.raises(DecodeLimit, match="share a hash value"):
        decode({tag: body(colliding)})
    assert time.process_time() - began < 0.5
    few = colliding[:MAX_EQUAL_HASHES]  # a handful that collide by chance still decode
    assert len(decode({tag: body(few)})) == MAX_EQUAL_HASHES
