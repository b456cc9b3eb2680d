"""The lab's API: fleet layout, sessions, seeding with real ages, ageing, call counting, reset."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest
import yaml
from botocore.exceptions import ClientError

from awslab import MANAGEMENT_ACCOUNT_ID, NEVER, ORG_ROLE_NAME, SEED, SEEDED_USERS, LabError, controller_env
from awslab.lab import Lab
from awslab.report import account_view, credential_report

DAY = dt.timedelta(days=1)


def _ago(value: dt.datetime) -> float:
    """Age in days of an API timestamp."""
    return (dt.datetime.now(dt.timezone.utc) - value).total_seconds() / 86400


def _report_ago(value: str) -> float:
    return _ago(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))


def test_fleet_layout(seeded_lab):
    assert seeded_lab.account_ids == ["210000000001", "210000000002"]
    assert seeded_lab.management_account_id == MANAGEMENT_ACCOUNT_ID == "123456789012"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", seeded_lab.endpoint_url)
    assert not seeded_lab.endpoint_url.endswith(":0")
    with urllib.request.urlopen(f"{seeded_lab.endpoint_url}/_lab/health") as response:
        health = json.loads(response.read())
    assert health["status"] == "ok" and health["account_ids"] == seeded_lab.account_ids


def test_one_lab_per_process(seeded_lab):
    with pytest.raises(LabError, match="another Lab"):
        Lab(accounts=1).start()


def test_sessions_act_in_their_own_account(lab):
    for account_id in [lab.management_account_id, *lab.account_ids]:
        identity = lab.client(account_id, "sts").get_caller_identity()
        assert identity["Account"] == account_id
    first, second = lab.account_ids
    lab.client(first, "iam").create_user(UserName="only-in-first")
    names = {u["UserName"] for u in lab.client(second, "iam").list_users()["Users"]}
    assert "only-in-first" not in names
    assert set(SEEDED_USERS) == names
    # The management account is not seeded.
    assert lab.client(lab.management_account_id, "iam").list_users()["Users"] == []


def test_member_accounts_are_reached_through_the_org_role(seeded_lab):
    account_id = seeded_lab.account_ids[0]
    arn = seeded_lab.client(account_id, "sts").get_caller_identity()["Arn"]
    assert arn.startswith(f"arn:aws:sts::{account_id}:assumed-role/{ORG_ROLE_NAME}/")
    iam = seeded_lab.client(account_id, "iam")
    role = iam.get_role(RoleName=ORG_ROLE_NAME)["Role"]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"]["AWS"] == f"arn:aws:iam::{MANAGEMENT_ACCOUNT_ID}:root"
    attached = iam.list_attached_role_policies(RoleName=ORG_ROLE_NAME)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]


def test_aws_managed_policies_exist(seeded_lab):
    iam = seeded_lab.client(seeded_lab.account_ids[1], "iam")
    for name in ("AdministratorAccess", "AWSSupportAccess", "ReadOnlyAccess", "AWSCloudShellFullAccess"):
        assert iam.get_policy(PolicyArn=f"arn:aws:iam::aws:policy/{name}")["Policy"]["PolicyName"] == name


def test_controller_env_lands_in_the_management_account(seeded_lab):
    code = "import boto3, sys; print(boto3.client('sts', endpoint_url=sys.argv[1]).get_caller_identity()['Account'])"
    env = seeded_lab.controller_env({**os.environ, "AWS_PROFILE": "nope", "AWS_ENDPOINT_URL": "http://x:1"})
    out = subprocess.run(
        [sys.executable, "-c", code, seeded_lab.endpoint_url], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == MANAGEMENT_ACCOUNT_ID


def test_controller_env():
    env = controller_env(
        {"AWS_PROFILE": "prod", "AWS_ENDPOINT_URL": "http://x", "AWS_ENDPOINT_URL_IAM": "http://y", "PATH": "/bin"}
    )
    assert env["PATH"] == "/bin"
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"]
    for gone in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_SESSION_TOKEN", "MOTO_ACCOUNT_ID"):
        assert gone not in env


def test_write_inventory(seeded_lab, tmp_path):
    path = seeded_lab.write_inventory(tmp_path / "inv.yml", hostvars={"baseline_account_alias": "acme"})
    hosts = yaml.safe_load(path.read_text())["all"]["children"]["aws_accounts"]["hosts"]
    assert list(hosts) == [f"lab-{a}" for a in seeded_lab.account_ids]
    host = hosts["lab-210000000001"]
    assert host == {
        "aws_account_id": "210000000001",
        "aws_region": "us-east-1",
        "aws_endpoint_url": seeded_lab.endpoint_url,
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "baseline_account_alias": "acme",
    }
    path = seeded_lab.write_inventory(tmp_path / "one.yml", accounts=["210000000002"], hostvars=lambda a: {"n": a[-1]})
    hosts = yaml.safe_load(path.read_text())["all"]["children"]["aws_accounts"]["hosts"]
    assert list(hosts) == ["lab-210000000002"] and hosts["lab-210000000002"]["n"] == "2"


def test_seeded_identities_match_the_declaration(seeded_lab):
    iam = seeded_lab.client(seeded_lab.account_ids[0], "iam")
    assert iam.list_account_aliases()["AccountAliases"] == []
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_account_password_policy()
    group_policies = iam.list_attached_group_policies(GroupName="developers")["AttachedPolicies"]
    assert [p["PolicyName"] for p in group_policies] == ["ReadOnlyAccess"]
    for name, seed in SEEDED_USERS.items():
        if seed.console:
            iam.get_login_profile(UserName=name)
        else:
            with pytest.raises(ClientError, match="NoSuchEntity"):
                iam.get_login_profile(UserName=name)
        assert len(iam.list_mfa_devices(UserName=name)["MFADevices"]) == (1 if seed.has_mfa else 0)
        groups = [g["GroupName"] for g in iam.list_groups_for_user(UserName=name)["Groups"]]
        assert groups == list(seed.groups)
        attached = iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
        assert [p["PolicyName"] for p in attached] == [a.rsplit("/", 1)[-1] for a in seed.attached_policies]
        assert iam.list_user_policies(UserName=name)["PolicyNames"] == list(seed.inline_policies)
        keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
        assert [k["Status"] == "Active" for k in keys] == [k.active for k in seed.access_keys]
        tags = {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=name)["Tags"]}
        assert tags == seed.tag_dict
        assert len(iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"]) == int(seed.ssh_public_key)
        assert len(iam.list_signing_certificates(UserName=name)["Certificates"]) == int(seed.signing_certificate)
        credentials = iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]
        assert [(c["ServiceName"], c["Status"]) for c in credentials] == [
            (c.service_name, "Active" if c.active else "Inactive") for c in seed.service_specific_credentials
        ]
        boundary = iam.get_user(UserName=name)["User"].get("PermissionsBoundary") or {}
        assert boundary.get("PermissionsBoundaryArn") == seed.permissions_boundary
    assert SEEDED_USERS["carol"].attached_policies == ("arn:aws:iam::aws:policy/AdministratorAccess",)
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [d["User"]["UserName"] for d in assigned] == ["leaver-dave"]
    everyone = iam.list_service_specific_credentials(AllUsers=True)["ServiceSpecificCredentials"]
    assert tuple(c["UserName"] for c in everyone) == SEED.users_with_service_specific_credentials == ("leaver-dave",)
    assert SEED.users_with_permissions_boundary == ("leaver-dave",)


def test_seeded_ages_are_real(seeded_lab):
    iam = seeded_lab.client(seeded_lab.account_ids[1], "iam")
    keys = iam.list_access_keys(UserName="ci-deploy")["AccessKeyMetadata"]
    assert [round(_ago(k["CreateDate"])) for k in keys] == [400, 130]
    last_used = [iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"])["AccessKeyLastUsed"] for k in keys]
    assert "LastUsedDate" not in last_used[0]
    assert round(_ago(last_used[1]["LastUsedDate"])) == 2
    bob_key = iam.list_access_keys(UserName="bob")["AccessKeyMetadata"][0]
    assert round(_ago(bob_key["CreateDate"])) == 30
    bob_used = iam.get_access_key_last_used(AccessKeyId=bob_key["AccessKeyId"])["AccessKeyLastUsed"]
    assert round(_ago(bob_used["LastUsedDate"])) == 1
    assert round(_ago(iam.get_user(UserName="alice")["User"]["PasswordLastUsed"])) == 3
    erin = iam.get_user(UserName="dormant-erin")["User"]
    assert round(_ago(erin["CreateDate"])) == 400 and round(_ago(erin["PasswordLastUsed"])) == 200
    assert "PasswordLastUsed" not in iam.get_user(UserName="ci-deploy")["User"]

    report = {row["user"]: row for row in credential_report(iam)}
    assert set(report) == set(SEEDED_USERS)
    ci = report["ci-deploy"]
    assert ci["password_enabled"] == "false"
    assert round(_report_ago(ci["user_creation_time"])) == 450
    assert round(_report_ago(ci["access_key_1_last_rotated"])) == 400
    assert ci["access_key_1_last_used_date"] == "N/A"
    assert round(_report_ago(ci["access_key_2_last_rotated"])) == 130
    assert round(_report_ago(ci["access_key_2_last_used_date"])) == 2
    erin_row = report["dormant-erin"]
    assert round(_report_ago(erin_row["password_last_used"])) == 200
    assert round(_report_ago(erin_row["access_key_1_last_used_date"])) == 200
    (credential,) = iam.list_service_specific_credentials(UserName="leaver-dave")["ServiceSpecificCredentials"]
    seeded = SEEDED_USERS["leaver-dave"].service_specific_credentials[0]
    assert round(_ago(credential["CreateDate"])) == seeded.created_days_ago
    dave = report["leaver-dave"]
    assert (dave["mfa_active"], dave["access_key_1_active"], dave["access_key_2_active"]) == ("true", "false", "true")
    assert dave["cert_1_active"] == "true"
    assert [r["user"] for r in report.values() if r["password_enabled"] == "true" and r["mfa_active"] == "false"] == [
        *SEED.console_users_without_mfa
    ]


def test_age_helper(lab):
    account_id = lab.account_ids[0]
    iam = lab.client(account_id, "iam")
    lab.age(account_id, "alice", days=1000, password_last_used_days=60)
    alice = iam.get_user(UserName="alice")["User"]
    assert round(_ago(alice["CreateDate"])) == 1000 and round(_ago(alice["PasswordLastUsed"])) == 60
    key_id = iam.list_access_keys(UserName="bob")["AccessKeyMetadata"][0]["AccessKeyId"]
    lab.age(account_id, "bob", days=95, key_id=key_id, last_used_days=50)
    key = iam.list_access_keys(UserName="bob")["AccessKeyMetadata"][0]
    assert round(_ago(key["CreateDate"])) == 95
    used = iam.get_access_key_last_used(AccessKeyId=key_id)["AccessKeyLastUsed"]
    assert round(_ago(used["LastUsedDate"])) == 50 and used["ServiceName"] == "iam"
    lab.age(account_id, "bob", key_id=0, last_used_days=NEVER)
    assert "LastUsedDate" not in iam.get_access_key_last_used(AccessKeyId=key_id)["AccessKeyLastUsed"]
    lab.age(account_id, "alice", password_last_used_days=NEVER)
    assert "PasswordLastUsed" not in iam.get_user(UserName="alice")["User"]
    with pytest.raises(ValueError):
        lab.age(account_id, "alice")
    with pytest.raises(ValueError):
        lab.age(account_id, "alice", last_used_days=3)
    with pytest.raises(KeyError):
        lab.age(account_id, "alice", days=1, key_id=0)
    # moto's own objects, for tests that need more than the helper
    assert lab.iam_backend(account_id).get_user("alice").create_date < dt.datetime.utcnow() - 999 * DAY


def test_calls_are_counted_per_account(lab):
    first, second = lab.account_ids
    lab.session(first)  # cached sessions from here on
    lab.session(second)
    lab.reset_calls()
    assert lab.calls() == {}
    lab.client(first, "iam").list_users()
    iam2 = lab.client(second, "iam")
    iam2.list_users()
    iam2.list_users()
    with pytest.raises(ClientError):
        iam2.get_account_password_policy()
    lab.session(first, fresh=True)
    with pytest.raises(ClientError, match="AWSOrganizationsNotInUseException"):
        lab.client(MANAGEMENT_ACCOUNT_ID, "organizations").describe_organization()  # JSON protocol
    calls = lab.calls()
    assert calls == {
        MANAGEMENT_ACCOUNT_ID: {
            "organizations:DescribeOrganization": 1,
            "sts:AssumeRole": 1,
            "sts:GetCallerIdentity": 1,
        },
        first: {"iam:ListUsers": 1, "sts:GetCallerIdentity": 1},
        second: {"iam:GetAccountPasswordPolicy": 1, "iam:ListUsers": 2},
    }
    assert lab.calls(second) == calls[second]
    with urllib.request.urlopen(f"{lab.endpoint_url}/_lab/calls") as response:
        assert json.loads(response.read()) == calls
    request = urllib.request.Request(f"{lab.endpoint_url}/_lab/calls/reset", data=b"", method="POST")
    with urllib.request.urlopen(request) as response:
        response.read()
    assert lab.calls() == {}


def test_reset_wipes_and_reseeds(lab):
    account_id = lab.account_ids[0]
    iam = lab.client(account_id, "iam")
    iam.create_user(UserName="temp")
    iam.create_account_alias(AccountAlias="acme-temp")
    lab.reset()
    assert lab.calls() == {}
    iam = lab.client(account_id, "iam")  # sessions are dropped by reset
    assert {u["UserName"] for u in iam.list_users()["Users"]} == set(SEEDED_USERS)
    assert iam.list_account_aliases()["AccountAliases"] == []
    lab.reset(seed=False)
    iam = lab.client(account_id, "iam")
    assert iam.list_users()["Users"] == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == [ORG_ROLE_NAME]


def test_show_view(seeded_lab):
    view = account_view(seeded_lab.session(seeded_lab.account_ids[0]))
    assert view.password_policy == "none" and view.alias == "-"
    assert view.users == len(SEEDED_USERS)
    assert view.console_without_mfa == len(SEED.console_users_without_mfa) == 4
    assert view.old_active_keys == 4  # ci-deploy x2, dormant-erin, leaver-dave
    assert view.users_with_direct_policies == len(SEED.users_with_direct_policies) == 2
