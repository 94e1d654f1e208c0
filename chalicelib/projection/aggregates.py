"""The projection's arithmetic, pure: sessions split into study days, day and streak items, the
settings (basis) they are computed in, and which affected days share one query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from .. import keys, sessions
from ..days import split_by_day, validate_timezone
from ..streaks import encode_runs, runs

DEFAULT_TIMEZONE, DEFAULT_DAY_START_HOUR, DEFAULT_STREAK_MIN_MINUTES = "UTC", 0, 1
# Affected days closer than this share one sessions query (the days between are read, not written).
MERGE_GAP_DAYS = 3
BASIS_FIELDS = ("timezone", "day_start_hour", "streak_min_minutes")


class Corrupt(ValueError):
    """An item the projection cannot read; the message is the reason stored with the parked record."""


@dataclass(frozen=True)
class Basis:
    """The settings that decide which study day a second belongs to and which days count."""

    timezone: str = DEFAULT_TIMEZONE
    day_start_hour: int = DEFAULT_DAY_START_HOUR
    streak_min_minutes: int = DEFAULT_STREAK_MIN_MINUTES

    @property
    def zone_key(self) -> tuple[str, int]:
        return self.timezone, self.day_start_hour


@dataclass(frozen=True)
class Span:
    """The part of a session item that statistics read."""

    session_id: str
    subject_id: str
    started_at: datetime
    ended_at: datetime
    target_id: str | None = None
    amount: int = 0  # material done for target_id, counted on the study day of the start


@dataclass
class DayTotal:
    total_seconds: int = 0
    sessions: int = 0
    by_subject: dict[str, int] = field(default_factory=dict)
    by_target: dict[str, int] = field(default_factory=dict)

    def add(self, subject_id: str, seconds: int) -> None:
        self.total_seconds += seconds
        self.sessions += 1
        self.by_subject[subject_id] = self.by_subject.get(subject_id, 0) + seconds

    def count(self, target_id: str, amount: int) -> None:
        self.by_target[target_id] = self.by_target.get(target_id, 0) + amount


# -- pure: items to spans, spans to days, days to items -----------------------------------------
def _instant(item: dict, name: str) -> datetime:
    if name not in item:
        raise Corrupt(f"session item has no {name}")
    text = item[name]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (AttributeError, TypeError, ValueError):
        raise Corrupt(f"session {name} is not an RFC 3339 instant: {str(text)[:40]!r}") from None
    if moment.tzinfo is None:
        raise Corrupt(f"session {name} has no UTC offset: {text[:40]!r}")
    return moment.astimezone(UTC)


def parse_session(item: dict) -> Span:
    """The span of a session item, or Corrupt with the reason (the rules sessions.check_times enforces)."""
    started_at, ended_at = _instant(item, "started_at"), _instant(item, "ended_at")
    subject_id = item.get("subject_id")
    if not isinstance(subject_id, str) or not subject_id:
        raise Corrupt("session item has no subject_id")
    if ended_at <= started_at:
        raise Corrupt("session ends before it starts")
    if ended_at - started_at > sessions.MAX_LENGTH:
        # The projection finds a day's sessions by start time within 24 h before the day.
        raise Corrupt("session lasts more than 24 hours")
    target_id, amount = item.get("target_id"), item.get("amount", 0)
    if target_id is not None and (not isinstance(target_id, str) or not target_id):
        raise Corrupt("session target_id is not an id")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise Corrupt(f"session amount {str(amount)[:40]!r} is not a whole number >= 0")
    return Span(str(item.get("id", "")), subject_id, started_at, ended_at, target_id, amount if target_id else 0)


def split(span: Span, basis: Basis) -> dict[date, int]:
    try:
        return split_by_day(span.started_at, span.ended_at, basis.timezone, basis.day_start_hour)
    except OverflowError:
        raise Corrupt("session lies outside the supported calendar range") from None


def add_span(totals: dict[date, DayTotal], span: Span, basis: Basis, only: set[date] | None = None) -> None:
    """Add a session's seconds to each day it touches and its amount to the day of its start."""
    shares = split(span, basis)
    for day, seconds in shares.items():
        if only is None or day in only:
            totals.setdefault(day, DayTotal()).add(span.subject_id, seconds)
    start_day = min(shares)  # a session has at least one second, so its start's day has a share
    if span.target_id and span.amount and start_day in totals and (only is None or start_day in only):
        totals[start_day].count(span.target_id, span.amount)


