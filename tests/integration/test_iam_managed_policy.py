"""iam_managed_policy against the lab, in two member accounts.

One policy's life, in one test to keep the file fast: the four-run pattern (check,
apply, check, apply) for creation; a formatting-only change (no change); a real change
(a new default version); six successive changes (never more than five versions); then
the four-run pattern for removal while the policy is attached to a user, a group and a
role. AWS is read independently, per account, between the runs. The lab refuses
DeletePolicy while the policy is attached or has non-default versions, as AWS does.
"""

from __future__ import annotations

import json

import pytest

PLAYBOOK = "tests/integration/playbooks/iam_managed_policy.yml"
VERSIONS = "tests/integration/playbooks/iam_managed_policy_versions.yml"
ABSENT = "tests/integration/playbooks/iam_managed_policy_absent.yml"
NAME = "itest-artifacts-read"
TASK = "Managed policy"

# The playbook's default document.
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadArtifacts",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::itest-artifacts", "arn:aws:s3:::itest-artifacts/*"],
        }
    ],
}
# The same grant written differently: JSON text, keys reordered, lists reordered, action case.
REFORMATTED = (
    '{"Statement": {"Resource": ["arn:aws:s3:::itest-artifacts/*", "arn:aws:s3:::itest-artifacts"],\n'
    '  "Action": ["S3:ListBucket", "s3:getobject"], "Effect": "Allow", "Sid": "ReadArtifacts"},\n'
    ' "Version": "2012-10-17"}'
)
CHANGED = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::itest-artifacts/*"}],
}


@pytest.fixture
def accounts(fresh_lab):
    """Two member accounts are enough to show per-account behaviour and keep the file fast."""
    return fresh_lab.account_ids[:2]


@pytest.fixture
def inventory(fresh_lab, accounts, tmp_path):
    return fresh_lab.write_inventory(tmp_path / "inventory.yml", accounts=accounts)


def _host(account_id):
    return "lab-%s" % account_id


def _arn(account_id):
    return "arn:aws:iam::%s:policy/itest/%s" % (account_id, NAME)


def _stored(lab, account_id):
    """(policy, default document, version ids) read straight from the account, or None."""
    iam = lab.client(account_id, "iam")
    try:
        policy = iam.get_policy(PolicyArn=_arn(account_id))["Policy"]
    except iam.exceptions.NoSuchEntityException:
        return None
    version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])
    versions = iam.list_policy_versions(PolicyArn=policy["Arn"])["Versions"]
    return policy, version["PolicyVersion"]["Document"], sorted(v["VersionId"] for v in versions)


def _assert_changed(run, accounts, task, expected):
    assert run.rc == 0, run.output
    for account_id in accounts:
        result = run.result(task, _host(account_id))
        assert result["changed"] is expected, (task, account_id, result)


def _converged_calls(lab, accounts):
    """Calls per account of one converged run, the controller's AssumeRole counted to its account."""
    calls = lab.calls()
    per_account = {a: dict(calls.get(a, {})) for a in accounts}
    assume = calls.get(lab.management_account_id, {}).get("sts:AssumeRole", 0)
    return per_account, assume


def _attach_everywhere(lab, account_id):
    """Attach the policy to a user, a group and a role."""
    iam = lab.client(account_id, "iam")
    arn = _arn(account_id)
    iam.create_role(
        RoleName="itest-app",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    iam.attach_group_policy(GroupName="developers", PolicyArn=arn)
    iam.attach_role_policy(RoleName="itest-app", PolicyArn=arn)


def _attached_anywhere(lab, account_id):
    iam = lab.client(account_id, "iam")
    arn = _arn(account_id)
    holders = [
        iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"],
        iam.list_attached_group_policies(GroupName="developers")["AttachedPolicies"],
        iam.list_attached_role_policies(RoleName="itest-app")["AttachedPolicies"],
    ]
    return [p["PolicyArn"] for attached in holders for p in attached if p["PolicyArn"] == arn]


def test_create_change_version_limit_and_removal(ansible, fresh_lab, accounts, inventory):
    lab = fresh_lab
    assert all(_stored(lab, a) is None for a in accounts)

    check = ansible.run(PLAYBOOK, inventory, check=True, diff=True)
    _assert_changed(check, accounts, TASK, True)
    assert all(_stored(lab, a) is None for a in accounts)
    first = accounts[0]
    result = check.result(TASK, _host(first))
    assert result["actions"] == ["create policy %s" % _arn(first)]
    assert result["diff"]["before"] == {"state": "absent"} and result["diff"]["after"]["document"] == DOCUMENT

    apply = ansible.run(PLAYBOOK, inventory)
    _assert_changed(apply, accounts, TASK, True)
    for account_id in accounts:
        policy, document, versions = _stored(lab, account_id)
        assert document == DOCUMENT and versions == ["v1"]
        assert policy["Description"] == "Integration test policy" and policy["Path"] == "/itest/"
        tags = {
            t["Key"]: t["Value"]
            for t in lab.client(account_id, "iam").list_policy_tags(PolicyArn=policy["Arn"])["Tags"]
        }
        assert tags == {"owner": "itest", "account": account_id}
        returned = apply.result(TASK, _host(account_id))["policy"]
        assert returned["arn"] == _arn(account_id) and returned["default_version_id"] == "v1"
        assert returned["tags"] == tags and returned["attachment_count"] == 0

    _assert_changed(ansible.run(PLAYBOOK, inventory, check=True), accounts, TASK, False)
    lab.reset_calls()
    fourth = ansible.run(PLAYBOOK, inventory)
    _assert_changed(fourth, accounts, TASK, False)
    assert fourth.changed_hosts() == []
    per_account, assume = _converged_calls(lab, accounts)
    for account_id, calls in per_account.items():
        # Account id from the assumed role's ARN: no GetCallerIdentity, no ListPolicies.
        assert calls == {"iam:GetPolicy": 1, "iam:GetPolicyVersion": 1}, (account_id, calls)
    assert assume == len(accounts)

    # The same grant, formatted differently, is no change and no new version (this run goes
    # through the ordinary AnsiballZ module path, the others run in process).
    formatting = ansible.run(
        PLAYBOOK,
        inventory,
        diff=True,
        extra_vars={"itest_policy_document": REFORMATTED},
        env={"HARDENING_AWS_EXECUTION": "module"},
    )
    _assert_changed(formatting, accounts, TASK, False)
    assert formatting.result(TASK, _host(first))["invocation"]["module_args"]["policy"] == REFORMATTED
    assert all(_stored(lab, a)[2] == ["v1"] for a in accounts)

    # A real change becomes a new default version: check, apply, and a re-run that changes nothing.
    change = {"itest_policy_document": CHANGED}
    check = ansible.run(PLAYBOOK, inventory, check=True, diff=True, extra_vars=change)
    _assert_changed(check, accounts, TASK, True)
    diff = check.result(TASK, _host(first))["diff"]
    assert diff["before"]["document"] == DOCUMENT and diff["after"]["document"] == CHANGED
    assert all(_stored(lab, a)[1] == DOCUMENT for a in accounts)
    apply = ansible.run(PLAYBOOK, inventory, extra_vars=change)
    _assert_changed(apply, accounts, TASK, True)
    for account_id in accounts:
        policy, document, versions = _stored(lab, account_id)
        assert document == CHANGED and versions == ["v1", "v2"] and policy["DefaultVersionId"] == "v2"
    _assert_changed(ansible.run(PLAYBOOK, inventory, extra_vars=change), accounts, TASK, False)
    assert all(_stored(lab, a)[2] == ["v1", "v2"] for a in accounts)

    # Six more changes in a row: never more than AWS's five versions, the newest the default.
    six = ansible.run(VERSIONS, inventory)
    assert six.rc == 0, six.output
    for account_id in accounts:
        loop = six.result("Six successive changes", _host(account_id))["results"]
        assert [r["changed"] for r in loop] == [True] * 6
        deleted = [a for r in loop for a in r["actions"] if a.startswith("delete version")]
        assert deleted == [
            "delete version v1 (AWS keeps 5 at most)",
            "delete version v2 (AWS keeps 5 at most)",
            "delete version v3 (AWS keeps 5 at most)",
        ]
        policy, document, versions = _stored(lab, account_id)
        assert versions == ["v4", "v5", "v6", "v7", "v8"] and policy["DefaultVersionId"] == "v8"
        assert document["Statement"][0]["Action"] == "s3:GetObjectAcl"

    # Removal while attached to a user, a group and a role, with four non-default versions.
    for account_id in accounts:
        _attach_everywhere(lab, account_id)
        # The lab is strict, as AWS is: the policy cannot simply be deleted now.
        iam = lab.client(account_id, "iam")
        try:
            iam.delete_policy(PolicyArn=_arn(account_id))
        except iam.exceptions.DeleteConflictException:
            pass
        else:
            raise AssertionError("the lab deleted an attached policy")

    check = ansible.run(ABSENT, inventory, check=True, diff=True)
    _assert_changed(check, accounts, "Managed policy absent", True)
    assert check.result("Managed policy absent", _host(first))["actions"] == [
        "detach from user alice",
        "detach from group developers",
        "detach from role itest-app",
        "delete version v4",
        "delete version v5",
        "delete version v6",
        "delete version v7",
        "delete policy %s" % _arn(first),
    ]
    for account_id in accounts:
        assert _stored(lab, account_id) is not None and len(_attached_anywhere(lab, account_id)) == 3

    apply = ansible.run(ABSENT, inventory)
    _assert_changed(apply, accounts, "Managed policy absent", True)
    for account_id in accounts:
        assert _stored(lab, account_id) is None and _attached_anywhere(lab, account_id) == []
        # The seeded group keeps its other policy.
        attached = lab.client(account_id, "iam").list_attached_group_policies(GroupName="developers")
        assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == ["ReadOnlyAccess"]

    _assert_changed(ansible.run(ABSENT, inventory, check=True), accounts, "Managed policy absent", False)
    lab.reset_calls()
    fourth = ansible.run(ABSENT, inventory)
    _assert_changed(fourth, accounts, "Managed policy absent", False)
    per_account, assume = _converged_calls(lab, accounts)
    for account_id, calls in per_account.items():
        # Not at the derived ARN (no path given), so one ListPolicies(Scope=Local) confirms it is gone.
        assert calls == {"iam:GetPolicy": 1, "iam:ListPolicies": 1}, (account_id, calls)
    assert assume == len(accounts)
