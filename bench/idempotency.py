"""What an Idempotency-Key costs: p50/p95 latency and DynamoDB capacity of a session POST without a
key, with a fresh key (the write and its record in one transaction), and replayed (one consistent
read, nothing written), through the Chalice test client against DynamoDB Local. Prints figures;
asserts nothing about time.

Usage: .venv/bin/python bench/idempotency.py [--calls 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studytracker import ddblocal, localenv  # noqa: E402

TABLE = "bench-idempotency"


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples) * 1000, samples[int(0.95 * (len(samples) - 1))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="bench-idempotency-"))
    port = localenv.free_port()
    localenv.apply(localenv.app_env(port, table=TABLE, data_dir=data))
    process = ddblocal.start(port, None, data / "dynamodb.log")
    try:
        ddblocal.wait_ready(port, process)
        ddblocal.ensure_table(ddblocal.client(port), TABLE)
        run(args.calls)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0


def run(calls: int) -> None:
    import logging

    from chalice.test import Client

    import app
    from chalicelib import auth, runtime

    logging.disable(logging.INFO)  # the request log line per call is not what is measured
    token = auth.issue_local_token("bench")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    store = runtime.shared_store()
    with Client(app.app, stage_name="local", project_dir=str(localenv.ROOT)) as client:
        created = client.http.post("/v1/subjects", headers=headers, body=json.dumps({"name": "Bench"}))
        subject = json.loads(created.body)["id"]
        start = datetime.now(UTC) - timedelta(hours=20)

        def body(n: int) -> str:
            began = start + timedelta(minutes=n)
            return json.dumps(
                {
                    "subject_id": subject,
                    "started_at": began.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "ended_at": (began + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )

        keys = [str(uuid.uuid4()) for _ in range(calls)]
        cases = {
            "no key (PutItem)": lambda n: client.http.post("/v1/sessions", headers=headers, body=body(n)),
            "first write with a key": lambda n: client.http.post(
                "/v1/sessions", headers={**headers, "Idempotency-Key": keys[n]}, body=body(calls + n)
            ),
            "replay of that key": lambda n: client.http.post(
                "/v1/sessions", headers={**headers, "Idempotency-Key": keys[n]}, body=body(calls + n)
            ),
        }
        print(f"{calls} calls each, DynamoDB Local on this machine\n")
        print(f"{'session POST':<26} {'p50 ms':>8} {'p95 ms':>8} {'capacity/call':>14}")
        client.http.post("/v1/sessions", headers=headers, body=body(3 * calls))  # warm the route
        for name, call in cases.items():
            samples, units = [], 0.0
            for n in range(calls):
                store.capacity.clear()
                began = time.perf_counter()
                response = call(n)
                samples.append(time.perf_counter() - began)
                assert response.status_code == 201, response.body
                units += sum(used for _, used in store.capacity)
            p50, p95 = percentiles(samples)
            print(f"{name:<26} {p50:>8.2f} {p95:>8.2f} {units / calls:>11.2f} CU")


if __name__ == "__main__":
    raise SystemExit(main())
