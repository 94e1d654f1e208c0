"""Verification of Amazon Cognito access and ID tokens (JWT, RS256).

Owns everything the app's authorizer needs to trust a caller, in every stage
(``chalice local`` decodes Cognito JWTs without checking the signature): the
token's shape, its header, its RSA signature against the user pool's JWKS, and
its claims (issuer, times, token_use, client id, subject). The JWKS is fetched
once per container and refreshed when an unknown ``kid`` appears, at most once
a minute, so random kids cannot make us hammer Cognito.

Why a standard-library verifier rather than a JWT library: measured by
``bench/jwt_libraries.py`` (CPU time on a shared, busy machine: compare rows,
not absolute numbers; sizes without .pyc, as the Lambda zip ships; import =
median fresh process minus a bare interpreter):

    Python 3.11.7, x86_64, load average 11.9 on 2 CPUs, 15 runs
    library                      installed  import (.pyc)  import (no .pyc)   verify
    chalicelib.cognito (stdlib)    0.01 MB        12.8 ms           12.9 ms   161 us
    PyJWT[crypto] 2.15.1          16.11 MB        91.1 ms          147.3 ms    53 us
    python-jose 3.5.0 (rsa)        1.23 MB        54.8 ms          144.3 ms   153 us
    python-jose[crypto] 3.5.0     17.22 MB        72.4 ms          125.7 ms    33 us
    joserfc 1.8.0                 16.22 MB        84.0 ms          160.8 ms    37 us
    authlib 1.9.10                17.06 MB        78.7 ms          139.0 ms    32 us

Init time is billed on every cold start: with the .pyc the package ships
(docs/deployment.md) each library adds 40-80 ms to it (110-150 ms without), and
all but python-jose's slower pure-Python backend bring 16 MB of ``cryptography``.
Pure Python's pow() costs about 0.12 ms more per verification, so the
``cryptography``-based libraries catch up only after 500-650 verifications in
one container. RSASSA-PKCS1-v1_5 verification is one modular exponentiation and
a byte comparison against the single valid encoding (RFC 8017 section 8.2.2);
it uses only public data, so it needs no constant-time care.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import math
import re
import time
from collections.abc import Callable, Collection

MAX_TOKEN_LENGTH = 8192  # Cognito tokens are 1-4 KB; anything bigger is rejected before decoding.
MAX_JWKS_BYTES = 65536  # Cognito's JWKS holds two keys, about 1 KB.
JWKS_TIMEOUT_SECONDS = 3.0
MIN_REFRESH_INTERVAL_SECONDS = 60.0
MIN_KEY_BITS = 2048
MAX_KEY_BITS = 8192  # bounds the cost of pow() whatever the JWKS holds.
MAX_LEEWAY_SECONDS = 300

# DER of DigestInfo{id-sha256, NULL} up to the digest itself (RFC 8017 section 9.2, note 1).
_SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
_FROM_URLSAFE = str.maketrans("-_", "+/")
_TO_URLSAFE = str.maketrans("+/", "-_")
# Shapes from the AWS API reference; they also keep the JWKS URL ours.
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
_USER_POOL_ID = re.compile(r"[\w-]+_[0-9a-zA-Z]+", re.ASCII)
_CLIENT_ID_CLAIM = {"access": "client_id", "id": "aud"}


class InvalidToken(Exception):
    """The token must not be trusted; ``reason`` says why (for logs, not for the caller)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class JwksUnavailable(InvalidToken):
    """The user pool's keys could not be fetched: deny, but the outage is ours, not the caller's."""


def fetch_jwks(url: str) -> object:
    """GET and parse the JWKS document (the default ``jwks_fetcher``)."""
    import urllib.request  # here: ~17 ms of imports that only the first verification needs

    with urllib.request.urlopen(url, timeout=JWKS_TIMEOUT_SECONDS) as response:
        return json.loads(response.read(MAX_JWKS_BYTES))


