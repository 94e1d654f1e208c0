"""Import throughput and memory: generated Toggl Track exports through `python -m studytracker import`
into a DynamoDB Local of its own (in memory, free port).

For each size, a fresh process imports a small file first (modules, clients, first requests), then
the generated one, then the same one again (every row a duplicate), and reports:
rows per second of the import and of the re-import (wall clock, first line read to last write), the
process's peak resident memory (VmHWM) and how far it rose during the import.
Usage: .venv/bin/python bench/imports.py [ROWS ...]   (default: 5000 50000)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studytracker import ddblocal, localenv  # noqa: E402

HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,"
    "Duration,Tags,Amount (USD)\n"
)
SUBJECTS = ["英語", "数学", "物理", "History", "Chemistry", "日本史", "Biology", "Music"]
TABLE = "bench_imports"

MEASURE = """
import contextlib, io, json, sys, time
from studytracker.__main__ import main
def peak():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
def run(*arguments):
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = main(["import", *arguments, "--json", *connection])
    assert code == 0, code
    return time.perf_counter() - started, json.loads(out.getvalue())
file, user, *connection = sys.argv[1:]
run("tests/fixtures/imports/toggl_detailed.csv", "--user", "warmup-" + user)
before = peak()
seconds, report = run(file, "--user", user)
growth = peak() - before
again_seconds, again = run(file, "--user", user)
print(json.dumps({"seconds": seconds, "report": report, "peak": peak(), "growth": growth,
                  "again_seconds": again_seconds, "again": again}))
"""


def write_export(path: Path, rows: int) -> Path:
    """``rows`` distinct sessions, eight a day from 2008 on, with notes and tags like a real report's."""
    first = datetime(2008, 1, 1, 8, 0)
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.write(HEADER)
        for index in range(rows):
            start = first + timedelta(days=index // 8, minutes=90 * (index % 8))
            end = start + timedelta(minutes=45 + index % 30)
            file.write(
                f'Aoi Tanaka,aoi@example.com,,{SUBJECTS[index % 8]},,"Chapter {index}, exercises 1–12",No,'
                f"{start:%Y-%m-%d},{start:%H:%M:%S},{end:%Y-%m-%d},{end:%H:%M:%S},{end - start},"
                f'"homework, review",\n'
            )
    return path


def measure(path: Path, user: str, port: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), user, "--endpoint", localenv.endpoint(port), "--table", TABLE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def main(sizes: list[int]) -> None:
    port = localenv.free_port()
    process = ddblocal.start(port)
    try:
        print(
            f"DynamoDB Local (in memory) ready in {ddblocal.wait_ready(port, process):.1f} s; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        )
        ddblocal.ensure_table(ddblocal.client(port), TABLE)
        print(
            f"{'rows':>7} {'file MiB':>8} {'import s':>8} {'rows/s':>7} {'re-import rows/s':>16} "
            f"{'peak RSS MiB':>12} {'RSS rise during import MiB':>26}"
        )
        with tempfile.TemporaryDirectory() as scratch:
            for rows in sizes:
                path = write_export(Path(scratch) / f"{rows}.csv", rows)
                result = measure(path, f"learner{rows}", port)
                assert result["report"]["sessions_created"] == rows, result["report"]
                assert result["again"]["duplicates_skipped"] == rows, result["again"]
                print(
                    f"{rows:>7} {path.stat().st_size / 2**20:>8.1f} {result['seconds']:>8.1f} "
                    f"{rows / result['seconds']:>7.0f} {rows / result['again_seconds']:>16.0f} "
                    f"{result['peak'] / 2**20:>12.1f} {result['growth'] / 2**20:>26.1f}"
                )
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [5_000, 50_000])
