"""Fuzz the whole API from its own OpenAPI document: no 5xx, no answer outside the document.

Schemathesis generates requests for every operation, valid ones (positive) and invalid ones
(negative), and sends them through a small WSGI adapter to Chalice's own local gateway (the one
the test client and `chalice local` use: authorizer, middleware, routing), backed by DynamoDB
Local. The budget is pinned and generation derandomized, so a run is reproducible.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES_PER_OPERATION_AND_MODE = 30
MIN_REQUESTS = 1000


def of_the_app(check):
    """Run `check` on the app's answers only. chalice local's own 401 (no Authorization header:
    the authorizer never runs) has no Content-Type, where API Gateway's says application/json;
    those answers are checked for status only, and counted by the adapter."""

    def checked(ctx, response, case):
        return None if "x-amzn-errortype" in {k.lower() for k in response.headers} else check(ctx, response, case)

    checked.__name__ = check.__name__
    return checked


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    of_the_app(content_type_conformance),
    of_the_app(response_headers_conformance),
    of_the_app(response_schema_conformance),
    negative_data_rejection,
]


class ChaliceWSGI:
    """WSGI in front of a Chalice test client: counts what it serves."""

    def __init__(self, client):
        self.client = client
        self.statuses: Counter = Counter()
        self.gateway_answers: Counter = Counter()

    def __call__(self, environ, start_response):
        path = environ.get("RAW_URI") or quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/%")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = {
            name[5:].replace("_", "-").title(): value for name, value in environ.items() if name.startswith("HTTP_")
        }
        for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(name):
                headers[name.replace("_", "-").title()] = environ[name]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        response = self.client.http.request(environ["REQUEST_METHOD"], path, headers=headers, body=body)
        self.statuses[response.status_code] += 1
        if "x-amzn-ErrorType" in response.headers:
            self.gateway_answers[(response.status_code, response.headers["x-amzn-ErrorType"])] += 1
        payload = response.body if isinstance(response.body, bytes) else (response.body or "").encode()
        start_response(f"{response.status_code} X", [(k, str(v)) for k, v in response.headers.items()])
        return [payload]


@pytest.fixture
def fuzz_target(client, api):
    status, subject = api.post("/v1/subjects", {"name": "Fuzzing"})
    assert status == 201
    return ChaliceWSGI(client), {"Authorization": f"Bearer {api.token}"}


def test_generated_requests_cause_no_server_error_and_no_answer_outside_the_document(fuzz_target):
    app, auth = fuzz_target
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call(headers=auth)
                case.validate_response(response, checks=CHECKS, headers=auth)

            try:
                run()
            except Unsatisfiable:
                continue  # nothing to make invalid: no parameters and no body
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - collect all failures, report them all
                found = getattr(failure, "exceptions", None) or [failure]
                failures.append(
                    f"{operation.method.upper()} {operation.path} [{mode.value}]: "
                    + " | ".join(
                        f"{getattr(f, 'title', type(f).__name__)}: {getattr(f, 'message', str(f))}"[:600] for f in found
                    )
                )
    served = sum(app.statuses.values())
    print(
        f"\nfuzz: {len(operations)} operations, {served} requests, statuses {dict(sorted(app.statuses.items()))}, "
        f"answered by the gateway itself: {dict(app.gateway_answers)}"
    )
    assert not failures, "\n\n".join(failures)
    assert served >= MIN_REQUESTS, f"only {served} requests were generated"
    assert not any(status >= 500 for status in app.statuses)
    assert set(app.gateway_answers) <= {(401, "UnauthorizedException")}


def test_the_fuzzer_covers_every_route(client):
    document = json.loads(client.http.get("/openapi.json").body)
    described = {(m.upper(), p) for p, methods in document["paths"].items() for m in methods}
    from app import app as chalice_app

    routes = {(m, p) for p, methods in chalice_app.routes.items() for m in methods}
    assert routes <= described
