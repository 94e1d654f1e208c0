"""What identity costs per request: authorization by token kind, its DynamoDB capacity, the OpenAPI
document, and the import cost of the identity modules. Prints figures; asserts nothing about time.

- authorize: median/p95 of `auth.authenticate(header)` in-process for a local token, an API token
  (DynamoDB Local, consistent GetItem) and a Cognito access token (RSA verify, JWKS already loaded),
  plus the capacity units DynamoDB reports for an API-token authorization and the hourly use record;
- openapi: the first `openapi.document()` (schema generation) and a cached one, and the size served;
- import: median over fresh processes of `import app`, and of the identity modules alone on top of
  everything else app.py imports (what they add to a cold start; openapi is imported by its route only).

Usage: .venv/bin/python bench/identity.py [--calls 300] [--runs 15]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studytracker import ddblocal, localenv  # noqa: E402

TABLE = "bench-identity"
REGION, POOL, CLIENT = "us-east-1", "us-east-1_BenchPool1", "benchclient000000000000001"


def timed(function, calls: int) -> tuple[float, float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    samples.sort()
    return statistics.median(samples) * 1e6, samples[int(0.95 * (len(samples) - 1))] * 1e6


def cognito_token() -> tuple[str, dict]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    number = lambda n: b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))  # noqa: E731
    numbers = key.public_key().public_numbers()
    jwk = {"kid": "k1", "alg": "RS256", "kty": "RSA", "use": "sig", "n": number(numbers.n), "e": number(numbers.e)}
    now = int(time.time())
    claims = {
        "sub": "bench-sub",
        "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}",
        "client_id": CLIENT,
        "token_use": "access",
        "iat": now,
        "exp": now + 3600,
    }
    signing_input = f"{b64(json.dumps({'kid': 'k1', 'alg': 'RS256'}).encode())}.{b64(json.dumps(claims).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}", {"keys": [jwk]}


def fresh_import_ms(statement: str, runs: int, prelude: str = "") -> float:
    code = f"import time\n{prelude}\nt = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t)"
    env = {**os.environ, "STUDYTRACKER_STAGE": "local"}
    samples = [
        float(
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        for _ in range(runs)
    ]
    return statistics.median(samples) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per import figure")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bench-identity-"))
    port = localenv.free_port()
    localenv.apply(localenv.app_env(port, table=TABLE, data_dir=data))
    process = ddblocal.start(port, None, data / "dynamodb.log")
    try:
        ddblocal.wait_ready(port, process)
        ddblocal.ensure_table(ddblocal.client(port), TABLE)
        from chalicelib import auth, cognito, openapi, tokens
        from chalicelib.instants import now
        from chalicelib.runtime import store

        print(f"Python {sys.version.split()[0]}, DynamoDB Local on port {port}, {args.calls} calls per figure")
        local = f"Bearer {auth.issue_local_token('bench')}"
        created = tokens.create(store(), "local-bench", tokens.TokenCreate(name="bench"))
        api_token = f"Bearer {created.secret}"
        auth.authenticate(api_token)  # records the first use: later calls are the steady state
        jwt, jwks = cognito_token()
        cognito.fetch_jwks = lambda url: jwks
        os.environ.update(COGNITO_USER_POOL_ID=POOL, COGNITO_CLIENT_IDS=CLIENT, AWS_REGION=REGION)

        print(f"\n{'authorize':<38} {'median':>9} {'p95':>9}")
        for name, header in (("local token (HMAC)", local), ("API token (GetItem, consistent)", api_token)):
            median, p95 = timed(lambda header=header: auth.authenticate(header), args.calls)
            print(f"{name:<38} {median:>6.0f} us {p95:>6.0f} us")
        os.environ["STUDYTRACKER_STAGE"] = "dev"
        auth.reset()
        assert auth.authenticate(f"Bearer {jwt}") == "bench-sub"
        median, p95 = timed(lambda: auth.authenticate(f"Bearer {jwt}"), args.calls)
        print(f"{'Cognito access token (RS256)':<38} {median:>6.0f} us {p95:>6.0f} us")
        os.environ["STUDYTRACKER_STAGE"] = "local"

        store().capacity.clear()
        auth.authenticate(api_token)
        steady = list(store().capacity)
        store().capacity.clear()
        tokens.verify(store(), created.secret, now() + timedelta(hours=2))
        hourly = list(store().capacity)
        print(f"\nAPI token authorization, capacity units: steady {steady}; first use in an hour {hourly}")

        started = time.perf_counter()
        document = openapi.document()
        first = (time.perf_counter() - started) * 1e3
        median, _ = timed(openapi.document, 100)
        served = len(json.dumps(document))
        print(
            f"\nopenapi.document(): first {first:.1f} ms (generation), cached {median:.2f} us; "
            f"{len(document['paths'])} paths, {served / 1024:.1f} KiB"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)

    whole = fresh_import_ms("import app", args.runs)
    rest = (
        "import chalice, pydantic, boto3; from chalicelib import (http, models, sessions, subjects, timer, "
        "settings, projection, stats, export, runtime, webui, observability); "
        "from chalicelib.imports import models as _m, service as _s; import chalicelib.backup"
    )
    added = fresh_import_ms("from chalicelib import auth, tokens", args.runs, prelude=rest)
    described = fresh_import_ms("from chalicelib import openapi", args.runs, prelude=rest + "; import app")
    print(
        f"\nimport app (fresh process, median of {args.runs}): {whole:.0f} ms; on top of everything else it "
        f"imports: auth + tokens {added:.1f} ms; openapi (imported by GET /openapi.json only) {described:.1f} ms"
    )


if __name__ == "__main__":
    main()
