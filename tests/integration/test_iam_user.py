"""hardening.aws.iam_user against the lab, every member account.

Each mutating path runs four times (house style): check (reports a change, changes
nothing), apply (changes), check (no change), apply (no change). AWS is read
independently, per account, between the runs; the converged run's calls are counted
on the server.
"""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from awslab import SEEDED_USERS

PLAYBOOK = "tests/integration/playbooks/iam_user.yml"
ABSENT = "tests/integration/playbooks/iam_user_absent.yml"
USER = "itest-user"
SECRET = "hardening/console-passwords/itest-user"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
EXTRA_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}],
}
INLINE_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": ["iam:CreateUser", "iam:CreateAccessKey"], "Resource": "*"}],
}
# What a converged run of the "User" task reads per account: one call per managed aspect,
# plus the one inline document the task names. No policy lookup: the names are attached.
CONVERGED_USER_CALLS = {
    "iam:GetUser": 1,
    "iam:ListGroupsForUser": 1,
    "iam:ListAttachedUserPolicies": 1,
    "iam:ListUserPolicies": 1,
    "iam:GetUserPolicy": 1,
    "iam:GetLoginProfile": 1,
}


# Run the modules the ordinary way (AnsiballZ) instead of in the controller process.
MODULE_PATH = {"HARDENING_AWS_EXECUTION": "module"}


def _comparable(result):
    return {k: v for k, v in result.items() if not k.startswith("_")}


def _host(account_id):
    return "lab-%s" % account_id


def _iam(lab, account_id):
    return lab.client(account_id, "iam")


def _user(lab, account_id, name=USER):
    try:
        return _iam(lab, account_id).get_user(UserName=name)["User"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchEntity":
            return None
        raise


def _prepare(lab):
    """What the playbook refers to: two groups and a customer managed policy per account."""
    for account_id in lab.account_ids:
        iam = _iam(lab, account_id)
        for group in ("itest-devs", "itest-auditors"):
            iam.create_group(GroupName=group)
        iam.create_policy(PolicyName="itest-extra", PolicyDocument=json.dumps(EXTRA_DOCUMENT))


def _assert_all(run, lab, task, changed):
    assert run.rc == 0, run.output
    for account_id in lab.account_ids:
        result = run.result(task, _host(account_id))
        assert result["changed"] is changed, (task, account_id, result)


def test_user_four_runs(ansible, fresh_lab, inventory):
    lab = fresh_lab
    _prepare(lab)

    check = ansible.run(PLAYBOOK, inventory, check=True, diff=True)
    _assert_all(check, lab, "User", True)
    for account_id in lab.account_ids:
        assert _user(lab, account_id) is None, account_id
        result = check.result("User", _host(account_id))
        assert [s["action"] for s in result["plan"]] == [
            "create_user",
            "add_to_group",
            "add_to_group",
            "attach_policy",
            "attach_policy",
            "put_inline_policy",
            "create_login_profile",
        ]
        assert result["plan"][-1] == {
            "action": "create_login_profile",
            "password_source": "generated",
            "password_reset_required": False,
            "deliver_to": {"store": "secretsmanager", "secret_name": SECRET},
        }
        assert result["diff"]["before"] == {"state": "absent"}
        assert result["diff"]["after"]["groups"] == ["itest-auditors", "itest-devs"]
        assert result["plan"][0] == {
            "action": "create_user",
            "path": "/itest/",
            "tags": {"team": "payments", "owner": "itest@example.com"},
            "permissions_boundary": POWER_USER,
        }
        assert "password_delivery" not in result and "generated_password" not in result
        secrets = lab.client(account_id, "secretsmanager").list_secrets()["SecretList"]
        assert secrets == [], account_id

    apply = ansible.run(PLAYBOOK, inventory)
    _assert_all(apply, lab, "User", True)
    passwords = []
    for account_id in lab.account_ids:
        iam = _iam(lab, account_id)
        user = _user(lab, account_id)
        assert user["Path"] == "/itest/"
        assert user["Arn"] == "arn:aws:iam::%s:user/itest/%s" % (account_id, USER)
        assert {t["Key"]: t["Value"] for t in user["Tags"]} == {"team": "payments", "owner": "itest@example.com"}
        assert user["PermissionsBoundary"]["PermissionsBoundaryArn"] == POWER_USER
        groups = iam.list_groups_for_user(UserName=USER)["Groups"]
        assert sorted(g["GroupName"] for g in groups) == ["itest-auditors", "itest-devs"]
        attached = iam.list_attached_user_policies(UserName=USER)["AttachedPolicies"]
        assert sorted(p["PolicyArn"] for p in attached) == sorted(
            [READ_ONLY, "arn:aws:iam::%s:policy/itest-extra" % account_id]
        )
        assert iam.list_user_policies(UserName=USER)["PolicyNames"] == ["itest-deny-iam"]
        document = iam.get_user_policy(UserName=USER, PolicyName="itest-deny-iam")["PolicyDocument"]
        assert document == INLINE_DOCUMENT
        assert iam.get_login_profile(UserName=USER)["LoginProfile"]["UserName"] == USER

        stored = json.loads(lab.client(account_id, "secretsmanager").get_secret_value(SecretId=SECRET)["SecretString"])
        assert stored["user_name"] == USER and stored["account_id"] == account_id
        password = stored["password"]
        assert len(password) >= 20
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password) and any(not c.isalnum() for c in password)
        passwords.append(password)

        result = apply.result("User", _host(account_id))
        assert result["password_delivery"]["name"] == SECRET
        assert result["password_delivery"]["arn"].startswith("arn:aws:secretsmanager:us-east-1:%s:" % account_id)
        assert "generated_password" not in result
        assert result["user"]["console_access"] is True
        assert result["user"]["permissions_boundary"] == POWER_USER
    assert len(set(passwords)) == len(passwords), "each account gets its own password"

    third = ansible.run(PLAYBOOK, inventory, check=True, diff=True)
    _assert_all(third, lab, "User", False)
    assert all(r["plan"] == [] for r in third.results("User").values())

    # The converged apply runs as an ordinary module (AnsiballZ): same answer, same calls.
    lab.reset_calls()
    fourth = ansible.run(PLAYBOOK, inventory, diff=True, env=MODULE_PATH)
    _assert_all(fourth, lab, "User", False)
    assert fourth.changed_hosts() == []
    for account_id in lab.account_ids:
        host = _host(account_id)
        assert _comparable(fourth.result("User", host)) == _comparable(third.result("User", host))
    calls = lab.calls()
    for account_id in lab.account_ids:
        assert calls[account_id] == CONVERGED_USER_CALLS, (account_id, calls[account_id])
    assert calls[lab.management_account_id] == {"sts:AssumeRole": len(lab.account_ids)}

    # The generated passwords went to Secrets Manager only: no run printed one.
    for run in (check, apply, third, fourth):
        for password in passwords:
            assert password not in run.output
    # Nothing changed the stored password after the first apply.
    for account_id, password in zip(lab.account_ids, passwords):
        secret = lab.client(account_id, "secretsmanager").get_secret_value(SecretId=SECRET)["SecretString"]
        assert json.loads(secret)["password"] == password


