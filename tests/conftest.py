"""Shared fixtures: ONE DynamoDB Local (in memory, free port) per run; a fresh table per test.

The local stage's environment is set here, before `app` is imported, because the app
reads its stream ARN at import time (field-notes.md).
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from studytracker import ddblocal, localenv

# The IAM audit: record the AWS calls of each Lambda function (tests/iam_recorder.py, tests/test_iam.py).
pytest_plugins = ["iam_recorder"]

_DATA = Path(tempfile.mkdtemp(prefix="studytracker-test-"))
_PORT = localenv.free_port()
localenv.apply(localenv.app_env(_PORT, table="unset", data_dir=_DATA))
_tables = itertools.count()


def pytest_collection_modifyitems(config, items):
    """`make test` leaves out the tests marked slow (full-scale runs of what faster tests check at a
    smaller scale); `make test-slow` selects them with `-m`. Any `-m` expression is taken as given."""
    if config.getoption("markexpr"):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        items[:] = [item for item in items if not item.get_closest_marker("slow")]
        config.hook.pytest_deselected(items=slow)


@pytest.fixture(scope="session")
def dynamodb():
    """DynamoDB Local for the whole run: returns a boto3 client bound to it."""
    process = ddblocal.start(_PORT, None, _DATA / "dynamodb.log")
    try:
        ddblocal.wait_ready(_PORT, process)
        yield ddblocal.client(_PORT)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def table(dynamodb, request):
    """A clean table for one test; the app's store points at it. Its stream is on only for the tests
    that read it (marked ``stream``, or using a ``feed`` fixture): see ``ddblocal.ensure_table`` for why."""
    from chalicelib import runtime

    name = f"t{next(_tables)}_{os.getpid()}"
    ddblocal.ensure_table(dynamodb, name, stream=_reads_stream(request))
    os.environ["STUDYTRACKER_TABLE"] = name
    runtime.reset()
    yield name
    runtime.reset()
    dynamodb.delete_table(TableName=name)


def _reads_stream(request) -> bool:
    return request.node.get_closest_marker("stream") is not None or "feed" in request.fixturenames


@pytest.fixture
def store(table):
    from chalicelib.runtime import store

    return store()


@pytest.fixture
def client(table):
    from chalice.test import Client

    import app

    with Client(app.app, stage_name="local", project_dir=str(localenv.ROOT)) as test_client:
        yield test_client


class Api:
    """Calls the app as a user: ``api.post('/v1/subjects', {...})`` returns (status, json)."""

    def __init__(self, client, user: str):
        from chalicelib import auth

        self.client = client
        self.user = user
        self.user_id = auth.local_user_id(user)
        self.token = auth.issue_local_token(user)

    def call(self, method: str, path: str, body=None, headers: dict | None = None, raw: bytes | str | None = None):
        sent = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json", **(headers or {})}
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client.http, method)(path, headers=sent, body=payload)
        text = response.body.decode() if isinstance(response.body, bytes) else response.body
        try:
            data = json.loads(text) if text else None
        except ValueError:
            data = text
        return response.status_code, data

    def get(self, path, **kw):
        return self.call("get", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("post", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("patch", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("delete", path, **kw)


@pytest.fixture
def api(client):
    return Api(client, "alice")


@pytest.fixture
def other(client):
    return Api(client, "bob")


# -- subject and session helpers of the sessions, subjects, timer and identity API tests --
def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def subject(api):
    status, body = api.post("/v1/subjects", {"name": "English", "color": "#336699", "weekly_goal_minutes": 300})
    assert status == 201, body
    return body


def session_body(subject, start=None, minutes=30, **extra):
    start = start or NOW - timedelta(hours=2)
    return {
        "subject_id": subject["id"],
        "started_at": iso(start),
        "ended_at": iso(start + timedelta(minutes=minutes)),
        **extra,
    }


def snapshot(dynamodb, table):
    """Every stored item, to prove a rejected request changed nothing."""
    items = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(json.dumps(i, sort_keys=True) for i in items)
