"""`python -m studytracker infra deploy|finish` against stubbed AWS clients (botocore Stubber).

What is checked is the requests each command sends and what it writes: the resource stack is
created or updated with the rendered template, its outputs land in the stage of config.json and
in re-rendered policies, and `finish` applies what chalice deploy cannot.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from studytracker import __main__ as cli
from studytracker import infra

UUID = "6d5f0b3a-2c1e-4f7a-9b8c-0123456789ab"
OUTPUTS = {
    "TableName": "studytracker-prod",
    "StreamArn": "arn:aws:dynamodb:eu-west-1:123456789012:table/studytracker-prod/stream/2026-11-27T00:00:00.000",
    "BackupBucketName": "studytracker-prod-backups-123456789012-eu-west-1",
    "UserPoolId": "eu-west-1_AbCdEf123",
    "UserPoolClientId": "4example5clientid6",
    "HostedUiDomain": "studytracker-prod-123456789012.auth.eu-west-1.amazoncognito.com",
    "AlertTopicArn": "arn:aws:sns:eu-west-1:123456789012:studytracker-prod-alerts",
    "StreamFailureQueueArn": "arn:aws:sqs:eu-west-1:123456789012:studytracker-prod-stream-failures",
}


def _client(service: str):
    return boto3.client(service, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


def _stack(status: str, outputs: dict | None = None, parameters: dict | None = None) -> dict:
    stack = {
        "StackName": infra.stack_name("prod"),
        "StackStatus": status,
        "CreationTime": datetime(2026, 11, 27, tzinfo=UTC),
    }
    if outputs:
        stack["Outputs"] = [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()]
    if parameters is not None:
        stack["Parameters"] = [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]
    return {"Stacks": [stack]}


@pytest.fixture
def project(tmp_path):
    """A copy of the files the commands read and write."""
    (tmp_path / ".chalice").mkdir()
    (tmp_path / "infra").mkdir()
    shutil.copy(infra.config_path(), infra.config_path(tmp_path))
    shutil.copy(infra.resources_path(), infra.resources_path(tmp_path))
    return tmp_path


def test_the_cli_offers_infra_render_deploy_finish_and_bytecode():
    parser = cli.parser()
    for argv in (
        ["infra", "render", "--check"],
        ["infra", "deploy", "--stage", "prod"],
        ["infra", "finish", "--stage", "dev"],
        ["infra", "bytecode", "out/prod/deployment.zip"],
    ):
        assert callable(parser.parse_args(argv).run)
    with pytest.raises(SystemExit):
        parser.parse_args(["infra", "deploy", "--stage", "local"])


def test_first_deploy_creates_the_stack_and_writes_its_outputs_into_the_stage(project, capsys):
    cloudformation = _client("cloudformation")
    stub = Stubber(cloudformation)
    stub.add_client_error(
        "describe_stacks",
        "ValidationError",
        "Stack with id studytracker-prod-resources does not exist",
        expected_params={"StackName": "studytracker-prod-resources"},
    )
    stub.add_response(
        "create_stack",
        {"StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/x/1"},
        {
            "StackName": "studytracker-prod-resources",
            "TemplateBody": infra.resources_path().read_text(),
            "Parameters": [
                {"ParameterKey": "Stage", "ParameterValue": "prod"},
                {"ParameterKey": "LogRetentionDays", "ParameterValue": "90"},
                {"ParameterKey": "MonthlyBudgetUsd", "ParameterValue": "10"},
                {"ParameterKey": "AlertEmail", "ParameterValue": "ops@example.com"},
            ],
            "Tags": [{"Key": "project", "Value": "studytracker"}, {"Key": "stage", "Value": "prod"}],
            "EnableTerminationProtection": True,
            "OnFailure": "ROLLBACK",
        },
    )
    stub.add_response("describe_stacks", _stack("CREATE_IN_PROGRESS"), {"StackName": "studytracker-prod-resources"})
    stub.add_response(
        "describe_stacks", _stack("CREATE_COMPLETE", OUTPUTS), {"StackName": "studytracker-prod-resources"}
    )
    sleeps = []
    with stub:
        assert (
            infra.deploy("prod", "ops@example.com", cloudformation=cloudformation, root=project, sleep=sleeps.append)
            == 0
        )
    stub.assert_no_pending_responses()
    assert sleeps == [10]
    env = infra.load_config(project)["stages"]["prod"]["environment_variables"]
    assert {variable: env[variable] for variable in infra.OUTPUT_ENV.values()} == {
        variable: OUTPUTS[output] for output, variable in infra.OUTPUT_ENV.items()
    }
    api = json.loads(infra.policy_path("prod", "api_handler", project).read_text())
    assert api["Statement"][0]["Resource"] == "arn:aws:dynamodb:eu-west-1:123456789012:table/studytracker-prod"
    backup = json.loads(infra.policy_path("prod", "backup_table", project).read_text())
    assert "arn:aws:s3:::studytracker-prod-backups-123456789012-eu-west-1/backups/*" in json.dumps(backup)
    assert infra.load_config(project)["stages"]["dev"] == infra.load_config()["stages"]["dev"]
    assert "chalice deploy --stage prod" in capsys.readouterr().out


def test_a_second_deploy_without_changes_keeps_the_stack_and_the_alert_email(project, capsys):
    cloudformation = _client("cloudformation")
    stub = Stubber(cloudformation)
    existing = _stack(
        "UPDATE_COMPLETE",
        OUTPUTS,
        {"Stage": "prod", "AlertEmail": "ops@example.com", "SignInCallbackUrl": "https://x.example/api/"},
    )
    stub.add_response("describe_stacks", existing, {"StackName": "studytracker-prod-resources"})
    stub.add_client_error(
        "update_stack",
        "ValidationError",
        "No updates are to be performed.",
        expected_params={
            "StackName": "studytracker-prod-resources",
            "TemplateBody": ANY,
            "Tags": ANY,
            "Parameters": [
                {"ParameterKey": "Stage", "ParameterValue": "prod"},
                {"ParameterKey": "LogRetentionDays", "ParameterValue": "90"},
                {"ParameterKey": "MonthlyBudgetUsd", "ParameterValue": "10"},
                {"ParameterKey": "AlertEmail", "UsePreviousValue": True},
                {"ParameterKey": "SignInCallbackUrl", "UsePreviousValue": True},
            ],
        },
    )
    with stub:
        assert infra.deploy("prod", None, cloudformation=cloudformation, root=project, sleep=lambda s: None) == 0
    assert "already current" in capsys.readouterr().out
    assert (
        infra.load_config(project)["stages"]["prod"]["environment_variables"]["STUDYTRACKER_TABLE"]
        == "studytracker-prod"
    )


def test_a_first_deploy_without_an_alert_email_and_a_failed_stack_stop_with_the_next_step(project):
    cloudformation = _client("cloudformation")
    stub = Stubber(cloudformation)
    stub.add_client_error(
        "describe_stacks", "ValidationError", "Stack with id studytracker-prod-resources does not exist"
    )
    stub.add_response("describe_stacks", _stack("ROLLBACK_COMPLETE"))
    with stub:
        with pytest.raises(SystemExit, match="--alert-email"):
            infra.deploy("prod", None, cloudformation=cloudformation, root=project)
        with pytest.raises(SystemExit, match="delete it and run again"):
            infra.deploy("prod", "ops@example.com", cloudformation=cloudformation, root=project)
    config_before = infra.load_config()["stages"]["prod"]
    assert infra.load_config(project)["stages"]["prod"] == config_before


def test_finish_sets_stream_retries_api_throttling_and_the_sign_in_callback(project, capsys):
    deployed = {
        "resources": [
            {"name": "on_table_change-dynamodb-event-source", "resource_type": "dynamodb_event", "event_uuid": UUID},
            {
                "name": "rest_api",
                "resource_type": "rest_api",
                "rest_api_id": "abc123",
                "rest_api_url": "https://abc123.execute-api.eu-west-1.amazonaws.com/api/",
            },
        ]
    }
    (project / ".chalice" / "deployed").mkdir()
    (project / ".chalice" / "deployed" / "prod.json").write_text(json.dumps(deployed))
    clients = {name: _client(name) for name in ("lambda", "apigateway", "cloudformation")}
    stubs = {name: Stubber(client) for name, client in clients.items()}
    stack = _stack(
        "UPDATE_COMPLETE", OUTPUTS, {"Stage": "prod", "AlertEmail": "ops@example.com", "SignInCallbackUrl": ""}
    )
    stubs["cloudformation"].add_response("describe_stacks", stack, {"StackName": "studytracker-prod-resources"})
    stubs["lambda"].add_response(
        "update_event_source_mapping",
        {"UUID": UUID},
        {
            "UUID": UUID,
            **infra.STREAM_SOURCE,
            "DestinationConfig": {"OnFailure": {"Destination": OUTPUTS["StreamFailureQueueArn"]}},
        },
    )
    stubs["apigateway"].add_response(
        "update_stage",
        {"stageName": "api"},
        {
            "restApiId": "abc123",
            "stageName": "api",
            "patchOperations": [
                {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "50"},
                {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "100"},
            ],
        },
    )
    stubs["cloudformation"].add_response(
        "update_stack",
        {"StackId": "x"},
        {
            "StackName": "studytracker-prod-resources",
            "UsePreviousTemplate": True,
            "Parameters": [
                {"ParameterKey": "Stage", "UsePreviousValue": True},
                {"ParameterKey": "AlertEmail", "UsePreviousValue": True},
                {
                    "ParameterKey": "SignInCallbackUrl",
                    "ParameterValue": "https://abc123.execute-api.eu-west-1.amazonaws.com/api/",
                },
            ],
        },
    )
    stubs["cloudformation"].add_response("describe_stacks", _stack("UPDATE_COMPLETE", OUTPUTS))
    for stub in stubs.values():
        stub.activate()
    assert infra.finish("prod", clients=clients, root=project, sleep=lambda s: None) == 0
    for stub in stubs.values():
        stub.assert_no_pending_responses()
    out = capsys.readouterr().out
    assert "studytracker-prod-stream-failures" in out and "50 requests/s" in out


def test_finish_before_chalice_deploy_says_what_to_run(project):
    with pytest.raises(SystemExit, match="chalice deploy --stage prod"):
        infra.finish("prod", clients={}, root=project)


def test_bytecode_adds_a_pyc_for_every_module_and_keeps_the_sources(tmp_path):
    import zipfile

    package = tmp_path / "deployment.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("app.py", "VALUE = 1\n")
        archive.writestr("chalicelib/__init__.py", "")
        archive.writestr("chalicelib/data.json", "{}")
    assert infra.add_bytecode(package) == 2
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        pyc = archive.read(next(n for n in names if n.startswith("__pycache__/app.")))
    assert {"app.py", "chalicelib/__init__.py", "chalicelib/data.json"} <= names
    assert int.from_bytes(pyc[4:8], "little") == 0b01, "flags: hash-based, unchecked"
    assert infra.add_bytecode(package) == 0
