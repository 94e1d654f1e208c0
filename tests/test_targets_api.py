"""Specifications of /v1/targets and of sessions linked to a target, as a client sees them."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import snapshot
from test_stats_support import StreamFeed

TODAY = "2024-05-15"


@pytest.fixture
def feed(dynamodb, table, client):
    return StreamFeed(dynamodb, table, client)


@pytest.fixture(autouse=True)
def today_is(monkeypatch):
    """Fix the targets' clock (sessions are still checked against the real one: they lie in the past)."""

    def fix(instant: str):
        moment = datetime.fromisoformat(instant.replace("Z", "+00:00"))
        monkeypatch.setattr("chalicelib.targets.now", lambda: moment)

    fix(f"{TODAY}T12:00:00Z")
    return fix


def subject(api, name: str) -> str:
    status, body = api.post("/v1/subjects", {"name": name})
    assert status == 201, body
    return body["id"]


def target(api, **fields) -> dict:
    status, body = api.post("/v1/targets", {"name": "TOEIC", "due_date": "2024-05-31", "target_minutes": 600, **fields})
    assert status == 201, body
    return body


def study(api, subject_id: str, started_at: str, ended_at: str, **link) -> dict:
    status, body = api.post(
        "/v1/sessions", {"subject_id": subject_id, "started_at": started_at, "ended_at": ended_at, **link}
    )
    assert status == 201, body
    return body


def problem(response) -> list[tuple[str, str]]:
    status, body = response
    assert status == 400, body
    assert body["error"]["code"] == "validation_error" and body["error"]["message"]
    return [(d["field"], d["problem"]) for d in body["error"]["details"]]


# -- creating and reading ---------------------------------------------------------------------------
def test_a_new_target_starts_today_counts_all_subjects_and_answers_its_progress(api):
    body = target(api)
    assert body["start_date"] == TODAY and body["subject_ids"] is None and body["material"] is None
    assert (body["archived"], body["version"]) == (False, 1)
    assert body["progress"] == {
        "today": TODAY,
        "studied_minutes": 0,
        "remaining_minutes": 600,
        "days_left": 17,
        "required_minutes_per_day": 36,  # ceil(600 / 17)
        "pace_minutes_per_day": 0,
        "forecast_date": None,
        "on_track": False,
        "material_done": None,
        "material_remaining": None,
        "required_amount_per_day": None,
    }
    assert api.get(f"/v1/targets/{body['id']}") == (200, body)
    assert api.get("/v1/targets") == (200, {"items": [body], "next_cursor": None})


def test_progress_counts_the_targets_subjects_on_its_days_and_the_material_of_its_sessions(api, feed):
    english, math = subject(api, "English"), subject(api, "Math")
    toeic = target(api, start_date="2024-05-10", subject_ids=[english], material={"unit": "pages", "total": 300})
    study(api, english, "2024-05-09T10:00:00Z", "2024-05-09T11:00:00Z")  # before the start
    study(api, english, "2024-05-10T10:00:00Z", "2024-05-10T11:40:00Z", target_id=toeic["id"], amount=12)
    study(api, english, "2024-05-15T08:00:00Z", "2024-05-15T09:00:30Z", target_id=toeic["id"], amount=30)
    study(api, math, "2024-05-12T10:00:00Z", "2024-05-12T13:00:00Z")  # another subject
    feed.pump()
    status, body = api.get(f"/v1/targets/{toeic['id']}")
    assert status == 200
    progress = body["progress"]
    assert (progress["studied_minutes"], progress["remaining_minutes"]) == (160, 440)
    assert progress["pace_minutes_per_day"] == 26  # 160 minutes over 6 days (10th to 15th)
    assert progress["forecast_date"] == "2024-06-01" and progress["on_track"] is False  # ceil(440 / 26) = 17
    assert (progress["material_done"], progress["material_remaining"], progress["required_amount_per_day"]) == (
        42,
        258,
        16,  # ceil(258 / 17 days left)
    )


