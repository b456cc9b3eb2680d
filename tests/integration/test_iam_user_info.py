"""iam_user_info against the lab, every member account: the seeded users with their real
ages, from a number of calls that does not grow with the number of users."""

from __future__ import annotations

from awslab import SEED, SEEDED_USERS

PLAYBOOK = "tests/integration/playbooks/iam_user_info.yml"
# One bulk read: GetAccountAuthorizationDetails, the credential report, ListVirtualMFADevices.
# The report costs Get, Generate, Get when there is none or it is older than max_age_hours (moto
# dates every report 2015-02-02, so in the lab that is every run), one Get when it is fresh.
BULK_READ = {"iam:GetAccountAuthorizationDetails": 1, "iam:ListVirtualMFADevices": 1}
REPORT_READS = (
    {"iam:GetCredentialReport": 2, "iam:GenerateCredentialReport": 1},
    {"iam:GetCredentialReport": 1},
)


def _assert_bulk_read(calls, extra=None):
    report = {k: v for k, v in calls.items() if "CredentialReport" in k}
    rest = {k: v for k, v in calls.items() if "CredentialReport" not in k}
    assert rest == dict(BULK_READ, **(extra or {})), calls
    assert report in REPORT_READS, calls


def _host(account_id):
    return "lab-%s" % account_id


def _users(run, account_id):
    result = run.result("Users", _host(account_id))
    assert result.get("failed") is not True, result
    assert result["changed"] is False
    return {u["user_name"]: u for u in result["users"]}


def _near(value, expected, slack=1):
    return value is not None and abs(value - expected) <= slack


def _assert_seeded(users, account_id):
    assert set(SEEDED_USERS) <= set(users), account_id
    for name, seed in SEEDED_USERS.items():
        user = users[name]
        assert _near(user["age_days"], seed.created_days_ago), (account_id, name, user["age_days"])
        assert user["in_credential_report"] is True
        assert user["groups"] == sorted(seed.groups)
        assert user["inline_policies"] == sorted(seed.inline_policies)
        assert sorted(p["policy_arn"].rsplit("/", 1)[-1] for p in user["attached_policies"]) == sorted(
            p.rsplit("/", 1)[-1] for p in seed.attached_policies
        )
        assert user["tags"] == seed.tag_dict
        assert user["permissions_boundary"] == getattr(seed, "permissions_boundary", None), name
        assert user["mfa_active"] is seed.has_mfa
        assert len(user["virtual_mfa_devices"]) == (1 if seed.has_mfa else 0)
        console = user["console"]
        assert console["password_enabled"] is seed.console
        if seed.password_last_used_days_ago is None:
            assert console["password_last_used"] is None
        else:
            assert _near(console["password_last_used_days"], seed.password_last_used_days_ago), (name, console)
        keys = user["access_keys"]
        assert len(keys) == len(seed.access_keys), name
        for key, key_seed in zip(keys, sorted(seed.access_keys, key=lambda k: -k.created_days_ago)):
            assert key["status"] == ("Active" if key_seed.active else "Inactive"), name
            assert _near(key["age_days"], key_seed.created_days_ago), (name, key)
            if key_seed.last_used_days_ago is None:
                assert key["last_used_date"] is None, (name, key)
            else:
                assert _near(key["last_used_days"], key_seed.last_used_days_ago), (name, key)


