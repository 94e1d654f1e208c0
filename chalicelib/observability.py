"""Request logs and CloudWatch metrics: one JSON line per request, in the Embedded Metric Format.

Each request prints ONE line to stdout that is both the structured log line (request id,
hashed user, route, method, status, latency) and, through its ``_aws`` block, the metrics
CloudWatch extracts from it: no API call on the request path, one log event per request.

In-house rather than Powertools for AWS Lambda: importing Powertools' Logger and Metrics
measured 35-40 ms (with .pyc, quiet machine; bench/powertools_import.py), above the 30 ms
cold-start budget on its own; this module needs only the standard library (docs/cost.md).

Metric cardinality is chosen for cost: every distinct (name, dimensions) is a billed custom
metric, so Requests and the error counts carry only ``Service``; Latency carries the route.

Background work reports through ``stream_batch`` and ``backup_export``.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from typing import Any

NAMESPACE = "StudyTracker"
SERVICE = "api"
ANONYMOUS = "anonymous"


def emit(document: dict) -> None:
    """One compact JSON line on stdout, which Lambda ships to CloudWatch Logs as one event."""
    sys.stdout.write(json.dumps(document, separators=(",", ":"), default=str) + "\n")


def user_hash(user_id: str | None) -> str | None:
    """A stable, non-reversible tag for a user in logs; the raw id never reaches a log line."""
    if not user_id or user_id == ANONYMOUS:
        return None
    return hashlib.sha256(b"studytracker-log:" + user_id.encode()).hexdigest()[:16]


def emf(
    metrics: dict[str, tuple[float, str]],
    dimensions: dict[str, str],
    per_dimension_set: list[tuple[list[str], list[str]]],
    properties: dict | None = None,
) -> dict:
    """An EMF document: ``metrics`` maps name -> (value, unit); each (dimension names, metric names)
    pair of ``per_dimension_set`` becomes one CloudWatchMetrics directive."""
    directives = [
        {
            "Namespace": NAMESPACE,
            "Dimensions": [names],
            "Metrics": [{"Name": m, "Unit": metrics[m][1]} for m in metric_names],
        }
        for names, metric_names in per_dimension_set
    ]
    document: dict[str, Any] = {"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": directives}}
    document.update(properties or {})
    document.update(dimensions)
    document.update({name: value for name, (value, _) in metrics.items()})
    return document


def _error_code(response) -> str | None:
    """The app's ``error.code`` (or Chalice's own ``Code``) of an error response, when readable."""
    body = response.body
    try:
        parsed = json.loads(body) if isinstance(body, (str, bytes)) else body
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    error = parsed.get("error")
    return error.get("code") if isinstance(error, dict) else parsed.get("Code")


def request_line(request, status: int, latency_ms: float, error_code: str | None = None) -> dict:
    """The per-request document: structured log fields plus the request metrics."""
    context = getattr(request, "context", None) or {}
    authorizer = context.get("authorizer") or {}
    lambda_context = getattr(request, "lambda_context", None)
    route = f"{request.method} {context.get('resourcePath', '?')}"
    properties = {
        "level": "ERROR" if status >= 500 else "INFO",
        "message": "request",
        "request_id": getattr(lambda_context, "aws_request_id", None),
        "api_request_id": context.get("requestId"),
        "user": user_hash(authorizer.get("principalId")),
        "method": request.method,
        "status": status,
        "latency_ms": round(latency_ms, 3),
    }
    if error_code:
        properties["error_code"] = error_code
    metrics = {
        "Requests": (1, "Count"),
        "Errors4xx": (1 if 400 <= status < 500 else 0, "Count"),
        "Errors5xx": (1 if status >= 500 else 0, "Count"),
        "Latency": (round(latency_ms, 3), "Milliseconds"),
    }
    return emf(
        metrics,
        {"Service": SERVICE, "Route": route},
        [(["Service"], ["Requests", "Errors4xx", "Errors5xx"]), (["Service", "Route"], ["Latency"])],
        properties,
    )


def http_middleware(request, get_response):
    """Chalice ``http`` middleware body: time the request, print its line, pass the response on."""
    started = time.perf_counter()
    try:
        response = get_response(request)
    except Exception:
        # Chalice's own handler turns it into a 500 after us: log it as that.
        emit(request_line(request, 500, (time.perf_counter() - started) * 1000, "unhandled"))
        raise
    status = response.status_code
    emit(
        request_line(
            request, status, (time.perf_counter() - started) * 1000, _error_code(response) if status >= 400 else None
        )
    )
    return response


def stream_batch(processed: int, parked: int) -> None:
    """Call once per stream batch: records projected, and records parked for an operator."""
    emit(
        emf(
            {"StreamRecordsProcessed": (processed, "Count"), "StreamRecordsParked": (parked, "Count")},
            {"Service": "stream"},
            [(["Service"], ["StreamRecordsProcessed", "StreamRecordsParked"])],
            {"level": "WARN" if parked else "INFO", "message": "stream batch"},
        )
    )


def backup_export(items: int, size_bytes: int) -> None:
    """Call once per finished backup: items exported and bytes written."""
    emit(
        emf(
            {"BackupItems": (items, "Count"), "BackupBytes": (size_bytes, "Bytes")},
            {"Service": "backup"},
            [(["Service"], ["BackupItems", "BackupBytes"])],
            {"level": "INFO", "message": "backup exported"},
        )
    )
