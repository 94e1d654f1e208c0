"""Who gets in, through the HTTP API: each forged, stale or misplaced token is a 401 with the app's body.

The deployed stage is a Chalice stage of a scratch project whose environment names a user pool
(as .chalice/config.json does for dev and prod); its JWKS is served by an injected fetcher, and
tokens are minted here with our own RSA keys, so nothing reaches Cognito or the network.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from chalice.test import Client
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import app as application
from chalicelib import auth, cognito, keys

REGION = "us-east-1"
POOL = "us-east-1_TestPool01"
CLIENT = "testclient0000000000000001"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"
DOMAIN = "studytracker-test.auth.us-east-1.amazoncognito.com"
SUB = "0f0e0d0c-0b0a-4909-8807-060504030201"
CLOUD_ENV = {
    "STUDYTRACKER_STAGE": "dev",
    "COGNITO_USER_POOL_ID": POOL,
    "COGNITO_CLIENT_IDS": f"{CLIENT},cli-client",
    "COGNITO_DOMAIN": DOMAIN,
    "AWS_REGION": REGION,
}


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64json(value) -> str:
    return b64url(json.dumps(value).encode())


def jwk_of(key, kid: str) -> dict:
    numbers = key.public_key().public_numbers()
    as_b64 = lambda n: b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))  # noqa: E731
    return {"kid": kid, "alg": "RS256", "kty": "RSA", "use": "sig", "n": as_b64(numbers.n), "e": as_b64(numbers.e)}


def claims(**changes) -> dict:
    now = int(time.time())
    base = {
        "sub": SUB,
        "iss": ISSUER,
        "client_id": CLIENT,
        "token_use": "access",
        "iat": now - 60,
        "auth_time": now - 60,
        "exp": now + 3600,
        "jti": "j1",
        "username": "learner",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(key, payload: dict, kid: str = "key-1", **header) -> str:
    signing_input = f"{b64json({'kid': kid, 'alg': 'RS256', **header})}.{b64json(payload)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()))}"


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Jwks:
    def __init__(self, *jwks):
        self.keys, self.fetches = list(jwks), 0

    def __call__(self, url: str) -> dict:
        assert url == f"{ISSUER}/.well-known/jwks.json"
        self.fetches += 1
        return {"keys": self.keys}


@pytest.fixture
def jwks(key, monkeypatch):
    served = Jwks(jwk_of(key, "key-1"))
    monkeypatch.setattr(cognito, "fetch_jwks", served)
    auth.reset()
    yield served
    auth.reset()


def stage_client(tmp_path, env: dict) -> Client:
    """The app under a stage whose environment is `env`, as `chalice deploy --stage` would run it."""
    (tmp_path / ".chalice").mkdir(exist_ok=True)
    (tmp_path / ".chalice" / "config.json").write_text(
        json.dumps(
            {
                "version": "2.0",
                "app_name": "studytracker",
                "stages": {"cloud": {"api_gateway_stage": "api", "environment_variables": env}},
            }
        )
    )
    return Client(application.app, stage_name="cloud", project_dir=str(tmp_path))


@pytest.fixture
def cloud(table, jwks, tmp_path):
    with stage_client(tmp_path, CLOUD_ENV) as client:
        yield client


def call(client, token: str | None, path: str = "/v1/me", method: str = "get", body=None, raw_header=None):
    headers = {"Content-Type": "application/json"}
    if raw_header is not None:
        headers["Authorization"] = raw_header
    elif token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = getattr(client.http, method)(path, headers=headers, body=json.dumps(body) if body is not None else None)
    return response.status_code, response.json_body


def assert_refused(client, token: str | None, **kw) -> str:
    status, body = call(client, token, **kw)
    assert status == 401, body
    assert body["error"]["code"] == "unauthorized" and body["error"]["message"]
    return body["error"]["message"]


# -- accepted ------------------------------------------------------------------------------------
def test_cognito_access_token_signs_in_as_its_sub(cloud, key, store):
    status, subject = call(cloud, sign(key, claims()), "/v1/subjects", "post", {"name": "Physics"})
    assert status == 201, subject
    assert store.get(keys.key(SUB, keys.subject_sk(subject["id"])))["name"] == "Physics"
    assert call(cloud, sign(key, claims()), f"/v1/subjects/{subject['id']}")[0] == 200


def test_a_token_for_any_configured_app_client_is_accepted(cloud, key):
    assert call(cloud, sign(key, claims(client_id="cli-client")))[0] == 200


def test_the_jwks_is_fetched_once_per_container(cloud, key, jwks):
    for _ in range(3):
        assert call(cloud, sign(key, claims()))[0] == 200
    assert jwks.fetches == 1


def test_two_cognito_users_do_not_see_each_other(cloud, key):
    status, subject = call(cloud, sign(key, claims()), "/v1/subjects", "post", {"name": "Mine"})
    assert status == 201
    intruder = sign(key, claims(sub="11111111-2222-3333-4444-555555555555"))
    assert call(cloud, intruder, f"/v1/subjects/{subject['id']}")[0] == 404
    assert call(cloud, intruder, "/v1/subjects")[1]["items"] == []


def test_api_tokens_work_in_deployed_stages(cloud, key):
    status, token = call(cloud, sign(key, claims()), "/v1/tokens", "post", {"name": "cron"})
    assert status == 201
    assert call(cloud, token["secret"])[0] == 200


# -- refused: Cognito JWTs -----------------------------------------------------------------------
FORGERIES = {
    "expired": lambda key, other: sign(key, claims(exp=int(time.time()) - 1)),
    "not yet valid (nbf)": lambda key, other: sign(key, claims(nbf=int(time.time()) + 600)),
    "issued in the future (iat)": lambda key, other: sign(key, claims(iat=int(time.time()) + 600)),
    "wrong issuer": lambda key, other: sign(
        key, claims(iss=f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_Other")
    ),
    "wrong audience (app client)": lambda key, other: sign(key, claims(client_id="someone-elses-client")),
    "wrong token_use (id token)": lambda key, other: sign(key, claims(token_use="id", client_id=None, aud=CLIENT)),
    "no sub": lambda key, other: sign(key, claims(sub=None)),
    "bad signature (one bit flipped)": lambda key, other: flip_last_signature_byte(sign(key, claims())),
    "claims changed after signing": lambda key, other: swap_payload(sign(key, claims()), claims(sub="victim")),
    "signed by another key under our kid": lambda key, other: sign(other, claims()),
    "alg none, no signature": lambda key, other: f"{b64json({'kid': 'key-1', 'alg': 'none'})}.{b64json(claims())}.",
    "alg none, signature kept": lambda key, other: with_header(sign(key, claims()), {"kid": "key-1", "alg": "none"}),
    "HS256 keyed with the public key": lambda key, other: hs256_with_public_key(key),
    "unknown kid": lambda key, other: sign(key, claims(), kid="attacker"),
    "truncated to two parts": lambda key, other: sign(key, claims()).rsplit(".", 1)[0],
    "truncated signature": lambda key, other: sign(key, claims())[:-10],
    "garbage": lambda key, other: "not-a-token",
    "longer than 8192 characters": lambda key, other: sign(key, claims(pad="x" * 9000)),
}


def flip_last_signature_byte(token: str) -> str:
    head, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[-1] ^= 1
    return f"{head}.{payload}.{b64url(bytes(raw))}"


def swap_payload(token: str, payload: dict) -> str:
    head, _, signature = token.split(".")
    return f"{head}.{b64json(payload)}.{signature}"


def with_header(token: str, header: dict) -> str:
    _, payload, signature = token.split(".")
    return f"{b64json(header)}.{payload}.{signature}"


def hs256_with_public_key(key) -> str:
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = f"{b64json({'kid': 'key-1', 'alg': 'HS256'})}.{b64json(claims())}"
    return f"{signing_input}.{b64url(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())}"


@pytest.mark.parametrize("attack", list(FORGERIES))
def test_forged_or_stale_cognito_token_is_a_401(cloud, key, other_key, attack, store):
    forged = FORGERIES[attack](key, other_key)
    status, body = call(cloud, forged, method="patch", body={"timezone": "Asia/Tokyo"})
    # The harm first: had the write been accepted, the victim's settings would exist now.
    assert store.get(keys.key(SUB, keys.PROFILE)) is None
    assert status == 401 and body["error"]["code"] == "unauthorized", body
    assert_refused(cloud, forged)


def test_jwks_outage_is_a_401_not_a_500(table, tmp_path, key, monkeypatch):
    def unreachable(url):
        raise TimeoutError("timed out")

    monkeypatch.setattr(cognito, "fetch_jwks", unreachable)
    auth.reset()
    with stage_client(tmp_path, CLOUD_ENV) as client:
        assert "try again" in assert_refused(client, sign(key, claims()))
    auth.reset()


def test_stage_without_a_user_pool_refuses_jwts_with_a_401(table, tmp_path, key, jwks):
    with stage_client(tmp_path, {**CLOUD_ENV, "COGNITO_USER_POOL_ID": ""}) as client:
        assert "not configured" in assert_refused(client, sign(key, claims()))
    assert jwks.fetches == 0


def test_cognito_token_is_refused_by_the_local_stage(client, key, jwks):
    assert "local" in assert_refused(client, sign(key, claims()))
    assert jwks.fetches == 0


# -- refused: API tokens and local tokens ----------------------------------------------------------
def test_revoked_api_token_is_a_401_in_deployed_stages(cloud, key):
    signed_in = sign(key, claims())
    token = call(cloud, signed_in, "/v1/tokens", "post", {"name": "cron"})[1]
    assert call(cloud, signed_in, f"/v1/tokens/{token['id']}", "delete")[0] == 204
    assert_refused(cloud, token["secret"])


def test_local_token_is_a_401_in_deployed_stages(cloud, api):
    assert "local stage" in assert_refused(cloud, api.token)


def test_local_token_is_a_401_inside_a_lambda_whatever_the_stage_says(client, api, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "studytracker-dev")
    assert_refused(client, api.token)


def test_expired_local_token_is_a_401(client, table):
    token = auth.issue_local_token("alice", days=1, now=time.time() - 2 * 86400)
    assert "expired" in assert_refused(client, token)


def test_local_token_signed_with_another_key_is_a_401(client, api):
    body = api.token[len(auth.LOCAL_PREFIX) :].split(".")[0]
    forged = hmac.new(b"0" * 64, body.encode(), hashlib.sha256).digest()
    assert_refused(client, f"{auth.LOCAL_PREFIX}{body}.{b64url(forged)}")


def test_local_token_naming_another_user_is_a_401(client, api):
    body, signature = api.token[len(auth.LOCAL_PREFIX) :].split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    assert payload["sub"] == "local-alice"
    assert_refused(client, f"{auth.LOCAL_PREFIX}{b64json({**payload, 'sub': 'local-bob'})}.{signature}")


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic YWxpY2U6c2VjcmV0",
        "bearer stl1.x.y",
        "Token abc",
        "Bearer stl1.",
        "Bearer stl1.a.b.c",
        "Bearer stk_",
    ],
)
def test_malformed_authorization_is_a_401(client, table, header):
    assert_refused(client, None, raw_header=header)


def test_missing_authorization_is_the_gateways_own_401(client, table):
    # API Gateway (and chalice local) answer without calling the authorizer when the header is absent.
    status, body = call(client, None)
    assert (status, body) == (401, {"message": "Unauthorized"})


@pytest.mark.parametrize(
    "path, method",
    [
        ("/v1/me", "get"),
        ("/v1/subjects", "post"),
        ("/v1/tokens", "get"),
        ("/v1/tokens", "post"),
        ("/v1/timer/stop", "post"),
    ],
)
def test_every_kind_of_route_answers_401_before_reading_the_body(client, table, path, method):
    assert_refused(client, "stl1.forged.token", path=path, method=method, body={"unknown": "field"})


# -- the authorizer's cache ---------------------------------------------------------------------------
def test_authorizer_results_are_cached_for_60_seconds():
    # API Gateway reuses a decision for the same header for this long: a revoked API token or a
    # deleted Cognito user keeps access at most 60 s in deployed stages; longer saves little
    # (one GetItem per token per minute) and shorter multiplies authorizer invocations.
    [handler] = application.app.builtin_auth_handlers
    assert handler.ttl_seconds == 60


# -- sign-in for the web UI ----------------------------------------------------------------------
def test_auth_config_says_local_in_the_local_stage(client):
    response = client.http.get("/v1/auth/config")
    assert response.status_code == 200 and response.json_body == {"mode": "local"}


def test_auth_config_names_the_hosted_ui_in_deployed_stages(cloud):
    response = cloud.http.get("/v1/auth/config")
    assert response.status_code == 200
    assert response.json_body == {"mode": "cognito", "domain": DOMAIN, "client_id": CLIENT, "redirect_path": ""}


def test_local_sign_in_returns_a_working_token_and_creates_settings(client, store):
    response = client.http.post(
        "/v1/auth/local", headers={"Content-Type": "application/json"}, body=json.dumps({"user": "carol"})
    )
    assert response.status_code == 201
    assert response.json_body["user_id"] == "local-carol"
    assert store.get(keys.key("local-carol", keys.PROFILE))["version"] == 1
    assert call(client, response.json_body["token"])[0] == 200


@pytest.mark.parametrize(
    "body",
    [{"user": ""}, {"user": "a b"}, {"user": "x" * 65}, {"user": "../etc"}, {"user": "alice", "admin": True}, {}],
)
def test_local_sign_in_rejects_bad_user_names(client, table, body):
    response = client.http.post("/v1/auth/local", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 400
    assert response.json_body["error"]["details"]


def test_local_sign_in_does_not_exist_in_deployed_stages(cloud, store):
    response = cloud.http.post(
        "/v1/auth/local", headers={"Content-Type": "application/json"}, body=json.dumps({"user": "mallory"})
    )
    assert response.status_code == 404
    assert store.get(keys.key("local-mallory", keys.PROFILE)) is None
