"""playbooks/harden.yml over several seeded accounts of the lab, as a user runs it.

Every assertion about AWS reads the accounts directly with boto3 (lab.session asserts the
caller identity per account), never through the collection's modules.
"""

from __future__ import annotations

import json
import os

import yaml

PLAYBOOK = "playbooks/harden.yml"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(REPO, "examples", "baseline-vars.yml")
CIS = {
    "MinimumPasswordLength": 14,
    "PasswordReusePrevention": 24,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "AllowUsersToChangePassword": True,
}
ALIAS = {"baseline_account_alias": "acme-{{ aws_account_id }}"}
# A converged account may cost at most this many API calls (issue 4), AssumeRole included.
CONVERGED_CALL_BUDGET = 15


def _host(account_id):
    return "lab-%s" % account_id


def _example():
    with open(EXAMPLE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _attached(iam, kind, name):
    method = {"group": iam.list_attached_group_policies, "role": iam.list_attached_role_policies}[kind]
    key = {"group": "GroupName", "role": "RoleName"}[kind]
    return sorted(p["PolicyName"] for p in method(**{key: name})["AttachedPolicies"])


def fingerprint(lab, account_id):
    """Everything the baseline may change in an account, read with boto3."""
    iam = lab.session(account_id).client("iam")
    try:
        policy = iam.get_account_password_policy()["PasswordPolicy"]
    except iam.exceptions.NoSuchEntityException:
        policy = None
    details = iam.get_account_authorization_details(Filter=["User", "Group", "Role", "LocalManagedPolicy"])
    users = {
        u["UserName"]: (sorted(u.get("GroupList", [])), sorted(p["PolicyArn"] for p in u["AttachedManagedPolicies"]))
        for u in details["UserDetailList"]
    }
    groups = {
        g["GroupName"]: sorted(p["PolicyArn"] for p in g["AttachedManagedPolicies"]) for g in details["GroupDetailList"]
    }
    roles = {
        r["RoleName"]: sorted(p["PolicyArn"] for p in r["AttachedManagedPolicies"]) for r in details["RoleDetailList"]
    }
    policies = sorted(p["PolicyName"] for p in details["Policies"])
    keys = {u: [k["AccessKeyId"] for k in iam.list_access_keys(UserName=u)["AccessKeyMetadata"]] for u in users}
    return {
        "password_policy": policy,
        "aliases": iam.list_account_aliases()["AccountAliases"],
        "users": users,
        "groups": groups,
        "roles": roles,
        "policies": policies,
        "keys": keys,
        "instance_profiles": sorted(p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]),
    }


def _converged_calls(lab, account_id):
    """Calls a run cost the account, with its share of the management account's AssumeRole."""
    calls = lab.calls()
    own = sum(calls.get(account_id, {}).values())
    assume = calls.get(lab.management_account_id, {}).get("sts:AssumeRole", 0)
    return own + assume / len(lab.account_ids), calls.get(account_id, {})


