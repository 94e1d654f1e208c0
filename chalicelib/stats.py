"""Statistics use cases: study days, period summaries with goals, and the streak.

Every read is a Query or GetItem over the caller's aggregate items (DAY#<date>,
STREAK, PROFILE, subjects) that the projection maintains: its cost follows the days
asked for, never the number of sessions. The answers are eventually consistent with
the sessions (the stream lag, about a second locally).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

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


def _subject_goals(store: Store, user: str, mirrored: dict | None) -> list[tuple[str, int]]:
    """(subject id, weekly goal minutes) of the active subjects with a goal, by name. From SUBJECTGOALS;
    a learner whose subjects were last changed before it existed has none yet: their subjects are read."""
    if mirrored is not None:
        goals = mirrored["goals"]
    else:
        goals = {
            item["id"]: g
            for item in store.query_all(keys.user_pk(user), prefix=keys.SUBJECT_PREFIX)
            if (g := subjects.goal_of(item))
        }
    ordered = sorted(goals.items(), key=lambda entry: entry[1]["name"].casefold())
    return [(subject_id, int(goal["minutes"])) for subject_id, goal in ordered]


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


# The study day "now" is in any time zone (UTC-12 to UTC+14) and day start (0-23 h): the local day of
# an instant between 35 h before and 14 h after it.
_EARLIEST_DAY, _LATEST_DAY = timedelta(hours=-35), timedelta(hours=14)


def _possible_todays(moment: datetime) -> list[date]:
    return list(date_range((moment + _EARLIEST_DAY).date(), (moment + _LATEST_DAY).date()))


def summary_keys(user: str, query: SummaryQuery, moment: datetime) -> list[dict]:
    """Everything a summary may need, known before the settings are: the settings, the subjects' goals,
    the days of the period for either week start (or month) around every possible today, and those
    todays. At most 2 + 62 keys (a month, when today may lie in two months): ONE BatchGetItem."""
    todays = _possible_todays(moment)
    days: set[date] = set(todays)
    for anchor in [query.date] if query.date else todays:
        if query.period == "week":
            days.update(date_range(anchor - timedelta(days=6), anchor + timedelta(days=6)))
        else:
            days.update(date_range(*month_range(anchor)))
    return [
        keys.key(user, keys.PROFILE),
        keys.key(user, keys.SUBJECT_GOALS),
        *(keys.key(user, keys.day_sk(day.isoformat())) for day in sorted(days)),
    ]


def summary(store: Store, user: str, query: SummaryQuery) -> Summary:
    """Totals and goal progress for the week (from the learner's week_start) or month containing ``date``,
    from ONE BatchGetItem (``summary_keys``), whatever the number of sessions or subjects. (It was a
    GetItem and two Queries: 3 round trips, 36 ms of CPU in ``make bench`` with its hundreds of subjects.)"""
    found = {item["SK"]: item for item in store.batch_get(summary_keys(user, query, now()), consistent=False)}
    profile = settings.from_item(found.get(keys.PROFILE))
    current = today(profile)
    anchor = query.date or current
    first, last = week_range(anchor, profile.week_start) if query.period == "week" else month_range(anchor)

    def goal(weekly: int | None) -> int | None:
        if query.period == "week":
            return weekly or None
        return monthly_goal(weekly, first, last)

    days_found = {date.fromisoformat(i["date"]): i for sk, i in found.items() if sk.startswith(keys.DAY_PREFIX)}
    stored = {day: item for day, item in days_found.items() if first <= day <= last}
    by_subject: dict[str, int] = {}
    for item in stored.values():
        for subject_id, seconds in item["by_subject"].items():
            by_subject[subject_id] = by_subject.get(subject_id, 0) + seconds
    total = sum(item["total_seconds"] for item in stored.values())
    goal_minutes = goal(profile.weekly_goal_minutes)
    subject_goals = []
    for subject_id, weekly in _subject_goals(store, user, found.get(keys.SUBJECT_GOALS)):
        minutes = goal(weekly)
        if minutes:
            seconds = by_subject.get(subject_id, 0)
            subject_goals.append(
                SubjectGoal(
                    subject_id=subject_id,
                    total_seconds=seconds,
                    goal_minutes=minutes,
                    goal_progress=_ratio(seconds, minutes),
                )
            )
    today_item = days_found.get(current)
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
