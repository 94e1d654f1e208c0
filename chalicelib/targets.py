"""Exam targets: minutes of some subjects (and optionally an amount of material) by a due date.

Each answer carries its progress, read from the projection's DAY items over the target's days
(``target_progress`` says which), never from sessions: a read costs O(days of the target).
A session links to a target through ``check_link``, the one rule sessions (and the timer) obey.
DELETE archives: an archived target stays readable and listed, and takes no new sessions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from . import keys, pagination, settings
from .days import study_day_of
from .errors import BadRequest, Conflict, NotFound
from .ids import new_id
from .instants import format_instant, now
from .models import Page, Settings, Target, TargetCreate, TargetPatch
from .store import ConditionFailed, Store
from .target_progress import Plan, days_to_read, merge_ranges, progress, studied_days

MAX_TARGET_DAYS = 1096  # three years, a leap day included: the longest read a target's progress makes
_NOT_FOUND = "No target with this id. List yours with GET /v1/targets."


def today(profile: Settings) -> date:
    """The learner's current study day, in their zone and day start."""
    return study_day_of(now(), profile.timezone, profile.day_start_hour)


def plan_of(item: dict) -> Plan:
    material = item.get("material")
    return Plan(
        date.fromisoformat(item["start_date"]),
        date.fromisoformat(item["due_date"]),
        item["target_minutes"],
        material["total"] if material else None,
    )


# -- checks ----------------------------------------------------------------------------------
def check_dates(start: date, due: date, current: date, due_changed: bool = True) -> None:
    """A due date after today (when set), not before the start, at most MAX_TARGET_DAYS after it."""
    if due_changed and due <= current:
        raise BadRequest.field("due_date", f"must be a study day after today ({current.isoformat()})")
    if due < start:
        raise BadRequest.field("due_date", f"must not be before start_date ({start.isoformat()})")
    if (due - start).days + 1 > MAX_TARGET_DAYS:
        raise BadRequest.field(
            "due_date", f"a target spans at most {MAX_TARGET_DAYS} study days: move start_date or due_date"
        )


def _check_subjects(store: Store, user: str, subject_ids: list[str] | None) -> list[str] | None:
    """The caller's subjects, in order without repeats; unknown and foreign ids are the same 400."""
    if subject_ids is None:
        return None
    unique = list(dict.fromkeys(subject_ids))
    found = {item["id"] for item in store.batch_get([keys.key(user, keys.subject_sk(s)) for s in unique])}
    for index, subject_id in enumerate(subject_ids):
        if subject_id not in found:
            raise BadRequest.field(
                f"subject_ids.{index}", "no subject with this id: create it first with POST /v1/subjects"
            )
    return unique


def check_link(
    store: Store,
    user: str,
    subject_id: str,
    started_at: datetime,
    target_id: str | None,
    amount: int | None,
    keep_archived: bool = False,
) -> dict:
    """The attributes that link a session to its target, or a 400 naming ``target_id`` or ``amount``.

    A session may name one of the caller's targets that is not archived (``keep_archived``: a session
    already linked keeps its archived target), whose subjects include the session's, and whose days
    hold the study day of the session's start (so the target's one read over its days finds it).
    ``amount`` needs a target with a material. Sessions (create, update) and the timer's stop call this.
    """
    if target_id is None:
        if amount is not None:
            raise BadRequest.field("amount", "needs target_id: an amount counts in a target's material")
        return {}
    found = {
        item["SK"]: item
        for item in store.batch_get([keys.key(user, keys.PROFILE), keys.key(user, keys.target_sk(target_id))])
    }
    target = found.get(keys.target_sk(target_id))
    if target is None:
        raise BadRequest.field("target_id", "no target with this id: create it first with POST /v1/targets")
    if target.get("archived") and not keep_archived:
        raise BadRequest.field("target_id", "this target is archived: it takes no new sessions")
    if target.get("subject_ids") is not None and subject_id not in target["subject_ids"]:
        raise BadRequest.field("target_id", "the session's subject is not one of this target's subjects")
    profile = settings.from_item(found.get(keys.PROFILE))
    day = study_day_of(started_at, profile.timezone, profile.day_start_hour)
    if not target["start_date"] <= day.isoformat() <= target["due_date"]:
        raise BadRequest.field(
            "target_id",
            f"the session starts on study day {day.isoformat()}, outside this target's days "
            f"({target['start_date']} to {target['due_date']})",
        )
    if amount is None:
        return {"target_id": target_id}
    if not target.get("material"):
        raise BadRequest.field("amount", "this target has no material to count: give it one or leave amount out")
    return {"target_id": target_id, "amount": amount}


# -- answers ---------------------------------------------------------------------------------
def _day_items(store: Store, user: str, ranges: Iterable[tuple[date, date]]) -> dict[date, dict]:
    """DAY items of each range, one Query per range."""
    pk, found = keys.user_pk(user), {}
    for first, last in ranges:
        for item in store.query_all(pk, between=(keys.day_sk(first.isoformat()), keys.day_sk(last.isoformat()))):
            found[date.fromisoformat(item["date"])] = item
    return found


