"""Study days: the calendar arithmetic behind statistics.

A study day ``d`` runs from ``day_start_hour`` local time on ``d`` to the same
hour on ``d + 1``, so around DST changes it lasts 23 or 25 hours. This module
owns those windows, splitting a session's seconds between the days it touches,
week and month ranges, and checking IANA time zone names. Pure: no I/O.

Rule for a start hour the local clock skips or repeats: a study day starts at
the first instant at which the local clock reads ``day_start_hour:00`` or later
on that date. A repeated (fall-back) hour therefore starts at its first
occurrence (zoneinfo ``fold=0``), and a skipped (spring-forward) hour starts at
the instant the clock jumps past it, e.g. 03:00 EDT for 02:00 in New York.
Each day ends where the next begins, so consecutive days tile time exactly.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

ONE_DAY = timedelta(days=1)
ONE_SECOND = timedelta(seconds=1)
WEEK_STARTS = {"monday": 0, "sunday": 6}


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    # "localtime" is the host's own zone, not a place a learner lives in.
    return frozenset(available_timezones() - {"localtime"})


def validate_timezone(name: str) -> str:
    """Return ``name`` if it is a known IANA time zone, else raise ValueError."""
    # Membership in the known set also rejects path-like keys such as '../etc'.
    if not isinstance(name, str) or name not in _known_zones():
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as 'Europe/Berlin'")
    return name


@cache
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for a validated IANA name (cached; the set of names is finite)."""
    return ZoneInfo(validate_timezone(name))


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def _first_instant_at_or_after(local: datetime, tz: ZoneInfo) -> datetime:
    """The first UTC instant whose local wall-clock reading is >= ``local`` (naive)."""
    earliest = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _wall(earliest, tz) == local:
        return earliest
    # ``local`` is in a gap: fold=1 maps it before the jump, fold=0 after; bisect to the jump.
    before = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    after = earliest
    while (after - before) // ONE_SECOND > 1:
        middle = before + (after - before) // ONE_SECOND // 2 * ONE_SECOND
        if _wall(middle, tz) >= local:
            after = middle
        else:
            before = middle
    return after


def _day_start(day: date, tz: str, day_start_hour: int) -> datetime:
    return _first_instant_at_or_after(datetime.combine(day, time(day_start_hour)), zone(tz))


def study_day_window(day: date, tz: str, day_start_hour: int) -> tuple[datetime, datetime]:
    """The UTC [start, end) of the local study day ``day``."""
    return _day_start(day, tz, day_start_hour), _day_start(day + ONE_DAY, tz, day_start_hour)


def _as_utc(instant: datetime) -> datetime:
    if instant.utcoffset() is None:
        raise ValueError("instants must carry a UTC offset")
    # Python subtracts and compares datetimes sharing a tzinfo by wall clock; UTC avoids that.
    return instant.astimezone(UTC)


def study_day_of(instant: datetime, tz: str, day_start_hour: int) -> date:
    """The study day whose window contains the aware ``instant``."""
    instant = _as_utc(instant)
    day = (_wall(instant, zone(tz)) - timedelta(hours=day_start_hour)).date()
    # The wall-clock guess can be off by a day around clock jumps; the windows decide.
    while instant < _day_start(day, tz, day_start_hour):
        day -= ONE_DAY
    while instant >= _day_start(day + ONE_DAY, tz, day_start_hour):
        day += ONE_DAY
    return day


def split_by_day(started_at: datetime, ended_at: datetime, tz: str, day_start_hour: int) -> dict[date, int]:
    """Whole seconds of the session [started_at, ended_at) in each study day it touches.

    The values sum to the session's whole seconds (its duration, floored): each
    day boundary is floored to whole seconds from ``started_at``, so rounding
    never loses or invents a second. A day holding less than one second is left out.
    """
    started_at, ended_at = _as_utc(started_at), _as_utc(ended_at)
    if ended_at <= started_at:
        raise ValueError("ended_at must be after started_at")

    def elapsed(instant: datetime) -> int:
        return (instant - started_at) // ONE_SECOND

    seconds: dict[date, int] = {}
    day = study_day_of(started_at, tz, day_start_hour)
    start = started_at
    while start < ended_at:
        end = min(_day_start(day + ONE_DAY, tz, day_start_hour), ended_at)
        share = elapsed(end) - elapsed(start)
        if share > 0:
            seconds[day] = share
        day, start = day + ONE_DAY, end
    return seconds


def days_touched(started_at: datetime, ended_at: datetime, tz: str, day_start_hour: int) -> list[date]:
    """The study days that get at least one second of the session, in order."""
    return sorted(split_by_day(started_at, ended_at, tz, day_start_hour))


def utc_range_for_days(first: date, last: date, tz: str, day_start_hour: int) -> tuple[datetime, datetime]:
    """The UTC [start, end) covering the study days ``first`` to ``last`` inclusive."""
    if last < first:
        raise ValueError("last must not be before first")
    return _day_start(first, tz, day_start_hour), _day_start(last + ONE_DAY, tz, day_start_hour)


def week_range(day: date, week_start: str) -> tuple[date, date]:
    """The first and last day (inclusive) of the week containing ``day``."""
    if week_start not in WEEK_STARTS:
        raise ValueError(f"week_start must be 'monday' or 'sunday', got {week_start!r}")
    # weekday(): Monday is 0 and Sunday is 6.
    first = day - timedelta(days=(day.weekday() - WEEK_STARTS[week_start]) % 7)
    return first, first + timedelta(days=6)


def month_range(day: date) -> tuple[date, date]:
    """The first and last day (inclusive) of the month containing ``day``."""
    if day.month == 12:
        return day.replace(day=1), day.replace(day=31)
    return day.replace(day=1), day.replace(month=day.month + 1, day=1) - ONE_DAY


def date_range(first: date, last: date) -> Iterator[date]:
    """Each date from ``first`` to ``last`` inclusive; nothing if ``last`` < ``first``."""
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)
