"""Sessions through the HTTP API (the Chalice test client)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import NOW, iso, session_body, snapshot


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
    assert (session["started_at"], session["ended_at"], session["duration_seconds"]) == (
        "2026-01-10T00:00:00Z",
        "2026-01-10T01:30:00Z",
        5400,
    )


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda b: b.update(ended_at=b["started_at"]), "ended_at"),
        (lambda b: b.update(ended_at=iso(NOW - timedelta(hours=3))), "ended_at"),
        (
            lambda b: b.update(started_at=iso(NOW - timedelta(hours=30)), ended_at=iso(NOW - timedelta(hours=5))),
            "ended_at",
        ),
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
    ],
)
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


@pytest.mark.parametrize(
    "raw, content_type",
    [
        ("{not json", "application/json"),
        ("", "application/json"),
        ("[]", "application/json"),
        ("null", "application/json"),
        ('{"subject_id": 5}', "application/json"),
    ],
)
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
        created.append(
            api.post("/v1/sessions", session_body(target, start=NOW - timedelta(hours=20 - hour), minutes=20))[1]
        )
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
    window = f"from={iso(NOW - timedelta(hours=17, minutes=50))}&to={iso(NOW - timedelta(hours=15))}".replace(
        "+", "%2B"
    )
    status, page = api.get(f"/v1/sessions?{window}")
    assert [s["id"] for s in page["items"]] == [created[4]["id"], created[3]["id"], created[2]["id"]]


@pytest.mark.parametrize(
    "query, field",
    [
        ("cursor=notbase64!!", "cursor"),
        ("cursor=eyJQSyI6IlVTRVIjYm9iIiwiU0siOiJTRVNTSU9OIzEifQ", "cursor"),
        ("cursor=eyJTSyI6IlNVQkpFQ1QjeCJ9", "cursor"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("from=tuesday", "from"),
        ("bogus=1", "bogus"),
    ],
)
def test_sessions_list_bad_query_is_400(api, query, field):
    status, error = api.get(f"/v1/sessions?{query}")
    assert status == 400, error
    assert error["error"]["details"][0]["field"] == field


def test_cursor_of_another_shape_inside_our_prefix_is_400_not_500(api, subject):
    import base64

    cursor = (
        base64.urlsafe_b64encode(json.dumps({"SK": "SESSION#zzz", "LSI1SK": "garbage"}).encode()).decode().rstrip("=")
    )
    status, body = api.get(f"/v1/sessions?cursor={cursor}")
    assert status in (200, 400), body
