"""Every rendered IAM policy passes parliament, a maintained IAM linter, with no finding: the
actions exist, their resources have the format each action takes, nothing is malformed.
(tests/test_iam.py proves the other half: each grant is needed, each call is granted.)"""

from __future__ import annotations

import json

import pytest

from studytracker import infra

CONFIG = infra.load_config()
POLICIES = [(stage, function) for stage in infra.STAGES for function in infra.functions(CONFIG, stage)]


@pytest.mark.parametrize(("stage", "function"), POLICIES, ids=[f"{s}-{f}" for s, f in POLICIES])
def test_the_policy_has_no_parliament_finding(stage, function):
    from parliament import analyze_policy_string

    findings = analyze_policy_string(infra.policy_path(stage, function).read_text()).findings
    assert not findings, json.dumps([{"issue": f.issue, "detail": f.detail} for f in findings], indent=1)


def test_parliament_does_find_a_resource_the_action_cannot_take():
    """The check can fail: ListStreams on a stream ARN (this project's own former grant) is a finding."""
    from parliament import analyze_policy_string

    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:ListStreams"],
                "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/*",
            }
        ],
    }
    assert [f.issue for f in analyze_policy_string(json.dumps(policy)).findings] == ["RESOURCE_MISMATCH"]
