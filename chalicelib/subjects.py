"""Subjects: what a learner studies. Names are unique per user (case-insensitive); DELETE archives."""

from __future__ import annotations

from . import keys, pagination
from .errors import BadRequest, Conflict, NotFound
from .ids import new_id
from .instants import format_instant, now
from .models import Page, Subject, SubjectCreate, SubjectPatch
from .store import Store, TransactionCanceled

_NOT_FOUND = "No subject with this id. List yours with GET /v1/subjects."


def _duplicate(name: str) -> Conflict:
    return Conflict(
        f"You already have a subject named {name!r} (names are case-insensitive): "
        "pick another name or use the existing subject.",
        [{"field": "name", "problem": "already used by another subject"}],
    )


def _name_guard(user: str, name: str, subject_id: str) -> dict:
    return {**keys.key(user, keys.subject_name_sk(name)), "type": "subject_name", "subject_id": subject_id}


# -- the weekly goals a summary reads (SUBJECTGOALS) -------------------------------------------------
def goal_of(subject: dict) -> dict | None:
    """What a summary needs of a subject: its name (the order) and weekly goal; None without an active goal."""
    minutes = subject.get("weekly_goal_minutes")
    if subject.get("archived") or not minutes:
        return None
    return {"name": subject["name"], "minutes": minutes}


def _goals_item(user: str, goals: dict, version: int) -> dict:
    return {**keys.key(user, keys.SUBJECT_GOALS), "type": "subject_goals", "goals": goals, "version": version}


def _goals_ops(store: Store, user: str, changed: dict) -> list[dict]:
    """The write that keeps SUBJECTGOALS in step with ``changed`` (a subject as it will be stored), in
    the same transaction; none when no goal changed. Without the item (a learner from before it
    existed: summaries then read their subjects), the first change that sets a goal builds it from all
    their subjects, once; a first sign-in creates it empty (``new_goals_item``)."""
    stored = store.get(keys.key(user, keys.SUBJECT_GOALS))
    goal = goal_of(changed)
    if stored is None and goal is None:
        return []
    if stored is None:
        items = store.query_all(keys.user_pk(user), prefix=keys.SUBJECT_PREFIX)
        goals = {item["id"]: found for item in items if (found := goal_of(item))}
    else:
        goals = dict(stored["goals"])
    before = dict(goals)
    if goal is None:
        goals.pop(changed["id"], None)
    else:
        goals[changed["id"]] = goal
    if stored is None:
        return [store.op_put_new(_goals_item(user, goals, 1))]
    if goals == before:
        return []
    return [store.op_put_if_version(_goals_item(user, goals, stored["version"] + 1), stored["version"])]


def new_goals_item(user: str) -> dict:
    """A new learner's SUBJECTGOALS: no subject, no goal."""
    return _goals_item(user, {}, 1)


def create(store: Store, user: str, body: SubjectCreate) -> Subject:
    subject_id = new_id()
    item = {
        **keys.key(user, keys.subject_sk(subject_id)),
        "type": "subject",
        "id": subject_id,
        **body.model_dump(),
        "archived": False,
        "version": 1,
        "created_at": format_instant(now()),
    }
    try:
        store.transact(
            [
                store.op_put_new(item),
                store.op_put_new(_name_guard(user, body.name, subject_id)),
                *_goals_ops(store, user, item),
            ]
        )
    except TransactionCanceled as canceled:
        if canceled.reasons[1:2] == ["ConditionalCheckFailed"]:
            raise _duplicate(body.name) from None
        raise Conflict("Another change to your subjects happened at the same moment: try again.") from None
    return Subject.model_validate(item)


def find(store: Store, user: str, subject_id: str) -> dict | None:
    return store.get(keys.key(user, keys.subject_sk(subject_id)))


def get(store: Store, user: str, subject_id: str) -> Subject:
    item = find(store, user, subject_id)
    if item is None:
        raise NotFound(_NOT_FOUND)
    return Subject.model_validate(item)


def require(store: Store, user: str, subject_id: str, field: str = "subject_id") -> dict:
    """The caller's subject referenced from a request body: unknown and foreign ids are the same 400."""
    item = find(store, user, subject_id)
    if item is None:
        raise BadRequest.field(field, "no subject with this id: create it first with POST /v1/subjects")
    return item


def list_page(store: Store, user: str, limit: int, cursor: str | None) -> Page[Subject]:
    pk = keys.user_pk(user)
    start = pagination.decode(cursor, pk, keys.SUBJECT_PREFIX)
    items, last = store.query_page(pk, prefix=keys.SUBJECT_PREFIX, limit=limit, start_key=start)
    return Page[Subject](items=[Subject.model_validate(i) for i in items], next_cursor=pagination.encode(last))


def list_all(store: Store, user: str) -> list[Subject]:
    pk = keys.user_pk(user)
    return [Subject.model_validate(i) for i in store.query_all(pk, prefix=keys.SUBJECT_PREFIX)]


def _check_version(item: dict, expected: int | None) -> None:
    if expected is not None and item["version"] != expected:
        raise Conflict(
            f"This subject changed since version {expected} (now {item['version']}): "
            "reload it and apply your change again."
        )


def update(store: Store, user: str, subject_id: str, patch: SubjectPatch, expected: int | None) -> Subject:
    current = find(store, user, subject_id)
    if current is None:
        raise NotFound(_NOT_FOUND)
    _check_version(current, expected)
    changes = patch.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name != "weekly_goal_minutes":  # null clears the goal; no other field has a null
            raise BadRequest.field(name, "must not be null")
    updated = {**current, **changes, "version": current["version"] + 1}
    if updated.get("weekly_goal_minutes") is None:
        updated.pop("weekly_goal_minutes", None)
    operations = [store.op_put_if_version(updated, current["version"])]
    renamed = keys.subject_name_sk(updated["name"]) != keys.subject_name_sk(current["name"])
    if renamed:
        operations.append(store.op_delete(keys.key(user, keys.subject_name_sk(current["name"]))))
        operations.append(store.op_put_new(_name_guard(user, updated["name"], subject_id)))
    operations += _goals_ops(store, user, updated)
    try:
        store.transact(operations)
    except TransactionCanceled as canceled:
        if renamed and canceled.reasons[2:3] == ["ConditionalCheckFailed"]:
            raise _duplicate(updated["name"]) from None
        raise Conflict("This subject changed while you were editing it: reload it and try again.") from None
    return Subject.model_validate(updated)


def archive(store: Store, user: str, subject_id: str, expected: int | None) -> Subject:
    """DELETE keeps the subject and its sessions; it only hides the subject from new work (and its
    goal from summaries).

    Read, change, write at the version read: the answer is known before the write, so the write can
    wait for an idempotent request's transaction (``unit``)."""
    current = find(store, user, subject_id)
    if current is None:
        raise NotFound(_NOT_FOUND)
    _check_version(current, expected)
    archived = {**current, "archived": True, "version": current["version"] + 1}
    try:
        store.transact([store.op_put_if_version(archived, current["version"]), *_goals_ops(store, user, archived)])
    except TransactionCanceled:
        raise Conflict("This subject changed while you were archiving it: reload it and try again.") from None
    return Subject.model_validate(archived)
