"""Measure candidate RS256 JWT verifiers for the Lambda authorizer: size, import time, verify time.

Each candidate gets a throwaway venv (under /tmp unless --workdir says otherwise)
built from the Python running this script, which should be the Lambda runtime's
version. Figures:
- installed: what pip added to site-packages, dependencies included, without
  .pyc (the Lambda zip ships none);
- import: median over fresh processes of the CPU time of the handler's import
  statement, minus a bare interpreter, once with .pyc written and once without
  (each run recompiles, as every cold start from the zip does);
- verify: median CPU time to verify one Cognito-like access token, key already parsed.

Usage: .venv/bin/python bench/jwt_libraries.py [--runs 15] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import venv
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REGION, POOL, CLIENT = "eu-west-1", "eu-west-1_Bench0001", "benchclient0001"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"
VERIFY_LOOPS = 300


@dataclass(frozen=True)
class Candidate:
    name: str
    requirements: tuple[str, ...]
    import_statement: str
    setup: str  # builds `verify(token)` from `jwk` (a dict); runs in the candidate's venv
    copy_stdlib_verifier: bool = False


# python-jose verifies the same way with either backend; only the install differs.
JOSE_VERIFY = f"""
from jose import jwk as jose_jwk, jwt
key = jose_jwk.construct(jwk, "RS256")
def verify(token):
    claims = jwt.decode(token, key, algorithms=["RS256"], issuer={ISSUER!r})
    assert claims["token_use"] == "access" and claims["client_id"] == {CLIENT!r}
"""

CANDIDATES = (
    Candidate(
        "chalicelib.cognito (stdlib)",
        (),
        "from chalicelib.cognito import CognitoVerifier",
        f"""
from chalicelib.cognito import CognitoVerifier
verifier = CognitoVerifier({REGION!r}, {POOL!r}, [{CLIENT!r}], jwks_fetcher=lambda url: {{"keys": [jwk]}})
verify = verifier.verify
""",
        copy_stdlib_verifier=True,
    ),
    Candidate(
        "PyJWT[crypto] 2.15.1",
        ("pyjwt[crypto]==2.15.1",),
        "import jwt",
        f"""
import jwt
key = jwt.PyJWK(jwk).key
def verify(token):
    claims = jwt.decode(token, key, algorithms=["RS256"], issuer={ISSUER!r},
                        options={{"require": ["exp", "iat", "sub"]}})
    assert claims["token_use"] == "access" and claims["client_id"] == {CLIENT!r}
""",
    ),
    Candidate(
        "python-jose 3.5.0 (rsa)",
        ("python-jose==3.5.0",),
        "from jose import jwt",
        JOSE_VERIFY,
    ),
    Candidate(
        "python-jose[crypto] 3.5.0",
        ("python-jose[cryptography]==3.5.0",),
        "from jose import jwt",
        JOSE_VERIFY,
    ),
    Candidate(
        "joserfc 1.8.0",
        ("joserfc==1.8.0",),
        "from joserfc import jwt; from joserfc.jwk import RSAKey",
        f"""
from joserfc import jwt
from joserfc.jwk import RSAKey
key = RSAKey.import_key(jwk)
registry = jwt.JWTClaimsRegistry(iss={{"essential": True, "value": {ISSUER!r}}},
                                 sub={{"essential": True}}, iat={{"essential": True}})
def verify(token):
    claims = jwt.decode(token, key, algorithms=["RS256"]).claims
    registry.validate(claims)
    assert claims["token_use"] == "access" and claims["client_id"] == {CLIENT!r}
""",
    ),
    Candidate(
        "authlib 1.9.10",
        ("authlib==1.9.10",),
        "from authlib.jose import jwt, JsonWebKey",
        f"""
import warnings
warnings.simplefilter("ignore")
from authlib.jose import jwt, JsonWebKey
key = JsonWebKey.import_key(jwk)
options = {{"iss": {{"essential": True, "value": {ISSUER!r}}}, "sub": {{"essential": True}}}}
def verify(token):
    claims = jwt.decode(token, key, claims_options=options)
    claims.validate()
    assert claims["token_use"] == "access" and claims["client_id"] == {CLIENT!r}
""",
    ),
)

# Run in the PyJWT venv (it has cryptography): a fresh key, its JWK, one Cognito-shaped access token.
MINT = f"""
import json, time, jwt
from cryptography.hazmat.primitives.asymmetric import rsa
private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
jwk.update(kid="bench-key", alg="RS256", use="sig")
now = int(time.time())
claims = {{"sub": "a1b2c3", "iss": {ISSUER!r}, "client_id": {CLIENT!r}, "token_use": "access",
          "scope": "aws.cognito.signin.user.admin", "auth_time": now, "iat": now, "exp": now + 3600,
          "jti": "bench", "username": "learner"}}
