"""The cost model: known benchmark figures in, dollars worked out by hand out."""

from __future__ import annotations

import json
import math

import pytest

from studytracker import cost
from studytracker.__main__ import main


def route(category: str, p50: float, cpu: float, reads: float, writes: float, log_bytes: float = 650) -> dict:
    return {
        "response_bytes": 1000,
        "category": category,
        "query": "",
        "p50_ms": p50,
        "cpu_ms_p50": cpu,
        "read_units": reads,
        "write_units": writes,
        "log_bytes": log_bytes,
    }


def results(memory_mb: int = 2048) -> dict:
    """A benchmark with round numbers: 2,048 MB (a full vCPU, so CPU time is not stretched; 2 GB)."""
    return {
        "measured_at": "2026-01-01T00:00:00Z",
        "machine": {"python": "3.11.7", "cpus": 2, "commit": "abc1234"},
        "lambda_memory_mb": {"api_handler": memory_mb, "authorizer": memory_mb, "on_table_change": memory_mb},
        "cold_start": {"app": {"total_ms_p50": 499.2}},
        "warm": {
            "routes": {
                "GET /v1/me": route("read", 10.0, 4.0, 1.0, 0.0),  # bills ceil(6 + 4) = 10 ms
                "POST /v1/sessions": route("write", 20.0, 5.0, 1.0, 2.0),  # bills 20 ms
                "POST /v1/timer/start": route("timer", 8.0, 2.0, 1.0, 1.0),  # bills 8 ms
                # Once a learner-month (1 in 800 requests): priced as GET /v1/me here, so the sums stay round.
                "GET /v1/export": route("export", 10.0, 4.0, 1.0, 0.0),
                "GET /health": route("public", 0.1, 0.1, 0.0, 0.0),  # outside the mix
            },
            "authorizer": {"local token": {"p50_ms": 0.5, "cpu_ms_p50": 0.5, "read_units": 0.0}},
            # One record per write here; per invocation 6 ms (3 waiting + 3 CPU); units per write.
            "stream": {
                "mean_ms": 6.0,
                "cpu_ms_mean": 3.0,
                "records_per_write": 1.0,
                "read_units_per_write": 2.0,
                "write_units_per_write": 1.0,
            },
            "session_item_bytes": 1024,
            "backup": {"items": 300, "bytes": 15_360, "bytes_per_item": 51.2},
        },
    }


# Eight alarms, 42 backups kept, logs kept 90 days, nothing traced: prod's shape without X-Ray.
UNTRACED = cost.Deployment(traced=frozenset(), alarms=8, backup_copies=42, log_retention_days=90)
TRACED = cost.Deployment(
    traced=frozenset({"api_handler", "authorizer", "on_table_change"}),
    alarms=12,
    backup_copies=42,
    log_retention_days=90,
)


def test_cpu_time_stretches_below_a_full_vcpu_and_billing_rounds_up_to_the_millisecond():
    assert cost.billed_ms(5.0, 1.0, 128) == 18  # 4 ms waiting + 1 ms x 1769/128 = 17.82 -> 18
    assert cost.billed_ms(5.0, 1.0, 2048) == 5  # a full vCPU and more: no stretch
    assert cost.billed_ms(0.2, 0.3, 1769) == 1  # never below 1 ms, CPU above wall counts as CPU


