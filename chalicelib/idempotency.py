"""Idempotency-Key: a write retried by a client answers what the first one did, and writes nothing.

Every POST, PATCH and DELETE under /v1/ accepts ``Idempotency-Key`` (1-255 printable ASCII
characters), scoped to the calling user. The first request with a key runs its use case against a
``Unit`` (its writes wait) and stores its answer in an ``IDEM#<key>`` item of the caller's
partition, with a fingerprint of the request (method, route, path parameters, body), in the SAME
transaction as the use case's writes: a crash leaves both or neither.

- A repeat within ``TTL_SECONDS`` answers the stored status and body (header
  ``Idempotent-Replayed: true``) and writes nothing; the same key with another request is a 422
  ``idempotency_key_reused``. A record past its ``expires_at`` counts as absent even before
  DynamoDB's TTL (which lags by up to two days) deletes it.
- Only successes (2xx) are stored: a refusal wrote nothing, so a repeat runs again and answers
  what is true then (a 409 may have become a 201 once the learner fixed its cause).
- Two requests with one key at the same moment: both may run, one transaction stores the record,
  the other's is canceled by the record's condition, writes nothing, and answers the stored record.

Costs: a request with a key reads its record (one consistent read) and writes its items in a
transaction (twice the write units of plain writes); without the header nothing changes.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from typing import NamedTuple

from . import keys
from .errors import AppError, BadRequest, Conflict
from .store import Store, TransactionCanceled
from .unit import Unit

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL_SECONDS = 24 * 3600
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")
WRITE_METHODS = frozenset({"POST", "PATCH", "DELETE"})
ATTEMPTS = 3


class KeyReused(AppError):
    status, code = 422, "idempotency_key_reused"


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    body: str


def parse_key(raw: str) -> str:
    if not KEY_PATTERN.fullmatch(raw):
        raise BadRequest.field(HEADER, "must be 1-255 printable ASCII characters (a fresh UUID per change works)")
    return raw


def fingerprint(method: str, route: str, params: dict[str, str], body: bytes) -> str:
    """What makes two requests the same request: a JSON body compares by value, not by spelling."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")) if body.strip() else ""
    except ValueError:
        canonical = body.hex()
    text = json.dumps([method, route, sorted(params.items()), canonical], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def record_item(user: str, key: str, request: str, answer: Answer, now: float) -> dict:
    return {
        **keys.key(user, keys.idempotency_sk(key)),
        "type": "idempotency",
        "request": request,
        "status": answer.status,
        "content_type": answer.headers.get("Content-Type", ""),
        "body": answer.body,
        keys.EXPIRES_AT: int(now) + TTL_SECONDS,
    }


def replay(record: dict, request: str) -> Answer:
    if record["request"] != request:
        raise KeyReused(
            f"This {HEADER} was used for a different request in the last 24 hours: send a new key for a new change.",
            [{"field": HEADER, "problem": "already used for a different request"}],
        )
    headers = {REPLAYED_HEADER: "true"}
    if record.get("content_type"):
        headers["Content-Type"] = record["content_type"]
    return Answer(int(record["status"]), headers, record.get("body", ""))


def run(
    store: Store,
    user: str,
    key: str,
    request: str,
    execute: Callable[[Store], Answer],
    clock: Callable[[], float] = time.time,
) -> Answer:
    """Answer the request ``execute`` performs against the store it is given, at most once per key."""
    record_key = keys.key(user, keys.idempotency_sk(key))
    for attempt in range(ATTEMPTS):
        now = clock()
        stored = store.get(record_key)
        if stored is not None and stored.get(keys.EXPIRES_AT, 0) > now:
            return replay(stored, request)
        unit = Unit.over(store, checked=attempt > 0)
        answer = execute(unit)
        if not 200 <= answer.status < 300:
            return answer  # a refusal wrote nothing: not stored, a repeat runs again
        record = record_item(user, key, request, answer, now)
        try:
            unit.commit(store.op_put_new_or_expired(record, keys.EXPIRES_AT, int(now)))
        except TransactionCanceled:
            continue  # the record (a concurrent twin) or one of the writes' conditions: read again
        return answer
    raise Conflict("This change met other changes to the same data several times in a row: send it again.")
