"""`python -m studytracker infra render|deploy|finish|bytecode`: the AWS side that Chalice does not create.

This package states three facts once and renders every file that repeats them:

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

One module per job: ``config`` (stages, names, config.json), ``grants`` (GRANTS, PLATFORM, policies),
``templates`` (the CloudFormation templates), ``render``, ``stacks`` (deploy, finish), ``package``
(bytecode). This module is their face: the command line and ``infra.<name>`` for the tests.
"""

from __future__ import annotations

from pathlib import Path

from ..localenv import ROOT
from .config import (
    API_STAGE,
    API_THROTTLE,
    APP,
    BACKUP_PREFIX,
    LAMBDA_PYTHON,
    OUTPUT_ENV,
    STAGE_PARAMETERS,
    STAGES,
    STREAM_SOURCE,
    camel,
    cfn_name,
    config_path,
    failure_queue_name,
    function_name,
    functions,
    load_config,
    merge_path,
    platform_needs,
    policy_path,
    resources_path,
    stage_config,
    stage_values,
    stream_functions,
)
from .grants import (
    ARN_TEMPLATES,
    GRANTS,
    ITEM_WRITES,
    PLATFORM,
    Grant,
    cfn_policy_document,
    grants_for,
    policy_document,
)
from .package import add_bytecode, bytecode, check_runtime, runtime_problem
from .render import render, rendered, to_json, to_yaml
from .stacks import (
    deploy,
    deploy_stack,
    deployed_resources,
    finish,
    stack_name,
    stack_outputs,
    wait_for_stack,
    write_stage_outputs,
)
from .templates import merge_template, outputs, ref, resources_template, sub, table_properties

__all__ = [
    "ROOT",
    "API_STAGE",
    "API_THROTTLE",
    "LAMBDA_PYTHON",
    "APP",
    "ARN_TEMPLATES",
    "BACKUP_PREFIX",
    "GRANTS",
    "Grant",
    "ITEM_WRITES",
    "OUTPUT_ENV",
    "PLATFORM",
    "STAGES",
    "STAGE_PARAMETERS",
    "STREAM_SOURCE",
    "add_bytecode",
    "bytecode",
    "check_runtime",
    "runtime_problem",
    "camel",
    "cfn_name",
    "cfn_policy_document",
    "config_path",
    "deploy",
    "deploy_stack",
    "deployed_resources",
    "failure_queue_name",
    "finish",
    "function_name",
    "functions",
    "grants_for",
    "load_config",
    "merge_path",
    "merge_template",
    "outputs",
    "platform_needs",
    "policy_document",
    "policy_path",
    "ref",
    "render",
    "rendered",
    "resources_path",
    "resources_template",
    "stack_name",
    "stack_outputs",
    "stage_config",
    "stage_values",
    "stream_functions",
    "sub",
    "table_properties",
    "to_json",
    "to_yaml",
    "wait_for_stack",
    "write_stage_outputs",
    "register",
]


def register(commands) -> None:
    infra = commands.add_parser("infra", help="render and deploy the AWS resources Chalice does not create")
    actions = infra.add_subparsers(dest="action", required=True, metavar="ACTION")
    render_cmd = actions.add_parser("render", help="write infra/*.yaml and .chalice/policy-*.json from their sources")
    render_cmd.add_argument("--check", action="store_true", help="only report files that differ; exit 1 if any")
    render_cmd.set_defaults(run=lambda args: render(check=args.check))
    deploy_cmd = actions.add_parser(
        "deploy", help="create or update the stage's resource stack, then write its outputs into .chalice/config.json"
    )
    deploy_cmd.add_argument("--stage", required=True, choices=STAGES)
    deploy_cmd.add_argument("--alert-email", help="who gets alarm and budget e-mails (needed on first deploy)")
    deploy_cmd.set_defaults(run=lambda args: deploy(args.stage, args.alert_email))
    finish_cmd = actions.add_parser(
        "finish", help="after `chalice deploy`: stream retries, API throttling, sign-in callback URL"
    )
    finish_cmd.add_argument("--stage", required=True, choices=STAGES)
    finish_cmd.set_defaults(run=lambda args: finish(args.stage))
    runtime_cmd = actions.add_parser("runtime", help="exit 1 unless this Python is the stages' Lambda runtime")
    runtime_cmd.set_defaults(run=lambda args: check_runtime())
    bytecode_cmd = actions.add_parser("bytecode", help="add compiled bytecode to a chalice package's deployment.zip")
    bytecode_cmd.add_argument("zip", type=Path)
    bytecode_cmd.set_defaults(run=lambda args: bytecode(args.zip))
