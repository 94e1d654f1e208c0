"""Opaque list cursors: the DynamoDB start key, minus the partition (always the caller's)."""

from __future__ import annotations

import base64
import json

from . import keys
from .errors import BadRequest

_ALLOWED = {"SK", keys.SESSION_START_ATTR}


def encode(last_key: dict | None) -> str | None:
    if not last_key:
        return None
    body = {k: v for k, v in last_key.items() if k in _ALLOWED}
    return base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, pk: str, sk_prefix: str) -> dict | None:
    """The start key for the caller's partition; a cursor that is not ours is a 400, never a 5xx."""
    if not cursor:
        return None
    invalid = BadRequest.field("cursor", "invalid cursor: use the next_cursor of the previous page, or omit it")
    try:
        body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise invalid from None
    if (
        not isinstance(body, dict)
        or set(body) - _ALLOWED
        or "SK" not in body
        or not all(isinstance(v, str) and 0 < len(v) <= 512 for v in body.values())
        or not body["SK"].startswith(sk_prefix)
    ):
        raise invalid
    return {"PK": pk, **body}
