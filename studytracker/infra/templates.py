"""The CloudFormation templates: ``infra/resources.yaml`` (the table from
``chalicelib.keys.TABLE_DEFINITION``, the backup bucket, the Cognito user pool, log groups, alarms
and the budget) and the ``sam-merge-<stage>.yaml`` that ``chalice package`` merges in."""

from __future__ import annotations

from typing import Any

from chalicelib import keys

from .config import (
    API_STAGE,
    API_THROTTLE,
    APP,
    BACKUP_PREFIX,
    EXPORT_DAYS,
    EXPORT_PREFIX,
    OUTPUT_ENV,
    STAGE_PARAMETERS,
    STAGES,
    STREAM_SOURCE,
    camel,
    cfn_name,
    function_name,
    functions,
    stream_functions,
    xray_enabled,
)
from .grants import cfn_policy_document

API_FUNCTIONS = ("api_handler", "authorizer")  # the functions a request runs: their failures are 5xx answers


def sub(text: str) -> dict:
    return {"Fn::Sub": text}


def ref(name: str) -> dict:
    return {"Ref": name}


def table_properties(definition: dict = keys.TABLE_DEFINITION) -> dict:
    """CloudFormation properties of the ONE table definition (the CreateTable request of the tests)."""
    known = {
        "AttributeDefinitions",
        "KeySchema",
        "LocalSecondaryIndexes",
        "GlobalSecondaryIndexes",
        "BillingMode",
        "StreamSpecification",
    }
    unknown = set(definition) - known
    if unknown:
        raise ValueError(f"TABLE_DEFINITION has keys infra cannot render yet: {sorted(unknown)}")
    if definition.get("BillingMode") != "PAY_PER_REQUEST":
        raise ValueError("infra renders on-demand tables only (see docs/deployment.md)")
    properties: dict = {"TableName": sub(APP + "-${Stage}")}
    for name in ("AttributeDefinitions", "KeySchema", "LocalSecondaryIndexes", "GlobalSecondaryIndexes", "BillingMode"):
        if name in definition:
            properties[name] = definition[name]
    stream = definition.get("StreamSpecification", {})
    if not stream.get("StreamEnabled"):
        raise ValueError("the projection needs the table's stream: StreamSpecification.StreamEnabled")
    properties["StreamSpecification"] = {"StreamViewType": stream["StreamViewType"]}
    properties.update(
        {
            # Idempotency records (and anything else with keys.EXPIRES_AT) expire: CreateTable cannot say so.
            "TimeToLiveSpecification": keys.TIME_TO_LIVE,
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
            "DeletionProtectionEnabled": True,
            "Tags": [{"Key": "project", "Value": APP}, {"Key": "stage", "Value": ref("Stage")}],
        }
    )
    return properties


def _alarm(
    description: str,
    namespace: str,
    metric: str,
    dimensions: dict,
    threshold: float,
    *,
    statistic: str = "Sum",
    period: int = 300,
    evaluation_periods: int = 1,
    comparison: str = "GreaterThanOrEqualToThreshold",
) -> dict:
    properties: dict = {
        "AlarmDescription": description,
        "Namespace": namespace,
        "MetricName": metric,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
        "Period": period,
        "EvaluationPeriods": evaluation_periods,
        "Threshold": threshold,
        "ComparisonOperator": comparison,
        "TreatMissingData": "notBreaching",
        "AlarmActions": [ref("AlertTopic")],
        "OKActions": [ref("AlertTopic")],
    }
    if statistic.startswith("p"):
        properties["ExtendedStatistic"] = statistic
    else:
        properties["Statistic"] = statistic
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": properties}


def _function_name_sub(function: str) -> dict:
    return sub(f"{APP}-${{Stage}}" if function == "api_handler" else f"{APP}-${{Stage}}-{function}")


