"""The timer through the HTTP API (the Chalice test client)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor


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