def _dave(lab, account_id):
    """Everything leaver-dave holds in ``account_id``, read straight from the lab."""
    iam = _iam(lab, account_id)
    return {
        "keys": sorted(k["AccessKeyId"] for k in iam.list_access_keys(UserName="leaver-dave")["AccessKeyMetadata"]),
        "certificates": [
            c["CertificateId"] for c in iam.list_signing_certificates(UserName="leaver-dave")["Certificates"]
        ],
        "ssh_keys": [k["SSHPublicKeyId"] for k in iam.list_ssh_public_keys(UserName="leaver-dave")["SSHPublicKeys"]],
        "service_credentials": [
            c["ServiceSpecificCredentialId"]
            for c in iam.list_service_specific_credentials(UserName="leaver-dave")["ServiceSpecificCredentials"]
        ],
        "mfa": [d["SerialNumber"] for d in iam.list_mfa_devices(UserName="leaver-dave")["MFADevices"]],
    }


def _virtual_mfa_serials(lab, account_id):
    return [d["SerialNumber"] for d in _iam(lab, account_id).list_virtual_mfa_devices()["VirtualMFADevices"]]


def test_offboard_leaver_dave_four_runs(ansible, fresh_lab, inventory):
    lab = fresh_lab
    seed = SEEDED_USERS["leaver-dave"]
    held = {a: _dave(lab, a) for a in lab.account_ids}
    for account_id, items in held.items():
        # The seed gives dave every kind of credential (the test is only as good as that).
        assert len(items["keys"]) == len(seed.access_keys) == 2, account_id
        assert len(items["certificates"]) == len(items["ssh_keys"]) == len(items["mfa"]) == 1, account_id
        assert items["service_credentials"], account_id

    check = ansible.run(ABSENT, inventory, check=True, diff=True)
    _assert_all(check, lab, "Leaver", True)
    for account_id, items in held.items():
        result = check.result("Leaver", _host(account_id))
        plan = result["plan"]
        serial = items["mfa"][0]
        assert plan[0] == {"action": "delete_login_profile"}
        assert sorted(s["access_key_id"] for s in plan[1:3]) == items["keys"]
        assert {s["action"] for s in plan[1:3]} == {"delete_access_key"}
        rest = plan[3:]
        services = len(items["service_credentials"])
        assert rest == (
            [{"action": "delete_signing_certificate", "certificate_id": items["certificates"][0]}]
            + [{"action": "delete_ssh_public_key", "ssh_public_key_id": items["ssh_keys"][0]}]
            + [
                {
                    "action": "delete_service_specific_credential",
                    "service_specific_credential_id": credential_id,
                    "service_name": "codecommit.amazonaws.com",
                }
                for credential_id in items["service_credentials"]
            ]
            + [
                {"action": "deactivate_mfa_device", "serial_number": serial},
                {"action": "delete_virtual_mfa_device", "serial_number": serial},
                {"action": "delete_inline_policy", "policy_name": "dave-inline"},
                {"action": "detach_policy", "policy_arn": "arn:aws:iam::%s:policy/dave-extra" % account_id},
                {"action": "remove_from_group", "group_name": "developers"},
                {"action": "delete_user"},
            ]
        ), (account_id, plan)
        assert len(plan) == 11 + services
        assert result["user"] is None
        assert result["diff"]["after"] == {"state": "absent"}
        assert result["diff"]["before"]["tags"] == seed.tag_dict
        # Check mode deleted nothing.
        assert _dave(lab, account_id) == items
        assert serial in _virtual_mfa_serials(lab, account_id)
        assert _iam(lab, account_id).get_login_profile(UserName="leaver-dave")

    # The deletion runs as an ordinary module (AnsiballZ): it must do what check mode said.
    apply = ansible.run(ABSENT, inventory, diff=True, env=MODULE_PATH)
    _assert_all(apply, lab, "Leaver", True)
    for account_id, items in held.items():
        host = _host(account_id)
        assert _comparable(apply.result("Leaver", host)) == _comparable(check.result("Leaver", host))
        assert _user(lab, account_id, "leaver-dave") is None
        # The virtual MFA device went with him (the public peers leave it behind).
        assert items["mfa"][0] not in _virtual_mfa_serials(lab, account_id)
        assert "leaver-dave" not in [
            u["UserName"] for u in _iam(lab, account_id).get_group(GroupName="developers")["Users"]
        ]
        # Other users are untouched.
        assert _user(lab, account_id, "alice") is not None

    assert ansible.run(ABSENT, inventory, check=True).changed_hosts() == []
    lab.reset_calls()
    fourth = ansible.run(ABSENT, inventory)
    _assert_all(fourth, lab, "Leaver", False)
    calls = lab.calls()
    for account_id in lab.account_ids:
        assert calls[account_id] == {"iam:GetUser": 1}, (account_id, calls[account_id])


