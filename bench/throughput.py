"""Throughput of `chalice local` (the dev stack) under an open-loop load on loopback.

Starts `python -m studytracker dev --in-memory` on free ports, waits for its "ready" line,
then sends requests at a fixed rate for a fixed time on a read route and on a write route
(one phase each). Open loop: request i is due at i/rate whatever the server does, so a
slow server shows up as latency (measured from the due time) and as a lower achieved rate,
not as fewer requests sent. Bounded: rate x duration requests per phase, loopback only.
"""

from __future__ import annotations

import http.client
import json
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

READY_DEADLINE = 120
WORKERS = 32


class DevStack:
    """The local stack as `make run` starts it, on ports of our own, stopped on exit."""

    def __init__(self, root: Path, port: int, ddb_port: int, log):
        self.root, self.port, self.ddb_port, self.log = root, port, ddb_port, log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> DevStack:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "studytracker",
                "dev",
                "--in-memory",
                "--port",
                str(self.port),
                "--ddb-port",
                str(self.ddb_port),
            ],
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(lines,), daemon=True).start()
        started, seen = time.monotonic(), []
        while time.monotonic() - started < READY_DEADLINE:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                line = ""
            if line is None:
                raise RuntimeError(f"`studytracker dev` exited ({self.process.wait()}): {''.join(seen)[-1500:]}")
            seen.append(line)
            if line.strip() == "ready":
                self.log(f"dev stack ready in {time.monotonic() - started:.1f} s")
                return self
        self.__exit__(None, None, None)
        raise RuntimeError(f"`studytracker dev` printed no 'ready' within {READY_DEADLINE} s: {''.join(seen)[-1500:]}")

    def _read(self, lines: queue.Queue) -> None:
        """Keeps the child's stdout drained (a full pipe would stall it); None marks its end."""
        for line in self.process.stdout:
            lines.put(line)
        lines.put(None)

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def token(self, user: str) -> str:
        """Signs in through the API, as the web UI does (an --in-memory stack keeps its key to itself)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(
                "POST", "/v1/auth/local", body=json.dumps({"user": user}), headers={"Content-Type": "application/json"}
            )
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status != 201:
            raise RuntimeError(f"local sign-in failed: {response.status} {body[:200]!r}")
        return json.loads(body)["token"]


_connections = threading.local()


def send(port: int, method: str, path: str, token: str, body: dict | None) -> tuple[int, bytes]:
    """One request on this thread's keep-alive connection (as a browser would hold one); a failed
    connection is dropped and the error returned to the caller to count."""
    connection = getattr(_connections, "http", None)
    if connection is None:
        connection = _connections.http = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(
            method, path, body=payload, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        )
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        connection.close()
        _connections.http = None
        raise


def load(port: int, token: str, make_request, rate: float, duration: float, expect: int, progress=None) -> dict:
    """Open-loop load: ``rate`` requests per second for ``duration`` seconds; every answer checked."""
    total = int(rate * duration)
    results: list[tuple[float, int | str]] = [None] * total  # (latency from due time in ms, status or error)
    start = time.perf_counter() + 0.2

    def one(index: int, due: float, method: str, path: str, body) -> None:
        try:
            status, _ = send(port, method, path, token, body)
            outcome = status if status == expect else f"HTTP {status}"
        except (OSError, http.client.HTTPException) as error:
            outcome = error.__class__.__name__
        results[index] = ((time.perf_counter() - due) * 1000, outcome)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for index in range(total):
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, index, due, *make_request(index))
            if progress and index % int(rate) == 0:
                progress(index, total)
    finished = time.perf_counter()
    latencies = sorted(r[0] for r in results)
    errors = [r[1] for r in results if not isinstance(r[1], int)]
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "requests": total,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "target_rps": rate,
        "achieved_rps": total / (finished - start),
        "duration_s": finished - start,
        "p50_ms": quantiles[49],
        "p95_ms": quantiles[94],
        "p99_ms": quantiles[98],
        "max_ms": latencies[-1],
    }


def measure(root: Path, port: int, ddb_port: int, rate: float, duration: float, log) -> dict:
    with DevStack(root, port, ddb_port, log) as stack:
        token = stack.token("loadtest")
        status, body = send(port, "POST", "/v1/subjects", token, {"name": "Load"})
        if status != 201:
            raise RuntimeError(f"could not create the load test's subject: {status} {body[:200]!r}")
        subject_id = json.loads(body)["id"]
        origin = datetime.now(UTC) - timedelta(days=300)

        def write(index: int):
            start = origin + timedelta(minutes=7 * index)
            return (
                "POST",
                "/v1/sessions",
                {
                    "subject_id": subject_id,
                    "started_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "ended_at": (start + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
            )

        def read(index: int):
            return "GET", "/v1/sessions?limit=50", None

        phases = {}
        for name, make_request, expect in (("POST /v1/sessions", write, 201), ("GET /v1/sessions", read, 200)):
            log(f"load: {name} at {rate:g}/s for {duration:g} s")
            phases[name] = load(
                port,
                token,
                make_request,
                rate,
                duration,
                expect,
                progress=lambda i, n: log(f"  {i}/{n}") if i and i % int(rate * 15) == 0 else None,
            )
        return phases
