"""Statistics use cases: study days, period summaries with goals, and the streak.

Every read is a Query or GetItem over the caller's aggregate items (DAY#<date>,
STREAK, PROFILE, subjects) that the projection maintains: its cost follows the days
asked for, never the number of sessions. The answers are eventually consistent with
the sessions (the stream lag, about a second locally).
"""

from __future__ import annotations

from datetime import date

from . import keys, settings, subjects
from .days import date_range, month_range, study_day_of, week_range
from .errors import BadRequest
from .instants import now
from .models import Settings
from .stats_models import DaysQuery, DaysStats, DayStats, StreakStats, SubjectGoal, Summary, SummaryQuery, TodayGoal
from .store import Store
from .streaks import decode_runs
from .streaks import streak as compute_streak

MAX_DAYS = 400


def today(profile: Settings) -> date:
    """The learner's current study day, in their zone and day start."""
    return study_day_of(now(), profile.timezone, profile.day_start_hour)


def _day_items(store: Store, user: str, first: date, last: date) -> dict[date, dict]:
    items = store.query_all(keys.user_pk(user), between=(keys.day_sk(first.isoformat()), keys.day_sk(last.isoformat())))
    return {date.fromisoformat(item["date"]): item for item in items}


def _progress(seconds: int, goal_minutes: int | None) -> float | None:
    return _ratio(seconds, goal_minutes) if goal_minutes else None


def _ratio(seconds: int, goal_minutes: int) -> float:
    return round(seconds / (goal_minutes * 60), 4)


def days(store: Store, user: str, query: DaysQuery) -> DaysStats:
    """One entry per study day from ``from`` to ``to``, zeros included (one Query)."""
    first, last = query.from_, query.to
    if first > last:
        raise BadRequest.field(
            "to", "must not be before from", f"The range is empty: to ({last}) is before from ({first})."
        )
    count = (last - first).days + 1
    if count > MAX_DAYS:
        raise BadRequest.field(
            "to",
            f"the range covers {count} days; at most {MAX_DAYS} per request",
            f"Ask for at most {MAX_DAYS} days at once (this range has {count}): split it.",
        )
    stored = _day_items(store, user, first, last)
    entries = [
        DayStats.model_validate(stored[day])
        if day in stored
        else DayStats(date=day, total_seconds=0, sessions=0, by_subject={})
        for day in date_range(first, last)
    ]
    return DaysStats(from_=first, to=last, days=entries)


def monthly_goal(weekly_minutes: int | None, first: date, last: date) -> int | None:
    """A weekly goal spread over a month: round(weekly * days / 7), halves up (as the web UI shows it)."""
    if not weekly_minutes:
        return None
    length = (last - first).days + 1
    return (weekly_minutes * length * 2 + 7) // 14


def summary(store: Store, user: str, query: SummaryQuery) -> Summary:
    """Totals and goal progress for the week (from the learner's week_start) or month containing ``date``."""
    profile = settings.get(store, user)
    current = today(profile)
    anchor = query.date or current
    first, last = week_range(anchor, profile.week_start) if query.period == "week" else month_range(anchor)

    def goal(weekly: int | None) -> int | None:
        if query.period == "week":
            return weekly or None
        return monthly_goal(weekly, first, last)

    stored = _day_items(store, user, first, last)
    by_subject: dict[str, int] = {}
    for item in stored.values():
        for subject_id, seconds in item["by_subject"].items():
            by_subject[subject_id] = by_subject.get(subject_id, 0) + seconds
    total = sum(item["total_seconds"] for item in stored.values())
    goal_minutes = goal(profile.weekly_goal_minutes)
    subject_goals = []
    for subject in sorted(subjects.list_all(store, user), key=lambda s: s.name.casefold()):
        minutes = None if subject.archived else goal(subject.weekly_goal_minutes)
        if minutes:
            seconds = by_subject.get(subject.id, 0)
            subject_goals.append(
                SubjectGoal(
                    subject_id=subject.id,
                    total_seconds=seconds,
                    goal_minutes=minutes,
                    goal_progress=_ratio(seconds, minutes),
                )
            )
    today_item = (
        stored.get(current)
        if first <= current <= last
        else store.get(keys.key(user, keys.day_sk(current.isoformat())), consistent=False)
    )
    today_seconds = (today_item or {}).get("total_seconds", 0)
    daily = profile.daily_goal_minutes or None
    return Summary(
        period=query.period,
        from_=first,
        to=last,
        total_seconds=total,
        days_studied=sum(1 for item in stored.values() if item["total_seconds"] > 0),
        by_subject=dict(sorted(by_subject.items())),
        goal_minutes=goal_minutes,
        goal_progress=_progress(total, goal_minutes),
        subject_goals=subject_goals,
        today=TodayGoal(
            date=current, total_seconds=today_seconds, goal_minutes=daily, goal_progress=_progress(today_seconds, daily)
        ),
    )


def streak(store: Store, user: str) -> StreakStats:
    """Current and longest streak from the STREAK item's runs, read with the settings in ONE
    BatchGetItem whatever the history (it was two GetItems: 2 round trips, now 1)."""
    found_items = {
        item["SK"]: item for item in store.batch_get([keys.key(user, keys.PROFILE), keys.key(user, keys.STREAK)])
    }
    profile = settings.from_item(found_items.get(keys.PROFILE))
    current = today(profile)
    item = found_items.get(keys.STREAK) or {}
    found = compute_streak(decode_runs(item.get("runs", [])), current)
    return StreakStats(
        current_days=found.current_days,
        longest_days=found.longest_days,
        today_counts=found.today_counts,
        today=current,
        streak_min_minutes=profile.streak_min_minutes,
    )
