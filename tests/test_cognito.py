"""Specifications for Cognito token verification: what is accepted, then one test per attack.

Tokens are minted here with our own RSA keys and served through an injected JWKS fetcher
and clock, so every check runs without Cognito or the network.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import string
import threading
import time

import jwt  # PyJWT: the reference verifier for the cross-check only
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.cognito import (
    MAX_TOKEN_LENGTH,
    MIN_REFRESH_INTERVAL_SECONDS,
    CognitoVerifier,
    InvalidToken,
    JwksUnavailable,
    fetch_jwks,
)

REGION = "eu-west-1"
POOL = "eu-west-1_AbCdEf123"
CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"
NOW = 1_800_000_000
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")  # RFC 8017 9.2, note 1
B64URL_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_json(value: object) -> str:
    return b64url(json.dumps(value).encode())


def new_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def b64url_uint(number: int) -> str:
    return b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


def jwk_of(key: rsa.RSAPrivateKey, kid: str) -> dict:
    numbers = key.public_key().public_numbers()
    return {
        "kid": kid,
        "alg": "RS256",
        "kty": "RSA",
        "use": "sig",
        "e": b64url_uint(numbers.e),
        "n": b64url_uint(numbers.n),
    }


def sign(key: rsa.RSAPrivateKey, kid: str, claims: dict, **header: object) -> str:
    return sign_raw(key, json.dumps({"kid": kid, "alg": "RS256", **header}).encode(), json.dumps(claims).encode())


def sign_raw(key: rsa.RSAPrivateKey, header: bytes, payload: bytes) -> str:
    signing_input = f"{b64url(header)}.{b64url(payload)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


def access_claims(**changes: object) -> dict:
    """A Cognito access token's claims; a change to None removes the claim."""
    claims = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "iss": ISSUER,
        "client_id": CLIENT,
        "origin_jti": "f1e2d3",
        "event_id": "e1",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": NOW - 60,
        "iat": NOW - 60,
        "exp": NOW + 3540,
        "jti": "a1b2c3",
        "username": "learner",
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def id_claims(**changes: object) -> dict:
    claims = access_claims(
        token_use="id",
        client_id=None,
        scope=None,
        aud=CLIENT,
        email="learner@example.com",
        **{"cognito:username": "learner"},
    )
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


class FakeJwks:
    """The pool's JWKS endpoint: serves `keys` and counts fetches."""

    def __init__(self, *keys: dict):
        self.keys = list(keys)
        self.urls: list[str] = []

    def __call__(self, url: str) -> dict:
        self.urls.append(url)
        return {"keys": [dict(key) for key in self.keys]}


class Clock:
    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture
def jwks(key) -> FakeJwks:
    return FakeJwks(jwk_of(key, "key-1"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(jwks, clock) -> CognitoVerifier:
    return CognitoVerifier(REGION, POOL, [CLIENT], jwks_fetcher=jwks, clock=clock)


@pytest.fixture
def id_verifier(jwks, clock) -> CognitoVerifier:
    return CognitoVerifier(REGION, POOL, [CLIENT], token_use="id", jwks_fetcher=jwks, clock=clock)


def signature_of(token: str) -> bytes:
    return base64.urlsafe_b64decode(token.split(".")[2] + "==")


def with_signature(token: str, signature: str) -> str:
    header, payload, _ = token.split(".")
    return f"{header}.{payload}.{signature}"


# -- accepted ------------------------------------------------------------------------------------


def test_access_token_from_the_pool_returns_its_claims(verifier, key, jwks):
    claims = verifier.verify(sign(key, "key-1", access_claims()))
    assert claims == access_claims()
    assert jwks.urls == [f"{ISSUER}/.well-known/jwks.json"]


def test_id_token_is_matched_on_aud(id_verifier, key):
    assert id_verifier.verify(sign(key, "key-1", id_claims()))["email"] == "learner@example.com"


def test_any_of_the_configured_app_clients_is_accepted(jwks, clock, key):
    verifier = CognitoVerifier(REGION, POOL, {"web-client", CLIENT}, jwks_fetcher=jwks, clock=clock)
    assert verifier.verify(sign(key, "key-1", access_claims()))["client_id"] == CLIENT


def test_jwks_is_fetched_once_per_container(verifier, key, jwks):
    for _ in range(3):
        verifier.verify(sign(key, "key-1", access_claims()))
    assert len(jwks.urls) == 1


def test_rotated_key_is_found_by_refreshing_the_jwks(verifier, key, other_key, jwks, clock):
    verifier.verify(sign(key, "key-1", access_claims()))
    jwks.keys.append(jwk_of(other_key, "key-2"))
    clock.now += MIN_REFRESH_INTERVAL_SECONDS
    assert verifier.verify(sign(other_key, "key-2", access_claims()))["sub"]
    assert len(jwks.urls) == 2


def test_leeway_accepts_a_token_that_expired_within_it(jwks, clock, key):
    verifier = CognitoVerifier(REGION, POOL, [CLIENT], jwks_fetcher=jwks, clock=clock, leeway_seconds=30)
    assert verifier.verify(sign(key, "key-1", access_claims(exp=NOW - 20, iat=NOW + 20)))


def test_tokens_minted_by_pyjwt_are_accepted(key):
    verifier = CognitoVerifier(REGION, POOL, [CLIENT], jwks_fetcher=FakeJwks(jwk_of(key, "key-1")))
    now = int(time.time())
    claims = access_claims(iat=now, auth_time=now, exp=now + 3600)
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "key-1"})
    assert verifier.verify(token) == claims


