"""Cold start: a fresh process imports an app and answers one GET that reads one DynamoDB item.

Four variants answer the same kind of request (an API Gateway REST proxy event, the way Lambda
invokes the function; the authorizer's principal already in the event, as API Gateway passes it):
- ``app``: StudyTracker's app.py, GET /v1/me (one GetItem);
- ``app without observability``: the same with chalicelib.observability replaced by a pass-through,
  so the difference is what the logging/metrics middleware costs a cold start;
- ``floor``: a minimal Chalice + boto3 + pydantic app written here, GET /items/{id} (one GetItem);
- ``FastAPI + Mangum``: the seed plan's stack, same route, in a throwaway venv under /tmp.

Time is measured inside the child, from its first line to the response (interpreter start-up
is the same for all and excluded). The project's .pyc files are in place for every variant.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

FASTAPI_PINS = ("fastapi==0.163.2", "mangum==0.22.0", "boto3==1.44.8", "pydantic==2.14.4")
ITEM_ID = "item-1"
BENCH_USER = "local-bench"

CHILD = textwrap.dedent("""
    import time
    _t0 = time.perf_counter()
    import json, os, sys, types
    variant, app_dir = sys.argv[1], sys.argv[2]
    sys.path.insert(0, app_dir)
    if variant == "app-no-obs":
        stub = types.ModuleType("chalicelib.observability")
        stub.http_middleware = lambda request, get_response: get_response(request)
        sys.modules["chalicelib.observability"] = stub

    class Context:
        aws_request_id = "00000000-0000-0000-0000-000000000001"
        function_name, memory_limit_in_mb = "bench", 1024
        def get_remaining_time_in_millis(self):
            return 29000

    def event(path, resource, params):
        return {"resource": resource, "path": path, "httpMethod": "GET",
                "headers": {"Accept": "application/json", "Host": "bench.local"},
                "multiValueHeaders": {"Accept": ["application/json"], "Host": ["bench.local"]},
                "queryStringParameters": None, "multiValueQueryStringParameters": None,
                "pathParameters": params, "stageVariables": None, "body": None, "isBase64Encoded": False,
                "requestContext": {"resourcePath": resource, "httpMethod": "GET", "path": "/api" + path,
                                   "requestId": "bench-request", "stage": "api", "identity": {"sourceIp": "127.0.0.1"},
                                   "authorizer": {"principalId": os.environ["BENCH_USER"]}}}

    if variant == "obs-only":  # what observability alone adds: its import and its first request line
        import chalice, io  # already loaded by the app before observability: not part of its cost
        _t1 = time.perf_counter()
        import chalicelib.observability as observability
        class Request:
            method, context, lambda_context = "GET", {"resourcePath": "/v1/me", "authorizer": {}}, Context()
        class Response:
            status_code, body = 200, "{}"
        real, sys.stdout = sys.stdout, io.StringIO()
        observability.http_middleware(Request(), lambda request: Response())
        sys.stdout = real
        _t2 = time.perf_counter()
        _ms = (_t2 - _t1) * 1000
        sys.stderr.write("RESULT " + json.dumps({"import_ms": _ms, "total_ms": _ms}) + "\\n")
        sys.exit(0)
    if variant in ("app", "app-no-obs"):
        import app as module
        handler, request = module.app, event("/v1/me", "/v1/me", None)
    elif variant == "floor":
        import floor_app as module
        handler, request = module.app, event("/items/item-1", "/items/{item_id}", {"item_id": "item-1"})
    else:
        import fastapi_app as module
        handler, request = module.handler, event("/items/item-1", "/items/{item_id}", {"item_id": "item-1"})
    _t1 = time.perf_counter()
    response = handler(request, Context())
    _t2 = time.perf_counter()
    assert response["statusCode"] == 200, response
    sys.stderr.write("RESULT " + json.dumps({"import_ms": (_t1 - _t0) * 1000, "total_ms": (_t2 - _t0) * 1000}) + "\\n")
""")

REFERENCE_HANDLER = """
import os

import boto3
from pydantic import BaseModel


class Item(BaseModel):
    id: str
    name: str


_client = None