def resources_template(function_list: list[str], *, stages: tuple[str, ...] = STAGES) -> dict:
    """The resource stack. The app's URL reaches the Cognito client as the SignInCallbackUrl parameter,
    after the API exists, even when the API is in the same template (the SAM merge): a reference to the
    API there closes a cycle (client -> API -> API function -> client id), and CloudFormation refuses a
    template with a cycle. aws-sam-translator's expansion showed it; cfn-lint on the SAM form did not."""
    callback_url = ref("SignInCallbackUrl")

    def when(value: Any) -> dict:
        return {"Fn::If": ["HasSignInCallback", value, ref("AWS::NoValue")]}

    parameters: dict = {
        "Stage": {
            "Type": "String",
            "AllowedValues": list(stages),
            "Description": "The Chalice stage these resources serve.",
        },
        "AlertEmail": {
            "Type": "String",
            "AllowedPattern": r"[^@\s]+@[^@\s]+\.[^@\s]+",
            "Description": "Who receives alarm and budget e-mails (confirm the SNS subscription).",
        },
        "MonthlyBudgetUsd": {
            "Type": "Number",
            "Default": 10,
            "MinValue": 1,
            "Description": "Monthly cost budget in USD; e-mails at 80% actual and 100% forecast.",
        },
        "DeletedBackupDays": {
            "Type": "Number",
            "Default": 7,
            "MinValue": 1,
            "Description": "Days a backup deleted by retention stays recoverable (old version).",
        },
        "LogRetentionDays": {
            "Type": "Number",
            "Default": "30",
            "AllowedValues": ["1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365"],
        },
    }
    parameters["SignInCallbackUrl"] = {
        "Type": "String",
        "Default": "",
        "Description": "The app's URL (set by `infra finish` after chalice deploy, or by a second "
        "`aws cloudformation deploy` of the SAM stack); empty: no hosted UI sign-in yet.",
    }
    resources: dict = {
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": table_properties(),
        },
        "BackupBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketName": sub(APP + "-${Stage}-backups-${AWS::AccountId}-${AWS::Region}"),
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                # The backup's own retention (STUDYTRACKER_BACKUP_KEEP_DAYS) deletes whole backups, newest
                # kept; versioning turns those deletes into old versions, which expire here.
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "expire-deleted-backups",
                            "Status": "Enabled",
                            "Prefix": BACKUP_PREFIX + "/",
                            "NoncurrentVersionExpiration": {"NoncurrentDays": ref("DeletedBackupDays")},
                            "ExpiredObjectDeleteMarker": True,
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                        },
                        # A large export's file (chalicelib/download_links.py): gone a day later, its old
                        # version (versioning keeps one) a day after that; the expiration also removes the
                        # delete marker left when no version remains.
                        {
                            "Id": "expire-exports",
                            "Status": "Enabled",
                            "Prefix": EXPORT_PREFIX + "/",
                            "ExpirationInDays": EXPORT_DAYS,
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                        },
                    ]
                },
                "Tags": [{"Key": "project", "Value": APP}, {"Key": "stage", "Value": ref("Stage")}],
            },
        },
        "BackupBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": ref("BackupBucket"),
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [{"Fn::GetAtt": ["BackupBucket", "Arn"]}, sub("${BackupBucket.Arn}/*")],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        },
        "UserPool": {
            "Type": "AWS::Cognito::UserPool",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "UserPoolName": sub(APP + "-${Stage}"),
                "UsernameAttributes": ["email"],
                "AutoVerifiedAttributes": ["email"],
                "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
                "Policies": {
                    "PasswordPolicy": {
                        "MinimumLength": 12,
                        "RequireLowercase": True,
                        "RequireUppercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": False,
                    }
                },
                "MfaConfiguration": "OPTIONAL",
                "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
                "DeletionProtection": "ACTIVE",
                # Lite: the classic hosted UI, PKCE and TOTP need nothing more; Essentials costs 2.7x per MAU.
                "UserPoolTier": "LITE",
                "UserPoolTags": {"project": APP, "stage": ref("Stage")},
            },
        },
        "UserPoolClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "ClientName": sub(APP + "-${Stage}-web"),
                "UserPoolId": ref("UserPool"),
                # A browser app: no secret it could keep; the hosted UI's authorization code flow with PKCE.
                "GenerateSecret": False,
                "SupportedIdentityProviders": ["COGNITO"],
                "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
                "AllowedOAuthFlowsUserPoolClient": when(True),
                "AllowedOAuthFlows": when(["code"]),
                "AllowedOAuthScopes": when(["openid", "email"]),
                "CallbackURLs": when([callback_url]),
                "LogoutURLs": when([callback_url]),
                "PreventUserExistenceErrors": "ENABLED",
                "EnableTokenRevocation": True,
                "AccessTokenValidity": 60,
                "IdTokenValidity": 60,
                "RefreshTokenValidity": 30,
                "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
            },
        },
        "UserPoolDomain": {
            "Type": "AWS::Cognito::UserPoolDomain",
            "Properties": {"Domain": sub(APP + "-${Stage}-${AWS::AccountId}"), "UserPoolId": ref("UserPool")},
        },
        "StreamFailureQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": sub(APP + "-${Stage}-stream-failures"),
                "MessageRetentionPeriod": 1209600,
                "SqsManagedSseEnabled": True,
            },
        },
        "AlertTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": sub(APP + "-${Stage}-alerts"),
                "KmsMasterKeyId": "alias/aws/sns",
                "Subscription": [{"Protocol": "email", "Endpoint": ref("AlertEmail")}],
            },
        },
        "Budget": {
            "Type": "AWS::Budgets::Budget",
            "Properties": {
                "Budget": {
                    "BudgetName": sub(APP + "-${Stage}-monthly"),
                    "BudgetType": "COST",
                    "TimeUnit": "MONTHLY",
                    "BudgetLimit": {"Amount": ref("MonthlyBudgetUsd"), "Unit": "USD"},
                },
                "NotificationsWithSubscribers": [
                    {
                        "Notification": {
                            "NotificationType": kind,
                            "ComparisonOperator": "GREATER_THAN",
                            "Threshold": threshold,
                            "ThresholdType": "PERCENTAGE",
                        },
                        "Subscribers": [{"SubscriptionType": "EMAIL", "Address": ref("AlertEmail")}],
                    }
                    for kind, threshold in (("ACTUAL", 80), ("FORECASTED", 100))
                ],
            },
        },
    }
    for function in function_list:
        name = _function_name_sub(function)
        resources[cfn_name(function) + "Logs"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": sub(f"/aws/lambda/{name['Fn::Sub']}"),
                "RetentionInDays": ref("LogRetentionDays"),
            },
        }
        if function in API_FUNCTIONS:
            continue  # what goes wrong in them reaches learners as a 5xx: Api5xxAlarm pages for it
        if function in stream_functions():
            # Its errors and throttles hold the shard (a batch retries until it succeeds or expires):
            # IteratorAgeAlarm pages when that lasts, StreamFailuresAlarm when a batch gives up. A
            # transient error that a retry absorbs needs nobody.
            continue
        resources[cfn_name(function) + "ErrorsAlarm"] = _alarm(
            f"{function} raised errors", "AWS/Lambda", "Errors", {"FunctionName": name}, 1
        )
        resources[cfn_name(function) + "ThrottlesAlarm"] = _alarm(
            f"{function} was throttled", "AWS/Lambda", "Throttles", {"FunctionName": name}, 1
        )
    for function in stream_functions():
        resources[cfn_name(function) + "IteratorAgeAlarm"] = _alarm(
            f"{function} lags behind the table's stream by more than 5 minutes (statistics are stale)",
            "AWS/Lambda",
            "IteratorAge",
            {"FunctionName": _function_name_sub(function)},
            300000,
            statistic="Maximum",
            evaluation_periods=3,
            comparison="GreaterThanThreshold",
        )
    api = {"ApiName": APP, "Stage": API_STAGE}
    resources["Api5xxAlarm"] = _alarm(
        "the API answered 5xx (bad input never should): a bug, an outage, or api_handler or the authorizer "
        "failing, timing out or throttled",
        "AWS/ApiGateway",
        "5XXError",
        api,
        1,
    )
    resources["ApiLatencyAlarm"] = _alarm(
        "the API's p99 latency stayed above 2 s for 15 minutes",
        "AWS/ApiGateway",
        "Latency",
        api,
        2000,
        statistic="p99",
        evaluation_periods=3,
        comparison="GreaterThanThreshold",
    )
    resources["StreamFailuresAlarm"] = _alarm(
        "stream batches exhausted their retries: rebuild the statistics of the days they touched",
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": {"Fn::GetAtt": ["StreamFailureQueue", "QueueName"]}},
        1,
        statistic="Maximum",
    )
    resources.update(saved_queries())
    resources["TraceSampling"] = trace_sampling_rule()
    template: dict = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "StudyTracker resources that Chalice does not create (rendered by "
        "`python -m studytracker infra render`: do not edit)",
        "Parameters": parameters,
    }
    template["Conditions"] = {"HasSignInCallback": {"Fn::Not": [{"Fn::Equals": [ref("SignInCallbackUrl"), ""]}]}}
    template["Resources"] = resources
    template["Outputs"] = outputs()
    return template


