"""Least privilege, proven: each Lambda function's policy grants every AWS call the tests saw that
function make, and grants nothing they never saw a need for.

tests/iam_recorder.py records the calls of the whole run (every test that goes through a Chalice
entry point). This module adds the flows no other test runs through a Lambda entry point (the
stream's event source, the schedule, API tokens in the authorizer), checks the recorder and the
evaluator can fail, and ends the run with the audit (``iam_audit`` tests run last).
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from iam_recorder import CURRENT, allows, needs_of

from studytracker import ddblocal, infra, streams

CONFIG = infra.load_config()
# Values as `infra deploy` would write them, different from the committed placeholders.
DEPLOYED = {"partition": "aws", "region": "eu-west-1", "account": "123456789012"}


def stage_values(stage: str) -> dict[str, str]:
    return infra.stage_values(CONFIG, stage)


def concrete(template: str, stage: str, function: str) -> str:
    return template.format(**stage_values(stage), function_name=infra.function_name(stage, function))


def policy(stage: str, function: str) -> dict:
    return json.loads(infra.policy_path(stage, function).read_text())


def _platform_statement(statement: dict) -> str | None:
    for name, grant in infra.PLATFORM.items():
        if set(statement["Action"]) == set(grant.actions):
            return name
    return None


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def missing_grants(needs, stage: str) -> list[str]:
    problems = []
    for (function, action, template), test in sorted(needs.items()):
        if not infra.policy_path(stage, function).exists():
            problems.append(f"{function} has no policy file for stage {stage} (seen calling {action} in {test})")
            continue
        arn = concrete(template, stage, function) if template != "UNMAPPED" else template
        if not allows(policy(stage, function), action, arn):
            problems.append(f"{stage} {function}: {action} on {arn} is not granted (called in {test})")
    return problems


def unneeded_grants(needs, stage: str) -> list[str]:
    seen: dict[str, list[tuple[str, str]]] = {}
    for function, action, template in needs:
        if template != "UNMAPPED":
            seen.setdefault(function, []).append((action, concrete(template, stage, function)))
    problems = []
    for function in infra.functions(CONFIG, stage):
        needed_platform = infra.platform_needs(CONFIG, stage, function)
        for statement in policy(stage, function)["Statement"]:
            platform = _platform_statement(statement)
            if platform is not None:
                if platform not in needed_platform:
                    problems.append(f"{stage} {function}: the platform grant {platform!r} is not needed")
                continue
            for action in _as_list(statement["Action"]):
                for resource in _as_list(statement["Resource"]):
                    single = {"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
                    if not any(allows(single, a, r) for a, r in seen.get(function, [])):
                        problems.append(f"{stage} {function}: {action} on {resource} was never needed by a test")
    return problems


# -- the recorder and the evaluator can tell ---------------------------------------------------------
def test_policy_evaluation_matches_actions_case_insensitively_and_resources_exactly():
    document = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem"],
                "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/t/index/*",
            }
        ]
    }
    assert allows(document, "DynamoDB:getitem", "arn:aws:dynamodb:eu-west-1:123456789012:table/t/index/LSI1")
    assert not allows(document, "dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/t")
    assert not allows(document, "dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/t/index/LSI1")
    assert not allows(document, "dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/T/index/LSI1")
    denied = {"Statement": document["Statement"] + [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    assert not allows(denied, "dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/t/index/LSI1")


def test_a_transaction_needs_the_item_action_of_each_of_its_operations(monkeypatch):
    monkeypatch.setenv("STUDYTRACKER_TABLE", "app")
    needs = needs_of(
        "dynamodb",
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": "app"}},
                {"ConditionCheck": {"TableName": "app"}},
                {"Delete": {"TableName": "other"}},
            ]
        },
        {},
    )
    assert needs == [
        ("dynamodb:PutItem", "arn:{partition}:dynamodb:{region}:{account}:table/{table}"),
        ("dynamodb:ConditionCheckItem", "arn:{partition}:dynamodb:{region}:{account}:table/{table}"),
        ("dynamodb:DeleteItem", "arn:{partition}:dynamodb:{region}:{account}:table/other"),
    ]


def test_an_operation_the_recorder_cannot_map_is_reported_not_guessed():
    assert needs_of("kms", "Decrypt", {"CiphertextBlob": b"x"}, {}) == [("kms:Decrypt", "UNMAPPED")]
    assert missing_grants({("api_handler", "kms:Decrypt", "UNMAPPED"): "t"}, "prod") == [
        "prod api_handler: kms:Decrypt on UNMAPPED is not granted (called in t)"
    ]


def test_the_audit_finds_a_call_the_policy_lacks_and_a_grant_no_call_needs(monkeypatch):
    table = "arn:{partition}:dynamodb:{region}:{account}:table/{table}"
    assert missing_grants({("authorizer", "dynamodb:GetItem", table): "t"}, "prod") == []
    assert missing_grants({("authorizer", "dynamodb:Scan", table): "t"}, "prod") == [
        f"prod authorizer: dynamodb:Scan on {concrete(table, 'prod', 'authorizer')} is not granted (called in t)"
    ]
    index = table + "/index/OTHER"
    assert missing_grants({("api_handler", "dynamodb:Query", index): "t"}, "prod")
    both = {("authorizer", "dynamodb:GetItem", table): "t", ("authorizer", "dynamodb:UpdateItem", table): "t"}
    assert not [p for p in unneeded_grants(both, "prod") if "authorizer" in p]
    unneeded = unneeded_grants({("authorizer", "dynamodb:GetItem", table): "t"}, "prod")
    assert [p for p in unneeded if "authorizer" in p] == [
        f"prod authorizer: dynamodb:UpdateItem on {concrete(table, 'prod', 'authorizer')} was never needed by a test"
    ]
    assert (
        f"prod api_handler: dynamodb:GetItem on {concrete(table, 'prod', 'api_handler')} was never needed by a test"
        in unneeded
    )


def test_calls_are_attributed_to_the_function_running_and_to_the_threads_it_starts(api, iam_recorder):
    import threading

    from chalicelib.runtime import store

    recorder = iam_recorder.recorder
    with recorder.isolated(), recorder.watching() as calls:
        status, _ = api.get("/v1/me")
        assert status == 200
        store().get({"PK": "USER#nobody", "SK": "PROFILE"})  # outside any function: test setup, not recorded
    assert calls == [("api_handler", "dynamodb:GetItem", "arn:{partition}:dynamodb:{region}:{account}:table/{table}")]
    seen, threads = [], []
    with recorder.isolated(), recorder.watching() as calls, recorder.acting_as("backup_table"):
        threads.append(
            threading.Thread(target=lambda: (seen.append(CURRENT.get()), store().get({"PK": "x", "SK": "y"})))
        )
        threads[0].start()
        threads[0].join()
    assert seen == ["backup_table"] and [c[:2] for c in calls] == [("backup_table", "dynamodb:GetItem")]


# -- the flows no other test runs through a Lambda entry point -----------------------------------------
def test_api_token_requests_are_authorized_by_the_authorizer_reading_the_table(api, client, iam_recorder):
    status, created = api.post("/v1/tokens", {"name": "phone"})
    assert status == 201, created
    with iam_recorder.recorder.watching() as calls:
        response = client.http.get("/v1/me", headers={"Authorization": f"Bearer {created['secret']}"})
    assert response.status_code == 200
    assert ("authorizer", "dynamodb:GetItem") in {(function, action) for function, action, _ in calls}


@pytest.mark.stream
def test_stream_records_reach_the_projection_through_its_event_source(dynamodb, table, api, client, iam_recorder):
    status, subject = api.post("/v1/subjects", {"name": "English", "color": "#4f46e5"})
    assert status == 201
    status, _ = api.post(
        "/v1/sessions",
        {"subject_id": subject["id"], "started_at": "2026-11-02T09:00:00Z", "ended_at": "2026-11-02T10:30:00Z"},
    )
    assert status == 201
    streams_client = ddblocal.client(int(re.search(r":(\d+)$", dynamodb.meta.endpoint_url).group(1)), "dynamodbstreams")
    # The event source mapping polls the stream with the function's role: read it as the mapping would.
    reader = streams.StreamReader(dynamodb, streams_client, table)  # the mapping knows its stream ARN
    with iam_recorder.recorder.watching() as calls:
        with iam_recorder.recorder.acting_as("on_table_change"):
            records = reader.read()
        assert records
        streams.invoke(client, records, reader.stream_arn)
    status, days = api.get("/v1/stats/days?from=2026-11-02&to=2026-11-02")
    assert status == 200 and days["days"][0]["total_seconds"] == 5400, days
    actions = {action for function, action, _ in calls if function == "on_table_change"}
    assert {"dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"} <= actions
    assert actions - {"dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"}


@pytest.fixture
def s3_bucket(monkeypatch):
    """An S3 bucket in moto (S3 only: requests to DynamoDB Local on 127.0.0.1 pass through, with the
    credentials that name its tables)."""
    import moto

    with moto.mock_aws(
        config={"core": {"mock_credentials": False, "passthrough": {"urls": [r"http://127\.0\.0\.1:\d+/.*"]}}}
    ):
        import boto3

        name = "studytracker-test-backups"
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=name)
        monkeypatch.setenv("STUDYTRACKER_BACKUP_BUCKET", name)
        monkeypatch.setenv("STUDYTRACKER_BACKUP_KEEP_DAYS", "30")
        yield name


def test_the_daily_backup_exports_to_s3_and_prunes_old_backups_under_its_role(
    api, client, table, s3_bucket, iam_recorder
):
    import boto3

    from chalicelib import backup
    from chalicelib.backup import dump
    from chalicelib.runtime import store

    status, _ = api.post("/v1/subjects", {"name": "Physics", "color": "#4f46e5"})
    assert status == 201
    old_id = dump.new_backup_id(datetime.now(UTC) - timedelta(days=45))
    dump.export_table(store().client, table, backup.destination_from_env(table), backup_id=old_id)
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])
    with iam_recorder.recorder.watching() as calls:
        result = client.lambda_.invoke("backup_table", event).payload
    assert result["items"] >= 2 and result["deleted"], result
    s3 = boto3.client("s3", region_name="us-east-1")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket).get("Contents", [])]
    assert keys and all(k.startswith(f"{infra.BACKUP_PREFIX}/{table}/") for k in keys)
    assert not [k for k in keys if old_id in k]
    manifest = [k for k in keys if k.endswith("manifest.json")]
    assert json.loads(s3.get_object(Bucket=s3_bucket, Key=manifest[0])["Body"].read())["item_count"] >= 2
    part = [k for k in keys if not k.endswith("manifest.json")][0]
    assert gzip.decompress(s3.get_object(Bucket=s3_bucket, Key=part)["Body"].read())
    recorded = {(f, a) for f, a, _ in calls}
    assert {
        ("backup_table", "dynamodb:Scan"),
        ("backup_table", "s3:PutObject"),
        ("backup_table", "s3:DeleteObject"),
        ("backup_table", "s3:ListBucket"),
    } <= recorded


# -- the audit: after every other test ---------------------------------------------------------------
@pytest.mark.iam_audit
@pytest.mark.parametrize("stage", infra.STAGES)
def test_every_call_a_function_made_is_granted_by_its_policy(stage, iam_recorder):
    needs = iam_recorder.recorder.needs
    assert {function for function, _, _ in needs} <= set(infra.functions(CONFIG, stage)), (
        "a function the tests ran has no entry in the stage's lambda_functions (.chalice/config.json)"
    )
    problems = missing_grants(needs, stage)
    assert not problems, (
        "add these to GRANTS in studytracker/infra/grants.py, then `python -m studytracker infra render`:\n"
        + "\n".join(problems)
    )


@pytest.mark.iam_audit
@pytest.mark.parametrize("stage", infra.STAGES)
def test_every_grant_was_needed_by_a_call_the_tests_saw(stage, iam_recorder):
    if not iam_recorder.whole_suite:
        pytest.skip("only a run of the whole suite can show a grant is unneeded (this run selected tests)")
    if iam_recorder.failed:
        pytest.skip(
            f"{len(iam_recorder.failed)} tests failed before the audit, so their calls may be missing: "
            + ", ".join(iam_recorder.failed[:5])
        )
    problems = unneeded_grants(iam_recorder.recorder.needs, stage)
    assert not problems, (
        "remove these from GRANTS in studytracker/infra/grants.py (or test the code path that needs "
        "them through its Lambda entry point):\n" + "\n".join(problems)
    )
