"""StudyTracker: every route, the stream handler and the schedule. Each handler reads, acts, answers."""

import os

from chalice import AuthResponse, Chalice
from chalice.app import Request

from chalicelib import (
    auth,
    backup,
    cors,
    faults,
    http,
    runtime,
    sessions,
    settings,
    signin,
    stats,
    subjects,
    targets,
    timer,
    tokens,
    webui,
)
from chalicelib.errors import Unauthorized
from chalicelib.models import (
    PageQuery,
    SessionCreate,
    SessionFilter,
    SessionPatch,
    SettingsPatch,
    SubjectCreate,
    SubjectPatch,
    TargetCreate,
    TargetPatch,
    TimerExtend,
    TimerSkip,
    TimerStart,
    TimerStop,
)
from chalicelib.observability import http_middleware as observe_request
from chalicelib.runtime import store

app = Chalice(app_name="studytracker")
# CORS is closed (no headers, no preflight) unless STUDYTRACKER_CORS_ORIGIN names the one web origin.
app.api.cors = cors.cors_config()
STREAM_ARN = os.environ.get(
    "STUDYTRACKER_STREAM_ARN", "arn:aws:dynamodb:ddblocal:000000000000:table/studytracker/stream/local"
)


# -- cross-cutting -------------------------------------------------------------------------------
# Outermost: one log line + metrics per request, with the status after error mapping.
app.register_middleware(observe_request, "http")


@app.middleware("http")
def map_errors(event, get_response):
    try:
        if requires_sign_in(event):
            auth.principal(event.context)  # 401 before a handler reads, and so validates, the body
        http.raw_body(event)
        return get_response(event)
    except Exception as error:  # raised before a view runs; views answer theirs (end of this file)
        answer_as = http.as_app_error(error)
        if answer_as is None:
            raise
        return cors.with_cors(http.error_response(answer_as), app.api.cors)


@app.authorizer(ttl_seconds=auth.AUTHORIZER_TTL_SECONDS)
def authorizer(auth_request):
    # Invalid tokens pass as 'anonymous' so the app answers 401 with its own error body everywhere;
    # a token that could not be looked up (DynamoDB failing) passes as 'anonymous' too, and answers 503.
    try:
        return AuthResponse(routes=["*"], principal_id=auth.authenticate(auth_request.token))
    except Unauthorized as error:
        return AuthResponse(routes=["*"], principal_id=auth.ANONYMOUS, context={"reason": error.message})
    except Exception as error:
        if not faults.is_dependency_failure(error):
            raise
        return AuthResponse(routes=["*"], principal_id=auth.ANONYMOUS, context={"reason": auth.UNAVAILABLE})


def requires_sign_in(event) -> bool:
    route = app.routes.get(event.context.get("resourcePath"), {}).get(event.method)
    return route is not None and route.authorizer is not None


def caller() -> str:
    return auth.principal(request().context)


def request() -> Request:
    """The request being handled (Chalice sets it before a view runs)."""
    current = app.current_request
    assert current is not None
    return current


# -- public --------------------------------------------------------------------------------------
@app.route("/health")
def health():
    return http.ok({"status": "ok"})


# -- web UI (no auth: it signs in itself) --------------------------------------------------------
@app.route("/")
def ui_page():
    return http.static(webui.asset(""))


@app.route("/index.html")
def ui_index():
    return http.static(webui.asset("index.html"))


@app.route("/assets/{name}")
def ui_asset(name):
    return http.static(webui.asset(f"assets/{name}"))


@app.route("/sw.js")
def ui_service_worker():
    return http.static(webui.asset("sw.js"))


@app.route("/manifest.webmanifest")
def ui_manifest():
    return http.static(webui.asset("manifest.webmanifest"))


# -- settings ------------------------------------------------------------------------------------
@app.route("/v1/me", authorizer=authorizer)
def get_me():
    return http.ok(settings.get(store(), caller()))


@app.route("/v1/me", methods=["PATCH"], authorizer=authorizer)
def patch_me():
    body = http.parse_body(request(), SettingsPatch)
    return http.ok(settings.update(store(), caller(), body, http.if_match(request())))