@settings(max_examples=40, deadline=None)
@given(
    token_use=st.sampled_from(["access", "id"]),
    exp=st.integers(-7200, 7200).filter(lambda offset: abs(offset) > 5),
    iat=st.integers(-7200, 7200).filter(lambda offset: abs(offset) > 5),
    nbf=st.none() | st.integers(-7200, 7200).filter(lambda offset: abs(offset) > 5),
)
def test_we_accept_exactly_what_pyjwt_accepts(key, token_use, exp, iat, nbf):
    now = int(time.time())  # PyJWT reads the real clock; offsets keep clear of the boundaries
    make_claims = access_claims if token_use == "access" else id_claims
    claims = make_claims(exp=now + exp, iat=now + iat, nbf=None if nbf is None else now + nbf)
    token = sign(key, "key-1", claims)
    verifier = CognitoVerifier(REGION, POOL, [CLIENT], token_use=token_use, jwks_fetcher=FakeJwks(jwk_of(key, "key-1")))
    try:
        jwt.decode(
            token,
            key.public_key(),
            algorithms=["RS256"],
            issuer=ISSUER,
            audience=CLIENT if token_use == "id" else None,
            options={"require": ["exp", "iat", "sub"]},
        )
        pyjwt_accepts = True
    except jwt.InvalidTokenError:
        pyjwt_accepts = False
    try:
        verifier.verify(token)
        we_accept = True
    except InvalidToken:
        we_accept = False
    assert we_accept == pyjwt_accepts


# -- attacks: each one is refused -----------------------------------------------------------------


