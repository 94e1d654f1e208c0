"""Subjects through the HTTP API (the Chalice test client)."""

from __future__ import annotations

import pytest
from conftest import session_body, snapshot


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


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": "A", "color": "red"}, "color"),
        ({"name": "A", "color": "#12345"}, "color"),
        ({"name": "A", "weekly_goal_minutes": -1}, "weekly_goal_minutes"),
        ({"name": 5}, "name"),
        ({"name": "A", "archived": True}, "archived"),
    ],
)
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


@pytest.mark.parametrize("field", ["name", "color", "archived", "focus_opt_out"])
def test_subject_patch_with_null_for_a_field_that_has_no_null_is_400_and_unchanged(api, subject, field):
    # Found by the stateful fuzz: {"focus_opt_out": null} was stored, then every read of the subject was a 500.
    status, error = api.patch(f"/v1/subjects/{subject['id']}", {field: None})
    assert status == 400, error
    assert error["error"]["details"][0]["field"] == field
    assert api.get(f"/v1/subjects/{subject['id']}") == (200, subject)


def test_subject_patch_with_null_weekly_goal_clears_the_goal(api, subject):
    status, changed = api.patch(f"/v1/subjects/{subject['id']}", {"weekly_goal_minutes": None})
    assert status == 200 and changed["weekly_goal_minutes"] is None
