"""Pydantic models of the statistics routes (GET /v1/stats/...): their queries and answers."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from .models import Request, Response

FIRST_DATE, LAST_DATE = date(1970, 1, 1), date(2999, 12, 31)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _calendar_date(value):
    # Only YYYY-MM-DD: pydantic alone would also take '2024-01-01T00:00' or a Unix timestamp.
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a calendar date") from None
    if not FIRST_DATE <= parsed <= LAST_DATE:
        raise ValueError(f"must be between {FIRST_DATE} and {LAST_DATE}")
    return parsed


StudyDay = Annotated[date, BeforeValidator(_calendar_date), Field(examples=["2024-04-01"])]


# -- queries ------------------------------------------------------------------
class DaysQuery(Request):
    from_: StudyDay = Field(alias="from")
    to: StudyDay


class SummaryQuery(Request):
    period: Literal["week", "month"]
    date: StudyDay | None = Field(None, description="a day inside the period; today in your time zone if absent")


# -- answers ------------------------------------------------------------------
class DayStats(Response):
    date: date
    total_seconds: int
    sessions: int
    by_subject: dict[str, int]


class DaysStats(Response):
    from_: date = Field(serialization_alias="from")
    to: date
    days: list[DayStats]


class SubjectGoal(Response):
    """Seconds studied towards a goal: ``goal_progress`` is seconds / goal seconds (may pass 1)."""

    subject_id: str
    total_seconds: int
    goal_minutes: int
    goal_progress: float


class TodayGoal(Response):
    """Today's study day and the daily goal; progress is null without a goal."""

    date: date
    total_seconds: int
    goal_minutes: int | None = None
    goal_progress: float | None = None


class Summary(Response):
    period: Literal["week", "month"]
    from_: date = Field(serialization_alias="from")
    to: date
    total_seconds: int
    days_studied: int
    by_subject: dict[str, int]
    goal_minutes: int | None = Field(
        None, description="weekly_goal_minutes; for a month, spread over its days: round(weekly * days_in_month / 7)"
    )
    goal_progress: float | None = None
    subject_goals: list[SubjectGoal] = Field(description="each active subject with a weekly goal, by name")
    today: TodayGoal = Field(description="today's study day and the daily goal")


class StreakStats(Response):
    current_days: int
    longest_days: int
    today_counts: bool
    today: date
    streak_min_minutes: int
