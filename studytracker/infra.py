"""`python -m studytracker infra render|deploy|finish`: the AWS side that Chalice does not create.

This module states three facts once and renders every file that repeats them:

- what each Lambda function may do (``GRANTS``, plus ``PLATFORM`` for what the Lambda service does
  with a function's role): rendered into ``.chalice/policy-<stage>-<function>.json`` (for
  ``chalice deploy``) and into the roles of ``infra/sam-merge-<stage>.yaml`` (for ``chalice package``);
  ``tests/test_iam.py`` proves each grant against the AWS calls the tests recorded;
- the resources: ``infra/resources.yaml`` (a stack of its own) holds the table, built from
  ``chalicelib.keys.TABLE_DEFINITION`` like the dev runner's and the tests' tables, the backup
  bucket, the Cognito user pool, log groups, alarms and the budget;
- what ``chalice deploy`` cannot set (stream retries and failure queue, API throttling, the
  sign-in callback URL): ``infra finish`` applies it; ``sam-merge-<stage>.yaml`` carries it.

Rendered files are committed and never edited by hand: the tests fail when they differ from
``python -m studytracker infra render``.
"""
from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from chalicelib import keys

from .localenv import ROOT

APP = "studytracker"
STAGES = ("dev", "prod")
API_STAGE = "api"
BACKUP_PREFIX = "backups"  # chalicelib.backup.destinations.S3_DEFAULT_PREFIX; checked by tests/test_deploy.py
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


# -- what each function may do ----------------------------------------------------------------------
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
    "log-group": "arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{function_name}:*",
    "failure-queue": "arn:{partition}:sqs:{region}:{account}:{failure_queue}",
    "any": "*",
}