def read_item(item_id: str) -> dict:
    global _client
    if _client is None:
        _client = boto3.client("dynamodb")
    got = _client.get_item(TableName=os.environ["STUDYTRACKER_TABLE"],
                           Key={"PK": {"S": "BENCH"}, "SK": {"S": item_id}})["Item"]
    return Item(id=got["SK"]["S"], name=got["name"]["S"]).model_dump()
"""

FLOOR_APP = (
    REFERENCE_HANDLER
    + """
from chalice import Chalice

app = Chalice(app_name="floor")


@app.route("/items/{item_id}")
def get_item(item_id):
    return read_item(item_id)
"""
)

FASTAPI_APP = (
    REFERENCE_HANDLER
    + """
from fastapi import FastAPI
from mangum import Mangum

api = FastAPI()


@api.get("/items/{item_id}")
def get_item(item_id: str):
    return read_item(item_id)


handler = Mangum(api, lifespan="off")
"""
)


def seed(ddb, table: str) -> None:
    """The items every variant reads: the bench user's settings and the references' item."""
    ddb.put_item(
        TableName=table,
        Item={
            "PK": {"S": f"USER#{BENCH_USER}"},
            "SK": {"S": "PROFILE"},
            "type": {"S": "profile"},
            "timezone": {"S": "Asia/Tokyo"},
            "version": {"N": "1"},
        },
    )
    ddb.put_item(TableName=table, Item={"PK": {"S": "BENCH"}, "SK": {"S": ITEM_ID}, "name": {"S": "bench"}})


def fastapi_python(log) -> Path:
    """A throwaway venv with FastAPI + Mangum + boto3 (never the project's requirements); reused when present."""
    tag = hashlib.sha256(f"{sys.version}{FASTAPI_PINS}".encode()).hexdigest()[:10]
    home = Path("/tmp") / f"studytracker-bench-fastapi-{tag}"
    python = home / "bin" / "python"
    if not (home / ".complete").exists():
        log(f"building the FastAPI + Mangum reference venv in {home} (once) ...")
        venv.EnvBuilder(with_pip=True, clear=True).create(home)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *FASTAPI_PINS], check=True
        )
        (home / ".complete").touch()
    return python


def write_references(workdir: Path) -> None:
    (workdir / "floor_app.py").write_text(FLOOR_APP)
    (workdir / "fastapi_app.py").write_text(FASTAPI_APP)
    (workdir / "child.py").write_text(CHILD)


def run_child(python: Path, variant: str, app_dir: Path, workdir: Path, env: dict) -> dict:
    done = subprocess.run(
        [str(python), str(workdir / "child.py"), variant, str(app_dir)],
        cwd=app_dir,
        env={**env, "BENCH_USER": BENCH_USER},
        capture_output=True,
        text=True,
        timeout=120,
    )
    results = [line for line in done.stderr.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not results:
        raise RuntimeError(f"cold start of {variant} failed:\n{done.stderr[-2000:]}")
    return json.loads(results[-1][len("RESULT ") :])


def measure(root: Path, workdir: Path, env: dict, runs: int, log) -> dict:
    """Median (and spread) of ``runs`` cold starts per variant, interleaved so drift hits all alike."""
    write_references(workdir)
    project_python = Path(sys.executable)
    variants = {
        "app": (project_python, root),
        "app-no-obs": (project_python, root),
        "obs-only": (project_python, root),
        "floor": (project_python, workdir),
        "fastapi": (fastapi_python(log), workdir),
    }
    for variant, (python, app_dir) in variants.items():  # a first, unmeasured run writes .pyc files
        run_child(python, variant, app_dir, workdir, env)
    samples: dict[str, list[dict]] = {v: [] for v in variants}
    for index in range(runs):
        log(f"cold start round {index + 1}/{runs}")
        for variant, (python, app_dir) in variants.items():
            samples[variant].append(run_child(python, variant, app_dir, workdir, env))
    return {
        variant: {
            "runs": runs,
            "total_ms_p50": statistics.median(s["total_ms"] for s in rows),
            "import_ms_p50": statistics.median(s["import_ms"] for s in rows),
            "total_ms_min": min(s["total_ms"] for s in rows),
            "total_ms_max": max(s["total_ms"] for s in rows),
        }
        for variant, rows in samples.items()
    }


def os_env(ddb_env: dict) -> dict:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}, **ddb_env}
