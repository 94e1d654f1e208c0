"""What each Lambda function may do (``GRANTS``, plus ``PLATFORM`` for what the Lambda service does
with a function's role), and the policy documents rendered from them: concrete ARNs for ``chalice
deploy``, template references for the SAM merge. ``tests/test_iam.py`` proves each grant."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib import keys

from .config import (
    BACKUP_PREFIX,
    EXPORT_PREFIX,
    cfn_name,
    failure_queue_name,
    function_name,
    platform_needs,
    stage_values,
)


@dataclass(frozen=True)
class Grant:
    actions: tuple[str, ...]
    resources: tuple[str, ...]  # kinds of ARN_TEMPLATES
    why: str


ARN_TEMPLATES = {
    "table": "arn:{partition}:dynamodb:{region}:{account}:table/{table}",
    "index": "arn:{partition}:dynamodb:{region}:{account}:table/{table}/index/" + keys.SESSIONS_BY_START,
    "stream": "arn:{partition}:dynamodb:{region}:{account}:table/{table}/stream/*",
    "backup-bucket": "arn:{partition}:s3:::{bucket}",
    "backup-objects": "arn:{partition}:s3:::{bucket}/" + BACKUP_PREFIX + "/*",
    "export-objects": "arn:{partition}:s3:::{bucket}/" + EXPORT_PREFIX + "/*",
    "log-group": "arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{function_name}:*",
    "failure-queue": "arn:{partition}:sqs:{region}:{account}:{failure_queue}",
    "any": "*",
}

ITEM_WRITES = ("dynamodb:PutItem", "dynamodb:DeleteItem")  # no UpdateItem: see the api_handler grant
GRANTS: dict[str, tuple[Grant, ...]] = {
    "api_handler": (
        Grant(
            ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", *ITEM_WRITES, "dynamodb:BatchWriteItem"),
            ("table",),
            "the routes read and write the caller's partition (transactions need the item actions; no "
            "UpdateItem: every write's answer is known before it is sent, see chalicelib/unit.py)",
        ),
        Grant(("dynamodb:Query",), ("index",), "sessions by start time"),
        Grant(
            ("s3:PutObject", "s3:GetObject"),
            ("export-objects",),
            "an export too large to answer inline is stored, and its download link is a GET presigned with "
            "this role's credentials (chalicelib/download_links.py)",
        ),
    ),
    "authorizer": (
        Grant(
            ("dynamodb:GetItem", "dynamodb:UpdateItem"),
            ("table",),
            "an API token is looked up by its hash; its last use is recorded",
        ),
    ),
    "on_table_change": (
        Grant(
            ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:BatchWriteItem"),
            ("table",),
            "the projection recomputes a day from its sessions and writes the aggregates",
        ),
        Grant(("dynamodb:Query",), ("index",), "sessions by start time"),
    ),
    "backup_table": (
        Grant(("dynamodb:Scan",), ("table",), "the daily backup reads the whole table (parallel Scan)"),
        Grant(
            ("s3:PutObject", "s3:GetObject", "s3:DeleteObject"),
            ("backup-objects",),
            "writes backup parts and manifests; reads manifests and deletes expired backups (retention)",
        ),
        Grant(("s3:ListBucket",), ("backup-bucket",), "lists backups for retention and to keep backup ids unique"),
    ),
}
# What the Lambda service does with a function's role, by the function's configuration.
PLATFORM = {
    "logs": Grant(
        ("logs:CreateLogStream", "logs:PutLogEvents"),
        ("log-group",),
        "the runtime writes the function's log group (infra creates it: no CreateLogGroup)",
    ),
    "xray": Grant(
        ("xray:PutTraceSegments", "xray:PutTelemetryRecords"),
        ("any",),
        "active tracing; X-Ray supports no resource-level permissions, so Resource is '*'",
    ),
    "stream": Grant(
        ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"),
        ("stream",),
        "the event source mapping reads the table's stream with the function's role",
    ),
    "stream-list": Grant(
        ("dynamodb:ListStreams",),
        ("any",),
        "the event source mapping lists the table's streams; ListStreams has no resource-level "
        "permissions, so Resource is '*' (parliament: RESOURCE_MISMATCH on a stream ARN)",
    ),
    "on-failure": Grant(
        ("sqs:SendMessage",),
        ("failure-queue",),
        "the event source mapping reports batches that exhausted their retries",
    ),
}


# -- policies --------------------------------------------------------------------------------------
def grants_for(config: dict, stage: str, function: str) -> list[Grant]:
    if function not in GRANTS:
        raise SystemExit(
            f"error: {function} has no entry in studytracker/infra/grants.py GRANTS: add what it calls "
            "(tests/test_iam.py lists the calls it recorded)"
        )
    return [*GRANTS[function], *(PLATFORM[need] for need in platform_needs(config, stage, function))]


def _statement(grant: Grant, arn: Callable[[str], Any]) -> dict:
    resources = [arn(kind) for kind in grant.resources]
    return {
        "Effect": "Allow",
        "Action": list(grant.actions),
        "Resource": resources[0] if len(resources) == 1 else resources,
    }


def policy_document(config: dict, stage: str, function: str) -> dict:
    """The function's policy with concrete ARNs (what chalice deploy attaches to its role)."""
    values = {**stage_values(config, stage), "function_name": function_name(stage, function)}
    return {
        "Version": "2012-10-17",
        "Statement": [
            _statement(g, lambda kind: ARN_TEMPLATES[kind].format(**values))
            for g in grants_for(config, stage, function)
        ],
    }


def _cfn_arn(stage: str, function: str, kind: str) -> Any:
    special = {
        "table": {"Fn::GetAtt": ["Table", "Arn"]},
        "backup-bucket": {"Fn::GetAtt": ["BackupBucket", "Arn"]},
        "failure-queue": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]},
        "log-group": {"Fn::GetAtt": [cfn_name(function) + "Logs", "Arn"]},
        "any": "*",
    }
    if kind in special:
        return special[kind]
    text = ARN_TEMPLATES[kind].format(
        partition="${AWS::Partition}",
        region="${AWS::Region}",
        account="${AWS::AccountId}",
        table="${Table}",
        bucket="${BackupBucket}",
        function_name=function_name(stage, function),
        failure_queue=failure_queue_name(stage),
    )
    return {"Fn::Sub": text}


def cfn_policy_document(config: dict, stage: str, function: str) -> dict:
    """The same policy for the SAM template, its ARNs as references to the template's resources."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _statement(g, lambda kind: _cfn_arn(stage, function, kind)) for g in grants_for(config, stage, function)
        ],
    }
