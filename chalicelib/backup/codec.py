"""Items as backup lines: DynamoDB's typed JSON, exactly as the low-level client returns them.

A line is ``{"Item": {...}}`` (the layout of DynamoDB's own S3 export), with binary values
(``B``, ``BS``) in base64 so that numbers, sets, binary and maps survive byte for byte.
The canonical form (sets sorted, numbers normalised, keys sorted) is what checksums hash:
two items that DynamoDB considers equal hash the same whatever order a set came back in.
"""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal

from .. import keys

KEY_ATTRIBUTES = tuple(k["AttributeName"] for k in keys.TABLE_DEFINITION["KeySchema"])
DIGEST_MODULUS = 2**256


def _value_to_json(value: dict) -> dict:
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(v).decode("ascii") for v in inner]}
    if kind == "M":
        return {"M": {k: _value_to_json(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_value_to_json(v) for v in inner]}
    return value


def _value_from_json(value: dict) -> dict:
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner, validate=True)}
    if kind == "BS":
        return {"BS": [base64.b64decode(v, validate=True) for v in inner]}
    if kind == "M":
        return {"M": {k: _value_from_json(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_value_from_json(v) for v in inner]}
    return value


def to_json(item: dict) -> dict:
    """A raw client item as JSON-safe typed values (binary as base64)."""
    return {name: _value_to_json(value) for name, value in item.items()}


def from_json(item: dict) -> dict:
    """The inverse of ``to_json``: what ``batch_write_item`` accepts."""
    return {name: _value_from_json(value) for name, value in item.items()}


def encode_line(item: dict) -> bytes:
    return json.dumps({"Item": to_json(item)}, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def decode_line(line: bytes) -> dict:
    """A raw item from one backup line; ``ValueError`` when the line is not a typed item."""
    record = json.loads(line)
    if not isinstance(record, dict) or not isinstance(record.get("Item"), dict):
        raise ValueError('a backup line is a JSON object {"Item": {...}}')
    item = from_json(record["Item"])
    missing = [k for k in KEY_ATTRIBUTES if k not in item]
    if missing:
        raise ValueError(f"item without key attribute(s) {missing}")
    return item


def _number(text: str) -> str:
    normal = Decimal(text).normalize()
    return "0" if normal.is_zero() else format(normal, "f")


def _canonical_value(value: dict):
    ((kind, inner),) = value.items()
    if kind == "N":
        return {"N": _number(inner)}
    if kind == "NS":
        return {"NS": sorted(_number(v) for v in inner)}
    if kind in ("SS", "BS"):
        return {kind: sorted(inner)}
    if kind == "M":
        return {"M": {k: _canonical_value(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_canonical_value(v) for v in inner]}
    return value


def canonical(json_item: dict) -> bytes:
    """Canonical bytes of a JSON-safe typed item (see ``to_json``)."""
    normal = {name: _canonical_value(value) for name, value in json_item.items()}
    return json.dumps(normal, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def key_text(json_item: dict) -> str:
    """The item's primary key as a short readable string, for reports (``PK=USER#a SK=SESSION#1``)."""
    return " ".join(f"{k}={next(iter(json_item[k].values()))}" for k in KEY_ATTRIBUTES)


def fingerprint(json_item: dict) -> tuple[bytes, int]:
    """(hash of the key, hash of the whole item as an integer) for order-independent checksums."""
    key_hash = hashlib.sha256(canonical({k: json_item[k] for k in KEY_ATTRIBUTES})).digest()
    item_hash = int.from_bytes(hashlib.sha256(canonical(json_item)).digest(), "big")
    return key_hash, item_hash
