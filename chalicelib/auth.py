"""Bearer-token verification for every stage: one entry point, one verifier per token kind.

- local stage: tokens signed with the local signing key (``python -m studytracker token``);
- deployed stages: Cognito JWTs and personal API tokens (added by the security work).

The user id comes from a verified token only. The same code runs in API Gateway's
authorizer, in ``chalice local`` and in the test client.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time
from pathlib import Path

from .errors import Unauthorized

LOCAL_PREFIX = "stl1."
LOCAL_TOKEN_DAYS = 30
USER_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
ANONYMOUS = "anonymous"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def local_key_file() -> Path:
    return Path(os.environ.get("STUDYTRACKER_LOCAL_KEY_FILE", ".data/local-signing-key"))


def local_key(create: bool = False) -> bytes | None:
    path = local_key_file()
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(os.urandom(32).hex().encode())
    return path.read_bytes().strip()


def local_user_id(name: str) -> str:
    if not USER_NAME.match(name):
        raise ValueError("a local user name is 1-64 letters, digits, '.', '_' or '-'")
    return f"local-{name}"


def issue_local_token(name: str, days: int = LOCAL_TOKEN_DAYS, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    payload = {"sub": local_user_id(name), "iat": issued, "exp": issued + days * 86400}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(local_key(create=True), body.encode(), hashlib.sha256).digest()
    return f"{LOCAL_PREFIX}{body}.{_b64(signature)}"


def verify_local(token: str, now: float | None = None) -> str:
    key = local_key()
    if key is None or os.environ.get("STUDYTRACKER_STAGE", "local") != "local":
        raise Unauthorized("Local tokens are accepted only by the local stage.")
    try:
        body, signature = token[len(LOCAL_PREFIX):].split(".")
        expected = hmac.new(key, body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            raise ValueError("bad signature")
        claims = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        raise Unauthorized("The token is not valid: sign in again.") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str) \
            or not isinstance(claims.get("exp"), int):
        raise Unauthorized("The token is not valid: sign in again.")
    if claims["exp"] <= (now if now is not None else time.time()):
        raise Unauthorized("The token has expired: sign in again.")
    return claims["sub"]


def authenticate(header: str | None) -> str:
    """The user id behind an ``Authorization: Bearer ...`` header, or ``Unauthorized`` with the reason."""
    if not header or not header.startswith("Bearer "):
        raise Unauthorized("Send Authorization: Bearer <token>. Get a token by signing in.")
    token = header[len("Bearer "):].strip()
    if len(token) > 8192:
        raise Unauthorized("The token is too long to be valid.")
    if token.startswith(LOCAL_PREFIX):
        return verify_local(token)
    raise Unauthorized("The token is not valid: sign in again.")