ITEM_WRITES = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
GRANTS: dict[str, tuple[Grant, ...]] = {
    "api_handler": (
        Grant(("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", *ITEM_WRITES,
               "dynamodb:BatchWriteItem"), ("table",),
              "the routes read and write the caller's partition (transactions need the item actions)"),
        Grant(("dynamodb:Query",), ("index",), "sessions by start time"),
    ),
    "authorizer": (
        Grant(("dynamodb:GetItem", "dynamodb:UpdateItem"), ("table",),
              "an API token is looked up by its hash; its last use is recorded"),
    ),
    "on_table_change": (
        Grant(("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:BatchWriteItem"), ("table",),
              "the projection recomputes a day from its sessions and writes the aggregates"),
        Grant(("dynamodb:Query",), ("index",), "sessions by start time"),
    ),
    "backup_table": (
        Grant(("dynamodb:Scan",), ("table",), "the daily backup reads the whole table (parallel Scan)"),
        Grant(("s3:PutObject", "s3:GetObject", "s3:DeleteObject"), ("backup-objects",),
              "writes backup parts and manifests; reads manifests and deletes expired backups (retention)"),
        Grant(("s3:ListBucket",), ("backup-bucket",), "lists backups for retention and to keep backup ids unique"),
    ),
}
# What the Lambda service does with a function's role, by the function's configuration.
PLATFORM = {
    "logs": Grant(("logs:CreateLogStream", "logs:PutLogEvents"), ("log-group",),
                  "the runtime writes the function's log group (infra creates it: no CreateLogGroup)"),
    "xray": Grant(("xray:PutTraceSegments", "xray:PutTelemetryRecords"), ("any",),
                  "active tracing; X-Ray supports no resource-level permissions, so Resource is '*'"),
    "stream": Grant(("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                     "dynamodb:ListStreams"), ("stream",),
                    "the event source mapping reads the table's stream with the function's role"),
    "on-failure": Grant(("sqs:SendMessage",), ("failure-queue",),
                        "the event source mapping reports batches that exhausted their retries"),
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
        raise SystemExit(f"error: .chalice/config.json has no stage {stage!r} (stages: {', '.join(config['stages'])})")


def functions(config: dict, stage: str) -> list[str]:
    return list(stage_config(config, stage).get("lambda_functions", {}))


def platform_needs(config: dict, stage: str, function: str) -> list[str]:
    """PLATFORM grants the function's configuration calls for."""
    needs = ["logs"]
    if stage_config(config, stage).get("xray"):
        needs.append("xray")
    if function in stream_functions():
        needs += ["stream", "on-failure"]
    return needs


def stream_functions() -> list[str]:
    """Functions fed by the table's stream (app.py's @app.on_dynamodb_record handlers)."""
    return ["on_table_change"]


def stage_values(config: dict, stage: str) -> dict[str, str]:
    """The names ARNs are built from, read from the stage's environment (written by `infra deploy`)."""
    env = stage_config(config, stage).get("environment_variables", {})
    match = re.fullmatch(r"arn:([\w-]+):dynamodb:([\w-]+):(\d{12}):table/.+", env.get("STUDYTRACKER_STREAM_ARN", ""))
    if not match:
        raise SystemExit(f"error: stage {stage}: STUDYTRACKER_STREAM_ARN is not a DynamoDB stream ARN: "
                         "run `python -m studytracker infra deploy --stage STAGE`")
    partition, region, account = match.groups()
    return {"partition": partition, "region": region, "account": account, "table": env["STUDYTRACKER_TABLE"],
            "bucket": env["STUDYTRACKER_BACKUP_BUCKET"], "failure_queue": failure_queue_name(stage)}


# -- policies --------------------------------------------------------------------------------------
def grants_for(config: dict, stage: str, function: str) -> list[Grant]:
    if function not in GRANTS:
        raise SystemExit(f"error: {function} has no entry in studytracker/infra.py GRANTS: add what it calls "
                         "(tests/test_iam.py lists the calls it recorded)")
    return [*GRANTS[function], *(PLATFORM[need] for need in platform_needs(config, stage, function))]


def _statement(grant: Grant, arn: Callable[[str], Any]) -> dict:
    resources = [arn(kind) for kind in grant.resources]
    return {"Effect": "Allow", "Action": list(grant.actions),
            "Resource": resources[0] if len(resources) == 1 else resources}


def policy_document(config: dict, stage: str, function: str) -> dict:
    """The function's policy with concrete ARNs (what chalice deploy attaches to its role)."""
    values = {**stage_values(config, stage), "function_name": function_name(stage, function)}
    return {"Version": "2012-10-17",
            "Statement": [_statement(g, lambda kind: ARN_TEMPLATES[kind].format(**values))
                          for g in grants_for(config, stage, function)]}


def _cfn_arn(stage: str, function: str, kind: str) -> Any:
    special = {"table": {"Fn::GetAtt": ["Table", "Arn"]},
               "backup-bucket": {"Fn::GetAtt": ["BackupBucket", "Arn"]},
               "failure-queue": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]},
               "log-group": {"Fn::GetAtt": [cfn_name(function) + "Logs", "Arn"]},
               "any": "*"}
    if kind in special:
        return special[kind]
    text = ARN_TEMPLATES[kind].format(partition="${AWS::Partition}", region="${AWS::Region}",
                                      account="${AWS::AccountId}", table="${Table}", bucket="${BackupBucket}",
                                      function_name=function_name(stage, function),
                                      failure_queue=failure_queue_name(stage))
    return {"Fn::Sub": text}


def cfn_policy_document(config: dict, stage: str, function: str) -> dict:
    """The same policy for the SAM template, its ARNs as references to the template's resources."""
    return {"Version": "2012-10-17",
            "Statement": [_statement(g, lambda kind: _cfn_arn(stage, function, kind))
                          for g in grants_for(config, stage, function)]}


# -- the resource stack ----------------------------------------------------------------------------
def sub(text: str) -> dict:
    return {"Fn::Sub": text}


def ref(name: str) -> dict:
    return {"Ref": name}


