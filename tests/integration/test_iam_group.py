"""iam_group against the lab, in every member account.

Four runs (house style) of a playbook that creates the group and then asks for the
same group with its policy written differently (which must never be a change), then
four runs of removing it against the lab's strict DeleteGroup. AWS is read
independently, per account, between the runs; the lab's server counts the calls of
the converged run.
"""

from __future__ import annotations

import json

PLAYBOOK = "tests/integration/playbooks/iam_group.yml"
ABSENT = "tests/integration/playbooks/iam_group_absent.yml"
GROUP = "itest-ops"
VIEW_ONLY = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
EXTRA_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
}
INLINE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadLogs",
            "Effect": "Allow",
            "Action": ["logs:GetLogEvents", "logs:DescribeLogGroups"],
            "Resource": "*",
        },
        {"Sid": "NoIamWrites", "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"},
    ],
}
TASK = "Group"
SAME_WRITTEN_DIFFERENTLY = "Group, same policy written differently"
# Calls of one converged task, per account: AssumeRole, GetGroup, ListAttachedGroupPolicies,
# ListGroupPolicies, GetGroupPolicy. The playbook has two such tasks.
CONVERGED_CALLS = {
    "sts:AssumeRole": 1,
    "iam:GetGroup": 1,
    "iam:ListAttachedGroupPolicies": 1,
    "iam:ListGroupPolicies": 1,
    "iam:GetGroupPolicy": 1,
}


def _host(account_id):
    return "lab-%s" % account_id


def _extra_arn(account_id):
    return "arn:aws:iam::%s:policy/itest-group-extra" % account_id


def _group(lab, account_id):
    """The group as AWS has it in ``account_id`` (the lab's session checks the caller identity)."""
    iam = lab.client(account_id, "iam")
    try:
        answer = iam.get_group(GroupName=GROUP)
    except iam.exceptions.NoSuchEntityException:
        return None
    names = iam.list_group_policies(GroupName=GROUP)["PolicyNames"]
    return {
        "arn": answer["Group"]["Arn"],
        "members": sorted(u["UserName"] for u in answer["Users"]),
        "managed": sorted(
            p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName=GROUP)["AttachedPolicies"]
        ),
        "inline": {n: iam.get_group_policy(GroupName=GROUP, PolicyName=n)["PolicyDocument"] for n in names},
    }


def _expected(account_id):
    return {
        "arn": "arn:aws:iam::%s:group/itest/%s" % (account_id, GROUP),
        "members": ["alice", "bob"],
        "managed": sorted([VIEW_ONLY, _extra_arn(account_id)]),
        "inline": {"ops-logs": INLINE},
    }


def _create_extra_policy(lab):
    """The customer managed policy the group attaches by name, in every account."""
    for account_id in lab.account_ids:
        lab.client(account_id, "iam").create_policy(
            PolicyName="itest-group-extra", PolicyDocument=json.dumps(EXTRA_DOC)
        )


def _changed(run, task, lab):
    assert run.rc == 0, run.output
    return {a: run.result(task, _host(a))["changed"] for a in lab.account_ids}


def _all(lab, value):
    return {a: value for a in lab.account_ids}


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