def test_a_session_crossing_the_day_start_counts_each_share_in_its_own_day(api, feed, today_is):
    assert api.patch("/v1/me", {"timezone": "Asia/Tokyo", "day_start_hour": 4})[0] == 200
    today_is("2024-05-15T03:00:00Z")  # 12:00 in Tokyo
    english = subject(api, "English")
    toeic = target(api, start_date="2024-05-14", material={"unit": "問", "total": 100})
    # 03:30 to 04:30 in Tokyo on the 14th: half in study day the 13th, half in the 14th; the amount
    # belongs to the 13th (the start), outside the target's days: refused, then linked without it.
    crossing = {"started_at": "2024-05-13T18:30:00Z", "ended_at": "2024-05-13T19:30:00Z"}
    assert problem(api.post("/v1/sessions", {"subject_id": english, **crossing, "target_id": toeic["id"]})) == [
        (
            "target_id",
            "the session starts on study day 2024-05-13, outside this target's days (2024-05-14 to 2024-05-31)",
        )
    ]
    study(api, english, **crossing)
    study(api, english, "2024-05-13T19:30:00Z", "2024-05-13T19:40:00Z", target_id=toeic["id"], amount=7)
    feed.pump()
    progress = api.get(f"/v1/targets/{toeic['id']}")[1]["progress"]
    assert (progress["studied_minutes"], progress["material_done"]) == (40, 7)


def test_the_25_hour_day_of_a_dst_change_counts_all_its_hours(api, feed, today_is):
    assert api.patch("/v1/me", {"timezone": "America/New_York"})[0] == 200
    today_is("2024-11-05T17:00:00Z")
    english = subject(api, "English")
    fall = target(api, start_date="2024-11-03", due_date="2024-11-10")
    study(api, english, "2024-11-03T04:00:00Z", "2024-11-04T04:00:00Z")  # midnight EDT to 23:00 EST: 24 h
    study(api, english, "2024-11-04T04:00:00Z", "2024-11-04T05:00:00Z")  # 23:00-24:00 EST: the 25th hour
    feed.pump()
    progress = api.get(f"/v1/targets/{fall['id']}")[1]["progress"]
    assert (progress["studied_minutes"], progress["pace_minutes_per_day"]) == (1500, 500)  # 3 days: 3rd to 5th
    assert (progress["days_left"], progress["remaining_minutes"], progress["forecast_date"]) == (6, 0, "2024-11-05")


def test_targets_are_listed_in_pages(api):
    for name in ("A", "B", "C"):
        target(api, name=name)
    status, first = api.get("/v1/targets?limit=2")
    assert status == 200 and len(first["items"]) == 2 and first["next_cursor"]
    status, rest = api.get(f"/v1/targets?limit=2&cursor={first['next_cursor']}")
    assert {t["name"] for t in first["items"] + rest["items"]} == {"A", "B", "C"} and rest["next_cursor"] is None


# -- bad input ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fields, field, reason",
    [
        ({"due_date": "2024-05-14"}, "due_date", "must be a study day after today (2024-05-15)"),
        ({"due_date": TODAY}, "due_date", "must be a study day after today (2024-05-15)"),
        ({"start_date": "2024-06-01"}, "due_date", "must not be before start_date (2024-06-01)"),
        ({"start_date": "2021-05-01"}, "due_date", "a target spans at most 1096 study days"),
        ({"due_date": "2024-02-30"}, "due_date", "is not a calendar date"),
        ({"due_date": "31/05/2024"}, "due_date", "must be a date as YYYY-MM-DD"),
        ({"name": ""}, "name", "at least 1 character"),
        ({"name": "   "}, "name", "must not be blank"),
        ({"name": "x" * 81}, "name", "must be at most 80 characters"),
        ({"target_minutes": 0}, "target_minutes", "greater than or equal to 1"),
        ({"target_minutes": 100001}, "target_minutes", "less than or equal to 100000"),
        ({"target_minutes": "600"}, "target_minutes", "valid integer"),
        ({"subject_ids": []}, "subject_ids", "at least 1 item"),
        ({"subject_ids": ["NOPE"]}, "subject_ids.0", "no subject with this id"),
        ({"material": {"unit": "pages", "total": 0}}, "material.total", "greater than or equal to 1"),
        ({"material": {"unit": "", "total": 10}}, "material.unit", "at least 1 character"),
        ({"material": {"unit": "p" * 21, "total": 10}}, "material.unit", "at most 20 characters"),
        ({"owner": "bob"}, "owner", "Extra inputs are not permitted"),
    ],
)
def test_a_bad_target_is_a_400_naming_the_field_and_stores_nothing(api, dynamodb, table, fields, field, reason):
    before = snapshot(dynamodb, table)
    body = {"name": "TOEIC", "due_date": "2024-05-31", "target_minutes": 600, **fields}
    [(got_field, got_problem)] = problem(api.post("/v1/targets", body))
    assert got_field == field and reason in got_problem
    assert snapshot(dynamodb, table) == before