def table_properties(definition: dict = keys.TABLE_DEFINITION) -> dict:
    """CloudFormation properties of the ONE table definition (the CreateTable request of the tests)."""
    known = {"AttributeDefinitions", "KeySchema", "LocalSecondaryIndexes", "GlobalSecondaryIndexes",
             "BillingMode", "StreamSpecification"}
    unknown = set(definition) - known
    if unknown:
        raise ValueError(f"TABLE_DEFINITION has keys infra cannot render yet: {sorted(unknown)}")
    if definition.get("BillingMode") != "PAY_PER_REQUEST":
        raise ValueError("infra renders on-demand tables only (see docs/deployment.md)")
    properties: dict = {"TableName": sub(APP + "-${Stage}")}
    for name in ("AttributeDefinitions", "KeySchema", "LocalSecondaryIndexes", "GlobalSecondaryIndexes",
                 "BillingMode"):
        if name in definition:
            properties[name] = definition[name]
    stream = definition.get("StreamSpecification", {})
    if not stream.get("StreamEnabled"):
        raise ValueError("the projection needs the table's stream: StreamSpecification.StreamEnabled")
    properties["StreamSpecification"] = {"StreamViewType": stream["StreamViewType"]}
    properties.update({
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "DeletionProtectionEnabled": True,
        "Tags": [{"Key": "project", "Value": APP}, {"Key": "stage", "Value": ref("Stage")}],
    })
    return properties


def _alarm(description: str, namespace: str, metric: str, dimensions: dict, threshold: float, *,
           statistic: str = "Sum", period: int = 300, evaluation_periods: int = 1,
           comparison: str = "GreaterThanOrEqualToThreshold") -> dict:
    properties: dict = {
        "AlarmDescription": description, "Namespace": namespace, "MetricName": metric,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
        "Period": period, "EvaluationPeriods": evaluation_periods, "Threshold": threshold,
        "ComparisonOperator": comparison, "TreatMissingData": "notBreaching",
        "AlarmActions": [ref("AlertTopic")], "OKActions": [ref("AlertTopic")],
    }
    if statistic.startswith("p"):
        properties["ExtendedStatistic"] = statistic
    else:
        properties["Statistic"] = statistic
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": properties}


def _function_name_sub(function: str) -> dict:
    return sub(f"{APP}-${{Stage}}" if function == "api_handler" else f"{APP}-${{Stage}}-{function}")


