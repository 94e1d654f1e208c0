"""The timer through the HTTP API (the Chalice test client)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from conftest import NOW, iso


def test_timer_start_get_stop_creates_a_session(api, subject):
    assert api.get("/v1/timer")[0] == 404
    status, running = api.post("/v1/timer/start", {"subject_id": subject["id"], "note": "chapter 3"})
    assert status == 201 and running["subject_id"] == subject["id"]
    assert api.get("/v1/timer") == (200, running)
    status, session = api.post("/v1/timer/stop")
    assert status == 201 and session["subject_id"] == subject["id"] and session["note"] == "chapter 3"
    assert session["duration_seconds"] >= 1
    assert api.get("/v1/timer")[0] == 404
    assert api.get(f"/v1/sessions/{session['id']}")[1] == session


def test_second_timer_start_is_409_and_keeps_the_first(api, subject):
    _, first = api.post("/v1/timer/start", {"subject_id": subject["id"]})
    status, error = api.post("/v1/timer/start", {"subject_id": subject["id"], "note": "second"})
    assert status == 409 and "already running" in error["error"]["message"]
    assert api.get("/v1/timer")[1] == first


def test_stop_without_timer_is_404(api):
    status, error = api.post("/v1/timer/stop")
    assert status == 404 and error["error"]["code"] == "not_found"


def test_timer_start_for_unknown_subject_is_400(api):
    status, error = api.post("/v1/timer/start", {"subject_id": "missing"})
    assert status == 400 and error["error"]["details"][0]["field"] == "subject_id"
    assert api.get("/v1/timer")[0] == 404


def test_timer_can_be_discarded(api, subject):
    api.post("/v1/timer/start", {"subject_id": subject["id"]})
    assert api.delete("/v1/timer")[0] == 204
    assert api.delete("/v1/timer")[0] == 404
    assert api.get("/v1/sessions")[1]["items"] == []


def test_twenty_parallel_timer_starts_give_exactly_one_201(client, subject, api):
    from conftest import Api

    def start(_):
        return Api(client, "alice").post("/v1/timer/start", {"subject_id": subject["id"]})[0]

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(start, range(20)))
    assert sorted(statuses) == [201] + [409] * 19


# -- a start pressed offline, sent later --------------------------------------------------------
def test_a_start_sent_late_keeps_the_moment_it_was_pressed_and_the_stop_its_own(api, subject):
    pressed = NOW - timedelta(minutes=50)
    status, running = api.post("/v1/timer/start", {"subject_id": subject["id"], "started_at": iso(pressed)})
    assert status == 201 and running["started_at"] == iso(pressed)
    stopped_at = NOW - timedelta(minutes=5)
    status, session = api.post("/v1/timer/stop", {"ended_at": iso(stopped_at)})
    assert status == 201
    assert (session["started_at"], session["ended_at"], session["duration_seconds"]) == (
        iso(pressed),
        iso(stopped_at),
        45 * 60,
    )


@pytest.mark.parametrize(
    ("offset", "problem"),
    [
        (timedelta(hours=-24, minutes=-1), "more than 24 hours ago"),
        (timedelta(minutes=6), "in the future"),
    ],
)
def test_a_start_time_too_far_back_or_ahead_is_a_400_naming_started_at(api, subject, offset, problem):
    moment = datetime.now(UTC).replace(microsecond=0)  # not conftest's NOW: minutes old by now
    status, error = api.post("/v1/timer/start", {"subject_id": subject["id"], "started_at": iso(moment + offset)})
    assert status == 400 and error["error"]["details"][0]["field"] == "started_at"
    assert problem in error["error"]["details"][0]["problem"]
    assert api.get("/v1/timer")[0] == 404


def test_a_start_a_few_minutes_ahead_of_the_server_clock_is_accepted(api, subject):
    ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=4)
    status, running = api.post("/v1/timer/start", {"subject_id": subject["id"], "started_at": iso(ahead)})
    assert status == 201 and running["started_at"] == iso(ahead)


def test_a_stop_pressed_in_the_same_second_as_the_start_records_one_second(api, subject):
    # The web client sends the moment of each press; both fall in one whole second when pressed quickly.
    pressed = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    api.post("/v1/timer/start", {"subject_id": subject["id"], "started_at": iso(pressed)})
    status, session = api.post("/v1/timer/stop", {"ended_at": iso(pressed)})
    assert status == 201 and session["duration_seconds"] == 1
