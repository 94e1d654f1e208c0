"""The single-table key schema: the ONE place that knows item key names.

Every item lives in its owner's partition ``USER#<user_id>`` so that each request
touches only the caller's partition. Sort keys by item type:

    PROFILE                    the user's settings (timezone, day start, goals, ...)
    SUBJECT#<id>               a subject
    SUBJECTNAME#<casefolded>   guard that keeps subject names unique per user
    SUBJECTGOALS               the active subjects' weekly goals (name and minutes), written with each
                               subject change, so a summary reads them in the same request as its days
    SESSION#<id>               a study session (source of truth for statistics)
    TIMER                      the running timer (at most one: the key is fixed)
    TARGET#<id>                an exam target (minutes by a due date, optionally material)
    DAY#<YYYY-MM-DD>           projection: one local study day's totals (and amounts per target)
    STREAK                     projection: the user's runs of counted days
    TOKEN#<id>                 a personal API token's metadata
    PARKED#<ts>#<event id>     a stream record the projection could not process
    IDEM#<Idempotency-Key>     a write's stored answer, for its retries (expires: EXPIRES_AT)

Items that expire carry ``EXPIRES_AT`` (epoch seconds), the table's TTL attribute
(``TIME_TO_LIVE``: CreateTable cannot set it, so whoever creates a table applies it).

Sessions are also indexed by start time in the local secondary index ``LSI1``
(``LSI1SK = <started_at>#<id>``): an LSI reads consistently, so the projection
never misses the session whose stream record it is handling.

API token secrets are found by their hash in a partition of their own,
``TOKENHASH#<sha256>`` (one GetItem per authorization, no index).
"""

from __future__ import annotations

TABLE_NAME_ENV = "STUDYTRACKER_TABLE"
SESSIONS_BY_START = "LSI1"
SESSION_START_ATTR = "LSI1SK"  # the sort key of SESSIONS_BY_START: set by session_index_attrs

# The table definition shared by the dev runner, the tests and infra/ (CloudFormation).
TABLE_DEFINITION: dict = {
    "AttributeDefinitions": [
        {"AttributeName": "PK", "AttributeType": "S"},
        {"AttributeName": "SK", "AttributeType": "S"},
        {"AttributeName": SESSION_START_ATTR, "AttributeType": "S"},
    ],
    "KeySchema": [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ],
    "LocalSecondaryIndexes": [
        {
            "IndexName": SESSIONS_BY_START,
            "KeySchema": [
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": SESSION_START_ATTR, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
}

PROFILE = "PROFILE"
SUBJECT_GOALS = "SUBJECTGOALS"
TIMER = "TIMER"
STREAK = "STREAK"
SUBJECT_PREFIX = "SUBJECT#"
SUBJECT_NAME_PREFIX = "SUBJECTNAME#"
SESSION_PREFIX = "SESSION#"
TARGET_PREFIX = "TARGET#"
DAY_PREFIX = "DAY#"
TOKEN_PREFIX = "TOKEN#"
TOKEN_HASH_PREFIX = "TOKENHASH#"
PARKED_PREFIX = "PARKED#"
IDEMPOTENCY_PREFIX = "IDEM#"
EXPIRES_AT = "expires_at"
TIME_TO_LIVE = {"AttributeName": EXPIRES_AT, "Enabled": True}


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def user_of_pk(pk: str) -> str | None:
    return pk[len("USER#") :] if pk.startswith("USER#") else None


def key(user_id: str, sk: str) -> dict:
    return {"PK": user_pk(user_id), "SK": sk}


def subject_sk(subject_id: str) -> str:
    return SUBJECT_PREFIX + subject_id


def subject_name_sk(name: str) -> str:
    return SUBJECT_NAME_PREFIX + name.strip().casefold()


def session_sk(session_id: str) -> str:
    return SESSION_PREFIX + session_id


def session_start_sk(started_at: str, session_id: str) -> str:
    return f"{started_at}#{session_id}"


def session_index_attrs(started_at: str, session_id: str) -> dict:
    """The attributes that place a session in SESSIONS_BY_START (ids break ties between equal starts)."""
    return {SESSION_START_ATTR: session_start_sk(started_at, session_id)}


def target_sk(target_id: str) -> str:
    return TARGET_PREFIX + target_id


def day_sk(iso_date: str) -> str:
    return DAY_PREFIX + iso_date


def token_sk(token_id: str) -> str:
    return TOKEN_PREFIX + token_id


def token_hash_key(secret_hash: str) -> dict:
    return {"PK": TOKEN_HASH_PREFIX + secret_hash, "SK": TOKEN_HASH_PREFIX + secret_hash}


def idempotency_sk(idempotency_key: str) -> str:
    return IDEMPOTENCY_PREFIX + idempotency_key


def key_of(item: dict) -> dict:
    """The key attributes of a whole item."""
    return {"PK": item["PK"], "SK": item["SK"]}


def parked_sk(stamp: str, event_id: str) -> str:
    return f"{PARKED_PREFIX}{stamp}#{event_id}"


def item_type(sk: str) -> str:
    """The kind of item a sort key names ('session', 'day', ...), for the projection and backups."""
    for prefix, kind in (
        (SUBJECT_NAME_PREFIX, "subject_name"),
        (SUBJECT_PREFIX, "subject"),
        (SESSION_PREFIX, "session"),
        (TARGET_PREFIX, "target"),
        (DAY_PREFIX, "day"),
        (TOKEN_HASH_PREFIX, "token_hash"),
        (TOKEN_PREFIX, "token"),
        (PARKED_PREFIX, "parked"),
        (IDEMPOTENCY_PREFIX, "idempotency"),
    ):
        if sk.startswith(prefix):
            return kind
    return {PROFILE: "profile", TIMER: "timer", STREAK: "streak", SUBJECT_GOALS: "subject_goals"}.get(sk, "unknown")
