"""Every action of the automation policy is needed: remove any one and some playbook fails with
an AccessDenied naming it. Slow (a run per action, ~105 runs): `make least-privilege-sweep`; the
default suite skips it and test_least_privilege.py checks the same on a sample of actions, and
that the playbooks call every action of the policy.

Per action: the lab is reset, the controller user and the automation role (the generated policy,
minus that action) are made in one account with plain boto3 (test_least_privilege.py proves
bootstrap.yml makes the same), then the scenario that calls the action runs with IAM
authorisation enforced.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from .keys import due_keys
from .test_least_privilege import EXAMPLE, EXTERNAL_ID, NOT_ON_THESE_PATHS, ROLE, _controller, _load, _policy_actions

SWEEP = os.environ.get("HARDENING_SWEEP") == "1"
pytestmark = pytest.mark.skipif(not SWEEP, reason="slow: make least-privilege-sweep (HARDENING_SWEEP=1)")


def _baseline():
    with open(EXAMPLE, encoding="utf-8") as handle:
        extra = yaml.safe_load(handle)
    # The opt-in remediations too, so that their actions are needed.
    extra.update(
        baseline_direct_user_policies_enabled=True,
        baseline_admin_user_policies_enabled=True,
        baseline_unused_console_keys_enabled=True,
    )
    return extra


# The runs that, together, call every action of the policy (but NOT_ON_THESE_PATHS), in the
# order the sweep tries them for an action.
SCENARIOS = [
    ("harden", "playbooks/harden.yml", _baseline),
    ("offboard", "playbooks/offboard.yml", lambda: {"offboard_users": ["leaver-dave"], "offboard_mode": "delete"}),
    ("rotate", "playbooks/rotate_keys.yml", lambda: {"key_rotation_users": ["svc-rotate"]}),
    (
        "rotate-ssm",
        "playbooks/rotate_keys.yml",
        lambda: {"key_rotation_users": ["svc-rotate"], "key_rotation_store": "ssm"},
    ),
    ("audit", "playbooks/audit.yml", dict),
]


def _install(lab, account_id, controller_arn, without=None):
    """The automation role in ``account_id``, its policy lacking ``without``."""
    document = _load("automation-policy.json")
    for statement in document["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != without]
    document["Statement"] = [s for s in document["Statement"] if s["Action"]]
    iam = lab.session(account_id).client("iam")
    arn = iam.create_policy(PolicyName=ROLE, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": controller_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
            }
        ],
    }
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=arn)


def _run(ansible, lab, tmp_path, scenario, without=None):
    """Reset the lab and run ``scenario`` in one account as the automation; the run and the
    actions it called there."""
    name, playbook, extra = scenario
    lab.reset(seed=True)
    account_id = lab.account_ids[0]
    # A root user with a virtual MFA device: the audit's root controls then read the MFA devices.
    lab.set_root(account_id, mfa_enabled=True)
    due_keys(lab, user="svc-rotate")
    controller_arn, env = _controller(lab)
    _install(lab, account_id, controller_arn, without)
    inventory = lab.write_inventory(
        tmp_path / ("%s.yml" % name),
        accounts=[account_id],
        hostvars={"aws_assume_role_name": ROLE, "aws_external_id": EXTERNAL_ID},
    )
    extra = dict(extra(), offboard_archive_dir=str(tmp_path / "archive"), audit_report_dir=str(tmp_path / "audit"))
    lab.reset_calls()
    with lab.enforced_auth():
        run = ansible.run(playbook, inventory, extra_vars=extra, env=env)
    return run, set(lab.calls(account_id))


@pytest.fixture(scope="module")
def callers(ansible, lab, tmp_path_factory):
    """{action: the first scenario that calls it}, from one whole-policy run of each."""
    found = {}
    for scenario in SCENARIOS:
        run, called = _run(ansible, lab, tmp_path_factory.mktemp(scenario[0]), scenario)
        assert run.rc == 0, run.output[-3000:]
        for action in called:
            found.setdefault(action, scenario)
    return found


def test_the_scenarios_call_every_action_of_the_policy(callers):
    missing = set(_policy_actions()) - set(callers) - set(NOT_ON_THESE_PATHS)
    assert not missing, sorted(missing)


@pytest.mark.parametrize("action", sorted(set(_policy_actions())))
def test_removing_the_action_fails_a_run_naming_it(ansible, lab, tmp_path, callers, action):
    if action == "sts:GetCallerIdentity":
        pytest.skip("AWS answers GetCallerIdentity whatever the policy says")
    scenario = callers.get(action)
    if scenario is None:
        assert action in NOT_ON_THESE_PATHS, "no scenario calls %s" % action
        pytest.skip("no scenario calls it: %s" % NOT_ON_THESE_PATHS[action])
    run = _run(ansible, lab, tmp_path, scenario, without=action)[0]
    denied = "not authorized to perform: %s" % action
    if scenario[0] == "audit" and run.rc == 0:
        # The audit is a reader that never stops at one section: the controls the denied read
        # judges are `error`, naming the action (the run fails on them with audit_fail_on only
        # for failed controls; docs/audit.md).
        [report] = (tmp_path / "audit").glob("*.json")
        errors = [f for f in json.loads(report.read_text(encoding="utf-8"))["findings"] if f["status"] == "error"]
        assert any(denied in json.dumps(f) for f in errors), errors
        return
    assert run.rc != 0, "%s ran without %s:\n%s" % (scenario[0], action, run.output[-3000:])
    assert denied in run.output, run.output[-3000:]