def refused(verifier: CognitoVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as refusal:
        verifier.verify(token)
    return refusal.value.reason


@pytest.mark.parametrize("exp", [NOW, NOW - 1, NOW - 86400])
def test_expired_token_is_refused(verifier, key, exp):
    assert "expired" in refused(verifier, sign(key, "key-1", access_claims(exp=exp)))


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_token_not_valid_yet_is_refused(verifier, key, claim):
    assert claim in refused(verifier, sign(key, "key-1", access_claims(**{claim: NOW + 60})))


@pytest.mark.parametrize(
    "claim, value",
    [
        ("exp", "1900000000"),
        ("exp", None),
        ("exp", [NOW + 60]),
        ("iat", True),
        ("iat", None),
        ("iat", "yesterday"),
        ("nbf", False),
        ("nbf", {}),
    ],
)
def test_time_claim_that_is_not_a_number_is_refused(verifier, key, claim, value):
    assert claim in refused(verifier, sign(key, "key-1", access_claims(**{claim: value})))


def test_exp_of_infinity_is_refused(verifier, key):
    payload = json.dumps(access_claims(exp=0)).replace('"exp": 0', '"exp": 1e999')  # json reads 1e999 as inf
    token = sign_raw(key, b'{"kid": "key-1", "alg": "RS256"}', payload.encode())
    assert "finite" in refused(verifier, token)


@pytest.mark.parametrize(
    "iss",
    [
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other0001",
        "https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_AbCdEf123",
        f"http://cognito-idp.{REGION}.amazonaws.com/{POOL}",
        f"{ISSUER}/",
        None,
    ],
)
def test_token_from_another_issuer_is_refused(verifier, key, iss):
    assert "issuer" in refused(verifier, sign(key, "key-1", access_claims(iss=iss)))


@pytest.mark.parametrize("client_id", ["another-app-client", CLIENT[:-1], None, [CLIENT]])
def test_access_token_for_another_app_client_is_refused(verifier, key, client_id):
    assert "app client" in refused(verifier, sign(key, "key-1", access_claims(client_id=client_id)))


@pytest.mark.parametrize("aud", ["another-app-client", None, [CLIENT]])
def test_id_token_for_another_audience_is_refused(id_verifier, key, aud):
    assert "app client" in refused(id_verifier, sign(key, "key-1", id_claims(aud=aud)))


def test_access_token_naming_the_client_only_in_aud_is_refused(verifier, key):
    assert "app client" in refused(verifier, sign(key, "key-1", access_claims(client_id=None, aud=CLIENT)))


def test_id_token_used_as_access_token_is_refused(verifier, key):
    assert "token_use" in refused(verifier, sign(key, "key-1", id_claims(client_id=CLIENT)))


def test_access_token_used_as_id_token_is_refused(id_verifier, key):
    assert "token_use" in refused(id_verifier, sign(key, "key-1", access_claims(aud=CLIENT)))


def test_token_without_sub_is_refused(verifier, key):
    assert "sub" in refused(verifier, sign(key, "key-1", access_claims(sub=None)))


def test_signature_with_one_byte_flipped_is_refused(verifier, key):
    token = sign(key, "key-1", access_claims())
    signature = bytearray(signature_of(token))
    signature[100] ^= 0x01
    assert "signature" in refused(verifier, with_signature(token, b64url(bytes(signature))))


def test_signature_with_a_leading_zero_byte_added_is_refused(verifier, key):
    # Same number, other length: RFC 8017 accepts exactly k bytes.
    token = sign(key, "key-1", access_claims())
    assert "signature" in refused(verifier, with_signature(token, b64url(b"\x00" + signature_of(token))))


def test_signature_plus_the_modulus_is_refused():
    # s + n has the same s^e mod n; RFC 8017 requires s < n. Find a key and token where s + n still fits 256 bytes.
    key = new_key()
    while key.public_key().public_numbers().n >= 3 << 2046:
        key = new_key()
    n = key.public_key().public_numbers().n
    for jti in range(200):
        token = sign(key, "key-1", access_claims(jti=str(jti)))
        s = int.from_bytes(signature_of(token), "big")
        if s + n < 1 << 2048:
            break
    verifier = CognitoVerifier(REGION, POOL, [CLIENT], jwks_fetcher=FakeJwks(jwk_of(key, "key-1")), clock=Clock())
    assert verifier.verify(token)
    assert "signature" in refused(verifier, with_signature(token, b64url((s + n).to_bytes(256, "big"))))


def test_claims_changed_after_signing_are_refused(verifier, key):
    header, _, signature = sign(key, "key-1", access_claims()).split(".")
    forged = f"{header}.{b64url_json(access_claims(sub='someone-else'))}.{signature}"
    assert "signature" in refused(verifier, forged)


def test_token_signed_by_another_key_under_our_kid_is_refused(verifier, other_key):
    assert "signature" in refused(verifier, sign(other_key, "key-1", access_claims()))


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "HS256", "RS384", "PS256", "ES256", "rs256", "", None])
@pytest.mark.parametrize("keep_signature", [True, False])
def test_any_alg_but_rs256_is_refused(verifier, key, alg, keep_signature):
    token = sign(key, "key-1", access_claims())
    header = {"kid": "key-1"} if alg is None else {"kid": "key-1", "alg": alg}
    _, payload, signature = token.split(".")
    forged = f"{b64url_json(header)}.{payload}.{signature if keep_signature else ''}"
    assert "alg" in refused(verifier, forged)