# Per-route figures come from the log lines (chalicelib/observability.py), not from custom metrics:
# a saved query costs nothing until it runs, and then $0.005 per GB it scans. Each names the
# function whose log group it reads.
QUERIES = {
    "latency-by-route": (
        "api_handler",
        'fields route, latency_ms | filter message = "request" '
        "| stats count() as requests, pct(latency_ms, 50) as p50, pct(latency_ms, 95) as p95, "
        "pct(latency_ms, 99) as p99 by route | sort p99 desc",
    ),
    "errors-by-route": (
        "api_handler",
        'fields status, route, error_code | filter message = "request" and status >= 400 '
        "| stats count() as answers by status, route, error_code | sort answers desc",
    ),
    "slowest-requests": (
        "api_handler",
        'fields @timestamp, route, status, latency_ms, request_id | filter message = "request" '
        "| sort latency_ms desc | limit 50",
    ),
    "cold-starts": (
        "api_handler",
        'filter @type = "REPORT" and ispresent(@initDuration) '
        "| stats count() as cold_starts, avg(@initDuration) as init_ms_mean, max(@initDuration) as init_ms_max "
        "by bin(1h)",
    ),
    "stream-batches": (
        "on_table_change",
        'fields @timestamp, records_processed, records_parked | filter message = "stream batch" '
        "| stats sum(records_processed) as processed, sum(records_parked) as parked by bin(1h)",
    ),
    "backups": (
        "backup_table",
        'fields @timestamp, items, bytes | filter message = "backup exported" | sort @timestamp desc | limit 60',
    ),
}


