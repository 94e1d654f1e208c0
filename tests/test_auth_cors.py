"""Browser access (CORS): closed unless the stage names its one web origin in STUDYTRACKER_CORS_ORIGIN.

Chalice reads a route's CORS configuration when the route is registered, as `chalice deploy`
does when it generates the API (preflight methods included), so each case imports app.py
afresh with the stage's environment.
"""

from __future__ import annotations

import importlib

import pytest
from chalice.config import Config
from chalice.local import LocalGateway
from chalice.test import Client

import app as application
from chalicelib import cors
from studytracker import localenv

ORIGIN = "https://study.example.com"


@pytest.fixture
def app_with_cors(monkeypatch, table):
    def load(origin: str | None):
        if origin is None:
            monkeypatch.delenv("STUDYTRACKER_CORS_ORIGIN", raising=False)
        else:
            monkeypatch.setenv("STUDYTRACKER_CORS_ORIGIN", origin)
        return importlib.reload(application)

    yield load
    monkeypatch.delenv("STUDYTRACKER_CORS_ORIGIN", raising=False)
    importlib.reload(application)


def client_of(module) -> Client:
    return Client(module.app, stage_name="local", project_dir=str(localenv.ROOT))


class Preflight:
    def __init__(self, answer: dict):
        self.status_code, self.headers = answer["statusCode"], answer["headers"]


def preflight_of(module, path: str) -> Preflight:
    """The OPTIONS answer API Gateway generates (the test client cannot read its empty body)."""
    gateway = LocalGateway(module.app, Config.create(chalice_stage="local"))
    return Preflight(
        gateway.handle_request("OPTIONS", path, {"Origin": ORIGIN, "Access-Control-Request-Method": "PATCH"}, b"")
    )


def cors_headers(response) -> dict:
    return {k.lower(): v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


def test_closed_by_default_no_cors_headers_anywhere(app_with_cors, api):
    module = app_with_cors(None)
    with client_of(module) as client:
        headers = {"Authorization": f"Bearer {api.token}", "Origin": ORIGIN}
        assert cors_headers(client.http.get("/v1/me", headers=headers)) == {}
        assert cors_headers(client.http.get("/v1/me", headers={**headers, "Authorization": "Bearer stl1.bad"})) == {}
        assert cors_headers(client.http.get("/health", headers={"Origin": ORIGIN})) == {}
    preflight = preflight_of(module, "/v1/me")
    assert "access-control-allow-origin" not in cors_headers(preflight)


def test_configured_origin_is_allowed_on_answers_errors_and_preflight(app_with_cors, api):
    module = app_with_cors(ORIGIN)
    with client_of(module) as client:
        ok = client.http.get("/v1/me", headers={"Authorization": f"Bearer {api.token}", "Origin": ORIGIN})
        assert ok.status_code == 200 and cors_headers(ok)["access-control-allow-origin"] == ORIGIN
        # the web UI tells an export file from its download link by it (web/src/lib/download.js)
        assert cors_headers(ok)["access-control-expose-headers"] == "Content-Disposition"
        refused = client.http.get("/v1/me", headers={"Authorization": "Bearer stl1.bad", "Origin": ORIGIN})
        assert refused.status_code == 401  # the browser may read why
        assert cors_headers(refused)["access-control-allow-origin"] == ORIGIN
    preflight = preflight_of(module, "/v1/sessions/abc")
    allowed = cors_headers(preflight)
    assert preflight.status_code == 200 and allowed["access-control-allow-origin"] == ORIGIN
    assert {"PATCH", "DELETE", "GET"} <= set(allowed["access-control-allow-methods"].split(","))
    sent_by_the_ui = {"Authorization", "Content-Type", "If-Match", "Idempotency-Key"}
    assert sent_by_the_ui <= set(allowed["access-control-allow-headers"].split(","))


@pytest.mark.parametrize(
    "origin",
    [
        "*",
        "https://study.example.com/",
        "https://a.example.com,https://b.example.com",
        "study.example.com",
        "javascript:alert(1)",
        "https://exa mple.com",
    ],
)
def test_anything_but_one_origin_is_refused_when_the_app_loads(monkeypatch, origin):
    monkeypatch.setenv("STUDYTRACKER_CORS_ORIGIN", origin)
    with pytest.raises(ValueError, match="STUDYTRACKER_CORS_ORIGIN"):
        cors.cors_config()


def test_an_empty_setting_means_closed(monkeypatch):
    monkeypatch.setenv("STUDYTRACKER_CORS_ORIGIN", "")  # as .chalice/config.json ships for dev and prod
    assert cors.cors_config() is None