token = jwt.encode(claims, private, algorithm="RS256", headers={{"kid": "bench-key"}})
print(json.dumps({{"jwk": jwk, "token": token}}))
"""

TIME_VERIFY = f"""
import json, sys, time, timeit
case = json.load(sys.stdin)
jwk, token = case["jwk"], case["token"]
exec(case["setup"])
verify(token)
runs = timeit.repeat(lambda: verify(token), number={VERIFY_LOOPS}, repeat=7, timer=time.process_time)
print(sorted(runs)[len(runs) // 2] / {VERIFY_LOOPS} * 1e6)
"""


# Our shells may set these; the figures need .pyc written (or not) exactly as each run says.
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}


def run(python: Path, *args: str, stdin: str | None = None) -> str:
    return subprocess.run([str(python), *args], input=stdin, capture_output=True, text=True, check=True, env=ENV).stdout


def site_packages(env: Path) -> Path:
    return next((env / "lib").glob("python3*/site-packages"))


def build_env(candidate: Candidate, workdir: Path) -> Path:
    env = workdir / candidate.name.split()[0].replace("[", "-").replace("]", "").replace(".", "-")
    if not (env / "added.json").exists():  # else built by an earlier run with the same --workdir
        venv.EnvBuilder(with_pip=True, clear=True).create(env)
        before = set(site_packages(env).iterdir())
        if candidate.requirements:
            run(
                env / "bin" / "python",
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                *candidate.requirements,
            )
        if candidate.copy_stdlib_verifier:
            (site_packages(env) / "chalicelib").mkdir()
            (site_packages(env) / "chalicelib" / "__init__.py").write_text("")
        added = set(site_packages(env).iterdir()) - before
        (env / "added.json").write_text(json.dumps(sorted(str(path) for path in added)))
    if candidate.copy_stdlib_verifier:  # always the working tree's version
        shutil.copy(REPO / "chalicelib" / "cognito.py", site_packages(env) / "chalicelib" / "cognito.py")
    return env


def installed_mb(env: Path) -> float:
    added = [Path(p) for p in json.loads((env / "added.json").read_text())]
    files = (f for root in added for f in ([root] if root.is_file() else root.rglob("*")))
    return sum(f.stat().st_size for f in files if f.is_file() and f.suffix != ".pyc") / 1e6


def process_ms(env: Path, statement: str, *flags: str) -> float:
    """CPU time (user + system) of a fresh interpreter that runs `statement`: steadier than wall time
    on a shared machine, and what an idle Lambda's init mostly spends."""
    process = subprocess.Popen([str(env / "bin" / "python"), *flags, "-c", statement], env=ENV)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{statement!r} failed in {env}")
    return (usage.ru_utime + usage.ru_stime) * 1e3


def import_ms(envs: dict[Candidate, Path], runs: int, *flags: str) -> dict[Candidate, float]:
    """Median over runs of (import process - bare process); interleaved so background load hits all alike."""
    samples: dict[Candidate, list[float]] = {candidate: [] for candidate in envs}
    for _ in range(runs):
        for candidate, env in envs.items():
            bare = process_ms(env, "pass", *flags)
            samples[candidate].append(process_ms(env, candidate.import_statement, *flags) - bare)
    return {candidate: statistics.median(values) for candidate, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per import figure")
    parser.add_argument("--workdir", type=Path, help="reuse venvs here (default: a new dir under /tmp)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="jwt-bench-", dir="/tmp"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"Python {sys.version.split()[0]}, venvs in {workdir}", file=sys.stderr)

    envs = {}
    for candidate in CANDIDATES:
        print(f"installing {candidate.name} ...", file=sys.stderr)
        envs[candidate] = build_env(candidate, workdir)
    minter = envs[next(c for c in CANDIDATES if c.name.startswith("PyJWT"))] / "bin" / "python"
    case = json.loads(run(minter, "-c", MINT))

    print("measuring imports without .pyc (-B: every run recompiles) ...", file=sys.stderr)
    for env in envs.values():
        for cache in site_packages(env).rglob("__pycache__"):
            shutil.rmtree(cache)
    cold = import_ms(envs, args.runs, "-B")
    print("measuring imports with .pyc ...", file=sys.stderr)
    for candidate, env in envs.items():
        run(env / "bin" / "python", "-c", candidate.import_statement)  # writes the .pyc files
    warm = import_ms(envs, args.runs)

    print(
        f"Python {sys.version.split()[0]}, {platform.machine()}, load average {os.getloadavg()[0]:.1f}"
        f" on {os.cpu_count()} CPUs, {args.runs} runs"
    )
    print(f"{'library':<28} {'installed':>9}  {'import (.pyc)':>13}  {'import (no .pyc)':>16}  {'verify':>7}")
    for candidate, env in envs.items():
        print(f"measuring verify with {candidate.name} ...", file=sys.stderr)
        verify_us = float(
            run(env / "bin" / "python", "-c", TIME_VERIFY, stdin=json.dumps({**case, "setup": candidate.setup}))
        )
        print(
            f"{candidate.name:<28} {installed_mb(env):>6.2f} MB  {warm[candidate]:>10.1f} ms"
            f"  {cold[candidate]:>13.1f} ms"
            f"  {verify_us:>4.0f} us",
            flush=True,
        )


if __name__ == "__main__":
    main()
