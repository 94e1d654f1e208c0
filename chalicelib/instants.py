"""Instants as the API and the table hold them: UTC, whole seconds, RFC 3339 with ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def to_utc(moment: datetime) -> datetime:
    """Normalise an aware datetime to UTC whole seconds (durations are integer seconds)."""
    return moment.astimezone(UTC).replace(microsecond=0)


def format_instant(moment: datetime) -> str:
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(text: str) -> datetime:
    return to_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
