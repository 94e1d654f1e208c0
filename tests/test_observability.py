"""One JSON line per request, stream batch and backup on stdout: structured log fields, no custom metric."""

from __future__ import annotations

import json

import pytest

from chalicelib import observability


def lines(capsys) -> list[dict]:
    """The request lines printed since the last read."""
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"message":"request"' in line]


def test_each_request_prints_one_line_with_route_method_status_and_latency(api, capsys):
    capsys.readouterr()
    status, subject = api.post("/v1/subjects", {"name": "Kanji"})
    assert status == 201
    status, _ = api.get(f"/v1/subjects/{subject['id']}")
    assert status == 200
    first, second = lines(capsys)
    assert (first["route"], first["method"], first["status"]) == ("POST /v1/subjects", "POST", 201)
    assert (second["route"], second["status"]) == ("GET /v1/subjects/{subject_id}", 200)
    for line in (first, second):
        assert len(line["request_id"]) == 36  # chalice local has no API Gateway request id; Lambda does
        assert 0 < line["latency_ms"] < 10_000 and line["service"] == "api"
        assert line["level"] == "INFO" and "error_code" not in line


def test_route_is_the_template_so_ids_in_the_path_never_reach_the_log(api, capsys):
    capsys.readouterr()
    status, _ = api.get("/v1/sessions/secret-looking-id")
    assert status == 404
    (line,) = lines(capsys)
    assert line["route"] == "GET /v1/sessions/{session_id}"
    assert "secret-looking-id" not in json.dumps(line)


def test_no_log_line_holds_the_raw_user_id_or_the_token(api, other, capsys):
    capsys.readouterr()
    api.post("/v1/subjects", {"name": "Maths"})
    api.get("/v1/me")
    other.get("/v1/me")
    api.get("/v1/sessions/missing")
    out = capsys.readouterr().out
    assert out.count('"message":"request"') == 4
    for secret in (api.user_id, other.user_id, api.token, other.token, api.token.split(".")[-1], "alice", "bob"):
        assert secret not in out
    documents = [json.loads(line) for line in out.splitlines() if '"message":"request"' in line]
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
    assert line["status"] == 400
    assert line["error_code"] == "validation_error" and line["level"] == "INFO"


def test_an_unauthenticated_request_is_logged_without_a_user(client, capsys):
    capsys.readouterr()
    response = client.http.get("/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    (line,) = lines(capsys)
    assert line["user"] is None and line["error_code"] == "unauthorized" and line["status"] == 401


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
    assert line["status"] == 500 and line["route"] == "GET /v1/boom"
    assert line["level"] == "ERROR" and line["error_code"] == "unhandled"
    assert line["user"] == observability.user_hash("local-carol") and line["api_request_id"] == "api-1"


def test_a_request_line_carries_no_custom_metric(api, capsys):
    # API Gateway publishes Count, 4XXError, 5XXError and Latency for free; each distinct EMF
    # (metric, dimensions) would be a billed custom metric, and per-route latency comes from these
    # lines through the saved Logs Insights queries (studytracker/infra/templates.py).
    capsys.readouterr()
    api.get("/v1/me")
    api.get("/v1/sessions/missing")
    found = lines(capsys)
    assert len(found) == 2 and all("_aws" not in line for line in found)
    assert {line["route"] for line in found} == {"GET /v1/me", "GET /v1/sessions/{session_id}"}


def test_stream_batch_reports_processed_and_parked_records(capsys):
    observability.stream_batch(processed=7, parked=2)
    (line,) = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert (line["records_processed"], line["records_parked"], line["service"]) == (7, 2, "stream")
    assert line["level"] == "WARN" and "_aws" not in line


def test_backup_export_reports_items_and_bytes(capsys):
    observability.backup_export(items=1200, size_bytes=345_678)
    (line,) = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert (line["items"], line["bytes"], line["service"]) == (1200, 345_678, "backup")
    assert line["message"] == "backup exported"
    assert "_aws" not in line