def _answer(item: dict, day_items: dict[date, dict], current: date) -> Target:
    plan = plan_of(item)
    subject_ids = item.get("subject_ids")
    seconds: dict[date, int] = {}
    material_done = 0
    counted = studied_days(plan, current)
    for day, day_item in day_items.items():
        if subject_ids is None:
            seconds[day] = day_item["total_seconds"]
        else:
            seconds[day] = sum(day_item["by_subject"].get(s, 0) for s in subject_ids)
        if counted is not None and counted[0] <= day <= counted[1]:
            material_done += day_item.get("by_target", {}).get(item["id"], 0)
    return Target.model_validate({**item, "progress": progress(plan, current, seconds, material_done)})


def _answers(store: Store, user: str, items: list[dict], profile: Settings) -> list[Target]:
    current = today(profile)
    ranges = merge_ranges(r for item in items for r in days_to_read(plan_of(item), current))
    day_items = _day_items(store, user, ranges)
    return [_answer(item, day_items, current) for item in items]


def _read(store: Store, user: str, target_id: str) -> tuple[dict, Settings]:
    """The target and the settings in ONE BatchGetItem."""
    found = {
        item["SK"]: item
        for item in store.batch_get([keys.key(user, keys.PROFILE), keys.key(user, keys.target_sk(target_id))])
    }
    item = found.get(keys.target_sk(target_id))
    if item is None:
        raise NotFound(_NOT_FOUND)
    return item, settings.from_item(found.get(keys.PROFILE))


# -- use cases -------------------------------------------------------------------------------
def create(store: Store, user: str, body: TargetCreate) -> Target:
    profile = settings.get(store, user)
    current = today(profile)
    start = body.start_date or current
    check_dates(start, body.due_date, current)
    subject_ids = _check_subjects(store, user, body.subject_ids)
    target_id = new_id()
    item = {
        **keys.key(user, keys.target_sk(target_id)),
        "type": "target",
        "id": target_id,
        "name": body.name,
        "due_date": body.due_date.isoformat(),
        "target_minutes": body.target_minutes,
        "start_date": start.isoformat(),
        "archived": False,
        "version": 1,
        "created_at": format_instant(now()),
    }
    if subject_ids is not None:
        item["subject_ids"] = subject_ids
    if body.material is not None:
        item["material"] = body.material.model_dump()
    try:
        store.put_new(item)
    except ConditionFailed:
        raise Conflict("A target with this id already exists.") from None
    return _answers(store, user, [item], profile)[0]


def get(store: Store, user: str, target_id: str) -> Target:
    item, profile = _read(store, user, target_id)
    return _answers(store, user, [item], profile)[0]


def list_page(store: Store, user: str, limit: int, cursor: str | None) -> Page[Target]:
    """A page of targets (archived ones too, marked), each with its progress: the page's Query, the
    settings, and one Query of DAY items per group of overlapping target days."""
    pk = keys.user_pk(user)
    start = pagination.decode(cursor, pk, keys.TARGET_PREFIX)
    items, last = store.query_page(pk, prefix=keys.TARGET_PREFIX, limit=limit, start_key=start)
    answers = _answers(store, user, items, settings.get(store, user)) if items else []
    return Page[Target](items=answers, next_cursor=pagination.encode(last))


def _check_version(item: dict, expected: int | None) -> None:
    if expected is not None and item["version"] != expected:
        raise Conflict(
            f"This target changed since version {expected} (now {item['version']}): "
            "reload it and apply your change again."
        )


def _put(store: Store, updated: dict, version: int) -> None:
    try:
        store.put_if_version(updated, version)
    except ConditionFailed as failure:
        if failure.item is None:
            raise NotFound(_NOT_FOUND) from None
        raise Conflict("This target changed while you were editing it: reload it and try again.") from None


CLEARABLE = {"subject_ids", "material"}


def update(store: Store, user: str, target_id: str, patch: TargetPatch, expected: int | None) -> Target:
    """Change a target. Narrowing its days leaves linked sessions outside them uncounted (not unlinked)."""
    current, profile = _read(store, user, target_id)
    _check_version(current, expected)
    changes = patch.model_dump(mode="json", exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in CLEARABLE:
            raise BadRequest.field(name, "must not be null")
    updated = {**current, **changes, "version": current["version"] + 1}
    if "start_date" in changes or "due_date" in changes:
        check_dates(
            date.fromisoformat(updated["start_date"]),
            date.fromisoformat(updated["due_date"]),
            today(profile),
            due_changed="due_date" in changes,
        )
    if changes.get("subject_ids") is not None:
        updated["subject_ids"] = _check_subjects(store, user, changes["subject_ids"])
    for name in CLEARABLE:
        if updated.get(name) is None:
            updated.pop(name, None)
    _put(store, updated, current["version"])
    return _answers(store, user, [updated], profile)[0]


def archive(store: Store, user: str, target_id: str, expected: int | None) -> Target:
    """DELETE keeps the target (readable, listed as archived) and the sessions linked to it."""
    current, profile = _read(store, user, target_id)
    _check_version(current, expected)
    archived = {**current, "archived": True, "version": current["version"] + 1}
    _put(store, archived, current["version"])
    return _answers(store, user, [archived], profile)[0]
