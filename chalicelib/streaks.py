"""Streaks: runs of consecutive study days that reached the learner's minimum. Pure."""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import NamedTuple

ONE_DAY = timedelta(days=1)


class Streak(NamedTuple):
    current_days: int
    longest_days: int
    today_counts: bool


def runs(counted_days: Iterable[date]) -> list[tuple[date, date]]:
    """Maximal runs of consecutive days as inclusive (first, last) pairs, in order."""
    found: list[tuple[date, date]] = []
    for day in sorted(set(counted_days)):
        if found and day - found[-1][1] == ONE_DAY:
            found[-1] = (found[-1][0], day)
        else:
            found.append((day, day))
    return found


def _length(run: tuple[date, date]) -> int:
    return (run[1] - run[0]).days + 1


def streak(counted_days: Iterable[date], today: date) -> Streak:
    """The current and longest streak, given the days that reached the minimum.

    Today not reaching the minimum yet does not break the streak: it then ends
    yesterday. Days after ``today`` (clock skew) are ignored.
    """
    past_runs = runs(day for day in counted_days if day <= today)
    longest = max(map(_length, past_runs), default=0)
    last = past_runs[-1] if past_runs else None
    current = _length(last) if last and last[1] >= today - ONE_DAY else 0
    return Streak(current, longest, today_counts=last is not None and last[1] == today)


def encode_runs(found: list[tuple[date, date]]) -> list[str]:
    """Runs of consecutive days as ISO 8601 intervals ('2024-01-01/2024-01-05'), oldest first."""
    return [f"{first.isoformat()}/{last.isoformat()}" for first, last in found]


def decode_runs(encoded: list[str]) -> set[date]:
    days: set[date] = set()
    for interval in encoded:
        first, last = (date.fromisoformat(part) for part in interval.split("/"))
        days.update(first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return days