def test_bad_input_fails_before_any_aws_call(ansible, fresh_lab, inventory, tmp_path):
    playbook = tmp_path / "bad.yml"
    playbook.write_text(
        """
- hosts: aws_accounts
  gather_facts: false
  module_defaults:
    hardening.aws.iam_user:
      assume_role_arn: "arn:aws:iam::{{ aws_account_id }}:role/OrganizationAccountAccessRole"
      endpoint_url: "{{ aws_endpoint_url }}"
  tasks:
    - name: Bad path
      hardening.aws.iam_user:
        name: itest-user
        path: itest
      ignore_errors: true
    - name: Password without console access
      hardening.aws.iam_user:
        name: itest-user
        password: "N0t-Printed!Secret"
      ignore_errors: true
"""
    )
    fresh_lab.reset_calls()
    run = ansible.run(str(playbook), inventory)
    host = _host(fresh_lab.account_ids[0])
    bad_path = run.result("Bad path", host)
    assert bad_path["failed"] and bad_path["msg"].startswith("path 'itest' is not a valid IAM path")
    no_console = run.result("Password without console access", host)
    assert no_console["failed"] and no_console["msg"] == "password is only used with console_access=true"
    assert "N0t-Printed!Secret" not in run.output
    calls = fresh_lab.calls()
    assert not any(calls.get(a) for a in fresh_lab.account_ids), calls
