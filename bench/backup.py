"""Backup and restore on DynamoDB Local: items/second and peak memory, at 10,000 and 100,000 items.

Starts its own DynamoDB Local (in memory, free port), fills a table with app-shaped items
(sessions with notes and tags, subjects and their name guards, day aggregates, profiles,
streaks), then runs each phase in a FRESH process so that its peak RSS is its
own (VmHWM: the high-water mark starts afresh at exec, unlike ru_maxrss, which a child
inherits from the parent it forked from): once plain (items/second, peak RSS) and once
under tracemalloc (peak Python heap).
A flat memory profile shows as the same peak at 10,000 and 100,000 items.

Tables are created without their stream: DynamoDB Local slows every write down once it
holds some 10,000 stream records (tests/test_backup.py, ``new_table``), which would measure
the emulator, not this code. It prints figures; it asserts nothing.

Usage: .venv/bin/python bench/backup.py [--sizes 10000 100000] [--segments 4] [--workers 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib import keys  # noqa: E402
from chalicelib.backup import table as backup_table  # noqa: E402


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def create_table(client, name: str) -> None:
    definition = {k: v for k, v in keys.TABLE_DEFINITION.items() if k != "StreamSpecification"}
    client.create_table(TableName=name, **definition)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})


def app_items(count: int):
    """``count`` raw items shaped like the app's: per user a profile, 5 subjects and guards, a streak,
    60 days and sessions (notes of 0-300 characters, Japanese included)."""
    made, user = 0, 0
    notes = [
        "",
        "単語カード 50枚",
        "Read chapter 4 and did the exercises, checked answers twice. " * 2,
        "過去問 第3回 ✍️ " * 10,
    ]
    while True:
        pk = {"S": f"USER#bench-{user:05d}"}
        batch = [
            {
                "PK": pk,
                "SK": {"S": "PROFILE"},
                "type": {"S": "profile"},
                "timezone": {"S": "Asia/Tokyo"},
                "day_start_hour": {"N": "4"},
                "version": {"N": "2"},
            },
            {"PK": pk, "SK": {"S": "STREAK"}, "type": {"S": "streak"}, "current_days": {"N": "5"}},
        ]
        for s in range(5):
            batch.append(
                {
                    "PK": pk,
                    "SK": {"S": f"SUBJECT#s{s}"},
                    "type": {"S": "subject"},
                    "name": {"S": f"科目 {s}"},
                    "color": {"S": "#4f46e5"},
                    "archived": {"BOOL": False},
                    "version": {"N": "1"},
                }
            )
            batch.append(
                {
                    "PK": pk,
                    "SK": {"S": f"SUBJECTNAME#科目 {s}"},
                    "type": {"S": "subject_name"},
                    "subject_id": {"S": f"s{s}"},
                }
            )
        for d in range(60):
            batch.append(
                {
                    "PK": pk,
                    "SK": {"S": f"DAY#2026-{1 + d // 28:02d}-{1 + d % 28:02d}"},
                    "type": {"S": "day"},
                    "total_seconds": {"N": str(1800 * (d % 4))},
                    "by_subject": {"M": {"s0": {"N": "1800"}}},
                }
            )
        for n in range(300):
            start = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z"
            batch.append(
                {
                    "PK": pk,
                    "SK": {"S": f"SESSION#{user:05d}{n:05d}"},
                    "LSI1SK": {"S": f"{start}#{user:05d}{n:05d}"},
                    "type": {"S": "session"},
                    "subject_id": {"S": f"s{n % 5}"},
                    "started_at": {"S": start},
                    "ended_at": {"S": start.replace(":00:00Z", ":50:00Z")},
                    "duration_seconds": {"N": "3000"},
                    "note": {"S": notes[n % len(notes)]},
                    "tags": {"L": [{"S": "review"}] if n % 2 else []},
                    "version": {"N": "1"},
                    "created_at": {"S": start},
                    "updated_at": {"S": start},
                }
            )
        for item in batch:
            if made == count:
                return
            made += 1
            yield item
        user += 1


def fill(client_factory, table: str, count: int, threads: int = 4) -> float:
    items = list(app_items(count))
    started = time.perf_counter()

    def write(chunk):
        client = client_factory()
        for start in range(0, len(chunk), 25):
            backup_table.write_batch(client, table, chunk[start : start + 25])

    workers = [threading.Thread(target=write, args=(items[n::threads],)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


# -- one phase, in its own process ---------------------------------------------------------------
def peak_rss_kb() -> int:
    """This process's resident-set high-water mark (Linux: /proc/self/status VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def phase(args) -> None:
    import tracemalloc

    from chalicelib.backup import destinations, dump, restore
    from studytracker import ddblocal

    port = int(args.endpoint.rsplit(":", 1)[1])
    client = ddblocal.client(port)
    client.list_tables(Limit=1)  # the client's own setup is not the phase's
    floor_kb = peak_rss_kb()
    if args.trace:
        tracemalloc.start()
    started = time.perf_counter()
    root = destinations.for_table(args.dir, args.source)
    if args.phase == "backup":
        manifest = dump.export_table(client, args.source, root, backup_id=args.backup_id, segments=args.segments)
        items = manifest["item_count"]
    else:
        create_table(client, args.target)
        result = restore.restore(client, root, args.backup_id, args.target, workers=args.workers)
        items = result.written
    seconds = time.perf_counter() - started
    heap_peak = tracemalloc.get_traced_memory()[1] if args.trace else None
    print(
        json.dumps(
            {"items": items, "seconds": seconds, "floor_kb": floor_kb, "peak_kb": peak_rss_kb(), "heap_peak": heap_peak}
        )
    )


