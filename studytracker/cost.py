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
    "logs_storage_gb_month": 0.03,  # archived logs (billed compressed; priced here as ingested: an upper bound)
    "custom_metric_month": 0.30,  # per metric-month, prorated by the hour it receives data
    "alarm_metric_month": 0.10,  # standard-resolution alarm, per metric it reads
    "xray_trace": 5.00 / 1e6,  # traces recorded
    "ddb_pitr_gb_month": 0.20,  # point-in-time recovery (continuous backups), per GB of table
    "s3_put_request": 0.005 / 1000,  # PUT, COPY, POST, LIST (DELETE is free)
    "sqs_request": 0.40 / 1e6,  # standard queue
    "sns_email": 2.00 / 100_000,  # e-mail notifications
    "cognito_lite_mau": 0.0055,  # Lite tier, per monthly active user, 10,001-100,000 (the pool's tier)
    "data_transfer_out_gb": 0.09,  # to the internet, first 10 TB
}
# "Always free" allowances a month. The 12-month offers (API Gateway 1 M calls, S3 5 GB) are NOT
# applied: accounts opened since 2025-07-15 get credits instead of them.
FREE_TIER = {
    "lambda_requests": 1_000_000,
    "lambda_gb_seconds": 400_000,
    "ddb_storage_gb": 25,
    "logs_ingest_gb": 5,
    "custom_metrics": 10,
    "alarm_metrics": 10,
    "xray_traces": 100_000,
    "sqs_requests": 1_000_000,
    "sns_emails": 1_000,
    "cognito_mau": 10_000,  # Lite and Essentials tiers
    "data_transfer_out_gb": 100,  # aggregated across services
}

# -- assumptions the benchmark cannot measure ----------------------------------------------------
# Share of API requests; equal weight per route within. An export is a learner's once a month
# (LEARNER_EXPORTS), not one read route among many: it reads the whole partition and answers megabytes.
LEARNER_EXPORTS = 1
_SHARES = {"read": 0.60, "write": 0.30, "timer": 0.10}
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
SECONDS_A_MONTH = 30 * 86400
LAMBDA_XRAY_RESERVOIR_PER_SECOND = 1  # a traced function without an upstream decision: Lambda's fixed rule
LAMBDA_XRAY_RATE = 0.05
BACKUP_PUTS_A_DAY = 4 + 1 + 2  # a part per scan segment, the manifest, the LISTs of the prune
ALARM_EMAILS_A_MONTH = 10  # alarm and budget notifications (state changes), an assumption

# The learner the per-learner table prices, derived from MIX: on each of 20 study days a month a
# learner starts and stops a timer twice (4 timer requests), which is 10% of their API requests; so
# 800 API requests a month, 480 reads and 240 writes. Each day they open the app twice: index.html
# is fetched each time (no-cache) and the hashed assets once per deploy (immutable, two deploys a month).
LEARNER_STUDY_DAYS = 20
LEARNER_TIMER_REQUESTS_A_DAY = 4
LEARNER_API_REQUESTS = LEARNER_STUDY_DAYS * LEARNER_TIMER_REQUESTS_A_DAY / _SHARES["timer"]
MIX = {
    **_SHARES,
    "read": _SHARES["read"] - LEARNER_EXPORTS / LEARNER_API_REQUESTS,
    "export": LEARNER_EXPORTS / LEARNER_API_REQUESTS,
}
LEARNER_PAGE_LOADS = 2 * LEARNER_STUDY_DAYS
DEPLOYS_A_MONTH = 2
LEARNERS = (100, 1_000, 10_000, 100_000)
GOALS = {  # (profile in API requests a month, priced with the free tier?, at most USD)
    "prod profile with the always-free tier": (100_000, True, 1.00),
    "prod profile at list price": (100_000, False, 2.00),
    "dev profile with the always-free tier": (25_000, True, 0.50),
    "high profile at list price": (500_000, False, 5.00),
}
GB = 1024**3
COGNITO = "Cognito (Lite tier, one MAU per learner)"


class MissingBenchmark(RuntimeError):
    pass


@dataclass(frozen=True)
class Deployment:
    """What the stage deploys that prices depend on, read from .chalice/config.json and the templates."""

    traced: frozenset[str]  # functions with active tracing
    alarms: int  # CloudWatch alarms (one metric each)
    backup_copies: int  # daily backups kept, plus the deleted ones S3 keeps as old versions
    log_retention_days: int


