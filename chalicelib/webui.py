"""The built web UI (``chalicelib/web/``, made by ``make web``) as HTTP responses.

Owns what the app answers for ``/``, ``/index.html``, ``/assets/<name>`` and the files that
must sit at the root (``ROOT_FILES``: a service worker controls only the paths under its own,
and the manifest names the app's scope): content types, caching (hashed assets forever, the
page and the root files never) and the security headers that let the page run only its own
scripts. Stdlib only.
"""

from __future__ import annotations

import re
from pathlib import Path

WEB_ROOT = Path(__file__).parent / "web"

# Vite names every asset by content hash, so a cached copy can never go stale.
ASSET_CACHE = "public, max-age=31536000, immutable"
ASSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}
# Unhashed files at the UI's root (Vite copies them from web/public/): revalidated on every use,
# so a new service worker or manifest reaches every phone with the next deploy.
ROOT_FILES = ("sw.js", "manifest.webmanifest")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        # Deployed stages exchange the sign-in code at the Cognito hosted UI's token endpoint.
        "connect-src 'self' https://*.amazoncognito.com",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HTML_HEADERS = {
    "Content-Type": CONTENT_TYPES[".html"],
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

NOT_BUILT = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>StudyTracker: UI not built</title></head>
<body><h1>The web UI is not built yet</h1>
<p>Run <code>make web</code> in the project folder, then reload this page.
The API works without it.</p></body></html>
"""

NOT_FOUND = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>
<body><h1>Not found</h1><p><a href="./">StudyTracker</a></p></body></html>
"""

Response = tuple[int, dict[str, str], bytes]


def _not_found(body: bytes = NOT_FOUND) -> Response:
    return 404, dict(HTML_HEADERS), body


def _page(root: Path) -> Response:
    index = root / "index.html"
    if not index.is_file():
        return _not_found(NOT_BUILT)
    return 200, dict(HTML_HEADERS), index.read_bytes()


def _asset(root: Path, name: str) -> Response:
    # Only plain file names inside assets/: no separators, no leading dot, so no way out.
    if not ASSET_NAME.fullmatch(name):
        return _not_found()
    file = root / "assets" / name
    if not file.is_file():
        return _not_found(NOT_FOUND if (root / "index.html").is_file() else NOT_BUILT)
    headers = {
        "Content-Type": CONTENT_TYPES.get(file.suffix, "application/octet-stream"),
        "Cache-Control": ASSET_CACHE,
        "X-Content-Type-Options": "nosniff",
    }
    return 200, headers, file.read_bytes()


def _root_file(root: Path, name: str) -> Response:
    file = root / name
    if not file.is_file():
        return _not_found(NOT_FOUND if (root / "index.html").is_file() else NOT_BUILT)
    headers = {
        "Content-Type": CONTENT_TYPES[file.suffix],
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    return 200, headers, file.read_bytes()


def asset(path: str, root: Path = WEB_ROOT) -> Response:
    """Status, headers and body for a UI path relative to the UI's root ("" is the page)."""
    path = path.lstrip("/")
    if path in ("", "index.html"):
        return _page(root)
    if path in ROOT_FILES:
        return _root_file(root, path)
    folder, _, name = path.partition("/")
    if folder == "assets":
        return _asset(root, name)
    return _not_found()
