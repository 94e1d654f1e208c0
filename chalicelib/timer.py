"""The running timer: at most one per user, enforced by a conditional write on a fixed key."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import keys, sessions, subjects
from .errors import BadRequest, Conflict, NotFound
from .ids import new_id
from .instants import format_instant, now, parse_instant
from .models import Session, Timer, TimerStart, TimerStop
from .store import ConditionFailed, Store, TransactionCanceled

_NONE_RUNNING = "No timer is running. Start one with POST /v1/timer/start."


def get(store: Store, user: str) -> Timer:
    item = store.get(keys.key(user, keys.TIMER))
    if item is None:
        raise NotFound(_NONE_RUNNING)
    return Timer.model_validate(item)


def start(store: Store, user: str, body: TimerStart) -> Timer:
    # Subjects are never deleted (only archived), so checking first cannot race with a removal.
    subjects.require(store, user, body.subject_id)
    item = {
        **keys.key(user, keys.TIMER),
        "type": "timer",
        "subject_id": body.subject_id,
        "started_at": format_instant(start_time(body.started_at, now())),
        "note": body.note,
    }
    try:
        store.put_new(item)
    except ConditionFailed as failure:
        running = (failure.item or {}).get("started_at", "earlier")
        raise Conflict(
            f"A timer is already running (since {running}): stop it with POST /v1/timer/stop first."
        ) from None
    return Timer.model_validate(item)


def start_time(requested: datetime | None, moment: datetime) -> datetime:
    """When a timer started: ``requested`` (a start pressed offline, sent later) or ``moment``."""
    if requested is None:
        return moment
    if requested > moment + sessions.FUTURE_TOLERANCE:
        raise BadRequest.field("started_at", "is in the future: a timer can start at most 5 minutes from now")
    if requested < moment - sessions.MAX_LENGTH:
        raise BadRequest.field(
            "started_at", "is more than 24 hours ago: add that study as a session (POST /v1/sessions) instead"
        )
    return requested


def stop(store: Store, user: str, body: TimerStop) -> Session:
    """Turn the running timer into a session, atomically: the timer goes exactly when the session appears."""
    running = store.get(keys.key(user, keys.TIMER))
    if running is None:
        raise NotFound(_NONE_RUNNING)
    started = parse_instant(running["started_at"])
    moment = now()
    # A timer stopped within its first second still records one second of study.
    ended = body.ended_at or max(moment, started + timedelta(seconds=1))
    try:
        sessions.check_times(started, ended, moment)
    except BadRequest as error:
        error.message += " (send ended_at to stop the timer at an earlier time, or DELETE /v1/timer to discard it)"
        raise
    note = running.get("note", "") if body.note is None else body.note
    item = sessions.build_item(
        user, new_id(), running["subject_id"], started, ended, note, [], 1, format_instant(moment)
    )
    try:
        store.transact(
            [
                # Only the timer read above: one stopped and started again meanwhile is another timer.
                store.op_delete_existing(keys.key(user, keys.TIMER), matching={"started_at": running["started_at"]}),
                store.op_put_new(item),
            ]
        )
    except TransactionCanceled:
        raise NotFound(
            "The timer was stopped or discarded at the same moment elsewhere; nothing was recorded twice."
        ) from None
    return Session.model_validate(item)


def discard(store: Store, user: str) -> None:
    try:
        store.delete_existing(keys.key(user, keys.TIMER))
    except ConditionFailed:
        raise NotFound(_NONE_RUNNING) from None