def test_check_then_harden_then_nothing_to_do(ansible, fresh_lab, inventory):
    lab = fresh_lab
    before = {a: fingerprint(lab, a) for a in lab.account_ids}
    assert all(f["password_policy"] is None and not f["aliases"] for f in before.values())

    check = ansible.run(PLAYBOOK, inventory, check=True, diff=True, extra_vars=_example())
    assert check.rc == 0, check.output
    assert sorted(check.changed_hosts()) == sorted(_host(a) for a in lab.account_ids)
    assert {a: fingerprint(lab, a) for a in lab.account_ids} == before
    lines = check.result("Summary | what changed and what needs a human", _host(lab.account_ids[0]))["msg"]
    assert lines[0].startswith("account %s: would change password policy" % lab.account_ids[0])
    assert "user ops-admin" in lines[0] and "support role aws-support" in lines[0]

    apply = ansible.run(PLAYBOOK, inventory, extra_vars=_example())
    assert apply.rc == 0, apply.output
    for account_id in lab.account_ids:
        _assert_hardened(lab, account_id)
        lines = apply.result("Summary | what changed and what needs a human", _host(account_id))["msg"]
        assert lines[0].startswith("account %s: changed password policy, account alias" % account_id)
        assert "console password in secretsmanager hardening/console-passwords/ops-admin" in lines[0]
        # moto never reports root MFA: the run must say a person has to act.
        assert any("needs a person: root user: enable MFA" in line for line in lines)
        assert any("console users without MFA: alice, bob, carol, dormant-erin;" in line for line in lines)
    _assert_no_password_in(lab, apply.output)

    lab.reset_calls()
    again = ansible.run(PLAYBOOK, inventory, extra_vars=_example())
    assert again.rc == 0, again.output
    assert again.changed_hosts() == []
    for account_id in lab.account_ids:
        cost, calls = _converged_calls(lab, account_id)
        assert cost <= CONVERGED_CALL_BUDGET, calls
        assert not [c for c in calls if c.split(":")[1].startswith(("Create", "Put", "Attach", "Update", "Delete"))]
    check_again = ansible.run(PLAYBOOK, inventory, check=True, extra_vars=_example())
    assert check_again.changed_hosts() == []


