"""An exam target's arithmetic, pure: which study days a target reads, and its progress from the
minutes per day and the material done (studied, remaining, days left, pace, forecast, on track).

Every date is a study day in the learner's time zone and day start; the caller turns DAY items
into ``seconds_by_day`` (the target's subjects only). No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from .models import TargetProgress

PACE_DAYS = 14


@dataclass(frozen=True)
class Plan:
    """What a target asks for: minutes over [start_date, due_date], and optionally a material total."""

    start_date: date
    due_date: date
    target_minutes: int
    material_total: int | None = None


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def studied_days(plan: Plan, today: date) -> tuple[date, date] | None:
    """The days whose study counts: start_date to min(today, due_date); None before the start."""
    last = min(today, plan.due_date)
    return (plan.start_date, last) if plan.start_date <= last else None


def pace_days(plan: Plan, today: date) -> tuple[date, date] | None:
    """The last W days ending today, W = min(14, days since start_date + 1); None before the start."""
    width = min(PACE_DAYS, (today - plan.start_date).days + 1)
    return (today - timedelta(days=width - 1), today) if width > 0 else None


def merge_ranges(ranges: Iterable[tuple[date, date] | None]) -> list[tuple[date, date]]:
    """Inclusive date ranges merged where they overlap or touch, sorted: one Query each."""
    merged: list[tuple[date, date]] = []
    for first, last in sorted(r for r in ranges if r is not None):
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def days_to_read(plan: Plan, today: date) -> list[tuple[date, date]]:
    """The DAY items a target's progress needs: its studied days and its pace window (one range unless
    the due date is more than a day past, so a read costs O(days of the target) + 14 at most)."""
    return merge_ranges([studied_days(plan, today), pace_days(plan, today)])


def _seconds_in(seconds_by_day: Mapping[date, int], days: tuple[date, date] | None) -> int:
    if days is None:
        return 0
    first, last = days
    return sum(seconds for day, seconds in seconds_by_day.items() if first <= day <= last)


def progress(plan: Plan, today: date, seconds_by_day: Mapping[date, int], material_done: int = 0) -> TargetProgress:
    """Where the target stands on study day ``today`` (see TargetProgress for each figure)."""
    studied = _seconds_in(seconds_by_day, studied_days(plan, today)) // 60
    remaining = max(0, plan.target_minutes - studied)
    days_left = max(0, (plan.due_date - today).days + 1)
    window = pace_days(plan, today)
    pace = 0
    if window is not None:
        pace = _seconds_in(seconds_by_day, window) // 60 // ((window[1] - window[0]).days + 1)
    if remaining == 0:
        forecast: date | None = today
    elif pace == 0:
        forecast = None
    else:
        forecast = today + timedelta(days=_ceil_div(remaining, pace))
    answer = TargetProgress(
        today=today,
        studied_minutes=studied,
        remaining_minutes=remaining,
        days_left=days_left,
        required_minutes_per_day=_ceil_div(remaining, days_left) if days_left else None,
        pace_minutes_per_day=pace,
        forecast_date=forecast,
        on_track=remaining == 0 or (forecast is not None and forecast <= plan.due_date),
    )
    if plan.material_total is not None:
        left = max(0, plan.material_total - material_done)
        answer.material_done = material_done
        answer.material_remaining = left
        answer.required_amount_per_day = _ceil_div(left, days_left) if days_left else None
    return answer
