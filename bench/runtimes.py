"""Cold start of the same app and the same floor on Python 3.11, 3.12 and 3.13: which Lambda runtime to use.

For each interpreter pyenv has (``~/.pyenv/versions/3.1x.*``), a throwaway venv under /tmp holds exactly
what Lambda would run: requirements.txt (the package) plus the chalice and boto3 pins of
requirements-dev.txt (boto3 is the runtime's own in Lambda). Each round runs, for every version in turn,
a fresh process of ``bench/cold_start.py``'s child: StudyTracker's app answering GET /v1/me (one
GetItem), and the bare Chalice + boto3 + pydantic floor answering one GetItem; rounds are interleaved so
the machine's drift hits every variant alike. Time is measured inside the child (interpreter start-up
excluded), with the prod stage's PYDANTIC_* environment.

Usage: .venv/bin/python bench/runtimes.py [--runs 15] [--versions 3.11 3.12 3.13]
Prints a table; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import cold_start  # noqa: E402
from run import lambda_stage_env  # noqa: E402

from studytracker import ddblocal, localenv  # noqa: E402

PYENV = Path.home() / ".pyenv" / "versions"
# AWS Lambda's runtime deprecation dates as its runtimes page lists them (read 2026-12-03): after the
# date a runtime gets no security patches; creating, then updating, functions on it is blocked later.
LAMBDA_DEPRECATION = {"3.11": "2026-06-30", "3.12": "2028-10-31", "3.13": "2029-06-30"}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pins() -> list[str]:
    """The package's requirements plus the chalice and boto3 pins the project develops with."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    dev = (ROOT / "requirements-dev.txt").read_text().splitlines()
    wanted = [line for line in dev if re.match(r"^(chalice|boto3)==", line)]
    return [line for line in lines + wanted if line and not line.startswith("#")]


def interpreter(version: str) -> Path:
    found = sorted(PYENV.glob(f"{version}.*/bin/python{version}"))
    if not found:
        raise SystemExit(f"no Python {version} under {PYENV}: install it with `pyenv install {version}`")
    return found[-1]


def bench_venv(version: str) -> Path:
    """A venv for ``version`` with :func:`pins` installed, built once and reused."""
    base = interpreter(version)
    tag = hashlib.sha256(f"{base}{pins()}".encode()).hexdigest()[:10]
    home = Path("/tmp") / f"studytracker-bench-py{version}-{tag}"
    python = home / "bin" / "python"
    if not (home / ".complete").exists():
        log(f"building the Python {version} venv in {home} (once) ...")
        subprocess.run([str(base), "-m", "venv", "--clear", str(home)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins()], check=True)
        (home / ".complete").touch()
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--versions", nargs="+", default=list(LAMBDA_DEPRECATION))
    args = parser.parse_args()
    pythons = {v: bench_venv(v) for v in args.versions}

    port, scratch = localenv.free_port(), Path(tempfile.mkdtemp(prefix="studytracker-runtimes-"))
    process = ddblocal.start(port, None, scratch / "dynamodb.log")
    try:
        ddblocal.wait_ready(port, process)
        table = "bench_runtimes"
        ddb = ddblocal.client(port)
        ddblocal.ensure_table(ddb, table, stream=False)
        cold_start.seed(ddb, table)
        env = {
            **cold_start.os_env(localenv.app_env(port, table=table, data_dir=scratch)),
            **lambda_stage_env("prod"),
        }
        cold_start.write_references(scratch)
        variants = {
            (v, kind): (python, ROOT if kind == "app" else scratch)
            for v, python in pythons.items()
            for kind in ("app", "floor")
        }
        for (_, kind), (python, app_dir) in variants.items():  # a first, unmeasured run writes the .pyc files
            cold_start.run_child(python, kind, app_dir, scratch, env)
        samples: dict[tuple[str, str], list[dict]] = {key: [] for key in variants}
        for index in range(args.runs):
            log(f"round {index + 1}/{args.runs}")
            for (version, kind), (python, app_dir) in variants.items():
                samples[(version, kind)].append(cold_start.run_child(python, kind, app_dir, scratch, env))
    finally:
        process.terminate()
        process.wait(timeout=10)

    print(f"Cold start, p50 of {args.runs} interleaved runs (ms, first line of the child to the response):")
    print("(import: the app module's import; request: the first request after it; both p50)")
    print(
        f"{'Python':8} {'app':>8} {'floor':>8} {'app/floor':>10} {'app min–max':>14} "
        f"{'import':>15} {'request':>15}  Lambda deprecation"
    )
    for version in args.versions:
        app, floor = samples[(version, "app")], samples[(version, "floor")]

        def p50(runs: list[dict], part: str) -> float:
            if part == "request":
                return statistics.median(run["total_ms"] - run["import_ms"] for run in runs)
            return statistics.median(run[part] for run in runs)

        totals = [run["total_ms"] for run in app]
        ratio = p50(app, "total_ms") / p50(floor, "total_ms")
        spread = f"{min(totals):.0f}–{max(totals):.0f}"
        parts = " ".join(f"{f'{p50(app, part):.1f} / {p50(floor, part):.1f}':>15}" for part in ("import_ms", "request"))
        print(
            f"{version:8} {p50(app, 'total_ms'):8.1f} {p50(floor, 'total_ms'):8.1f} {ratio:9.2f}× "
            f"{spread:>14} {parts}  {LAMBDA_DEPRECATION.get(version, '?')}"
        )


if __name__ == "__main__":
    main()
