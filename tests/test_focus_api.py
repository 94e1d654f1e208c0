"""Focus mode and forgotten timers through the HTTP API: settings, phases, skip/extend, the sessions a stop writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from conftest import iso
from test_stats_support import StreamFeed

from chalicelib import keys


def moment() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def start_focus(api, subject, minutes_ago: float, **extra):
    started = moment() - timedelta(minutes=minutes_ago)
    status, running = api.post(
        "/v1/timer/start", {"subject_id": subject["id"], "mode": "focus", "started_at": iso(started), **extra}
    )
    assert status == 201, running
    return started, running


def minutes_of(sessions) -> list[float]:
    return [s["duration_seconds"] / 60 for s in sessions]


# -- settings --------------------------------------------------------------------------------------
def test_focus_settings_default_to_a_pomodoro_and_max_timer_hours_to_4(api):
    _, me = api.get("/v1/me")
    assert me["focus"] == {
        "work_minutes": 25,
        "short_break_minutes": 5,
        "long_break_minutes": 15,
        "long_break_every": 4,
    }
    assert me["max_timer_hours"] == 4


def test_a_patch_of_some_focus_settings_keeps_the_others(api):
    assert api.patch("/v1/me", {"focus": {"work_minutes": 50}})[0] == 200
    status, me = api.patch("/v1/me", {"focus": {"long_break_every": 2}, "max_timer_hours": 6})
    assert status == 200
    assert me["focus"] == {
        "work_minutes": 50,
        "short_break_minutes": 5,
        "long_break_minutes": 15,
        "long_break_every": 2,
    }
    assert api.get("/v1/me")[1]["focus"] == me["focus"] and me["max_timer_hours"] == 6


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"focus": {"work_minutes": 0}}, "focus.work_minutes"),
        ({"focus": {"work_minutes": 181}}, "focus.work_minutes"),
        ({"focus": {"short_break_minutes": 61}}, "focus.short_break_minutes"),
        ({"focus": {"long_break_minutes": 91}}, "focus.long_break_minutes"),
        ({"focus": {"long_break_every": 13}}, "focus.long_break_every"),
        ({"focus": {"work_minutes": None}}, "focus.work_minutes"),
        ({"focus": {"pomodoros": 3}}, "focus.pomodoros"),
        ({"focus": None}, "focus"),
        ({"max_timer_hours": 25}, "max_timer_hours"),
        ({"max_timer_hours": 0}, "max_timer_hours"),
    ],
)
def test_focus_settings_out_of_range_are_a_400_naming_the_field(api, body, field):
    before = api.get("/v1/me")[1]
    status, error = api.patch("/v1/me", body)
    assert status == 400 and error["error"]["details"][0]["field"] == field, error
    assert api.get("/v1/me")[1] == before


# -- start, phases ---------------------------------------------------------------------------------
def test_a_focus_timer_answers_its_phase_its_end_and_the_blocks_done(api, subject):
    started, running = start_focus(api, subject, 27)
    assert running["mode"] == "focus" and running["phase"] == "short_break" and running["blocks_done"] == 1
    assert running["phase_started_at"] == iso(started + timedelta(minutes=25))
    assert running["phase_ends_at"] == iso(started + timedelta(minutes=30))
    assert running["focus"]["work_minutes"] == 25
    assert running["schedule"] == {
        "anchor_at": iso(started),
        "anchor_index": 0,
        "anchor_seconds": None,
        "blocks_before": [],
    }
    status, again = api.get("/v1/timer")
    assert status == 200 and (again["phase"], again["phase_ends_at"]) == ("short_break", running["phase_ends_at"])


def test_a_stopwatch_has_no_phase(api, subject):
    status, running = api.post("/v1/timer/start", {"subject_id": subject["id"]})
    assert status == 201 and running["mode"] == "stopwatch"
    assert running["phase"] is None and running["blocks_done"] is None


def test_an_unknown_mode_is_a_400_naming_mode(api, subject):
    status, error = api.post("/v1/timer/start", {"subject_id": subject["id"], "mode": "pomodoro"})
    assert status == 400 and error["error"]["details"][0]["field"] == "mode"
    assert api.get("/v1/timer")[0] == 404


def test_a_subject_that_opts_out_of_focus_mode_refuses_a_focus_timer(api, subject):
    status, changed = api.patch(f"/v1/subjects/{subject['id']}", {"focus_opt_out": True})
    assert status == 200 and changed["focus_opt_out"] is True
    status, error = api.post("/v1/timer/start", {"subject_id": subject["id"], "mode": "focus"})
    assert status == 400 and error["error"]["details"][0]["field"] == "mode"
    assert "stopwatch" in error["error"]["details"][0]["problem"]
    assert api.post("/v1/timer/start", {"subject_id": subject["id"]})[0] == 201


def test_settings_changed_while_a_focus_timer_runs_do_not_move_its_schedule(api, subject):
    _, running = start_focus(api, subject, 10)
    api.patch("/v1/me", {"focus": {"work_minutes": 50, "short_break_minutes": 10}})
    _, again = api.get("/v1/timer")
    assert (again["phase_ends_at"], again["focus"]) == (running["phase_ends_at"], running["focus"])


# -- stop ------------------------------------------------------------------------------------------
def test_a_stop_writes_one_focus_session_per_work_block_with_exact_durations(api, subject):
    started, _ = start_focus(api, subject, 70, note="chapter 4")
    status, stopped = api.post("/v1/timer/stop", {"ended_at": iso(started + timedelta(minutes=68))})
    assert status == 201 and stopped["mode"] == "focus"
    assert minutes_of(stopped["sessions"]) == [25, 25, 8]  # breaks 25-30 and 55-60 are not study
    assert [s["started_at"] for s in stopped["sessions"]] == [iso(started + timedelta(minutes=m)) for m in (0, 30, 60)]
    assert all(s["focus"] and s["note"] == "chapter 4" for s in stopped["sessions"])
    listed = api.get("/v1/sessions")[1]["items"]
    assert sorted(minutes_of(listed)) == [8, 25, 25] and api.get("/v1/timer")[0] == 404


def test_a_block_in_progress_shorter_than_a_minute_is_not_written(api, subject):
    started, _ = start_focus(api, subject, 40)
    _, stopped = api.post("/v1/timer/stop", {"ended_at": iso(started + timedelta(minutes=30, seconds=59))})
    assert minutes_of(stopped["sessions"]) == [25]


def test_a_stop_within_the_first_minute_writes_nothing_and_ends_the_timer(api, subject):
    start_focus(api, subject, 0)
    status, stopped = api.post("/v1/timer/stop")
    assert status == 201 and stopped["sessions"] == []
    assert api.get("/v1/timer")[0] == 404 and api.get("/v1/sessions")[1]["items"] == []


def test_a_retried_stop_with_the_same_idempotency_key_writes_the_blocks_once(api, subject):
    started, _ = start_focus(api, subject, 60)
    key = {"Idempotency-Key": "stop-focus-1"}
    first = api.post("/v1/timer/stop", {"ended_at": iso(started + timedelta(minutes=59))}, headers=key)
    again = api.post("/v1/timer/stop", {"ended_at": iso(started + timedelta(minutes=59))}, headers=key)
    assert first == again and first[0] == 201
    assert len(api.get("/v1/sessions")[1]["items"]) == 2


@pytest.mark.parametrize("idempotent", [False, True])
def test_a_day_of_one_minute_blocks_writes_720_sessions_beyond_one_transaction(api, subject, idempotent):
    api.patch("/v1/me", {"focus": {"work_minutes": 1, "short_break_minutes": 1, "long_break_minutes": 1}})
    started, _ = start_focus(api, subject, 24 * 60 - 1)
    headers = {"Idempotency-Key": "day-of-blocks"} if idempotent else None
    status, stopped = api.post("/v1/timer/stop", {"ended_at": iso(started + timedelta(hours=24))}, headers=headers)
    assert status == 201, stopped
    assert len(stopped["sessions"]) == 720 and set(minutes_of(stopped["sessions"])) == {1}
    count, cursor = 0, None
    while True:
        page = api.get("/v1/sessions?limit=200" + (f"&cursor={cursor}" if cursor else ""))[1]
        count += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert count == 720


# -- skip and extend -------------------------------------------------------------------------------
def test_skip_ends_the_work_block_now_and_every_device_sees_the_break(api, subject):
    started, _ = start_focus(api, subject, 10)
    status, skipped = api.post("/v1/timer/skip")
    assert status == 200 and skipped["phase"] == "short_break" and skipped["blocks_done"] == 1
    now = datetime.fromisoformat(skipped["phase_started_at"].replace("Z", "+00:00"))
    assert now - started >= timedelta(minutes=10)
    assert skipped["phase_ends_at"] == iso(now + timedelta(minutes=5))
    assert api.get("/v1/timer")[1] == skipped
    assert skipped["schedule"]["blocks_before"] == [[iso(started), skipped["phase_started_at"]]]
    _, stopped = api.post("/v1/timer/stop", {"ended_at": iso(now + timedelta(minutes=2))})
    assert [s["ended_at"] for s in stopped["sessions"]] == [iso(now)]


def test_extend_makes_the_current_phase_longer(api, subject):
    started, running = start_focus(api, subject, 20)
    status, extended = api.post("/v1/timer/extend", {"minutes": 10})
    assert status == 200 and extended["phase"] == "work"
    assert extended["phase_ends_at"] == iso(started + timedelta(minutes=35))
    assert (extended["schedule"]["anchor_at"], extended["schedule"]["anchor_seconds"]) == (iso(started), 35 * 60)
    status, default = api.post("/v1/timer/extend")
    assert status == 200 and default["phase_ends_at"] == iso(started + timedelta(minutes=40))
    assert api.get("/v1/timer")[1]["version"] == running["version"] + 2


@pytest.mark.parametrize("body", [{"minutes": 0}, {"minutes": 61}, {"minutes": "5"}])
def test_an_extension_out_of_range_is_a_400_naming_minutes(api, subject, body):
    start_focus(api, subject, 5)
    status, error = api.post("/v1/timer/extend", body)
    assert status == 400 and error["error"]["details"][0]["field"] == "minutes"


def test_skip_of_a_stopwatch_is_a_409_and_without_a_timer_a_404(api, subject):
    assert api.post("/v1/timer/skip")[0] == 404
    api.post("/v1/timer/start", {"subject_id": subject["id"]})
    status, error = api.post("/v1/timer/skip")
    assert status == 409 and "stopwatch" in error["error"]["message"]


def test_another_users_timer_is_not_skipped(api, other, subject):
    start_focus(api, subject, 3)
    assert other.post("/v1/timer/skip")[0] == 404
    assert api.get("/v1/timer")[1]["phase"] == "work"


# -- forgotten timers ------------------------------------------------------------------------------
def test_a_timer_running_past_max_timer_hours_is_shown_as_forgotten(api, subject):
    started = moment() - timedelta(hours=5)
    _, running = api.post("/v1/timer/start", {"subject_id": subject["id"], "started_at": iso(started)})
    assert running["forgotten"] is True and running["forgotten_at"] == iso(started + timedelta(hours=4))
    api.delete("/v1/timer")
    api.patch("/v1/me", {"max_timer_hours": 6})
    _, running = api.post("/v1/timer/start", {"subject_id": subject["id"], "started_at": iso(started)})
    assert running["forgotten"] is False and running["forgotten_at"] == iso(started + timedelta(hours=6))


def test_a_forgotten_timer_stops_at_the_moment_the_learner_picks(api, subject):
    started = moment() - timedelta(hours=7)
    api.post("/v1/timer/start", {"subject_id": subject["id"], "started_at": iso(started)})
    last_active = started + timedelta(minutes=95)
    status, session = api.post("/v1/timer/stop", {"ended_at": iso(last_active)})
    assert status == 201 and session["duration_seconds"] == 95 * 60


@pytest.mark.parametrize("mode", ["stopwatch", "focus"])
def test_a_timer_older_than_24_hours_stops_only_with_an_ended_at(api, subject, store, mode):
    started = moment() - timedelta(hours=26)
    item = {
        **keys.key(api.user_id, keys.TIMER),
        "type": "timer",
        "id": "old-timer",
        "subject_id": subject["id"],
        "started_at": iso(started),
        "note": "",
        "mode": mode,
        "forgotten_at": iso(started + timedelta(hours=4)),
        "version": 1,
    }
    if mode == "focus":
        item.update(
            focus={"work_minutes": 25, "short_break_minutes": 5, "long_break_minutes": 15, "long_break_every": 4}
        )
        item.update(anchor_at=iso(started), anchor_index=0, blocks_before=[])
    store.put(item)
    assert api.get("/v1/timer")[1]["forgotten"] is True
    status, error = api.post("/v1/timer/stop")
    assert status == 400 and error["error"]["details"][0]["field"] == "ended_at"
    assert "ended_at" in error["error"]["message"] and api.get("/v1/timer")[0] == 200
    status, error = api.post("/v1/timer/stop", {"ended_at": iso(started + timedelta(hours=24, minutes=1))})
    assert status == 400 and api.get("/v1/timer")[0] == 200
    status, stopped = api.post("/v1/timer/stop", {"ended_at": iso(started + timedelta(minutes=55))})
    assert status == 201
    written = stopped["sessions"] if mode == "focus" else [stopped]
    assert minutes_of(written) == ([25, 25] if mode == "focus" else [55])


def test_a_skip_pressed_offline_applies_at_the_moment_it_was_pressed(api, subject):
    started, _ = start_focus(api, subject, 20)
    pressed = started + timedelta(minutes=12)
    status, skipped = api.post("/v1/timer/skip", {"at": iso(pressed)})
    # now (20 minutes in) the 5-minute break that began at the press is over: block 2 runs
    assert status == 200 and (skipped["phase"], skipped["phase_started_at"]) == (
        "work",
        iso(pressed + timedelta(minutes=5)),
    )
    assert skipped["schedule"]["blocks_before"] == [[iso(started), iso(pressed)]]
    status, extended = api.post("/v1/timer/extend", {"minutes": 2, "at": iso(pressed + timedelta(minutes=1))})
    assert status == 200 and extended["schedule"]["anchor_seconds"] == 7 * 60


@pytest.mark.parametrize("offset", [timedelta(minutes=-1), timedelta(hours=1)])
def test_a_skip_before_the_current_phase_or_in_the_future_is_a_400_naming_at(api, subject, offset):
    started, running = start_focus(api, subject, 20)
    at = started + offset if offset < timedelta(0) else moment() + offset
    status, error = api.post("/v1/timer/skip", {"at": iso(at)})
    assert status == 400 and error["error"]["details"][0]["field"] == "at"
    assert api.get("/v1/timer")[1]["schedule"] == running["schedule"]


def test_an_edited_focus_session_stays_a_focus_session(api, subject):
    started, _ = start_focus(api, subject, 30)
    _, stopped = api.post("/v1/timer/stop", {"ended_at": iso(started + timedelta(minutes=26))})
    block = stopped["sessions"][0]
    status, edited = api.patch(f"/v1/sessions/{block['id']}", {"note": "reviewed"})
    assert status == 200 and edited["focus"] is True and edited["note"] == "reviewed"


@pytest.mark.stream
def test_focus_blocks_count_in_the_days_the_summary_its_goals_the_streak_and_the_export(
    api, subject, dynamodb, table, client
):
    started = moment() - timedelta(minutes=70)
    if started.date() != (started + timedelta(minutes=68)).date():  # keep the three blocks in one UTC day
        started = moment() - timedelta(hours=23)
    assert (
        api.post("/v1/timer/start", {"subject_id": subject["id"], "mode": "focus", "started_at": iso(started)})[0]
        == 201
    )
    _, stopped = api.post("/v1/timer/stop", {"ended_at": iso(started + timedelta(minutes=68))})
    assert minutes_of(stopped["sessions"]) == [25, 25, 8]
    StreamFeed(dynamodb, table, client).pump()
    day = started.date().isoformat()  # a new learner's days are UTC days

    studied = 58 * 60  # the two breaks are not study
    assert api.get(f"/v1/stats/days?from={day}&to={day}")[1]["days"] == [
        {"date": day, "total_seconds": studied, "sessions": 3, "by_subject": {subject["id"]: studied}}
    ]
    week = api.get(f"/v1/stats/summary?period=week&date={day}")[1]
    assert (week["total_seconds"], week["by_subject"]) == (studied, {subject["id"]: studied})
    assert week["subject_goals"] == [
        {
            "subject_id": subject["id"],
            "total_seconds": studied,
            "goal_minutes": 300,
            "goal_progress": round(58 / 300, 4),
        }
    ]
    assert (api.get("/v1/stats/streak")[1]["current_days"], api.get("/v1/stats/streak")[1]["longest_days"]) == (1, 1)
    response = api.client.http.get("/v1/export?format=json", headers={"Authorization": f"Bearer {api.token}"})
    exported = json.loads(response.body)["sessions"]
    assert [(s["duration_seconds"], s["focus"]) for s in exported] == [(1500, True), (1500, True), (480, True)]


def test_the_openapi_document_carries_the_focus_contract(client):
    from chalicelib import openapi

    schemas = openapi.document()["components"]["schemas"]
    assert {"mode", "phase", "phase_ends_at", "blocks_done", "schedule", "forgotten"} <= set(
        schemas["Timer"]["properties"]
    )
    assert set(schemas["TimerStart"]["properties"]["mode"]["enum"]) == {"stopwatch", "focus"}
    assert {"focus", "max_timer_hours"} <= set(schemas["Settings"]["properties"])
    assert "focus_opt_out" in schemas["Subject"]["properties"] and "focus" in schemas["Session"]["properties"]
    paths = openapi.document()["paths"]
    assert "post" in paths["/v1/timer/skip"] and "post" in paths["/v1/timer/extend"]


# -- a stop counting for an exam target ----------------------------------------------------------------
def a_target(api, subject, **fields) -> dict:
    today = moment().date()
    status, body = api.post(
        "/v1/targets",
        {
            "name": "Entrance exam",
            "start_date": (today - timedelta(days=2)).isoformat(),
            "due_date": (today + timedelta(days=30)).isoformat(),
            "target_minutes": 3000,
            "subject_ids": [subject["id"]],
            **fields,
        },
    )
    assert status == 201, body
    return body


def test_a_stopwatch_stop_counts_its_session_and_amount_for_a_target(api, subject):
    goal = a_target(api, subject, material={"unit": "pages", "total": 300})
    api.post("/v1/timer/start", {"subject_id": subject["id"], "started_at": iso(moment() - timedelta(minutes=40))})
    status, session = api.post("/v1/timer/stop", {"target_id": goal["id"], "amount": 12})
    assert status == 201 and (session["target_id"], session["amount"]) == (goal["id"], 12)


def test_a_focus_stop_links_every_block_and_puts_the_amount_on_the_last(api, subject):
    goal = a_target(api, subject, material={"unit": "問", "total": 500})
    started, _ = start_focus(api, subject, 62)
    _, stopped = api.post(
        "/v1/timer/stop", {"ended_at": iso(started + timedelta(minutes=60)), "target_id": goal["id"], "amount": 30}
    )
    assert [(s["target_id"], s["amount"]) for s in stopped["sessions"]] == [(goal["id"], None), (goal["id"], 30)]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"target_id": "missing"}, "target_id"), ({"amount": 3}, "amount"), ({"target_id": None, "amount": 1}, "amount")],
)
@pytest.mark.parametrize("mode", ["stopwatch", "focus"])
def test_a_stop_with_a_bad_link_is_a_400_and_the_timer_keeps_running(api, subject, body, field, mode):
    start_focus(api, subject, 30) if mode == "focus" else api.post("/v1/timer/start", {"subject_id": subject["id"]})
    status, error = api.post("/v1/timer/stop", body)
    assert status == 400 and error["error"]["details"][0]["field"] == field
    assert api.get("/v1/timer")[0] == 200 and api.get("/v1/sessions")[1]["items"] == []


def test_an_amount_for_a_target_without_material_is_refused_at_stop(api, subject):
    goal = a_target(api, subject)
    api.post("/v1/timer/start", {"subject_id": subject["id"]})
    status, error = api.post("/v1/timer/stop", {"target_id": goal["id"], "amount": 5})
    assert status == 400 and error["error"]["details"][0]["field"] == "amount"
