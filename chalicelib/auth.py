"""Who is calling: bearer-token verification for every stage (sign-in for the web UI is ``signin``,
browser access ``cors``).

One entry point, ``authenticate(header) -> user_id``, one verifier per token kind:
- ``stl1.``  local tokens signed with the local signing key: the local stage only;
- ``stk_``   personal API tokens (``tokens``): every stage;
- anything else is a Cognito JWT, verified by ``cognito.CognitoVerifier`` in deployed stages only.

The user id comes from a verified token only. The same code runs in API Gateway's
authorizer, in ``chalice local`` and in the test client: neither API Gateway nor
``chalice local`` is trusted to have checked anything.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import logging
import os
import re
import time
from pathlib import Path

from . import faults, runtime, tokens
from .errors import AppError, Unauthorized

LOCAL_PREFIX = "stl1."
LOCAL_TOKEN_DAYS = 30
USER_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
ANONYMOUS = "anonymous"
UNAVAILABLE = "unavailable"  # the authorizer's reason when the token store did not answer
# API Gateway caches an authorizer's answer per token this long: an 'unavailable' one too.
AUTHORIZER_TTL_SECONDS = 60
MAX_TOKEN_LENGTH = 8192
log = logging.getLogger("studytracker")


class Forbidden(AppError):
    status, code = 403, "forbidden"


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
    key = local_key(create=True)
    assert key is not None  # create=True makes one when missing
    signature = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return f"{LOCAL_PREFIX}{body}.{_b64(signature)}"


def is_local_stage() -> bool:
    """The local stage, and never inside a Lambda whatever its environment says."""
    return runtime.stage() == "local" and "AWS_LAMBDA_FUNCTION_NAME" not in os.environ


def verify_local(token: str, now: float | None = None) -> str:
    key = local_key()
    if key is None or not is_local_stage():
        raise Unauthorized("Local tokens are accepted only by the local stage.")
    try:
        body, signature = token[len(LOCAL_PREFIX) :].split(".")
        expected = hmac.new(key, body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            raise ValueError("bad signature")
        claims = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        raise Unauthorized("The token is not valid: sign in again.") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str) or not isinstance(claims.get("exp"), int):
        raise Unauthorized("The token is not valid: sign in again.")
    if claims["exp"] <= (now if now is not None else time.time()):
        raise Unauthorized("The token has expired: sign in again.")
    return claims["sub"]


@functools.cache
def cognito_verifier():
    """The user pool's ``CognitoVerifier``, built once per container from the stage's environment."""
    from . import cognito  # only deployed stages verify JWTs

    pool = os.environ.get("COGNITO_USER_POOL_ID", "")
    clients = [c.strip() for c in os.environ.get("COGNITO_CLIENT_IDS", "").split(",") if c.strip()]
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
    return cognito.CognitoVerifier(region, pool, clients)  # ValueError when the stage is misconfigured


def verify_cognito(token: str) -> str:
    if is_local_stage():
        raise Unauthorized("Cognito tokens are not accepted by the local stage: sign in locally.")
    from . import cognito

    try:
        verifier = cognito_verifier()
    except ValueError as error:
        log.error("Cognito sign-in is misconfigured (COGNITO_USER_POOL_ID, COGNITO_CLIENT_IDS, AWS_REGION): %s", error)
        raise Unauthorized("Sign-in is not configured on this server: tell its operator.") from None
    try:
        return verifier.verify(token)["sub"]
    except cognito.JwksUnavailable as error:
        log.error("Cannot check Cognito tokens: %s", error.reason)
        raise Unauthorized("Sign-in cannot be checked right now: try again in a minute.") from None
    except cognito.InvalidToken as error:
        log.info("Cognito token refused: %s", error.reason)
        raise Unauthorized("The token is not valid or has expired: sign in again.") from None


def bearer_token(header: str | None) -> str:
    if not header or not header.startswith("Bearer "):
        raise Unauthorized("Send Authorization: Bearer <token>. Get a token by signing in.")
    token = header[len("Bearer ") :].strip()
    if not token:
        raise Unauthorized("Send Authorization: Bearer <token>. Get a token by signing in.")
    if len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("The token is too long to be valid.")
    return token


def authenticate(header: str | None) -> str:
    """The user id behind an ``Authorization: Bearer ...`` header, or ``Unauthorized`` with the reason."""
    token = bearer_token(header)
    if token.startswith(LOCAL_PREFIX):
        return verify_local(token)
    if token.startswith(tokens.PREFIX):
        return tokens.verify(runtime.store(), token)
    return verify_cognito(token)


def principal(request_context: dict) -> str:
    """The user id the authorizer verified for this request, or ``Unauthorized`` with its reason
    (``Unavailable`` when the authorizer could not look the token up)."""
    context = request_context.get("authorizer") or {}
    if context.get("principalId") in (None, "", ANONYMOUS):
        if context.get("reason") == UNAVAILABLE:
            raise faults.Unavailable(
                f"Your API token could not be checked just now (the database did not answer): "
                f"try again in {AUTHORIZER_TTL_SECONDS} seconds."
            ).retrying_after(AUTHORIZER_TTL_SECONDS)
        raise Unauthorized(context.get("reason") or "Sign in first.")
    return context["principalId"]


def refuse_api_token(header: str | None) -> None:
    """Only a signed-in user may create API tokens: a leaked token must not be able to mint its successors."""
    if (header or "").removeprefix("Bearer ").strip().startswith(tokens.PREFIX):
        raise Forbidden("API tokens cannot create API tokens: sign in to create one.")


def reset() -> None:
    """Forget the cached verifier (tests switch stages and user pools)."""
    cognito_verifier.cache_clear()
