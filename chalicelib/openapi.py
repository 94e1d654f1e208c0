"""The OpenAPI 3.1 document (GET /openapi.json), generated from the pydantic models.

``ROUTES`` describes every route of the app in one line or two: its request body, query
and response models, status, and whether it is public. ``tests/test_openapi.py`` fails for a
route of ``app.app.routes`` missing here, so a new route gets described when it is added.
The document is built on first request and cached: pydantic's schema generation stays off
every other route's path.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from . import download_links, export, idempotency, signin, stats_models, tokens
from .imports import models as import_models
from .models import (
    Error,
    FocusStopped,
    Health,
    Instant,
    Page,
    PageQuery,
    Session,
    SessionCreate,
    SessionFilter,
    SessionPatch,
    Settings,
    SettingsPatch,
    Subject,
    SubjectCreate,
    SubjectPatch,
    Target,
    TargetCreate,
    TargetFields,
    TargetPatch,
    Timer,
    TimerExtend,
    TimerSkip,
    TimerStart,
    TimerStop,
)

TITLE = "StudyTracker API"
VERSION = "1"
ID_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"}
ERRORS = {
    400: "Invalid request: `details` lists each field and its problem.",
    401: "No valid bearer token: sign in again.",
    403: "Not allowed with this kind of token.",
    404: "No such resource for this user (another user's resource looks missing too).",
    409: "Conflict: a stale If-Match version, a duplicate, or a state that forbids the change.",
    413: "The request body is larger than 1 MB.",
    415: "The body is not of the media type this route takes (Chalice answers this one itself).",
    422: "This Idempotency-Key was used for a different request in the last 24 hours: send a new key.",
    503: "A dependency (the database, or S3 for a large export) did not answer in time. Nothing was half-written: "
    "retry after `Retry-After` seconds (a write with the same Idempotency-Key).",
}
RETRY_AFTER = {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}}


@dataclass(frozen=True)
class Operation:
    """One route: what it takes and what it answers. Error statuses follow from the rest, plus ``errors``."""

    summary: str
    response: Any = None  # a model (or type) for the body of `status`; None: no body
    status: int = 200
    body: Any = None  # request body model
    body_required: bool = True
    body_media: str = "application/json"  # any other media type takes a string body (e.g. text/csv)
    media: str = "application/json"  # of the success response; any other is a string (text/html, */*)
    also_answers: tuple[str, ...] = ()  # other media types of the success response, as strings
    see_other: Any = None  # a model for the body of a 303, whose Location is where to GET the result
    error_media: str = "application/json"  # the web UI's 404 is a page, not an Error
    path_schema: Any = None  # of the path parameters; default: a server-chosen id
    query: Any = None  # a model whose fields are the query parameters
    public: bool = False  # no Authorization needed
    if_match: bool = False  # accepts If-Match: <version>
    errors: tuple[int, ...] = ()  # statuses beyond 400/401/404/413 derived from the above
    tag: str = "studytracker"


class GatewayError(BaseModel):
    """What API Gateway itself answers when the Authorization header is missing (the authorizer never runs)."""

    message: str


class FrameworkError(BaseModel):
    """What Chalice itself answers for a request body of another media type than the route takes."""

    Code: str
    Message: str


class ExportDocument(BaseModel):
    """GET /v1/export?format=json: everything the caller owns."""

    format_version: int
    exported_at: Instant
    settings: Settings
    subjects: list[Subject]
    targets: list[TargetFields]
    sessions: list[Session]


ROUTES: dict[tuple[str, str], Operation] = {
    ("GET", "/health"): Operation("Liveness check", Health, public=True, tag="public"),
    # the web UI (it signs in itself)
    ("GET", "/"): Operation("The web UI", str, media="text/html", public=True, tag="web UI"),
    ("GET", "/index.html"): Operation("The web UI", str, media="text/html", public=True, tag="web UI"),
    ("GET", "/assets/{name}"): Operation(
        "A file of the web UI (scripts, styles, images)",
        str,
        media="*/*",
        public=True,
        error_media="text/html",
        tag="web UI",
        path_schema={"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$"},
    ),
    ("GET", "/sw.js"): Operation(
        "The web UI's service worker (at the root: it controls the paths under it)",
        str,
        media="text/javascript",
        public=True,
        error_media="text/html",
        tag="web UI",
    ),
    ("GET", "/manifest.webmanifest"): Operation(
        "The web UI's app manifest (name, icons, start page)",
        dict,
        media="application/manifest+json",
        public=True,
        error_media="text/html",
        tag="web UI",
    ),
    ("GET", "/openapi.json"): Operation("This document", dict, public=True, tag="public"),
    # settings
    ("GET", "/v1/me"): Operation("Your settings", Settings, tag="settings"),
    ("PATCH", "/v1/me"): Operation(
        "Change your settings", Settings, body=SettingsPatch, if_match=True, errors=(409,), tag="settings"
    ),
    # subjects
    ("GET", "/v1/subjects"): Operation("List your subjects", Page[Subject], query=PageQuery, tag="subjects"),
    ("POST", "/v1/subjects"): Operation(
        "Create a subject", Subject, 201, body=SubjectCreate, errors=(409,), tag="subjects"
    ),
    ("GET", "/v1/subjects/{subject_id}"): Operation("One subject", Subject, tag="subjects"),
    ("PATCH", "/v1/subjects/{subject_id}"): Operation(
        "Change a subject", Subject, body=SubjectPatch, if_match=True, errors=(409,), tag="subjects"
    ),
    ("DELETE", "/v1/subjects/{subject_id}"): Operation(
        "Archive a subject (its sessions are kept)", Subject, if_match=True, errors=(409,), tag="subjects"
    ),
    # sessions
    ("GET", "/v1/sessions"): Operation(
        "List your sessions, newest first", Page[Session], query=SessionFilter, tag="sessions"
    ),
    ("POST", "/v1/sessions"): Operation(
        "Record a session", Session, 201, body=SessionCreate, errors=(409,), tag="sessions"
    ),
    ("GET", "/v1/sessions/{session_id}"): Operation("One session", Session, tag="sessions"),
    ("PATCH", "/v1/sessions/{session_id}"): Operation(
        "Change a session", Session, body=SessionPatch, if_match=True, errors=(409,), tag="sessions"
    ),
    ("DELETE", "/v1/sessions/{session_id}"): Operation(
        "Delete a session", None, 204, if_match=True, errors=(409,), tag="sessions"
    ),
    # exam targets
    ("GET", "/v1/targets"): Operation(
        "List your exam targets (archived ones too), each with its progress",
        Page[Target],
        query=PageQuery,
        tag="targets",
    ),
    ("POST", "/v1/targets"): Operation(
        "Create an exam target: minutes (and optionally material) by a due date",
        Target,
        201,
        body=TargetCreate,
        errors=(409,),
        tag="targets",
    ),
    ("GET", "/v1/targets/{target_id}"): Operation("One exam target with its progress", Target, tag="targets"),
    ("PATCH", "/v1/targets/{target_id}"): Operation(
        "Change an exam target", Target, body=TargetPatch, if_match=True, errors=(409,), tag="targets"
    ),
    ("DELETE", "/v1/targets/{target_id}"): Operation(
        "Archive an exam target (still readable; its sessions are kept)",
        Target,
        if_match=True,
        errors=(409,),
        tag="targets",
    ),
    # timer
    ("GET", "/v1/timer"): Operation("The running timer", Timer, errors=(404,), tag="timer"),
    ("POST", "/v1/timer/start"): Operation("Start the timer", Timer, 201, body=TimerStart, errors=(409,), tag="timer"),
    ("POST", "/v1/timer/stop"): Operation(
        "Stop the timer: a stopwatch records a session, a focus timer one session per work block",
        Session | FocusStopped,
        201,
        body=TimerStop,
        body_required=False,
        errors=(404,),
        tag="timer",
    ),
    ("POST", "/v1/timer/skip"): Operation(
        "End the focus timer's current phase now and begin the next",
        Timer,
        body=TimerSkip,
        body_required=False,
        errors=(404, 409),
        tag="timer",
    ),
    ("POST", "/v1/timer/extend"): Operation(
        "Make the focus timer's current phase longer",
        Timer,
        body=TimerExtend,
        body_required=False,
        errors=(404, 409),
        tag="timer",
    ),
    ("DELETE", "/v1/timer"): Operation("Discard the running timer", None, 204, errors=(404,), tag="timer"),
    # statistics
    ("GET", "/v1/stats/days"): Operation(
        "Totals per local study day, days without study included",
        stats_models.DaysStats,
        query=stats_models.DaysQuery,
        tag="statistics",
    ),
    ("GET", "/v1/stats/summary"): Operation(
        "Totals and goal progress for the week or month containing a date",
        stats_models.Summary,
        query=stats_models.SummaryQuery,
        tag="statistics",
    ),
    ("GET", "/v1/stats/streak"): Operation(
        "Current and longest streak of study days", stats_models.StreakStats, tag="statistics"
    ),
    # export and imports
    ("GET", "/v1/export"): Operation(
        "All your data: JSON (settings, subjects, targets, sessions) or CSV (one row a session); above about "
        "6 MB, its download link (303, or 200 with `delivery=link`)",
        ExportDocument | download_links.DownloadLink,
        query=export.ExportQuery,
        also_answers=("text/csv",),
        see_other=download_links.DownloadLink,
        tag="export",
    ),
    ("POST", "/v1/imports"): Operation(
        "Import sessions from a Toggl, Clockify or TimeTagger CSV export",
        import_models.ImportReport,
        body=str,
        body_media="text/csv",
        query=import_models.ImportQuery,
        errors=(415,),
        tag="export",
    ),
    # identity
    ("GET", "/v1/auth/config"): Operation(
        "How the web UI signs in on this stage", signin.AuthConfig, public=True, tag="identity"
    ),
    ("POST", "/v1/auth/local"): Operation(
        "Sign in as a local user (local stage only; 404 elsewhere)",
        signin.LocalSession,
        201,
        body=signin.LocalSignIn,
        public=True,
        errors=(404,),
        tag="identity",
    ),
    ("GET", "/v1/tokens"): Operation("List your API tokens", Page[tokens.Token], query=PageQuery, tag="identity"),
    ("POST", "/v1/tokens"): Operation(
        "Create an API token: its secret is shown only now",
        tokens.TokenCreated,
        201,
        body=tokens.TokenCreate,
        errors=(403, 409),
        tag="identity",
    ),
    ("DELETE", "/v1/tokens/{token_id}"): Operation("Revoke an API token", None, 204, tag="identity"),
}


def path_parameters(path: str) -> list[str]:
    return re.findall(r"{([^}]+)}", path)


def idempotent(method: str, path: str, operation: Operation) -> bool:
    """Whether the route takes an Idempotency-Key (``http.make_writes_idempotent`` decides the same way)."""
    return method in idempotency.WRITE_METHODS and path.startswith("/v1/") and not operation.public


def error_statuses(path: str, operation: Operation, method: str = "GET") -> list[int]:
    statuses = set(operation.errors)
    if idempotent(method, path, operation):
        statuses.update((400, 409, 422))
    if not operation.public:
        statuses.add(401)
    if operation.body is not None:
        statuses.update((400, 413))
    if operation.query is not None or operation.if_match:
        statuses.add(400)
    if path_parameters(path):
        statuses.add(404)
    if path.startswith("/v1/"):  # every API route reads or writes the table (faults.Unavailable)
        statuses.add(503)
    return sorted(statuses)


def _without_null(schema: dict) -> dict:
    """A query parameter is absent or a value; drop the ``null`` branch of an Optional."""
    branches = [b for b in schema.get("anyOf", []) if b != {"type": "null"}]
    if len(branches) == 1 and len(branches) != len(schema.get("anyOf", [])):
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        return {**branches[0], **rest}
    return schema


def _query_parameters(model: Any) -> list[dict]:
    schema = model.model_json_schema(by_alias=True, mode="validation", ref_template="#/components/schemas/{model}")
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": _without_null({k: v for k, v in prop.items() if k != "title"}),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _error_responses(method: str, path: str, operation: Operation) -> dict:
    responses: dict = {}
    for status in error_statuses(path, operation, method):
        schema: dict[str, Any] = {"$ref": "#/components/schemas/Error"}
        if status == 401:
            schema = {"anyOf": [schema, {"$ref": "#/components/schemas/GatewayError"}]}
        if status == 415:
            schema = {"$ref": "#/components/schemas/FrameworkError"}
        if operation.error_media != "application/json":
            schema = {"type": "string"}
        responses[str(status)] = {"description": ERRORS[status], "content": {operation.error_media: {"schema": schema}}}
        if status == 503:
            responses[str(status)]["headers"] = RETRY_AFTER
    return responses


def _operation(method: str, path: str, operation: Operation, schemas: dict) -> dict:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": dict(operation.path_schema or ID_SCHEMA)}
        for name in path_parameters(path)
    ]
    if operation.query is not None:
        parameters += _query_parameters(operation.query)
    if operation.if_match:
        parameters.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": "The version you last read: a different stored version is a 409.",
                "schema": {"type": "string", "pattern": r'^(W/)?"?[0-9]{1,12}"?$'},
            }
        )
    if idempotent(method, path, operation):
        parameters.append(
            {
                "name": idempotency.HEADER,
                "in": "header",
                "required": False,
                "description": "A fresh key per change (a UUID): a retry with the same key within 24 hours "
                "answers the first answer (with `Idempotent-Replayed: true`) and writes nothing.",
                "schema": {"type": "string", "pattern": idempotency.KEY_PATTERN.pattern.join("^$")},
            }
        )
    success: dict = {"description": operation.summary}
    if operation.response is not None:
        success["content"] = {
            operation.media: {"schema": schemas[("response", method, path)]},
            **{media: {"schema": {"type": "string"}} for media in operation.also_answers},
        }
    if found := links(method, path, operation):
        success["links"] = found
    responses = {str(operation.status): success, **_see_other(method, path, operation, schemas)}
    responses.update(_error_responses(method, path, operation))
    result: dict = {
        "summary": operation.summary,
        "operationId": _operation_id(method, path),
        "tags": [operation.tag],
        "responses": responses,
        "security": [] if operation.public else [{"bearer": []}],
    }
    if parameters:
        result["parameters"] = parameters
    if operation.body is not None:
        result["requestBody"] = {
            "required": operation.body_required,
            "content": {operation.body_media: {"schema": schemas[("body", method, path)]}},
        }
    return result


def _see_other(method: str, path: str, operation: Operation, schemas: dict) -> dict:
    if operation.see_other is None:
        return {}
    return {
        "303": {
            "description": "Too large to answer inline: the file is at `Location` (a presigned URL, valid for "
            "15 minutes; send no Authorization header there). The body says the same.",
            "headers": {"Location": {"required": True, "schema": {"type": "string", "format": "uri"}}},
            "content": {"application/json": {"schema": schemas[("see_other", method, path)]}},
        }
    }


# Writes that answer an item of another collection than their path's.
CREATES_INTO = {("POST", "/v1/timer/stop"): "/v1/sessions"}
ANSWERED_ID = "$response.body#/id"
ANSWERED_VERSION = '"{$response.body#/version}"'  # as an entity tag, If-Match: "3"
# Writes that take a new item's id in their body: what a learner does next with a new subject.
FEEDS: dict[tuple[str, str], dict[str, tuple[str, str, dict]]] = {
    ("POST", "/v1/subjects"): {
        "record_session": ("POST", "/v1/sessions", {"subject_id": ANSWERED_ID}),
        "start_timer": ("POST", "/v1/timer/start", {"subject_id": ANSWERED_ID}),
        "set_target": ("POST", "/v1/targets", {"subject_ids": [ANSWERED_ID]}),
    },
}
# The timer has no id (one a user): a started timer is what these routes act on.
AFTER_START = {
    "read_timer": ("GET", "/v1/timer"),
    "stop_timer": ("POST", "/v1/timer/stop"),
    "skip_phase": ("POST", "/v1/timer/skip"),
    "extend_phase": ("POST", "/v1/timer/extend"),
    "discard_timer": ("DELETE", "/v1/timer"),
}
ON_ITEM = {"GET": "read", "PATCH": "change", "DELETE": "remove"}  # the links' names


def links(method: str, path: str, operation: Operation) -> dict:
    """OpenAPI links: what a client can call next with what an answer holds, so that a client (or a
    stateful fuzzer) never guesses an id.

    A create (201) leads to reading the item it answers (an API token, which cannot be read, to its
    removal) and to the writes that take the new id in their body (``FEEDS``). Reading or changing
    an item (200) leads to changing or removing it, If-Match the version that answer holds. Starting
    the timer leads to the timer's routes."""
    found: dict = {}
    if method == "POST" and operation.status == 201:
        routes = _item_routes(CREATES_INTO.get((method, path), path))
        found |= _to_item([route for route in routes if route[0] == "GET"] or routes)
        for name, (other_method, other_path, body) in FEEDS.get((method, path), {}).items():
            found[name] = {"operationId": _operation_id(other_method, other_path), "requestBody": body}
        if (method, path) == ("POST", "/v1/timer/start"):
            for name, (other_method, other_path) in AFTER_START.items():
                found[name] = {"operationId": _operation_id(other_method, other_path)}
    elif method in ("GET", "PATCH") and operation.status == 200 and len(path_parameters(path)) == 1:
        found |= _to_item([route for route in _item_routes(path.rsplit("/", 1)[0]) if route[0] in ("PATCH", "DELETE")])
    return found


