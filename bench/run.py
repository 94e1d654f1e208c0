"""`make bench`: cold start, warm latency per route, DynamoDB cost per route, and throughput, in one table.

Starts its own DynamoDB Local (in memory, free port) and its own dev stack; writes every
figure to .data/bench/results.json, which `python -m studytracker cost` reads. Not part of
`make test`: it prints measurements, it asserts nothing about time.

Usage: .venv/bin/python bench/run.py [--runs 15] [--iterations 200] [--rate 100] [--duration 60]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import cold_start  # noqa: E402
import throughput  # noqa: E402
import warm  # noqa: E402

from studytracker import ddblocal, localenv  # noqa: E402

RESULTS = localenv.DATA_DIR / "bench" / "results.json"
SECTIONS = ("COLD START", "WARM", "THROUGHPUT", "TARGETS")
CHALICE_DEFAULT_MEMORY_MB = 128


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def lambda_memory(stage: str = "prod") -> dict:
    """Memory per function as .chalice/config.json sets it for ``stage`` (Chalice's default otherwise)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    stage_config = config.get("stages", {}).get(stage, {})
    default = stage_config.get("lambda_memory_size", config.get("lambda_memory_size", CHALICE_DEFAULT_MEMORY_MB))
    functions = stage_config.get("lambda_functions", {})
    return {
        name: functions.get(name, {}).get("lambda_memory_size", default)
        for name in ("api_handler", "authorizer", "on_table_change")
    }


def lambda_stage_env(stage: str) -> dict:
    """The stage's environment variables that change how Python imports (PYDANTIC_*), not the app's settings."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = config["stages"][stage].get("environment_variables", {})
    return {k: v for k, v in env.items() if k.startswith("PYDANTIC_")}


def _two_free_ports() -> tuple[int, int]:
    first = localenv.free_port()
    second = localenv.free_port()
    while second == first:
        second = localenv.free_port()
    return first, second


def verdicts(results: dict) -> list[tuple[str, str, bool]]:
    cold, routes = results["cold_start"], results["warm"]["routes"]
    app, floor, fastapi = (cold[v]["total_ms_p50"] for v in ("app", "floor", "fastapi"))
    added_cold = cold["obs-only"]["total_ms_p50"]
    added_ab = app - cold["app-no-obs"]["total_ms_p50"]
    middleware = results["warm"]["middleware"]["us_per_request_2xx"] / 1000
    db_routes = {n: r for n, r in routes.items() if r["ddb_requests"] > 0}
    worst_share = max((middleware / r["p50_ms"], n) for n, r in db_routes.items()) if db_routes else (0, "-")
    slowest = max((r["p95_ms"], n) for n, r in routes.items() if r["category"] != "export")
    reads = {n: r["ddb_requests_max"] for n, r in routes.items() if r["category"] == "read"}
    summary = routes.get("GET /v1/stats/summary")
    multi = {n: c for n, c in reads.items() if c != 1}
    load = results["throughput"]
    return [
        (
            f"cold start {app:.0f} ms <= 1.05 x floor {floor:.0f} ms = {1.05 * floor:.0f} ms",
            f"{app / floor:.2f}x",
            app <= 1.05 * floor,
        ),
        (
            f"cold start {app:.0f} ms <= 0.7 x FastAPI+Mangum {fastapi:.0f} ms = {0.7 * fastapi:.0f} ms",
            f"{app / fastapi:.2f}x",
            app <= 0.7 * fastapi,
        ),
        (
            "observability adds <= 30 ms to the cold start (its import + first line, in isolation)",
            f"{added_cold:.2f} ms (A/B of whole cold starts: {added_ab:+.0f} ms, within their noise)",
            added_cold <= 30,
        ),
        (
            "observability adds <= 5% to the warm handler (worst DynamoDB route)",
            f"{100 * worst_share[0]:.2f}% ({worst_share[1]})",
            worst_share[0] <= 0.05,
        ),
        (
            "warm p95 < 20 ms on every route but GET /v1/export",
            f"max {slowest[0]:.1f} ms ({slowest[1]})",
            slowest[0] < 20,
        ),
        *(
            [("GET /v1/stats/summary CPU <= 5 ms", f"{summary['cpu_ms_p50']:.1f} ms", summary["cpu_ms_p50"] <= 5)]
            if summary
            else []
        ),
        (
            "every read route but GET /v1/export makes one DynamoDB request",
            "all 1" if not multi else ", ".join(f"{n}: {c}" for n, c in multi.items()),
            not multi,
        ),
        *(
            (
                f"{name}: {p['target_rps']:g}/s for {results['parameters']['duration']:g} s, 0 errors",
                f"{p['achieved_rps']:.1f}/s, {p['errors']} errors",
                p["errors"] == 0 and p["achieved_rps"] >= 0.98 * p["target_rps"],
            )
            for name, p in load.items()
        ),
        *cost_verdicts(results),
    ]


def cost_verdicts(results: dict) -> list[tuple[str, str, bool]]:
    """The monthly bill's goals, priced from these results as `python -m studytracker cost` prices them."""
    from studytracker import cost

    load = cost.workload(results, cost.deployment("prod"))
    ui = cost.ui_files()
    verdicts = []
    for name, (requests, free_tier, limit) in cost.GOALS.items():
        bill = cost.monthly(load, requests, free_tier, ui)
        total = sum(bill.values())
        verdicts.append(
            (
                f"{name} <= ${limit:.2f}",
                f"${total:.2f} (without Cognito's MAUs ${total - bill[cost.COGNITO]:.2f})",
                total <= limit,
            )
        )
    return verdicts


def table(results: dict) -> str:
    rows = [("", "p50 ms", "p95 ms", "p99 ms", "cpu ms", "DDB req", "cap. units", "note")]
    cold = results["cold_start"]
    names = {
        "app": "StudyTracker app.py, GET /v1/me",
        "app-no-obs": "  same, observability stubbed out",
        "obs-only": "  observability alone: import + 1st line",
        "floor": "floor: Chalice + boto3 + pydantic",
        "fastapi": "FastAPI + Mangum + boto3 (seed plan)",
    }
    rows.append((f"COLD START (import + 1st request, {cold['app']['runs']} runs)", "", "", "", "", "", "", ""))
    for variant, name in names.items():
        c = cold[variant]
        rows.append(
            (
                name,
                f"{c['total_ms_p50']:.0f}" if variant != "obs-only" else f"{c['total_ms_p50']:.2f}",
                "",
                "",
                "",
                "0" if variant == "obs-only" else "1",
                "",
                f"import {c['import_ms_p50']:.0f}, range {c['total_ms_min']:.0f}-{c['total_ms_max']:.0f}",
            )
        )
    w = results["warm"]
    rows.append(
        (
            f"WARM, in-process vs DynamoDB Local ({results['parameters']['iterations']} calls each)",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        )
    )
    for name, r in w["routes"].items():
        note = r["category"] + (f", {r['query']}" if r["query"] else "") + f", {'+'.join(r['operations']) or '-'}"
        rows.append(
            (
                name,
                f"{r['p50_ms']:.1f}",
                f"{r['p95_ms']:.1f}",
                f"{r['p99_ms']:.1f}",
                f"{r['cpu_ms_p50']:.1f}",
                f"{r['ddb_requests']:g}"
                + ("" if r["ddb_requests_max"] == r["ddb_requests"] else f" (max {r['ddb_requests_max']})"),
                f"{r['capacity_units']:.2f}",
                note,
            )
        )
    for kind, r in w["authorizer"].items():
        rows.append(
            (
                f"authorizer, {kind}",
                f"{r['p50_ms']:.2f}",
                f"{r['p95_ms']:.2f}",
                f"{r['p99_ms']:.2f}",
                f"{r['cpu_ms_p50']:.2f}",
                f"{r['ddb_requests']:g}",
                f"{r['capacity_units']:.2f}",
                "separate Lambda; API Gateway caches its answer 60 s",
            )
        )
    if w.get("stream"):
        s = w["stream"]
        rows.append(
            (
                "stream handler, 1 record/invocation",
                f"{s['p50_ms']:.1f}",
                f"{s['p95_ms']:.1f}",
                f"{s['p99_ms']:.1f}",
                f"{s['cpu_ms_p50']:.1f}",
                f"{s['ddb_requests']:g}",
                f"{s['capacity_units']:.2f}",
                f"per new session: {s['records_per_write']:.1f} records, {s['read_units_per_write']:.1f} read + "
                f"{s['write_units_per_write']:.1f} write units",
            )
        )
    m = w["middleware"]
    rows.append(
        (
            "observability middleware alone",
            f"{m['us_per_request_2xx'] / 1000:.3f}",
            "",
            "",
            "",
            "0",
            "",
            f"{m['us_per_request_2xx']:.1f} us (4xx {m['us_per_request_4xx']:.1f} us), {m['line_bytes']} B/line",
        )
    )
    for name in w["absent"]:
        rows.append((name, "", "", "", "", "", "", "not in app.py yet"))
    for name, why in w["failed"].items():
        rows.append((name, "", "", "", "", "", "", f"FAILED: {why[:80]}"))
    rows.append(("THROUGHPUT, chalice local via `studytracker dev`, open loop", "", "", "", "", "", "", ""))
    for name, p in results["throughput"].items():
        rows.append(
            (
                f"{name} at {p['target_rps']:g}/s",
                f"{p['p50_ms']:.1f}",
                f"{p['p95_ms']:.1f}",
                f"{p['p99_ms']:.1f}",
                "",
                "",
                "",
                f"{p['requests']} sent, {p['achieved_rps']:.1f}/s achieved, {p['errors']} errors",
            )
        )
    rows.append(("TARGETS", "", "", "", "", "", "", ""))
    for what, figure, met in verdicts(results):
        rows.append((("PASS " if met else "MISS ") + what, "", "", "", "", "", "", figure))
    sections = {r[0] for r in rows if r[0].startswith(SECTIONS)}
    verdict_rows = {r[0] for r in rows if r[0].startswith(("PASS ", "MISS "))}
    cells = [r for r in rows if r[0] not in sections | verdict_rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(rows[0]))]
    machine = results["machine"]
    lines = [
        f"StudyTracker benchmark {results['measured_at']}, commit {machine['commit']}, Python {machine['python']}, "
        f"{machine['cpus']} CPUs, load average {machine['load_average_at_start'][0]:.1f} at start, "
        f"{machine['load_average_at_end'][0]:.1f} at end"
    ]
    for r in rows:
        if r[0] in sections:
            lines.append(f"-- {r[0]} " + "-" * max(0, sum(widths) + 3 * len(widths) - len(r[0]) - 4))
        elif r[0] in verdict_rows:
            lines.append(f"{r[0]}: {r[7]}")
        else:
            lines.append(
                " | ".join(
                    cell.ljust(widths[i]) if i in (0, 7) else cell.rjust(widths[i]) for i, cell in enumerate(r)
                ).rstrip()
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="cold starts per variant (default 15)")
    parser.add_argument("--iterations", type=int, default=200, help="warm calls per route (default 200)")
    parser.add_argument("--rate", type=float, default=100, help="load: requests per second (default 100)")
    parser.add_argument("--duration", type=float, default=60, help="load: seconds per phase (default 60)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--table", action="store_true", help="print the table of the results file, measure nothing")
    args = parser.parse_args(argv)
    if args.table:
        print(table(json.loads(args.out.read_text())))
        return 0

    load_at_start = os.getloadavg()  # other work on the machine skews every figure: keep it on record
    scratch = Path(tempfile.mkdtemp(prefix="studytracker-bench-"))
    port = localenv.free_port()
    log(f"DynamoDB Local on port {port} (in memory); scratch {scratch}")
    dynamodb = ddblocal.start(port, None, scratch / "dynamodb.log")
    try:
        ddblocal.wait_ready(port, dynamodb)
        ddb = ddblocal.client(port)
        ddblocal.ensure_table(ddb, "bench_cold")
        cold_start.seed(ddb, "bench_cold")
        # What the deployed stages set for the import (.chalice/config.json), for every variant alike.
        staged = lambda_stage_env("prod")
        cold_env = {**cold_start.os_env(localenv.app_env(port, table="bench_cold", data_dir=scratch)), **staged}
        cold = cold_start.measure(ROOT, scratch, cold_env, args.runs, log)
        localenv.apply(localenv.app_env(port, table="bench_warm", data_dir=scratch))
        warm_results = warm.measure(port, args.iterations, log)
    finally:
        dynamodb.terminate()
        dynamodb.wait(timeout=10)
    load = throughput.measure(ROOT, *_two_free_ports(), args.rate, args.duration, log)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    results = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "commit": commit.stdout.strip(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": os.getloadavg(),
        },
        "parameters": vars(args) | {"out": str(args.out)},
        "lambda_memory_mb": lambda_memory(),
        "cold_start": cold,
        "warm": warm_results,
        "throughput": load,
    }
    results["targets"] = [{"target": t, "figure": f, "met": m} for t, f, m in verdicts(results)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(table(results))
    print(
        f"\nresults: {args.out} (read by `python -m studytracker cost`; "
        f"`bench/run.py --table` prints this table again from it)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
