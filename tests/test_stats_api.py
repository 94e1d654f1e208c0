"""Specifications of GET /v1/stats/days, /summary and /streak as a client sees them (api.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_stats_support import StreamFeed

UTC = UTC


@pytest.fixture
def feed(dynamodb, table, client):
    return StreamFeed(dynamodb, table, client)


@pytest.fixture
def today_is(monkeypatch):
    """Fix the stats' clock (sessions are still checked against the real one: they lie in the past)."""

    def fix(instant: str):
        monkeypatch.setattr("chalicelib.stats.now", lambda: datetime.fromisoformat(instant.replace("Z", "+00:00")))

    return fix


def subject(api, name: str, **fields) -> str:
    status, body = api.post("/v1/subjects", {"name": name, **fields})
    assert status == 201, body
    return body["id"]


def study(api, subject_id: str, started_at: str, ended_at: str) -> None:
    status, body = api.post("/v1/sessions", {"subject_id": subject_id, "started_at": started_at, "ended_at": ended_at})
    assert status == 201, body


def problem(response) -> list[tuple[str, str]]:
    status, body = response
    assert status == 400, body
    assert body["error"]["code"] == "validation_error" and body["error"]["message"]
    return [(d["field"], d["problem"]) for d in body["error"]["details"]]


# -- days -------------------------------------------------------------------------------------------
def test_days_lists_every_day_of_the_range_with_zeros_for_days_without_study(api, feed):
    math = subject(api, "Math")
    study(api, math, "2024-02-28T10:00:00Z", "2024-02-28T10:25:00Z")
    feed.pump()
    status, body = api.get("/v1/stats/days?from=2024-02-27&to=2024-03-01")
    assert status == 200
    assert body == {
        "from": "2024-02-27",
        "to": "2024-03-01",
        "days": [
            {"date": "2024-02-27", "total_seconds": 0, "sessions": 0, "by_subject": {}},
            {"date": "2024-02-28", "total_seconds": 1500, "sessions": 1, "by_subject": {math: 1500}},
            {"date": "2024-02-29", "total_seconds": 0, "sessions": 0, "by_subject": {}},
            {"date": "2024-03-01", "total_seconds": 0, "sessions": 0, "by_subject": {}},
        ],
    }


def test_a_day_in_a_dst_zone_keeps_its_true_length(api, feed):
    assert api.patch("/v1/me", {"timezone": "America/New_York"})[0] == 200
    math = subject(api, "Math")
    study(api, math, "2024-11-03T04:00:00Z", "2024-11-04T04:00:00Z")  # midnight EDT to 23:00 EST: 24 h
    study(api, math, "2024-11-04T04:00:00Z", "2024-11-04T05:00:00Z")  # 23:00-24:00 EST: the 25th hour
    feed.pump()
    status, body = api.get("/v1/stats/days?from=2024-11-03&to=2024-11-04")
    assert [d["total_seconds"] for d in body["days"]] == [25 * 3600, 0]


def test_a_range_of_400_days_is_answered_and_401_days_is_refused(api):
    status, body = api.get("/v1/stats/days?from=2023-01-01&to=2024-02-04")
    assert status == 200 and len(body["days"]) == 400
    assert problem(api.get("/v1/stats/days?from=2023-01-01&to=2024-02-05")) == [
        ("to", "the range covers 401 days; at most 400 per request")
    ]


def test_days_refuses_a_range_that_ends_before_it_starts(api):
    assert problem(api.get("/v1/stats/days?from=2024-05-02&to=2024-05-01")) == [("to", "must not be before from")]


@pytest.mark.parametrize(
    "query, field, reason",
    [
        ("from=2024-13-01&to=2024-12-31", "from", "is not a calendar date"),
        ("from=2024-02-30&to=2024-03-01", "from", "is not a calendar date"),
        ("from=2024-1-1&to=2024-01-02", "from", "must be a date as YYYY-MM-DD"),
        ("from=2024-01-01T00:00:00Z&to=2024-01-02", "from", "must be a date as YYYY-MM-DD"),
        ("from=yesterday&to=2024-01-02", "from", "must be a date as YYYY-MM-DD"),
        ("from=0001-01-01&to=2024-01-02", "from", "must be between 1970-01-01 and 2999-12-31"),
        ("from=2024-01-01", "to", "Field required"),
        ("from=2024-01-01&to=2024-01-02&user=bob", "user", "Extra inputs are not permitted"),
    ],
)
def test_days_refuses_bad_parameters_naming_the_field(api, query, field, reason):
    [(got_field, got_problem)] = problem(api.get(f"/v1/stats/days?{query}"))
    assert got_field == field and reason in got_problem