def test_seeded_users_ages_and_calls_that_do_not_grow(ansible, fresh_lab, inventory):
    lab = fresh_lab
    lab.reset_calls()
    first = ansible.run(PLAYBOOK, inventory)
    assert first.rc == 0, first.output
    calls_first = lab.calls()
    for account_id in lab.account_ids:
        users = _users(first, account_id)
        assert sorted(users) == sorted(SEEDED_USERS)
        _assert_seeded(users, account_id)
        # The two figures the audit cares most about, spelled out.
        ci_keys = users["ci-deploy"]["access_keys"]
        assert [k["age_days"] for k in ci_keys] == [400, 130] and ci_keys[1]["last_used_days"] == 2
        assert ci_keys[0]["last_used_date"] is None
        assert users["dormant-erin"]["console"]["password_last_used_days"] == 200
        assert users["leaver-dave"]["permissions_boundary"] == "arn:aws:iam::aws:policy/PowerUserAccess"
        _assert_bulk_read(calls_first[account_id])
    assert calls_first[lab.management_account_id] == {"sts:AssumeRole": len(lab.account_ids)}

    # Twenty more users in the first account, with console passwords, groups and policies.
    grown = lab.account_ids[0]
    iam = lab.client(grown, "iam")
    for n in range(20):
        name = "extra-%02d" % n
        iam.create_user(UserName=name, Path="/extra/", Tags=[{"Key": "n", "Value": str(n)}])
        iam.create_login_profile(UserName=name, Password="Not-checked-1!")
        iam.add_user_to_group(GroupName="developers", UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    lab.reset_calls()
    second = ansible.run(PLAYBOOK, inventory)
    assert second.rc == 0, second.output
    calls_second = lab.calls()
    users = _users(second, grown)
    assert len(users) == len(SEEDED_USERS) + 20
    assert users["extra-07"]["tags"] == {"n": "7"} and users["extra-07"]["console"]["password_enabled"] is True
    _assert_seeded(users, grown)
    for account_id in lab.account_ids:
        _assert_bulk_read(calls_second[account_id])
        # Same count with 20 more users (the report may have become fresh meanwhile: fewer, never more).
        assert sum(calls_second[account_id].values()) <= sum(calls_first[account_id].values()), account_id


def test_key_ids_cost_one_call_per_user_with_keys(ansible, fresh_lab, inventory):
    lab = fresh_lab
    lab.reset_calls()
    run = ansible.run(PLAYBOOK, inventory, extra_vars={"key_ids": True})
    assert run.rc == 0, run.output
    calls = lab.calls()
    with_keys = sorted(u.name for u in SEED.users if u.access_keys)
    for account_id in lab.account_ids:
        _assert_bulk_read(calls[account_id], {"iam:ListAccessKeys": len(with_keys)})
    lab.reset_calls()
    for account_id in lab.account_ids:
        users = _users(run, account_id)
        iam = lab.client(account_id, "iam")
        for name in with_keys:
            listed = sorted(iam.list_access_keys(UserName=name)["AccessKeyMetadata"], key=lambda k: k["CreateDate"])
            assert [k["id"] for k in users[name]["access_keys"]] == [k["AccessKeyId"] for k in listed]
        _assert_seeded(users, account_id)


def test_filters_and_both_execution_paths_agree(ansible, fresh_lab, inventory, tmp_path):
    playbook = tmp_path / "filters.yml"
    playbook.write_text(
        """
- hosts: aws_accounts
  gather_facts: false
  module_defaults:
    hardening.aws.iam_user_info:
      assume_role_arn: "arn:aws:iam::{{ aws_account_id }}:role/OrganizationAccountAccessRole"
      endpoint_url: "{{ aws_endpoint_url }}"
  tasks:
    - name: One user
      hardening.aws.iam_user_info:
        name: leaver-dave
      tags: [one]
    - name: Some users
      hardening.aws.iam_user_info:
        names: [alice, bob, nobody]
    - name: Nobody
      hardening.aws.iam_user_info:
        path_prefix: /nowhere/
    - name: Bad name
      hardening.aws.iam_user_info:
        name: "bob smith"
      ignore_errors: true
"""
    )
    lab = fresh_lab
    host = _host(lab.account_ids[1])
    run = ansible.run(str(playbook), inventory)
    dave = run.result("One user", host)["users"]
    assert [u["user_name"] for u in dave] == ["leaver-dave"]
    assert [u["user_name"] for u in run.result("Some users", host)["users"]] == ["alice", "bob"]
    nobody = run.result("Nobody", host)
    assert nobody["users"] == [] and nobody["credential_report_time"] is None
    bad = run.result("Bad name", host)
    assert bad["failed"] and "'bob smith' is not a valid IAM user name" in bad["msg"]

    # The AnsiballZ module path gives the same answer (one task, one account: it is slow).
    module = ansible.run(
        str(playbook), inventory, env={"HARDENING_AWS_EXECUTION": "module"}, args=("--limit", host, "--tags", "one")
    )
    assert module.rc == 0, module.output
    # Ages are whole days: both agree unless the two runs straddle the moment a seeded age ticks over.
    assert module.result("One user", host)["users"] == dave
