"""Records the AWS calls each Lambda function makes while the tests run, for the IAM audit (test_iam.py).

Loaded by conftest.py as a plugin. Every botocore client gets a ``before-parameter-build`` hook;
each call is attributed to the Lambda function running at that moment. Chalice's entry points are
wrapped at class level, so every app object and every way of calling it counts:
``Chalice.__call__`` is the API handler (``api_handler``), ``ChaliceAuthorizer.__call__`` the
authorizer (its name), ``EventSourceHandler.__call__`` each event function (stream, schedule: the
handler's name). Threads started while a function runs act for it, as in Lambda, where the whole
process holds the function's role. Calls outside any function (fixtures, test setup) are not
recorded: they are not the functions'.

A presigned URL counts as the call it signs (botocore fires the same hook while signing): S3 checks
the signer's role when the URL is used, so the export's download link needs s3:GetObject.

A call becomes IAM needs: (action, ARN template) pairs whose ``{table}``/``{bucket}`` stand for the
stage's table and bucket, so test_iam.py can check them against every stage's policy.
"""

from __future__ import annotations

import contextlib
import contextvars
import fnmatch
import functools
import os
import threading
from dataclasses import dataclass, field

import pytest

CURRENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("lambda_function", default=None)
PREFIX = "arn:{partition}:"
TABLE_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}
S3_ACTIONS = {
    "PutObject": "PutObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "GetObject": "GetObject",
    "HeadObject": "GetObject",
    "DeleteObject": "DeleteObject",
    "AbortMultipartUpload": "AbortMultipartUpload",
}
S3_BUCKET_ACTIONS = {"ListObjectsV2": "ListBucket", "ListObjects": "ListBucket", "HeadBucket": "ListBucket"}


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def table_arn(name: str, suffix: str = "") -> str:
    """The ARN template of a table the app names; its own table becomes ``{table}``."""
    own = name == os.environ.get("STUDYTRACKER_TABLE")
    return PREFIX + "dynamodb:{region}:{account}:table/" + ("{table}" if own else _escape(name)) + _escape(suffix)


def bucket_arn(name: str, key: str | None = None) -> str:
    own = name and name == os.environ.get("STUDYTRACKER_BACKUP_BUCKET")
    path = ("{bucket}" if own else _escape(name)) + ("" if key is None else "/" + _escape(key))
    return PREFIX + "s3:::" + path


def stream_arn(arn: str) -> str:
    """A stream ARN of DynamoDB Local (arn:aws:dynamodb:ddblocal:000000000000:table/T/stream/L) as a template."""
    table, _, label = arn.split(":table/", 1)[1].partition("/stream/")
    return table_arn(table, "/stream/" + label)


def needs_of(service: str, operation: str, params: dict, streams: dict[str, str]) -> list[tuple[str, str]]:
    """The IAM (action, resource) pairs one API call needs; ``UNMAPPED`` when this module cannot tell."""
    by_service = {"dynamodb": _dynamodb_needs, "dynamodbstreams": _stream_needs, "s3": _s3_needs}
    needs = by_service[service](operation, params, streams) if service in by_service else None
    return needs if needs is not None else [(f"{service}:{operation}", "UNMAPPED")]


def _dynamodb_needs(operation: str, params: dict, streams: dict[str, str]) -> list[tuple[str, str]] | None:
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [(f"dynamodb:{operation}", table_arn(t)) for t in params.get("RequestItems", {})]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [
            (f"dynamodb:{TABLE_ITEM_ACTIONS[kind]}", table_arn(body["TableName"]))
            for item in params.get("TransactItems", [])
            for kind, body in item.items()
        ]
    if "TableName" in params:
        index = params.get("IndexName")
        return [(f"dynamodb:{operation}", table_arn(params["TableName"], f"/index/{index}" if index else ""))]
    return None