def deployment(stage: str = "prod") -> Deployment:
    from .infra import config as infra_config
    from .infra import templates

    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    functions = infra_config.functions(config, stage)
    resources = templates.resources_template(functions, stages=(stage,))
    parameters = {**{k: v.get("Default") for k, v in resources["Parameters"].items()}}
    parameters.update(infra_config.STAGE_PARAMETERS.get(stage, {}))
    env = infra_config.stage_config(config, stage).get("environment_variables", {})
    return Deployment(
        traced=frozenset(f for f in functions if infra_config.xray_enabled(config, stage, f)),
        alarms=sum(1 for r in resources["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"),
        backup_copies=int(env.get("STUDYTRACKER_BACKUP_KEEP_DAYS", 30)) + int(parameters["DeletedBackupDays"]),
        log_retention_days=int(parameters["LogRetentionDays"]),
    )


@dataclass(frozen=True)
class Workload:
    """What one API request costs on average, from the benchmark, under the mix."""

    api_billed_ms: float
    api_read_units: float
    api_write_units: float
    api_log_bytes: float
    api_response_bytes: float
    ui_billed_ms: float  # serving a file of the UI (GET /health's work: a lookup, no DynamoDB)
    authorizer_billed_ms: float
    authorizer_read_units: float
    stream_billed_ms: float  # per invocation (one record each)
    stream_records_per_write: float  # a write's record plus those of the aggregates it rewrites
    stream_read_units: float  # per write, the whole cascade
    stream_write_units: float
    init_ms: float
    memory_mb: dict
    session_item_bytes: float
    backup_bytes_per_item: float
    deployed: Deployment


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


def workload(results: dict, deployed: Deployment) -> Workload:
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
    public = [row for row in warm["routes"].values() if row["category"] == "public"]
    auth = warm["authorizer"].get("API token") or warm["authorizer"]["local token"]
    stream = warm.get("stream") or {
        "mean_ms": 0.0,
        "cpu_ms_mean": 0.0,
        "records_per_write": 0.0,
        "read_units_per_write": 0.0,
        "write_units_per_write": 0.0,
    }
    backup = warm.get("backup")
    if not backup:
        raise MissingBenchmark("the benchmark measured no backup size: run `make bench` again.")
    return Workload(
        api_billed_ms=sum(w * billed_ms(r["p50_ms"], r["cpu_ms_p50"], api_mb) for w, r in weighted),
        api_read_units=sum(w * r["read_units"] for w, r in weighted),
        api_write_units=sum(w * r["write_units"] for w, r in weighted),
        api_log_bytes=sum(w * r["log_bytes"] for w, r in weighted),
        api_response_bytes=sum(w * r.get("response_bytes", 0.0) for w, r in weighted),
        ui_billed_ms=billed_ms(public[0]["p50_ms"], public[0]["cpu_ms_p50"], api_mb) if public else 1,
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
        backup_bytes_per_item=backup["bytes_per_item"],
        deployed=deployed,
    )


def ui_files() -> tuple[int, int, int]:
    """The UI as `make web` built it: index.html's bytes, its hashed assets' bytes and their count
    (zeros when unbuilt). Sizes as stored: API Gateway does not compress them."""
    web = ROOT / "chalicelib" / "web"
    index = web / "index.html"
    assets = [p for p in (web / "assets").glob("*") if p.is_file()] if (web / "assets").is_dir() else []
    return (index.stat().st_size if index.exists() else 0), sum(p.stat().st_size for p in assets), len(assets)


def _active_share(datapoints_a_month: float) -> float:
    """The share of a month's hours in which a metric gets data (CloudWatch bills by the hour),
    with requests spread evenly: 1 - P(no request in an hour)."""
    return 1 - math.exp(-datapoints_a_month / (SECONDS_A_MONTH / 3600))


def _lambda_traces(invocations: float) -> float:
    """Traces Lambda records for a traced function invoked without an upstream sampling decision."""
    reservoir = min(invocations, SECONDS_A_MONTH * LAMBDA_XRAY_RESERVOIR_PER_SECOND)
    return reservoir + LAMBDA_XRAY_RATE * (invocations - reservoir)


def monthly(load: Workload, requests: float, free_tier: bool, ui: tuple[int, int, int] = (0, 0, 0)) -> dict[str, float]:
    """USD a month per line item for ``requests`` API requests (and the UI files their learners load)."""
    from .infra.templates import TRACE_SAMPLING

    p, deployed = PRICES, load.deployed
    learners = requests / LEARNER_API_REQUESTS
    ui_requests = learners * (LEARNER_PAGE_LOADS + DEPLOYS_A_MONTH * ui[2])
    writes = requests * (MIX["write"] + MIX["timer"])
    authorizer = requests * AUTHORIZER_SHARE
    # One invocation per stream record (one-record batches at low traffic); each write or timer
    # request causes ``stream_records_per_write`` of them, as measured.
    stream = writes * load.stream_records_per_write
    backups = 30
    invocations = requests + ui_requests + authorizer + stream + backups

    def gb_seconds(count: float, ms: float, function: str) -> float:
        return count * ms / 1000 * load.memory_mb[function] / 1024

    duration = (
        gb_seconds(requests, load.api_billed_ms, "api_handler")
        + gb_seconds(ui_requests, load.ui_billed_ms, "api_handler")
        + gb_seconds(authorizer, load.authorizer_billed_ms, "authorizer")
        + gb_seconds(stream, load.stream_billed_ms, "on_table_change")
    )
    init = (
        gb_seconds((requests + ui_requests) * COLD_START_SHARE, load.init_ms, "api_handler")
        + gb_seconds(authorizer * COLD_START_SHARE, load.init_ms, "authorizer")
        + gb_seconds(stream * COLD_START_SHARE, load.init_ms, "on_table_change")
    )
    read_units = (
        requests * load.api_read_units + authorizer * load.authorizer_read_units + writes * load.stream_read_units
    )
    write_units = requests * load.api_write_units + writes * load.stream_write_units
    stored_items = writes * STORED_MONTHS
    table_gb = stored_items * load.session_item_bytes / GB
    backup_gb = stored_items * load.backup_bytes_per_item / GB
    log_gb = ((requests + ui_requests) * load.api_log_bytes + invocations * PLATFORM_LOG_BYTES) / GB
    stored_log_gb = log_gb * deployed.log_retention_days / 30  # steady state: the retention's worth of months
    # Traces: API Gateway decides for a request (the stage's sampling rule) and the functions it
    # calls follow; a traced background function samples by Lambda's own fixed rule.
    traces = (requests + ui_requests) * TRACE_SAMPLING["FixedRate"] if "api_handler" in deployed.traced else 0.0
    if "on_table_change" in deployed.traced:
        traces += _lambda_traces(stream)
    if "backup_table" in deployed.traced:
        traces += _lambda_traces(backups)
    out_gb = (
        requests * load.api_response_bytes + learners * (LEARNER_PAGE_LOADS * ui[0] + DEPLOYS_A_MONTH * ui[1])
    ) / GB

    free = FREE_TIER if free_tier else {k: 0 for k in FREE_TIER}
    return {
        "Lambda requests": max(invocations - free["lambda_requests"], 0) * p["lambda_request"],
        "Lambda duration": max(duration - free["lambda_gb_seconds"], 0) * p["lambda_gb_second"],
        "Lambda init (billed cold starts)": max(init - max(free["lambda_gb_seconds"] - duration, 0), 0)
        * p["lambda_gb_second"],
        "API Gateway REST API (API and UI files)": (requests + ui_requests) * p["apigw_rest_request"],
        "DynamoDB reads": read_units * p["ddb_read_unit"],
        "DynamoDB writes": write_units * p["ddb_write_unit"],
        "DynamoDB storage": max(table_gb - free["ddb_storage_gb"], 0) * p["ddb_storage_gb_month"],
        "DynamoDB point-in-time recovery": table_gb * p["ddb_pitr_gb_month"],
        "DynamoDB Streams reads (by Lambda: free)": 0.0,
        "S3 backup storage": backup_gb * deployed.backup_copies * p["s3_storage_gb_month"],
        "S3 backup requests": backups * BACKUP_PUTS_A_DAY * p["s3_put_request"],
        "CloudWatch Logs ingestion": max(log_gb - free["logs_ingest_gb"], 0) * p["logs_ingest_gb"],
        "CloudWatch Logs storage": max(stored_log_gb - max(free["logs_ingest_gb"] - log_gb, 0), 0)
        * p["logs_storage_gb_month"],
        "CloudWatch custom metrics (none)": 0.0,
        "CloudWatch alarms": max(deployed.alarms - free["alarm_metrics"], 0) * p["alarm_metric_month"],
        "X-Ray traces": max(traces - free["xray_traces"], 0) * p["xray_trace"],
        "SQS failure queue (messages only when a batch fails)": 0.0,
        "SNS alarm e-mails": max(ALARM_EMAILS_A_MONTH - free["sns_emails"], 0) * p["sns_email"],
        COGNITO: max(learners - free["cognito_mau"], 0) * p["cognito_lite_mau"],
        "Data transfer out": max(out_gb - free["data_transfer_out_gb"], 0) * p["data_transfer_out_gb"],
    }


def per_learner(load: Workload, ui: tuple[int, int, int]) -> list[tuple[int, float, float, float]]:
    """(learners, API requests a month, USD a month at list price, with the free tier)."""
    rows = []
    for learners in LEARNERS:
        requests = learners * LEARNER_API_REQUESTS
        rows.append(
            (
                learners,
                requests,
                sum(monthly(load, requests, False, ui).values()),
                sum(monthly(load, requests, True, ui).values()),
            )
        )
    return rows


# Our line items grouped as the seed plan grouped its estimates.
GROUPS = {
    "Lambda": ("Lambda requests", "Lambda duration", "Lambda init (billed cold starts)"),
    "API Gateway": ("API Gateway REST API (API and UI files)",),
    "DynamoDB": (
        "DynamoDB reads",
        "DynamoDB writes",
        "DynamoDB storage",
        "DynamoDB point-in-time recovery",
        "DynamoDB Streams reads (by Lambda: free)",
    ),
    "S3": ("S3 backup storage", "S3 backup requests"),
    "CloudWatch": (
        "CloudWatch Logs ingestion",
        "CloudWatch Logs storage",
        "CloudWatch custom metrics (none)",
        "CloudWatch alarms",
    ),
    "X-Ray": ("X-Ray traces",),
    "Cognito": (COGNITO,),
    "SQS, SNS, data out": (
        "SQS failure queue (messages only when a batch fails)",
        "SNS alarm e-mails",
        "Data transfer out",
    ),
    "Route 53": (),
}


def _money(value: float | None) -> str:
    if value is None:
        return "-"
    # Half-up with a nudge: the plan's $2.525 must print as its own $2.53, not float's $2.52.
    return f"${value + 1e-9:,.2f}" if value >= 0.005 or value == 0 else f"${value:.4f}"


def report(results: dict, profiles: tuple[float, ...], stage: str = "prod") -> str:
    deployed = deployment(stage)
    load_ = workload(results, deployed)
    ui = ui_files()
    routes = results["warm"]["routes"]
    lines = [
        f"StudyTracker monthly AWS cost, us-east-1 list prices as of {PRICES_AS_OF} (re-check before relying), "
        f"as the {stage} stage deploys it.",
        f"Measured by `make bench` at {results['measured_at']} on commit {results['machine'].get('commit', '?')} "
        f"(Python {results['machine']['python']}, {results['machine']['cpus']} CPUs).",
        "Chalice deploys an API Gateway REST API ($3.50 per million requests), not the HTTP API "
        "($1.00 per million) the seed plan priced.",
        "",
        "Request mix (share of API requests; routes weighted equally within a share):",
    ]
    for category, share in MIX.items():
        members = [name for name, row in routes.items() if row["category"] == category]
        lines.append(f"  {f'{share:.0%}' if share >= 0.01 else f'{share:.2%}':>5} {category:<6} {', '.join(members)}")
    memory = load_.memory_mb
    traced = ", ".join(sorted(deployed.traced)) or "nothing"
    lines += [
        f"Per API request: {load_.api_billed_ms:.1f} billed ms at {memory['api_handler']} MB, "
        f"{load_.api_read_units:.2f} read + {load_.api_write_units:.2f} write units, "
        f"{load_.api_log_bytes + PLATFORM_LOG_BYTES:.0f} log bytes, {load_.api_response_bytes:.0f} response bytes.",
        f"Authorizer (Lambda, {memory['authorizer']} MB) on {AUTHORIZER_SHARE:.0%} of requests: "
        f"{load_.authorizer_billed_ms:.0f} billed ms, {load_.authorizer_read_units:.2f} read units. "
        f"Stream handler ({memory['on_table_change']} MB): {load_.stream_records_per_write:.1f} one-record "
        f"invocations per write or timer request, {load_.stream_billed_ms:.0f} billed ms each, "
        f"{load_.stream_read_units:.2f} read + {load_.stream_write_units:.2f} write units per write.",
        f"Cold starts: {COLD_START_SHARE:.0%} of invocations, {load_.init_ms:.0f} ms of billed INIT each "
        f"(measured here). Data: {STORED_MONTHS} months kept, {load_.session_item_bytes:.0f} B a session item "
        f"with its index copy, {load_.backup_bytes_per_item:.0f} B an item in a gzip backup (measured); "
        f"{deployed.backup_copies} backups kept (daily ones plus deleted ones S3 keeps as old versions).",
        f"Deployed: {deployed.alarms} alarms, no custom metric, logs kept {deployed.log_retention_days} days, "
        f"traced: {traced} (API Gateway samples requests by the stage's rule).",
        f"Learner: {LEARNER_API_REQUESTS:.0f} API requests a month ({LEARNER_STUDY_DAYS} study days, "
        f"{LEARNER_TIMER_REQUESTS_A_DAY} timer requests a day = {MIX['timer']:.0%} of their requests), "
        f"{LEARNER_PAGE_LOADS} page loads (index.html, {ui[0]:,} B) and the {ui[2]} hashed assets "
        f"({ui[1]:,} B) once per deploy, {DEPLOYS_A_MONTH} deploys a month; one Cognito MAU.",
        "",
    ]
    header = f"{'':<18}" + "".join(f" | {f'{r:,.0f} requests/month':^32}" for r in profiles)
    sub = f"{'service':<18}" + "".join(f" | {'plan':>9} {'list':>10} {'free tier':>10}" for _ in profiles)
    lines += [header, sub, "-" * len(sub)]
    ours = {r: (monthly(load_, r, False, ui), monthly(load_, r, True, ui)) for r in profiles}
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
            f"  {item:<54}"
            + "".join(f" {_money(ours[r][0][item]):>10} {_money(ours[r][1][item]):>10}" for r in profiles)
        )
    lines += ["", "Per active learner (the learner above; storage at the steady state of a year):"]
    lines.append(
        f"  {'learners':>9} {'API requests':>13} {'list':>11} {'per learner':>12} {'free tier':>11} {'per learner':>12}"
    )
    for learners, requests, listed, freed in per_learner(load_, ui):
        lines.append(
            f"  {learners:>9,} {requests:>13,.0f} {_money(listed):>11} {f'${listed / learners:.4f}':>12} "
            f"{_money(freed):>11} {f'${freed / learners:.4f}':>12}"
        )
    if set(profiles) == set(PROFILES):
        lines += ["", "Goals (docs/cost.md):"]
        for name, (requests, free_tier, limit) in GOALS.items():
            bill = monthly(load_, requests, free_tier, ui)
            total = sum(bill.values())
            verdict = "PASS" if total <= limit else "FAIL"
            lines.append(
                f"  {verdict} {name}: {_money(total)} <= {_money(limit)} "
                f"(without Cognito's MAUs, which the plan did not price: {_money(total - bill[COGNITO])})"
            )
    lines += [
        "",
        "Not included: a custom domain (Route 53; the plan's $0.50), AWS Budgets (the first two budgets are free), "
        "Logs Insights scans ($0.005 per GB when an operator runs a saved query).",
    ]
    return "\n".join(lines)


def run(args) -> int:
    try:
        results = load(Path(args.results))
        profiles = (float(args.requests),) if args.requests is not None else PROFILES
        print(report(results, profiles, args.stage))
    except MissingBenchmark as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def register(commands) -> None:
    command = commands.add_parser("cost", help="monthly AWS cost from the benchmark's measurements (run make bench)")
    command.add_argument("--requests", type=int, help="API requests a month (default: the plan's three profiles)")
    command.add_argument("--results", default=str(RESULTS), help=f"benchmark results (default {RESULTS})")
    command.add_argument("--stage", default="prod", help="stage whose deployment is priced (default prod)")
    command.set_defaults(run=run)
