"""Warm latency of every route in-process (Chalice test client) against DynamoDB Local.

Per route: p50/p95/p99 wall time, median CPU time of this thread (the rest is waiting for
DynamoDB), DynamoDB requests (counted at botocore, so failed conditional writes count too)
and capacity units (``Store.capacity``), and the bytes the request's log line adds.
Also: the authorizer per token kind, the stream handler per record (one record per
invocation, as at low traffic) and the observability middleware's own cost per request.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

READ, WRITE, TIMER, PUBLIC, EXPORT = "read", "write", "timer", "public", "export"
READ_OPERATIONS = {"GetItem", "Query", "BatchGetItem", "TransactGetItems", "Scan"}


def _units(capacity: list[tuple[str, float]]) -> tuple[float, float]:
    """(read units, write units) of one request, from ``Store.capacity``."""
    reads = sum(u for op, u in capacity if op in READ_OPERATIONS)
    return reads, sum(u for _, u in capacity) - reads


@dataclass
class Scenario:
    method: str
    route: str  # the route template, as in app.py and the log line
    category: str
    prepare: Callable[[Bench], tuple[str, dict | None]]  # untimed: returns (path, body)
    expect: int = 200
    finish: Callable[[Bench], None] | None = None  # untimed clean-up after each timed call
    query: str = ""


@dataclass
class Counter:
    requests: list[str] = field(default_factory=list)

    def __call__(self, event_name: str = "", **_):
        self.requests.append(event_name.rsplit(".", 1)[-1])


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Bench:
    """Calls the app as one user and keeps the ids the scenarios need."""

    def __init__(self, client, token: str, store):
        self.client, self.token, self.store = client, token, store
        self.counter = Counter()
        store.client.meta.events.register("before-call.dynamodb", self.counter)
        self.subject_ids: list[str] = []
        self.session_ids: list[str] = []
        self.token_ids: list[str] = []
        self.minute = 0
        self.last = None  # the body of the last timed answer, for a scenario's clean-up
        self.response_bytes = 0  # the last answer's body, as sent (data transfer out)

    def call(self, method: str, path: str, body=None, headers: dict | None = None):
        sent = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json", **(headers or {})}
        response = getattr(self.client.http, method.lower())(
            path, headers=sent, body=json.dumps(body) if body is not None else None
        )
        text = response.body.decode() if isinstance(response.body, bytes) else response.body
        self.response_bytes = len(text.encode()) if text else 0
        try:
            return response.status_code, json.loads(text) if text else None
        except ValueError:
            return response.status_code, text

    def must(self, method: str, path: str, body=None, expect: int | tuple = (200, 201, 204)):
        status, data = self.call(method, path, body)
        if status not in (expect if isinstance(expect, tuple) else (expect,)):
            raise RuntimeError(f"{method} {path} answered {status}: {data}")
        return data

    def new_session_body(self) -> dict:
        """A 25-minute session in the past, each one a minute later than the last (no two alike)."""
        self.minute += 1
        start = datetime.now(UTC) - timedelta(days=20) + timedelta(minutes=self.minute * 37)
        return {
            "subject_id": self.subject_ids[self.minute % len(self.subject_ids)],
            "started_at": _iso(start),
            "ended_at": _iso(start + timedelta(minutes=25)),
            "note": "bench",
            "tags": ["bench"],
        }

    def new_session(self) -> str:
        session = self.must("POST", "/v1/sessions", self.new_session_body())
        self.session_ids.append(session["id"])
        return session["id"]

    def seed(self, subjects: int = 5, sessions: int = 120) -> None:
        self.must("PATCH", "/v1/me", {"timezone": "Asia/Tokyo", "daily_goal_minutes": 60})
        for index in range(subjects):
            self.subject_ids.append(self.must("POST", "/v1/subjects", {"name": f"Subject {index}"})["id"])
        for _ in range(sessions):
            self.new_session()


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _days_ago(days: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days)).isoformat()


def _timer_start(b: Bench) -> None:
    b.must("POST", "/v1/timer/start", {"subject_id": b.subject_ids[0]}, expect=201)


def _timer_stop(b: Bench) -> None:
    b.must("POST", "/v1/timer/stop", {}, expect=201)


def _token(b: Bench) -> str:
    created = b.must("POST", "/v1/tokens", {"name": f"bench {len(b.token_ids)}"}, expect=201)
    b.token_ids.append(created["id"])
    return created["id"]


SCENARIOS = [
    Scenario("GET", "/health", PUBLIC, lambda b: ("/health", None)),
    Scenario("GET", "/v1/me", READ, lambda b: ("/v1/me", None)),
    Scenario("PATCH", "/v1/me", WRITE, lambda b: ("/v1/me", {"daily_goal_minutes": 30 + b.minute % 60})),
    Scenario("GET", "/v1/subjects", READ, lambda b: ("/v1/subjects", None)),
    Scenario(
        "POST", "/v1/subjects", WRITE, lambda b: ("/v1/subjects", {"name": f"New {time.perf_counter_ns()}"}), expect=201
    ),
    Scenario("GET", "/v1/subjects/{subject_id}", READ, lambda b: (f"/v1/subjects/{b.subject_ids[0]}", None)),
    Scenario(
        "PATCH",
        "/v1/subjects/{subject_id}",
        WRITE,
        lambda b: (f"/v1/subjects/{b.subject_ids[1]}", {"color": f"#00{b.minute % 256:02x}00"}),
    ),
    Scenario(
        "DELETE",
        "/v1/subjects/{subject_id}",
        WRITE,
        lambda b: (
            f"/v1/subjects/{b.must('POST', '/v1/subjects', {'name': f'Old {time.perf_counter_ns()}'})['id']}",
            None,
        ),
    ),
    Scenario("GET", "/v1/sessions", READ, lambda b: ("/v1/sessions?limit=50", None), query="limit=50"),
    Scenario("POST", "/v1/sessions", WRITE, lambda b: ("/v1/sessions", b.new_session_body()), expect=201),
    Scenario("GET", "/v1/sessions/{session_id}", READ, lambda b: (f"/v1/sessions/{b.session_ids[0]}", None)),
    Scenario(
        "PATCH",
        "/v1/sessions/{session_id}",
        WRITE,
        lambda b: (f"/v1/sessions/{b.session_ids[1]}", {"note": f"edited {b.minute}"}),
    ),
    Scenario(
        "DELETE", "/v1/sessions/{session_id}", WRITE, lambda b: (f"/v1/sessions/{b.new_session()}", None), expect=204
    ),
    Scenario(
        "GET",
        "/v1/timer",
        READ,
        lambda b: (_timer_start(b), ("/v1/timer", None))[1],
        finish=lambda b: b.must("DELETE", "/v1/timer", expect=204),
    ),
    Scenario(
        "POST",
        "/v1/timer/start",
        TIMER,
        lambda b: ("/v1/timer/start", {"subject_id": b.subject_ids[0]}),
        expect=201,
        finish=_timer_stop,
    ),
    Scenario("POST", "/v1/timer/stop", TIMER, lambda b: (_timer_start(b), ("/v1/timer/stop", {}))[1], expect=201),
    Scenario("DELETE", "/v1/timer", TIMER, lambda b: (_timer_start(b), ("/v1/timer", None))[1], expect=204),
    Scenario(
        "GET",
        "/v1/stats/days",
        READ,
        lambda b: (f"/v1/stats/days?from={_days_ago(29)}&to={_today()}", None),
        query="30 days",
    ),
    Scenario(
        "GET",
        "/v1/stats/summary",
        READ,
        lambda b: (f"/v1/stats/summary?period=month&date={_today()}", None),
        query="period=month",
    ),
    Scenario("GET", "/v1/stats/streak", READ, lambda b: ("/v1/stats/streak", None)),
    Scenario("GET", "/v1/tokens", READ, lambda b: ("/v1/tokens", None)),
    Scenario(
        "POST",
        "/v1/tokens",
        WRITE,
        lambda b: ("/v1/tokens", {"name": f"t {time.perf_counter_ns()}"}),
        expect=201,
        finish=lambda b: b.must("DELETE", f"/v1/tokens/{b.last['id']}", expect=204),
    ),
    Scenario("DELETE", "/v1/tokens/{token_id}", WRITE, lambda b: (f"/v1/tokens/{_token(b)}", None), expect=204),
    Scenario("GET", "/v1/export", EXPORT, lambda b: ("/v1/export?format=json", None), query="format=json"),
    Scenario("GET", "/openapi.json", PUBLIC, lambda b: ("/openapi.json", None)),
]


class _LineSink(io.TextIOBase):
    """Stands in for stdout while timing: counts the bytes and lines the app prints."""

    def __init__(self):
        self.bytes = 0
        self.lines = 0
        self.devnull = open(os.devnull, "w", buffering=1)

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        self.lines += text.count("\n")
        return self.devnull.write(text)


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def summarize(
    walls: list[float], cpus: list[float], requests: list[int], units: list[tuple[float, float]], log_bytes: list[int]
) -> dict:
    return {
        "samples": len(walls),
        "p50_ms": statistics.median(walls),
        "p95_ms": percentile(walls, 95),
        "p99_ms": percentile(walls, 99),
        "mean_ms": statistics.fmean(walls),
        "cpu_ms_p50": statistics.median(cpus),
        "cpu_ms_mean": statistics.fmean(cpus),
        "ddb_requests": statistics.median(requests),
        "ddb_requests_max": max(requests),
        "read_units": statistics.fmean(u[0] for u in units),
        "write_units": statistics.fmean(u[1] for u in units),
        "capacity_units": statistics.fmean(u[0] + u[1] for u in units),
        "log_bytes": statistics.fmean(log_bytes),
    }


def run_scenario(bench: Bench, scenario: Scenario, iterations: int) -> dict:
    """Times ``iterations`` calls; stdout must be a ``_LineSink`` (it counts each call's log bytes)."""
    walls, cpus, requests, units, log_bytes, operations = [], [], [], [], [], set()
    answered: list[int] = []
    sink = sys.stdout
    for _ in range(iterations):
        path, body = scenario.prepare(bench)
        bench.counter.requests.clear()
        bench.store.capacity.clear()
        sink.bytes = 0
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        status, data = bench.call(scenario.method, path, body)
        wall, cpu = time.perf_counter() - wall0, time.thread_time() - cpu0
        if status != scenario.expect:
            raise RuntimeError(
                f"{scenario.method} {path} answered {status}, expected {scenario.expect}: {str(data)[:300]}"
            )
        bench.last = data
        walls.append(wall * 1000)
        cpus.append(cpu * 1000)
        requests.append(len(bench.counter.requests))
        operations.update(bench.counter.requests)
        units.append(_units(bench.store.capacity))
        log_bytes.append(sink.bytes)
        answered.append(bench.response_bytes)
        if scenario.finish:
            scenario.finish(bench)
    return {
        **summarize(walls, cpus, requests, units, log_bytes),
        "response_bytes": statistics.fmean(answered),
        "operations": sorted(operations),
    }


def measure_authorizer(bench: Bench, local_token: str, iterations: int) -> dict:
    """The authorizer function's work per token kind (API Gateway caches its answer for 60 s)."""
    from chalicelib import auth

    kinds = {"local token": local_token}
    if _has_route("/v1/tokens", "POST"):
        kinds["API token"] = bench.must("POST", "/v1/tokens", {"name": "authorizer bench"}, expect=201)["secret"]
    results = {}
    for kind, token in kinds.items():
        walls, cpus, requests, units = [], [], [], []
        for _ in range(iterations):
            bench.counter.requests.clear()
            bench.store.capacity.clear()
            cpu0, wall0 = time.thread_time(), time.perf_counter()
            auth.authenticate(f"Bearer {token}")
            walls.append((time.perf_counter() - wall0) * 1000)
            cpus.append((time.thread_time() - cpu0) * 1000)
            requests.append(len(bench.counter.requests))
            units.append(_units(bench.store.capacity))
        results[kind] = summarize(walls, cpus, requests, units, [0] * len(walls))
    return results


_ROUTES: dict = {}


def _has_route(route: str, method: str = "GET") -> bool:
    return method in _ROUTES.get(route, {})


def measure_stream(bench: Bench, ddb, streams, table: str, writes: int) -> dict | None:
    """The stream handler, one record per invocation (low traffic), for ``writes`` new sessions.

    A session's record makes the projection write day aggregates, whose own records invoke the
    handler again: every record a write causes is followed until the stream stays quiet, so the
    figures per write (invocations, units) cover the whole cascade; per-invocation figures too."""
    from studytracker.streams import StreamReader, invoke

    reader = StreamReader(ddb, streams, table)

    def drain(wait_first: float, on_record=None) -> int:
        seen, quiet, deadline = 0, 0, time.monotonic() + wait_first
        while quiet < 5:
            fresh = reader.read()
            if not fresh:
                if seen or time.monotonic() > deadline:
                    quiet += 1
                time.sleep(0.02)
                continue
            quiet = 0
            for start in range(0, len(fresh), 1 if on_record else 100):
                batch = fresh[start : start + (1 if on_record else 100)]
                if on_record:
                    on_record(batch[0])
                else:
                    invoke(bench.client, batch, reader.stream_arn)
            seen += len(fresh)
            reader.commit()
        return seen

    drain(1.0)  # project what the seeding wrote, so the measured records meet realistic aggregates
    walls, cpus, requests, units, per_write = [], [], [], [], []

    def one(record: dict) -> None:
        bench.counter.requests.clear()
        bench.store.capacity.clear()
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        invoke(bench.client, [record], reader.stream_arn)
        walls.append((time.perf_counter() - wall0) * 1000)
        cpus.append((time.thread_time() - cpu0) * 1000)
        requests.append(len(bench.counter.requests))
        units.append(_units(bench.store.capacity))

    for _ in range(writes):
        bench.new_session()
        before = len(units)
        if not drain(2.0, one):
            return None
        caused = units[before:]
        per_write.append((len(caused), sum(u[0] for u in caused), sum(u[1] for u in caused)))
    return {
        **summarize(walls, cpus, requests, units, [0] * len(walls)),
        "records_per_write": statistics.fmean(w[0] for w in per_write),
        "read_units_per_write": statistics.fmean(w[1] for w in per_write),
        "write_units_per_write": statistics.fmean(w[2] for w in per_write),
    }


def measure_middleware(iterations: int = 20000) -> dict:
    """The observability middleware's own cost per request: a real Chalice Request and Response, the
    line written (line-buffered, one write per line) to /dev/null, minus the bare pass-through."""
    from chalice.app import Request, Response

    from chalicelib import observability

    event = {
        "resource": "/v1/sessions/{session_id}",
        "path": "/v1/sessions/abc",
        "httpMethod": "GET",
        "headers": {"authorization": "Bearer x"},
        "multiValueQueryStringParameters": None,
        "pathParameters": {"session_id": "abc"},
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": "/v1/sessions/{session_id}",
            "httpMethod": "GET",
            "requestId": "r-1",
            "authorizer": {"principalId": "local-bench"},
        },
    }

    class Context:
        aws_request_id = "00000000-0000-0000-0000-000000000001"

    request = Request(event, Context())
    ok = Response(body='{"id":"abc"}', status_code=200)
    missing = Response(body='{"error":{"code":"not_found","message":"x","details":[]}}', status_code=404)
    sink = _LineSink()

    def timed(call) -> float:
        real_stdout, sys.stdout = sys.stdout, sink
        try:
            best = []
            for _ in range(5):
                started = time.perf_counter()
                for _ in range(iterations // 5):
                    call()
                best.append((time.perf_counter() - started) / (iterations // 5))
            return min(best) * 1e6
        finally:
            sys.stdout = real_stdout

    bare = timed(lambda: (lambda r: ok)(request))
    with_ok = timed(lambda: observability.http_middleware(request, lambda r: ok))
    with_error = timed(lambda: observability.http_middleware(request, lambda r: missing))
    return {
        "us_per_request_2xx": with_ok - bare,
        "us_per_request_4xx": with_error - bare,
        "line_bytes": len(json.dumps(observability.request_line(request, 200, 3.2), separators=(",", ":"))) + 1,
    }


def measure(port: int, iterations: int, log) -> dict:
    """Seed one user, then time every route the app has; returns the per-route table and extras."""
    from chalice.test import Client

    import app as application
    from chalicelib import auth, runtime, settings
    from studytracker import ddblocal, localenv

    _ROUTES.update(application.app.routes)
    ddb = ddblocal.client(port)
    table = os.environ["STUDYTRACKER_TABLE"]
    ddblocal.ensure_table(ddb, table)
    runtime.reset()
    store = runtime.store()
    local_token = auth.issue_local_token("bench")
    settings.ensure(store, auth.local_user_id("bench"))  # what the bench learner's first sign-in does
    results: dict = {"routes": {}, "absent": [], "failed": {}}
    real_stdout, sys.stdout = sys.stdout, _LineSink()  # the app's log lines: counted, not shown
    try:
        with Client(application.app, stage_name="local", project_dir=str(localenv.ROOT)) as client:
            bench = Bench(client, local_token, store)
            bench.seed()
            _routes(bench, results, iterations, log)
            log("warm: authorizer")
            results["authorizer"] = measure_authorizer(bench, local_token, iterations)
            log("warm: stream handler, one record per invocation")
            results["stream"] = measure_stream(
                bench, ddb, ddblocal.client(port, "dynamodbstreams"), table, max(20, iterations // 4)
            )
            results["session_item_bytes"] = _item_bytes(ddb, table, auth.local_user_id("bench"), bench.session_ids[0])
            results["backup"] = _backup_bytes(ddb, table)
        log("warm: observability middleware")
        results["middleware"] = measure_middleware()
    finally:
        sys.stdout = real_stdout
    return results


def _routes(bench: Bench, results: dict, iterations: int, log) -> None:
    for scenario in SCENARIOS:
        name = f"{scenario.method} {scenario.route}"
        if not _has_route(scenario.route, scenario.method):
            results["absent"].append(name)
            continue
        log(f"warm: {name} x{iterations}")
        try:
            row = run_scenario(bench, scenario, iterations)
        except Exception as error:  # report and go on: one broken route must not hide the others
            results["failed"][name] = str(error)[:400]
            continue
        results["routes"][name] = {**row, "category": scenario.category, "query": scenario.query}


def _backup_bytes(ddb, table: str) -> dict:
    """The daily backup of the bench's table, as the backup function writes it (gzip JSON Lines):
    its bytes per item, which prices the S3 copies kept (docs/cost.md)."""
    import tempfile

    from chalicelib.backup import destinations, dump

    with tempfile.TemporaryDirectory(prefix="studytracker-bench-backup-") as folder:
        manifest = dump.export_table(ddb, table, destinations.LocalDirectory(folder))
    items = manifest["item_count"]
    return {"items": items, "bytes": manifest["bytes"], "bytes_per_item": manifest["bytes"] / max(items, 1)}


def _item_bytes(ddb, table: str, user: str, session_id: str) -> int:
    """DynamoDB's size of one session item (names + values) plus its LSI copy (+100 bytes overhead each)."""
    from chalicelib import keys

    item = ddb.get_item(
        TableName=table, Key={"PK": {"S": keys.user_pk(user)}, "SK": {"S": keys.session_sk(session_id)}}
    )["Item"]
    size = 0
    for name, value in item.items():
        ((kind, raw),) = value.items()
        size += len(name.encode())
        if kind == "L":
            size += sum(len(str(next(iter(v.values()))).encode()) + 1 for v in raw) + 3
        else:
            size += len(str(raw).encode())
    return 2 * (size + 100)
