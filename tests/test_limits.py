"""Size limits (api.md): bodies over 1 MB are a 413, strings and lists past their bounds a 400 naming the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.http import MAX_BODY_BYTES

HOUR_AGO = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
TWO_HOURS_AGO = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def subject_id(api):
    status, subject = api.post("/v1/subjects", {"name": "Limits"})
    assert status == 201
    return subject["id"]


def padded_body(size: int) -> str:
    """A JSON object of exactly `size` bytes."""
    skeleton = json.dumps({"name": ""})
    return json.dumps({"name": "x" * (size - len(skeleton))})


# -- request bodies ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/v1/sessions", "/v1/subjects", "/v1/tokens", "/v1/timer/start"])
def test_a_body_over_1_mb_is_a_413(api, path):
    status, body = api.post(path, raw=padded_body(MAX_BODY_BYTES + 1))
    assert status == 413
    assert body["error"]["code"] == "payload_too_large" and str(MAX_BODY_BYTES) in body["error"]["message"]


def test_a_body_of_exactly_1_mb_is_read_and_validated(api):
    status, body = api.post("/v1/tokens", raw=padded_body(MAX_BODY_BYTES))
    assert len(padded_body(MAX_BODY_BYTES)) == MAX_BODY_BYTES
    assert status == 400 and body["error"]["details"][0]["field"] == "name"


def test_a_public_route_refuses_big_bodies_too(client, table):
    response = client.http.post(
        "/v1/auth/local", headers={"Content-Type": "application/json"}, body=padded_body(MAX_BODY_BYTES + 1)
    )
    assert response.status_code == 413


def test_an_unauthenticated_big_body_is_a_401_first(client, table):
    response = client.http.post(
        "/v1/sessions",
        headers={"Content-Type": "application/json", "Authorization": "Bearer stl1.forged"},
        body=padded_body(MAX_BODY_BYTES + 1),
    )
    assert response.status_code == 401


# -- strings and lists ---------------------------------------------------------------------------------
def field_problem(answer) -> tuple[int, str]:
    status, body = answer
    return status, body["error"]["details"][0]["field"] if status == 400 else ""


def test_subject_name_is_at_most_80_characters(api):
    assert api.post("/v1/subjects", {"name": "n" * 80})[0] == 201
    assert field_problem(api.post("/v1/subjects", {"name": "m" * 81})) == (400, "name")
    assert field_problem(api.post("/v1/subjects", {"name": "   "})) == (400, "name")


def session(subject_id, **changes):
    return {"subject_id": subject_id, "started_at": TWO_HOURS_AGO, "ended_at": HOUR_AGO, **changes}


def test_note_is_at_most_2000_characters(api, subject_id):
    assert api.post("/v1/sessions", session(subject_id, note="n" * 2000))[0] == 201
    assert field_problem(api.post("/v1/sessions", session(subject_id, note="n" * 2001))) == (400, "note")
    assert field_problem(api.post("/v1/timer/start", {"subject_id": subject_id, "note": "n" * 2001})) == (400, "note")


def test_at_most_20_tags_of_at_most_40_characters(api, subject_id):
    assert api.post("/v1/sessions", session(subject_id, tags=[f"t{i}" for i in range(20)]))[0] == 201
    assert field_problem(api.post("/v1/sessions", session(subject_id, tags=[f"t{i}" for i in range(21)]))) == (
        400,
        "tags",
    )
    assert field_problem(api.post("/v1/sessions", session(subject_id, tags=["x" * 41]))) == (400, "tags.0")
    assert api.post("/v1/sessions", session(subject_id, tags=["x" * 40]))[0] == 201


@pytest.mark.parametrize("path", ["/v1/subjects", "/v1/sessions", "/v1/tokens"])
def test_page_size_is_1_to_200(api, path):
    assert api.get(f"{path}?limit=200")[0] == 200
    assert field_problem(api.get(f"{path}?limit=201")) == (400, "limit")
    assert field_problem(api.get(f"{path}?limit=0")) == (400, "limit")


@pytest.mark.parametrize("path", ["/v1/subjects", "/v1/sessions", "/v1/tokens"])
def test_cursor_is_at_most_1024_characters(api, path):
    assert field_problem(api.get(f"{path}?cursor={'A' * 1025}")) == (400, "cursor")


@pytest.mark.parametrize(
    "instant",
    ["0414-06-06T21:14:17Z", "0001-01-01T00:00:00+10:00", "9999-12-31T23:59:59-05:00", "1969-12-31T23:59:59Z"],
)
def test_instants_outside_1970_to_2999_are_a_400_not_a_500(api, subject_id, instant):
    assert field_problem(api.post("/v1/sessions", session(subject_id, started_at=instant))) == (400, "started_at")
    assert field_problem(api.get(f"/v1/sessions?from={instant.replace('+', '%2B')}")) == (400, "from")


def test_a_session_range_ending_before_it_starts_is_a_400(api):
    # Found by tests/test_fuzz.py: the index range came out backwards and DynamoDB refused it (a 500).
    answer = api.get("/v1/sessions?from=2024-06-06T00:00:00Z&to=2024-01-01T00:00:00Z")
    assert field_problem(answer) == (400, "to")


def test_a_token_longer_than_8192_characters_is_refused_unread(client, table):
    response = client.http.get("/v1/me", headers={"Authorization": "Bearer " + "a" * 8193})
    assert response.status_code == 401 and "too long" in response.json_body["error"]["message"]
