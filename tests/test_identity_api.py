"""Identity and isolation through the HTTP API: no token, no access; no user reaches another's data."""

from __future__ import annotations

import json

from conftest import session_body


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
        ("get", f"/v1/subjects/{subj}", None),
        ("patch", f"/v1/subjects/{subj}", {"name": "Hacked"}),
        ("delete", f"/v1/subjects/{subj}", None),
        ("get", f"/v1/sessions/{sid}", None),
        ("patch", f"/v1/sessions/{sid}", {"note": "hacked"}),
        ("delete", f"/v1/sessions/{sid}", None),
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