def test_another_users_subject_is_refused_like_an_unknown_one(api, other):
    bobs = subject(other, "Bob's")
    mine = subject(api, "Mine")
    foreign = api.post(
        "/v1/targets", {"name": "T", "due_date": "2024-05-31", "target_minutes": 1, "subject_ids": [mine, bobs]}
    )
    unknown = api.post(
        "/v1/targets", {"name": "T", "due_date": "2024-05-31", "target_minutes": 1, "subject_ids": [mine, "X"]}
    )
    assert (
        problem(foreign)
        == problem(unknown)
        == [("subject_ids.1", "no subject with this id: create it first with POST /v1/subjects")]
    )


def test_sessions_refuse_a_link_that_does_not_fit_naming_the_field_and_store_nothing(api, other, dynamodb, table):
    english, math = subject(api, "English"), subject(api, "Math")
    books = target(api, start_date="2024-05-10", subject_ids=[english], material={"unit": "pages", "total": 30})
    plain = target(api, name="Minutes only", start_date="2024-05-10")
    archived = target(api, name="Dropped", start_date="2024-05-10")
    assert api.delete(f"/v1/targets/{archived['id']}")[0] == 200
    bobs = target(other, start_date="2024-05-10")
    span = {"subject_id": english, "started_at": "2024-05-11T10:00:00Z", "ended_at": "2024-05-11T11:00:00Z"}
    before = snapshot(dynamodb, table)
    cases = [
        ({"amount": 3}, "amount", "needs target_id"),
        ({"target_id": bobs["id"]}, "target_id", "no target with this id"),
        ({"target_id": "UNKNOWN"}, "target_id", "no target with this id"),
        ({"target_id": archived["id"]}, "target_id", "archived"),
        ({"target_id": plain["id"], "amount": 3}, "amount", "no material"),
        ({"target_id": books["id"], "subject_id": math}, "target_id", "not one of this target's subjects"),
        (
            {"target_id": books["id"], "started_at": "2024-05-09T10:00:00Z", "ended_at": "2024-05-09T11:00:00Z"},
            "target_id",
            "outside this target's days",
        ),
        ({"target_id": books["id"], "amount": -1}, "amount", "greater than or equal to 0"),
        ({"target_id": books["id"], "amount": 100001}, "amount", "less than or equal to 100000"),
    ]
    for link, field, reason in cases:
        [(got_field, got_problem)] = problem(api.post("/v1/sessions", {**span, **link}))
        assert got_field == field and reason in got_problem, link
    assert snapshot(dynamodb, table) == before
    assert problem(api.post("/v1/sessions", {**span, "target_id": bobs["id"]})) == problem(
        api.post("/v1/sessions", {**span, "target_id": "UNKNOWN"})
    )


# -- sessions linked to a target ----------------------------------------------------------------------
def test_editing_and_deleting_linked_sessions_moves_their_amounts(api, feed):
    english = subject(api, "English")
    book = target(api, start_date="2024-05-10", material={"unit": "pages", "total": 100})

    def done():
        feed.pump()
        return api.get(f"/v1/targets/{book['id']}")[1]["progress"]["material_done"]

    first = study(api, english, "2024-05-11T10:00:00Z", "2024-05-11T11:00:00Z", target_id=book["id"], amount=10)
    second = study(api, english, "2024-05-12T10:00:00Z", "2024-05-12T11:00:00Z", target_id=book["id"], amount=5)
    assert (first["target_id"], first["amount"]) == (book["id"], 10)
    assert done() == 15
    status, changed = api.patch(f"/v1/sessions/{first['id']}", {"amount": 25})
    assert status == 200 and changed["amount"] == 25
    assert done() == 30
    status, noted = api.patch(f"/v1/sessions/{first['id']}", {"note": "chapter 2"})
    assert (noted["target_id"], noted["amount"]) == (book["id"], 25)  # other edits keep the link
    status, cleared = api.patch(f"/v1/sessions/{first['id']}", {"target_id": None})
    assert status == 200 and (cleared["target_id"], cleared["amount"]) == (None, None)
    assert done() == 5
    status, amountless = api.patch(f"/v1/sessions/{second['id']}", {"amount": None})
    assert (amountless["target_id"], amountless["amount"]) == (book["id"], None)
    assert api.patch(f"/v1/sessions/{second['id']}", {"amount": 8})[0] == 200
    assert done() == 8
    assert api.delete(f"/v1/sessions/{second['id']}")[0] == 204
    assert done() == 0