# -- subjects ------------------------------------------------------------------------------------
@app.route("/v1/subjects", authorizer=authorizer)
def list_subjects():
    query = http.parse_query(request(), PageQuery)
    return http.ok(subjects.list_page(store(), caller(), query.limit, query.cursor))


@app.route("/v1/subjects", methods=["POST"], authorizer=authorizer)
def create_subject():
    body = http.parse_body(request(), SubjectCreate)
    return http.created(subjects.create(store(), caller(), body))


@app.route("/v1/subjects/{subject_id}", authorizer=authorizer)
def get_subject(subject_id):
    return http.ok(subjects.get(store(), caller(), subject_id))


@app.route("/v1/subjects/{subject_id}", methods=["PATCH"], authorizer=authorizer)
def patch_subject(subject_id):
    body = http.parse_body(request(), SubjectPatch)
    return http.ok(subjects.update(store(), caller(), subject_id, body, http.if_match(request())))


@app.route("/v1/subjects/{subject_id}", methods=["DELETE"], authorizer=authorizer)
def archive_subject(subject_id):
    return http.ok(subjects.archive(store(), caller(), subject_id, http.if_match(request())))


# -- sessions ------------------------------------------------------------------------------------
@app.route("/v1/sessions", authorizer=authorizer)
def list_sessions():
    query = http.parse_query(request(), SessionFilter)
    return http.ok(sessions.list_page(store(), caller(), query))


@app.route("/v1/sessions", methods=["POST"], authorizer=authorizer)
def create_session():
    body = http.parse_body(request(), SessionCreate)
    return http.created(sessions.create(store(), caller(), body))


@app.route("/v1/sessions/{session_id}", authorizer=authorizer)
def get_session(session_id):
    return http.ok(sessions.get(store(), caller(), session_id))


@app.route("/v1/sessions/{session_id}", methods=["PATCH"], authorizer=authorizer)
def patch_session(session_id):
    body = http.parse_body(request(), SessionPatch)
    return http.ok(sessions.update(store(), caller(), session_id, body, http.if_match(request())))


@app.route("/v1/sessions/{session_id}", methods=["DELETE"], authorizer=authorizer)
def delete_session(session_id):
    sessions.delete(store(), caller(), session_id, http.if_match(request()))
    return http.no_content()


# -- exam targets --------------------------------------------------------------------------------
@app.route("/v1/targets", authorizer=authorizer)
def list_targets():
    query = http.parse_query(request(), PageQuery)
    return http.ok(targets.list_page(store(), caller(), query.limit, query.cursor))


@app.route("/v1/targets", methods=["POST"], authorizer=authorizer)
def create_target():
    body = http.parse_body(request(), TargetCreate)
    return http.created(targets.create(store(), caller(), body))


@app.route("/v1/targets/{target_id}", authorizer=authorizer)
def get_target(target_id):
    return http.ok(targets.get(store(), caller(), target_id))


@app.route("/v1/targets/{target_id}", methods=["PATCH"], authorizer=authorizer)
def patch_target(target_id):
    body = http.parse_body(request(), TargetPatch)
    return http.ok(targets.update(store(), caller(), target_id, body, http.if_match(request())))


@app.route("/v1/targets/{target_id}", methods=["DELETE"], authorizer=authorizer)
def archive_target(target_id):
    return http.ok(targets.archive(store(), caller(), target_id, http.if_match(request())))


# -- timer ---------------------------------------------------------------------------------------
@app.route("/v1/timer", authorizer=authorizer)
def get_timer():
    return http.ok(timer.get(store(), caller()))


@app.route("/v1/timer/start", methods=["POST"], authorizer=authorizer)
def start_timer():
    body = http.parse_body(request(), TimerStart)
    return http.created(timer.start(store(), caller(), body))


@app.route("/v1/timer/stop", methods=["POST"], authorizer=authorizer)
def stop_timer():
    body = http.parse_body(request(), TimerStop, optional=True)
    return http.created(timer.stop(store(), caller(), body))


@app.route("/v1/timer/skip", methods=["POST"], authorizer=authorizer)
def skip_timer_phase():
    body = http.parse_body(request(), TimerSkip, optional=True)
    return http.ok(timer.skip(store(), caller(), body))