def resources_template(function_list: list[str], *, stages: tuple[str, ...] = STAGES,
                       callback: Any = None) -> dict:
    """The resource stack. ``callback`` (a CloudFormation value) replaces the SignInCallbackUrl
    parameter when the API is in the same template (the SAM merge)."""
    has_callback = callback is not None
    callback_url = callback if has_callback else ref("SignInCallbackUrl")
    when = (lambda value: value) if has_callback else \
        (lambda value: {"Fn::If": ["HasSignInCallback", value, ref("AWS::NoValue")]})
    parameters: dict = {
        "Stage": {"Type": "String", "AllowedValues": list(stages), "Description": "The Chalice stage these resources serve."},
        "AlertEmail": {"Type": "String", "AllowedPattern": r"[^@\s]+@[^@\s]+\.[^@\s]+",
                       "Description": "Who receives alarm and budget e-mails (confirm the SNS subscription)."},
        "MonthlyBudgetUsd": {"Type": "Number", "Default": 10, "MinValue": 1,
                             "Description": "Monthly cost budget in USD; e-mails at 80% actual and 100% forecast."},
        "DeletedBackupDays": {"Type": "Number", "Default": 7, "MinValue": 1,
                              "Description": "Days a backup deleted by retention stays recoverable (old version)."},
        "LogRetentionDays": {"Type": "Number", "Default": "30",
                             "AllowedValues": ["1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365"]},
    }
    if not has_callback:
        parameters["SignInCallbackUrl"] = {
            "Type": "String", "Default": "",
            "Description": "The app's URL (set by `infra finish` after chalice deploy); empty: no hosted UI sign-in yet."}
    resources: dict = {
        "Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
                  "Properties": table_properties()},
        "BackupBucket": {
            "Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketName": sub(APP + "-${Stage}-backups-${AWS::AccountId}-${AWS::Region}"),
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]},
                "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                   "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                # The backup's own retention (STUDYTRACKER_BACKUP_KEEP_DAYS) deletes whole backups, newest
                # kept; versioning turns those deletes into old versions, which expire here.
                "LifecycleConfiguration": {"Rules": [{
                    "Id": "expire-deleted-backups", "Status": "Enabled", "Prefix": BACKUP_PREFIX + "/",
                    "NoncurrentVersionExpiration": {"NoncurrentDays": ref("DeletedBackupDays")},
                    "ExpiredObjectDeleteMarker": True,
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                }]},
                "Tags": [{"Key": "project", "Value": APP}, {"Key": "stage", "Value": ref("Stage")}],
            }},
        "BackupBucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": ref("BackupBucket"),
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [{"Fn::GetAtt": ["BackupBucket", "Arn"]}, sub("${BackupBucket.Arn}/*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}},
        "UserPool": {"Type": "AWS::Cognito::UserPool", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
                     "Properties": {
                         "UserPoolName": sub(APP + "-${Stage}"),
                         "UsernameAttributes": ["email"], "AutoVerifiedAttributes": ["email"],
                         "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
                         "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
                         "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireLowercase": True,
                                                         "RequireUppercase": True, "RequireNumbers": True,
                                                         "RequireSymbols": False}},
                         "MfaConfiguration": "OPTIONAL", "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
                         "DeletionProtection": "ACTIVE",
                         "UserPoolTags": {"project": APP, "stage": ref("Stage")},
                     }},
        "UserPoolClient": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
            "ClientName": sub(APP + "-${Stage}-web"), "UserPoolId": ref("UserPool"),
            # A browser app: no secret it could keep; the hosted UI's authorization code flow with PKCE.
            "GenerateSecret": False, "SupportedIdentityProviders": ["COGNITO"],
            "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
            "AllowedOAuthFlowsUserPoolClient": when(True),
            "AllowedOAuthFlows": when(["code"]), "AllowedOAuthScopes": when(["openid", "email"]),
            "CallbackURLs": when([callback_url]), "LogoutURLs": when([callback_url]),
            "PreventUserExistenceErrors": "ENABLED", "EnableTokenRevocation": True,
            "AccessTokenValidity": 60, "IdTokenValidity": 60, "RefreshTokenValidity": 30,
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
        }},
        "UserPoolDomain": {"Type": "AWS::Cognito::UserPoolDomain", "Properties": {
            "Domain": sub(APP + "-${Stage}-${AWS::AccountId}"), "UserPoolId": ref("UserPool")}},
        "StreamFailureQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": sub(APP + "-${Stage}-stream-failures"), "MessageRetentionPeriod": 1209600,
            "SqsManagedSseEnabled": True}},
        "AlertTopic": {"Type": "AWS::SNS::Topic", "Properties": {
            "TopicName": sub(APP + "-${Stage}-alerts"),
            "KmsMasterKeyId": "alias/aws/sns",
            "Subscription": [{"Protocol": "email", "Endpoint": ref("AlertEmail")}]}},
        "Budget": {"Type": "AWS::Budgets::Budget", "Properties": {
            "Budget": {"BudgetName": sub(APP + "-${Stage}-monthly"), "BudgetType": "COST", "TimeUnit": "MONTHLY",
                       "BudgetLimit": {"Amount": ref("MonthlyBudgetUsd"), "Unit": "USD"}},
            "NotificationsWithSubscribers": [
                {"Notification": {"NotificationType": kind, "ComparisonOperator": "GREATER_THAN",
                                  "Threshold": threshold, "ThresholdType": "PERCENTAGE"},
                 "Subscribers": [{"SubscriptionType": "EMAIL", "Address": ref("AlertEmail")}]}
                for kind, threshold in (("ACTUAL", 80), ("FORECASTED", 100))]}},
    }
    for function in function_list:
        name = _function_name_sub(function)
        resources[cfn_name(function) + "Logs"] = {"Type": "AWS::Logs::LogGroup", "Properties": {
            "LogGroupName": sub(f"/aws/lambda/{name['Fn::Sub']}"), "RetentionInDays": ref("LogRetentionDays")}}
        resources[cfn_name(function) + "ErrorsAlarm"] = _alarm(
            f"{function} raised errors", "AWS/Lambda", "Errors", {"FunctionName": name}, 1)
        resources[cfn_name(function) + "ThrottlesAlarm"] = _alarm(
            f"{function} was throttled", "AWS/Lambda", "Throttles", {"FunctionName": name}, 1)
    for function in stream_functions():
        resources[cfn_name(function) + "IteratorAgeAlarm"] = _alarm(
            f"{function} lags behind the table's stream by more than 5 minutes (statistics are stale)",
            "AWS/Lambda", "IteratorAge", {"FunctionName": _function_name_sub(function)}, 300000,
            statistic="Maximum", evaluation_periods=3, comparison="GreaterThanThreshold")
    api = {"ApiName": APP, "Stage": API_STAGE}
    resources["Api5xxAlarm"] = _alarm("the API answered 5xx (bad input never should: a bug or an outage)",
                                      "AWS/ApiGateway", "5XXError", api, 1)
    resources["ApiLatencyAlarm"] = _alarm("the API's p99 latency stayed above 2 s for 15 minutes",
                                          "AWS/ApiGateway", "Latency", api, 2000, statistic="p99",
                                          evaluation_periods=3, comparison="GreaterThanThreshold")
    resources["StreamFailuresAlarm"] = _alarm(
        "stream batches exhausted their retries: rebuild the statistics of the days they touched",
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": {"Fn::GetAtt": ["StreamFailureQueue", "QueueName"]}},
        1, statistic="Maximum")
    template: dict = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "StudyTracker resources that Chalice does not create (rendered by "
                       "`python -m studytracker infra render`: do not edit)",
        "Parameters": parameters,
    }
    if not has_callback:
        template["Conditions"] = {"HasSignInCallback": {"Fn::Not": [{"Fn::Equals": [ref("SignInCallbackUrl"), ""]}]}}
    template["Resources"] = resources
    template["Outputs"] = outputs()
    return template


