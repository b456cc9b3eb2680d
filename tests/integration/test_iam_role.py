"""iam_role against the lab, in every member account.

Four runs (house style) of a playbook that creates an EC2 role with its instance
profile and then asks for the same role with its policies written differently (which
must never be a change), then four runs of removing it against the lab's strict
DeleteRole. AWS is read independently, per account, between the runs; the lab's
server counts the calls of the converged run.
"""

from __future__ import annotations

import json

PLAYBOOK = "tests/integration/playbooks/iam_role.yml"
ABSENT = "tests/integration/playbooks/iam_role_absent.yml"
ROLE = "itest-web"
TASK = "Role"
SAME_WRITTEN_DIFFERENTLY = "Role, same policies written differently"
SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
EXTRA_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
INLINE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Config", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
        {"Sid": "Params", "Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"},
    ],
}
# Calls of one converged task, per account: AssumeRole, GetRole (trust policy, description,
# session, boundary, tags), the attached and inline policies, the instance profiles.
# The playbook has two such tasks.
CONVERGED_CALLS = {
    "sts:AssumeRole": 1,
    "iam:GetRole": 1,
    "iam:ListAttachedRolePolicies": 1,
    "iam:ListRolePolicies": 1,
    "iam:GetRolePolicy": 1,
    "iam:ListInstanceProfilesForRole": 1,
}


def _host(account_id):
    return "lab-%s" % account_id


def _all(lab, value):
    return {a: value for a in lab.account_ids}


def _extra_arn(account_id):
    return "arn:aws:iam::%s:policy/itest-role-extra" % account_id


def _role(lab, account_id):
    """The role as AWS has it in ``account_id`` (the lab's session checks the caller identity)."""
    iam = lab.client(account_id, "iam")
    try:
        role = iam.get_role(RoleName=ROLE)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None
    profiles = iam.list_instance_profiles_for_role(RoleName=ROLE)["InstanceProfiles"]
    return {
        "arn": role["Arn"],
        "description": role.get("Description"),
        "trust": role["AssumeRolePolicyDocument"],
        "max_session_duration": role["MaxSessionDuration"],
        "boundary": role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
        "tags": {t["Key"]: t["Value"] for t in role.get("Tags", [])},
        "managed": sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]),
        "inline": {
            n: iam.get_role_policy(RoleName=ROLE, PolicyName=n)["PolicyDocument"]
            for n in iam.list_role_policies(RoleName=ROLE)["PolicyNames"]
        },
        "profiles": {p["InstanceProfileName"]: [r["RoleName"] for r in p["Roles"]] for p in profiles},
    }


def _expected(account_id):
    return {
        "arn": "arn:aws:iam::%s:role/%s" % (account_id, ROLE),
        "description": "Web servers (integration test)",
        "trust": TRUST,
        "max_session_duration": 7200,
        "boundary": POWER_USER,
        "tags": {"team": "web", "env": "itest"},
        "managed": sorted([SSM_CORE, _extra_arn(account_id)]),
        "inline": {"read-config": INLINE},
        "profiles": {ROLE: [ROLE]},
    }


def _profile_names(lab, account_id):
    answer = lab.client(account_id, "iam").list_instance_profiles()["InstanceProfiles"]
    return sorted(p["InstanceProfileName"] for p in answer)


def _changed(run, task, lab):
    assert run.rc == 0, run.output
    return {a: run.result(task, _host(a))["changed"] for a in lab.account_ids}


