"""DynamoDB attribute values <-> plain Python values: what ``Store`` writes and reads.

Written by hand rather than taken from ``boto3.dynamodb.types`` because importing that module runs
``boto3/__init__`` (sessions, resources, s3transfer): 17 ms of the API function's cold start on
Python 3.13, median of 9 fresh processes that had already imported botocore (`bench/runtimes.py`
puts the whole cold start near 300 ms on this machine). The rules are boto3's, and
``tests/test_attributes.py`` checks them against boto3's TypeSerializer and TypeDeserializer on
generated values:

- ``dump``: None -> NULL, bool -> BOOL, int or Decimal -> N (38 digits, or TypeError, as DynamoDB
  stores them), str -> S, bytes -> B, a set of numbers, strings or bytes -> NS, SS or BS, a mapping
  -> M, a list or tuple -> L; a float is refused (a float would not survive the round trip).
- ``load``: the inverse, with numbers as int when integral and float otherwise (the app's items hold
  whole numbers and a few ratios), binary as bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

# DynamoDB's numbers: 38 significant digits, exponent -130 to +125; anything else raises, never rounds.
NUMBERS = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


def _number(value: int | Decimal) -> str:
    text = str(NUMBERS.create_decimal(value))
    if text in ("Infinity", "-Infinity", "NaN", "sNaN", "-NaN", "-sNaN"):
        raise TypeError("Infinity and NaN not supported")
    return text


def _is_number(value: Any) -> bool:
    if isinstance(value, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    return isinstance(value, int | Decimal)  # bool too, as in boto3: dump() takes a bool first


def dump(value: Any) -> dict:
    """One attribute value, typed as DynamoDB's low-level API takes it."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if _is_number(value):
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray):
        return {"B": value}
    if isinstance(value, Set):
        if all(_is_number(member) for member in value):
            return {"NS": [_number(member) for member in value]}
        if all(isinstance(member, str) for member in value):
            return {"SS": list(value)}
        if all(isinstance(member, bytes | bytearray) for member in value):
            return {"BS": list(value)}
    elif isinstance(value, Mapping):
        return {"M": {key: dump(member) for key, member in value.items()}}
    elif isinstance(value, list | tuple):
        return {"L": [dump(member) for member in value]}
    raise TypeError(f'Unsupported type "{type(value)}" for value "{value}"')


def _load_number(text: str) -> int | float:
    number = NUMBERS.create_decimal(text)
    return int(number) if number == number.to_integral_value() else float(number)


def load(typed: dict) -> Any:
    """One attribute value as the low-level API answers it, as a plain Python value."""
    if not typed:
        raise TypeError("Value must be a nonempty dictionary whose key is a valid dynamodb type.")
    kind, value = next(iter(typed.items()))
    if kind == "S":
        return value
    if kind == "N":
        return _load_number(value)
    if kind == "M":
        return {key: load(member) for key, member in value.items()}
    if kind == "L":
        return [load(member) for member in value]
    if kind == "BOOL":
        return value
    if kind == "NULL":
        return None
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {_load_number(member) for member in value}
    if kind == "B":
        return bytes(value)
    if kind == "BS":
        return {bytes(member) for member in value}
    raise TypeError(f"Dynamodb type {kind} is not supported")
