"""What every infra file is rendered from: the stages, the names Chalice gives things, and
``.chalice/config.json``, read per stage."""

from __future__ import annotations

import json
import re
from pathlib import Path

from chalicelib import download_links

from ..localenv import ROOT

APP = "studytracker"
STAGES = ("dev", "prod")
API_STAGE = "api"
BACKUP_PREFIX = "backups"  # chalicelib.backup.destinations.S3_DEFAULT_PREFIX; checked by tests/test_deploy.py
# The Lambda runtime every stage deploys on. Chalice writes the Python that runs `chalice package` into the
# template, so `make package` refuses another one (``package.runtime_problem``). Why 3.13 (2026-12-03):
# python3.11 was deprecated on 2026-06-30 (no more security patches), python3.12 is supported to
# 2028-10-31, python3.13 to 2029-06-30; `bench/runtimes.py` measures the same app and floor on each
# (21 interleaved cold starts, p50: 3.11 449 ms, 3.12 451 ms, 3.13 453 ms), so the longest support costs
# nothing measurable.
LAMBDA_PYTHON = "3.13"
EXPORT_PREFIX = download_links.EXPORT_PREFIX  # a large export's file: the grant and the lifecycle rule
EXPORT_DAYS = 1  # how long that file stays in the bucket (its link is valid 15 minutes)
API_THROTTLE = {"rate": 50, "burst": 100}  # requests per second per stage; a learner clicks, nobody streams
# Without these the event source retries a failing batch until its records expire (24 h), blocking
# the shard; the projection parks bad records itself, so a failure here is an outage, not bad data.
STREAM_SOURCE = {"MaximumRetryAttempts": 10, "BisectBatchOnFunctionError": True, "MaximumRecordAgeInSeconds": 21600}
# CloudFormation parameters that differ by stage (Chalice's own settings live in .chalice/config.json).
STAGE_PARAMETERS = {
    "dev": {"LogRetentionDays": "14", "MonthlyBudgetUsd": "5"},
    "prod": {"LogRetentionDays": "90", "MonthlyBudgetUsd": "10"},
}
# Stack output -> the environment variable the app reads it from.
OUTPUT_ENV = {
    "TableName": "STUDYTRACKER_TABLE",
    "StreamArn": "STUDYTRACKER_STREAM_ARN",
    "BackupBucketName": "STUDYTRACKER_BACKUP_BUCKET",
    "UserPoolId": "COGNITO_USER_POOL_ID",
    "UserPoolClientId": "COGNITO_CLIENT_IDS",
    "HostedUiDomain": "COGNITO_DOMAIN",
}


# -- names -----------------------------------------------------------------------------------------
def function_name(stage: str, function: str) -> str:
    """The deployed Lambda's name, as chalice deploy makes it (the SAM template is told to match)."""
    return f"{APP}-{stage}" if function == "api_handler" else f"{APP}-{stage}-{function}"


def cfn_name(name: str) -> str:
    """CamelCase as chalice package names resources (its API handler function is special-cased)."""
    if name == "api_handler":
        return "APIHandler"
    return camel(name)


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", name) if part)


def failure_queue_name(stage: str) -> str:
    return f"{APP}-{stage}-stream-failures"


def config_path(root: Path = ROOT) -> Path:
    return root / ".chalice" / "config.json"


def policy_path(stage: str, function: str, root: Path = ROOT) -> Path:
    return root / ".chalice" / f"policy-{stage}-{function}.json"


def resources_path(root: Path = ROOT) -> Path:
    return root / "infra" / "resources.yaml"


def merge_path(stage: str, root: Path = ROOT) -> Path:
    return root / "infra" / f"sam-merge-{stage}.yaml"


# -- the stage's configuration ---------------------------------------------------------------------
def load_config(root: Path = ROOT) -> dict:
    return json.loads(config_path(root).read_text())


def stage_config(config: dict, stage: str) -> dict:
    try:
        return config["stages"][stage]
    except KeyError:
        stages = ", ".join(config["stages"])
        raise SystemExit(f"error: .chalice/config.json has no stage {stage!r} (stages: {stages})") from None


def functions(config: dict, stage: str) -> list[str]:
    return list(stage_config(config, stage).get("lambda_functions", {}))


def xray_enabled(config: dict, stage: str, function: str) -> bool:
    """Whether Chalice turns on active tracing for ``function``: its own setting in the stage, then the
    stage's, then the function's and the file's top level (the order chalice.config looks them up)."""
    staged = stage_config(config, stage)
    for level in (
        staged.get("lambda_functions", {}).get(function, {}),
        staged,
        config.get("lambda_functions", {}).get(function, {}),
        config,
    ):
        if level.get("xray") is not None:
            return bool(level["xray"])
    return False


def platform_needs(config: dict, stage: str, function: str) -> list[str]:
    """PLATFORM grants the function's configuration calls for."""
    needs = ["logs"]
    if xray_enabled(config, stage, function):
        needs.append("xray")
    if function in stream_functions():
        needs += ["stream", "stream-list", "on-failure"]
    return needs


def stream_functions() -> list[str]:
    """Functions fed by the table's stream (app.py's @app.on_dynamodb_record handlers)."""
    return ["on_table_change"]


def stage_values(config: dict, stage: str) -> dict[str, str]:
    """The names ARNs are built from, read from the stage's environment (written by `infra deploy`)."""
    env = stage_config(config, stage).get("environment_variables", {})
    match = re.fullmatch(r"arn:([\w-]+):dynamodb:([\w-]+):(\d{12}):table/.+", env.get("STUDYTRACKER_STREAM_ARN", ""))
    if not match:
        raise SystemExit(
            f"error: stage {stage}: STUDYTRACKER_STREAM_ARN is not a DynamoDB stream ARN: "
            "run `python -m studytracker infra deploy --stage STAGE`"
        )
    partition, region, account = match.groups()
    return {
        "partition": partition,
        "region": region,
        "account": account,
        "table": env["STUDYTRACKER_TABLE"],
        "bucket": env["STUDYTRACKER_BACKUP_BUCKET"],
        "failure_queue": failure_queue_name(stage),
    }