def _assert_hardened(lab, account_id):
    session = lab.session(account_id)
    iam = session.client("iam")
    found = fingerprint(lab, account_id)
    assert {k: found["password_policy"][k] for k in CIS} == CIS, account_id
    assert found["aliases"] == ["acme-%s" % account_id]
    mfa_arn = "arn:aws:iam::%s:policy/HardeningRequireMFA" % account_id
    assert mfa_arn in found["groups"]["admins"] and mfa_arn in found["groups"]["developers"]
    assert mfa_arn not in found["groups"]["auditors"]
    assert _attached(iam, "group", "admins") == ["AdministratorAccess", "HardeningRequireMFA"]
    assert _attached(iam, "group", "auditors") == ["SecurityAudit"]
    assert iam.list_group_policies(GroupName="developers")["PolicyNames"] == ["deny-iam-changes"]
    assert found["users"]["ops-admin"][0] == ["admins"] and found["users"]["auditor"][0] == ["auditors"]
    iam.get_login_profile(UserName="ops-admin")  # raises when there is none
    try:
        iam.get_login_profile(UserName="auditor")
        raise AssertionError("auditor must not have a console password")
    except iam.exceptions.NoSuchEntityException:
        pass
    tags = {t["Key"]: t["Value"] for t in iam.get_user(UserName="ops-admin")["User"]["Tags"]}
    assert tags == {"team": "platform"}
    secret = json.loads(
        session.client("secretsmanager").get_secret_value(SecretId="hardening/console-passwords/ops-admin")[
            "SecretString"
        ]
    )
    assert secret["user_name"] == "ops-admin" and len(secret["password"]) >= 14
    support = iam.get_role(RoleName="aws-support")["Role"]
    principal = support["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]
    assert principal in ("arn:aws:iam::%s:root" % account_id, ["arn:aws:iam::%s:root" % account_id])
    assert _attached(iam, "role", "aws-support") == ["AWSSupportAccess"]
    app = iam.get_role(RoleName="app-server")["Role"]
    assert app["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] in (
        "ec2.amazonaws.com",
        ["ec2.amazonaws.com"],
    )
    assert _attached(iam, "role", "app-server") == ["AmazonSSMManagedInstanceCore"]
    profile = iam.get_instance_profile(InstanceProfileName="app-server")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == ["app-server"]
    assert found["policies"].count("HardeningRequireMFA") == 1


def _assert_no_password_in(lab, output):
    for account_id in lab.account_ids:
        client = lab.session(account_id).client("secretsmanager")
        value = json.loads(client.get_secret_value(SecretId="hardening/console-passwords/ops-admin")["SecretString"])
        assert value["password"] not in output


def test_user_settings_are_laid_over_the_cis_defaults(ansible, fresh_lab, inventory):
    lab = fresh_lab
    run = ansible.run(PLAYBOOK, inventory, extra_vars={"baseline_password_policy": {"min_password_length": 20}})
    assert run.rc == 0, run.output
    found = fingerprint(lab, lab.account_ids[0])
    assert found["password_policy"]["MinimumPasswordLength"] == 20
    assert found["password_policy"]["PasswordReusePrevention"] == 24 and found["password_policy"]["RequireSymbols"]
    assert found["aliases"] == []  # no alias given: not managed
    assert "aws-support" in found["roles"]  # on by default


def test_tags_select_controls(ansible, fresh_lab, inventory):
    lab = fresh_lab
    run = ansible.run(PLAYBOOK, inventory, extra_vars=_example(), args=("--tags", "groups"))
    assert run.rc == 0, run.output
    found = fingerprint(lab, lab.account_ids[0])
    assert {"admins", "developers", "auditors"} <= set(found["groups"])
    assert (
        found["password_policy"] is None and "ops-admin" not in found["users"] and "aws-support" not in found["roles"]
    )


def test_bad_settings_fail_before_any_change(ansible, fresh_lab, inventory):
    lab = fresh_lab
    before = {a: fingerprint(lab, a) for a in lab.account_ids}
    bad = dict(_example(), baseline_users=[{"name": "ops-admin", "groups": ["admins", "no-such-group"]}])
    run = ansible.run(PLAYBOOK, inventory, extra_vars=bad)
    assert run.rc != 0
    message = run.result("plan every control from what was read", _host(lab.account_ids[0]))["msg"]
    assert "baseline_users[ops-admin].groups" in message and "'no-such-group'" in message
    assert {a: fingerprint(lab, a) for a in lab.account_ids} == before

    run = ansible.run(PLAYBOOK, inventory, extra_vars={"baseline_groups": [{"name": "bad group!"}]})
    assert run.rc != 0
    message = run.result("plan every control from what was read", _host(lab.account_ids[0]))["msg"]
    assert "bad group!" in message
    assert {a: fingerprint(lab, a) for a in lab.account_ids} == before


def test_opt_in_remediations_spare_break_glass_users(ansible, fresh_lab, inventory):
    lab = fresh_lab
    account_id = lab.account_ids[0]
    iam = lab.session(account_id).client("iam")
    # alice (console user) gets a key she never uses, 30 days old; bob an admin policy; carol
    # (AdministratorAccess attached directly) is the break-glass user.
    key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    lab.age(account_id, "alice", 30, key_id=key)
    iam.attach_user_policy(UserName="bob", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.attach_user_policy(UserName="bob", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    settings = {
        "baseline_groups": [{"name": "readers", "managed_policies": ["ReadOnlyAccess"]}],
        "baseline_break_glass_users": ["carol"],
        "baseline_direct_user_policies_enabled": True,
        "baseline_direct_user_policy_groups": {"ReadOnlyAccess": "readers"},
        "baseline_admin_user_policies_enabled": True,
        "baseline_unused_console_keys_enabled": True,
    }
    check = ansible.run(PLAYBOOK, inventory, check=True, extra_vars=settings)
    assert check.rc == 0, check.output
    assert iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"]

    run = ansible.run(PLAYBOOK, inventory, extra_vars=settings)
    assert run.rc == 0, run.output
    found = fingerprint(lab, account_id)
    assert found["users"]["bob"] == (["developers", "readers"], [])  # moved to readers, admin detached
    assert found["users"]["carol"][1] == ["arn:aws:iam::aws:policy/AdministratorAccess"]  # break-glass
    assert found["users"]["leaver-dave"][1] == []  # dave-extra: no mapping, detached
    assert found["keys"]["alice"] == []  # never used, 30 days old: gone
    assert len(found["keys"]["bob"]) == 1  # used yesterday: kept
    lines = run.result("Summary | what changed and what needs a human", _host(account_id))["msg"]
    assert any("leaver-dave: inline policies dave-inline belong in a group" in line for line in lines)

    again = ansible.run(PLAYBOOK, inventory, extra_vars=settings)
    assert again.changed_hosts() == []


def test_root_state_is_reported_for_a_person(ansible, fresh_lab, inventory):
    lab = fresh_lab
    on, off = lab.account_ids[0], lab.account_ids[1]
    lab.set_root(on, mfa_enabled=True, hardware_mfa=True)
    lab.set_root(off, mfa_enabled=False, access_keys=1, password_last_used=2)
    run = ansible.run(PLAYBOOK, inventory, extra_vars={"baseline_support_role_enabled": False})
    assert run.rc == 0, run.output
    good = run.result("Summary | what changed and what needs a human", _host(on))["msg"]
    bad = run.result("Summary | what changed and what needs a human", _host(off))["msg"]
    assert not [line for line in good if "root user" in line]
    assert any("enable MFA" in line for line in bad)
    assert any("delete its access keys (CIS 1.4)" in line for line in bad)
    assert any("used 2 day(s) ago" in line for line in bad)


def test_a_bad_account_fails_alone(ansible, fresh_lab, tmp_path):
    lab = fresh_lab
    good, other = lab.account_ids[0], lab.account_ids[1]
    path = tmp_path / "inventory.yml"
    lab.write_inventory(path, accounts=[good])
    inventory = yaml.safe_load(path.read_text())
    hosts = inventory["all"]["children"]["aws_accounts"]["hosts"]
    template = dict(hosts[_host(good)])
    hosts["malformed"] = dict(template, aws_account_id="12345")
    # The role ARN points into another account: the identity check must catch it.
    hosts["wrong-identity"] = dict(
        template,
        aws_account_id="210000000099",
        aws_assume_role_arn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % other,
    )
    path.write_text(yaml.safe_dump(inventory))

    run = ansible.run(PLAYBOOK, path, extra_vars=ALIAS)
    assert run.rc != 0
    assert run.stats(_host(good))["failures"] == 0
    assert run.stats("malformed")["failures"] == 1
    assert run.stats("wrong-identity")["failures"] == 1
    malformed = run.result("check the inventory host's account id and role ARN", "malformed")["msg"]
    assert "malformed" in malformed and '"12345"' in malformed
    wrong = run.result("make sure we act in the inventory's account", "wrong-identity")["msg"]
    assert "wrong-identity" in wrong and "210000000099" in wrong and other in wrong
    assert fingerprint(lab, good)["password_policy"] is not None
    assert fingerprint(lab, other)["password_policy"] is None  # nothing landed where the bad host reached
    failed = run.result("Report | accounts that failed", _host(good))["msg"]
    assert "malformed" in failed and "wrong-identity" in failed


def test_the_session_is_assumed_once_and_renewed_when_short(ansible, fresh_lab, inventory):
    lab = fresh_lab
    lab.reset_calls()
    run = ansible.run(PLAYBOOK, inventory)
    assert run.rc == 0, run.output
    accounts = len(lab.account_ids)
    assert lab.calls().get(lab.management_account_id, {}).get("sts:AssumeRole") == accounts  # once per account

    # A session asked for one hour is always "short" against a renewal margin of 3599 s: the
    # baseline's renewal point, before the remediations, must assume again and check the identity
    # again. It is among the controls that run only when there is work: on a fresh account.
    lab.reset(seed=True)
    lab.reset_calls()
    run = ansible.run(PLAYBOOK, inventory, extra_vars={"account_session_renew_before": 3599})
    assert run.rc == 0, run.output
    assert lab.calls().get(lab.management_account_id, {}).get("sts:AssumeRole") == 2 * accounts
    for account_id in lab.account_ids:
        assert lab.calls(account_id).get("sts:GetCallerIdentity") == 2
    assert "secret_access_key" not in run.output and "session_token" not in run.output

    # Converged, nothing to remediate: no renewal, one session per account.
    lab.reset_calls()
    run = ansible.run(PLAYBOOK, inventory, extra_vars={"account_session_renew_before": 3599})
    assert run.rc == 0 and run.changed_hosts() == [], run.output
    assert lab.calls().get(lab.management_account_id, {}).get("sts:AssumeRole") == accounts
