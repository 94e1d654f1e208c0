"""Idempotency-Key on every write: a retry answers what the first request did and writes nothing."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import Api, session_body, snapshot

from chalicelib import idempotency, keys
from chalicelib.store import Store

KEY = {"Idempotency-Key": "c0ffee00-0000-4000-8000-000000000001"}


def sessions_of(api):
    status, page = api.get("/v1/sessions")
    assert status == 200
    return page["items"]


def raw_post(api, path, body, headers):
    sent = {"Authorization": f"Bearer {api.token}", "Content-Type": "application/json", **headers}
    return api.client.http.post(path, headers=sent, body=json.dumps(body))


def test_a_repeated_post_answers_the_first_answer_and_stores_one_session(api, subject):
    body = session_body(subject)
    first = raw_post(api, "/v1/sessions", body, KEY)
    again = raw_post(api, "/v1/sessions", body, KEY)
    assert first.status_code == again.status_code == 201
    assert json.loads(again.body) == json.loads(first.body)
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert [s["id"] for s in sessions_of(api)] == [json.loads(first.body)["id"]]


def test_without_the_header_each_post_is_a_new_session(api, subject):
    body = session_body(subject)
    assert api.post("/v1/sessions", body)[0] == api.post("/v1/sessions", body)[0] == 201
    assert len(sessions_of(api)) == 2


def test_a_replayed_timer_start_is_201_again_and_a_replayed_stop_files_no_second_session(api, subject):
    start = {"subject_id": subject["id"]}
    first = api.post("/v1/timer/start", start, headers={"Idempotency-Key": "start-1"})
    again = api.post("/v1/timer/start", start, headers={"Idempotency-Key": "start-1"})
    assert first[0] == again[0] == 201 and again[1] == first[1]
    assert api.post("/v1/timer/start", start)[0] == 409  # a new start without the key: still one timer
    stopped = api.post("/v1/timer/stop", {}, headers={"Idempotency-Key": "stop-1"})
    stopped_again = api.post("/v1/timer/stop", {}, headers={"Idempotency-Key": "stop-1"})
    assert stopped[0] == stopped_again[0] == 201 and stopped_again[1] == stopped[1]
    assert [s["id"] for s in sessions_of(api)] == [stopped[1]["id"]]
    assert api.get("/v1/timer")[0] == 404


def test_a_replayed_delete_is_204_again_not_404(api, subject):
    _, session = api.post("/v1/sessions", session_body(subject))
    path = f"/v1/sessions/{session['id']}"
    assert api.delete(path, headers={"Idempotency-Key": "del-1"})[0] == 204
    assert api.delete(path, headers={"Idempotency-Key": "del-1"})[0] == 204
    assert api.delete(path)[0] == 404


def test_a_replayed_patch_applies_once(api, subject):
    path = f"/v1/subjects/{subject['id']}"
    headers = {"Idempotency-Key": "rename-1", "If-Match": str(subject["version"])}
    first = api.patch(path, {"name": "Englisch"}, headers=headers)
    again = api.patch(path, {"name": "Englisch"}, headers=headers)  # If-Match is stale now: replay, not 409
    assert first[0] == again[0] == 200 and again[1] == first[1]
    assert api.get(path)[1]["version"] == subject["version"] + 1


def test_settings_patch_with_a_key_applies_once_and_keeps_if_match(api):
    headers = {"Idempotency-Key": "tz-1"}
    first = api.patch("/v1/me", {"timezone": "Asia/Tokyo"}, headers=headers)
    again = api.patch("/v1/me", {"timezone": "Asia/Tokyo"}, headers=headers)
    assert first[0] == again[0] == 200 and again[1] == first[1]
    stale = api.patch("/v1/me", {"day_start_hour": 4}, headers={"Idempotency-Key": "ds-1", "If-Match": "0"})
    assert stale[0] == 409
    assert api.get("/v1/me")[1]["version"] == first[1]["version"]


def test_the_same_key_for_another_request_is_422_and_writes_nothing(api, subject, dynamodb, table):
    assert api.post("/v1/sessions", session_body(subject), headers=KEY)[0] == 201
    before = snapshot(dynamodb, table)
    status, error = api.post("/v1/sessions", session_body(subject, minutes=45), headers=KEY)
    assert status == 422 and error["error"]["code"] == "idempotency_key_reused"
    assert error["error"]["details"] == [
        {"field": "Idempotency-Key", "problem": "already used for a different request"}
    ]
    other_route = api.post("/v1/subjects", {"name": "Math"}, headers=KEY)
    assert other_route[0] == 422
    assert snapshot(dynamodb, table) == before


def test_the_same_json_spelled_differently_is_the_same_request(api, subject):
    body = session_body(subject)
    first = api.post("/v1/sessions", raw=json.dumps(body), headers=KEY)
    again = api.post("/v1/sessions", raw=json.dumps(dict(reversed(body.items())), indent=2), headers=KEY)
    assert first == again and len(sessions_of(api)) == 1


@pytest.mark.parametrize(
    ("key", "why"), [("", "empty"), ("x" * 256, "too long"), ("キー", "not ASCII"), ("tab\there", "control")]
)
def test_a_malformed_key_is_400_naming_the_header(api, subject, key, why):
    status, error = api.post("/v1/sessions", session_body(subject), headers={"Idempotency-Key": key})
    assert status == 400, why
    assert error["error"]["details"][0]["field"] == "Idempotency-Key"
    assert sessions_of(api) == []


def test_concurrent_duplicates_with_one_key_write_exactly_once(client, subject):
    body = session_body(subject)
    alice = Api(client, "alice")

    def send(_):
        return alice.post("/v1/sessions", body, headers=KEY)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(8)))
    assert {status for status, _ in answers} == {201}
    assert len({json.dumps(answer, sort_keys=True) for _, answer in answers}) == 1
    assert len(sessions_of(alice)) == 1


def test_two_users_keys_are_independent(api, other, subject):
    _, theirs = other.post("/v1/subjects", {"name": "Chemistry"})
    mine = api.post("/v1/sessions", session_body(subject), headers=KEY)
    bobs = other.post("/v1/sessions", session_body(theirs), headers=KEY)
    assert mine[0] == bobs[0] == 201 and mine[1]["id"] != bobs[1]["id"]
    assert [s["id"] for s in sessions_of(api)] == [mine[1]["id"]]
    assert [s["id"] for s in sessions_of(other)] == [bobs[1]["id"]]


def test_a_refusal_is_not_stored_so_a_repeat_answers_what_is_true_then(api, subject):
    headers = {"Idempotency-Key": "stop-early"}
    assert api.post("/v1/timer/stop", {}, headers=headers)[0] == 404
    assert api.post("/v1/timer/start", {"subject_id": subject["id"]})[0] == 201
    assert api.post("/v1/timer/stop", {}, headers=headers)[0] == 201


def test_the_record_expires_by_ttl_after_a_day(api, subject, store, dynamodb, table):
    before = time.time()
    api.post("/v1/sessions", session_body(subject), headers=KEY)
    record = store.get(keys.key(api.user_id, keys.idempotency_sk(KEY["Idempotency-Key"])))
    assert int(before) + idempotency.TTL_SECONDS <= record[keys.EXPIRES_AT] <= time.time() + idempotency.TTL_SECONDS
    ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": keys.EXPIRES_AT}


def test_a_record_past_its_expiry_counts_as_absent_before_ttl_deletes_it(store, subject, api):
    answers = iter([idempotency.Answer(201, {}, '"first"'), idempotency.Answer(201, {}, '"second"')])
    later = time.time() + idempotency.TTL_SECONDS + 1
    assert idempotency.run(store, api.user_id, "k", "r", lambda unit: next(answers)).body == '"first"'
    assert idempotency.run(store, api.user_id, "k", "r", lambda unit: next(answers)).body == '"first"'
    assert idempotency.run(store, api.user_id, "k", "r", lambda unit: next(answers), clock=lambda: later).body == (
        '"second"'
    )


def _session_item(user: str) -> dict:
    return {**keys.key(user, keys.session_sk(uuid.uuid4().hex)), "type": "session", "version": 1}


def test_a_twin_that_commits_first_cancels_this_write_and_its_answer_is_replayed(store: Store, api, dynamodb, table):
    """The write and the record go in ONE transaction: when the record's condition fails, the session
    put beside it is not written either (nothing half-written remains)."""
    twin = idempotency.record_item(api.user_id, "k", "r", idempotency.Answer(201, {}, '"twin"'), time.time())
    mine = _session_item(api.user_id)

    def execute(unit):
        unit.put_new(mine)
        store.put(twin)  # the twin's transaction lands after our read of the record, before our commit
        return idempotency.Answer(201, {}, '"mine"')

    before = snapshot(dynamodb, table)
    assert idempotency.run(store, api.user_id, "k", "r", execute).body == '"twin"'
    assert store.get(keys.key(api.user_id, mine["SK"])) is None
    added = [json.loads(item) for item in set(snapshot(dynamodb, table)) - set(before)]
    assert [item["SK"]["S"] for item in added] == [keys.idempotency_sk("k")]  # the twin's record only


def test_a_write_whose_condition_fails_at_commit_stores_no_record_and_answers_the_checked_run(store, api, subject):
    """Optimistic first: a timer put by another device between our read and our commit cancels the
    transaction; the checked run then meets the running timer and refuses, and no record is kept."""
    calls = []

    def execute(unit):
        calls.append(unit.checked)
        try:
            unit.put_new({**keys.key(api.user_id, keys.TIMER), "type": "timer", "started_at": "x"})
        except Exception as error:  # the checked run meets the stored timer
            return idempotency.Answer(409, {}, type(error).__name__)
        if not unit.checked:
            store.put({**keys.key(api.user_id, keys.TIMER), "type": "timer", "started_at": "other device"})
        return idempotency.Answer(201, {}, '"started"')

    answer = idempotency.run(store, api.user_id, "k", "r", execute)
    assert calls == [False, True] and answer == idempotency.Answer(409, {}, "ConditionFailed")
    assert store.get(keys.key(api.user_id, keys.idempotency_sk("k"))) is None
    assert store.get(keys.key(api.user_id, keys.TIMER))["started_at"] == "other device"


def test_an_import_with_a_key_is_replayed_not_reimported(api):
    csv = "Project,Description,Start date,Start time,End date,End time,Duration,Tags\n"
    csv += "English,Reading,2026-09-01,09:00:00,2026-09-01,09:30:00,00:30:00,\n"
    sent = {"Authorization": f"Bearer {api.token}", "Content-Type": "text/csv", "Idempotency-Key": "import-1"}
    first = api.client.http.post("/v1/imports?timezone=UTC", headers=sent, body=csv)
    again = api.client.http.post("/v1/imports?timezone=UTC", headers=sent, body=csv)
    assert first.status_code == again.status_code == 200, first.body
    assert json.loads(again.body) == json.loads(first.body) and json.loads(first.body)["sessions_created"] == 1
    assert len(sessions_of(api)) == 1
