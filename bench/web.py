"""The web UI's weight and its time to interactive, printed (a measurement, not a test).

- Sizes: the built JS and CSS and the service worker, gzipped (the budget is 150 KB in all).
- Time to interactive of the Today screen: headless Debian Chromium loads the app signed in
  and we time from navigation start until the timer's Start button can be clicked (the
  subjects, settings, timer and today's stats have all answered). Cold = a fresh browser
  context (empty cache); warm = a reload in the same context; offline = a reload with the
  network off, served by the service worker (shell precached, reads from its cache).

Against `make run` (STUDYTRACKER_URL=http://127.0.0.1:8000/) or, by default, a throwaway
`python -m studytracker dev --in-memory` that this script starts and stops.

    .venv/bin/python bench/web.py [--runs 15]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studytracker.localenv import free_port  # noqa: E402

BUILD = ROOT / "chalicelib" / "web"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def sizes() -> dict[str, float]:
    totals = {"js": 0.0, "css": 0.0}
    for path in (BUILD / "assets").iterdir():
        if path.suffix.lstrip(".") in totals:
            totals[path.suffix.lstrip(".")] += len(gzip.compress(path.read_bytes(), 9)) / 1024
    totals["sw"] = len(gzip.compress((BUILD / "sw.js").read_bytes(), 9)) / 1024
    return totals


def start_stack() -> tuple[subprocess.Popen, str]:
    port, ddb_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "studytracker", "dev", "--in-memory", "--port", str(port), "--ddb-port", str(ddb_port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in process.stdout:
        if line.strip() == "ready":
            return process, f"http://127.0.0.1:{port}/"
    raise SystemExit("the dev runner stopped before it was ready; run it by hand to see why")


def post(url: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def interactive(page) -> float:
    """Milliseconds from this document's navigation start until Start is visible and enabled."""
    page.get_by_role("button", name="Start").wait_for(state="visible", timeout=30_000)
    page.wait_for_function(
        "() => { const b = [...document.querySelectorAll('button')]"
        ".find(x => x.textContent.trim() === 'Start'); return b && !b.disabled }"
    )
    return page.evaluate("() => performance.now()")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if not (BUILD / "index.html").exists():
        raise SystemExit("the UI is not built: run `make web` first")
    from playwright.sync_api import sync_playwright

    built = sizes()
    process, url = (None, os.environ["STUDYTRACKER_URL"]) if os.environ.get("STUDYTRACKER_URL") else start_stack()
    try:
        token = post(url + "v1/auth/local", {"user": "bench-web"})["token"]
        subject = post(url + "v1/subjects", {"name": f"Bench {time.time_ns()}"}, token)
        post(
            url + "v1/sessions",
            {"subject_id": subject["id"], "started_at": "2026-01-05T09:00:00Z", "ended_at": "2026-01-05T10:00:00Z"},
            token,
        )
        cold, warm, offline = [], [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 375, "height": 812}, locale="en-US")
                context.add_init_script(f"localStorage.setItem('studytracker.token', {json.dumps(token)})")
                page = context.new_page()
                page.goto(url + "#/today", wait_until="commit")
                cold.append(interactive(page))
                page.reload(wait_until="commit")
                warm.append(interactive(page))
                page.evaluate("navigator.serviceWorker.ready.then(() => true)")
                page.reload()
                interactive(page)  # under the worker now, its read cache filled
                context.set_offline(True)
                page.reload(wait_until="commit")
                offline.append(interactive(page))
                context.close()
            browser.close()
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=20)

    def pct(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(round(q * (len(values) - 1))))]

    print(f"web UI, {args.runs} runs, 375 px, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{'built, gzipped':34} JS {built['js']:.1f} KB  CSS {built['css']:.1f} KB  "
        f"service worker {built['sw']:.1f} KB  all {sum(built.values()):.1f} KB (budget 150 KB)"
    )
    timings = (
        ("Today interactive, cold cache (ms)", cold),
        ("Today interactive, reload (ms)", warm),
        ("Today interactive, offline (ms)", offline),
    )
    for name, values in timings:
        print(
            f"{name:34} p50 {statistics.median(values):7.0f}  p95 {pct(values, 0.95):7.0f}  "
            f"min {min(values):7.0f}  max {max(values):7.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
