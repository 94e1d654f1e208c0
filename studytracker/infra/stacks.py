"""`infra deploy` (the resource stack, its outputs into config.json) and `infra finish` (what
``chalice deploy`` cannot set: stream retries and failure queue, API throttling, the sign-in callback)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..localenv import ROOT
from .config import (
    API_STAGE,
    API_THROTTLE,
    APP,
    OUTPUT_ENV,
    STAGE_PARAMETERS,
    STAGES,
    STREAM_SOURCE,
    config_path,
    load_config,
    resources_path,
    stage_config,
    stream_functions,
)
from .render import render, to_json


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


def wait_for_stack(
    cloudformation, name: str, sleep: Callable[[float], None] = time.sleep, interval: float = 10, timeout: float = 3600
) -> dict:
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
            raise SystemExit(
                f"error: stack {name} ended in {status}: {stack.get('StackStatusReason', '')} "
                "(see its events in the CloudFormation console)"
            )
        if waited >= timeout:
            raise SystemExit(f"error: stack {name} still {status} after {timeout:.0f} s")
        sleep(interval)
        waited += interval


def deploy_stack(
    cloudformation, stage: str, template_body: str, alert_email: str | None, sleep: Callable[[float], None] = time.sleep
) -> dict[str, str]:
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
    parameters: list[dict[str, Any]] = [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]
    kept = {p["ParameterKey"] for p in existing.get("Parameters", [])} if existing else set()
    parameters += [
        {"ParameterKey": k, "UsePreviousValue": True}
        for k in ("AlertEmail", "SignInCallbackUrl")
        if k not in values and k in kept
    ]
    tags = [{"Key": "project", "Value": APP}, {"Key": "stage", "Value": stage}]
    if existing is None:
        print(f"creating stack {name} ...", flush=True)
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=template_body,
            Parameters=parameters,
            Tags=tags,
            EnableTerminationProtection=stage == "prod",
            OnFailure="ROLLBACK",
        )
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


def deploy(
    stage: str,
    alert_email: str | None,
    cloudformation=None,
    root: Path = ROOT,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    if stage not in STAGES:
        raise SystemExit(f"error: deployable stages are {', '.join(STAGES)}")
    from chalicelib.store import make_client

    cloudformation = cloudformation or make_client("cloudformation", profile="background")
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


def finish(
    stage: str, clients: dict | None = None, root: Path = ROOT, sleep: Callable[[float], None] = time.sleep
) -> int:
    """What chalice deploy cannot set: stream retries + failure queue, API throttling, sign-in callback."""
    from chalicelib.store import make_client

    clients = clients or {
        name: make_client(name, profile="background") for name in ("lambda", "apigateway", "cloudformation")
    }
    resources = deployed_resources(stage, root)
    name = stack_name(stage)
    stack = clients["cloudformation"].describe_stacks(StackName=name)["Stacks"][0]
    queue = stack_outputs(stack)["StreamFailureQueueArn"]
    for function in stream_functions():
        mapping = resources[f"{function}-dynamodb-event-source"]["event_uuid"]
        clients["lambda"].update_event_source_mapping(
            UUID=mapping, **STREAM_SOURCE, DestinationConfig={"OnFailure": {"Destination": queue}}
        )
        print(
            f"{function}: stream retries {STREAM_SOURCE['MaximumRetryAttempts']}, bisect on error, "
            f"failures to {queue.rsplit(':', 1)[-1]}"
        )
    api = resources["rest_api"]
    clients["apigateway"].update_stage(
        restApiId=api["rest_api_id"],
        stageName=API_STAGE,
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(API_THROTTLE["rate"])},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(API_THROTTLE["burst"])},
        ],
    )
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