def run_phase(
    name: str,
    endpoint: str,
    source: str,
    backup_dir: str,
    backup_id: str,
    trace: bool,
    segments: int,
    workers: int,
    target: str = "",
) -> dict:
    command = [
        sys.executable,
        __file__,
        "--phase",
        name,
        "--endpoint",
        endpoint,
        "--source",
        source,
        "--dir",
        backup_dir,
        "--backup-id",
        backup_id,
        "--segments",
        str(segments),
        "--workers",
        str(workers),
        "--target",
        target,
    ] + (["--trace"] if trace else [])
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=1800)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--segments", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--phase", choices=["backup", "restore"])
    parser.add_argument("--endpoint")
    parser.add_argument("--source")
    parser.add_argument("--target", default="")
    parser.add_argument("--dir")
    parser.add_argument("--backup-id")
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    if args.phase:
        phase(args)
        return

    from studytracker import ddblocal, localenv

    port = localenv.free_port()
    scratch = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    # The largest table (~100 MB as Java objects) needs more heap than the dev runner's 256 MB.
    original = ddblocal.java_command
    ddblocal.java_command = lambda *a: [("-Xmx1g" if part.startswith("-Xmx") else part) for part in original(*a)]
    process = ddblocal.start(port, None, scratch / "dynamodb.log")
    rows = []
    try:
        ddblocal.wait_ready(port, process)
        endpoint = localenv.endpoint(port)
        client = ddblocal.client(port)
        for size in args.sizes:
            source = f"bench_{size}"
            create_table(client, source)
            seconds = fill(lambda: ddblocal.client(port), source, size)
            log(f"filled {source}: {size:,} items in {seconds:.1f} s ({size / seconds:,.0f} items/s, 4 threads)")
            for name in ("backup", "restore"):
                figures = {}
                for trace in (False, True):
                    suffix = "t" if trace else "p"
                    backup_id = f"20260101T00000{0 if not trace else 1}Z"
                    result = run_phase(
                        name,
                        endpoint,
                        source,
                        str(scratch / "backups"),
                        "20260101T000000Z" if name == "restore" else backup_id,
                        trace,
                        args.segments,
                        args.workers,
                        target=f"{source}_restored_{suffix}",
                    )
                    figures["trace" if trace else "plain"] = result
                    log(f"{name} {size:,} {'(tracemalloc)' if trace else ''}: {result}")
                plain, traced = figures["plain"], figures["trace"]
                rows.append(
                    (
                        name,
                        size,
                        plain["items"],
                        plain["items"] / plain["seconds"],
                        plain["seconds"],
                        plain["peak_kb"] / 1024,
                        (plain["peak_kb"] - plain["floor_kb"]) / 1024,
                        traced["heap_peak"] / 2**20,
                    )
                )
            parts = sorted((scratch / "backups" / source / "20260101T000000Z").glob("*.gz"))
            log(f"backup of {size:,} items: {len(parts)} parts, {sum(p.stat().st_size for p in parts):,} bytes gzip")
    finally:
        process.terminate()
        process.wait(timeout=10)
    print(
        f"\nBACKUP AND RESTORE on DynamoDB Local (in memory, no stream), {os.cpu_count()} cores, "
        f"{args.segments} scan segments, {args.workers} restore workers"
    )
    print(
        f"{'phase':8} {'items':>8} {'items/s':>9} {'seconds':>8} {'peak RSS MB':>12} {'RSS growth MB':>14} "
        f"{'tracemalloc peak MB':>20}"
    )
    for name, _size, items, rate, seconds, rss, growth, heap in rows:
        print(f"{name:8} {items:>8,} {rate:>9,.0f} {seconds:>8.1f} {rss:>12.1f} {growth:>14.1f} {heap:>20.2f}")


if __name__ == "__main__":
    main()
