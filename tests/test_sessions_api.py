"""Sessions, subjects, settings and the timer through the HTTP API (the Chalice test client)."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


NOW = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def subject(api):
    status, body = api.post("/v1/subjects", {"name": "English", "color": "#336699", "weekly_goal_minutes": 300})
    assert status == 201, body
    return body


def session_body(subject, start=None, minutes=30, **extra):
    start = start or NOW - timedelta(hours=2)
    return {"subject_id": subject["id"], "started_at": iso(start),
            "ended_at": iso(start + timedelta(minutes=minutes)), **extra}


def snapshot(dynamodb, table):
    """Every stored item, to prove a rejected request changed nothing."""
    items = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(json.dumps(i, sort_keys=True) for i in items)


# -- settings -----------------------------------------------------------------
def test_settings_default_then_patch_and_version(api):
    status, me = api.get("/v1/me")
    assert status == 200 and me["timezone"] == "UTC" and me["day_start_hour"] == 0 and me["version"] == 0
    status, me = api.patch("/v1/me", {"timezone": "Asia/Tokyo", "day_start_hour": 4, "daily_goal_minutes": 90})
    assert status == 200, me
    assert (me["timezone"], me["day_start_hour"], me["daily_goal_minutes"], me["version"]) == ("Asia/Tokyo", 4, 90, 1)
    status, me = api.patch("/v1/me", {"daily_goal_minutes": None}, headers={"If-Match": "1"})
    assert status == 200 and me["daily_goal_minutes"] is None and me["version"] == 2


def test_settings_reject_unknown_timezone_and_leave_settings_unchanged(api):
    api.patch("/v1/me", {"timezone": "Europe/Berlin"})
    for bad in ("Mars/Olympus", "../../etc/passwd", "", "utc+9"):
        status, body = api.patch("/v1/me", {"timezone": bad})
        assert status == 400, (bad, body)
        assert body["error"]["details"][0]["field"] == "timezone"
    assert api.get("/v1/me")[1]["timezone"] == "Europe/Berlin"


def test_settings_stale_if_match_is_409(api):
    api.patch("/v1/me", {"locale": "ja"})
    status, body = api.patch("/v1/me", {"locale": "en"}, headers={"If-Match": "7"})
    assert status == 409 and body["error"]["code"] == "conflict"
    assert api.get("/v1/me")[1]["locale"] == "ja"


@pytest.mark.parametrize("body, field", [
    ({"day_start_hour": 24}, "day_start_hour"),
    ({"day_start_hour": "4"}, "day_start_hour"),
    ({"week_start": "friday"}, "week_start"),
    ({"locale": "fr"}, "locale"),
    ({"streak_min_minutes": 0}, "streak_min_minutes"),
    ({"colour": "red"}, "colour"),
    ({"timezone": None}, "timezone"),
])
def test_settings_bad_fields_name_the_field(api, body, field):
    status, error = api.patch("/v1/me", body)
    assert status == 400, error
    assert error["error"]["details"][0]["field"] == field


# -- subjects -----------------------------------------------------------------
def test_subject_names_are_unique_case_insensitively(api, subject):
    status, body = api.post("/v1/subjects", {"name": "  english "})
    assert status == 409 and body["error"]["details"][0]["field"] == "name"
    status, other = api.post("/v1/subjects", {"name": "Math"})
    assert status == 201
    status, body = api.patch(f"/v1/subjects/{other['id']}", {"name": "ENGLISH"})
    assert status == 409
    status, body = api.patch(f"/v1/subjects/{other['id']}", {"name": "Mathematics"})
    assert status == 200 and body["version"] == 2
    status, body = api.post("/v1/subjects", {"name": "math"})
    assert status == 201, "renaming frees the old name"


def test_subject_delete_archives_and_keeps_sessions(api, subject):
    status, session = api.post("/v1/sessions", session_body(subject))
    assert status == 201
    status, archived = api.delete(f"/v1/subjects/{subject['id']}")
    assert status == 200 and archived["archived"] is True and archived["version"] == subject["version"] + 1
    assert api.get(f"/v1/sessions/{session['id']}")[0] == 200
    listed = api.get("/v1/subjects")[1]["items"]
    assert [s["archived"] for s in listed] == [True]


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 81}, "name"),
    ({"name": "A", "color": "red"}, "color"), ({"name": "A", "color": "#12345"}, "color"),
    ({"name": "A", "weekly_goal_minutes": -1}, "weekly_goal_minutes"),
    ({"name": 5}, "name"), ({"name": "A", "archived": True}, "archived"),
])
def test_subject_bad_input_is_400_with_field(api, dynamodb, table, body, field):
    before = snapshot(dynamodb, table)
    status, error = api.post("/v1/subjects", body)
    assert status == 400, error
    assert error["error"]["details"][0]["field"] == field
    assert snapshot(dynamodb, table) == before


def test_subject_patch_with_stale_version_is_409_and_unchanged(api, subject):
    status, _ = api.patch(f"/v1/subjects/{subject['id']}", {"color": "#000000"}, headers={"If-Match": "1"})
    assert status == 200
    status, body = api.patch(f"/v1/subjects/{subject['id']}", {"color": "#ffffff"}, headers={"If-Match": "1"})
    assert status == 409, body
    assert api.get(f"/v1/subjects/{subject['id']}")[1]["color"] == "#000000"


# -- sessions -----------------------------------------------------------------
def test_session_create_read_update_delete(api, subject):
    status, session = api.post("/v1/sessions", session_body(subject, note="語彙 📚", tags=["vocab"]))
    assert status == 201, session
    assert session["duration_seconds"] == 1800 and session["version"] == 1 and session["note"] == "語彙 📚"
    assert session["started_at"].endswith("Z")
    status, updated = api.patch(f"/v1/sessions/{session['id']}", {"note": "grammar"}, headers={"If-Match": "1"})
    assert status == 200 and updated["note"] == "grammar" and updated["version"] == 2
    assert updated["started_at"] == session["started_at"]
    status, _ = api.delete(f"/v1/sessions/{session['id']}", headers={"If-Match": "1"})
    assert status == 409
    status, _ = api.delete(f"/v1/sessions/{session['id']}", headers={"If-Match": "2"})
    assert status == 204
    assert api.get(f"/v1/sessions/{session['id']}")[0] == 404


def test_session_times_with_offsets_are_returned_in_utc(api, subject):
    body = session_body(subject)
    body["started_at"] = "2026-01-10T09:00:00+09:00"
    body["ended_at"] = "2026-01-10T10:30:00+09:00"
    status, session = api.post("/v1/sessions", body)
    assert status == 201
    assert (session["started_at"], session["ended_at"], session["duration_seconds"]) == \
        ("2026-01-10T00:00:00Z", "2026-01-10T01:30:00Z", 5400)


@pytest.mark.parametrize("mutate, field", [
    (lambda b: b.update(ended_at=b["started_at"]), "ended_at"),
    (lambda b: b.update(ended_at=iso(NOW - timedelta(hours=3))), "ended_at"),
    (lambda b: b.update(started_at=iso(NOW - timedelta(hours=30)), ended_at=iso(NOW - timedelta(hours=5))), "ended_at"),
    (lambda b: b.update(started_at=iso(NOW), ended_at=iso(NOW + timedelta(minutes=30))), "ended_at"),
    (lambda b: b.update(subject_id="nosuchsubject"), "subject_id"),
    (lambda b: b.update(started_at="yesterday"), "started_at"),
    (lambda b: b.update(started_at="2026-01-10T09:00:00"), "started_at"),
    (lambda b: b.update(note="x" * 2001), "note"),
    (lambda b: b.update(tags=["t"] * 21), "tags"),
    (lambda b: b.update(tags=["x" * 41]), "tags.0"),
    (lambda b: b.update(tags="vocab"), "tags"),
    (lambda b: b.update(duration_seconds=5), "duration_seconds"),
    (lambda b: b.pop("subject_id"), "subject_id"),
])
def test_session_bad_input_is_400_naming_the_field_and_stores_nothing(api, dynamodb, table, subject, mutate, field):
    body = session_body(subject)
    mutate(body)
    before = snapshot(dynamodb, table)
    status, error = api.post("/v1/sessions", body)
    assert status == 400, error
    assert error["error"]["code"] == "validation_error"
    assert error["error"]["details"][0]["field"] == field
    assert error["error"]["message"]
    assert snapshot(dynamodb, table) == before


def test_session_of_exactly_24_hours_is_accepted(api, subject):
    start = NOW - timedelta(hours=25)
    status, body = api.post("/v1/sessions", session_body(subject, start=start, minutes=24 * 60))
    assert status == 201 and body["duration_seconds"] == 86400


@pytest.mark.parametrize("raw, content_type", [
    ("{not json", "application/json"),
    ("", "application/json"),
    ("[]", "application/json"),
    ("null", "application/json"),
    ('{"subject_id": 5}', "application/json"),
])
def test_malformed_bodies_are_400(api, dynamodb, table, raw, content_type):
    before = snapshot(dynamodb, table)
    status, error = api.post("/v1/sessions", raw=raw, headers={"Content-Type": content_type})
    assert status == 400, error
    assert error["error"]["details"]
    assert snapshot(dynamodb, table) == before


def test_ten_megabyte_body_is_413_and_stores_nothing(api, dynamodb, table, subject):
    before = snapshot(dynamodb, table)
    body = session_body(subject, note="x" * (10 * 1024 * 1024))
    status, error = api.post("/v1/sessions", body)
    assert status == 413 and error["error"]["code"] == "payload_too_large"
    assert snapshot(dynamodb, table) == before


def test_session_patch_rules_apply_to_the_merged_session(api, subject):
    _, session = api.post("/v1/sessions", session_body(subject, minutes=60))
    status, error = api.patch(f"/v1/sessions/{session['id']}", {"ended_at": session["started_at"]})
    assert status == 400 and error["error"]["details"][0]["field"] == "ended_at"
    status, error = api.patch(f"/v1/sessions/{session['id']}", {"subject_id": "missing"})
    assert status == 400 and error["error"]["details"][0]["field"] == "subject_id"
    status, error = api.patch(f"/v1/sessions/{session['id']}", {"note": None})
    assert status == 400
    assert api.get(f"/v1/sessions/{session['id']}")[1] == session


def test_sessions_list_newest_first_with_cursor_pagination_and_filters(api, subject):
    _, math = api.post("/v1/subjects", {"name": "Math"})
    created = []
    for hour in range(7):
        target = subject if hour % 2 else math
        created.append(api.post("/v1/sessions", session_body(target, start=NOW - timedelta(hours=20 - hour), minutes=20))[1])
    seen, cursor = [], None
    while True:
        path = "/v1/sessions?limit=3" + (f"&cursor={cursor}" if cursor else "")
        status, page = api.get(path)
        assert status == 200, page
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [s["id"] for s in seen] == [s["id"] for s in reversed(created)]
    status, page = api.get(f"/v1/sessions?subject_id={math['id']}")
    assert {s["subject_id"] for s in page["items"]} == {math["id"]} and len(page["items"]) == 4
    window = f"from={iso(NOW - timedelta(hours=17, minutes=50))}&to={iso(NOW - timedelta(hours=15))}".replace("+", "%2B")
    status, page = api.get(f"/v1/sessions?{window}")
    assert [s["id"] for s in page["items"]] == [created[4]["id"], created[3]["id"], created[2]["id"]]


@pytest.mark.parametrize("query, field", [
    ("cursor=notbase64!!", "cursor"),
    ("cursor=eyJQSyI6IlVTRVIjYm9iIiwiU0siOiJTRVNTSU9OIzEifQ", "cursor"),
    ("cursor=eyJTSyI6IlNVQkpFQ1QjeCJ9", "cursor"),
    ("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"),
    ("from=tuesday", "from"), ("bogus=1", "bogus"),
])
def test_sessions_list_bad_query_is_400(api, query, field):
    status, error = api.get(f"/v1/sessions?{query}")
    assert status == 400, error
    assert error["error"]["details"][0]["field"] == field


def test_cursor_of_another_shape_inside_our_prefix_is_400_not_500(api, subject):
    import base64
    cursor = base64.urlsafe_b64encode(json.dumps({"SK": "SESSION#zzz", "LSI1SK": "garbage"}).encode()).decode().rstrip("=")
    status, body = api.get(f"/v1/sessions?cursor={cursor}")
    assert status in (200, 400), body


# -- timer --------------------------------------------------------------------
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


# -- identity and isolation ---------------------------------------------------
def test_requests_without_a_valid_token_are_401(client):
    assert client.http.get("/v1/me").status_code == 401
    response = client.http.get("/v1/me", headers={"Authorization": "Bearer stl1.forged.token"})
    assert response.status_code == 401
    assert json.loads(response.body)["error"]["code"] == "unauthorized"


def test_two_users_cannot_read_change_or_delete_each_others_data(api, other, subject):
    _, session = api.post("/v1/sessions", session_body(subject))
    api.post("/v1/timer/start", {"subject_id": subject["id"]})
    sid, subj = session["id"], subject["id"]
    for method, path, body in [
        ("get", f"/v1/subjects/{subj}", None), ("patch", f"/v1/subjects/{subj}", {"name": "Hacked"}),
        ("delete", f"/v1/subjects/{subj}", None), ("get", f"/v1/sessions/{sid}", None),
        ("patch", f"/v1/sessions/{sid}", {"note": "hacked"}), ("delete", f"/v1/sessions/{sid}", None),
    ]:
        status, _ = other.call(method, path, body)
        assert status == 404, (method, path, status)
    assert other.get("/v1/timer")[0] == 404
    assert other.post("/v1/timer/stop")[0] == 404
    status, error = other.post("/v1/sessions", session_body(subject))
    assert status == 400 and error["error"]["details"][0]["field"] == "subject_id"
    assert other.post("/v1/timer/start", {"subject_id": subj})[0] == 400
    assert other.get("/v1/sessions")[1]["items"] == [] and other.get("/v1/subjects")[1]["items"] == []
    assert api.get(f"/v1/sessions/{sid}")[1] == session
    assert api.get(f"/v1/subjects/{subj}")[1] == subject
    assert api.get("/v1/timer")[0] == 200
