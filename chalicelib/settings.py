"""A learner's settings (GET/PATCH /v1/me): time zone, study-day start, goals, locale."""

from __future__ import annotations

from . import keys, subjects
from .errors import BadRequest, Conflict
from .instants import format_instant, now
from .models import Settings, SettingsPatch
from .store import ConditionFailed, Store

CLEARABLE = {"daily_goal_minutes", "weekly_goal_minutes"}
FIELDS = list(Settings.model_fields)


def get(store: Store, user: str) -> Settings:
    return from_item(store.get(keys.key(user, keys.PROFILE)))


def from_item(item: dict | None) -> Settings:
    """The settings a stored PROFILE item holds; the defaults (setup still needed) when there is none."""
    return Settings.model_validate(item or {"setup_needed": True})


def ensure(store: Store, user: str) -> Settings:
    """Create the user's settings with defaults when new (first sign-in); keep existing ones."""
    defaults = Settings().model_dump()
    item = {
        **keys.key(user, keys.PROFILE),
        "type": "profile",
        **defaults,
        "setup_needed": True,
        "version": 1,
        "created_at": format_instant(now()),
    }
    try:
        store.put_new(item)
    except ConditionFailed as existing:
        return Settings.model_validate(existing.item or {})
    try:
        store.put_new(subjects.new_goals_item(user))  # summaries read the (no) goals with their days
    except ConditionFailed:
        pass  # subjects made before the first sign-in already wrote it
    return Settings.model_validate(item)


def update(store: Store, user: str, patch: SettingsPatch, expected_version: int | None) -> Settings:
    changes = patch.model_dump(exclude_unset=True)
    for name, value in _flat(changes):
        if value is None and name not in CLEARABLE:
            raise BadRequest.field(name, "must not be null")
    stored = store.get(keys.key(user, keys.PROFILE))
    current = (stored or {}).get("version", 0)
    if expected_version is not None and current != expected_version:
        raise _changed(expected_version, current)
    # Defaults are stored on first write so the item always holds complete settings; a cleared goal is removed.
    merged = {**Settings().model_dump(exclude={"version"}), **(stored or {}), **changes}
    if "focus" in changes:  # a subset of the focus settings changes; the rest stays
        merged["focus"] = {**from_item(stored).focus.model_dump(), **changes["focus"]}
    item = {name: value for name, value in merged.items() if value is not None}
    item.pop("setup_needed", None)  # any change is the first run's, or comes after it
    item.update(keys.key(user, keys.PROFILE), type="profile", version=current + 1)
    try:
        # Read, change, put at the version read: the answer is known before the write, so the write
        # can wait for an idempotent request's transaction (``unit``).
        store.put_if_version(item, current)
    except ConditionFailed as failure:
        raise _changed(expected_version, (failure.item or {}).get("version", 0)) from None
    return Settings.model_validate(item)


def _flat(changes: dict):
    """Each changed field with its dotted name (``focus.work_minutes``)."""
    for name, value in changes.items():
        if isinstance(value, dict):
            yield from ((f"{name}.{inner}", v) for inner, v in value.items())
        yield name, value


def _changed(expected: int | None, current: int) -> Conflict:
    since = f"since version {expected} " if expected is not None else "while you were saving them "
    return Conflict(f"Settings changed {since}(now {current}): reload them and apply your change again.")