def outputs() -> dict:
    values = {
        "TableName": ref("Table"),
        "StreamArn": {"Fn::GetAtt": ["Table", "StreamArn"]},
        "BackupBucketName": ref("BackupBucket"),
        "UserPoolId": ref("UserPool"),
        "UserPoolClientId": ref("UserPoolClient"),
        "HostedUiDomain": sub("${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com"),
        "AlertTopicArn": ref("AlertTopic"),
        "StreamFailureQueueArn": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]},
    }
    return {name: {"Value": value} for name, value in values.items()}


def merge_template(config: dict, stage: str) -> dict:
    """The resource stack plus what chalice package's SAM template needs changed, for one stage."""
    function_list = functions(config, stage)
    redirect = stage_config(config, stage).get("environment_variables", {}).get("COGNITO_REDIRECT_PATH", "")
    callback = sub("https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + API_STAGE + "/" + redirect)
    template = resources_template(function_list, stages=(stage,), callback=callback)
    template["Parameters"]["Stage"]["Default"] = stage
    template["Parameters"].update({k: {**template["Parameters"][k], "Default": v} for k, v in STAGE_PARAMETERS[stage].items()})
    template["Description"] = (f"StudyTracker {stage}: merged into `chalice package --stage {stage}` output "
                               "(rendered by `python -m studytracker infra render`: do not edit)")
    out = outputs()
    env = {variable: out[output]["Value"] for output, variable in OUTPUT_ENV.items()}
    resources = template["Resources"]
    for function in function_list:
        resources[cfn_name(function)] = {
            "DependsOn": [cfn_name(function) + "Logs"],
            "Properties": {"FunctionName": function_name(stage, function), "Environment": {"Variables": env}}}
        resources[camel(function) + "Role"] = {"Properties": {"Policies": [{
            "PolicyName": camel(function) + "RolePolicy",
            "PolicyDocument": cfn_policy_document(config, stage, function)}]}}
    for function in stream_functions():
        source = {"Stream": {"Fn::GetAtt": ["Table", "StreamArn"]}, **STREAM_SOURCE,
                  "DestinationConfig": {"OnFailure": {"Type": "SQS",
                                                      "Destination": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}}}}
        resources[cfn_name(function)]["Properties"]["Events"] = {
            cfn_name(function) + "DynamodbEventSource": {"Properties": source}}
    resources["RestAPI"] = {"Properties": {"MethodSettings": [{
        "ResourcePath": "/*", "HttpMethod": "*",
        "ThrottlingRateLimit": API_THROTTLE["rate"], "ThrottlingBurstLimit": API_THROTTLE["burst"]}]}}
    return template


