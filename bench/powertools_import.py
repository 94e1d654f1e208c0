"""Why observability is in-house: what importing Powertools for AWS Lambda adds to a cold start.

Fresh processes, median of --runs: Powertools' Logger + Metrics (in a throwaway venv under
/tmp, never the project's requirements) against chalicelib.observability, each minus a bare
interpreter that already imported what the app imports anyway (json, logging, hashlib).
With .pyc files in place; the Lambda zip ships none, which makes every figure larger.

Usage: .venv/bin/python bench/powertools_import.py [--runs 21]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PINS = ("aws-lambda-powertools==3.37.0",)
BASE = "import json, logging, hashlib, time"
CANDIDATES = {
    "Powertools Logger + Metrics": "from aws_lambda_powertools import Logger, Metrics",
    "Powertools Logger": "from aws_lambda_powertools import Logger",
    "chalicelib.observability": "import chalicelib.observability",
}


def powertools_python() -> Path:
    tag = hashlib.sha256(f"{sys.version}{PINS}".encode()).hexdigest()[:10]
    home = Path("/tmp") / f"studytracker-bench-powertools-{tag}"
    if not (home / ".complete").exists():
        print(f"building {home} (once) ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(home)
        subprocess.run(
            [str(home / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PINS],
            check=True,
        )
        (home / ".complete").touch()
    return home / "bin" / "python"


def median_ms(python: Path, code: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(python), "-c", code], check=True, cwd=ROOT)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    pythons = {
        "Powertools Logger + Metrics": powertools_python(),
        "Powertools Logger": powertools_python(),
        "chalicelib.observability": Path(sys.executable),
    }
    for python in set(pythons.values()):  # write .pyc files before measuring
        subprocess.run([str(python), "-c", BASE], check=True)
    for name, statement in CANDIDATES.items():
        subprocess.run([str(pythons[name]), "-c", f"{BASE}; {statement}"], check=True, cwd=ROOT)
    print(f"{'import':<30} | added ms (median of {args.runs})")
    for name, statement in CANDIDATES.items():
        base = median_ms(pythons[name], BASE, args.runs)
        full = median_ms(pythons[name], f"{BASE}; {statement}", args.runs)
        print(f"{name:<30} | {full - base:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
