"""When DynamoDB fails: the real engine frozen (SIGSTOP), killed and restarted, and behind a TCP
proxy that delays, resets and half-closes. Each request ends in bounded time with a 503 that says
"retry", nothing is half-written, and a retry with the same Idempotency-Key writes exactly once.

These tests run their own DynamoDB Local (on disk, so a kill keeps what was committed), reached
through ``faultproxy.Proxy``; the rest of the suite's engine is never touched.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest
from conftest import NOW, Api, iso

from chalicelib import auth, keys, projection, runtime
from studytracker import ddblocal, localenv

# The request profile's bound (chalicelib/store.py: 5 s) plus room for a loaded machine.
BOUND_SECONDS = 8.0
TABLE = "faults"


class Engine:
    """A DynamoDB Local of its own, with the proxy the app talks through."""

    def __init__(self, data_dir) -> None:
        from faultproxy import Proxy

        self.data_dir, self.port = data_dir, localenv.free_port()
        self.process = self._start()
        self.proxy = Proxy(self.port)
        self.direct = ddblocal.client(self.port)
        ddblocal.ensure_table(self.direct, TABLE)

    def _start(self):
        process = ddblocal.start(self.port, self.data_dir, self.data_dir / "dynamodb.log")
        ddblocal.wait_ready(self.port, process)
        return process

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def restart(self) -> None:
        self.process = self._start()

    def stop(self) -> None:
        self.thaw()
        self.proxy.close()
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    started = Engine(tmp_path_factory.mktemp("faults-ddb"))
    yield started
    started.stop()


@pytest.fixture
def faulty(engine, monkeypatch):
    """The app pointed at the fault engine through its proxy, a clean partition for alice."""
    endpoint = localenv.endpoint(engine.proxy.port)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", endpoint)
    monkeypatch.setenv("STUDYTRACKER_TABLE", TABLE)
    engine.proxy.set("pass")
    _empty(engine)
    runtime.reset()
    yield engine
    engine.thaw()
    engine.proxy.set("pass")
    runtime.reset()


def _empty(engine: Engine) -> None:
    for page in engine.direct.get_paginator("scan").paginate(TableName=TABLE):
        for item in page["Items"]:
            engine.direct.delete_item(TableName=TABLE, Key={"PK": item["PK"], "SK": item["SK"]})


@pytest.fixture
def app_client(faulty):
    from chalice.test import Client

    import app

    with Client(app.app, stage_name="local", project_dir=str(localenv.ROOT)) as client:
        yield client


@pytest.fixture
def alice(app_client):
    learner = Api(app_client, "alice")
    status, subject = learner.post("/v1/subjects", {"name": "English"})
    assert status == 201, subject
    learner.subject = subject
    return learner


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def assert_unavailable(answer, seconds):
    status, body = answer
    assert status == 503, body
    assert body["error"]["code"] == "unavailable" and "try again" in body["error"]["message"]
    assert seconds < BOUND_SECONDS, f"took {seconds:.1f} s"


def session_body(subject, minutes=30):
    start = NOW - timedelta(hours=3)
    return {"subject_id": subject["id"], "started_at": iso(start), "ended_at": iso(start + timedelta(minutes=minutes))}


def stored_sessions(engine: Engine, user_id: str) -> list[dict]:
    items = engine.direct.query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :s)",
        ExpressionAttributeValues={":pk": {"S": keys.user_pk(user_id)}, ":s": {"S": keys.SESSION_PREFIX}},
        ConsistentRead=True,
    )["Items"]
    return items


# -- frozen (SIGSTOP): the engine accepts connections but never answers ---------------------------
def test_a_read_while_the_engine_is_frozen_is_a_bounded_503_with_retry_after(alice, faulty):
    faulty.freeze()
    answer, seconds = timed(lambda: alice.get("/v1/me"))
    assert_unavailable(answer, seconds)
    headers = {"Authorization": f"Bearer {alice.token}"}
    response = alice.client.http.get("/v1/subjects", headers=headers)
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    faulty.thaw()
    assert alice.get("/v1/me")[0] == 200


def test_a_write_while_frozen_writes_nothing_and_its_retry_with_the_key_writes_once(alice, faulty):
    key = {"Idempotency-Key": "frozen-post-1"}
    faulty.freeze()
    answer, seconds = timed(lambda: alice.post("/v1/sessions", session_body(alice.subject), headers=key))
    assert_unavailable(answer, seconds)
    faulty.thaw()
    first = alice.post("/v1/sessions", session_body(alice.subject), headers=key)
    again = alice.post("/v1/sessions", session_body(alice.subject), headers=key)
    assert first[0] == again[0] == 201 and first[1] == again[1]
    assert len(stored_sessions(faulty, alice.user_id)) == 1


def test_a_transaction_while_frozen_leaves_the_timer_running_and_no_session(alice, faulty):
    assert alice.post("/v1/timer/start", {"subject_id": alice.subject["id"]})[0] == 201
    faulty.freeze()
    answer, seconds = timed(lambda: alice.post("/v1/timer/stop", {}, headers={"Idempotency-Key": "stop-f"}))
    assert_unavailable(answer, seconds)
    faulty.thaw()
    assert alice.get("/v1/timer")[0] == 200 and stored_sessions(faulty, alice.user_id) == []
    assert alice.post("/v1/timer/stop", {}, headers={"Idempotency-Key": "stop-f"})[0] == 201
    assert alice.post("/v1/timer/stop", {}, headers={"Idempotency-Key": "stop-f"})[0] == 201
    assert len(stored_sessions(faulty, alice.user_id)) == 1 and alice.get("/v1/timer")[0] == 404


def test_an_api_token_that_cannot_be_checked_is_a_503_for_the_authorizer_cache_time(alice, faulty):
    status, created = alice.post("/v1/tokens", {"name": "script"})
    assert status == 201
    faulty.freeze()
    started = time.monotonic()
    response = alice.client.http.get("/v1/me", headers={"Authorization": f"Bearer {created['secret']}"})
    assert response.status_code == 503 and time.monotonic() - started < BOUND_SECONDS
    assert response.headers["Retry-After"] == str(auth.AUTHORIZER_TTL_SECONDS)
    faulty.thaw()


def test_the_stream_handler_fails_in_bounded_time_while_frozen_and_converges_after(alice, faulty):
    _, session = alice.post("/v1/sessions", session_body(alice.subject))
    image = faulty.direct.get_item(
        TableName=TABLE, Key={"PK": {"S": keys.user_pk(alice.user_id)}, "SK": {"S": keys.session_sk(session["id"])}}
    )["Item"]
    records = [_Record("INSERT", image)]
    faulty.freeze()
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        projection.handle_records(runtime.store(), records)
    assert time.monotonic() - started < BOUND_SECONDS and "timeout" in type(raised.value).__name__.lower()
    faulty.thaw()
    projection.handle_records(runtime.store(), records)  # the event source's retry
    projection.handle_records(runtime.store(), records)  # delivered twice: changes nothing
    day = alice.get(f"/v1/stats/days?from={session['started_at'][:10]}&to={session['started_at'][:10]}")
    assert day[0] == 200 and day[1]["days"][0]["total_seconds"] == 30 * 60


class _Record:
    """A stream record as Chalice hands it to the handler (see tests/test_projection.py)."""

    def __init__(self, event_name: str, image: dict) -> None:
        self.keys = {"PK": image["PK"], "SK": image["SK"]}
        self.event_name, self.event_id = event_name, f"{event_name}-{image['SK']['S']}"
        self.old_image, self.new_image = None, image


# -- killed and restarted: connections are refused, then the data is back -------------------------
def test_a_killed_engine_is_a_fast_503_and_after_a_restart_nothing_is_lost(alice, faulty):
    assert alice.post("/v1/sessions", session_body(alice.subject))[0] == 201
    faulty.kill()
    try:
        answer, seconds = timed(lambda: alice.get("/v1/sessions"))
        assert_unavailable(answer, seconds)
        answer, seconds = timed(lambda: alice.post("/v1/sessions", session_body(alice.subject, 45)))
        assert_unavailable(answer, seconds)
    finally:
        faulty.restart()
    status, page = alice.get("/v1/sessions")
    assert status == 200 and [s["duration_seconds"] for s in page["items"]] == [30 * 60]


# -- a TCP proxy between the app and the engine ----------------------------------------------------
@pytest.mark.parametrize("mode", ["delay", "reset", "half-close"])
def test_a_slow_reset_or_half_closed_connection_is_a_bounded_503_and_nothing_is_written(alice, faulty, mode):
    faulty.proxy.set(mode, delay=3.0)
    answer, seconds = timed(
        lambda: alice.post("/v1/sessions", session_body(alice.subject), headers={"Idempotency-Key": mode})
    )
    assert_unavailable(answer, seconds)
    faulty.proxy.set("pass")
    if mode != "delay":  # a delayed answer may still have been written: the key makes the retry safe
        assert stored_sessions(faulty, alice.user_id) == []
    assert alice.post("/v1/sessions", session_body(alice.subject), headers={"Idempotency-Key": mode})[0] == 201
    assert len(stored_sessions(faulty, alice.user_id)) == 1


# -- the daily backup ------------------------------------------------------------------------------
def test_a_backup_that_meets_a_frozen_engine_waits_it_out_and_is_complete(alice, faulty, tmp_path):
    """The backup runs with the background profile (10 s reads, 4 attempts): a 3 s freeze in the
    middle of its Scan is waited out, and the backup it writes is complete and verifies."""
    import threading

    from chalicelib.backup import destinations, dump, restore
    from chalicelib.store import make_client

    for n in range(4):
        start = NOW - timedelta(days=n + 1)
        assert (
            alice.post(
                "/v1/sessions",
                session_body(alice.subject) | {"started_at": iso(start), "ended_at": iso(start + timedelta(minutes=5))},
            )[0]
            == 201
        )
    expected = len(faulty.direct.scan(TableName=TABLE, ConsistentRead=True)["Items"])
    root = destinations.for_table(str(tmp_path), TABLE)
    client = make_client(profile="background")
    faulty.freeze()
    threading.Timer(3.0, faulty.thaw).start()
    started = time.monotonic()
    manifest = dump.export_table(client, TABLE, root, max_part_items=2)
    assert time.monotonic() - started >= 2.5  # it did meet the freeze
    assert manifest["item_count"] == expected
    assert [b.backup_id for b in dump.list_backups(root) if b.complete] == [manifest["backup_id"]]
    assert restore.verify(client, root, manifest["backup_id"], TABLE).ok


# -- S3 (a large export's upload, chalicelib/download_links.py) -----------------------------------------
@pytest.mark.parametrize(
    "code, status, retry",
    [
        ("SlowDown", 503, True),
        ("InternalError", 500, True),
        ("RequestTimeout", 400, True),  # S3's own "the upload's connection stalled": the same PUT succeeds later
        ("AccessDenied", 403, False),  # a grant missing: a bug for the 5xx alarm, not a retry
        ("NoSuchBucket", 404, False),
    ],
)
def test_s3s_transient_errors_are_dependency_failures_and_its_refusals_are_not(code, status, retry):
    from botocore.exceptions import ClientError

    from chalicelib import faults

    error = ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject")
    assert faults.is_dependency_failure(error) is retry