# -- rendering -------------------------------------------------------------------------------------
def to_yaml(template: dict) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data):  # CloudFormation has no YAML anchors: repeat values
            return True

    return yaml.dump(template, Dumper=Dumper, sort_keys=False, width=110, allow_unicode=True)


def to_json(document: dict) -> str:
    return json.dumps(document, indent=2) + "\n"


def rendered(config: dict, root: Path = ROOT) -> dict[Path, str]:
    """Every generated file and its content, from config.json, GRANTS and TABLE_DEFINITION."""
    function_lists = {stage: functions(config, stage) for stage in STAGES}
    if len({tuple(v) for v in function_lists.values()}) != 1:
        raise SystemExit(f"error: dev and prod must deploy the same functions: {function_lists}")
    files = {resources_path(root): to_yaml(resources_template(function_lists[STAGES[0]]))}
    for stage in STAGES:
        files[merge_path(stage, root)] = to_yaml(merge_template(config, stage))
        for function in function_lists[stage]:
            expected = policy_path(stage, function).name
            configured = stage_config(config, stage)["lambda_functions"][function].get("iam_policy_file")
            if configured != expected:
                raise SystemExit(f"error: stage {stage}: {function}'s iam_policy_file must be {expected!r}")
            files[policy_path(stage, function, root)] = to_json(policy_document(config, stage, function))
    return files


def render(check: bool = False, root: Path = ROOT) -> int:
    stale = []
    for path, text in rendered(load_config(root), root).items():
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path.relative_to(root))
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    verb = "differ from the rendering" if check else "written"
    for path in stale:
        print(f"{verb}: {path}")
    if check and stale:
        print("run `python -m studytracker infra render` and commit the result", file=sys.stderr)
        return 1
    if not stale:
        print("rendered files are current")
    return 0


# -- deploying -------------------------------------------------------------------------------------
def stack_name(stage: str) -> str:
    return f"{APP}-{stage}-resources"


def _describe(cloudformation, name: str) -> dict | None:
    from botocore.exceptions import ClientError

    try:
        return cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise


def wait_for_stack(cloudformation, name: str, sleep: Callable[[float], None] = time.sleep,
                   interval: float = 10, timeout: float = 3600) -> dict:
    """Poll until the stack settles, printing each status change; raise on failure."""
    waited, last = 0.0, None
    while True:
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        status = stack["StackStatus"]
        if status != last:
            print(f"  {name}: {status}", flush=True)
            last = status
        if status.endswith("_COMPLETE") and "ROLLBACK" not in status:
            return stack
        if status.endswith("_FAILED") or ("ROLLBACK" in status and status.endswith("_COMPLETE")):
            raise SystemExit(f"error: stack {name} ended in {status}: {stack.get('StackStatusReason', '')} "
                             "(see its events in the CloudFormation console)")
        if waited >= timeout:
            raise SystemExit(f"error: stack {name} still {status} after {timeout:.0f} s")
        sleep(interval)
        waited += interval


