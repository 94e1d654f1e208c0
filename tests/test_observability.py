"""One JSON line per request on stdout: structured log fields plus CloudWatch EMF metrics."""

from __future__ import annotations

import json

import pytest

from chalicelib import observability

EMF_UNITS = {
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
}


def lines(capsys) -> list[dict]:
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]


def assert_valid_emf(document: dict) -> None:
    """The rules of the Embedded Metric Format specification that CloudWatch enforces."""
    meta = document["_aws"]
    assert isinstance(meta["Timestamp"], int) and meta["Timestamp"] > 1_600_000_000_000
    assert meta["CloudWatchMetrics"], "at least one metric directive"
    for directive in meta["CloudWatchMetrics"]:
        assert isinstance(directive["Namespace"], str) and 1 <= len(directive["Namespace"]) <= 255
        for dimension_set in directive["Dimensions"]:
            assert 1 <= len(dimension_set) <= 30
            for name in dimension_set:
                assert isinstance(document[name], str) and document[name], f"dimension {name} needs a string value"
        assert 1 <= len(directive["Metrics"]) <= 100
        for metric in directive["Metrics"]:
            assert isinstance(document[metric["Name"]], (int, float)), metric["Name"]
            assert metric["Unit"] in EMF_UNITS


def test_each_request_prints_one_line_with_route_method_status_and_latency(api, capsys):
    capsys.readouterr()
    status, subject = api.post("/v1/subjects", {"name": "Kanji"})
    assert status == 201
    status, _ = api.get(f"/v1/subjects/{subject['id']}")
    assert status == 200
    first, second = lines(capsys)
    assert (first["Route"], first["method"], first["status"]) == ("POST /v1/subjects", "POST", 201)
    assert (second["Route"], second["status"]) == ("GET /v1/subjects/{subject_id}", 200)
    for line in (first, second):
        assert len(line["request_id"]) == 36  # chalice local has no API Gateway request id; Lambda does
        assert 0 < line["latency_ms"] == line["Latency"] < 10_000
        assert (line["Requests"], line["Errors4xx"], line["Errors5xx"]) == (1, 0, 0)
        assert line["level"] == "INFO" and "error_code" not in line
        assert_valid_emf(line)


def test_route_is_the_template_so_ids_in_the_path_never_reach_the_log(api, capsys):
    capsys.readouterr()
    status, _ = api.get("/v1/sessions/secret-looking-id")
    assert status == 404
    (line,) = lines(capsys)
    assert line["Route"] == "GET /v1/sessions/{session_id}"
    assert "secret-looking-id" not in json.dumps(line)


def test_no_log_line_holds_the_raw_user_id_or_the_token(api, other, capsys):
    capsys.readouterr()
    api.post("/v1/subjects", {"name": "Maths"})
    api.get("/v1/me")
    other.get("/v1/me")
    api.get("/v1/sessions/missing")
    out = capsys.readouterr().out
    assert out.count('"_aws"') == 4
    for secret in (api.user_id, other.user_id, api.token, other.token, api.token.split(".")[-1], "alice", "bob"):
        assert secret not in out
    documents = [json.loads(line) for line in out.splitlines() if '"_aws"' in line]
    assert {d["user"] for d in documents} == {
        observability.user_hash(api.user_id),
        observability.user_hash(other.user_id),
    }


def test_user_hash_is_stable_distinct_and_short():
    alice = observability.user_hash("local-alice")
    assert alice == observability.user_hash("local-alice")
    assert alice != observability.user_hash("local-bob")
    assert len(alice) == 16 and "alice" not in alice
    assert observability.user_hash(None) is None and observability.user_hash("anonymous") is None


def test_a_client_error_counts_as_4xx_and_names_its_code(api, capsys):
    capsys.readouterr()
    status, _ = api.post("/v1/subjects", {"name": ""})
    assert status == 400
    (line,) = lines(capsys)
    assert (line["status"], line["Errors4xx"], line["Errors5xx"]) == (400, 1, 0)
    assert line["error_code"] == "validation_error" and line["level"] == "INFO"


def test_an_unauthenticated_request_is_logged_without_a_user(client, capsys):
    capsys.readouterr()
    response = client.http.get("/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    (line,) = lines(capsys)
    assert line["user"] is None and line["error_code"] == "unauthorized" and line["Errors4xx"] == 1


class _Request:
    method = "GET"
    context = {"resourcePath": "/v1/boom", "requestId": "api-1", "authorizer": {"principalId": "local-carol"}}
    lambda_context = None


def test_an_exception_escaping_the_app_is_logged_as_a_5xx_and_raised_again(capsys):
    def explode(request):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        observability.http_middleware(_Request(), explode)
    (line,) = lines(capsys)
    assert (line["status"], line["Errors5xx"], line["Errors4xx"]) == (500, 1, 0)
    assert line["level"] == "ERROR" and line["error_code"] == "unhandled"
    assert line["user"] == observability.user_hash("local-carol") and line["api_request_id"] == "api-1"
    assert_valid_emf(line)


def test_requests_and_errors_carry_only_the_service_dimension_latency_also_the_route(api, capsys):
    # Every distinct (metric, dimensions) is a billed custom metric: keep the per-route ones to Latency.
    capsys.readouterr()
    api.get("/v1/me")
    (line,) = lines(capsys)
    by_dimensions = {
        tuple(d["Dimensions"][0]): sorted(m["Name"] for m in d["Metrics"]) for d in line["_aws"]["CloudWatchMetrics"]
    }
    assert by_dimensions == {("Service",): ["Errors4xx", "Errors5xx", "Requests"], ("Service", "Route"): ["Latency"]}
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "StudyTracker"
    assert line["Latency"] > 0 and line["_aws"]["CloudWatchMetrics"][1]["Metrics"][0]["Unit"] == "Milliseconds"


def test_stream_batch_reports_processed_and_parked_records(capsys):
    observability.stream_batch(processed=7, parked=2)
    (line,) = lines(capsys)
    assert_valid_emf(line)
    assert (line["StreamRecordsProcessed"], line["StreamRecordsParked"], line["Service"]) == (7, 2, "stream")
    assert line["level"] == "WARN"


def test_backup_export_reports_items_and_bytes(capsys):
    observability.backup_export(items=1200, size_bytes=345_678)
    (line,) = lines(capsys)
    assert_valid_emf(line)
    assert (line["BackupItems"], line["BackupBytes"], line["Service"]) == (1200, 345_678, "backup")
    units = {m["Name"]: m["Unit"] for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert units == {"BackupItems": "Count", "BackupBytes": "Bytes"}
