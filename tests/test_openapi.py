"""The OpenAPI document: generated from the models, covering every route, served without auth, built lazily."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest
import schemathesis

import app as application
from chalicelib import openapi
from chalicelib.models import SessionCreate

HOW_TO_DESCRIBE = """
Describe each new route in chalicelib/openapi.py, in ROUTES, with one entry:
    ("POST", "/v1/things"): Operation("Create a thing", ThingModel, 201, body=ThingCreate, errors=(409,), tag="things"),
Operation(summary, response model, status=200, body=request model, query=query model, public=False,
          if_match=False, errors=extra statuses beyond the 400/401/404/413 derived from the rest)."""


@pytest.fixture(scope="module")
def document() -> dict:
    return openapi.document()


def app_routes() -> set[tuple[str, str]]:
    return {(method, path) for path, methods in application.app.routes.items() for method in methods}


def test_every_route_of_the_app_is_described():
    missing = sorted(app_routes() - set(openapi.ROUTES))
    assert not missing, f"routes without an OpenAPI description: {missing}\n{HOW_TO_DESCRIBE}"


def test_every_description_is_of_a_route_that_exists():
    stale = sorted(set(openapi.ROUTES) - app_routes())
    assert not stale, f"chalicelib/openapi.py describes routes the app does not have: {stale}"


def test_document_has_every_route_and_method(document):
    described = {(method.upper(), path) for path, methods in document["paths"].items() for method in methods}
    assert described == app_routes()


def test_document_is_served_without_a_token(client):
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = json.loads(response.body)
    assert body["openapi"] == "3.1.0" and body["paths"]


def test_every_reference_resolves(document):
    refs = []

    def walk(node):
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert refs
    prefix = "#/components/schemas/"
    unresolved = [
        ref for ref in refs if not ref.startswith(prefix) or ref[len(prefix) :] not in document["components"]["schemas"]
    ]
    assert unresolved == []


def test_schemathesis_reads_every_operation(document):
    operations = [result.ok() for result in schemathesis.openapi.from_dict(document).get_all_operations()]
    assert len(operations) == len(app_routes())


def test_routes_with_an_authorizer_require_the_bearer_scheme_and_only_they(document):
    assert document["components"]["securitySchemes"]["bearer"] == {
        **document["components"]["securitySchemes"]["bearer"],
        "type": "http",
        "scheme": "bearer",
    }
    for path, methods in application.app.routes.items():
        for method, route in methods.items():
            operation = document["paths"][path][method.lower()]
            if route.authorizer is not None:
                assert operation["security"] == [{"bearer": []}], (method, path)
                assert "401" in operation["responses"], (method, path)
            else:
                assert operation["security"] == [], (method, path)
                assert "401" not in operation["responses"], (method, path)


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("POST", "/v1/sessions", "400"),
        ("POST", "/v1/sessions", "413"),
        ("GET", "/v1/sessions/{session_id}", "404"),
        ("PATCH", "/v1/subjects/{subject_id}", "409"),
        ("POST", "/v1/tokens", "409"),
        ("POST", "/v1/tokens", "403"),
        ("GET", "/v1/timer", "404"),
    ],
)
def test_error_responses_carry_the_error_model(document, method, path, status):
    schema = document["paths"][path][method.lower()]["responses"][status]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Error"}
    assert document["components"]["schemas"]["Error"]["required"] == ["error"]


def test_every_api_route_may_answer_503_with_retry_after_and_the_public_pages_do_not(document):
    """A stalled dependency answers 503 unavailable with Retry-After (chalicelib.faults); clients read it here."""
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            answer = operation["responses"].get("503")
            if not path.startswith("/v1/"):
                assert answer is None, (method, path)
                continue
            assert answer, (method, path)
            assert answer["headers"]["Retry-After"]["required"] is True
            assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_missing_token_may_also_be_answered_by_the_gateway(document):
    schema = document["paths"]["/v1/me"]["get"]["responses"]["401"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/GatewayError"} in schema["anyOf"]


def test_request_bodies_come_from_the_models(document):
    body = document["paths"]["/v1/sessions"]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/SessionCreate"}
    generated = SessionCreate.model_json_schema(ref_template="#/components/schemas/{model}")
    component = document["components"]["schemas"]["SessionCreate"]
    assert component["properties"] == generated["properties"]
    assert component["additionalProperties"] is False  # unknown fields are rejected, and the document says so
    assert document["paths"]["/v1/timer/stop"]["post"]["requestBody"]["required"] is False


def test_query_parameters_come_from_the_query_models_with_their_aliases(document):
    parameters = {p["name"]: p for p in document["paths"]["/v1/sessions"]["get"]["parameters"]}
    assert set(parameters) == {"from", "to", "subject_id", "limit", "cursor"}
    assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
    assert parameters["from"]["schema"]["format"] == "date-time" and not parameters["from"]["required"]


def test_path_parameters_and_if_match_are_described(document):
    patch = document["paths"]["/v1/sessions/{session_id}"]["patch"]
    names = {(p["name"], p["in"]) for p in patch["parameters"]}
    assert names == {("session_id", "path"), ("If-Match", "header"), ("Idempotency-Key", "header")}


def test_every_signed_in_write_takes_an_idempotency_key_and_nothing_else_does(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            takes_key = "Idempotency-Key" in {p["name"] for p in operation.get("parameters", [])}
            write = method in ("post", "patch", "delete") and path.startswith("/v1/") and operation["security"]
            assert takes_key == bool(write), (method, path)
            assert ("422" in operation["responses"]) == bool(write), (method, path)


def test_responses_come_from_the_models(document):
    ok = document["paths"]["/v1/subjects"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = document["components"]["schemas"][ok["$ref"].rsplit("/", 1)[1]]
    assert page["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Subject"}
    created = document["paths"]["/v1/tokens"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert "secret" in document["components"]["schemas"][created["$ref"].rsplit("/", 1)[1]]["properties"]
    listed = document["components"]["schemas"]["Token"]["properties"]
    assert "secret" not in listed and "hash" not in listed


def test_document_is_built_only_when_asked_for():
    # A fresh process, like a cold Lambda: other routes never pay for schema generation.
    script = textwrap.dedent("""
        import json, time
        from chalice.test import Client
        import app
        from chalicelib import openapi
        with Client(app.app, stage_name="local") as client:
            assert client.http.get("/health").status_code == 200
            assert client.http.get("/v1/auth/config").status_code == 200
            before = openapi.document.cache_info().currsize
            started = time.perf_counter()
            assert client.http.get("/openapi.json").status_code == 200
            first = time.perf_counter() - started
            started = time.perf_counter()
            client.http.get("/openapi.json")
            again = time.perf_counter() - started
        print(json.dumps({"before": before, "after": openapi.document.cache_info().currsize,
                          "first_ms": first * 1e3, "cached_ms": again * 1e3}))
    """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=str(application.__file__).rsplit("/", 1)[0],
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["before"] == 0 and figures["after"] == 1


def every_link(document):
    """(source method, source path, status, link name, link) of each link in the document."""
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                for name, link in response.get("links", {}).items():
                    yield method.upper(), path, status, name, link


def test_every_link_names_an_operation_and_its_parameters_and_takes_values_the_answer_holds(document):
    operations = {
        operation["operationId"]: (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    links = list(every_link(document))
    assert len(links) >= 20
    for method, path, status, name, link in links:
        where = f"{method} {path} {status} {name}"
        assert link["operationId"] in operations, where
        _, _, target = operations[link["operationId"]]
        taken = {(p["in"], p["name"]) for p in target.get("parameters", [])}
        for parameter in link.get("parameters", {}):
            location, _, named = parameter.rpartition(".")
            assert (location or "path", named) in taken, f"{where}: {parameter}"
        answer = document["paths"][path][method.lower()]["responses"][status]["content"]["application/json"]
        holds = answer["schema"]
        fields = (
            document["components"]["schemas"][holds["$ref"].rsplit("/", 1)[1]]["properties"] if "$ref" in holds else {}
        )
        for expression in re.findall(r"\$response\.body#/(\w+)", json.dumps(link)):
            assert expression in fields or "anyOf" in holds, f"{where}: the answer has no {expression}"
        if "requestBody" in link:
            body = target["requestBody"]["content"]["application/json"]["schema"]
            properties = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]["properties"]
            assert set(link["requestBody"]) <= set(properties), where


def test_a_created_item_links_to_reading_it_and_a_read_to_changing_it_at_the_version_read(document, api):
    linked = {(method, path, name): link for method, path, _, name, link in every_link(document)}
    assert linked[("POST", "/v1/subjects", "read")] == {
        "operationId": "get_v1_subjects_subject_id",
        "parameters": {"subject_id": "$response.body#/id"},
    }
    assert linked[("POST", "/v1/timer/stop", "read")]["operationId"] == "get_v1_sessions_session_id"
    assert linked[("POST", "/v1/subjects", "record_session")]["requestBody"] == {"subject_id": "$response.body#/id"}
    for items in ("subjects", "sessions", "targets"):
        item = f"/v1/{items}/{{{items[:-1]}_id}}"
        assert ("POST", f"/v1/{items}", "read") in linked
        for source in ("GET", "PATCH"):
            assert linked[(source, item, "change")]["parameters"]["header.If-Match"] == '"{$response.body#/version}"'
            assert linked[(source, item, "remove")]["operationId"] == f"delete_v1_{items}_{items[:-1]}_id"
    assert linked[("POST", "/v1/tokens", "remove")]["operationId"] == "delete_v1_tokens_token_id"
    # Follow them by hand: create a subject, read it, change it If-Match the version read, then remove it.
    status, created = api.post("/v1/subjects", {"name": "Linked"})
    assert status == 201, created
    status, read = api.get(f"/v1/subjects/{created['id']}")
    assert status == 200
    status, changed = api.patch(
        f"/v1/subjects/{read['id']}", {"color": "#000000"}, headers={"If-Match": f'"{read["version"]}"'}
    )
    assert status == 200, changed
    status, removed = api.delete(f"/v1/subjects/{changed['id']}", headers={"If-Match": f'"{changed["version"]}"'})
    assert status == 200 and removed["archived"] is True
    status, token = api.post("/v1/tokens", {"name": "linked"})
    assert status == 201 and api.delete(f"/v1/tokens/{token['id']}")[0] == 204


@pytest.mark.parametrize("schema", ["SubjectCreate", "SubjectPatch", "TargetCreate", "TargetPatch"])
def test_a_display_names_schema_states_the_80_character_rule_the_server_applies(document, schema):
    name = document["components"]["schemas"][schema]["properties"]["name"]
    string = next(choice for choice in [name, *name.get("anyOf", [])] if choice.get("type") == "string")
    assert string["maxLength"] == 200  # the raw bound: white space collapses before the rule applies
    assert string["description"].startswith("1 to 80 characters")
