"""HTTP glue shared by every route: parse requests into models, map errors, build responses.

Chalice-specific, but knows nothing about the app object: handlers pass the request (and the
app its route table) in. The one place where use-case errors and results become HTTP answers.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalice import Response
from pydantic import BaseModel, ValidationError

from . import faults, idempotency, runtime
from .errors import AppError, BadRequest, PayloadTooLarge
from .store import Store

if TYPE_CHECKING:
    from .download_links import DownloadLink
    from .export import Export

MAX_BODY_BYTES = 1024 * 1024
M = TypeVar("M", bound=BaseModel)
log = logging.getLogger("studytracker")


def _field_path(location: tuple) -> str:
    return ".".join(str(part) for part in location) or "body"


def validation_error(error: ValidationError, prefix: str = "") -> BadRequest:
    details = [
        {"field": prefix + _field_path(e["loc"]) if e["loc"] else (prefix.rstrip(".") or "body"), "problem": e["msg"]}
        for e in error.errors(include_url=False)
    ]
    summary = "; ".join(f"{d['field']}: {d['problem']}" for d in details[:5])
    return BadRequest(f"Invalid request: {summary}", details)


def raw_body(request) -> bytes:
    body = request.raw_body or b""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"Request body is {len(body)} bytes; the limit is {MAX_BODY_BYTES} bytes.")
    return body


def parse_body(request, model: type[M], optional: bool = False) -> M:
    """The JSON body as ``model``: malformed JSON, wrong types and unknown fields are a 400."""
    body = raw_body(request)
    if optional and not body.strip():
        return model()
    if not body.strip():
        raise BadRequest.field("body", "a JSON object is required", "Request body is empty: send a JSON object.")
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        raise validation_error(error) from None


def parse_query(request, model: type[M]) -> M:
    params = dict(request.query_params or {})
    try:
        return model.model_validate(params)
    except ValidationError as error:
        raise validation_error(error) from None


def if_match(request) -> int | None:
    """The ``If-Match`` version, if sent (quotes and W/ tolerated, as HTTP clients add them)."""
    value = (request.headers or {}).get("if-match")
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 12:
        raise BadRequest.field("If-Match", "must be the integer version of the resource")
    return int(text)


def _dump(payload: Any) -> Any:
    if isinstance(payload, BaseModel):
        return payload.model_dump(mode="json", by_alias=True)
    return payload


def ok(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        body=json.dumps(_dump(payload), ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def created(payload: Any) -> Response:
    return ok(payload, 201)


def no_content() -> Response:
    return Response(body="", status_code=204)


def static(asset: tuple[int, dict, bytes]) -> Response:
    """A built UI file; text bodies as str (API Gateway would mangle bytes without binary types), the
    app's PNG icons as bytes: image/png is one of Chalice's default binary types, which Chalice
    base64-encodes for API Gateway and registers as the REST API's binary media types."""
    status, headers, body = asset
    if headers.get("Content-Type") == "image/png":
        return Response(body=body, status_code=status, headers=headers)
    return Response(body=body.decode("utf-8"), status_code=status, headers=headers)


def download(export: Export, link: DownloadLink | None = None, delivery: str = "redirect") -> Response:
    """An export as a file to save, never cached (it holds the learner's data); one too large to answer
    inline as its download link: a 303 to it (curl -L and API clients get the file), or with
    ``delivery="link"`` a 200 (a browser then opens the link itself, without its token)."""
    if link is not None:
        headers = {"Cache-Control": "no-store"}  # the link is a credential for a quarter of an hour
        if delivery == "link":
            return ok(link, headers=headers)
        return ok(link, 303, {**headers, "Location": link.download_url})
    return Response(
        body=export.body,
        status_code=200,
        headers={
            "Content-Type": export.content_type,
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


def error_response(error: AppError) -> Response:
    retry_after = getattr(error, "retry_after", None)
    return ok(error.body(), error.status, {"Retry-After": str(retry_after)} if retry_after else None)


def as_app_error(error: Exception) -> AppError | None:
    """The AppError an exception answers as: itself, ``Unavailable`` for a dependency's failure, or
    None for a bug (Chalice then answers its 500 and logs the traceback)."""
    if isinstance(error, AppError):
        return error
    if faults.is_dependency_failure(error):
        log.warning("dependency failure: %s: %s", type(error).__name__, error)
        return faults.Unavailable()
    return None


def answering_errors(view: Callable) -> Callable:
    """``view``, answering the AppError it raises with its error response."""

    @functools.wraps(view)
    def answer(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except Exception as error:
            answer_as = as_app_error(error)
            if answer_as is None:
                raise
            return error_response(answer_as)

    return answer


def make_writes_idempotent(app, caller: Callable[[], str], self_idempotent: frozenset[str] = frozenset()) -> None:
    """Give every signed-in POST, PATCH and DELETE under /v1/ the ``Idempotency-Key`` header
    (see ``idempotency``). Views on ``self_idempotent`` paths write as they go (an import, whose
    writes repeat harmlessly); the others' writes wait for the transaction that stores the answer."""
    for path, methods in app.routes.items():
        for method, route in methods.items():
            if path.startswith("/v1/") and method in idempotency.WRITE_METHODS and route.authorizer is not None:
                route.view_function = _idempotent(app, caller, route.view_function, path not in self_idempotent)


def _idempotent(app, caller: Callable[[], str], view: Callable, deferred: bool) -> Callable:
    @functools.wraps(view)
    def answer(*args, **kwargs):
        request = app.current_request
        raw = (request.headers or {}).get(idempotency.HEADER.lower())
        if raw is None:
            return view(*args, **kwargs)
        key = idempotency.parse_key(raw)
        route = request.context.get("resourcePath", "")
        fingerprint = idempotency.fingerprint(request.method, route, dict(request.uri_params or {}), raw_body(request))

        def execute(unit: Store) -> idempotency.Answer:
            with runtime.using(unit if deferred else runtime.shared_store()):
                response = view(*args, **kwargs)
            return idempotency.Answer(response.status_code, dict(response.headers or {}), response.body or "")

        shared = runtime.shared_store()
        answered = idempotency.run(shared, caller(), key, fingerprint, execute)
        headers: dict[str, str | list[str]] = {**answered.headers}
        return Response(body=answered.body, status_code=answered.status, headers=headers)

    return answer


def answer_errors_in_views(routes: dict) -> None:
    """Wrap every registered view in ``answering_errors``. Chalice passes an exception a view raises on
    to middleware only when it is Chalice's own ChaliceUnhandledError, and answers any other with its
    generic 500; AppError is a plain exception (use cases do not depend on Chalice), so each view maps it."""
    for methods in routes.values():
        for route in methods.values():
            route.view_function = answering_errors(route.view_function)
