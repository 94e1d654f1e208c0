"""The running timer: at most one per user, enforced by a conditional write on a fixed key.

A stopwatch records one session at stop. A focus timer (``focus``) runs a schedule of work blocks
and breaks taken from the learner's settings at its start, and records one session per work block.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from . import focus, keys, sessions, settings, subjects, targets
from .errors import BadRequest, Conflict, NotFound
from .ids import new_id
from .instants import format_instant, now, parse_instant
from .models import FocusStopped, Session, Timer, TimerExtend, TimerSkip, TimerStart, TimerStop
from .store import ConditionFailed, Store, TransactionCanceled
from .unit import MAX_TRANSACTION_ITEMS

_NONE_RUNNING = "No timer is running. Start one with POST /v1/timer/start."
# A stop's sessions share one transaction with the timer's delete (and an idempotent request's answer).
_BLOCKS_PER_TRANSACTION = MAX_TRANSACTION_ITEMS - 2


def get(store: Store, user: str) -> Timer:
    return view(_running(store, user), now())


def _running(store: Store, user: str) -> dict:
    item = store.get(keys.key(user, keys.TIMER))
    if item is None:
        raise NotFound(_NONE_RUNNING)
    return item


def start(store: Store, user: str, body: TimerStart) -> Timer:
    wanted = [keys.key(user, keys.PROFILE), keys.key(user, keys.subject_sk(body.subject_id))]
    found = {item["SK"]: item for item in store.batch_get(wanted)}  # one request for both
    # Subjects are never deleted (only archived), so checking first cannot race with a removal.
    subject = found.get(keys.subject_sk(body.subject_id)) or subjects.require(store, user, body.subject_id)
    if body.mode == "focus" and subject.get("focus_opt_out"):
        raise BadRequest.field(
            "mode", f"the subject {subject['name']!r} opts out of focus mode: start it as a stopwatch"
        )
    profile = settings.from_item(found.get(keys.PROFILE))
    started = start_time(body.started_at, now())
    item = {
        **keys.key(user, keys.TIMER),
        "type": "timer",
        "id": new_id(),
        "subject_id": body.subject_id,
        "started_at": format_instant(started),
        "note": body.note,
        "mode": body.mode,
        "forgotten_at": format_instant(started + timedelta(hours=profile.max_timer_hours)),
        "version": 1,
    }
    if body.mode == "focus":
        item["focus"] = profile.focus.model_dump()
        item.update(_anchor_attrs(focus.Schedule.start(started, _settings_of(item))))
    try:
        store.put_new(item)
    except ConditionFailed as failure:
        running = (failure.item or {}).get("started_at", "earlier")
        raise Conflict(
            f"A timer is already running (since {running}): stop it with POST /v1/timer/stop first."
        ) from None
    return view(item, now())


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


# -- the stored focus schedule ----------------------------------------------------------------------
def _settings_of(item: dict) -> focus.FocusSettings:
    return focus.FocusSettings(**item["focus"])


def schedule_of(item: dict) -> focus.Schedule:
    length = item.get("anchor_seconds")
    return focus.Schedule(
        started_at=parse_instant(item["started_at"]),
        settings=_settings_of(item),
        anchor=focus.Anchor(
            parse_instant(item["anchor_at"]),
            int(item["anchor_index"]),
            timedelta(seconds=int(length)) if length is not None else None,
        ),
        blocks_before=tuple((parse_instant(s), parse_instant(e)) for s, e in item.get("blocks_before", [])),
    )


def _anchor_attrs(schedule: focus.Schedule) -> dict:
    anchor = schedule.anchor
    attrs = {
        "anchor_at": format_instant(anchor.at),
        "anchor_index": anchor.index,
        "blocks_before": [[format_instant(s), format_instant(e)] for s, e in schedule.blocks_before],
    }
    if anchor.length is not None:
        attrs["anchor_seconds"] = int(anchor.length.total_seconds())
    return attrs


def view(item: dict, moment: datetime) -> Timer:
    """The timer as every device shows it at ``moment``."""
    answer = dict(item)
    answer.setdefault("forgotten_at", None)
    if answer["forgotten_at"] is not None:
        answer["forgotten"] = moment >= parse_instant(answer["forgotten_at"])
    if item.get("mode") == "focus":
        schedule = schedule_of(item)
        phase = focus.phase_at(schedule, moment)
        answer.update(
            schedule={
                name: item.get(name) for name in ("anchor_at", "anchor_index", "anchor_seconds", "blocks_before")
            },
            phase=phase.kind,
            phase_started_at=phase.started_at,
            phase_ends_at=phase.ends_at,
            blocks_done=focus.blocks_done(schedule, moment),
        )
    return Timer.model_validate(answer)


def skip(store: Store, user: str, body: TimerSkip) -> Timer:
    """End the current focus phase (at ``body.at``, default now) and begin the next; stored, so every
    device agrees."""
    return _reanchor(store, user, body.at, focus.skip)


def extend(store: Store, user: str, body: TimerExtend) -> Timer:
    """Make the current focus phase ``minutes`` longer; the phases after it move with it."""
    extra = timedelta(minutes=body.minutes)
    return _reanchor(store, user, body.at, lambda schedule, moment: focus.extend(schedule, moment, extra))


def _reanchor(store: Store, user: str, pressed: datetime | None, change) -> Timer:
    item = _running(store, user)
    if item.get("mode") != "focus":
        raise Conflict("The running timer is a stopwatch: only a focus timer has phases to skip or extend.")
    current = now()
    moment = pressed or current
    if moment > current + sessions.FUTURE_TOLERANCE:
        raise BadRequest.field("at", "is in the future: at most 5 minutes from now")
    if moment < parse_instant(item["anchor_at"]):
        raise BadRequest.field("at", f"is before the current phase began ({item['anchor_at']}): reload the timer")
    if moment >= parse_instant(item["started_at"]) + focus.MAX_TIMER:
        raise Conflict("This timer ran for 24 hours: stop it with an ended_at (POST /v1/timer/stop).")
    kept = {name: value for name, value in item.items() if name != "anchor_seconds"}
    changed = {**kept, **_anchor_attrs(change(schedule_of(item), moment)), "version": item["version"] + 1}
    try:
        store.put_if_version(changed, item["version"])
    except ConditionFailed:
        raise Conflict("The timer changed on another device at the same moment: reload it and try again.") from None
    return view(changed, current)


# -- stop -------------------------------------------------------------------------------------------
def stop(store: Store, user: str, body: TimerStop) -> Session | FocusStopped:
    """Turn the running timer into its sessions, atomically: the timer goes exactly when they appear."""
    running = _running(store, user)
    started = parse_instant(running["started_at"])
    moment = now()
    # A timer stopped within its first second still records one second of study, also when the client
    # sends the moment it was pressed (instants are whole seconds: start and stop may fall in one).
    ended = body.ended_at or max(moment, started + timedelta(seconds=1))
    if ended == started:
        ended = started + timedelta(seconds=1)
    try:
        sessions.check_times(started, ended, moment)
    except BadRequest as error:
        error.message += " (send ended_at to stop the timer at an earlier time, or DELETE /v1/timer to discard it)"
        raise
    note = running.get("note", "") if body.note is None else body.note
    stamp = format_instant(moment)
    subject_id = running["subject_id"]
    if running.get("mode") == "focus":
        blocks = focus.work_blocks(schedule_of(running), ended)
        # Every block counts for the target; the amount goes on the last one. The blocks lie between the
        # first and the last start, so checking both checks every block's study day.
        linked = targets.check_link(store, user, subject_id, blocks[0][0] if blocks else started, body.target_id, None)
        closing = targets.check_link(
            store, user, subject_id, blocks[-1][0] if blocks else started, body.target_id, body.amount
        )
        items = [
            sessions.build_item(
                user,
                f"{running['id']}-{n}",
                subject_id,
                s,
                e,
                note,
                [],
                1,
                stamp,
                focus=True,
                **(closing if n == len(blocks) else linked),
            )
            for n, (s, e) in enumerate(blocks, start=1)
        ]
    else:
        link = targets.check_link(store, user, subject_id, started, body.target_id, body.amount)
        items = [sessions.build_item(user, new_id(), subject_id, started, ended, note, [], 1, stamp, **link)]
    # Beyond one transaction (a day of 1-minute blocks), the earliest blocks are written first: their ids
    # derive from the timer and their content from its schedule, so a retried stop writes them again, equal.
    early, last = items[:-_BLOCKS_PER_TRANSACTION], items[-_BLOCKS_PER_TRANSACTION:]
    if early:
        store.batch_write(puts=early)
    try:
        store.transact(
            [
                # Only the timer read above: one stopped and started again meanwhile is another timer.
                store.op_delete_existing(keys.key(user, keys.TIMER), matching={"started_at": running["started_at"]}),
                *(store.op_put_new(item) for item in last),
            ]
        )
    except TransactionCanceled:
        raise NotFound(
            "The timer was stopped or discarded at the same moment elsewhere; nothing was recorded twice."
        ) from None
    if running.get("mode") == "focus":
        return FocusStopped(sessions=[Session.model_validate(item) for item in items])
    return Session.model_validate(items[0])


def discard(store: Store, user: str) -> None:
    try:
        store.delete_existing(keys.key(user, keys.TIMER))
    except ConditionFailed:
        raise NotFound(_NONE_RUNNING) from None
