"""`infra render`: write every generated file, or (``--check``) report those that differ.

Rendered files are committed and never edited by hand: the tests fail when they differ."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..localenv import ROOT
from .config import STAGES, functions, load_config, merge_path, policy_path, resources_path, stage_config
from .grants import policy_document
from .templates import merge_template, resources_template


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
