"""Study sessions: the source items every statistic is computed from."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import keys, pagination, subjects, targets
from .errors import BadRequest, Conflict, NotFound
from .ids import new_id
from .instants import format_instant, now, parse_instant
from .models import Page, Session, SessionCreate, SessionFilter, SessionPatch
from .store import ConditionFailed, InvalidStartKey, Store

MAX_LENGTH = timedelta(hours=24)
FUTURE_TOLERANCE = timedelta(minutes=5)
LINK_FIELDS = ("target_id", "amount")  # a session's link to an exam target (targets.check_link)
_NOT_FOUND = "No session with this id. List yours with GET /v1/sessions."


def check_times(started_at: datetime, ended_at: datetime, moment: datetime) -> None:
    """The rules every stored session obeys (api.md): positive, at most 24 h, not in the future."""
    if ended_at <= started_at:
        raise BadRequest.field("ended_at", "must be after started_at")
    if ended_at - started_at > MAX_LENGTH:
        raise BadRequest.field("ended_at", "a session lasts at most 24 hours: split longer study into several sessions")
    if ended_at > moment + FUTURE_TOLERANCE:
        raise BadRequest.field("ended_at", "is in the future: a session can end at most 5 minutes from now")


def build_item(
    user: str,
    session_id: str,
    subject_id: str,
    started_at: datetime,
    ended_at: datetime,
    note: str,
    tags: list[str],
    version: int,
    created_at: str,
    **extra,
) -> dict:
    start = format_instant(started_at)
    return {
        **keys.key(user, keys.session_sk(session_id)),
        **keys.session_index_attrs(start, session_id),
        "type": "session",
        "id": session_id,
        "subject_id": subject_id,
        "started_at": start,
        "ended_at": format_instant(ended_at),
        "duration_seconds": int((ended_at - started_at).total_seconds()),
        "note": note,
        "tags": list(tags),
        "version": version,
        "created_at": created_at,
        "updated_at": format_instant(now()),
        **extra,
    }


def create(store: Store, user: str, body: SessionCreate, session_id: str | None = None) -> Session:
    check_times(body.started_at, body.ended_at, now())
    subjects.require(store, user, body.subject_id)
    link = targets.check_link(store, user, body.subject_id, body.started_at, body.target_id, body.amount)
    stamp = format_instant(now())
    item = build_item(
        user,
        session_id or new_id(),
        body.subject_id,
        body.started_at,
        body.ended_at,
        body.note,
        body.tags,
        1,
        stamp,
        **link,
    )
    try:
        store.put_new(item)
    except ConditionFailed:
        raise Conflict("A session with this id already exists.") from None
    return Session.model_validate(item)


def _find(store: Store, user: str, session_id: str) -> dict:
    item = store.get(keys.key(user, keys.session_sk(session_id)))
    if item is None:
        raise NotFound(_NOT_FOUND)
    return item


def get(store: Store, user: str, session_id: str) -> Session:
    return Session.model_validate(_find(store, user, session_id))


def _stale(expected: int | None, current: int) -> Conflict:
    return Conflict(
        f"This session changed since version {expected} (now {current}): reload it and apply your change again."
    )


def update(store: Store, user: str, session_id: str, patch: SessionPatch, expected: int | None) -> Session:
    current = _find(store, user, session_id)
    if expected is not None and current["version"] != expected:
        raise _stale(expected, current["version"])
    changes = {name: getattr(patch, name) for name in patch.model_fields_set}  # datetimes stay datetimes
    for name, value in changes.items():
        if value is None and name not in LINK_FIELDS:
            raise BadRequest.field(name, "must not be null")
    started = changes.get("started_at", parse_instant(current["started_at"]))
    ended = changes.get("ended_at", parse_instant(current["ended_at"]))
    if "started_at" in changes or "ended_at" in changes:
        check_times(started, ended, now())
    if "subject_id" in changes:
        subjects.require(store, user, changes["subject_id"])
    subject_id = changes.get("subject_id", current["subject_id"])
    extra = {k: v for k, v in current.items() if k in ("import_key", "source", "focus", *LINK_FIELDS)}
    if changes.keys() & {"subject_id", "started_at", *LINK_FIELDS}:
        extra = {k: v for k, v in extra.items() if k not in LINK_FIELDS} | _relink(
            store, user, current, changes, subject_id, started
        )
    item = build_item(
        user,
        session_id,
        subject_id,
        started,
        ended,
        changes.get("note", current.get("note", "")),
        changes.get("tags", current.get("tags", [])),
        current["version"] + 1,
        current["created_at"],
        **extra,
    )
    try:
        store.put_if_version(item, current["version"])
    except ConditionFailed as failure:
        if failure.item is None:
            raise NotFound(_NOT_FOUND) from None
        raise _stale(current["version"], failure.item["version"]) from None
    return Session.model_validate(item)


def _relink(store: Store, user: str, current: dict, changes: dict, subject_id: str, started: datetime) -> dict:
    """The link a changed session keeps or gets: clearing target_id clears the amount; a session keeps
    its target once archived, but its new subject or start must still fit the target."""
    target_id = changes.get("target_id", current.get("target_id"))
    default_amount = None if "target_id" in changes and target_id is None else current.get("amount")
    amount = changes.get("amount", default_amount)
    keep = target_id is not None and target_id == current.get("target_id")
    return targets.check_link(store, user, subject_id, started, target_id, amount, keep_archived=keep)


def delete(store: Store, user: str, session_id: str, expected: int | None) -> None:
    try:
        store.delete_existing(keys.key(user, keys.session_sk(session_id)), expected)
    except ConditionFailed as failure:
        if failure.item is None:
            raise NotFound(_NOT_FOUND) from None
        raise _stale(expected, failure.item["version"]) from None


def list_page(store: Store, user: str, query: SessionFilter) -> Page[Session]:
    """Newest first. Sessions overlapping [from, to): a session lasts at most 24 h, so the
    index range starts 24 h before ``from`` and the filter drops those that ended earlier."""
    if query.from_ and query.to and query.to < query.from_:
        raise BadRequest.field("to", "must not be before from")  # the index range would be backwards: a 5xx
    pk = keys.user_pk(user)
    lo = format_instant(query.from_ - MAX_LENGTH) if query.from_ else "0"
    hi = format_instant(query.to) if query.to else "~"
    filters, values = [], {}
    if query.from_:
        filters.append("ended_at > :from")
        values[":from"] = format_instant(query.from_)
    if query.subject_id:
        filters.append("subject_id = :subject")
        values[":subject"] = query.subject_id
    start = pagination.decode(query.cursor, pk, keys.SESSION_PREFIX)
    try:
        items, last = store.query_page(
            pk,
            between=(lo, hi),
            index=keys.SESSIONS_BY_START,
            limit=query.limit,
            start_key=start,
            forward=False,
            filter_expression=" AND ".join(filters) or None,
            filter_values=values or None,
        )
    except InvalidStartKey:
        raise BadRequest.field("cursor", "invalid cursor: use the next_cursor of the previous page") from None
    return Page[Session](items=[Session.model_validate(i) for i in items], next_cursor=pagination.encode(last))


def sessions_between(store: Store, user: str, start: datetime, end: datetime) -> list[dict]:
    """Every session overlapping [start, end), read consistently (for the projection)."""
    lo, hi = format_instant(start - MAX_LENGTH), format_instant(end)
    return [
        item
        for item in store.query_all(keys.user_pk(user), between=(lo, hi), index=keys.SESSIONS_BY_START, consistent=True)
        if item["ended_at"] > format_instant(start)
    ]