@pytest.mark.parametrize(
    "path", ["/v1/stats/days?from=2024-01-01&to=2024-01-02", "/v1/stats/summary?period=week", "/v1/stats/streak"]
)
def test_stats_need_a_valid_token(client, path):
    assert client.http.get(path).status_code == 401  # no header: the gateway's own 401
    response = client.http.get(path, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401 and response.json_body["error"]["code"] == "unauthorized"


# -- summary ----------------------------------------------------------------------------------------
def test_the_week_follows_the_learners_week_start(api, feed):
    math = subject(api, "Math")
    study(api, math, "2024-05-05T10:00:00Z", "2024-05-05T11:00:00Z")  # Sunday
    study(api, math, "2024-05-06T10:00:00Z", "2024-05-06T10:30:00Z")  # Monday
    feed.pump()
    status, monday_week = api.get("/v1/stats/summary?period=week&date=2024-05-06")
    assert (monday_week["from"], monday_week["to"], monday_week["total_seconds"]) == ("2024-05-06", "2024-05-12", 1800)
    assert api.patch("/v1/me", {"week_start": "sunday"})[0] == 200
    status, sunday_week = api.get("/v1/stats/summary?period=week&date=2024-05-06")
    assert (sunday_week["from"], sunday_week["to"], sunday_week["total_seconds"]) == ("2024-05-05", "2024-05-11", 5400)
    assert (sunday_week["days_studied"], sunday_week["by_subject"]) == (2, {math: 5400})


def test_week_summary_measures_the_weekly_goals_and_may_pass_one(api, feed, today_is):
    today_is("2024-05-08T12:00:00Z")
    assert api.patch("/v1/me", {"weekly_goal_minutes": 60, "daily_goal_minutes": 40})[0] == 200
    math = subject(api, "Math", weekly_goal_minutes=30)
    english = subject(api, "English", weekly_goal_minutes=120)
    subject(api, "Art")  # no goal: not listed among subject goals
    dropped = subject(api, "Latin", weekly_goal_minutes=60)
    assert api.delete(f"/v1/subjects/{dropped}")[0] == 200  # archived: its goal no longer shown
    study(api, math, "2024-05-06T10:00:00Z", "2024-05-06T10:45:00Z")
    study(api, english, "2024-05-08T10:00:00Z", "2024-05-08T10:30:00Z")
    feed.pump()
    status, week = api.get("/v1/stats/summary?period=week&date=2024-05-08")
    assert status == 200
    assert (week["total_seconds"], week["goal_minutes"], week["goal_progress"]) == (4500, 60, 1.25)
    assert week["subject_goals"] == [  # by name
        {"subject_id": english, "total_seconds": 1800, "goal_minutes": 120, "goal_progress": 0.25},
        {"subject_id": math, "total_seconds": 2700, "goal_minutes": 30, "goal_progress": 1.5},
    ]
    assert week["today"] == {"date": "2024-05-08", "total_seconds": 1800, "goal_minutes": 40, "goal_progress": 0.75}


def test_month_summary_spreads_the_weekly_goal_over_the_months_days(api, feed):
    assert api.patch("/v1/me", {"weekly_goal_minutes": 70})[0] == 200
    math = subject(api, "Math", weekly_goal_minutes=100)
    study(api, math, "2024-02-01T10:00:00Z", "2024-02-01T11:00:00Z")
    study(api, math, "2024-02-29T10:00:00Z", "2024-02-29T11:00:00Z")
    study(api, math, "2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z")  # next month
    feed.pump()
    status, month = api.get("/v1/stats/summary?period=month&date=2024-02-15")
    assert (month["from"], month["to"], month["total_seconds"], month["days_studied"]) == (
        "2024-02-01",
        "2024-02-29",
        7200,
        2,
    )
    # 70 min/week over 29 days is 290 min; 100 min/week is 414.29, shown as 414.
    assert (month["goal_minutes"], month["goal_progress"]) == (290, round(7200 / (290 * 60), 4))
    assert [(g["goal_minutes"], g["goal_progress"]) for g in month["subject_goals"]] == [
        (414, round(7200 / (414 * 60), 4))
    ]


def test_summary_without_goals_reports_null_progress(api, today_is):
    today_is("2024-05-08T12:00:00Z")
    status, week = api.get("/v1/stats/summary?period=week")
    assert status == 200
    assert week == {
        "period": "week",
        "from": "2024-05-06",
        "to": "2024-05-12",
        "total_seconds": 0,
        "days_studied": 0,
        "by_subject": {},
        "goal_minutes": None,
        "goal_progress": None,
        "subject_goals": [],
        "today": {"date": "2024-05-08", "total_seconds": 0, "goal_minutes": None, "goal_progress": None},
    }


def test_without_a_date_the_summary_is_of_the_period_containing_today_in_the_learners_zone(api, today_is):
    today_is("2024-05-31T20:00:00Z")  # already June 1st in Tokyo
    assert api.patch("/v1/me", {"timezone": "Asia/Tokyo"})[0] == 200
    status, month = api.get("/v1/stats/summary?period=month")
    assert (month["from"], month["to"], month["today"]["date"]) == ("2024-06-01", "2024-06-30", "2024-06-01")


@pytest.mark.parametrize(
    "query, field", [("period=year", "period"), ("", "period"), ("period=week&date=2024-05-32", "date")]
)
def test_summary_refuses_bad_parameters_naming_the_field(api, query, field):
    assert [f for f, _ in problem(api.get(f"/v1/stats/summary?{query}"))] == [field]


# -- streak -----------------------------------------------------------------------------------------
def test_streak_today_not_yet_studied_does_not_break_the_current_streak(api, feed, today_is):
    math = subject(api, "Math")
    for day in (1, 2, 3, 6, 7, 8, 9):
        study(api, math, f"2024-05-{day:02d}T08:00:00Z", f"2024-05-{day:02d}T08:05:00Z")
    feed.pump()
    today_is("2024-05-10T12:00:00Z")
    assert api.get("/v1/stats/streak")[1] == {
        "current_days": 4,
        "longest_days": 4,
        "today_counts": False,
        "today": "2024-05-10",
        "streak_min_minutes": 1,
    }
    today_is("2024-05-09T12:00:00Z")
    assert api.get("/v1/stats/streak")[1]["today_counts"] is True
    today_is("2024-05-11T12:00:00Z")  # yesterday missed: the streak is over, the record stays
    assert api.get("/v1/stats/streak")[1] == {
        "current_days": 0,
        "longest_days": 4,
        "today_counts": False,
        "today": "2024-05-11",
        "streak_min_minutes": 1,
    }


def test_a_day_below_the_streak_minimum_breaks_the_streak(api, feed, today_is):
    assert api.patch("/v1/me", {"streak_min_minutes": 10})[0] == 200
    math = subject(api, "Math")
    study(api, math, "2024-05-07T08:00:00Z", "2024-05-07T08:10:00Z")
    study(api, math, "2024-05-08T08:00:00Z", "2024-05-08T08:09:59Z")  # one second short
    study(api, math, "2024-05-09T08:00:00Z", "2024-05-09T08:04:00Z")
    study(api, math, "2024-05-09T09:00:00Z", "2024-05-09T09:06:00Z")  # two sessions add up
    feed.pump()
    today_is("2024-05-09T12:00:00Z")
    assert api.get("/v1/stats/streak")[1] == {
        "current_days": 1,
        "longest_days": 1,
        "today_counts": True,
        "today": "2024-05-09",
        "streak_min_minutes": 10,
    }


def test_a_new_learner_has_no_streak(api):
    status, body = api.get("/v1/stats/streak")
    assert status == 200 and (body["current_days"], body["longest_days"], body["today_counts"]) == (0, 0, False)


def test_the_streak_and_the_days_are_each_one_dynamodb_request(api, feed, store):
    from chalicelib import stats
    from chalicelib.stats_models import DaysQuery

    assert api.patch("/v1/me", {"timezone": "Asia/Tokyo", "streak_min_minutes": 10})[0] == 200
    study(api, subject(api, "Kanji"), "2026-03-02T00:00:00Z", "2026-03-02T00:30:00Z")
    feed.pump()
    store.capacity.clear()
    found = stats.streak(store, api.user_id)
    assert [operation for operation, _ in store.capacity] == ["BatchGetItem"]  # settings and runs together
    assert found.streak_min_minutes == 10 and found.longest_days == 1  # both items were read
    store.capacity.clear()
    stats.days(store, api.user_id, DaysQuery.model_validate({"from": "2026-01-01", "to": "2026-12-31"}))
    assert [operation for operation, _ in store.capacity] == ["Query"]


# -- the summary's one request ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("zone", "day_start", "moment", "today"),
    [
        ("Pacific/Kiritimati", 0, "2024-05-31T10:30:00Z", "2024-06-01"),  # UTC+14: tomorrow already
        ("Etc/GMT+12", 23, "2024-06-01T10:30:00Z", "2024-05-30"),  # UTC-12, the day starting at 23:00
        ("Asia/Tokyo", 4, "2024-05-31T18:59:59Z", "2024-05-31"),  # 03:59:59 in Tokyo: still yesterday's
    ],
)
@pytest.mark.parametrize("period", ["week", "month"])
def test_a_summary_is_one_dynamodb_request_in_any_zone_and_day_start(
    api, feed, store, today_is, zone, day_start, moment, today, period
):
    from chalicelib import stats
    from chalicelib.stats_models import SummaryQuery

    assert api.patch("/v1/me", {"timezone": zone, "day_start_hour": day_start, "daily_goal_minutes": 10})[0] == 200
    math = subject(api, "Math", weekly_goal_minutes=60)
    noon = datetime.fromisoformat(moment.replace("Z", "+00:00")).replace(minute=0, second=0)
    study(api, math, f"{noon:%Y-%m-%dT%H}:00:00Z", f"{noon:%Y-%m-%dT%H}:05:00Z")  # 5 minutes today
    feed.pump()
    today_is(moment)
    for query in ({"period": period}, {"period": period, "date": today}):
        store.capacity.clear()
        found = stats.summary(store, api.user_id, SummaryQuery.model_validate(query))
        assert [operation for operation, _ in store.capacity] == ["BatchGetItem"]
        assert found.today.date.isoformat() == today and found.today.total_seconds == 300
        assert [(g.subject_id, g.total_seconds) for g in found.subject_goals] == [(math, 300)]
        assert found.from_ <= found.today.date <= found.to


