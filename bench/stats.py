"""Statistics under a learner with three years of daily study: route latency, read cost, and the
stream handler's throughput. Prints figures; asserts nothing about time.

Starts its own DynamoDB Local (in memory, free port) and calls the app in-process through the
Chalice test client, the same way the tests and the dev runner's stream pump do.

Phases:
  seed        one learner (Asia/Tokyo, day starts 04:00), 3 years x 2 sessions a day, written directly
  projection  the seed's stream records fed to `on_table_change` in batches of 100: first delivery
              (includes the learner's one-off rebuild), then the same records again (a full replay),
              then 50 other learners x 20 new sessions each (many users per batch)
  routes      p50/p95 latency and read capacity of each stats route (N calls each, after warm-up)
  freshness   the dev runner's pump (250 ms poll) running: time from a POST /v1/sessions answer
              until GET /v1/stats/days shows it

Usage: .venv/bin/python bench/stats.py [--calls 200] [--years 3] [--fresh 20] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studytracker import ddblocal, localenv  # noqa: E402

UTC = UTC
TABLE = "bench-stats"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Learner:
    def __init__(self, client, name: str):
        from chalicelib import auth

        self.client, self.user_id = client, auth.local_user_id(name)
        self.headers = {"Authorization": f"Bearer {auth.issue_local_token(name)}", "Content-Type": "application/json"}

    def get(self, path: str):
        response = self.client.http.get(path, headers=self.headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.body[:300]!r}")
        return response.json_body

    def post(self, path: str, body: dict):
        response = self.client.http.post(path, headers=self.headers, body=json.dumps(body))
        if response.status_code != 201:
            raise SystemExit(f"POST {path} answered {response.status_code}: {response.body[:300]!r}")
        return response.json_body


def seed(store, learner: Learner, years: int) -> tuple[int, date, date]:
    from chalicelib import sessions, settings, subjects
    from chalicelib.models import SettingsPatch, SubjectCreate

    settings.update(
        store,
        learner.user_id,
        SettingsPatch(timezone="Asia/Tokyo", day_start_hour=4, weekly_goal_minutes=600, daily_goal_minutes=90),
        None,
    )
    subject_ids = [
        subjects.create(store, learner.user_id, SubjectCreate(name=n, weekly_goal_minutes=180)).id
        for n in ("Math", "English", "Physics")
    ]
    chance = random.Random(7)
    last = datetime.now(UTC).date() - timedelta(days=1)
    first = last - timedelta(days=365 * years - 1)
    items = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        for slot, hour in enumerate((9, 20)):  # JST 18:00 and 05:00 next morning (04:00 day start)
            start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
                hours=hour, minutes=chance.randint(0, 50)
            )
            length = timedelta(minutes=chance.randint(20, 90))
            items.append(
                sessions.build_item(
                    learner.user_id,
                    f"b{offset:05d}{slot}",
                    chance.choice(subject_ids),
                    start,
                    start + length,
                    "",
                    [],
                    1,
                    "2024-01-01T00:00:00Z",
                )
            )
    store.batch_write(puts=items)
    return len(items), first, last


def many_users(store, learners: int, each: int) -> None:
    """Other learners with a few recent sessions each, written through the use cases."""
    from chalicelib import auth, sessions, subjects
    from chalicelib.models import SessionCreate, SubjectCreate

    for n in range(learners):
        user = auth.local_user_id(f"other{n:02d}")
        subject_id = subjects.create(store, user, SubjectCreate(name="Math")).id
        for k in range(each):
            end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2 * k + 1)
            sessions.create(
                store, user, SessionCreate(subject_id=subject_id, started_at=end - timedelta(minutes=30), ended_at=end)
            )


def feed(reader, client, records: list[dict], batch_size: int = 100) -> tuple[float, dict]:
    from studytracker.streams import invoke

    totals: dict = {}
    started = time.perf_counter()
    for start in range(0, len(records), batch_size):
        summary = invoke(client, records[start : start + batch_size], reader.stream_arn).payload
        for name, value in summary.items():
            totals[name] = totals.get(name, 0) + value
    return time.perf_counter() - started, totals


def read_all(reader) -> list[dict]:
    found = []
    while True:
        records = reader.read()
        reader.commit()
        if not records:
            return found
        found += records


def routes(store, learner: Learner, calls: int, last: date) -> list[dict]:
    paths = {
        "days (365)": f"/v1/stats/days?from={last - timedelta(days=364)}&to={last}",
        "days (30)": f"/v1/stats/days?from={last - timedelta(days=29)}&to={last}",
        "summary week": f"/v1/stats/summary?period=week&date={last}",
        "summary month": f"/v1/stats/summary?period=month&date={last}",
        "streak": "/v1/stats/streak",
    }
    rows = []
    for name, path in paths.items():
        for _ in range(10):
            learner.get(path)
        timings, capacity, requests = [], [], []
        for _ in range(calls):
            store.capacity.clear()
            started = time.perf_counter()
            learner.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            capacity.append(sum(units for _, units in store.capacity))
            requests.append(len(store.capacity))
        rows.append(
            {
                "route": name,
                "p50_ms": statistics.median(timings),
                "p95_ms": percentile(timings, 0.95),
                "read_units": statistics.median(capacity),
                "requests": statistics.median(requests),
            }
        )
    return rows


def freshness(app, ddb_port: int, learner: Learner, samples: int) -> list[float]:
    """Seconds from a session's 201 until the stats show it, with the dev runner's pump running."""
    from chalice.test import Client

    from studytracker.streams import Pump, StreamReader

    reader = StreamReader(ddblocal.client(ddb_port), ddblocal.client(ddb_port, "dynamodbstreams"), TABLE)
    read_all(reader)  # start from now, as a running dev stack would be
    lags = []
    with Client(app, stage_name="local", project_dir=str(localenv.ROOT)) as pump_client:
        pump = Pump(reader, pump_client)
        pump.start()
        try:
            subject_id = learner.get("/v1/subjects")["items"][0]["id"]
            today = date.fromisoformat(learner.get("/v1/stats/streak")["today"])
            # Yesterday too: a session ending minutes ago may still belong to it just after the day start.
            window = f"/v1/stats/days?from={today - timedelta(days=1)}&to={today}"
            for n in range(samples):
                before = sum(d["total_seconds"] for d in learner.get(window)["days"])
                end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1 + 2 * n)
                learner.post(
                    "/v1/sessions",
                    {
                        "subject_id": subject_id,
                        "started_at": (end - timedelta(seconds=60)).isoformat(),
                        "ended_at": end.isoformat(),
                    },
                )
                written = time.perf_counter()
                while time.perf_counter() - written < 30:
                    if sum(d["total_seconds"] for d in learner.get(window)["days"]) != before:
                        break
                    time.sleep(0.01)
                lags.append(time.perf_counter() - written)
        finally:
            pump.stopping.set()
            pump.join(timeout=5)
    return lags


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="timed calls per route")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--fresh", type=int, default=20, help="sessions timed through the pump")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="studytracker-bench-stats-"))
    port = localenv.free_port()
    localenv.apply(localenv.app_env(port, table=TABLE, data_dir=data))
    process = ddblocal.start(port, None, data / "dynamodb.log")
    figures: dict = {}
    try:
        print(
            f"DynamoDB Local ready in {ddblocal.wait_ready(port, process):.1f} s (in memory, port {port})", flush=True
        )
        ddb = ddblocal.client(port)
        ddblocal.ensure_table(ddb, TABLE)

        from chalice.test import Client

        import app
        from chalicelib import auth, runtime
        from studytracker.streams import StreamReader

        auth.local_key(create=True)
        runtime.reset()
        store = runtime.store()
        with Client(app.app, stage_name="local", project_dir=str(localenv.ROOT)) as client:
            learner = Learner(client, "bench")
            started = time.perf_counter()
            count, first, last = seed(store, learner, args.years)
            print(f"seed: {count} sessions from {first} to {last} in {time.perf_counter() - started:.1f} s", flush=True)

            reader = StreamReader(ddb, ddblocal.client(port, "dynamodbstreams"), TABLE)
            records = read_all(reader)
            passes = {}
            for name, batch in (("first delivery", records), ("full replay", records)):
                seconds, totals = feed(reader, client, batch)
                passes[name] = {"records": len(batch), "seconds": seconds, "per_second": len(batch) / seconds, **totals}
            read_all(reader)  # the projection's own DAY/STREAK writes: skip them, they are not the workload
            many_users(store, 50, 20)
            fresh = read_all(reader)
            seconds, totals = feed(reader, client, fresh)
            passes["50 learners"] = {
                "records": len(fresh),
                "seconds": seconds,
                "per_second": len(fresh) / seconds,
                **totals,
            }
            figures["projection"] = passes
            print("\nstream handler (batches of 100 records, in-process)")
            print(f"  {'pass':<16}{'records':>8}{'seconds':>9}{'records/s':>11}{'days':>7}{'rebuilds':>9}")
            for name, row in passes.items():
                print(
                    f"  {name:<16}{row['records']:>8}{row['seconds']:>9.2f}{row['per_second']:>11.0f}"
                    f"{row.get('days_recomputed', 0):>7}{row.get('rebuilds', 0):>9}"
                )

            figures["routes"] = routes(store, learner, args.calls, last)
            print(f"\nstats routes, {args.calls} calls each after 10 warm-up calls (in-process Chalice test client)")
            print(f"  {'route':<16}{'p50 ms':>8}{'p95 ms':>8}{'RCU':>6}{'requests':>10}")
            for row in figures["routes"]:
                print(
                    f"  {row['route']:<16}{row['p50_ms']:>8.1f}{row['p95_ms']:>8.1f}{row['read_units']:>6.1f}"
                    f"{row['requests']:>10.0f}"
                )

            lags = freshness(app.app, port, learner, args.fresh)
            figures["freshness_seconds"] = {
                "p50": statistics.median(lags),
                "p95": percentile(lags, 0.95),
                "max": max(lags),
                "samples": len(lags),
            }
            print(
                f"\nfreshness through the pump (250 ms poll), {len(lags)} sessions: "
                f"p50 {statistics.median(lags):.2f} s, p95 {percentile(lags, 0.95):.2f} s, max {max(lags):.2f} s"
            )
    finally:
        process.terminate()
        process.wait(timeout=10)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
