"""`python -m studytracker dev`: the local stack — DynamoDB Local, the table, `chalice local`, the stream pump.

Ctrl-C stops every child. Data stays in `.data/` for the next run. Every failure ends
with a one-line reason and a non-zero exit, never a hang (chalice local hangs when the
app fails to import, so readiness is a health check with a deadline).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from . import ddblocal, localenv
from .ddblocal import SetupError

APP_DEADLINE = 60


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _wait_for_app(port: int, process: subprocess.Popen, log_path: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < APP_DEADLINE:
        if process.poll() is not None:
            raise SetupError(f"chalice local exited with code {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.2)
    tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] if log_path.exists() else []
    raise SetupError(
        f"the app did not answer /health within {APP_DEADLINE} s (an import error?): "
        f"{tail[0] if tail else 'no output'} — full log: {log_path}"
    )


def run(host: str, port: int, ddb_port: int, in_memory: bool, data_dir: Path = localenv.DATA_DIR) -> int:
    if in_memory:
        # Nothing of a throwaway stack (logs, key, stream checkpoint) may touch the real .data/.
        data_dir = Path(tempfile.mkdtemp(prefix="studytracker-dev-"))
    for busy, what in ((port, "the app"), (ddb_port, "DynamoDB Local")):
        if localenv.port_in_use(busy):
            print(
                f"error: port {busy} (for {what}) is already in use — stop the other process "
                f"(another `make run`?) or choose ports with PORT=... DDB_PORT=...",
                file=sys.stderr,
            )
            return 2
    data_dir.mkdir(parents=True, exist_ok=True)
    env = localenv.app_env(ddb_port, data_dir=data_dir)
    # One signing key for every local stack, so `studytracker token` works against --in-memory too.
    env["STUDYTRACKER_LOCAL_KEY_FILE"] = str(localenv.DATA_DIR / "local-signing-key")
    localenv.apply(env)
    from chalicelib import auth

    auth.local_key(create=True)

    dynamodb = app_process = pump = None
    stopping = {"flag": False}

    def on_signal(signum, frame):
        stopping["flag"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        started = time.monotonic()
        dynamodb = ddblocal.start(ddb_port, None if in_memory else data_dir / "ddb", data_dir / "dynamodb.log")
        ready = ddblocal.wait_ready(ddb_port, dynamodb)
        created = ddblocal.ensure_table(ddblocal.client(ddb_port), env["STUDYTRACKER_TABLE"])
        print(
            f"DynamoDB Local ready on port {ddb_port} in {ready:.1f} s "
            f"({'in memory' if in_memory else data_dir / 'ddb'}); table {'created' if created else 'found'}",
            flush=True,
        )

        app_log = data_dir / "chalice-local.log"
        app_process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "chalice"),
                "local",
                "--no-autoreload",
                "--stage",
                "local",
                "--host",
                host,
                "--port",
                str(port),
            ],
            cwd=localenv.ROOT,
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=open(app_log, "ab"),
            stderr=subprocess.STDOUT,
        )
        _wait_for_app(port, app_process, app_log)
        pump = _start_pump(ddb_port, env["STUDYTRACKER_TABLE"], data_dir)
        print(
            f"StudyTracker is serving http://{host}:{port}/ (ready in {time.monotonic() - started:.1f} s). "
            f"Get a token: .venv/bin/python -m studytracker token --user NAME. Ctrl-C stops.",
            flush=True,
        )
        print("ready", flush=True)
        while not stopping["flag"]:
            if app_process.poll() is not None:
                raise SetupError(f"chalice local stopped unexpectedly (code {app_process.returncode}); see {app_log}")
            if dynamodb.poll() is not None:
                raise SetupError(f"DynamoDB Local stopped unexpectedly; see {data_dir / 'dynamodb.log'}")
            time.sleep(0.3)
        print("stopping...", flush=True)
        return 0
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        if pump is not None:
            pump.stopping.set()
            pump.join(timeout=5)
        _stop(app_process)
        _stop(dynamodb)


def _start_pump(ddb_port: int, table: str, data_dir: Path):
    from chalice.test import Client

    import app as application

    from .streams import Pump, StreamReader

    reader = StreamReader(
        ddblocal.client(ddb_port),
        ddblocal.client(ddb_port, "dynamodbstreams"),
        table,
        checkpoint=data_dir / "stream-checkpoint.json",
    )
    client = Client(application.app, stage_name="local", project_dir=str(localenv.ROOT))
    pump = Pump(reader, client)
    pump.start()
    return pump


def register(commands) -> None:
    from . import localenv

    command = commands.add_parser("dev", help="run the local stack: DynamoDB Local, chalice local, stream pump")
    command.add_argument("--host", default="127.0.0.1")
    command.add_argument("--port", type=int, default=localenv.APP_PORT)
    command.add_argument("--ddb-port", type=int, default=localenv.DDB_PORT)
    command.add_argument("--in-memory", action="store_true", help="keep no data (for tests)")
    command.set_defaults(run=lambda args: run(args.host, args.port, args.ddb_port, args.in_memory))
