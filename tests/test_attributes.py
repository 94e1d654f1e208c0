"""chalicelib.attributes follows boto3's TypeSerializer and TypeDeserializer, value for value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import attributes

# What DynamoDB stores: numbers of up to 38 significant digits within its exponent range.
numbers = st.one_of(
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: len(d.as_tuple().digits) <= 38 and -120 <= d.adjusted() <= 120
    ),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=20), st.binary(max_size=8))
sets = st.one_of(
    st.frozensets(numbers, min_size=1, max_size=4).map(set),
    st.frozensets(st.text(max_size=5), min_size=1, max_size=4).map(set),
    st.frozensets(st.binary(max_size=4), min_size=1, max_size=4).map(set),
)
values = st.recursive(
    st.one_of(scalars, sets),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=12,
)


def boto3_plain(value):
    """What Store.load answered with boto3: Decimals as int or float, Binary as its bytes."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Binary):
        return value.value
    if isinstance(value, dict):
        return {k: boto3_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [boto3_plain(v) for v in value]
    if isinstance(value, set):
        return {boto3_plain(v) for v in value}
    return value


@settings(max_examples=300, deadline=None)
@given(values)
def test_dump_writes_what_boto3_writes_and_load_reads_what_boto3_read(value):
    typed = TypeSerializer().serialize(value)
    assert attributes.dump(value) == typed
    assert attributes.load(typed) == boto3_plain(TypeDeserializer().deserialize(typed))


@pytest.mark.parametrize(
    "value",
    [1.5, float("nan"), Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), 10**38, {1.5}, object(), {1, "a"}],
)
def test_what_dynamodb_cannot_store_exactly_is_refused_before_a_request(value):
    with pytest.raises((TypeError, ArithmeticError)):  # boto3 raised the same, but let -Infinity through
        attributes.dump(value)


def test_numbers_come_back_as_int_when_whole_and_float_otherwise():
    assert attributes.load({"N": "42"}) == 42 and type(attributes.load({"N": "42"})) is int
    assert attributes.load({"N": "1.0"}) == 1 and type(attributes.load({"N": "1.0"})) is int
    assert attributes.load({"N": "0.25"}) == 0.25
    assert attributes.load({"NS": ["1", "2.5"]}) == {1, 2.5}


def test_an_unknown_or_empty_type_is_a_type_error():
    with pytest.raises(TypeError):
        attributes.load({})
    with pytest.raises(TypeError):
        attributes.load({"X": "1"})
