"""Backup lines keep DynamoDB's typed values exactly; checksums see through set order and number spelling."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.backup import codec

numbers = st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-(10**30), max_value=10**30)
number_text = numbers.map(lambda d: format(d, "f"))
texts = st.text(min_size=1, max_size=40)
blobs = st.binary(min_size=1, max_size=40)
scalars = st.one_of(
    texts.map(lambda v: {"S": v}),
    st.just({"S": ""}),
    number_text.map(lambda v: {"N": v}),
    st.binary(max_size=40).map(lambda v: {"B": v}),
    st.booleans().map(lambda v: {"BOOL": v}),
    st.just({"NULL": True}),
    st.sets(texts, min_size=1, max_size=5).map(lambda v: {"SS": sorted(v)}),
    st.sets(st.integers(-(10**12), 10**12), min_size=1, max_size=5).map(lambda v: {"NS": [str(n) for n in v]}),
    st.sets(blobs, min_size=1, max_size=5).map(lambda v: {"BS": sorted(v)}),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda v: {"L": v}),
        st.dictionaries(texts, inner, max_size=4).map(lambda v: {"M": v}),
    ),
    max_leaves=12,
)
items = st.fixed_dictionaries(
    {"PK": texts.map(lambda v: {"S": v}), "SK": texts.map(lambda v: {"S": v})},
    optional={"a": values, "b": values, "ノート": values},
)


@settings(max_examples=300, deadline=None)
@given(items)
def test_every_typed_item_survives_a_backup_line_exactly(item):
    line = codec.encode_line(item)
    assert line.endswith(b"\n") and b"\n" not in line[:-1]
    assert codec.decode_line(line) == item


@settings(max_examples=200, deadline=None)
@given(items, st.randoms())
def test_the_checksum_ignores_set_order(item, random):
    def shuffled(value):
        ((kind, inner),) = value.items()
        if kind in ("SS", "NS", "BS"):
            inner = list(inner)
            random.shuffle(inner)
            return {kind: inner}
        if kind == "M":
            return {"M": {k: shuffled(v) for k, v in inner.items()}}
        if kind == "L":
            return {"L": [shuffled(v) for v in inner]}
        return value

    same = {k: shuffled(v) for k, v in item.items()}
    assert codec.fingerprint(codec.to_json(same)) == codec.fingerprint(codec.to_json(item))


def test_the_checksum_sees_the_same_number_however_spelled_and_any_real_change():
    base = {"PK": {"S": "USER#a"}, "SK": {"S": "DAY#2026-01-01"}, "total": {"N": "1.50"}}
    key_hash, item_hash = codec.fingerprint(base)
    assert codec.fingerprint({**base, "total": {"N": "1.5"}}) == (key_hash, item_hash)
    assert codec.fingerprint({**base, "total": {"N": "15E-1"}})[1] == item_hash
    assert codec.fingerprint({**base, "total": {"N": "1.51"}})[1] != item_hash
    assert codec.fingerprint({**base, "total": {"S": "1.5"}})[1] != item_hash
    assert codec.fingerprint({**base, "SK": {"S": "DAY#2026-01-02"}})[0] != key_hash


@pytest.mark.parametrize(
    "line, reason",
    [
        (b"not json", "Expecting value"),
        (b'["Item"]', "a backup line is a JSON object"),
        (json.dumps({"Item": {"PK": {"S": "x"}}}).encode(), "without key attribute"),
        (json.dumps({"Item": {"PK": {"S": "x"}, "SK": {"S": "y"}, "b": {"B": "not base64!"}}}).encode(), "base64"),
    ],
)
def test_a_damaged_line_is_refused(line, reason):
    with pytest.raises(ValueError, match=reason):
        codec.decode_line(line)