def saved_queries() -> dict:
    """CloudWatch Logs Insights queries, saved under ``studytracker-<stage>/`` in the console."""
    return {
        "Query" + "".join(word.title() for word in name.split("-")): {
            "Type": "AWS::Logs::QueryDefinition",
            "DependsOn": [cfn_name(function) + "Logs"],
            "Properties": {
                "Name": sub(f"{APP}-${{Stage}}/{name}"),
                "QueryString": query,
                "LogGroupNames": [sub(f"/aws/lambda/{_function_name_sub(function)['Fn::Sub']}")],
            },
        }
        for name, (function, query) in QUERIES.items()
    }


# Head sampling at API Gateway (its stage traces when the stage's api_handler does, see
# merge_template); Lambda follows API Gateway's decision. No per-second reservoir: the default's
# "first request each second" traced nearly every request at this traffic ($1.17 of the prod month).
# Errors are not sampled apart (a head decision is made before the answer is known): every error is
# in the request lines, and the saved query "errors-by-route" lists them.
TRACE_SAMPLING = {"ReservoirSize": 0, "FixedRate": 0.05}


def trace_sampling_rule() -> dict:
    return {
        "Type": "AWS::XRay::SamplingRule",
        "Properties": {
            "SamplingRule": {
                "RuleName": sub(f"{APP}-${{Stage}}"),
                "Priority": 100,
                "Version": 1,
                "ServiceName": f"{APP}/{API_STAGE}",
                "ServiceType": "AWS::ApiGateway::Stage",
                "Host": "*",
                "HTTPMethod": "*",
                "URLPath": "*",
                "ResourceARN": "*",
                **TRACE_SAMPLING,
            }
        },
    }


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
    template = resources_template(function_list, stages=(stage,))
    template["Parameters"]["Stage"]["Default"] = stage
    template["Parameters"].update(
        {k: {**template["Parameters"][k], "Default": v} for k, v in STAGE_PARAMETERS[stage].items()}
    )
    template["Description"] = (
        f"StudyTracker {stage}: merged into `chalice package --stage {stage}` output "
        "(rendered by `python -m studytracker infra render`: do not edit)"
    )
    out = outputs()
    env = {variable: out[output]["Value"] for output, variable in OUTPUT_ENV.items()}
    resources = template["Resources"]
    for function in function_list:
        resources[cfn_name(function)] = {
            "DependsOn": [cfn_name(function) + "Logs"],
            "Properties": {"FunctionName": function_name(stage, function), "Environment": {"Variables": env}},
        }
        resources[camel(function) + "Role"] = {
            "Properties": {
                "Policies": [
                    {
                        "PolicyName": camel(function) + "RolePolicy",
                        "PolicyDocument": cfn_policy_document(config, stage, function),
                    }
                ]
            }
        }
    for function in stream_functions():
        source = {
            "Stream": {"Fn::GetAtt": ["Table", "StreamArn"]},
            **STREAM_SOURCE,
            "DestinationConfig": {
                "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}}
            },
        }
        resources[cfn_name(function)]["Properties"]["Events"] = {
            cfn_name(function) + "DynamodbEventSource": {"Properties": source}
        }
    resources["RestAPI"] = {
        "Properties": {
            # Chalice traces the functions but not the API stage; the sampling rule applies at the stage.
            "TracingEnabled": xray_enabled(config, stage, "api_handler"),
            "MethodSettings": [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": API_THROTTLE["rate"],
                    "ThrottlingBurstLimit": API_THROTTLE["burst"],
                }
            ],
        }
    }
    return template
