"""`python -m studytracker cost`: the monthly AWS bill, computed from what `make bench` measured.

Per request it takes the benchmark's measured handler time (CPU and waiting apart), the
DynamoDB read and write units each route consumed, and the bytes each request logs; the
Lambda memory comes from .chalice/config.json. Prices live in ONE dated table (PRICES);
every assumption the benchmark cannot measure is a named constant below, printed with the
result. The seed plan's own estimates are shown beside ours.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from .localenv import DATA_DIR, ROOT

RESULTS = DATA_DIR / "bench" / "results.json"

# AWS list prices, us-east-1, x86, in USD. Checked against the AWS pricing pages as of this date:
# re-check them there before relying on the result (prices change; so do free tiers).
PRICES_AS_OF = "2025-08-01"
PRICES = {
    "lambda_request": 0.20 / 1e6,  # per invocation
    "lambda_gb_second": 0.0000166667,  # per GB-second, INIT included (billed since 2025-08-01)
    "apigw_rest_request": 3.50 / 1e6,  # REST API, first 333 M a month (what Chalice deploys)
    "apigw_http_request": 1.00 / 1e6,  # HTTP API: what the seed plan priced; shown for comparison
    "ddb_read_unit": 0.125 / 1e6,  # on-demand read request unit (since 2024-11-01)
    "ddb_write_unit": 0.625 / 1e6,  # on-demand write request unit
    "ddb_storage_gb_month": 0.25,
    "ddb_stream_read": 0.02 / 100_000,  # GetRecords; FREE when a Lambda trigger reads the stream
    "s3_storage_gb_month": 0.023,  # S3 Standard, first 50 TB
    "logs_ingest_gb": 0.50,  # CloudWatch Logs (Lambda logs, first 10 TB)
    "custom_metric_month": 0.30,  # per metric-month, prorated by the hour it receives data
    "xray_trace": 5.00 / 1e6,  # traces recorded
}
# "Always free" allowances a month. The 12-month offers (API Gateway 1 M calls, S3 5 GB) are NOT
# applied: accounts opened since 2025-07-15 get credits instead of them.
FREE_TIER = {
    "lambda_requests": 1_000_000,
    "lambda_gb_seconds": 400_000,
    "ddb_storage_gb": 25,
    "logs_ingest_gb": 5,
    "custom_metrics": 10,
    "xray_traces": 100_000,
}

# -- assumptions the benchmark cannot measure ----------------------------------------------------
MIX = {"read": 0.60, "write": 0.30, "timer": 0.10}  # share of API requests; equal weight per route within
PROFILES = (25_000, 100_000, 500_000)  # the seed plan's dev, prod and high-traffic months
PLAN: dict[
    float, dict[str, float]
] = {  # the seed plan's monthly estimates (USD) for those profiles, by its own service lines
    25_000: {
        "Lambda": 0.50,
        "API Gateway": 0.025,
        "DynamoDB": 1.50,
        "S3": 0.25,
        "CloudWatch": 0.25,
        "X-Ray": 0.0,
        "Route 53": 0.0,
    },
    100_000: {
        "Lambda": 2.00,
        "API Gateway": 0.10,
        "DynamoDB": 3.00,
        "S3": 0.50,
        "CloudWatch": 0.50,
        "X-Ray": 0.0,
        "Route 53": 0.50,
    },
    500_000: {
        "Lambda": 10.00,
        "API Gateway": 0.50,
        "DynamoDB": 8.00,
        "S3": 1.00,
        "CloudWatch": 1.00,
        "X-Ray": 0.0,
        "Route 53": 0.50,
    },
}
COLD_START_SHARE = 0.05  # invocations that start a new environment (AWS sees <1% in busy production)
AUTHORIZER_SHARE = 0.50  # requests that miss API Gateway's 60 s authorizer cache
FULL_VCPU_MB = 1769  # Lambda gives one full vCPU at 1,769 MB: CPU time stretches below that
PLATFORM_LOG_BYTES = 350  # Lambda's START/END/REPORT lines per invocation
STORED_MONTHS = 12  # data kept: each write or timer request adds one session-sized item
BACKUP_COPIES = 30  # daily backups kept in S3, each a full copy of the table
SECONDS_A_MONTH = 30 * 86400
XRAY_RESERVOIR_PER_SECOND = 1  # default sampling: the first request each second, then 5%
XRAY_RATE = 0.05
GB = 1024**3


class MissingBenchmark(RuntimeError):
    pass


@dataclass(frozen=True)
class Workload:
    """What one API request costs on average, from the benchmark, under the mix."""

    api_billed_ms: float
    api_read_units: float
    api_write_units: float
    api_log_bytes: float
    latency_route_weights: tuple[float, ...]  # each mixed route's share of requests (its Latency metric)
    authorizer_billed_ms: float
    authorizer_read_units: float
    stream_billed_ms: float  # per invocation (one record each)
    stream_records_per_write: float  # a write's record plus those of the aggregates it rewrites
    stream_read_units: float  # per write, the whole cascade
    stream_write_units: float
    init_ms: float
    memory_mb: dict
    session_item_bytes: float
    xray: bool


def billed_ms(wall_ms: float, cpu_ms: float, memory_mb: int) -> int:
    """Lambda duration, billed per started ms: waiting as measured, CPU stretched below a full vCPU."""
    stretch = max(1.0, FULL_VCPU_MB / memory_mb)
    return math.ceil(max(wall_ms - cpu_ms, 0.0) + cpu_ms * stretch)


def load(path: Path = RESULTS) -> dict:
    if not path.exists():
        raise MissingBenchmark(
            f"no benchmark results at {path}: run `make bench` first (about 5 minutes), then run this command again."
        )
    return json.loads(path.read_text())


def workload(results: dict, xray: bool) -> Workload:
    warm, memory = results["warm"], results["lambda_memory_mb"]
    api_mb = memory["api_handler"]
    by_category: dict[str, list[dict]] = {c: [] for c in MIX}
    for row in warm["routes"].values():
        if row["category"] in by_category:
            by_category[row["category"]].append(row)
    missing = [c for c, rows in by_category.items() if not rows]
    if missing:
        raise MissingBenchmark(f"the benchmark measured no {', '.join(missing)} route: run `make bench` again.")
    weighted = [(MIX[c] / len(rows), row) for c, rows in by_category.items() for row in rows]
    auth = warm["authorizer"].get("API token") or warm["authorizer"]["local token"]
    stream = warm.get("stream") or {
        "mean_ms": 0.0,
        "cpu_ms_mean": 0.0,
        "records_per_write": 0.0,
        "read_units_per_write": 0.0,
        "write_units_per_write": 0.0,
    }
    return Workload(
        api_billed_ms=sum(w * billed_ms(r["p50_ms"], r["cpu_ms_p50"], api_mb) for w, r in weighted),
        api_read_units=sum(w * r["read_units"] for w, r in weighted),
        api_write_units=sum(w * r["write_units"] for w, r in weighted),
        api_log_bytes=sum(w * r["log_bytes"] for w, r in weighted),
        latency_route_weights=tuple(w for w, _ in weighted),
        authorizer_billed_ms=billed_ms(auth["p50_ms"], auth["cpu_ms_p50"], memory["authorizer"]),
        authorizer_read_units=auth["read_units"],
        # The mean, not the median: most records are the projection's own writes and cost nothing.
        stream_billed_ms=billed_ms(stream["mean_ms"], stream["cpu_ms_mean"], memory["on_table_change"]),
        stream_records_per_write=stream["records_per_write"],
        stream_read_units=stream["read_units_per_write"],
        stream_write_units=stream["write_units_per_write"],
        init_ms=math.ceil(results["cold_start"]["app"]["total_ms_p50"]),
        memory_mb=memory,
        session_item_bytes=warm["session_item_bytes"],
        xray=xray,
    )


def _active_share(datapoints_a_month: float) -> float:
    """The share of a month's hours in which a metric gets data (CloudWatch bills by the hour),
    with requests spread evenly: 1 - P(no request in an hour)."""
    return 1 - math.exp(-datapoints_a_month / (SECONDS_A_MONTH / 3600))


def monthly(load: Workload, requests: float, free_tier: bool) -> dict[str, float]:
    """USD a month per line item for ``requests`` API requests."""
    p = PRICES
    writes = requests * (MIX["write"] + MIX["timer"])
    authorizer = requests * AUTHORIZER_SHARE
    # One invocation per stream record (one-record batches at low traffic); each write or timer
    # request causes ``stream_records_per_write`` of them, as measured.
    stream = writes * load.stream_records_per_write
    invocations = requests + authorizer + stream

    def gb_seconds(count: float, ms: float, function: str) -> float:
        return count * ms / 1000 * load.memory_mb[function] / 1024

    duration = (
        gb_seconds(requests, load.api_billed_ms, "api_handler")
        + gb_seconds(authorizer, load.authorizer_billed_ms, "authorizer")
        + gb_seconds(stream, load.stream_billed_ms, "on_table_change")
    )
    init = (
        gb_seconds(requests * COLD_START_SHARE, load.init_ms, "api_handler")
        + gb_seconds(authorizer * COLD_START_SHARE, load.init_ms, "authorizer")
        + gb_seconds(stream * COLD_START_SHARE, load.init_ms, "on_table_change")
    )
    read_units = (
        requests * load.api_read_units + authorizer * load.authorizer_read_units + writes * load.stream_read_units
    )
    write_units = requests * load.api_write_units + writes * load.stream_write_units
    table_gb = writes * STORED_MONTHS * load.session_item_bytes / GB
    log_gb = (requests * load.api_log_bytes + invocations * PLATFORM_LOG_BYTES) / GB
    metric_months = 3 * _active_share(requests)  # Requests, Errors4xx, Errors5xx (Service only)
    metric_months += sum(_active_share(requests * w) for w in load.latency_route_weights)
    metric_months += 2 * _active_share(stream) + 2 * _active_share(30)  # stream and daily backup metrics
    traced = min(invocations, SECONDS_A_MONTH * XRAY_RESERVOIR_PER_SECOND)
    traces = (traced + XRAY_RATE * (invocations - traced)) if load.xray else 0.0

    free = FREE_TIER if free_tier else {k: 0 for k in FREE_TIER}
    return {
        "Lambda requests": max(invocations - free["lambda_requests"], 0) * p["lambda_request"],
        "Lambda duration": max(duration - free["lambda_gb_seconds"], 0) * p["lambda_gb_second"],
        "Lambda init (billed cold starts)": max(init - max(free["lambda_gb_seconds"] - duration, 0), 0)
        * p["lambda_gb_second"],
        "API Gateway REST API": requests * p["apigw_rest_request"],
        "DynamoDB reads": read_units * p["ddb_read_unit"],
        "DynamoDB writes": write_units * p["ddb_write_unit"],
        "DynamoDB storage": max(table_gb - free["ddb_storage_gb"], 0) * p["ddb_storage_gb_month"],
        "DynamoDB Streams reads (by Lambda: free)": 0.0,
        "S3 backup storage": table_gb * BACKUP_COPIES * p["s3_storage_gb_month"],
        "CloudWatch Logs ingestion": max(log_gb - free["logs_ingest_gb"], 0) * p["logs_ingest_gb"],
        "CloudWatch custom metrics (EMF)": max(metric_months - free["custom_metrics"], 0) * p["custom_metric_month"],
        "X-Ray traces": max(traces - free["xray_traces"], 0) * p["xray_trace"],
    }


# Our line items grouped as the seed plan grouped its estimates.
GROUPS = {
    "Lambda": ("Lambda requests", "Lambda duration", "Lambda init (billed cold starts)"),
    "API Gateway": ("API Gateway REST API",),
    "DynamoDB": ("DynamoDB reads", "DynamoDB writes", "DynamoDB storage", "DynamoDB Streams reads (by Lambda: free)"),
    "S3": ("S3 backup storage",),
    "CloudWatch": ("CloudWatch Logs ingestion", "CloudWatch custom metrics (EMF)"),
    "X-Ray": ("X-Ray traces",),
    "Route 53": (),
}


def _money(value: float | None) -> str:
    if value is None:
        return "-"
    # Half-up with a nudge: the plan's $2.525 must print as its own $2.53, not float's $2.52.
    return f"${value + 1e-9:,.2f}" if value >= 0.005 or value == 0 else f"${value:.4f}"


def xray_enabled(stage: str = "prod") -> bool:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return bool(config.get("stages", {}).get(stage, {}).get("xray", config.get("xray", False)))


def report(results: dict, profiles: tuple[float, ...], xray: bool) -> str:
    load_ = workload(results, xray)
    routes = results["warm"]["routes"]
    lines = [
        f"StudyTracker monthly AWS cost, us-east-1 list prices as of {PRICES_AS_OF} (re-check before relying).",
        f"Measured by `make bench` at {results['measured_at']} on commit {results['machine'].get('commit', '?')} "
        f"(Python {results['machine']['python']}, {results['machine']['cpus']} CPUs).",
        "Chalice deploys an API Gateway REST API ($3.50 per million requests), not the HTTP API "
        "($1.00 per million) the seed plan priced.",
        "",
        "Request mix (share of API requests; routes weighted equally within a share):",
    ]
    for category, share in MIX.items():
        members = [name for name, row in routes.items() if row["category"] == category]
        lines.append(f"  {share:>4.0%} {category:<5} {', '.join(members)}")
    memory = load_.memory_mb
    lines += [
        f"Per API request: {load_.api_billed_ms:.1f} billed ms at {memory['api_handler']} MB, "
        f"{load_.api_read_units:.2f} read + {load_.api_write_units:.2f} write units, "
        f"{load_.api_log_bytes + PLATFORM_LOG_BYTES:.0f} log bytes.",
        f"Authorizer (Lambda, {memory['authorizer']} MB) on {AUTHORIZER_SHARE:.0%} of requests: "
        f"{load_.authorizer_billed_ms:.0f} billed ms, {load_.authorizer_read_units:.2f} read units. "
        f"Stream handler ({memory['on_table_change']} MB): {load_.stream_records_per_write:.1f} one-record "
        f"invocations per write or timer request, {load_.stream_billed_ms:.0f} billed ms each, "
        f"{load_.stream_read_units:.2f} read + {load_.stream_write_units:.2f} write units per write.",
        f"Cold starts: {COLD_START_SHARE:.0%} of invocations, {load_.init_ms:.0f} ms of billed INIT each "
        f"(measured here). X-Ray {'on (prod config)' if xray else 'off'}. Data: {STORED_MONTHS} months kept, "
        f"{load_.session_item_bytes:.0f} B a session item with its index copy; {BACKUP_COPIES} daily backups in S3.",
        "",
    ]
    header = f"{'':<18}" + "".join(f" | {f'{r:,.0f} requests/month':^32}" for r in profiles)
    sub = f"{'service':<18}" + "".join(f" | {'plan':>9} {'list':>10} {'free tier':>10}" for _ in profiles)
    lines += [header, sub, "-" * len(sub)]
    ours = {r: (monthly(load_, r, False), monthly(load_, r, True)) for r in profiles}
    totals = {r: [0.0, 0.0, 0.0] for r in profiles}
    for group, items in GROUPS.items():
        cells = []
        for r in profiles:
            plan = PLAN[r].get(group) if r in PLAN else None
            listed, freed = (sum(ours[r][i][item] for item in items) for i in (0, 1))
            cells.append(f" | {_money(plan):>9} {_money(listed):>10} {_money(freed):>10}")
            totals[r][0] += plan or 0.0
            totals[r][1] += listed
            totals[r][2] += freed
        lines.append(f"{group:<18}" + "".join(cells))
    lines.append("-" * len(sub))
    lines.append(
        f"{'total':<18}"
        + "".join(
            f" | {(_money(t[0]) if r in PLAN else '-'):>9} {_money(t[1]):>10} {_money(t[2]):>10}"
            for r, t in totals.items()
        )
    )
    lines += ["", "Line items (list price | with always-free tier):"]
    for item in ours[profiles[0]][0]:
        lines.append(
            f"  {item:<42}"
            + "".join(f" {_money(ours[r][0][item]):>10} {_money(ours[r][1][item]):>10}" for r in profiles)
        )
    lines += [
        "",
        "Not included: data transfer out, the UI's static files, Cognito (free up to 10,000 monthly active users "
        "on the Lite tier), a custom domain (Route 53; the plan's $0.50).",
    ]
    return "\n".join(lines)


def run(args) -> int:
    try:
        results = load(Path(args.results))
        profiles = (float(args.requests),) if args.requests is not None else PROFILES
        print(report(results, profiles, xray_enabled(args.stage)))
    except MissingBenchmark as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def register(commands) -> None:
    command = commands.add_parser("cost", help="monthly AWS cost from the benchmark's measurements (run make bench)")
    command.add_argument("--requests", type=int, help="API requests a month (default: the plan's three profiles)")
    command.add_argument("--results", default=str(RESULTS), help=f"benchmark results (default {RESULTS})")
    command.add_argument("--stage", default="prod", help="stage whose X-Ray setting applies (default prod)")
    command.set_defaults(run=run)