def test_group_four_runs_then_removal(ansible, fresh_lab, inventory):
    lab = fresh_lab
    assert len(lab.account_ids) >= 2
    _create_extra_policy(lab)
    assert all(_group(lab, a) is None for a in lab.account_ids)

    # 1. check: reports the change, changes nothing
    first = ansible.run(PLAYBOOK, inventory, check=True, diff=True)
    assert _changed(first, TASK, lab) == _all(lab, True)
    assert _changed(first, SAME_WRITTEN_DIFFERENTLY, lab) == _all(lab, True)
    assert all(_group(lab, a) is None for a in lab.account_ids)
    planned = first.result(TASK, _host(lab.account_ids[0]))
    assert planned["actions"] == [
        "create group itest-ops",
        "add user alice",
        "add user bob",
        "attach managed policy %s" % VIEW_ONLY,
        "attach managed policy %s" % _extra_arn(lab.account_ids[0]),
        "add inline policy ops-logs",
    ]
    assert planned["diff"]["before"] == {"state": "absent"}
    assert planned["diff"]["after"]["members"] == ["alice", "bob"]
    assert planned["diff"]["after"]["inline_policy_documents"] == {"ops-logs": INLINE}

    # 2. apply: changes every account, each in its own account; the same group with the policy
    # written differently is then no change.
    second = ansible.run(PLAYBOOK, inventory)
    assert _changed(second, TASK, lab) == _all(lab, True)
    assert _changed(second, SAME_WRITTEN_DIFFERENTLY, lab) == _all(lab, False)
    for account_id in lab.account_ids:
        assert _group(lab, account_id) == _expected(account_id), account_id
        result = second.result(TASK, _host(account_id))["group"]
        assert result["arn"] == _expected(account_id)["arn"]
        assert result["inline_policies"] == ["ops-logs"]

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
    print("iam_group converged task: %d calls per account %s" % (sum(CONVERGED_CALLS.values()), CONVERGED_CALLS))
    assert all(_group(lab, a) == _expected(a) for a in lab.account_ids)

    # Removal, four runs: members and both kinds of policy go first (the lab refuses otherwise).
    check = ansible.run(ABSENT, inventory, check=True, diff=True)
    assert _changed(check, "Group absent", lab) == _all(lab, True)
    assert check.result("Group absent", _host(lab.account_ids[0]))["actions"] == [
        "remove user alice",
        "remove user bob",
        "detach managed policy %s" % _extra_arn(lab.account_ids[0]),
        "detach managed policy %s" % VIEW_ONLY,
        "delete inline policy ops-logs",
        "delete group itest-ops",
    ]
    assert all(_group(lab, a) == _expected(a) for a in lab.account_ids)

    apply = ansible.run(ABSENT, inventory)
    assert _changed(apply, "Group absent", lab) == _all(lab, True)
    for account_id in lab.account_ids:
        iam = lab.client(account_id, "iam")
        assert _group(lab, account_id) is None
        # The users and the customer managed policy stay.
        assert {"alice", "bob"} <= {u["UserName"] for u in iam.list_users()["Users"]}
        assert iam.get_policy(PolicyArn=_extra_arn(account_id))["Policy"]["AttachmentCount"] == 0

    assert _changed(ansible.run(ABSENT, inventory, check=True), "Group absent", lab) == _all(lab, False)
    lab.reset_calls()
    last = ansible.run(ABSENT, inventory)
    assert last.changed_hosts() == []
    assert _converged_calls(lab) == {a: {"sts:AssumeRole": 1, "iam:GetGroup": 1} for a in lab.account_ids}


def test_missing_member_fails_naming_it_and_changes_nothing(ansible, fresh_lab, inventory, tmp_path):
    lab = fresh_lab
    playbook = tmp_path / "missing_member.yml"
    playbook.write_text(
        """
- hosts: aws_accounts
  gather_facts: false
  tasks:
    - name: Group with a member who does not exist
      hardening.aws.iam_group:
        name: itest-ops
        members: [alice, nobody-here]
        managed_policies: [ReadOnlyAccess]
        assume_role_arn: "arn:aws:iam::{{ aws_account_id }}:role/OrganizationAccountAccessRole"
        endpoint_url: "{{ aws_endpoint_url }}"
      ignore_errors: true
"""
    )
    lab.reset_calls()
    run = ansible.run(str(playbook), inventory)
    for account_id in lab.account_ids:
        result = run.result("Group with a member who does not exist", _host(account_id))
        assert result["failed"] is True
        assert result["msg"] == "members: 'nobody-here' does not exist in this account; nothing was changed"
    calls = lab.calls()
    for account_id in lab.account_ids:
        made = set(calls.get(account_id, {}))
        assert made and all(c.split(":")[1].startswith(("Get", "List")) for c in made), made
        assert _group(lab, account_id) is None
