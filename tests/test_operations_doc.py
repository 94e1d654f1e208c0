"""docs/operations.md, the runbook, covers every alarm the resource stack defines, by logical id."""

from __future__ import annotations

import re

import yaml

from studytracker import infra

RUNBOOK = infra.ROOT / "docs" / "operations.md"
PAGED = ("AWS::CloudWatch::Alarm", "AWS::Budgets::Budget")


def _resources() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)  # CloudFormation tags
    return yaml.load(infra.resources_path().read_text(), Loader=Loader)["Resources"]


def _sections() -> dict[str, str]:
    parts = re.split(r"^### (\S+)\s*$", RUNBOOK.read_text(), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_alarm_and_the_budget_have_a_runbook_section_that_says_what_to_do():
    alarms = sorted(name for name, resource in _resources().items() if resource["Type"] in PAGED)
    assert len(alarms) >= 7  # six alarms and the budget (docs/cost.md: within the ten free)
    sections = _sections()
    missing = [name for name in alarms if name not in sections]
    assert not missing, f"add a '### <logical id>' section to docs/operations.md for: {missing}"
    for name in alarms:
        assert "**Means**" in sections[name] and "**Do**" in sections[name], name


def test_the_runbook_names_no_alarm_the_stack_does_not_define():
    assert set(_sections()) <= set(_resources())