def test_a_million_requests_at_list_price_match_the_hand_computation():
    load = cost.workload(results(), UNTRACED)
    assert load.api_billed_ms == pytest.approx(0.6 * 10 + 0.3 * 20 + 0.1 * 8)  # 12.8 ms
    bill = cost.monthly(load, 1_000_000, free_tier=False)  # no UI files (an unbuilt UI)
    # 1 M API requests; writes+timer 40% -> 400 k stream invocations; authorizer on 50% -> 500 k;
    # 1,250 learners (800 requests each) load index.html 40 times each: 50 k UI requests; 30 backups.
    assert bill["Lambda requests"] == pytest.approx(1_950_030 * 0.20 / 1e6)
    # GB-s at 2 GB: API 1e6 x 12.8 ms, UI 5e4 x 1 ms (GET /health's), authorizer 5e5 x 1 ms, stream 4e5 x 6 ms.
    assert bill["Lambda duration"] == pytest.approx((25_600 + 100 + 1_000 + 4_800) * 0.0000166667)
    # 5% cold starts of each function, 500 ms billed INIT each, at 2 GB.
    assert bill["Lambda init (billed cold starts)"] == pytest.approx(
        (52_500 + 25_000 + 20_000) * 0.5 * 2 * 0.0000166667
    )
    assert bill["API Gateway REST API (API and UI files)"] == pytest.approx(1_050_000 * 3.50 / 1e6)
    assert bill["DynamoDB reads"] == pytest.approx((1_000_000 * 1.0 + 400_000 * 2.0) * 0.125 / 1e6)  # $0.225
    assert bill["DynamoDB writes"] == pytest.approx((1_000_000 * 0.7 + 400_000 * 1.0) * 0.625 / 1e6)  # $0.6875
    table_gb = 400_000 * 12 * 1024 / 1024**3  # 4.5776 GB
    assert bill["DynamoDB storage"] == pytest.approx(table_gb * 0.25)
    assert bill["DynamoDB point-in-time recovery"] == pytest.approx(table_gb * 0.20)
    # Backups from the measured gzip bytes (51.2 B an item), 35 daily + 7 deleted ones kept.
    assert bill["S3 backup storage"] == pytest.approx(400_000 * 12 * 51.2 / 1024**3 * 42 * 0.023)
    assert bill["S3 backup requests"] == pytest.approx(30 * 7 * 0.005 / 1000)
    log_gb = (1_050_000 * 650 + 1_950_030 * 350) / 1024**3
    assert bill["CloudWatch Logs ingestion"] == pytest.approx(log_gb * 0.50)
    assert bill["CloudWatch Logs storage"] == pytest.approx(log_gb * 3 * 0.03)  # 90 days kept
    assert bill["CloudWatch custom metrics (none)"] == 0
    assert bill["CloudWatch alarms"] == pytest.approx(8 * 0.10)
    assert bill["X-Ray traces"] == 0
    assert bill["Cognito (Lite tier, one MAU per learner)"] == pytest.approx(1_250 * 0.0055)
    assert bill["Data transfer out"] == pytest.approx(1_000_000 * 1000 / 1024**3 * 0.09)
    assert bill["DynamoDB Streams reads (by Lambda: free)"] == 0


def test_the_always_free_tier_covers_lambda_time_storage_logs_alarms_and_cognito_but_not_api_gateway():
    bill = cost.monthly(cost.workload(results(), UNTRACED), 1_000_000, free_tier=True)
    assert bill["Lambda requests"] == pytest.approx(950_030 * 0.20 / 1e6)  # 1.95 M - 1 M free
    assert bill["Lambda duration"] == 0 and bill["Lambda init (billed cold starts)"] == 0  # < 400,000 GB-s
    assert bill["DynamoDB storage"] == 0 and bill["CloudWatch Logs ingestion"] == 0
    assert bill["CloudWatch alarms"] == 0  # 8 < 10
    assert bill["Cognito (Lite tier, one MAU per learner)"] == 0  # 1,250 < 10,000 MAU
    assert bill["Data transfer out"] == 0  # under 100 GB
    assert bill["API Gateway REST API (API and UI files)"] == pytest.approx(1_050_000 * 3.50 / 1e6)
    assert bill["DynamoDB reads"] == pytest.approx(0.225) and bill["DynamoDB writes"] == pytest.approx(0.6875)
    assert bill["DynamoDB point-in-time recovery"] > 0  # no free tier


def test_alarms_beyond_ten_and_learners_beyond_ten_thousand_are_billed_with_the_free_tier():
    bill = cost.monthly(cost.workload(results(), TRACED), 20_000_000, free_tier=True)
    assert bill["CloudWatch alarms"] == pytest.approx(2 * 0.10)
    assert bill["Cognito (Lite tier, one MAU per learner)"] == pytest.approx((25_000 - 10_000) * 0.0055)