def _stream_needs(operation: str, params: dict, streams: dict[str, str]) -> list[tuple[str, str]] | None:
    if "StreamArn" in params:
        return [(f"dynamodb:{operation}", stream_arn(params["StreamArn"]))]
    if operation == "GetRecords" and params.get("ShardIterator") in streams:
        return [("dynamodb:GetRecords", stream_arn(streams[params["ShardIterator"]]))]
    return None


def _s3_needs(operation: str, params: dict, streams: dict[str, str]) -> list[tuple[str, str]] | None:
    if operation in S3_ACTIONS:
        return [(f"s3:{S3_ACTIONS[operation]}", bucket_arn(params["Bucket"], params["Key"]))]
    if operation == "DeleteObjects":
        return [("s3:DeleteObject", bucket_arn(params["Bucket"], o["Key"])) for o in params["Delete"]["Objects"]]
    if operation == "CopyObject":
        source = params["CopySource"]
        if not isinstance(source, dict):  # "bucket/key" or "/bucket/key"
            source = dict(zip(("Bucket", "Key"), source.lstrip("/").split("/", 1), strict=False))
        return [
            ("s3:GetObject", bucket_arn(source["Bucket"], source["Key"])),
            ("s3:PutObject", bucket_arn(params["Bucket"], params["Key"])),
        ]
    if operation in S3_BUCKET_ACTIONS:
        return [(f"s3:{S3_BUCKET_ACTIONS[operation]}", bucket_arn(params["Bucket"]))]
    return None


@dataclass
class Recorder:
    # (function, action, resource template) -> the first test that made the call
    needs: dict[tuple[str, str, str], str] = field(default_factory=dict)
    test: str = "?"
    streams: dict[str, str] = field(default_factory=dict)  # shard iterator -> stream ARN
    lock: threading.Lock = field(default_factory=threading.Lock)
    watchers: list[list[tuple[str, str, str]]] = field(default_factory=list)
    installed: bool = False

    def before_parameter_build(self, params, model, context=None, **_):
        service = model.service_model.service_name
        if service == "dynamodbstreams" and context is not None:
            context["iam_stream"] = params.get("StreamArn") or self.streams.get(params.get("ShardIterator"))
        function = CURRENT.get()
        if function is None:
            return
        for action, resource in needs_of(service, model.name, params, self.streams):
            with self.lock:
                self.needs.setdefault((function, action, resource), self.test)
                for calls in self.watchers:
                    calls.append((function, action, resource))

    def after_streams_call(self, parsed, context=None, **_):
        # GetRecords names no stream: remember which stream each shard iterator reads.
        stream = (context or {}).get("iam_stream")
        for key in ("ShardIterator", "NextShardIterator"):
            if stream and parsed.get(key):
                self.streams[parsed[key]] = stream

    @contextlib.contextmanager
    def acting_as(self, function: str):
        """Attribute the calls made in this block to ``function`` (e.g. its event source mapping)."""
        token = CURRENT.set(function)
        try:
            yield
        finally:
            CURRENT.reset(token)

    def install(self) -> None:
        if self.installed:
            return
        import botocore.session
        from chalice import app as chalice_app

        create_client = botocore.session.Session.create_client
        recorder = self

        @functools.wraps(create_client)
        def recording_client(session, *args, **kwargs):
            client = create_client(session, *args, **kwargs)
            client.meta.events.register("before-parameter-build", recorder.before_parameter_build)
            client.meta.events.register("after-call.dynamodbstreams", recorder.after_streams_call)
            return client

        botocore.session.Session.create_client = recording_client
        _run_as(chalice_app.Chalice, "__call__", lambda _: "api_handler")
        _run_as(chalice_app.ChaliceAuthorizer, "__call__", lambda handler: handler.name)
        _run_as(chalice_app.EventSourceHandler, "__call__", _event_function_name)
        _threads_inherit_function()
        self.installed = True

    @contextlib.contextmanager
    def isolated(self):
        """A block whose calls stay out of the run's needs (tests of the recorder itself)."""
        saved, self.needs = self.needs, {}
        try:
            yield
        finally:
            self.needs = saved

    @contextlib.contextmanager
    def watching(self):
        """Every need recorded in this block, repeats included (``needs`` keeps each need once per run)."""
        calls: list[tuple[str, str, str]] = []
        self.watchers.append(calls)
        try:
            yield calls
        finally:
            self.watchers.remove(calls)


