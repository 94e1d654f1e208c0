"""Where the local stage keeps things, and the environment the app runs with locally."""

from __future__ import annotations

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"
TABLE = "studytracker"
APP_PORT = 8000
DDB_PORT = 8001
REGION = "us-east-1"


def endpoint(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def app_env(ddb_port: int, table: str = TABLE, data_dir: Path = DATA_DIR) -> dict[str, str]:
    """What the app reads in the local stage: DynamoDB Local endpoints and the local signing key."""
    return {
        "STUDYTRACKER_STAGE": "local",
        "STUDYTRACKER_TABLE": table,
        "STUDYTRACKER_LOCAL_KEY_FILE": str(data_dir / "local-signing-key"),
        "STUDYTRACKER_BACKUP_DIR": str(data_dir / "backups"),
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint(ddb_port),
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": endpoint(ddb_port),
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        # DynamoDB Local accepts any credentials; these keep boto3 from looking for real ones.
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }


def apply(env: dict[str, str]) -> None:
    os.environ.update(env)


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
