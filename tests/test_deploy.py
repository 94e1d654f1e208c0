"""`chalice deploy --stage prod` and `chalice package` are ready, checked offline (no AWS, no credentials).

One `chalice package` per template kind per run (a session fixture, in parallel): prod alone (what
chalice deploy makes), prod and dev merged with infra/ (what `make package` ships). Every template
passes cfn-lint with no error and no warning; the rendered files match their sources; the stages
hold what the app reads and nothing local.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from chalicelib import keys
from studytracker import infra

ROOT = infra.ROOT
CONFIG = infra.load_config()
DEPLOYED = {"partition": "aws", "region": "eu-west-1", "account": "123456789012"}
# Read by the app but never set in a deployed stage, each for its reason.
NOT_FOR_DEPLOYED_STAGES = {
    "AWS_REGION": "set by the Lambda runtime",
    "AWS_DEFAULT_REGION": "set by the Lambda runtime",
    "AWS_LAMBDA_FUNCTION_NAME": "set by the Lambda runtime",
    "STUDYTRACKER_LOCAL_KEY_FILE": "local stage only (local sign-in key)",
    "STUDYTRACKER_BACKUP_DIR": "local stage only (backups to a directory)",
}


def _package_env() -> dict[str, str]:
    """No credentials, no local endpoints, nothing of the test process's local stage: only a region."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STUDYTRACKER_", "COGNITO_"))}
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    return env


def _yaml_load(text: str) -> dict:
    class Loader(yaml.SafeLoader):
        pass

    def intrinsic(loader, suffix, node):
        tag = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            return {tag: value.split(".", 1) if suffix == "GetAtt" else value}
        if isinstance(node, yaml.SequenceNode):
            return {tag: loader.construct_sequence(node, deep=True)}
        return {tag: loader.construct_mapping(node, deep=True)}

    Loader.add_multi_constructor("!", intrinsic)
    return yaml.load(text, Loader=Loader)


@pytest.fixture(scope="session")
def packaged(tmp_path_factory) -> dict[str, Path]:
    """chalice package outputs: 'prod' (no merge), 'prod+infra' and 'dev+infra' (merged)."""
    out = tmp_path_factory.mktemp("package")
    runs = {
        "prod": ["--stage", "prod"],
        "prod+infra": ["--stage", "prod", "--merge-template", str(infra.merge_path("prod"))],
        "dev+infra": ["--stage", "dev", "--merge-template", str(infra.merge_path("dev"))],
    }
    chalice = str(Path(sys.executable).with_name("chalice"))

    def start(name: str) -> subprocess.Popen:
        return subprocess.Popen(
            [chalice, "package", *runs[name], str(out / name)],
            cwd=ROOT,
            env=_package_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def finish(name: str, process: subprocess.Popen) -> None:
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, f"chalice package {' '.join(runs[name])} failed:\n{output}"

    # The first run fills chalice's dependency cache (written in place, not atomically); the rest share it.
    finish("prod", start("prod"))
    for name, process in [(name, start(name)) for name in ("prod+infra", "dev+infra")]:
        finish(name, process)
    return {name: next((out / name).glob("sam.*")) for name in runs}


def _template(path: Path) -> dict:
    return json.loads(path.read_text()) if path.suffix == ".json" else _yaml_load(path.read_text())


# -- templates -------------------------------------------------------------------------------------
class NoManagedPolicies:
    """The SAM transform's lookup of managed policies by name (an IAM call): our roles name none."""

    def load(self) -> dict:
        raise AssertionError("a SAM template names a managed policy: its ARN would be looked up in IAM")


@pytest.fixture(scope="session")
def translated(packaged, tmp_path_factory) -> dict[str, Path]:
    """Each packaged SAM template as the CloudFormation that CloudFormation's SAM transform makes of it,
    by aws-sam-translator (the transform's own code), offline: cfn-lint checks SAM resources against
    their schema, not what they expand to."""
    from samtranslator.translator.transform import transform

    out = tmp_path_factory.mktemp("translated")
    paths = {}
    for name, path in packaged.items():
        template = _template(path)
        for resource in template["Resources"].values():  # what `aws cloudformation package` does first
            if resource["Type"] == "AWS::Serverless::Function":
                code = resource["Properties"]["CodeUri"]
                assert not str(code).startswith("s3://"), code
                resource["Properties"]["CodeUri"] = f"s3://artifacts/studytracker/{Path(code).name}"
        template = transform(template, {"AWS::Region": DEPLOYED["region"]}, NoManagedPolicies())
        paths[f"{name} translated"] = out / f"{name.replace('+', '-')}.json"
        paths[f"{name} translated"].write_text(json.dumps(template, indent=1))
    return paths


@pytest.fixture(scope="session")
def linted(packaged, translated) -> dict[str, list[dict]]:
    """cfn-lint's findings per template, from ONE cfn-lint run over all of them (it loads its specs once)."""
    paths = {"infra/resources.yaml": infra.resources_path(), **packaged, **translated}
    lint = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), "--format", "json", "--", *map(str, paths.values())],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert lint.returncode in (0, 2, 4, 6, 8, 10, 12, 14), lint.stderr  # 1 would mean cfn-lint itself failed
    findings = json.loads(lint.stdout or "[]")
    return {
        name: [f for f in findings if Path(f["Filename"]).resolve() == path.resolve()] for name, path in paths.items()
    }


