"""Every user sees only their own data: a matrix generated from the app's own route table.

For every route with a path parameter, bob using alice's ids gets the same 404 as for an id
that does not exist, and alice's data is unchanged. A route added later is covered
automatically when its parameters are known here; otherwise the suite fails and says what to add.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

import app as application

# Routes anyone may call. Adding a route here is a security decision: say why in the review.
PUBLIC_ROUTES = {
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("GET", "/v1/auth/config"),
    ("POST", "/v1/auth/local"),
    ("GET", "/"),
    ("GET", "/index.html"),
    ("GET", "/assets/{name}"),
    ("GET", "/sw.js"),
    ("GET", "/manifest.webmanifest"),
}


def _hours_ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


_names = itertools.count()


def _subject(api) -> str:
    status, subject = api.post("/v1/subjects", {"name": f"Owned by {api.user} #{next(_names)}"})
    assert status == 201, subject
    return subject["id"]


def _session(api) -> str:
    status, session = api.post(
        "/v1/sessions",
        {"subject_id": _subject(api), "started_at": _hours_ago(3), "ended_at": _hours_ago(2), "note": "private"},
    )
    assert status == 201, session
    return session["id"]


def _target(api) -> str:
    due = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    status, target = api.post("/v1/targets", {"name": "alice's exam", "due_date": due, "target_minutes": 600})
    assert status == 201, target
    return target["id"]


def _token(api) -> str:
    status, token = api.post("/v1/tokens", {"name": "alice's script"})
    assert status == 201, token
    return token["id"]


@dataclass(frozen=True)
class Resource:
    create: Callable  # api -> id of a new resource owned by api's user
    read: Callable  # (api, id) -> what the owner sees of it


def _listed_token(api, token_id):
    return [t for t in api.get("/v1/tokens")[1]["items"] if t["id"] == token_id]


# How to make a resource for each path parameter name. A new name must be added here.
RESOURCES = {
    "subject_id": Resource(_subject, lambda api, id: api.get(f"/v1/subjects/{id}")),
    "session_id": Resource(_session, lambda api, id: api.get(f"/v1/sessions/{id}")),
    "token_id": Resource(_token, _listed_token),
    "target_id": Resource(_target, lambda api, id: api.get(f"/v1/targets/{id}")),
}
# A valid body for each (method, parameter) that takes one, so that only ownership can refuse it.
BODIES = {
    ("PATCH", "subject_id"): {"name": "Taken over", "color": "#000000"},
    ("PATCH", "session_id"): {"note": "taken over", "tags": ["pwned"]},
    ("PATCH", "target_id"): {"name": "Taken over", "target_minutes": 1},
}
# Query strings for collection routes that require some.
QUERIES = {
    "/v1/stats/days": f"?from={datetime.now(UTC).date() - timedelta(days=30)}&to={datetime.now(UTC).date()}",
    "/v1/stats/summary": "?period=month",
    "/v1/export": "?format=json",
}
MISSING_ID = "0" * 26


def authorized_routes() -> list[tuple[str, str, object]]:
    return sorted(
        (method, path, route)
        for path, methods in application.app.routes.items()
        for method, route in methods.items()
        if route.authorizer is not None
    )


def routes_with_ids() -> list[tuple[str, str]]:
    return [(method, path) for method, path, route in authorized_routes() if route.view_args]


def params_of(path: str) -> list[str]:
    return application.app.routes[path][next(iter(application.app.routes[path]))].view_args


def body_for(method: str, params: list[str]):
    if method in ("GET", "DELETE"):
        return None
    for name in params:
        if (method, name) in BODIES:
            return BODIES[(method, name)]
    pytest.fail(f"{method} routes with {params} take a body: add a valid one to BODIES in tests/test_isolation.py")


def test_no_route_is_public_by_accident():
    public = {
        (method, path)
        for path, methods in application.app.routes.items()
        for method, route in methods.items()
        if route.authorizer is None
    }
    assert public <= PUBLIC_ROUTES, f"routes without authorizer=authorizer: {sorted(public - PUBLIC_ROUTES)}"


def test_the_matrix_covers_every_route_with_an_id():
    assert {("GET", "/v1/subjects/{subject_id}"), ("DELETE", "/v1/tokens/{token_id}")} <= set(routes_with_ids())
    unknown = {name for method, path in routes_with_ids() for name in params_of(path)} - set(RESOURCES)
    assert not unknown, (
        f"path parameters {sorted(unknown)} have no isolation case: add to RESOURCES in "
        "tests/test_isolation.py how to create one (and a body in BODIES if the route takes one)"
    )


@pytest.mark.parametrize("method, path", routes_with_ids(), ids=[f"{m} {p}" for m, p in routes_with_ids()])
def test_another_users_id_is_a_404_like_a_missing_one_and_changes_nothing(api, other, method, path):
    params = params_of(path)
    unknown = [name for name in params if name not in RESOURCES]
    if unknown:
        pytest.fail(f"{method} {path}: no isolation case for {unknown}: add to RESOURCES in tests/test_isolation.py")
    ids = {name: RESOURCES[name].create(api) for name in params}
    before = {name: RESOURCES[name].read(api, ids[name]) for name in params}
    body = body_for(method, params)

    status, answer = other.call(method.lower(), path.format(**ids), body)
    missing_status, missing_answer = other.call(method.lower(), path.format(**{n: MISSING_ID for n in params}), body)

    assert status == 404, answer
    assert (status, answer) == (missing_status, missing_answer)  # nothing tells bob that alice's id exists
    assert {name: RESOURCES[name].read(api, ids[name]) for name in params} == before


def test_ids_in_request_bodies_are_refused_like_unknown_ones(api, other):
    subject_id = _subject(api)
    session = {"started_at": _hours_ago(3), "ended_at": _hours_ago(2)}
    foreign = other.post("/v1/sessions", {"subject_id": subject_id, **session})
    unknown = other.post("/v1/sessions", {"subject_id": MISSING_ID, **session})
    assert foreign[0] == 400 and foreign == unknown
    assert other.post("/v1/timer/start", {"subject_id": subject_id}) == other.post(
        "/v1/timer/start", {"subject_id": MISSING_ID}
    )
    assert other.get("/v1/timer")[0] == 404
    assert other.patch(f"/v1/sessions/{_session(other)}", {"subject_id": subject_id})[0] == 400
    target_id = _target(api)
    foreign_target = other.post("/v1/sessions", {"subject_id": _subject(other), **session, "target_id": target_id})
    unknown_target = other.post("/v1/sessions", {"subject_id": _subject(other), **session, "target_id": MISSING_ID})
    assert foreign_target[0] == 400 and foreign_target == unknown_target
    due = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    foreign_subject = other.post(
        "/v1/targets", {"name": "t", "due_date": due, "target_minutes": 1, "subject_ids": [subject_id]}
    )
    assert foreign_subject[0] == 400 and foreign_subject[1]["error"]["details"][0]["field"] == "subject_ids.0"


def test_collections_never_show_another_users_data(api, other):
    secrets = {_subject(api), _session(api), _token(api), _target(api), api.user_id}
    collections = [
        (method, path) for method, path, route in authorized_routes() if method == "GET" and not route.view_args
    ]
    assert ("GET", "/v1/subjects") in collections and ("GET", "/v1/export") in collections
    for _method, path in collections:
        status, answer = other.get(path + QUERIES.get(path, ""))
        assert status in (200, 404), (path, answer)  # 404: e.g. bob has no running timer
        seen = json.dumps(answer)
        assert not [s for s in secrets if s in seen], f"{path} shows alice's data to bob"


def test_a_cursor_from_another_user_reads_only_your_own_partition(api, other):
    for name in ("a", "b", "c"):
        api.post("/v1/subjects", {"name": name})
    other.post("/v1/subjects", {"name": "bob's only"})
    cursor = api.get("/v1/subjects?limit=1")[1]["next_cursor"]
    status, page = other.get(f"/v1/subjects?cursor={cursor}")
    assert status == 200
    assert [item["name"] for item in page["items"]] in ([], ["bob's only"])