def deploy_stack(cloudformation, stage: str, template_body: str, alert_email: str | None,
                 sleep: Callable[[float], None] = time.sleep) -> dict[str, str]:
    """Create or update the stage's resource stack; returns its outputs."""
    from botocore.exceptions import ClientError

    name = stack_name(stage)
    existing = _describe(cloudformation, name)
    if existing is not None and existing["StackStatus"] == "ROLLBACK_COMPLETE":
        raise SystemExit(f"error: stack {name} failed its first creation (ROLLBACK_COMPLETE): delete it and run again")
    values = {"Stage": stage, **STAGE_PARAMETERS[stage]}
    if alert_email:
        values["AlertEmail"] = alert_email
    elif existing is None:
        raise SystemExit("error: the first deploy needs --alert-email (who gets alarms and budget mails)")
    parameters = [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]
    kept = {p["ParameterKey"] for p in existing.get("Parameters", [])} if existing else set()
    parameters += [{"ParameterKey": k, "UsePreviousValue": True}
                   for k in ("AlertEmail", "SignInCallbackUrl") if k not in values and k in kept]
    tags = [{"Key": "project", "Value": APP}, {"Key": "stage", "Value": stage}]
    if existing is None:
        print(f"creating stack {name} ...", flush=True)
        cloudformation.create_stack(StackName=name, TemplateBody=template_body, Parameters=parameters, Tags=tags,
                                    EnableTerminationProtection=stage == "prod", OnFailure="ROLLBACK")
    else:
        print(f"updating stack {name} ...", flush=True)
        try:
            cloudformation.update_stack(StackName=name, TemplateBody=template_body, Parameters=parameters, Tags=tags)
        except ClientError as error:
            if "No updates are to be performed" not in str(error):
                raise
            print(f"  {name}: already current")
            return stack_outputs(existing)
    return stack_outputs(wait_for_stack(cloudformation, name, sleep=sleep))


def stack_outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def write_stage_outputs(stage: str, outputs_: dict[str, str], root: Path = ROOT) -> list[str]:
    """Put the stack's outputs into the stage's environment in config.json; returns what changed."""
    config = load_config(root)
    env = stage_config(config, stage).setdefault("environment_variables", {})
    changed = []
    for output, variable in OUTPUT_ENV.items():
        if output not in outputs_:
            raise SystemExit(f"error: the stack has no output {output}: is it older than infra/resources.yaml?")
        if env.get(variable) != outputs_[output]:
            env[variable] = outputs_[output]
            changed.append(variable)
    config_path(root).write_text(to_json(config))
    return changed


def deploy(stage: str, alert_email: str | None, cloudformation=None, root: Path = ROOT,
           sleep: Callable[[float], None] = time.sleep) -> int:
    if stage not in STAGES:
        raise SystemExit(f"error: deployable stages are {', '.join(STAGES)}")
    from chalicelib.store import make_client

    cloudformation = cloudformation or make_client("cloudformation")
    outputs_ = deploy_stack(cloudformation, stage, resources_path(root).read_text(), alert_email, sleep=sleep)
    changed = write_stage_outputs(stage, outputs_, root)
    print(f".chalice/config.json: stage {stage}: " + (f"updated {', '.join(changed)}" if changed else "unchanged"))
    render(root=root)
    print(f"next: `chalice deploy --stage {stage}`, then `python -m studytracker infra finish --stage {stage}`")
    return 0


# -- after chalice deploy --------------------------------------------------------------------------
def deployed_resources(stage: str, root: Path = ROOT) -> dict[str, dict]:
    path = root / ".chalice" / "deployed" / f"{stage}.json"
    if not path.exists():
        raise SystemExit(f"error: {path.relative_to(root)} is missing: run `chalice deploy --stage {stage}` first")
    return {r["name"]: r for r in json.loads(path.read_text())["resources"]}


