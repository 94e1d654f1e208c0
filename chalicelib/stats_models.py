"""Pydantic models of the statistics routes (GET /v1/stats/...): their queries and answers."""

# No `from __future__ import annotations`, as in models.py: pydantic would compile each annotation string.
from datetime import date
from typing import Literal

from pydantic import Field

from .models import Request, Response, StudyDay


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
