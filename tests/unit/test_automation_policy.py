"""scripts/automation_policy.py: the automation's policies follow the modules' documented actions."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location("automation_policy", REPO / "scripts" / "automation_policy.py")
automation_policy = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(automation_policy)


def test_the_committed_policies_and_doc_are_current(capsys):
    assert automation_policy.main(["--check"]) == 0, capsys.readouterr().out


def test_the_automation_policy_is_the_union_of_the_used_modules_actions():
    uses = automation_policy.used_modules()
    # Every module a role runs is counted, and the bootstrap role's own modules only through them.
    assert {"iam_posture_info", "iam_user", "sts_session", "iam_user_disable"} <= set(uses)
    expected = set()
    for name in uses:
        expected |= automation_policy.documented_actions(automation_policy.MODULES / (name + ".py"))
    expected -= {"sts:AssumeRole"}
    document = json.loads(automation_policy.AUTOMATION.read_text(encoding="utf-8"))
    granted = {action for statement in document["Statement"] for action in statement["Action"]}
    assert granted == expected
    assert all(statement["Effect"] == "Allow" for statement in document["Statement"])
    # IAM's limit for a managed policy is 6,144 characters without white space.
    assert len("".join(json.dumps(document).split())) < 6144


def test_the_controller_may_only_assume_the_automation_role_and_read_the_organization():
    document = json.loads(automation_policy.CONTROLLER.read_text(encoding="utf-8"))
    assume, organization = document["Statement"]
    assert assume["Action"] == "sts:AssumeRole"
    assert assume["Resource"] == "arn:aws:iam::*:role/HardeningAutomation"
    assert all(action.startswith("organizations:") for action in organization["Action"])
    assert all(action.split(":")[1].startswith(("Describe", "List")) for action in organization["Action"])
