"""Sign-in for the web UI: how this stage signs in (GET /v1/auth/config) and the local stage's
own sign-in (POST /v1/auth/local). Verification of the tokens it hands out is ``auth``'s."""

from __future__ import annotations

import os
from typing import Annotated, Literal

from pydantic import Field

from . import settings
from .auth import USER_NAME, is_local_stage, issue_local_token, local_user_id
from .errors import AppError, NotFound
from .models import Request, Response


class LocalAuthConfig(Response):
    mode: Literal["local"] = "local"


class CognitoAuthConfig(Response):
    mode: Literal["cognito"] = "cognito"
    domain: str = Field(
        description="The Cognito hosted UI's domain.", examples=["studytracker.auth.eu-west-1.amazoncognito.com"]
    )
    client_id: str
    redirect_path: str = Field("", description="Where the hosted UI sends the browser back, relative to the app.")


AuthConfig = Annotated[LocalAuthConfig | CognitoAuthConfig, Field(discriminator="mode")]


class LocalSignIn(Request):
    user: Annotated[str, Field(pattern=USER_NAME.pattern, examples=["alice"])]


class LocalSession(Response):
    token: str
    user_id: str


def sign_in_config() -> LocalAuthConfig | CognitoAuthConfig:
    """How the web UI signs in on this stage (GET /v1/auth/config)."""
    if is_local_stage():
        return LocalAuthConfig()
    domain = os.environ.get("COGNITO_DOMAIN", "")
    clients = [c.strip() for c in os.environ.get("COGNITO_CLIENT_IDS", "").split(",") if c.strip()]
    if not domain or not clients:
        raise AppError(
            "Sign-in is not configured on this server (COGNITO_DOMAIN, COGNITO_CLIENT_IDS): tell its operator."
        )
    return CognitoAuthConfig(
        domain=domain, client_id=clients[0], redirect_path=os.environ.get("COGNITO_REDIRECT_PATH", "")
    )


def sign_in_local(store, body: LocalSignIn) -> LocalSession:
    """POST /v1/auth/local: a token for a local user, creating the user's settings when new."""
    if not is_local_stage():
        raise NotFound("Local sign-in exists only in the local stage.")
    user_id = local_user_id(body.user)
    settings.ensure(store, user_id)
    return LocalSession(token=issue_local_token(body.user), user_id=user_id)