def day_totals(spans: list[Span], basis: Basis, only: set[date] | None = None) -> dict[date, DayTotal]:
    """Per study day: seconds, sessions touching it, seconds per subject and amounts per target (days
    with none left out)."""
    totals: dict[date, DayTotal] = {}
    for span in spans:
        add_span(totals, span, basis, only)
    return totals


def clusters(days: set[date], gap: int = MERGE_GAP_DAYS) -> list[tuple[date, date]]:
    """Sorted days grouped into inclusive (first, last) ranges where neighbours are at most ``gap`` apart."""
    found: list[tuple[date, date]] = []
    for day in sorted(days):
        if found and (day - found[-1][1]).days <= gap:
            found[-1] = (found[-1][0], day)
        else:
            found.append((day, day))
    return found


def day_item(user: str, day: date, total: DayTotal) -> dict:
    item = {
        **keys.key(user, keys.day_sk(day.isoformat())),
        "type": "day",
        "date": day.isoformat(),
        "total_seconds": total.total_seconds,
        "sessions": total.sessions,
        "by_subject": dict(sorted(total.by_subject.items())),
    }
    if total.by_target:  # only days with material done carry it: days written before targets stay equal
        item["by_target"] = dict(sorted(total.by_target.items()))
    return item


def _place(span: Span) -> tuple:
    return span.subject_id, span.started_at, span.ended_at, span.target_id, span.amount


def same_place(old: Span, new: Span) -> bool:
    return _place(old) == _place(new)


def same_day(stored: dict | None, wanted: dict) -> bool:
    return (
        stored is not None
        and all(stored.get(k) == wanted[k] for k in ("total_seconds", "sessions", "by_subject"))
        and stored.get("by_target", {}) == wanted.get("by_target", {})
    )


def counted(totals: dict[date, DayTotal] | dict[date, int], streak_min_minutes: int) -> set[date]:
    """Days whose study reaches the streak minimum."""
    threshold = streak_min_minutes * 60
    return {
        day
        for day, total in totals.items()
        if (total.total_seconds if isinstance(total, DayTotal) else total) >= threshold
    }


def streak_item(user: str, basis: Basis, days: set[date]) -> dict:
    found = runs(days)
    return {
        **keys.key(user, keys.STREAK),
        "type": "streak",
        "runs": encode_runs(found),
        "longest_days": max(((last - first).days + 1 for first, last in found), default=0),
        "counted_days": len(days),
        "timezone": basis.timezone,
        "day_start_hour": basis.day_start_hour,
        "streak_min_minutes": basis.streak_min_minutes,
    }


def basis_of(item: dict | None) -> Basis:
    """The settings a PROFILE (or STREAK) item holds, defaults for what is missing; Corrupt if unusable."""
    item = item or {}
    tz = item.get("timezone", DEFAULT_TIMEZONE)
    start = item.get("day_start_hour", DEFAULT_DAY_START_HOUR)
    minimum = item.get("streak_min_minutes", DEFAULT_STREAK_MIN_MINUTES)
    try:
        validate_timezone(tz)
    except ValueError as error:
        raise Corrupt(f"settings: {error}") from None
    if not isinstance(start, int) or not 0 <= start <= 23:
        raise Corrupt(f"settings: day_start_hour {start!r} is not an hour 0-23")
    if not isinstance(minimum, int) or minimum < 1:
        raise Corrupt(f"settings: streak_min_minutes {minimum!r} is not a positive integer")
    return Basis(tz, start, minimum)