@app.route("/v1/timer/extend", methods=["POST"], authorizer=authorizer)
def extend_timer_phase():
    body = http.parse_body(request(), TimerExtend, optional=True)
    return http.ok(timer.extend(store(), caller(), body))


@app.route("/v1/timer", methods=["DELETE"], authorizer=authorizer)
def discard_timer():
    timer.discard(store(), caller())
    return http.no_content()


# -- statistics ----------------------------------------------------------------------------------
@app.route("/v1/stats/days", authorizer=authorizer)
def stats_days():
    query = http.parse_query(request(), stats.DaysQuery)
    return http.ok(stats.days(store(), caller(), query))


@app.route("/v1/stats/summary", authorizer=authorizer)
def stats_summary():
    query = http.parse_query(request(), stats.SummaryQuery)
    return http.ok(stats.summary(store(), caller(), query))


@app.route("/v1/stats/streak", authorizer=authorizer)
def stats_streak():
    return http.ok(stats.streak(store(), caller()))


# -- identity: sign-in, API tokens, OpenAPI ------------------------------------------------------
@app.route("/openapi.json")
def openapi_document():
    from chalicelib import openapi  # here: its route table and pydantic's schema generation stay off cold starts

    return http.ok(openapi.document())


@app.route("/v1/auth/config")
def auth_config():
    return http.ok(signin.sign_in_config())


@app.route("/v1/auth/local", methods=["POST"])
def sign_in_local():
    body = http.parse_body(request(), signin.LocalSignIn)
    return http.created(signin.sign_in_local(store(), body))


@app.route("/v1/tokens", authorizer=authorizer)
def list_tokens():
    query = http.parse_query(request(), PageQuery)
    return http.ok(tokens.list_page(store(), caller(), query.limit, query.cursor))


@app.route("/v1/tokens", methods=["POST"], authorizer=authorizer)
def create_token():
    user = caller()
    auth.refuse_api_token(request().headers.get("authorization"))
    body = http.parse_body(request(), tokens.TokenCreate)
    return http.created(tokens.create(store(), user, body))


@app.route("/v1/tokens/{token_id}", methods=["DELETE"], authorizer=authorizer)
def revoke_token(token_id):
    tokens.revoke(store(), caller(), token_id)
    return http.no_content()


# -- export and imports --------------------------------------------------------------------------
# Imported in their handlers, as the stream's projection is: rare requests, kept off every cold start
# (about 15 ms of imports together, `python -X importtime -c "import app"`).
@app.route("/v1/export", authorizer=authorizer)
def export_data():
    from chalicelib import download_links, export

    query = http.parse_query(request(), export.ExportQuery)
    made = export.build(store(), caller(), query.format)
    link = download_links.link_if_too_large(made, caller(), runtime.s3_client)  # None: answered inline
    return http.download(made, link, query.delivery)


@app.route("/v1/imports", methods=["POST"], content_types=["text/csv"], authorizer=authorizer)
def import_sessions():
    from chalicelib.imports import models, service

    query = http.parse_query(request(), models.ImportQuery)
    return http.ok(service.import_csv(store(), caller(), http.raw_body(request()), query))


# -- backup schedule -----------------------------------------------------------------------------
@app.schedule(backup.SCHEDULE, description="Daily export of the whole table (STUDYTRACKER_BACKUP_SCHEDULE)")
def backup_table(event):
    return backup.run_scheduled(runtime.background_client(), store().table_name)


# -- background ----------------------------------------------------------------------------------
@app.on_dynamodb_record(stream_arn=STREAM_ARN, batch_size=100, starting_position="TRIM_HORIZON")
def on_table_change(event):
    from chalicelib import projection  # its own function: never on an API cold start

    return projection.handle_records(store(), event)


# Last, once every route is registered: writes take an Idempotency-Key (an import repeats harmlessly
# by itself, so it writes as it goes), and each view answers the AppError it raises.
http.make_writes_idempotent(app, caller, self_idempotent=frozenset({"/v1/imports"}))
http.answer_errors_in_views(app.routes)
