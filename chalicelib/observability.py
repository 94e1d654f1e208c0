"""Structured logs: one JSON line per request, per stream batch and per backup; no custom metric.

Each request prints ONE line to stdout (request id, hashed user, route template, method, status,
latency, error code); the stream handler one per batch (records processed and parked), the backup
one per backup (items, bytes). None carries an Embedded Metric Format block: API Gateway and
Lambda already publish requests, errors, throttles, duration, latency and iterator age for free,
and per-route figures are saved CloudWatch Logs Insights queries over these lines
(``studytracker/infra/templates.py``, QUERIES). The per-route ``Latency`` metric these lines used to
carry was $8.39 of a $10.67 prod month; four background metrics no alarm read were $0.62 more at
list price (docs/cost.md).

In-house rather than Powertools for AWS Lambda: importing Powertools' Logger and Metrics
measured 35-40 ms (with .pyc, quiet machine; bench/powertools_import.py), above the 30 ms
cold-start budget on its own; this module needs only the standard library (docs/cost.md).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time

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
    """The per-request log document (no metrics: see the module's docstring)."""
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
    return {"service": SERVICE, "route": route, **properties}


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
        {
            "service": "stream",
            "level": "WARN" if parked else "INFO",
            "message": "stream batch",
            "records_processed": processed,
            "records_parked": parked,
        }
    )


def backup_export(items: int, size_bytes: int) -> None:
    """Call once per finished backup: items exported and bytes written."""
    emit({"service": "backup", "level": "INFO", "message": "backup exported", "items": items, "bytes": size_bytes})