@pytest.mark.parametrize(
    "which",
    [
        "infra/resources.yaml",
        "prod",
        "prod+infra",
        "dev+infra",
        "prod translated",
        "prod+infra translated",
        "dev+infra translated",
    ],
)
def test_every_template_passes_cfn_lint_without_errors_or_warnings(which, linted):
    assert [f"{f['Rule']['Id']} {f['Message']} ({f['Location']['Path']})" for f in linted[which]] == []


@pytest.mark.parametrize("which", ["prod", "prod+infra", "dev+infra"])
def test_the_sam_transform_makes_every_function_with_its_role_and_the_stream_trigger(which, packaged, translated):
    sam = _template(packaged[which])["Resources"]
    cfn = json.loads(translated[f"{which} translated"].read_text())
    assert "Transform" not in cfn
    resources = cfn["Resources"]
    functions = {name for name, r in sam.items() if r["Type"] == "AWS::Serverless::Function"}
    assert functions and all(resources[name]["Type"] == "AWS::Lambda::Function" for name in functions)
    for name in functions:  # the role the template names, never one the transform invents
        assert resources[name]["Properties"]["Role"] == sam[name]["Properties"]["Role"], name
    assert not [n for n, r in resources.items() if r["Type"] == "AWS::IAM::Role" and n not in sam]
    types = {r["Type"] for r in resources.values()}
    assert {"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Deployment", "AWS::Lambda::EventSourceMapping"} <= types


def test_committed_templates_and_policies_are_the_current_rendering():
    for path, text in infra.rendered(CONFIG).items():
        assert path.exists() and path.read_text() == text, (
            f"{path.relative_to(ROOT)} differs: run `python -m studytracker infra render` and commit"
        )


def test_the_stack_creates_the_table_the_dev_runner_and_the_tests_create(dynamodb):
    """The SAME definition: a table created from the template's properties describes like one from keys.py."""
    properties = _template(infra.resources_path())["Resources"]["Table"]["Properties"]
    request = {
        k: properties[k]
        for k in ("AttributeDefinitions", "KeySchema", "LocalSecondaryIndexes", "BillingMode")
        if k in properties
    }
    request["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}

    def shape(name: str, definition: dict) -> dict:
        dynamodb.create_table(TableName=name, **definition)
        table = dynamodb.describe_table(TableName=name)["Table"]
        dynamodb.delete_table(TableName=name)
        return {
            "attributes": sorted(map(str, table["AttributeDefinitions"])),
            "keys": table["KeySchema"],
            "lsi": [(i["IndexName"], i["KeySchema"], i["Projection"]) for i in table.get("LocalSecondaryIndexes", [])],
            "billing": table["BillingModeSummary"]["BillingMode"],
            "stream": table["StreamSpecification"],
        }

    assert shape("from_template", request) == shape("from_keys", keys.TABLE_DEFINITION)
    assert (
        properties["TimeToLiveSpecification"] == keys.TIME_TO_LIVE == {"AttributeName": "expires_at", "Enabled": True}
    )
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True} and properties["DeletionProtectionEnabled"] is True


