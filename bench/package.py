"""Package size and cold start of `chalice package --stage prod`, without and with compiled bytecode.

    .venv/bin/python bench/package.py [--runs 9]        (or `make bench-package`)

Packages the app once (offline: a region, no credentials), adds bytecode to a copy with
`python -m studytracker infra bytecode`, then measures each variant side by side:

- zipped size, unzipped size, file count;
- cold start: a fresh Python process that unzips the package into an empty directory, imports
  ``app`` from it and handles ONE request (GET /v1/me, as API Gateway sends it after the
  authorizer: one GetItem on DynamoDB Local), like a Lambda container's first invocation.
  Reported: the process's wall time and its parts (unzip, import, first request), and peak RSS.

Runs alternate between the variants so machine noise hits both alike. Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, os, resource, sys, time, zipfile
started = time.perf_counter()
package, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(package) as archive:
    archive.extractall(target)
unzipped = time.perf_counter()
sys.path.insert(0, target)
os.chdir(target)
import app
imported = time.perf_counter()
event = {"resource": "/v1/me", "path": "/v1/me", "httpMethod": "GET",
         "headers": {"Host": "bench.example"}, "multiValueHeaders": {"Host": ["bench.example"]},
         "queryStringParameters": None, "multiValueQueryStringParameters": None,
         "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
         "requestContext": {"resourcePath": "/v1/me", "httpMethod": "GET", "path": "/api/v1/me",
                            "stage": "api", "requestId": "bench", "identity": {"sourceIp": "127.0.0.1"},
                            "authorizer": {"principalId": "local-bench"}}}
class Context:
    function_name, memory_limit_in_mb, aws_request_id = "studytracker-prod", 1024, "bench"
    def get_remaining_time_in_millis(self):
        return 29000
response = app.app(event, Context())
answered = time.perf_counter()
assert response["statusCode"] == 200, response
print("RESULT " + json.dumps({"unzip": unzipped - started, "import": imported - unzipped,
                               "request": answered - imported,
                               "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def package(out: Path) -> Path:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STUDYTRACKER_", "COGNITO_"))}
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("chalice")), "package", "--stage", "prod", str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"chalice package --stage prod: {time.perf_counter() - started:.1f} s")
    return out / "deployment.zip"


def sizes(zip_path: Path) -> tuple[float, float, int]:
    with zipfile.ZipFile(zip_path) as archive:
        infos = archive.infolist()
    return zip_path.stat().st_size / 1e6, sum(i.file_size for i in infos) / 1e6, len(infos)


def cold_start(zip_path: Path, env: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-task-") as target:
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-c", CHILD, str(zip_path), target], env=env, cwd=target, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    if run.returncode or not lines:
        raise SystemExit(f"cold start failed:\n{run.stdout}\n{run.stderr}")
    return {"wall": wall, **json.loads(lines[-1][len("RESULT ") :])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    from chalicelib import auth, settings
    from chalicelib.runtime import store
    from studytracker import ddblocal, infra, localenv

    with tempfile.TemporaryDirectory(prefix="bench-package-") as scratch_dir:
        scratch = Path(scratch_dir)
        plain = package(scratch / "out")
        compiled = scratch / "compiled.zip"
        shutil.copy(plain, compiled)
        started = time.perf_counter()
        added = infra.add_bytecode(compiled)
        print(f"bytecode step: {added} .pyc added in {time.perf_counter() - started:.1f} s")
        variants = {"no bytecode (chalice package)": plain, "with bytecode (make package)": compiled}

        port = localenv.free_port()
        process = ddblocal.start(port, None, scratch / "dynamodb.log")
        try:
            ddblocal.wait_ready(port, process)
            env = {
                **localenv.app_env(port, table="bench", data_dir=scratch),
                "PYTHONDONTWRITEBYTECODE": "1",
                "PATH": os.environ.get("PATH", ""),
            }
            ddblocal.ensure_table(ddblocal.client(port), "bench")
            localenv.apply(env)
            settings.ensure(store(), auth.local_user_id("bench"))
            timings: dict[str, list[dict]] = {name: [] for name in variants}
            for run in range(args.runs + 1):  # the first round warms the OS file cache and is dropped
                for name, path in variants.items():
                    result = cold_start(path, env)
                    if run:
                        timings[name].append(result)
        finally:
            process.terminate()
            process.wait(timeout=10)

        print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs; median of {args.runs} fresh processes each\n")
        header = (
            f"{'':32} {'zip MB':>7} {'unzip MB':>8} {'files':>6} {'wall ms':>8} {'unzip':>6} "
            f"{'import':>7} {'1st req':>7} {'RSS MB':>7}"
        )
        print(header)
        for name, path in variants.items():
            zipped, unzipped, files = sizes(path)
            median = {k: statistics.median(r[k] for r in timings[name]) for k in timings[name][0]}
            print(
                f"{name:32} {zipped:7.2f} {unzipped:8.2f} {files:6d} {median['wall'] * 1e3:8.0f} "
                f"{median['unzip'] * 1e3:6.0f} {median['import'] * 1e3:7.0f} {median['request'] * 1e3:7.0f} "
                f"{median['rss_mb']:7.0f}"
            )
        names = list(variants)
        saved = [
            a["import"] + a["request"] - b["import"] - b["request"]
            for a, b in zip(timings[names[0]], timings[names[1]], strict=True)
        ]
        print(
            f"\nimport + first request saved by bytecode: median {statistics.median(saved) * 1e3:.0f} ms "
            f"(min {min(saved) * 1e3:.0f}, max {max(saved) * 1e3:.0f}) per cold start"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