def test_moving_a_linked_session_outside_its_targets_days_is_refused(api):
    english = subject(api, "English")
    book = target(api, start_date="2024-05-10")
    linked = study(api, english, "2024-05-11T10:00:00Z", "2024-05-11T11:00:00Z", target_id=book["id"])
    moved = {"started_at": "2024-05-01T10:00:00Z", "ended_at": "2024-05-01T11:00:00Z"}
    assert problem(api.patch(f"/v1/sessions/{linked['id']}", moved))[0][0] == "target_id"
    assert api.patch(f"/v1/sessions/{linked['id']}", {**moved, "target_id": None})[0] == 200


def test_a_session_keeps_its_archived_target_but_a_new_link_to_it_is_refused(api):
    english = subject(api, "English")
    book = target(api, start_date="2024-05-10", material={"unit": "pages", "total": 100})
    linked = study(api, english, "2024-05-11T10:00:00Z", "2024-05-11T11:00:00Z", target_id=book["id"], amount=1)
    other_session = study(api, english, "2024-05-12T10:00:00Z", "2024-05-12T11:00:00Z")
    assert api.delete(f"/v1/targets/{book['id']}")[0] == 200
    assert api.patch(f"/v1/sessions/{linked['id']}", {"amount": 2})[0] == 200
    assert problem(api.patch(f"/v1/sessions/{other_session['id']}", {"target_id": book["id"]}))[0][0] == "target_id"


# -- changing and archiving ---------------------------------------------------------------------------
def test_patch_changes_fields_bumps_the_version_and_refuses_a_stale_one(api):
    math = subject(api, "Math")
    body = target(api, material={"unit": "pages", "total": 50})
    status, changed = api.patch(
        f"/v1/targets/{body['id']}",
        {"name": "TOEIC 900", "target_minutes": 1200, "subject_ids": [math], "material": None},
        headers={"If-Match": '"1"'},
    )
    assert status == 200, changed
    assert (changed["name"], changed["target_minutes"], changed["subject_ids"], changed["material"]) == (
        "TOEIC 900",
        1200,
        [math],
        None,
    )
    assert changed["version"] == 2 and changed["progress"]["material_done"] is None
    status, stale = api.patch(f"/v1/targets/{body['id']}", {"name": "late"}, headers={"If-Match": "1"})
    assert status == 409 and "version 1" in stale["error"]["message"]
    status, all_subjects = api.patch(f"/v1/targets/{body['id']}", {"subject_ids": None})
    assert status == 200 and all_subjects["subject_ids"] is None
    assert api.get(f"/v1/targets/{body['id']}")[1] == all_subjects


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"name": None}, "name"),
        ({"due_date": None}, "due_date"),
        ({"due_date": "2024-05-15"}, "due_date"),
        ({"start_date": "2024-06-01"}, "due_date"),
        ({"subject_ids": ["NOPE"]}, "subject_ids.0"),
        ({"material": {"unit": "pages", "total": 0}}, "material.total"),
        ({"archived": None}, "archived"),
    ],
)
def test_a_bad_patch_is_a_400_naming_the_field_and_changes_nothing(api, dynamodb, table, patch, field):
    body = target(api)
    before = snapshot(dynamodb, table)
    assert problem(api.patch(f"/v1/targets/{body['id']}", patch))[0][0] == field
    assert snapshot(dynamodb, table) == before