def test_stateful_resources_survive_stack_deletion_and_the_bucket_is_private_and_tls_only():
    resources = _template(infra.resources_path())["Resources"]
    for name in ("Table", "BackupBucket", "UserPool"):
        assert (resources[name]["DeletionPolicy"], resources[name]["UpdateReplacePolicy"]) == ("Retain", "Retain")
    bucket = resources["BackupBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    statement = resources["BackupBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert (statement["Effect"], statement["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
    client = resources["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False


def test_the_merge_changes_only_resources_chalice_generated(packaged):
    generated = _template(packaged["prod"])["Resources"]
    for name, resource in _template(infra.merge_path("prod"))["Resources"].items():
        if "Type" not in resource:
            assert name in generated, f"the merge template changes {name}, which chalice package does not make"
    merged = _template(packaged["prod+infra"])["Resources"]
    events = merged["OnTableChange"]["Properties"]["Events"]
    assert [e["Type"] for e in events.values()] == ["DynamoDB"], "the stream event source was not merged by name"


def test_the_merged_stream_source_retries_boundedly_and_reports_failures(packaged):
    source = next(
        iter(_template(packaged["prod+infra"])["Resources"]["OnTableChange"]["Properties"]["Events"].values())
    )
    properties = source["Properties"]
    assert {k: properties[k] for k in infra.STREAM_SOURCE} == infra.STREAM_SOURCE
    assert properties["Stream"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert properties["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}


def test_functions_are_named_as_chalice_deploy_names_them_and_log_to_the_retained_groups(packaged):
    resources = _template(packaged["prod+infra"])["Resources"]
    for function in infra.functions(CONFIG, "prod"):
        properties = resources[infra.cfn_name(function)]["Properties"]
        assert properties["FunctionName"] == infra.function_name("prod", function)
        logs = resources[infra.cfn_name(function) + "Logs"]["Properties"]["LogGroupName"]["Fn::Sub"]
        assert logs.replace("${Stage}", "prod") == f"/aws/lambda/{infra.function_name('prod', function)}"
    assert not [n for n in resources if n.endswith("LogGroup")], "chalice's own log groups would duplicate infra's"


def test_the_lambda_runtime_is_the_python_that_runs_chalice(packaged):
    runtimes = {
        r["Properties"]["Runtime"]
        for r in _template(packaged["prod"])["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    }
    assert runtimes == {f"python{sys.version_info.major}.{sys.version_info.minor}"}


def test_make_package_refuses_a_python_other_than_the_stages_runtime():
    """chalice would silently deploy whichever Python runs it: 3.11 is past Lambda's deprecation date."""
    assert infra.runtime_problem(tuple(int(n) for n in infra.LAMBDA_PYTHON.split("."))) is None
    problem = infra.runtime_problem((3, 11))
    assert problem and "python3.11" in problem and f"PYTHON=python{infra.LAMBDA_PYTHON}" in problem
    checked = subprocess.run(
        [sys.executable, "-m", "studytracker", "infra", "runtime"], cwd=ROOT, capture_output=True, text=True
    )
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert checked.returncode == (0 if running == infra.LAMBDA_PYTHON else 1), checked.stderr


def test_prod_traces_the_api_path_sampled_at_its_stage_and_dev_traces_nothing(packaged):
    """Prod traces the functions a request runs, and API Gateway makes the sampling decision (the
    rule's, not Lambda's fixed first-request-each-second); background functions are not traced."""
    expected = {
        "prod+infra": {"api_handler": "Active", "authorizer": "Active", "on_table_change": "PassThrough"},
        "dev+infra": {"api_handler": "PassThrough", "authorizer": "PassThrough", "on_table_change": "PassThrough"},
    }
    for which, functions in expected.items():
        resources = _template(packaged[which])["Resources"]
        tracing = {f: resources[infra.cfn_name(f)]["Properties"]["Tracing"] for f in functions}
        assert tracing == functions, which
        assert resources["RestAPI"]["Properties"]["TracingEnabled"] is (which == "prod+infra")
        rule = resources["TraceSampling"]["Properties"]["SamplingRule"]
        assert (rule["ReservoirSize"], rule["FixedRate"], rule["ServiceType"]) == (0, 0.05, "AWS::ApiGateway::Stage")
        assert rule["ServiceName"] == f"studytracker/{infra.API_STAGE}"


def test_alarms_stay_within_the_ten_free_and_saved_queries_read_the_log_groups_the_stack_creates():
    resources = _template(infra.resources_path())["Resources"]
    alarms = sorted(name for name, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm")
    assert len(alarms) <= 10, alarms
    groups = {
        r["Properties"]["LogGroupName"]["Fn::Sub"] for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"
    }
    queries = {name: r for name, r in resources.items() if r["Type"] == "AWS::Logs::QueryDefinition"}
    assert {"QueryLatencyByRoute", "QueryErrorsByRoute", "QueryStreamBatches", "QueryBackups"} <= set(queries)
    for query in queries.values():
        assert {g["Fn::Sub"] for g in query["Properties"]["LogGroupNames"]} <= groups
    # Nothing the app logs is a custom metric any more, so no alarm may read one.
    assert not [name for name in alarms if resources[name]["Properties"]["Namespace"] == "StudyTracker"]


def test_platform_grants_follow_each_functions_packaged_configuration(packaged):
    """Logs always; X-Ray when traced; stream reading and failure reports for stream functions."""
    for stage in infra.STAGES:
        resources = _template(packaged[f"{stage}+infra"])["Resources"]
        for function in infra.functions(CONFIG, stage):
            properties = resources[infra.cfn_name(function)]["Properties"]
            events = [e for e in properties.get("Events", {}).values() if e["Type"] == "DynamoDB"]
            expected = (
                ["logs"]
                + (["xray"] if properties["Tracing"] == "Active" else [])
                + (["stream", "stream-list"] if events else [])
                + (["on-failure"] if events and events[0]["Properties"].get("DestinationConfig") else [])
            )
            assert infra.platform_needs(CONFIG, stage, function) == expected, (stage, function)


# -- policies --------------------------------------------------------------------------------------
def _resolve(value, refs: dict):
    if isinstance(value, dict) and len(value) == 1:
        ((kind, body),) = value.items()
        if kind == "Fn::Sub":
            return re.sub(r"\$\{([^}]+)\}", lambda m: refs[m.group(1)], body)
        if kind == "Fn::GetAtt":
            return refs[".".join(body)]
        if kind == "Ref":
            return refs[body]
    if isinstance(value, dict):
        return {k: _resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, refs) for v in value]
    return value


def test_the_sam_roles_grant_exactly_what_the_policy_files_grant(packaged):
    for stage in infra.STAGES:
        config = copy.deepcopy(CONFIG)
        env = config["stages"][stage]["environment_variables"]
        table, bucket = f"studytracker-{stage}", f"studytracker-{stage}-backups-{DEPLOYED['account']}-eu-west-1"
        env.update(
            {
                "STUDYTRACKER_STREAM_ARN": f"arn:aws:dynamodb:eu-west-1:123456789012:table/{table}/stream/2026",
                "STUDYTRACKER_TABLE": table,
                "STUDYTRACKER_BACKUP_BUCKET": bucket,
            }
        )
        values = infra.stage_values(config, stage)
        refs = {
            "AWS::Partition": "aws",
            "AWS::Region": "eu-west-1",
            "AWS::AccountId": DEPLOYED["account"],
            "Table": table,
            "Table.Arn": infra.ARN_TEMPLATES["table"].format(**values),
            "BackupBucket": bucket,
            "BackupBucket.Arn": infra.ARN_TEMPLATES["backup-bucket"].format(**values),
            "StreamFailureQueue.Arn": infra.ARN_TEMPLATES["failure-queue"].format(**values),
        }
        resources = _template(packaged[f"{stage}+infra"])["Resources"]
        for function in infra.functions(config, stage):
            refs[infra.cfn_name(function) + "Logs.Arn"] = infra.ARN_TEMPLATES["log-group"].format(
                **values, function_name=infra.function_name(stage, function)
            )
            role = resources[infra.camel(function) + "Role"]["Properties"]["Policies"]
            assert len(role) == 1
            assert _resolve(role[0]["PolicyDocument"], refs) == infra.policy_document(config, stage, function)


def _policies(packaged) -> dict[str, dict]:
    documents = {str(p.relative_to(ROOT)): json.loads(p.read_text()) for p in (ROOT / ".chalice").glob("policy-*.json")}
    for which in ("prod+infra", "dev+infra"):
        for name, resource in _template(packaged[which])["Resources"].items():
            if resource["Type"] == "AWS::IAM::Role":
                for policy in resource["Properties"]["Policies"]:
                    documents[f"{which} {name}"] = policy["PolicyDocument"]
    return documents


def test_no_policy_grants_a_wildcard_action_or_any_resource_except_to_actions_that_take_none(packaged):
    """Resource '*' only where IAM has no resource-level permission: X-Ray's two actions and
    dynamodb:ListStreams (parliament reports a stream ARN for it as RESOURCE_MISMATCH)."""
    documents = _policies(packaged)
    assert len(documents) >= 4 * len(infra.STAGES)
    for name, document in documents.items():
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            assert statement["Effect"] == "Allow" and set(statement) == {"Effect", "Action", "Resource"}, name
            assert not [a for a in actions if "*" in a], (name, actions)
            if "*" in resources:
                allowed = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "dynamodb:ListStreams"}
                assert set(actions) <= allowed, (name, actions)


def test_each_deployed_function_has_its_own_policy_file_per_stage():
    for stage in infra.STAGES:
        settings = infra.stage_config(CONFIG, stage)
        assert settings["autogen_policy"] is False
        for function, options in settings["lambda_functions"].items():
            assert options["iam_policy_file"] == f"policy-{stage}-{function}.json"
            assert infra.policy_path(stage, function).exists()


# -- the stages ------------------------------------------------------------------------------------
def _variables_the_app_reads() -> set[str]:
    """Environment variable names app.py and chalicelib read (literally or through a module constant)."""
    found = set()
    for path in [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]:
        tree = ast.parse(path.read_text())
        constants = {
            t.id: n.value.value
            for n in tree.body
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            argument = None
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.args
                and (
                    node.func.attr == "getenv"
                    or (node.func.attr == "get" and ast.unparse(node.func.value) == "os.environ")
                )
            ):
                argument = node.args[0]
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                argument = node.slice
            if isinstance(argument, ast.Constant):
                found.add(argument.value)
            elif isinstance(argument, ast.Name) and argument.id in constants:
                found.add(constants[argument.id])
            elif argument is not None:
                raise AssertionError(
                    f"{path.name}:{node.lineno} reads the variable named by "
                    f"{ast.unparse(argument)!r}: use a literal or a module constant"
                )
    return found


# Variables a library reads, not the app's code: each with what it does.
READ_BY_LIBRARIES = {
    "PYDANTIC_DISABLE_PLUGINS": "pydantic skips its plugin scan of package metadata at the first model (cold start)",
}


def test_every_deployed_stage_sets_every_variable_the_app_reads():
    read = _variables_the_app_reads()
    assert {
        "STUDYTRACKER_TABLE",
        "STUDYTRACKER_STREAM_ARN",
        "STUDYTRACKER_BACKUP_BUCKET",
        "COGNITO_USER_POOL_ID",
    } <= read
    for stage in infra.STAGES:
        env = infra.stage_config(CONFIG, stage)["environment_variables"]
        assert sorted(read - set(NOT_FOR_DEPLOYED_STAGES) - set(env)) == [], stage
        assert env["STUDYTRACKER_STAGE"] == stage
        known = read | set(READ_BY_LIBRARIES)
        assert set(env) <= known, f"{stage} sets variables nothing reads: {sorted(set(env) - known)}"


def test_no_local_endpoint_or_local_setting_leaks_into_a_deployed_stage():
    assert CONFIG["stages"]["local"]["environment_variables"] == {"STUDYTRACKER_STAGE": "local"}
    for stage in infra.STAGES:
        env = infra.stage_config(CONFIG, stage)["environment_variables"]
        assert not [k for k in env if k.startswith("AWS_") or k in NOT_FOR_DEPLOYED_STAGES], stage
        assert not [v for v in env.values() if re.search(r"localhost|127\.0\.0\.1|ddblocal|http://", v)], stage


def test_the_backup_prefix_granted_is_the_one_backups_are_written_under():
    from chalicelib.backup import destinations

    assert destinations.S3_DEFAULT_PREFIX == infra.BACKUP_PREFIX


# -- CI ----------------------------------------------------------------------------------------------
def test_buildspec_tests_then_packages_then_deploys_the_stage_its_environment_names():
    spec = yaml.safe_load((ROOT / "buildspec.yml").read_text())
    assert str(spec["version"]) == "0.2"
    assert "DEPLOY_STAGE" in spec["env"]["variables"]
    build = spec["phases"]["build"]
    assert build["on-failure"] == "ABORT"
    commands = build["commands"]
    order = [
        next(i for i, c in enumerate(commands) if c.startswith(prefix))
        for prefix in (
            "make test",
            "make package STAGE=$DEPLOY_STAGE",
            "aws cloudformation package",
            "aws cloudformation deploy",
        )
    ]
    assert order == sorted(order)
    deploy = next(c for c in commands if c.startswith("aws cloudformation deploy"))
    assert "--stack-name studytracker-$DEPLOY_STAGE" in deploy and "CAPABILITY_AUTO_EXPAND" in deploy
    # The sign-in callback is the app's URL, known after the first deploy: a second one sets it.
    url = next(i for i, c in enumerate(commands) if c.startswith("APP_URL=$(aws cloudformation describe-stacks"))
    second = commands.index(deploy) < url < max(i for i, c in enumerate(commands) if "SignInCallbackUrl=$APP_URL" in c)
    assert second
    assert spec["phases"]["install"]["runtime-versions"]["python"] == infra.LAMBDA_PYTHON  # packages what it deploys
