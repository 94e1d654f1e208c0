"""Reading single cells: dates, times of day, durations, instants and tags.

Each reader returns a value or raises RowProblem with a reason naming the bad
cell, so one malformed row never stops the rest of the file.
"""

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from ..instants import to_utc
from .rows import ImportFormatError, RowProblem

# Date formats a time tracker's user settings can produce. Only the
# month-first/day-first pairs with the same separator can be confused.
DATE_FORMATS = ("YYYY-MM-DD", "YYYY/MM/DD", "MM/DD/YYYY", "DD/MM/YYYY", "MM-DD-YYYY", "DD-MM-YYYY", "DD.MM.YYYY")


def _date_pattern(date_format: str) -> re.Pattern[str]:
    pattern = re.escape(date_format)
    for token, group in (("YYYY", r"(?P<y>\d{4})"), ("MM", r"(?P<m>\d{1,2})"), ("DD", r"(?P<d>\d{1,2})")):
        pattern = pattern.replace(token, group)
    return re.compile(pattern)


_DATE_PATTERNS = {date_format: _date_pattern(date_format) for date_format in DATE_FORMATS}
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?")
_CLOCK_DURATION = re.compile(r"(\d+):([0-5]\d)(?::([0-5]\d))?")
# Toggl on a 12-hour profile prints the Duration as a clock time: 01:30:00 AM is 1 h 30 min, 12:20:00 AM 20 min.
_TWELVE_HOUR_DURATION = re.compile(r"(\d{1,2}):([0-5]\d):([0-5]\d)\s*([AaPp])\.?[Mm]\.?")
_DECIMAL_HOURS = re.compile(r"\d*[.,]?\d+")
_UNIX_SECONDS = re.compile(r"\d+(?:\.\d+)?")
# A tag starts at '#' not glued to a word ("C#" is no tag); \w covers 英語 and 数学.
_HASHTAG = re.compile(r"(?<![\w#])#([\w/-]+)")


def known_date_format(text: str) -> str:
    """The supported date format the caller named, in canonical spelling."""
    wanted = text.strip().upper()
    if wanted not in DATE_FORMATS:
        raise ImportFormatError(f"Unknown date format {text!r}: use one of {', '.join(DATE_FORMATS)}.")
    return wanted


def _date_in(value: str, date_format: str) -> date | None:
    match = _DATE_PATTERNS[date_format].fullmatch(value)
    if match is None:
        return None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def date_formats_fitting(value: str) -> tuple[str, ...]:
    """Every supported format that reads value as a real calendar date."""
    return tuple(date_format for date_format in DATE_FORMATS if _date_in(value, date_format) is not None)


def parse_date(value: str, date_format: str) -> date:
    day = _date_in(value, date_format)
    if day is None:
        raise RowProblem(f"date {value!r} is not in the file's date format, {date_format}")
    return day


def parse_time(value: str) -> time:
    """A time of day in 24-hour (13:00, 13:00:00) or 12-hour (1:00 PM) form."""
    match = _TIME.fullmatch(value)
    if match is None:
        raise RowProblem(f"time {value!r} is not a time of day like 13:00, 13:00:00 or 01:00:00 PM")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if match[4]:
        if not 1 <= hour <= 12:
            raise RowProblem(f"time {value!r} has hour {hour}, but 12-hour times run from 1 to 12")
        hour = hour % 12 + (12 if match[4] in "Pp" else 0)
    try:
        return time(hour, minute, second)
    except ValueError:
        raise RowProblem(f"time {value!r} is not a time of day like 13:00, 13:00:00 or 01:00:00 PM") from None


def parse_duration(value: str) -> timedelta | None:
    """A duration as H:MM:SS, H:MM, decimal hours (1.5 or 1,5) or a 12-hour clock reading (01:30:00 AM,
    as Toggl prints it for a 12-hour profile); None when blank."""
    if not value:
        return None
    if match := _CLOCK_DURATION.fullmatch(value):
        return timedelta(seconds=int(match[1]) * 3600 + int(match[2]) * 60 + int(match[3] or 0))
    if (match := _TWELVE_HOUR_DURATION.fullmatch(value)) and 1 <= int(match[1]) <= 12:
        hours = int(match[1]) % 12 + (12 if match[4] in "Pp" else 0)
        return timedelta(seconds=hours * 3600 + int(match[2]) * 60 + int(match[3]))
    if _DECIMAL_HOURS.fullmatch(value):
        return timedelta(seconds=round(float(value.replace(",", ".")) * 3600))
    raise RowProblem(f"duration {value!r} is not like 1:30:00, 1:30 or 1.5 (hours)")


def local_instants(wall: datetime, zone: tzinfo) -> list[datetime]:
    """The UTC instants a naive local wall time names in zone, earliest first.

    One normally; two in the hour repeated when clocks go back; none in the
    hour skipped when clocks go forward.
    """
    first, second = zone.utcoffset(wall), zone.utcoffset(wall.replace(fold=1))
    # fold=0 always takes the offset from before a transition, so a rising offset
    # (clocks jumping forward) means the wall time never happened.
    if first is None or second is None or second > first:
        return []
    offsets = [first] if first == second else [first, second]
    return [(wall - offset).replace(tzinfo=UTC) for offset in offsets]


def nonexistent(what: str, wall: datetime, zone: tzinfo) -> RowProblem:
    return RowProblem(
        f"{what} {wall:%Y-%m-%d %H:%M:%S} never happened in {zone} (the clocks skipped that hour); "
        "check that the time zone given is the one the file was exported in"
    )


def parse_instant(value: str, zone: tzinfo) -> datetime:
    """A TimeTagger start/stop: Unix seconds, ISO 8601 with offset, or a local date and time."""
    if _UNIX_SECONDS.fullmatch(value):
        try:
            return datetime.fromtimestamp(int(float(value)), UTC)
        except (OverflowError, OSError, ValueError):
            raise RowProblem(f"timestamp {value!r} is out of range") from None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise RowProblem(
            f"time {value!r} is not a Unix timestamp, an ISO 8601 time or a local time like 2026-09-23 13:00:00"
        ) from None
    if moment.tzinfo is not None:
        return to_utc(moment)
    instants = local_instants(moment.replace(microsecond=0), zone)
    if not instants:
        raise nonexistent("time", moment, zone)
    return instants[0]


def comma_tags(value: str) -> list[str]:
    """Tags from a Toggl or Clockify tags cell, joined by ", " (a tag may hold spaces)."""
    return [tag.strip() for tag in value.split(",") if tag.strip()]


def word_tags(value: str) -> list[str]:
    """Tags from a TimeTagger tags cell: '#a #b', 'a b' or 'a, b'."""
    return [tag.lstrip("#") for tag in re.split(r"[\s,]+", value) if tag.lstrip("#")]


def hashtags(text: str) -> list[str]:
    """The #words of a TimeTagger description, without the '#'."""
    return _HASHTAG.findall(text)