def test_hs256_keyed_with_the_public_key_is_refused(verifier, key, jwks):
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for secret in (public_pem, json.dumps(jwks.keys[0]).encode(), base64.urlsafe_b64decode(jwks.keys[0]["n"] + "==")):
        signing_input = f"{b64url_json({'kid': 'key-1', 'alg': 'HS256'})}.{b64url_json(access_claims())}"
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert "alg" in refused(verifier, f"{signing_input}.{b64url(mac)}")


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "RS256"},
        {"alg": "RS256", "kid": ""},
        {"alg": "RS256", "kid": 1},
        {"alg": "RS256", "kid": ["key-1"]},
    ],
)
def test_token_without_kid_is_refused(verifier, key, header):
    _, payload, signature = sign(key, "key-1", access_claims()).split(".")
    assert "kid" in refused(verifier, f"{b64url_json(header)}.{payload}.{signature}")


def test_critical_header_extension_is_refused(verifier, key):
    assert "critical" in refused(verifier, sign(key, "key-1", access_claims(), crit=["exp"], exp=1))


def test_unknown_kid_refreshes_the_jwks_once_and_then_is_rate_limited(verifier, key, jwks, clock):
    verifier.verify(sign(key, "key-1", access_claims()))
    clock.now += MIN_REFRESH_INTERVAL_SECONDS
    for attempt in range(5):
        assert "kid" in refused(verifier, sign(key, f"attacker-{attempt}", access_claims()))
    assert len(jwks.urls) == 2  # the first load and one refresh
    clock.now += MIN_REFRESH_INTERVAL_SECONDS - 1
    refused(verifier, sign(key, "attacker-later", access_claims()))
    assert len(jwks.urls) == 2
    clock.now += 1
    refused(verifier, sign(key, "attacker-a-minute-later", access_claims()))
    assert len(jwks.urls) == 3


def test_unknown_kid_on_a_cold_container_costs_a_single_fetch(verifier, key, jwks):
    # The keys were just loaded: refreshing them again would only serve the attacker.
    for attempt in range(3):
        refused(verifier, sign(key, f"attacker-{attempt}", access_claims()))
    assert len(jwks.urls) == 1


def test_unreachable_jwks_denies_and_is_not_retried_at_once(clock, key):
    calls = []

    def unreachable(url: str) -> dict:
        calls.append(url)
        raise TimeoutError("timed out")

    verifier = CognitoVerifier(REGION, POOL, [CLIENT], jwks_fetcher=unreachable, clock=clock)
    with pytest.raises(JwksUnavailable):
        verifier.verify(sign(key, "key-1", access_claims()))
    refused(verifier, sign(key, "key-1", access_claims()))
    assert len(calls) == 1


@pytest.mark.parametrize("document", [{"keys": "none"}, ["keys"], {}])
def test_malformed_jwks_denies(clock, key, document):
    verifier = CognitoVerifier(REGION, POOL, [CLIENT], jwks_fetcher=lambda url: document, clock=clock)
    with pytest.raises(JwksUnavailable):
        verifier.verify(sign(key, "key-1", access_claims()))