def _item_routes(collection: str) -> list[tuple[str, str, str]]:
    """(method, path, its id parameter) of each route of one item of `collection`."""
    found = []
    for method, path in sorted(ROUTES):
        names = path_parameters(path)
        if len(names) == 1 and path == f"{collection}/{{{names[0]}}}":
            found.append((method, path, names[0]))
    return found


def _to_item(routes: list[tuple[str, str, str]]) -> dict:
    found = {}
    for method, path, name in routes:
        parameters = {name: ANSWERED_ID}
        if ROUTES[(method, path)].if_match:
            parameters["header.If-Match"] = ANSWERED_VERSION
        found[ON_ITEM[method]] = {"operationId": _operation_id(method, path), "parameters": parameters}
    return found


def _operation_id(method: str, path: str) -> str:
    return f"{method.lower()}_{_slug(path)}"


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "root"


@functools.cache
def document() -> dict:
    """The whole OpenAPI document (built once per container, on first request)."""
    from pydantic import TypeAdapter
    from pydantic.json_schema import JsonSchemaMode

    inputs: list[tuple[tuple[str, str, str], JsonSchemaMode, TypeAdapter]] = [
        (("error", "", ""), "serialization", TypeAdapter(Error)),
        (("gateway", "", ""), "serialization", TypeAdapter(GatewayError)),
        (("framework", "", ""), "serialization", TypeAdapter(FrameworkError)),
    ]
    for (method, path), operation in ROUTES.items():
        if operation.response is not None:
            inputs.append((("response", method, path), "serialization", TypeAdapter(operation.response)))
        if operation.body is not None:
            inputs.append((("body", method, path), "validation", TypeAdapter(operation.body)))
        if operation.see_other is not None:
            inputs.append((("see_other", method, path), "serialization", TypeAdapter(operation.see_other)))
    generated, definitions = TypeAdapter.json_schemas(inputs, ref_template="#/components/schemas/{model}")
    schemas = {key: schema for (key, _mode), schema in generated.items()}
    paths: dict = {}
    for (method, path), operation in sorted(ROUTES.items(), key=lambda entry: entry[0][1]):
        paths.setdefault(path, {})[method.lower()] = _operation(method, path, operation, schemas)
    components = dict(definitions.get("$defs", {}))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "Study time per subject, goals, streaks. Errors are "
            '`{"error": {"code", "message", "details"}}`.',
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A Cognito access token, an API token (stk_...) or, "
                    "in the local stage, a local token (stl1....).",
                }
            },
        },
    }
