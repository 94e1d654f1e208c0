"""Browser access (CORS): closed unless the stage names its one web origin in STUDYTRACKER_CORS_ORIGIN."""

from __future__ import annotations

import os
import re

ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def cors_origin() -> str | None:
    """The one web origin allowed to call the API from a browser, or None: closed unless configured."""
    origin = os.environ.get("STUDYTRACKER_CORS_ORIGIN", "").strip()
    if not origin:
        return None
    if not ORIGIN.fullmatch(origin):
        raise ValueError(f"STUDYTRACKER_CORS_ORIGIN must be one origin like https://app.example.com, not {origin!r}")
    return origin


def cors_config():
    """Chalice's CORS configuration from the stage's environment (read once, when routes are registered)."""
    from chalice import CORSConfig

    origin = cors_origin()
    if origin is None:
        return None
    # The web UI tells an export file (an attachment) from its download link by Content-Disposition.
    return CORSConfig(
        allow_origin=origin,
        allow_headers=["If-Match", "Idempotency-Key"],
        expose_headers=["Content-Disposition"],
        max_age=600,
    )


def with_cors(response, config):
    """Error responses skip Chalice's CORS step: add the same headers so the browser can read them."""
    if config is not None:
        response.headers.update(config.get_access_control_headers())
    return response