class CognitoVerifier:
    """Verifies tokens of one user pool for a set of app clients; build one per container."""

    def __init__(
        self,
        region: str,
        user_pool_id: str,
        client_ids: Collection[str],
        token_use: str = "access",
        jwks_fetcher: Callable[[str], object] | None = None,
        clock: Callable[[], float] = time.time,
        leeway_seconds: float = 0,
    ):
        if not _REGION.fullmatch(region) or not _USER_POOL_ID.fullmatch(user_pool_id):
            raise ValueError("region or user_pool_id is malformed")
        if not user_pool_id.startswith(f"{region}_"):
            raise ValueError(f"user pool {user_pool_id} is not in {region}")
        if isinstance(client_ids, str) or not client_ids:
            raise ValueError("client_ids must be a non-empty collection of client ids")  # a str would match substrings
        if token_use not in _CLIENT_ID_CLAIM:
            raise ValueError("token_use must be 'access' or 'id'")
        if not 0 <= leeway_seconds <= MAX_LEEWAY_SECONDS:
            raise ValueError(f"leeway_seconds must be between 0 and {MAX_LEEWAY_SECONDS}")
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.jwks_url = f"{self.issuer}/.well-known/jwks.json"
        self.token_use = token_use
        self._client_ids = frozenset(client_ids)
        self._fetch = jwks_fetcher or fetch_jwks
        self._clock = clock
        self._leeway = leeway_seconds
        self._jwks: dict[str, dict] = {}
        self._fetched_at: float | None = None

    def verify(self, token: str) -> dict:
        """Return the token's claims, or raise InvalidToken."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken(f"token is not a string of at most {MAX_TOKEN_LENGTH} characters")
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidToken("token is not three base64url parts")
        header_part, payload_part, signature_part = parts
        header = _json_object(_b64url_decode(header_part), "header")
        if header.get("alg") != "RS256":
            raise InvalidToken("alg is not RS256")  # also stops 'none' and HS256 keyed with the public key
        if "crit" in header:
            raise InvalidToken("critical header extensions are not supported")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("kid is missing")
        payload = _b64url_decode(payload_part)
        signature = _b64url_decode(signature_part)
        n, e = self._signing_key(kid)
        if not _rs256_signature_matches(n, e, f"{header_part}.{payload_part}".encode("ascii"), signature):
            raise InvalidToken("signature does not match")
        claims = _json_object(payload, "payload")
        self._check_claims(claims)
        return claims

    def _check_claims(self, claims: dict) -> None:
        if claims.get("iss") != self.issuer:
            raise InvalidToken("issuer is not this user pool")
        now = self._clock()
        if now >= _numeric_date(claims, "exp") + self._leeway:
            raise InvalidToken("token has expired")
        if _numeric_date(claims, "iat") > now + self._leeway:
            raise InvalidToken("iat is in the future")
        if "nbf" in claims and _numeric_date(claims, "nbf") > now + self._leeway:
            raise InvalidToken("token is not valid yet (nbf)")
        if claims.get("token_use") != self.token_use:
            raise InvalidToken(f"token_use is not {self.token_use}")
        client_id = claims.get(_CLIENT_ID_CLAIM[self.token_use])
        if not isinstance(client_id, str) or client_id not in self._client_ids:
            raise InvalidToken("token was issued to another app client")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise InvalidToken("sub is missing")

    def _signing_key(self, kid: str) -> tuple[int, int]:
        jwk = self._jwks.get(kid)
        if jwk is None and self._may_fetch():
            self._refresh_jwks()
            jwk = self._jwks.get(kid)
        if jwk is None:
            raise InvalidToken("kid is not in the user pool's JWKS")
        return _rsa_public_key(jwk)

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= MIN_REFRESH_INTERVAL_SECONDS

    def _refresh_jwks(self) -> None:
        self._fetched_at = self._clock()  # set before fetching, so a failing endpoint is rate-limited too
        try:
            document = self._fetch(self.jwks_url)
        except (OSError, ValueError) as error:  # network, HTTP and JSON errors
            raise JwksUnavailable(f"cannot fetch {self.jwks_url}: {error}") from error
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            raise JwksUnavailable(f"{self.jwks_url} is not a JWKS document")
        self._jwks = {jwk["kid"]: jwk for jwk in keys if isinstance(jwk, dict) and isinstance(jwk.get("kid"), str)}


def _rsa_public_key(jwk: dict) -> tuple[int, int]:
    """(n, e) of an RS256 signing key, refusing keys too weak or too odd to trust."""
    if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig" or jwk.get("alg", "RS256") != "RS256":
        raise InvalidToken("key is not an RS256 signing key")
    n, e = _b64url_uint(jwk.get("n")), _b64url_uint(jwk.get("e"))
    if not MIN_KEY_BITS <= n.bit_length() <= MAX_KEY_BITS:
        raise InvalidToken(f"key size is outside {MIN_KEY_BITS}-{MAX_KEY_BITS} bits")
    if e < 3 or e % 2 == 0 or e >= n:
        raise InvalidToken("key exponent is unsafe")
    return n, e


def _rs256_signature_matches(n: int, e: int, signing_input: bytes, signature: bytes) -> bool:
    """RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 section 8.2.2): rebuild the one valid encoding and compare."""
    k = (n.bit_length() + 7) // 8
    if len(signature) != k:
        return False
    s = int.from_bytes(signature, "big")
    if s >= n:
        return False
    digest_info = _SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(signing_input).digest()
    expected = b"\x00\x01" + b"\xff" * (k - 3 - len(digest_info)) + b"\x00" + digest_info
    return pow(s, e, n).to_bytes(k, "big") == expected


def _b64url_decode(part: str) -> bytes:
    """Unpadded base64url (RFC 7515 section 2), accepting only the canonical encoding of each value."""
    try:
        raw = binascii.a2b_base64(part.translate(_FROM_URLSAFE) + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("part is not base64url") from None
    if binascii.b2a_base64(raw, newline=False).decode("ascii").rstrip("=").translate(_TO_URLSAFE) != part:
        raise InvalidToken("part is not canonical base64url")
    return raw


def _b64url_uint(value: object) -> int:
    if not isinstance(value, str) or not value:
        raise InvalidToken("key number is missing")
    return int.from_bytes(_b64url_decode(value), "big")


def _json_object(raw: bytes, what: str) -> dict:
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_members, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise InvalidToken(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidToken(f"{what} is not a JSON object")
    return value


def _unique_members(pairs: list[tuple[str, object]]) -> dict:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("duplicate member name")  # RFC 7515 section 4: reject rather than guess which one counts
    return members


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _numeric_date(claims: dict, name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidToken(f"{name} is not a NumericDate")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidToken(f"{name} is not finite")  # 1e999 parses as inf and would never expire
    return value
