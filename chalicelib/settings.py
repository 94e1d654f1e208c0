"""A learner's settings (GET/PATCH /v1/me): time zone, study-day start, goals, locale."""

from __future__ import annotations

from . import keys
from .errors import BadRequest, Conflict
from .instants import format_instant, now
from .models import Settings, SettingsPatch
from .store import ConditionFailed, Store

CLEARABLE = {"daily_goal_minutes", "weekly_goal_minutes"}
FIELDS = list(Settings.model_fields)


def get(store: Store, user: str) -> Settings:
    item = store.get(keys.key(user, keys.PROFILE))
    return Settings.model_validate(item or {})


def ensure(store: Store, user: str) -> Settings:
    """Create the user's settings with defaults when new (first sign-in); keep existing ones."""
    defaults = Settings().model_dump()
    item = {
        **keys.key(user, keys.PROFILE),
        "type": "profile",
        **defaults,
        "version": 1,
        "created_at": format_instant(now()),
    }
    try:
        store.put_new(item)
    except ConditionFailed as existing:
        return Settings.model_validate(existing.item or {})
    return Settings.model_validate(item)


def update(store: Store, user: str, patch: SettingsPatch, expected_version: int | None) -> Settings:
    changes = patch.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in CLEARABLE:
            raise BadRequest.field(name, "must not be null")
    defaults = Settings().model_dump(exclude={"version"})
    names = {"#version": "version", "#type": "type"}
    values: dict = {":one": 1, ":zero": 0, ":profile": "profile"}
    sets = ["#version = if_not_exists(#version, :zero) + :one", "#type = :profile"]
    removes = []
    for index, name in enumerate(FIELDS):
        if name == "version":
            continue
        if name in changes and changes[name] is None:
            removes.append(f"#f{index}")
        elif name in changes:
            values[f":v{index}"] = changes[name]
            sets.append(f"#f{index} = :v{index}")
        elif defaults[name] is not None:
            # Store defaults on first write so the item always holds complete settings.
            values[f":v{index}"] = defaults[name]
            sets.append(f"#f{index} = if_not_exists(#f{index}, :v{index})")
        else:
            continue
        names[f"#f{index}"] = name
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    try:
        # If-Match 0: only while the settings were never saved (version 0 until the first write).
        item = store.update_if_version(keys.key(user, keys.PROFILE), expression, names, values, expected_version)
    except ConditionFailed as failure:
        current = (failure.item or {}).get("version", 0)
        raise Conflict(
            f"Settings changed since version {expected_version} (now {current}): "
            "reload them and apply your change again."
        ) from None
    return Settings.model_validate(item)