def _converged_calls(lab, tasks=1):
    """Calls per account and task of the run just made: the account's own plus its AssumeRole
    (one per task, counted in the management account, which assumed the role)."""
    calls = lab.calls()
    management = calls.get(lab.management_account_id, {})
    assert management.get("sts:AssumeRole", 0) == tasks * len(lab.account_ids), management
    per_account = {}
    for account_id in lab.account_ids:
        counted = dict(calls.get(account_id, {}))
        assert all(n % tasks == 0 for n in counted.values()), counted
        counted = {call: n // tasks for call, n in counted.items()}
        counted["sts:AssumeRole"] = 1
        per_account[account_id] = counted
    return per_account


def test_role_four_runs_then_removal(ansible, fresh_lab, inventory):
    lab = fresh_lab
    assert len(lab.account_ids) >= 2
    for account_id in lab.account_ids:
        lab.client(account_id, "iam").create_policy(PolicyName="itest-role-extra", PolicyDocument=json.dumps(EXTRA_DOC))
    assert all(_role(lab, a) is None for a in lab.account_ids)
    profiles_before = {a: _profile_names(lab, a) for a in lab.account_ids}

    # 1. check: reports the change, changes nothing
    first = ansible.run(PLAYBOOK, inventory, check=True, diff=True)
    assert _changed(first, TASK, lab) == _all(lab, True)
    assert _changed(first, SAME_WRITTEN_DIFFERENTLY, lab) == _all(lab, True)
    assert all(_role(lab, a) is None for a in lab.account_ids)
    assert {a: _profile_names(lab, a) for a in lab.account_ids} == profiles_before
    planned = first.result(TASK, _host(lab.account_ids[0]))
    assert planned["actions"] == [
        "create role itest-web",
        "attach managed policy %s" % SSM_CORE,
        "attach managed policy %s" % _extra_arn(lab.account_ids[0]),
        "add inline policy read-config",
        "create instance profile itest-web",
        "add the role to instance profile itest-web",
    ]
    assert planned["role"]["arn"] is None and planned["role"]["instance_profiles"] == [ROLE]
    assert planned["diff"]["before"] == {"state": "absent"}
    assert planned["diff"]["after"]["max_session_duration"] == 7200

    # 2. apply: changes every account, each in its own account; the same role with the
    # policies written differently is then no change.
    second = ansible.run(PLAYBOOK, inventory)
    assert _changed(second, TASK, lab) == _all(lab, True)
    assert _changed(second, SAME_WRITTEN_DIFFERENTLY, lab) == _all(lab, False)
    for account_id in lab.account_ids:
        assert _role(lab, account_id) == _expected(account_id), account_id
        returned = second.result(TASK, _host(account_id))["role"]
        assert returned["arn"] == _expected(account_id)["arn"]
        assert returned["permissions_boundary"] == POWER_USER
        assert returned["instance_profiles"] == [ROLE]

    # 3. check and 4. apply: nothing to do; the converged run's calls are counted
    third = ansible.run(PLAYBOOK, inventory, check=True)
    assert third.changed_hosts() == []
    assert _changed(third, TASK, lab) == _all(lab, False)
    lab.reset_calls()
    fourth = ansible.run(PLAYBOOK, inventory)
    calls = _converged_calls(lab, tasks=2)
    assert fourth.changed_hosts() == []
    assert _changed(fourth, TASK, lab) == _all(lab, False)
    for account_id in lab.account_ids:
        assert calls[account_id] == CONVERGED_CALLS, (account_id, calls[account_id])
    print("iam_role converged task: %d calls per account %s" % (sum(CONVERGED_CALLS.values()), CONVERGED_CALLS))
    assert all(_role(lab, a) == _expected(a) for a in lab.account_ids)

    # A second instance profile holds the role too: removal takes the role out of it and keeps it.
    for account_id in lab.account_ids:
        iam = lab.client(account_id, "iam")
        iam.create_instance_profile(InstanceProfileName="itest-shared")
        iam.add_role_to_instance_profile(InstanceProfileName="itest-shared", RoleName=ROLE)

    # Removal, four runs: instance profiles and policies go first (the lab refuses otherwise).
    check = ansible.run(ABSENT, inventory, check=True, diff=True)
    assert _changed(check, "Role absent", lab) == _all(lab, True)
    assert check.result("Role absent", _host(lab.account_ids[0]))["actions"] == [
        "remove the role from instance profile itest-shared",
        "remove the role from instance profile itest-web",
        "delete instance profile itest-web",
        "detach managed policy %s" % _extra_arn(lab.account_ids[0]),
        "detach managed policy %s" % SSM_CORE,
        "delete inline policy read-config",
        "delete role itest-web",
    ]
    assert all(_role(lab, a)["profiles"] == {ROLE: [ROLE], "itest-shared": [ROLE]} for a in lab.account_ids)

    apply = ansible.run(ABSENT, inventory)
    assert _changed(apply, "Role absent", lab) == _all(lab, True)
    for account_id in lab.account_ids:
        assert _role(lab, account_id) is None
        assert _profile_names(lab, account_id) == sorted(profiles_before[account_id] + ["itest-shared"])
        iam = lab.client(account_id, "iam")
        assert iam.get_policy(PolicyArn=_extra_arn(account_id))["Policy"]["AttachmentCount"] == 0

    assert _changed(ansible.run(ABSENT, inventory, check=True), "Role absent", lab) == _all(lab, False)
    lab.reset_calls()
    last = ansible.run(ABSENT, inventory)
    assert last.changed_hosts() == []
    assert _converged_calls(lab) == _all(lab, {"sts:AssumeRole": 1, "iam:GetRole": 1})