@pytest.mark.parametrize(
    "cut",
    [
        lambda token: token.rsplit(".", 1)[0],
        lambda token: token.rsplit(".", 1)[0] + ".",
        lambda token: token[:-4],
        lambda token: token[: len(token) // 2],
        lambda token: token.split(".")[0],
        lambda token: "",
        lambda token: token + ".",
    ],
)
def test_truncated_token_is_refused(verifier, key, cut):
    refused(verifier, cut(sign(key, "key-1", access_claims())))


@pytest.mark.parametrize(
    "garbage",
    [
        "!!!.???.***",
        "eyJ hbGci.eyJ.sig",
        "a.b.c",
        "====.====.====",
        "é.é.é",
    ],
)
def test_garbage_base64_is_refused(verifier, garbage):
    refused(verifier, garbage)


def test_padded_signature_is_refused(verifier, key):
    token = sign(key, "key-1", access_claims())
    refused(verifier, with_signature(token, token.split(".")[2] + "=="))


def test_signature_in_the_standard_base64_alphabet_is_refused(verifier, key):
    for jti in range(100):
        token = sign(key, "key-1", access_claims(jti=str(jti)))
        if "-" in token.split(".")[2]:
            break
    refused(verifier, with_signature(token, token.split(".")[2].replace("-", "+")))


def test_signature_with_other_trailing_bits_is_refused(verifier, key):
    # 256 bytes leave 4 unused bits in the last character: a second spelling of the same signature.
    token = sign(key, "key-1", access_claims())
    signature = token.split(".")[2]
    respelled = signature[:-1] + B64URL_ALPHABET[B64URL_ALPHABET.index(signature[-1]) ^ 1]
    assert base64.urlsafe_b64decode(respelled + "==") == base64.urlsafe_b64decode(signature + "==")
    assert "canonical" in refused(verifier, with_signature(token, respelled))


@pytest.mark.parametrize(
    "header",
    [
        b"not json",
        b'["alg", "RS256"]',
        b'{"alg": "RS256", "kid": "key-1"',
        b'{"alg": "HS256", "kid": "key-1", "alg": "RS256"}',  # duplicate names: which one would a library pick?
        b"\xff\xfe{}",
        b"[" * 2000 + b"]" * 2000,  # deeper than Python's recursion limit, still under the size limit
        b'{"alg": "RS256", "kid": NaN}',
    ],
)
def test_header_that_is_not_a_json_object_is_refused(verifier, key, header):
    _, payload, signature = sign(key, "key-1", access_claims()).split(".")
    assert "header" in refused(verifier, f"{b64url(header)}.{payload}.{signature}")


def test_huge_token_is_refused_before_decoding(verifier, key, jwks):
    token = sign(key, "key-1", access_claims(padding="x" * MAX_TOKEN_LENGTH))
    assert "at most" in refused(verifier, token)
    assert jwks.urls == []


@pytest.mark.parametrize("not_a_string", [None, b"a.b.c", 42])
def test_token_that_is_not_a_string_is_refused(verifier, not_a_string):
    refused(verifier, not_a_string)


def test_key_smaller_than_2048_bits_is_refused(clock):
    small = new_key(1024)
    verifier = CognitoVerifier(REGION, POOL, [CLIENT], jwks_fetcher=FakeJwks(jwk_of(small, "small")), clock=clock)
    assert "key size" in refused(verifier, sign(small, "small", access_claims()))


def test_key_with_exponent_one_cannot_be_used_to_forge(verifier, key, jwks):
    # With e = 1 the "signature" is the padded digest itself: anyone could forge it.
    jwks.keys = [{**jwk_of(key, "key-1"), "e": "AQ"}]
    signing_input = f"{b64url_json({'kid': 'key-1', 'alg': 'RS256'})}.{b64url_json(access_claims())}"
    digest_info = SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(signing_input.encode()).digest()
    forged = b"\x00\x01" + b"\xff" * (256 - 3 - len(digest_info)) + b"\x00" + digest_info
    assert "exponent" in refused(verifier, f"{signing_input}.{b64url(forged)}")


@pytest.mark.parametrize("change", [{"kty": "EC"}, {"use": "enc"}, {"alg": "RS512"}, {"n": None}, {"e": 3}])
def test_key_not_meant_for_rs256_signatures_is_refused(verifier, key, jwks, change):
    jwks.keys = [{name: value for name, value in {**jwk_of(key, "key-1"), **change}.items() if value is not None}]
    refused(verifier, sign(key, "key-1", access_claims()))


def test_default_fetcher_reads_the_jwks_document_over_http(jwks):
    document = json.dumps({"keys": jwks.keys}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args):
            pass

    with http.server.HTTPServer(("127.0.0.1", 0), Handler) as server:
        threading.Thread(target=server.handle_request, daemon=True).start()
        assert fetch_jwks(f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json") == {"keys": jwks.keys}


@pytest.mark.parametrize(
    "arguments",
    [
        dict(region="eu-west-1", user_pool_id=POOL, client_ids=CLIENT),  # a str would match any substring
        dict(region="eu-west-1", user_pool_id=POOL, client_ids=[]),
        dict(region="evil.example/", user_pool_id=POOL, client_ids=[CLIENT]),
        dict(region="eu-west-1", user_pool_id="eu-west-1_x/../../other", client_ids=[CLIENT]),
        dict(region="us-east-1", user_pool_id=POOL, client_ids=[CLIENT]),
        dict(region="eu-west-1", user_pool_id=POOL, client_ids=[CLIENT], token_use="refresh"),
        dict(region="eu-west-1", user_pool_id=POOL, client_ids=[CLIENT], leeway_seconds=3600),
    ],
)
def test_misconfiguration_fails_at_construction(arguments):
    with pytest.raises(ValueError):
        CognitoVerifier(**arguments)