def test_a_summary_never_asks_for_more_keys_than_one_batch_holds():
    from datetime import timedelta

    from chalicelib import stats
    from chalicelib.stats_models import SummaryQuery

    start = datetime(2024, 1, 28, tzinfo=UTC)  # month ends, leap day, every hour of the day
    for hour in range(0, 24 * 40, 5):
        moment = start + timedelta(hours=hour)
        for query in ({"period": "month"}, {"period": "week"}, {"period": "month", "date": "2024-02-29"}):
            wanted = stats.summary_keys("u", SummaryQuery.model_validate(query), moment)
            assert len(wanted) <= 100 and len({w["SK"] for w in wanted}) == len(wanted)


def test_subject_goals_follow_every_subject_change_and_a_learner_from_before_the_mirror_still_gets_them(
    api, feed, store, today_is
):
    from chalicelib import keys

    today_is("2024-05-08T12:00:00Z")
    math = subject(api, "Math", weekly_goal_minutes=30)
    art = subject(api, "Art")
    latin = subject(api, "Latin", weekly_goal_minutes=60)

    def goals():
        return [
            (g["subject_id"], g["goal_minutes"]) for g in api.get("/v1/stats/summary?period=week")[1]["subject_goals"]
        ]

    assert goals() == [(latin, 60), (math, 30)]
    api.patch(f"/v1/subjects/{art}", {"weekly_goal_minutes": 90})
    api.patch(f"/v1/subjects/{math}", {"name": "Algebra", "weekly_goal_minutes": 45})
    api.delete(f"/v1/subjects/{latin}")
    assert goals() == [(math, 45), (art, 90)]  # Algebra before Art
    api.patch(f"/v1/subjects/{art}", {"weekly_goal_minutes": None})
    assert goals() == [(math, 45)]

    # Subjects made before SUBJECTGOALS existed: the summary reads the subjects, the next change builds it.
    store.client.delete_item(TableName=store.table_name, Key=store._dump(keys.key(api.user_id, keys.SUBJECT_GOALS)))
    assert goals() == [(math, 45)]
    api.patch(f"/v1/subjects/{art}", {"weekly_goal_minutes": 20})
    assert store.get(keys.key(api.user_id, keys.SUBJECT_GOALS))["goals"] == {
        math: {"name": "Algebra", "minutes": 45},
        art: {"name": "Art", "minutes": 20},
    }
    assert goals() == [(math, 45), (art, 20)]