def _event_function_name(handler) -> str:
    func = getattr(handler.func, "_original_func", handler.func)  # @app.lambda_function wraps the function
    return func.__name__


def _run_as(cls, method: str, name_of) -> None:
    original = getattr(cls, method)

    @functools.wraps(original)
    def attributed(self, *args, **kwargs):
        token = CURRENT.set(name_of(self))
        try:
            return original(self, *args, **kwargs)
        finally:
            CURRENT.reset(token)

    setattr(cls, method, attributed)


def _threads_inherit_function() -> None:
    """A thread started while a function runs makes its calls for that function."""
    start, run = threading.Thread.start, threading.Thread.run

    def recording_start(thread, *args, **kwargs):
        thread._lambda_function = CURRENT.get()
        return start(thread, *args, **kwargs)

    def recording_run(thread):
        function = getattr(thread, "_lambda_function", None)
        if function is None:
            return run(thread)
        token = CURRENT.set(function)
        try:
            return run(thread)
        finally:
            CURRENT.reset(token)

    threading.Thread.start, threading.Thread.run = recording_start, recording_run


RECORDER = Recorder()


# -- IAM policy evaluation (Allow statements without conditions: what the project's policies use) ---
def _matches(pattern: str, value: str, case_sensitive: bool) -> bool:
    if not case_sensitive:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def allows(policy: dict, action: str, resource: str) -> bool:
    """Whether the policy's statements allow ``action`` on ``resource`` (IAM's * and ? wildcards)."""
    denied = allowed = False
    for statement in policy["Statement"]:
        if not any(_matches(a, action, False) for a in _as_list(statement["Action"])):
            continue
        if not any(_matches(r, resource, True) for r in _as_list(statement["Resource"])):
            continue
        if statement["Effect"] == "Deny":
            denied = True
        else:
            allowed = True
    return allowed and not denied


# -- pytest wiring -------------------------------------------------------------------------------
def pytest_configure(config):
    config.addinivalue_line("markers", "iam_audit: checks the recorded AWS calls; runs after every other test")
    config._iam_deselected = 0
    config._iam_failed = []
    RECORDER.install()


def pytest_deselected(items):
    """Counts what a selection left out. The slow tests do not count: each runs at full scale a path
    a faster test already takes, so they make no call the rest of the suite does not (make test-slow
    checks that: it runs them with the audit of missing grants)."""
    chosen = [item for item in items if not item.get_closest_marker("slow")]
    if chosen:
        chosen[0].config._iam_deselected += len(chosen)


def pytest_collection_modifyitems(session, config, items):
    """The audit runs last, after every test whose calls it checks."""
    audits = [item for item in items if item.get_closest_marker("iam_audit")]
    others = [item for item in items if not item.get_closest_marker("iam_audit")]
    items[:] = others + audits
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    arguments = [os.path.abspath(str(a).split("::")[0]) for a in config.args]
    config._iam_whole_suite = (
        all(a in (tests_dir, os.path.dirname(tests_dir)) for a in arguments)
        and not config.getoption("keyword")
        and not config.getoption("markexpr")
    )


def pytest_runtest_setup(item):
    RECORDER.test = item.nodeid


def pytest_runtest_logreport(report):
    if report.failed:
        FAILED.append(report.nodeid)


@dataclass
class Run:
    recorder: Recorder
    whole_suite: bool  # every test of tests/ was collected and none deselected
    failed: list[str]  # tests that failed before the audit (their calls may be missing)


FAILED: list[str] = []


@pytest.fixture(scope="session")
def iam_recorder(request) -> Run:
    """The run's recorder and what it can prove: a grant is unneeded only if the whole suite ran."""
    config = request.config
    return Run(RECORDER, config._iam_whole_suite and config._iam_deselected == 0, FAILED)
