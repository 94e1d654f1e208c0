"""Fuzz the whole API from its own OpenAPI document: no 5xx, no answer outside the document.

Schemathesis generates requests for every operation, valid ones (positive) and invalid ones
(negative), and sends them through a small WSGI adapter to Chalice's own local gateway (the one
the test client and `chalice local` use: authorizer, middleware, routing), backed by DynamoDB
Local. The budget is pinned and generation derandomized, so a run is reproducible.

The stateless test sends random ids, so the item routes mostly answer 404; the stateful one follows
the document's links (chalicelib/openapi.py ``links``) from a create to the item it answers, then
to changing and removing it with the version read, each scenario as a new user.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.formats import unregister_string_format

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


# Stateful: each scenario signs a new user in, creates things and follows the document's links with
# what the answers hold. 40 scenarios of up to 40 steps: 1,084 requests in 17-21 s after the stateless
# test, 37-45 s alone (2 CPUs). Each item route answered 8 (PATCH a session) to 57 (GET a subject) 2xx:
# 4 is a floor that a broken link (0 on all nine) falls through.
SCENARIOS = 40
STEPS_PER_SCENARIO = 40
ITEM_ROUTES = [
    (method, f"/v1/{items}/{{{items[:-1]}_id}}")
    for items in ("subjects", "sessions", "targets")
    for method in ("GET", "PATCH", "DELETE")
]
MIN_ITEM_ROUTE_SUCCESSES = 4
# Only the document's own links: schemathesis would otherwise infer more and hide a broken one.
LINKS_ONLY = SchemathesisConfig.from_dict(
    {"phases": {"stateful": {"inference": {"algorithms": []}, "generation": {"mode": "positive"}}}}
)


@contextmanager
def instants_near(moment: datetime) -> Iterator[None]:
    """Dates and instants around `moment`, as a learner sends them: from two days ago to 10 minutes
    ahead, and days from a month ago to a year ahead. The simplest (most drawn) are an hour ago and a
    month ahead: valid for a session's start and a target's due date. The years 0001 to 9999 are the
    stateless test's to try; here nearly every session and target would be refused, leaving no id
    to follow (4 in 1000 random targets were valid)."""
    an_hour_ago, in_a_month = moment - timedelta(hours=1), moment + timedelta(days=30)
    earlier = st.integers(min_value=-70 * 60, max_value=47 * 3600)
    later = st.integers(min_value=-60, max_value=370)
    schemathesis.openapi.format("date-time", earlier.map(lambda s: instant(an_hour_ago - timedelta(seconds=s))))
    schemathesis.openapi.format("date", later.map(lambda d: (in_a_month + timedelta(days=d)).date().isoformat()))
    try:
        yield
    finally:
        unregister_string_format("date-time")
        unregister_string_format("date")


def instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_ids_the_api_answers_lead_through_its_links_to_the_item_routes(client):
    app = ChaliceWSGI(client)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app, config=LINKS_ONLY)
    users = itertools.count()
    answered: Counter = Counter()
    moment = datetime.now(UTC)

    class Scenario(schema.as_state_machine()):  # type: ignore[misc]
        """One user's story: a fresh account, so no limit hit and nothing left by an earlier scenario."""

        def setup(self):
            signed_in = client.http.post(
                "/v1/auth/local",
                headers={"Content-Type": "application/json"},
                body=json.dumps({"user": f"fuzz-{next(users)}"}),
            )
            self.auth = {"Authorization": f"Bearer {json.loads(signed_in.body)['token']}"}

        def get_call_kwargs(self, case):
            return {"headers": self.auth}

        def after_call(self, response, case):
            super().after_call(response, case)
            answered[(case.method.upper(), case.path, response.status_code)] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response, checks=CHECKS, headers=self.auth, transport_kwargs=kwargs, recorder=self.recorder
            )

    @schema.hook
    def flatmap_body(context, body):
        """A recorded session ends after it starts, and not in the future: draw its length, not its end."""
        sets_times = isinstance(body, dict) and all(isinstance(body.get(f), str) for f in ("started_at", "ended_at"))
        if context.operation.path not in ("/v1/sessions", "/v1/sessions/{session_id}") or not sets_times:
            return st.just(body)
        started = datetime.fromisoformat(body["started_at"])
        longest = min(86400, int((moment - started).total_seconds()))
        if longest < 1:
            return st.just(body)
        return st.integers(min_value=1, max_value=longest).map(
            lambda seconds: {**body, "ended_at": instant(started + timedelta(seconds=seconds))}
        )

    with instants_near(moment):
        Scenario.run(
            settings=settings(
                max_examples=SCENARIOS,
                stateful_step_count=STEPS_PER_SCENARIO,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
        )
    by_route: dict[tuple[str, str], Counter] = {}
    for (method, path, status), n in sorted(answered.items()):
        by_route.setdefault((method, path), Counter())[status] += n
    served = sum(app.statuses.values())
    print(
        f"\nstateful: {next(users)} users, {served} requests, statuses {dict(sorted(app.statuses.items()))}\n"
        + "\n".join(f"  {method} {path}: {dict(statuses)}" for (method, path), statuses in sorted(by_route.items()))
    )
    assert not any(status >= 500 for status in app.statuses)
    assert set(app.gateway_answers) <= {(401, "UnauthorizedException")}
    # A new user owns nothing: a 2xx on an item route is an id that a link carried from an answer.
    successes = {
        route: sum(n for status, n in by_route.get(route, Counter()).items() if status < 300) for route in ITEM_ROUTES
    }
    thin = {f"{method} {path}": n for (method, path), n in successes.items() if n < MIN_ITEM_ROUTE_SUCCESSES}
    assert not thin, f"item routes reached with an existing id fewer than {MIN_ITEM_ROUTE_SUCCESSES} times: {thin}"