def test_api_requests_are_traced_at_the_stage_rules_rate_and_a_traced_stream_function_by_lambdas_rule():
    load = cost.workload(results(), TRACED)
    # 1 M API + 50 k UI requests at 5%; 400 k stream invocations: one a second for 2,592,000 s would
    # take them all (each record is traced).
    assert cost.monthly(load, 1_000_000, False)["X-Ray traces"] == pytest.approx((52_500 + 400_000) * 5 / 1e6)
    assert cost.monthly(load, 1_000_000, True)["X-Ray traces"] == pytest.approx((452_500 - 100_000) * 5 / 1e6)
    # 8 M requests: 3.2 M stream invocations, 2,592,000 in the reservoir and 5% of the rest.
    assert cost.monthly(load, 8_000_000, False)["X-Ray traces"] == pytest.approx(
        (8_400_000 * 0.05 + 2_592_000 + 0.05 * 608_000) * 5 / 1e6
    )


def test_the_prod_deployment_is_read_from_the_config_and_the_templates():
    prod = cost.deployment("prod")
    assert prod.traced == {"api_handler", "authorizer"}  # background functions are not traced
    assert prod.alarms <= 10 and prod.backup_copies == 35 + 7 and prod.log_retention_days == 90
    assert cost.deployment("dev").traced == frozenset()


def test_the_per_learner_table_divides_each_total_by_its_learners():
    load = cost.workload(results(), UNTRACED)
    rows = cost.per_learner(load, (1000, 200_000, 4))
    assert [learners for learners, *_ in rows] == [100, 1_000, 10_000, 100_000]
    for learners, requests, listed, freed in rows:
        assert requests == learners * 800
        assert listed == pytest.approx(sum(cost.monthly(load, requests, False, (1000, 200_000, 4)).values()))
        assert freed <= listed


def test_every_record_a_write_causes_is_an_invocation_but_units_count_once_per_write():
    data = results()
    data["warm"]["stream"]["records_per_write"] = 3.0  # the session's record and two aggregates'
    bill = cost.monthly(cost.workload(data, UNTRACED), 1_000_000, free_tier=False)
    # 1 M API + 50 k UI + 500 k authorizer + 400 k writes x 3 records + 30 backups = 2.75 M invocations.
    assert bill["Lambda requests"] == pytest.approx(2_750_030 * 0.20 / 1e6)
    assert bill["Lambda duration"] == pytest.approx((25_600 + 100 + 1_000 + 1_200_000 * 6 / 1000 * 2) * 0.0000166667)
    assert bill["DynamoDB reads"] == pytest.approx((1_000_000 * 1.0 + 400_000 * 2.0) * 0.125 / 1e6)


def test_small_memory_stretches_cpu_time_into_billed_duration():
    load = cost.workload(results(memory_mb=128), UNTRACED)
    stretch = 1769 / 128
    assert load.api_billed_ms == pytest.approx(
        0.6 * math.ceil(6 + 4 * stretch) + 0.3 * math.ceil(15 + 5 * stretch) + 0.1 * math.ceil(6 + 2 * stretch)
    )


def test_the_command_prints_three_profiles_beside_the_plan_and_says_rest_api(tmp_path, capsys):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results()))
    assert main(["cost", "--results", str(path), "--stage", "dev"]) == 0
    out = capsys.readouterr().out
    assert "REST API" in out and "not the HTTP API" in out
    for profile in ("25,000 requests/month", "100,000 requests/month", "500,000 requests/month"):
        assert profile in out
    plan_totals = [line for line in out.splitlines() if line.startswith("total")]
    assert plan_totals and "$2.53" in plan_totals[0] and "$6.60" in plan_totals[0] and "$21.00" in plan_totals[0]
    assert "60% read" in out and "30% write" in out and "10% timer" in out
    assert "GET /health" not in out.split("Request mix")[1].split("Per API request")[0]


def test_any_request_count_can_be_priced(tmp_path, capsys):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results()))
    assert main(["cost", "--results", str(path), "--requests", "1000000", "--stage", "dev"]) == 0
    out = capsys.readouterr().out
    assert "1,000,000 requests/month" in out and "25,000 requests/month" not in out
    api_gateway = next(line for line in out.splitlines() if line.startswith("API Gateway"))
    files = cost.ui_files()[2]  # the built UI's hashed assets, fetched twice a month by each of 1,250 learners
    assert f"${(1_000_000 + 1_250 * (40 + 2 * files)) * 3.50 / 1e6:.2f}" in api_gateway


def test_without_a_benchmark_the_command_says_to_run_make_bench(tmp_path, capsys):
    assert main(["cost", "--results", str(tmp_path / "missing.json")]) == 2
    assert "run `make bench` first" in capsys.readouterr().err
