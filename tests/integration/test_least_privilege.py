"""The automation runs with exactly the permissions docs/least-privilege.md lists.

playbooks/bootstrap.yml creates the automation role in every account (through the organisation's
role, checks off). Then the lab enforces IAM authorisation: every request must be signed by a
known identity and allowed by its policies. The controller is an IAM user of the management
account holding only controller-policy.json; in every account it assumes the automation role,
which holds only the generated automation policy. The playbooks must pass like that, and
removing one action must make a run fail with an AccessDenied naming the action.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from .keys import due_keys
from .playbook import REPO

FILES = os.path.join(REPO, "roles", "bootstrap", "files")
ROLE = "HardeningAutomation"
EXTERNAL_ID = "least-privilege-test"
EXAMPLE = os.path.join(REPO, "examples", "baseline-vars.yml")


def _load(name):
    with open(os.path.join(FILES, name), encoding="utf-8") as handle:
        return json.load(handle)


def _controller(lab):
    """An IAM user of the management account with only the controller policy; its env."""
    iam = lab.session(lab.management_account_id).client("iam")
    iam.create_user(UserName="hardening-controller")
    iam.put_user_policy(
        UserName="hardening-controller",
        PolicyName="controller",
        PolicyDocument=json.dumps(_load("controller-policy.json")),
    )
    key = iam.create_access_key(UserName="hardening-controller")["AccessKey"]
    arn = iam.get_user(UserName="hardening-controller")["User"]["Arn"]
    return arn, {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def _automation_inventory(lab, tmp_path):
    return lab.write_inventory(
        tmp_path / "automation.yml", hostvars={"aws_assume_role_name": ROLE, "aws_external_id": EXTERNAL_ID}
    )


@pytest.fixture
def bootstrapped(ansible, fresh_lab, inventory):
    """The automation role in every member account, created by bootstrap.yml; the controller."""
    controller_arn, controller_env = _controller(fresh_lab)
    extra = {"bootstrap_trusted_principal_arns": [controller_arn], "bootstrap_external_id": EXTERNAL_ID}
    first = ansible.run("playbooks/bootstrap.yml", inventory, extra_vars=extra)
    assert first.rc == 0, first.output
    return controller_env


def test_bootstrap_creates_the_role_with_the_generated_policy(ansible, bootstrapped, fresh_lab, inventory):
    again = ansible.run(
        "playbooks/bootstrap.yml",
        inventory,
        extra_vars={
            "bootstrap_trusted_principal_arns": [
                "arn:aws:iam::%s:user/hardening-controller" % fresh_lab.management_account_id
            ],
            "bootstrap_external_id": EXTERNAL_ID,
        },
    )
    assert again.rc == 0 and again.changed_hosts() == [], again.output
    allowed = {a for s in _load("automation-policy.json")["Statement"] for a in s["Action"]}
    for account_id in fresh_lab.account_ids:
        iam = fresh_lab.session(account_id).client("iam")
        role = iam.get_role(RoleName=ROLE)["Role"]
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        statement = trust["Statement"][0]
        assert statement["Principal"]["AWS"] in (
            ["arn:aws:iam::%s:user/hardening-controller" % fresh_lab.management_account_id],
            "arn:aws:iam::%s:user/hardening-controller" % fresh_lab.management_account_id,
        )
        assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}
        attached = iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
        assert [p["PolicyName"] for p in attached] == [ROLE]
        policy = iam.get_policy(PolicyArn=attached[0]["PolicyArn"])["Policy"]
        document = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])
        statements = document["PolicyVersion"]["Document"]["Statement"]
        granted = {a for s in statements if s["Effect"] == "Allow" for a in s["Action"]}
        assert granted == allowed
        denied = [s for s in statements if s["Effect"] == "Deny"]
        assert "arn:aws:iam::*:role/%s" % ROLE in denied[0]["Resource"]


def test_the_playbooks_pass_with_only_the_generated_policies(ansible, fresh_lab, bootstrapped, tmp_path):
    inventory = _automation_inventory(fresh_lab, tmp_path)
    with open(EXAMPLE, encoding="utf-8") as handle:
        baseline = yaml.safe_load(handle)
    archive = tmp_path / "archive"
    due_keys(fresh_lab, user="svc-rotate")  # a key due for rotation in every account
    fresh_lab.reset_calls()
    with fresh_lab.enforced_auth():
        harden = ansible.run("playbooks/harden.yml", inventory, extra_vars=baseline, env=bootstrapped)
        assert harden.rc == 0, harden.output
        assert harden.changed_hosts() == sorted("lab-%s" % a for a in fresh_lab.account_ids)
        converged = ansible.run("playbooks/harden.yml", inventory, extra_vars=baseline, env=bootstrapped)
        assert converged.rc == 0 and converged.changed_hosts() == [], converged.output
        offboard = ansible.run(
            "playbooks/offboard.yml",
            inventory,
            extra_vars={
                "offboard_users": ["leaver-dave"],
                "offboard_mode": "delete",
                "offboard_archive_dir": str(archive),
            },
            env=bootstrapped,
        )
        assert offboard.rc == 0, offboard.output
        rotate = ansible.run(
            "playbooks/rotate_keys.yml", inventory, extra_vars={"key_rotation_users": ["svc-rotate"]}, env=bootstrapped
        )
        assert rotate.rc == 0, rotate.output
        reports = tmp_path / "audit"
        audit = ansible.run(
            "playbooks/audit.yml", inventory, extra_vars={"audit_report_dir": str(reports)}, env=bootstrapped
        )
        assert audit.rc == 0, audit.output
        assert "not authorized" not in audit.output
    # (The lab has no Access Analyzer: it counts that call as "access-analyzer:GET".)
    called = {
        action
        for account_id in fresh_lab.account_ids
        for action in fresh_lab.calls(account_id)
        if not action.startswith("access-analyzer:")
    }
    # Checked with the lab's own sessions, authorisation off again.
    for account_id in fresh_lab.account_ids:
        names = {u["UserName"] for u in fresh_lab.session(account_id).client("iam").list_users()["Users"]}
        assert "leaver-dave" not in names and "ops-admin" in names
        secret = fresh_lab.client(account_id, "secretsmanager").get_secret_value(
            SecretId="hardening/access-keys/svc-rotate"
        )
        keys = fresh_lab.client(account_id, "iam").list_access_keys(UserName="svc-rotate")["AccessKeyMetadata"]
        assert json.loads(secret["SecretString"])["AccessKeyId"] in {k["AccessKeyId"] for k in keys} and len(keys) == 2
        # Every read of the audit was allowed: no control is in error for want of a permission.
        report = json.loads((reports / ("%s.json" % account_id)).read_text(encoding="utf-8"))
        denied = [f["id"] for f in report["findings"] if "not authorized" in json.dumps(f)]
        assert report["findings"] and denied == [], denied
    # What these runs called of the policy: all of it but the actions only other states of an
    # account need (NOT_ON_THESE_PATHS). A new action in the policy must be called here or be
    # listed there, with the reason.
    granted = set(_policy_actions())
    assert granted - called == set(NOT_ON_THESE_PATHS), sorted(granted - called)
    assert called <= granted, sorted(called - granted)


def test_the_automation_cannot_change_its_own_rights(fresh_lab, bootstrapped):
    import boto3  # pylint: disable=import-outside-toplevel

    account_id = fresh_lab.account_ids[0]
    controller = boto3.Session(region_name="us-east-1", **{k.lower(): v for k, v in bootstrapped.items()})
    with fresh_lab.enforced_auth():
        sts = controller.client("sts", endpoint_url=fresh_lab.endpoint_url)
        credentials = sts.assume_role(
            RoleArn="arn:aws:iam::%s:role/%s" % (account_id, ROLE), RoleSessionName="t-1", ExternalId=EXTERNAL_ID
        )["Credentials"]
        iam = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name="us-east-1",
        ).client("iam", endpoint_url=fresh_lab.endpoint_url)
        with pytest.raises(iam.exceptions.ClientError, match="iam:AttachRolePolicy"):
            iam.attach_role_policy(RoleName=ROLE, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        # The controller itself can do nothing but assume the role (and read the Organization).
        with pytest.raises(sts.exceptions.ClientError, match="sts:AssumeRole"):
            sts.assume_role(
                RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % account_id, RoleSessionName="t-2"
            )


def _policy_actions():
    return [a for s in _load("automation-policy.json")["Statement"] if s["Effect"] == "Allow" for a in s["Action"]]


# Actions of the policy the runs above do not call, and when they are called.
NOT_ON_THESE_PATHS = {
    "access-analyzer:ListAnalyzers": "audit calls it, but the lab has no Access Analyzer to count it",
    "iam:AttachUserPolicy": "an account that drifted from the variables on this item",
    "iam:CreatePolicyVersion": "an account that drifted from the variables on this item",
    "iam:DeleteAccountAlias": "removing or purging what an account has and the variables no longer want",
    "iam:DeleteAccountPasswordPolicy": "removing or purging what an account has and the variables no longer want",
    "iam:DeleteGroup": "removing or purging what an account has and the variables no longer want",
    "iam:DeleteGroupPolicy": "removing or purging what an account has and the variables no longer want",
    "iam:DeleteInstanceProfile": "removing or purging what an account has and the variables no longer want",
    "iam:DeletePolicy": "removing or purging what an account has and the variables no longer want",
    "iam:DeletePolicyVersion": "removing or purging what an account has and the variables no longer want",
    "iam:DeleteRole": "removing or purging what an account has and the variables no longer want",
    "iam:DeleteRolePermissionsBoundary": "removing or purging what an account has and the variables no longer want",
    "iam:DeleteRolePolicy": "removing or purging what an account has and the variables no longer want",
    "iam:DeleteUserPermissionsBoundary": "removing or purging what an account has and the variables no longer want",
    "iam:DetachGroupPolicy": "removing or purging what an account has and the variables no longer want",
    "iam:DetachRolePolicy": "removing or purging what an account has and the variables no longer want",
    "iam:GetRolePolicy": "an account that drifted from the variables on this item",
    "iam:ListEntitiesForPolicy": "removing or purging what an account has and the variables no longer want",
    "iam:ListPolicyVersions": "removing or purging what an account has and the variables no longer want",
    "iam:ListRolePolicies": "an account that drifted from the variables on this item",
    "iam:PutRolePermissionsBoundary": "an account that drifted from the variables on this item",
    "iam:PutRolePolicy": "an account that drifted from the variables on this item",
    "iam:PutUserPermissionsBoundary": "an account that drifted from the variables on this item",
    "iam:PutUserPolicy": "an account that drifted from the variables on this item",
    "iam:RemoveRoleFromInstanceProfile": "removing or purging what an account has and the variables no longer want",
    "iam:TagPolicy": "an account that drifted from the variables on this item",
    "iam:TagRole": "an account that drifted from the variables on this item",
    "iam:TagUser": "an account that drifted from the variables on this item",
    "iam:UntagPolicy": "removing or purging what an account has and the variables no longer want",
    "iam:UntagRole": "removing or purging what an account has and the variables no longer want",
    "iam:UntagUser": "removing or purging what an account has and the variables no longer want",
    "iam:UpdateAccessKey": "rotate_keys 30 days after a rotation (deactivate), offboard in disable mode",
    "iam:UpdateAssumeRolePolicy": "an account that drifted from the variables on this item",
    "iam:UpdateGroup": "an account that drifted from the variables on this item",
    "iam:UpdateLoginProfile": "a console user whose password-reset flag drifted",
    "iam:UpdateRole": "an account that drifted from the variables on this item",
    "iam:UpdateSSHPublicKey": "offboard in disable mode, for a user who has one",
    "iam:UpdateServiceSpecificCredential": "offboard in disable mode, for a user who has one",
    "iam:UpdateSigningCertificate": "offboard in disable mode, for a user who has one",
    "iam:UpdateUser": "an account that drifted from the variables on this item",
    "secretsmanager:DescribeSecret": "rotate_keys finding a partner key never used: was it delivered?",
    "ssm:DescribeParameters": "the same with key_rotation_store: ssm",
    "ssm:PutParameter": "harden and rotate_keys with the ssm store",
}


def _without(lab, account_id, action):
    """Make the automation policy of ``account_id`` lack ``action`` (a new default version)."""
    iam = lab.session(account_id).client("iam")
    arn = "arn:aws:iam::%s:policy/%s" % (account_id, ROLE)
    current = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=current)["PolicyVersion"]["Document"]
    for statement in document["Statement"]:
        if statement["Effect"] == "Allow":
            statement["Action"] = [a for a in statement["Action"] if a != action]
    document["Statement"] = [s for s in document["Statement"] if s["Action"]]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=True)


# One action per kind of run: the bulk read every role starts with, a write of the baseline,
# the secret delivery of a new console user, and a deletion step of offboarding.
REMOVALS = [
    ("iam:GetAccountAuthorizationDetails", "playbooks/harden.yml", {}),
    ("iam:UpdateAccountPasswordPolicy", "playbooks/harden.yml", {}),
    ("secretsmanager:CreateSecret", "playbooks/harden.yml", "example"),
    (
        "iam:DeleteSigningCertificate",
        "playbooks/offboard.yml",
        {"offboard_users": ["leaver-dave"], "offboard_mode": "delete"},
    ),
]


@pytest.mark.parametrize("action, playbook, extra", REMOVALS, ids=[r[0] for r in REMOVALS])
def test_removing_one_action_fails_the_run_naming_it(
    ansible, fresh_lab, bootstrapped, tmp_path, action, playbook, extra
):
    account_id = fresh_lab.account_ids[0]
    _without(fresh_lab, account_id, action)
    if extra == "example":
        with open(EXAMPLE, encoding="utf-8") as handle:
            extra = yaml.safe_load(handle)
    extra = dict(extra, offboard_archive_dir=str(tmp_path / "archive"))
    inventory = _automation_inventory(fresh_lab, tmp_path)
    with fresh_lab.enforced_auth():
        run = ansible.run(playbook, inventory, extra_vars=extra, env=bootstrapped)
    assert run.rc != 0
    assert run.stats("lab-%s" % account_id)["failures"] >= 1 or "FAILED" in run.output
    assert "not authorized to perform: %s" % action in run.output
    # The other accounts, whose policy is whole, went through.
    for other in fresh_lab.account_ids[1:]:
        assert run.stats("lab-%s" % other)["failures"] == 0, run.output
