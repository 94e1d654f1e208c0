"""Statistics through the real DynamoDB Local stream: writes via the API, the stream fed to the
app's handler, stats read via the API. Also what a year of stats costs, corrupt records, isolation."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, date, datetime, timedelta

import pytest
from test_backup import cli  # noqa: F401  (a fixture)
from test_stats_support import (
    StreamFeed,
    at,
    expected_days,
    expected_streak_days,
    stored_days,
    stored_sessions,
    stored_streak_days,
)

from chalicelib import keys, projection, sessions

UTC = UTC


@pytest.fixture
def feed(dynamodb, table, client):
    return StreamFeed(dynamodb, table, client)


def subject(api, name: str) -> str:
    status, body = api.post("/v1/subjects", {"name": name})
    assert status == 201, body
    return body["id"]


def study(api, subject_id: str, started_at: str, ended_at: str) -> dict:
    status, body = api.post("/v1/sessions", {"subject_id": subject_id, "started_at": started_at, "ended_at": ended_at})
    assert status == 201, body
    return body


def days_of(api, first: str, last: str) -> dict[str, dict]:
    status, body = api.get(f"/v1/stats/days?from={first}&to={last}")
    assert status == 200, body
    return {entry["date"]: {k: entry[k] for k in ("total_seconds", "sessions", "by_subject")} for entry in body["days"]}


def zero() -> dict:
    return {"total_seconds": 0, "sessions": 0, "by_subject": {}}


# -- end to end ---------------------------------------------------------------------------------
def test_stats_follow_sessions_through_the_stream_and_a_time_zone_change_rebuilds_the_days(api, feed, store):
    assert api.patch("/v1/me", {"timezone": "Asia/Tokyo", "day_start_hour": 4})[0] == 200
    math, english = subject(api, "Math"), subject(api, "English")
    late = study(api, math, "2024-05-01T03:30:00+09:00", "2024-05-01T04:30:00+09:00")  # crosses the 04:00 day start
    evening = study(api, english, "2024-05-01T20:00:00+09:00", "2024-05-01T21:00:00+09:00")
    feed.pump()

    assert days_of(api, "2024-04-29", "2024-05-02") == {
        "2024-04-29": zero(),
        "2024-04-30": {"total_seconds": 1800, "sessions": 1, "by_subject": {math: 1800}},
        "2024-05-01": {"total_seconds": 5400, "sessions": 2, "by_subject": {math: 1800, english: 3600}},
        "2024-05-02": zero(),
    }

    # Moving one session and deleting the other moves and empties days.
    assert (
        api.patch(
            f"/v1/sessions/{evening['id']}",
            {"started_at": "2024-05-02T20:00:00+09:00", "ended_at": "2024-05-02T20:45:00+09:00"},
        )[0]
        == 200
    )
    assert api.delete(f"/v1/sessions/{late['id']}")[0] == 204
    feed.pump()
    assert days_of(api, "2024-04-30", "2024-05-02") == {
        "2024-04-30": zero(),
        "2024-05-01": zero(),
        "2024-05-02": {"total_seconds": 2700, "sessions": 1, "by_subject": {english: 2700}},
    }

    # In New York (UTC-4 in May) with the same 04:00 day start, 2024-05-02 20:00 JST is 07:00 on 05-02.
    study(api, math, "2024-05-01T23:00:00Z", "2024-05-02T01:00:00Z")  # 19:00-21:00 EDT 05-01; 08:00-10:00 JST 05-02
    feed.pump()
    assert days_of(api, "2024-05-01", "2024-05-02")["2024-05-02"]["total_seconds"] == 2700 + 7200
    assert api.patch("/v1/me", {"timezone": "America/New_York"})[0] == 200
    feed.pump()
    assert days_of(api, "2024-05-01", "2024-05-02") == {
        "2024-05-01": {"total_seconds": 7200, "sessions": 1, "by_subject": {math: 7200}},
        "2024-05-02": {"total_seconds": 2700, "sessions": 1, "by_subject": {english: 2700}},
    }
    # Every DAY item equals a recomputation in the new zone: none is left from the old one.
    assert stored_days(store, api.user_id) == expected_days(stored_sessions(store, api.user_id), "America/New_York", 4)


def test_a_higher_streak_minimum_recounts_the_streak_without_new_sessions(api, feed, store, monkeypatch):
    monkeypatch.setattr("chalicelib.stats.now", lambda: datetime(2024, 5, 10, 12, tzinfo=UTC))
    math = subject(api, "Math")
    for day, minutes in ((7, 45), (8, 20), (9, 45)):
        study(api, math, f"2024-05-{day:02d}T08:00:00Z", f"2024-05-{day:02d}T08:{minutes:02d}:00Z")
    feed.pump()
    assert api.get("/v1/stats/streak")[1] == {
        "current_days": 3,
        "longest_days": 3,
        "today_counts": False,
        "today": "2024-05-10",
        "streak_min_minutes": 1,
    }
    assert api.patch("/v1/me", {"streak_min_minutes": 30})[0] == 200
    feed.pump()
    assert api.get("/v1/stats/streak")[1] == {
        "current_days": 1,
        "longest_days": 1,
        "today_counts": False,
        "today": "2024-05-10",
        "streak_min_minutes": 30,
    }


# -- cost -----------------------------------------------------------------------------------------
def _write_history(store, user: str, days: list[date], per_day: int, seconds: int) -> None:
    items = []
    for day in days:
        for n in range(per_day):
            start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=6, seconds=n * seconds)
            items.append(
                sessions.build_item(
                    user,
                    f"{day:%Y%m%d}n{n:03d}",
                    "math",
                    start,
                    start + timedelta(seconds=seconds),
                    "",
                    [],
                    1,
                    "2024-01-01T00:00:00Z",
                )
            )
    store.batch_write(puts=items)


def _read_capacity(api, store, path: str) -> list[tuple[str, float]]:
    store.capacity.clear()
    status, body = api.get(path)
    assert status == 200, body
    return list(store.capacity)


def _two_histories(client, store):
    """A light and a heavy learner with the same year: 100 sessions of 100 minutes against 10,000
    sessions of 1 minute, on the same 100 days."""
    from conftest import Api

    light, heavy = Api(client, "light"), Api(client, "heavy")
    studied = [date(2024, 1, 1) + timedelta(days=3 * n) for n in range(100)]
    _write_history(store, light.user_id, studied, per_day=1, seconds=6000)
    _write_history(store, heavy.user_id, studied, per_day=100, seconds=60)
    return light, heavy


def _assert_a_year_costs_the_same(light, heavy, store) -> None:
    light_days, heavy_days = stored_days(store, light.user_id), stored_days(store, heavy.user_id)
    assert {d: e["total_seconds"] for d, e in heavy_days.items()} == {
        d: e["total_seconds"] for d, e in light_days.items()
    }
    assert len(heavy_days) == 100 and {e["sessions"] for e in heavy_days.values()} == {100}

    year = "/v1/stats/days?from=2024-01-01&to=2024-12-31"
    light_cost, heavy_cost = _read_capacity(light, store, year), _read_capacity(heavy, store, year)
    assert heavy_cost == light_cost
    assert [operation for operation, _ in heavy_cost] == ["Query"]  # one Query over DAY items, nothing else

    # The comparison can tell: reading the heavy user's sessions for the same year costs far more.
    store.capacity.clear()
    sessions.sessions_between(store, heavy.user_id, at("2024-01-01T00:00:00Z"), at("2025-01-01T00:00:00Z"))
    assert sum(units for _, units in store.capacity) > 20 * sum(units for _, units in heavy_cost)


def test_a_year_of_days_costs_the_same_for_100_and_for_10000_sessions(client, store):
    """The read's cost, with the days written by the projection's own rebuild (the code a user's first
    stream record runs); the stream delivering 10,100 records is the slow test below."""
    light, heavy = _two_histories(client, store)
    for learner in (light, heavy):
        projection.rebuild_user(store, learner.user_id)
    _assert_a_year_costs_the_same(light, heavy, store)


@pytest.mark.slow
def test_a_year_of_days_through_the_stream_costs_the_same_for_100_and_for_10000_sessions(client, feed, store):
    light, heavy = _two_histories(client, store)
    summaries = feed.pump()
    assert sum(s["records"] for s in summaries) >= 10_100 and sum(s["parked"] for s in summaries) == 0
    _assert_a_year_costs_the_same(light, heavy, store)


# -- corrupt records ------------------------------------------------------------------------------
def _corrupt_session(user: str, session_id: str, **fields) -> dict:
    return {
        **keys.key(user, keys.session_sk(session_id)),
        "LSI1SK": keys.session_start_sk("2024-05-01T09:00:00Z", session_id),
        "type": "session",
        "id": session_id,
        "subject_id": "math",
        "version": 1,
        **fields,
    }


def test_corrupt_records_are_parked_and_the_rest_of_the_batch_is_applied(api, other, feed, store, caplog):
    math = subject(api, "Math")
    study(api, math, "2024-05-01T08:00:00Z", "2024-05-01T09:00:00Z")
    store.put(_corrupt_session(api.user_id, "nostart", ended_at="2024-05-01T10:00:00Z"))
    store.put(_corrupt_session(api.user_id, "badend", started_at="2024-05-01T09:00:00Z", ended_at="soon"))
    store.put({"PK": "ORPHAN#1", "SK": keys.session_sk("x"), "started_at": "2024-05-01T09:00:00Z"})
    bob_math = subject(other, "Math")
    study(other, bob_math, "2024-05-01T08:00:00Z", "2024-05-01T08:30:00Z")
    study(api, math, "2024-05-01T12:00:00Z", "2024-05-01T12:30:00Z")  # after the corrupt ones, same day
    records = feed.read()

    with caplog.at_level(logging.WARNING, logger="studytracker.projection"):
        first = feed.deliver(records, batch_size=len(records))[0]
    assert first["parked"] == 3
    assert days_of(api, "2024-05-01", "2024-05-01")["2024-05-01"] == {
        "total_seconds": 5400,
        "sessions": 2,
        "by_subject": {math: 5400},
    }
    assert days_of(other, "2024-05-01", "2024-05-01")["2024-05-01"]["total_seconds"] == 1800

    parked = list(store.query_all(keys.user_pk(api.user_id), prefix=keys.PARKED_PREFIX))
    assert sorted((p["source_sk"], p["reason"]) for p in parked) == [
        (keys.session_sk("badend"), "new_image: session ended_at is not an RFC 3339 instant: 'soon'"),
        (keys.session_sk("nostart"), "new_image: session item has no started_at"),
    ]
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.getMessage().startswith("{")]
    assert {(line["event"], line["user"]) for line in logged if line["event"] == "projection.parked"} == {
        ("projection.parked", api.user_id),
        ("projection.parked", None),
    }

    # The whole batch again (a Lambda retry): same aggregates, the same parked items, nothing new.
    again = feed.deliver(records, batch_size=len(records))[0]
    assert again["parked"] == 3 and again["days_written"] == 0
    assert len(list(store.query_all(keys.user_pk(api.user_id), prefix=keys.PARKED_PREFIX))) == 2


def test_unusable_settings_park_that_users_records_only(api, other, feed, store):
    store.put({**keys.key(other.user_id, keys.PROFILE), "type": "profile", "timezone": "Mars/Olympus", "version": 1})
    study(other, subject(other, "Math"), "2024-05-01T08:00:00Z", "2024-05-01T09:00:00Z")
    study(api, subject(api, "Math"), "2024-05-01T08:00:00Z", "2024-05-01T09:00:00Z")
    result = feed.deliver(feed.read(), batch_size=1000)[0]
    assert result["parked"] == 2  # bob's profile insert and his session
    assert stored_days(store, other.user_id) == {}
    assert days_of(api, "2024-05-01", "2024-05-01")["2024-05-01"]["total_seconds"] == 3600
    reasons = {p["reason"] for p in store.query_all(keys.user_pk(other.user_id), prefix=keys.PARKED_PREFIX)}
    assert reasons == {"settings: unknown time zone 'Mars/Olympus': use an IANA name such as 'Europe/Berlin'"}


# -- isolation ------------------------------------------------------------------------------------
def test_stats_never_include_another_users_sessions(api, other, feed, store, monkeypatch):
    monkeypatch.setattr("chalicelib.stats.now", lambda: datetime(2024, 5, 2, 12, tzinfo=UTC))
    alice_math = subject(api, "Math")
    bob_math = subject(other, "Math")
    study(api, alice_math, "2024-05-01T08:00:00Z", "2024-05-01T10:00:00Z")
    study(api, alice_math, "2024-04-30T08:00:00Z", "2024-04-30T10:00:00Z")
    study(other, bob_math, "2024-05-01T08:00:00Z", "2024-05-01T08:10:00Z")
    feed.pump()

    assert days_of(other, "2024-04-30", "2024-05-01") == {
        "2024-04-30": zero(),
        "2024-05-01": {"total_seconds": 600, "sessions": 1, "by_subject": {bob_math: 600}},
    }
    status, week = other.get("/v1/stats/summary?period=week&date=2024-05-01")
    assert status == 200 and (week["total_seconds"], week["by_subject"]) == (600, {bob_math: 600})
    assert other.get("/v1/stats/streak")[1]["longest_days"] == 1
    assert api.get("/v1/stats/streak")[1]["longest_days"] == 2
    for user in (api.user_id, other.user_id):
        expected = expected_days(stored_sessions(store, user), "UTC", 0)
        assert stored_days(store, user) == expected
        assert stored_streak_days(store, user) == expected_streak_days(expected, 1)


# -- the operator's repair ----------------------------------------------------------------------
def test_rebuild_recomputes_a_learners_lost_statistics_from_their_sessions(api, feed, store, table, cli, capsys):
    math = subject(api, "Math")
    study(api, math, "2024-05-01T08:00:00Z", "2024-05-01T09:00:00Z")
    study(api, math, "2024-05-02T08:00:00Z", "2024-05-02T08:30:00Z")
    feed.pump()
    year = "/v1/stats/days?from=2024-05-01&to=2024-05-31"
    before = api.get(year)[1]
    assert [d["total_seconds"] for d in before["days"] if d["total_seconds"]] == [3600, 1800]
    for sk in [keys.day_sk("2024-05-01"), keys.day_sk("2024-05-02"), keys.STREAK]:  # the statistics are lost
        store.client.delete_item(TableName=table, Key=store._dump(keys.key(api.user_id, sk)))
    assert [d["total_seconds"] for d in api.get(year)[1]["days"] if d["total_seconds"]] == []
    endpoint = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    assert cli("rebuild", "--endpoint", endpoint, "--table", table, "--user-id", api.user_id) == 0
    assert "rebuilds: 1" in capsys.readouterr().out
    assert api.get(year)[1] == before