def finish(stage: str, clients: dict | None = None, root: Path = ROOT,
           sleep: Callable[[float], None] = time.sleep) -> int:
    """What chalice deploy cannot set: stream retries + failure queue, API throttling, sign-in callback."""
    from chalicelib.store import make_client

    clients = clients or {name: make_client(name) for name in ("lambda", "apigateway", "cloudformation")}
    resources = deployed_resources(stage, root)
    name = stack_name(stage)
    stack = clients["cloudformation"].describe_stacks(StackName=name)["Stacks"][0]
    queue = stack_outputs(stack)["StreamFailureQueueArn"]
    for function in stream_functions():
        mapping = resources[f"{function}-dynamodb-event-source"]["event_uuid"]
        clients["lambda"].update_event_source_mapping(
            UUID=mapping, **STREAM_SOURCE, DestinationConfig={"OnFailure": {"Destination": queue}})
        print(f"{function}: stream retries {STREAM_SOURCE['MaximumRetryAttempts']}, bisect on error, "
              f"failures to {queue.rsplit(':', 1)[-1]}")
    api = resources["rest_api"]
    clients["apigateway"].update_stage(restApiId=api["rest_api_id"], stageName=API_STAGE, patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(API_THROTTLE["rate"])},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(API_THROTTLE["burst"])}])
    print(f"API stage {API_STAGE}: throttled to {API_THROTTLE['rate']} requests/s, bursts of {API_THROTTLE['burst']}")
    env = stage_config(load_config(root), stage).get("environment_variables", {})
    callback = api["rest_api_url"].rstrip("/") + "/" + env.get("COGNITO_REDIRECT_PATH", "")
    current = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])}
    if current.get("SignInCallbackUrl") == callback:
        print(f"sign-in callback: {callback} (unchanged)")
        return 0
    parameters = [{"ParameterKey": k, "UsePreviousValue": True} for k in current if k != "SignInCallbackUrl"]
    parameters.append({"ParameterKey": "SignInCallbackUrl", "ParameterValue": callback})
    clients["cloudformation"].update_stack(StackName=name, UsePreviousTemplate=True, Parameters=parameters)
    wait_for_stack(clients["cloudformation"], name, sleep=sleep)
    print(f"sign-in callback: {callback}")
    return 0


# -- packaging -------------------------------------------------------------------------------------
def add_bytecode(zip_path: Path) -> int:
    """Compile the package's modules into it: Lambda's code directory is read-only, so without
    .pyc files every cold start compiles every module again. Returns how many .pyc were added."""
    import subprocess
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory(prefix="studytracker-pyc-") as scratch:
        with zipfile.ZipFile(zip_path) as package:
            present = set(package.namelist())
            package.extractall(scratch)
        # unchecked-hash: never compared with the source's mtime, which the zip does not keep reliably;
        # -d: tracebacks name Lambda's code directory, not this scratch directory.
        subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                        "-d", "/var/task", scratch], check=True)
        added = 0
        with zipfile.ZipFile(zip_path, "a", zipfile.ZIP_DEFLATED) as package:
            for path in sorted(Path(scratch).rglob("*.pyc")):
                name = path.relative_to(scratch).as_posix()
                if name not in present:
                    package.write(path, name)
                    added += 1
    return added


def bytecode(zip_path: Path) -> int:
    before = zip_path.stat().st_size
    added = add_bytecode(zip_path)
    print(f"{zip_path}: added {added} .pyc files ({before / 1e6:.2f} MB -> {zip_path.stat().st_size / 1e6:.2f} MB)")
    return 0


def register(commands) -> None:
    infra = commands.add_parser("infra", help="render and deploy the AWS resources Chalice does not create")
    actions = infra.add_subparsers(dest="action", required=True, metavar="ACTION")
    render_cmd = actions.add_parser("render", help="write infra/*.yaml and .chalice/policy-*.json from their sources")
    render_cmd.add_argument("--check", action="store_true", help="only report files that differ; exit 1 if any")
    render_cmd.set_defaults(run=lambda args: render(check=args.check))
    deploy_cmd = actions.add_parser("deploy", help="create or update the stage's resource stack, then write "
                                                   "its outputs into .chalice/config.json")
    deploy_cmd.add_argument("--stage", required=True, choices=STAGES)
    deploy_cmd.add_argument("--alert-email", help="who gets alarm and budget e-mails (needed on first deploy)")
    deploy_cmd.set_defaults(run=lambda args: deploy(args.stage, args.alert_email))
    finish_cmd = actions.add_parser("finish", help="after `chalice deploy`: stream retries, API throttling, "
                                                   "sign-in callback URL")
    finish_cmd.add_argument("--stage", required=True, choices=STAGES)
    finish_cmd.set_defaults(run=lambda args: finish(args.stage))
    bytecode_cmd = actions.add_parser("bytecode", help="add compiled bytecode to a chalice package's deployment.zip")
    bytecode_cmd.add_argument("zip", type=Path)
    bytecode_cmd.set_defaults(run=lambda args: bytecode(args.zip))