def test_narrowing_a_targets_days_leaves_linked_sessions_outside_them_uncounted(api, feed):
    english = subject(api, "English")
    book = target(api, start_date="2024-05-10", material={"unit": "pages", "total": 100})
    study(api, english, "2024-05-10T10:00:00Z", "2024-05-10T11:00:00Z", target_id=book["id"], amount=4)
    study(api, english, "2024-05-12T10:00:00Z", "2024-05-12T11:00:00Z", target_id=book["id"], amount=6)
    feed.pump()
    status, narrowed = api.patch(f"/v1/targets/{book['id']}", {"start_date": "2024-05-11"})
    assert status == 200
    assert (narrowed["progress"]["material_done"], narrowed["progress"]["studied_minutes"]) == (6, 60)


def test_delete_archives_the_target_which_stays_readable_and_listed(api):
    body = target(api)
    status, archived = api.delete(f"/v1/targets/{body['id']}", headers={"If-Match": "1"})
    assert status == 200 and archived["archived"] is True and archived["version"] == 2
    assert api.get(f"/v1/targets/{body['id']}") == (200, archived)
    assert [t["archived"] for t in api.get("/v1/targets")[1]["items"]] == [True]
    assert api.delete(f"/v1/targets/{body['id']}", headers={"If-Match": "1"})[0] == 409
    assert api.patch(f"/v1/targets/{body['id']}", {"archived": False})[1]["archived"] is False


def test_a_missing_target_is_a_404(api):
    for method in ("get", "patch", "delete"):
        status, body = api.call(method, "/v1/targets/NOPE", {"name": "x"} if method == "patch" else None)
        assert status == 404 and body["error"]["code"] == "not_found", method


# -- cost ---------------------------------------------------------------------------------------------
def test_a_targets_progress_costs_its_days_not_its_sessions(api, feed, store):
    from chalicelib import targets

    english = subject(api, "English")
    book = target(api, start_date="2024-05-01", material={"unit": "pages", "total": 500})
    for day in range(1, 15):
        for hour in (6, 8, 10):
            study(
                api,
                english,
                f"2024-05-{day:02d}T{hour:02d}:00:00Z",
                f"2024-05-{day:02d}T{hour:02d}:30:00Z",
                target_id=book["id"],
                amount=1,
            )
    feed.pump()
    store.capacity.clear()
    found = targets.get(store, api.user_id, book["id"])
    assert [operation for operation, _ in store.capacity] == ["BatchGetItem", "Query"]  # target + settings, days
    assert (found.progress.studied_minutes, found.progress.material_done) == (14 * 90, 42)
    day_units = sum(units for operation, units in store.capacity if operation == "Query")
    for day in range(1, 15):  # three times the sessions: the same read
        study(api, english, f"2024-05-{day:02d}T12:00:00Z", f"2024-05-{day:02d}T12:30:00Z")
        study(api, english, f"2024-05-{day:02d}T13:00:00Z", f"2024-05-{day:02d}T13:30:00Z")
        study(api, english, f"2024-05-{day:02d}T14:00:00Z", f"2024-05-{day:02d}T14:30:00Z")
    feed.pump()
    store.capacity.clear()
    assert targets.get(store, api.user_id, book["id"]).progress.studied_minutes == 14 * 180
    assert [operation for operation, _ in store.capacity] == ["BatchGetItem", "Query"]
    assert sum(units for operation, units in store.capacity if operation == "Query") == day_units
    store.capacity.clear()
    target(api, name="Later", start_date="2024-05-03")
    store.capacity.clear()
    assert len(targets.list_page(store, api.user_id, 50, None).items) == 2
    assert [operation for operation, _ in store.capacity] == ["Query", "GetItem", "Query"]  # overlapping days: one


def test_a_repeated_create_with_the_same_idempotency_key_stores_one_target(api):
    body = {"name": "TOEIC", "due_date": "2024-05-31", "target_minutes": 600}
    first = api.post("/v1/targets", body, headers={"Idempotency-Key": "target-once"})
    again = api.post("/v1/targets", body, headers={"Idempotency-Key": "target-once"})
    assert first[0] == 201 and again == first
    assert [t["id"] for t in api.get("/v1/targets")[1]["items"]] == [first[1]["id"]]
    english = subject(api, "English")
    linked = {
        "subject_id": english,
        "started_at": "2024-05-15T08:00:00Z",
        "ended_at": "2024-05-15T09:00:00Z",
        "target_id": first[1]["id"],
    }
    status, session = api.post("/v1/sessions", linked, headers={"Idempotency-Key": "session-once"})
    assert status == 201 and session["target_id"] == first[1]["id"]
