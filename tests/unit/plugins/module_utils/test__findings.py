"""The control catalogue and the findings engine (plugins/module_utils/_findings.py).

Every verdict is checked from hand-built posture dicts: one account that passes every control
(``clean()``), and for each control the changes that make it fail, error or need a person. The
catalogue is checked against shared/CONTROLS.md and the remediations against the roles'
argument specs, so neither can drift silently.
"""

from __future__ import annotations

import copy
import datetime
import os
import re

import pytest
import yaml

from ansible_collections.hardening.aws.plugins.module_utils import _findings as findings

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.timezone.utc)
ACCOUNT = "123456789012"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
SUPPORT = "arn:aws:iam::aws:policy/AWSSupportAccess"
CLOUDSHELL = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
DEPLOY = "arn:aws:iam::%s:policy/deploy" % ACCOUNT
ROOT_ARN = "arn:aws:iam::%s:root" % ACCOUNT
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
CONTROLS_MD = os.path.abspath(os.path.join(REPO, "..", "shared", "CONTROLS.md"))
FINDING_KEYS = {"id", "title", "status", "severity", "cis", "practice", "resources", "reason", "remediation"}


def ago(days):
    return (NOW - datetime.timedelta(days=days)).replace(microsecond=0).isoformat()


def _doc(action, resource="*", effect="Allow"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": action, "Resource": resource}]}


def _row(user, **fields):
    row = {
        "user": user,
        "arn": ROOT_ARN if user == "<root_account>" else "arn:aws:iam::%s:user/%s" % (ACCOUNT, user),
        "user_creation_time": ago(400),
        "password_enabled": False,
        "password_last_used": None,
        "password_last_changed": None,
        "mfa_active": False,
        "access_key_1_active": False,
        "access_key_1_last_rotated": None,
        "access_key_1_last_used_date": None,
        "access_key_2_active": False,
        "access_key_2_last_rotated": None,
        "access_key_2_last_used_date": None,
    }
    row.update(fields)
    return row


def _user(name, groups=(), managed=(), inline=None):
    return {
        "user_name": name,
        "arn": "arn:aws:iam::%s:user/%s" % (ACCOUNT, name),
        "groups": list(groups),
        "managed_policies": list(managed),
        "inline_policies": dict(inline or {}),
    }


def _role(name, trusted, managed=(), inline=None):
    return {
        "name": name,
        "arn": "arn:aws:iam::%s:role/%s" % (ACCOUNT, name),
        "assume_role_policy": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": trusted, "Action": "sts:AssumeRole"}],
        },
        "managed_policies": list(managed),
        "inline_policies": dict(inline or {}),
    }


def clean():
    """An account that passes every control but central_identity (alice has a console password:
    a judgement), with the options in OPTIONS."""
    return {
        "account_id": ACCOUNT,
        "credential_report": [
            _row("<root_account>", mfa_active=True, password_last_used=ago(200), password_enabled=None),
            _row("alice", password_enabled=True, mfa_active=True, password_last_used=ago(3)),
            _row(
                "svc", access_key_1_active=True, access_key_1_last_rotated=ago(10), access_key_1_last_used_date=ago(1)
            ),
        ],
        "summary": {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0, "AccountPasswordPresent": 1},
        "password_policy": {
            "min_password_length": 14,
            "password_reuse_prevention": 24,
            "require_uppercase": True,
            "require_lowercase": True,
            "require_numbers": True,
            "require_symbols": True,
            "allow_users_to_change_password": True,
        },
        "alias": "acme-prod",
        "virtual_mfa_devices": [
            {"serial_number": "arn:aws:iam::%s:mfa/alice" % ACCOUNT, "user_arn": "arn:aws:iam::%s:user/alice" % ACCOUNT}
        ],
        "users": {"alice": _user("alice", groups=["admins"]), "svc": _user("svc", groups=["deployers"])},
        "groups": {
            "admins": {
                "name": "admins",
                "arn": "arn:aws:iam::%s:group/admins" % ACCOUNT,
                "managed_policies": [ADMIN],
                "inline_policies": {},
            },
            "deployers": {
                "name": "deployers",
                "arn": "arn:aws:iam::%s:group/deployers" % ACCOUNT,
                "managed_policies": [DEPLOY],
                "inline_policies": {},
            },
        },
        "roles": {
            "aws-support": _role("aws-support", {"AWS": ROOT_ARN}, managed=[SUPPORT]),
            "app": _role("app", {"Service": "ec2.amazonaws.com"}, managed=[DEPLOY]),
        },
        "policies": {"deploy": {"name": "deploy", "arn": DEPLOY, "document": _doc("s3:GetObject")}},
        "managed_policy_documents": {ADMIN: _doc("*"), SUPPORT: _doc(["support:*"])},
        "server_certificates": [
            {"name": "www", "arn": "arn:aws:iam::%s:server-certificate/www" % ACCOUNT, "expiration": ago(-30)}
        ],
        "identity_providers": {"saml": ["arn:aws:iam::%s:saml-provider/AWSSSO_x_DO_NOT_DELETE" % ACCOUNT], "oidc": []},
        "service_specific_credentials": [],
        "access_analyzer": {"us-east-1": [{"name": "account", "type": "ACCOUNT", "status": "ACTIVE"}]},
        "instances": {
            "us-east-1": [
                {
                    "instance_id": "i-1",
                    "state": "running",
                    "instance_profile_arn": "arn:aws:iam::1:instance-profile/app",
                }
            ]
        },
        "section_errors": {},
    }


OPTIONS = {"break_glass_groups": ["admins"]}


def evaluate(posture, **options):
    return {f["id"]: f for f in findings.evaluate(posture, dict(OPTIONS, **options), NOW)}


def row(posture, user):
    return next(r for r in posture["credential_report"] if r["user"] == user)


# --- changes applied to clean() ------------------------------------------------------------------


def no_root_row(p):
    p["credential_report"] = [r for r in p["credential_report"] if r["user"] != "<root_account>"]


def section_error(*sections):
    def change(p):
        for section in sections:
            p["section_errors"][section] = "AccessDenied: not allowed"
            p.pop(section, None)
            if section == "authorization_details":
                for key in ("users", "groups", "roles", "policies"):
                    p.pop(key, None)

    return change


def root(**fields):
    return lambda p: row(p, "<root_account>").update(fields)


def summary(**fields):
    return lambda p: p["summary"].update(fields)


def user_row(user, **fields):
    return lambda p: row(p, user).update(fields)


def new_row(user, **fields):
    return lambda p: p["credential_report"].append(_row(user, **fields))


def policy(**fields):
    return lambda p: p["password_policy"].update(fields)


def no_password_policy(p):
    p["password_policy"] = None


def both(*changes):
    def change(p):
        for c in changes:
            c(p)

    return change


def set_key(key, value):
    return lambda p: p.__setitem__(key, value)


def add_user(name, **kwargs):
    return lambda p: p["users"].__setitem__(name, _user(name, **kwargs))


def add_role(name, trusted, **kwargs):
    return lambda p: p["roles"].__setitem__(name, _role(name, trusted, **kwargs))


def ssc(user, days, status="Active"):
    cred = {
        "user_name": user,
        "service_name": "codecommit.amazonaws.com",
        "id": "ACCA%s" % user.upper(),
        "status": status,
        "create_date": ago(days),
    }
    return lambda p: p["service_specific_credentials"].append(cred)


def instance(region, instance_id, profile=None, state="running"):
    item = {"instance_id": instance_id, "state": state, "instance_profile_arn": profile, "name": "legacy"}
    return lambda p: p["instances"].setdefault(region, []).append(item)


def remove_admin_group(p):
    p["groups"]["admins"]["managed_policies"] = []


# (control, status, change of clean(), extra options, failing resource names or reason fragment)
CASES = [
    # root_access_key_absent
    ("root_access_key_absent", "pass", None, {}, []),
    (
        "root_access_key_absent",
        "fail",
        root(access_key_1_active=True, access_key_1_last_rotated=ago(700)),
        {},
        ["<root_account>"],
    ),
    ("root_access_key_absent", "fail", summary(AccountAccessKeysPresent=1), {}, ["<root_account>"]),
    ("root_access_key_absent", "error", no_root_row, {}, "no root row in the credential report"),
    ("root_access_key_absent", "error", section_error("credential_report"), {}, "credential report could not be read"),
    # root_mfa_enabled
    ("root_mfa_enabled", "pass", None, {}, []),
    ("root_mfa_enabled", "fail", both(root(mfa_active=False), summary(AccountMFAEnabled=0)), {}, ["<root_account>"]),
    ("root_mfa_enabled", "pass", root(mfa_active=False), {}, "has MFA"),  # the summary says so
    (
        "root_mfa_enabled",
        "pass",
        both(root(mfa_active=False), summary(AccountMFAEnabled=0, AccountPasswordPresent=0)),
        {},
        "no password",
    ),
    ("root_mfa_enabled", "error", no_root_row, {}, "no root row"),  # whatever the summary says
    # root_hardware_mfa
    ("root_hardware_mfa", "pass", None, {}, []),
    (
        "root_hardware_mfa",
        "fail",
        lambda p: p["virtual_mfa_devices"].append(
            {"serial_number": "arn:aws:iam::%s:mfa/root-account-mfa-device" % ACCOUNT, "user_arn": ROOT_ARN}
        ),
        {},
        ["<root_account>"],
    ),
    (
        "root_hardware_mfa",
        "fail",
        lambda p: p["virtual_mfa_devices"].append({"serial_number": "arn:aws:iam::1:mfa/mine", "user_arn": ROOT_ARN}),
        {},
        ["<root_account>"],
    ),
    ("root_hardware_mfa", "fail", both(root(mfa_active=False), summary(AccountMFAEnabled=0)), {}, ["<root_account>"]),
    ("root_hardware_mfa", "error", section_error("virtual_mfa_devices"), {}, "virtual mfa devices could not be read"),
    ("root_hardware_mfa", "error", no_root_row, {}, "no root row"),
    # root_not_used
    ("root_not_used", "pass", None, {}, "last used 200 days ago"),
    ("root_not_used", "fail", root(password_last_used=ago(2)), {}, ["<root_account>"]),
    ("root_not_used", "pass", root(password_last_used=ago(2)), {"root_used_days": 1}, []),
    (
        "root_not_used",
        "fail",
        root(access_key_1_active=True, access_key_1_last_rotated=ago(700), access_key_1_last_used_date=ago(5)),
        {},
        ["<root_account>"],
    ),
    ("root_not_used", "pass", root(password_last_used=None), {}, "never used"),
    ("root_not_used", "error", no_root_row, {}, "no root row"),
    # password policy
    ("password_policy_length", "pass", None, {}, []),
    ("password_policy_length", "fail", no_password_policy, {}, [ACCOUNT]),
    ("password_policy_length", "fail", policy(min_password_length=8), {}, "8, below 14"),
    ("password_policy_length", "fail", None, {"password_min_length": 16}, "14, below 16"),
    ("password_policy_length", "error", section_error("password_policy"), {}, "password policy could not be read"),
    ("password_policy_reuse", "pass", None, {}, []),
    ("password_policy_reuse", "fail", no_password_policy, {}, [ACCOUNT]),
    ("password_policy_reuse", "fail", policy(password_reuse_prevention=0), {}, "is off"),
    ("password_policy_reuse", "fail", policy(password_reuse_prevention=5), {}, "5, below 24"),
    ("password_policy_reuse", "error", section_error("password_policy"), {}, "could not be read"),
    ("password_policy_complexity", "pass", None, {}, []),
    ("password_policy_complexity", "fail", no_password_policy, {}, [ACCOUNT]),
    ("password_policy_complexity", "fail", policy(require_symbols=False), {}, "not required: symbols"),
    ("password_policy_complexity", "fail", policy(allow_users_to_change_password=False), {}, "change their own"),
    ("password_policy_complexity", "error", section_error("password_policy"), {}, "could not be read"),
    # console_users_mfa
    ("console_users_mfa", "pass", None, {}, []),
    ("console_users_mfa", "fail", user_row("alice", mfa_active=False), {}, ["alice"]),
    ("console_users_mfa", "fail", new_row("bob", password_enabled=True, password_last_used=ago(1)), {}, ["bob"]),
    ("console_users_mfa", "pass", user_row("alice", password_enabled=False), {}, "(0)"),
    ("console_users_mfa", "error", section_error("credential_report"), {}, "could not be read"),
    # no_initial_access_key
    ("no_initial_access_key", "pass", None, {}, []),
    (
        "no_initial_access_key",
        "fail",
        user_row("alice", access_key_2_active=True, access_key_2_last_rotated=ago(20)),
        {},
        ["alice"],
    ),
    (
        "no_initial_access_key",
        "pass",  # a never-used key of a user without console is another control's
        user_row("svc", access_key_2_active=True, access_key_2_last_rotated=ago(20)),
        {},
        [],
    ),
    ("no_initial_access_key", "error", section_error("credential_report"), {}, "could not be read"),
    # unused_credentials_disabled
    ("unused_credentials_disabled", "pass", None, {}, []),
    ("unused_credentials_disabled", "fail", user_row("alice", password_last_used=ago(60)), {}, ["alice"]),
    ("unused_credentials_disabled", "pass", user_row("alice", password_last_used=ago(60)), {"unused_days": 90}, []),
    (
        "unused_credentials_disabled",
        "fail",
        user_row("alice", password_last_used=None, password_last_changed=ago(50)),
        {},
        "never used, set 50 days ago",
    ),
    ("unused_credentials_disabled", "fail", user_row("svc", access_key_1_last_used_date=ago(50)), {}, ["svc"]),
    (
        "unused_credentials_disabled",
        "fail",
        user_row("svc", access_key_1_last_used_date=None, access_key_1_last_rotated=ago(46)),
        {},
        ["svc"],
    ),
    (
        "unused_credentials_disabled",
        "pass",
        user_row("svc", access_key_1_last_used_date=None, access_key_1_last_rotated=ago(10)),
        {},
        [],
    ),
    (
        "unused_credentials_disabled",
        "pass",  # an inactive key is not a credential in use
        user_row("svc", access_key_2_active=False, access_key_2_last_rotated=ago(300)),
        {},
        [],
    ),
    ("unused_credentials_disabled", "fail", both(new_row("coder"), ssc("coder", 100)), {}, ["coder"]),
    ("unused_credentials_disabled", "pass", ssc("svc", 100), {}, []),  # svc used its key yesterday
    ("unused_credentials_disabled", "pass", both(new_row("coder"), ssc("coder", 100, "Inactive")), {}, []),
    ("unused_credentials_disabled", "pass", both(new_row("coder"), ssc("coder", 10)), {}, []),
    (
        "unused_credentials_disabled",
        "error",
        section_error("service_specific_credentials"),
        {},
        "service specific credentials could not be read",
    ),
    (
        "unused_credentials_disabled",
        "fail",
        both(section_error("service_specific_credentials"), user_row("alice", password_last_used=ago(60))),
        {},
        "service-specific credentials not checked",
    ),
    ("unused_credentials_disabled", "error", section_error("credential_report"), {}, "credential report"),
    # one_active_key
    ("one_active_key", "pass", None, {}, []),
    (
        "one_active_key",
        "fail",
        user_row("svc", access_key_2_active=True, access_key_2_last_rotated=ago(5), access_key_2_last_used_date=ago(1)),
        {},
        ["svc"],
    ),
    ("one_active_key", "error", section_error("credential_report"), {}, "could not be read"),
    # access_keys_rotated
    ("access_keys_rotated", "pass", None, {}, []),
    ("access_keys_rotated", "fail", user_row("svc", access_key_1_last_rotated=ago(100)), {}, ["svc"]),
    ("access_keys_rotated", "pass", user_row("svc", access_key_1_last_rotated=ago(100)), {"key_max_age_days": 120}, []),
    (
        "access_keys_rotated",
        "pass",  # inactive keys are not judged
        user_row("svc", access_key_2_active=False, access_key_2_last_rotated=ago(400)),
        {},
        [],
    ),
    ("access_keys_rotated", "error", section_error("credential_report"), {}, "could not be read"),
    # permissions_via_groups
    ("permissions_via_groups", "pass", None, {}, []),
    ("permissions_via_groups", "fail", add_user("carol", managed=[ADMIN]), {}, ["carol"]),
    ("permissions_via_groups", "fail", add_user("dave", inline={"x": _doc("s3:*")}), {}, "inline: x"),
    ("permissions_via_groups", "error", section_error("authorization_details"), {}, "authorization details"),
    # no_full_admin_policy
    ("no_full_admin_policy", "pass", None, {}, "break-glass allowed: group admins"),
    ("no_full_admin_policy", "fail", None, {"break_glass_groups": []}, ["admins"]),
    ("no_full_admin_policy", "fail", add_user("carol", managed=[ADMIN]), {}, ["carol"]),
    ("no_full_admin_policy", "pass", add_user("carol", managed=[ADMIN]), {"break_glass_users": ["Carol"]}, []),
    ("no_full_admin_policy", "fail", add_user("dave", inline={"all": _doc(["*"])}), {}, ["dave"]),
    ("no_full_admin_policy", "pass", add_user("dave", inline={"deny": _doc("*", effect="Deny")}), {}, []),
    (
        "no_full_admin_policy",
        "fail",
        add_role("OrganizationAccountAccessRole", {"AWS": ROOT_ARN}, managed=[ADMIN]),
        {},
        ["OrganizationAccountAccessRole"],
    ),
    (
        "no_full_admin_policy",
        "pass",
        add_role("OrganizationAccountAccessRole", {"AWS": ROOT_ARN}, managed=[ADMIN]),
        {"break_glass_roles": ["OrganizationAccountAccessRole"]},
        [],
    ),
    (
        "no_full_admin_policy",
        "error",  # AdministratorAccess attached to a user, its document unknown
        both(section_error("managed_policy_documents"), add_user("carol", managed=[ADMIN])),
        {},
        "but not checked (document not read): AWSSupportAccess, AdministratorAccess",
    ),
    (
        "no_full_admin_policy",
        "fail",  # what could be read already fails
        both(section_error("managed_policy_documents"), add_user("dave", inline={"all": _doc("*")})),
        {},
        ["dave"],
    ),
    ("no_full_admin_policy", "error", section_error("authorization_details"), {}, "authorization details"),
    # support_role
    ("support_role", "pass", None, {}, "aws-support"),
    ("support_role", "fail", lambda p: p["roles"].pop("aws-support"), {}, [ACCOUNT]),
    ("support_role", "error", section_error("authorization_details"), {}, "authorization details"),
    # instance_roles
    ("instance_roles", "pass", None, {}, "1 instance(s) in us-east-1"),
    ("instance_roles", "fail", instance("us-east-1", "i-2"), {}, ["i-2"]),
    ("instance_roles", "pass", instance("us-east-1", "i-3", state="terminated"), {}, []),
    ("instance_roles", "pass", set_key("instances", {"us-east-1": []}), {}, "no EC2 instance"),
    ("instance_roles", "error", section_error("instances"), {}, "instances could not be read"),
    (
        "instance_roles",
        "error",  # one region answered, clean; another did not
        lambda p: p["section_errors"].update(instances="eu-west-1: AccessDenied"),
        {},
        "eu-west-1: AccessDenied",
    ),
    (
        "instance_roles",
        "fail",
        both(instance("us-east-1", "i-2"), lambda p: p["section_errors"].update(instances="eu-west-1: AccessDenied")),
        {},
        ["i-2"],
    ),
    # expired_server_certs
    ("expired_server_certs", "pass", None, {}, "(1 in the account)"),
    (
        "expired_server_certs",
        "fail",
        lambda p: p["server_certificates"].append({"name": "old", "arn": None, "expiration": ago(3)}),
        {},
        ["old"],
    ),
    ("expired_server_certs", "error", section_error("server_certificates"), {}, "server certificates could not"),
    # access_analyzer
    ("access_analyzer", "pass", None, {}, "us-east-1 (account)"),
    ("access_analyzer", "fail", set_key("access_analyzer", {"us-east-1": []}), {}, ["us-east-1"]),
    (
        "access_analyzer",
        "fail",
        set_key("access_analyzer", {"us-east-1": [{"name": "u", "type": "ACCOUNT_UNUSED_ACCESS", "status": "ACTIVE"}]}),
        {},
        ["us-east-1"],
    ),
    (
        "access_analyzer",
        "fail",
        set_key("access_analyzer", {"us-east-1": [{"name": "c", "type": "ACCOUNT", "status": "CREATING"}]}),
        {},
        ["us-east-1"],
    ),
    (
        "access_analyzer",
        "error",  # the simulator: no Access Analyzer at all
        both(
            set_key("access_analyzer", {}),
            lambda p: p["section_errors"].update(access_analyzer="us-east-1: 404: Not yet implemented"),
        ),
        {},
        "Not yet implemented",
    ),
    # central_identity
    ("central_identity", "manual", None, {}, ["alice"]),
    ("central_identity", "manual", set_key("identity_providers", {"saml": [], "oidc": []}), {}, "no SAML provider"),
    ("central_identity", "pass", user_row("alice", password_enabled=False), {}, "no IAM user has a console password"),
    ("central_identity", "error", section_error("identity_providers"), {}, "identity providers could not be read"),
    # cloudshell_full_access
    ("cloudshell_full_access", "pass", None, {}, []),
    ("cloudshell_full_access", "fail", add_role("ops", {"AWS": ROOT_ARN}, managed=[CLOUDSHELL]), {}, ["ops"]),
    (
        "cloudshell_full_access",
        "fail",
        lambda p: p["groups"]["deployers"]["managed_policies"].append(CLOUDSHELL),
        {},
        ["deployers"],
    ),
    ("cloudshell_full_access", "error", section_error("authorization_details"), {}, "authorization details"),
    # account_alias
    ("account_alias", "pass", None, {}, "acme-prod"),
    ("account_alias", "fail", set_key("alias", None), {}, [ACCOUNT]),
    ("account_alias", "error", section_error("alias"), {}, "alias could not be read"),
    # no_root_daily_user
    ("no_root_daily_user", "pass", None, {}, "user alice"),
    ("no_root_daily_user", "fail", remove_admin_group, {}, [ACCOUNT]),
    (
        "no_root_daily_user",
        "fail",  # a role only EC2 can assume is no administrator for a person
        both(remove_admin_group, add_role("app-admin", {"Service": "ec2.amazonaws.com"}, managed=[ADMIN])),
        {},
        [ACCOUNT],
    ),
    (
        "no_root_daily_user",
        "pass",
        both(remove_admin_group, add_role("OrganizationAccountAccessRole", {"AWS": ROOT_ARN}, managed=[ADMIN])),
        {},
        "role OrganizationAccountAccessRole",
    ),
    ("no_root_daily_user", "error", section_error("managed_policy_documents"), {}, "no administrator found"),
    ("no_root_daily_user", "error", section_error("authorization_details"), {}, "authorization details"),
]


def _case_id(case):
    return "%s-%s" % (case[0], case[1])


@pytest.mark.parametrize("control, status, change, options, expected", CASES, ids=[_case_id(c) for c in CASES])
def test_control(control, status, change, options, expected):
    posture = clean()
    if change is not None:
        change(posture)
    finding = evaluate(posture, **options)[control]
    assert finding["status"] == status, finding
    if isinstance(expected, list):
        assert [r["name"] for r in finding["resources"]] == expected, finding
        for resource in finding["resources"]:
            assert set(resource) == {"type", "name", "arn", "reason"} and resource["reason"], resource
    else:
        texts = [finding["reason"]] + [r["reason"] for r in finding["resources"]]
        assert any(expected in text for text in texts), finding
    if status in ("pass", "error"):
        assert finding["resources"] == []
    assert finding["reason"]


def test_every_control_has_a_pass_and_a_fail_case_and_error_where_it_reads_something():
    seen = {}
    for control, status, *_rest in CASES:
        seen.setdefault(control, set()).add(status)
    assert set(seen) == set(findings.CONTROL_IDS)
    for control, statuses in seen.items():
        assert "error" in statuses, control
        assert ("pass" in statuses and "fail" in statuses) or control == "central_identity", control
    assert seen["central_identity"] == {"pass", "manual", "error"}


def test_the_clean_account_passes_everything_but_the_judgement():
    result = evaluate(clean())
    assert {k: f["status"] for k, f in result.items() if f["status"] != "pass"} == {"central_identity": "manual"}


def test_nothing_read_is_an_error_everywhere_never_a_pass():
    result = findings.evaluate({}, None, NOW)
    assert [f["id"] for f in result] == list(findings.CONTROL_IDS)
    assert {f["status"] for f in result} == {"error"}
    assert all(f["reason"].endswith("was not read") for f in result if "root" not in f["id"]), result


def test_the_simulator_without_root_row_access_analyzer_or_service_credentials():
    posture = clean()
    no_root_row(posture)
    posture["summary"].update(AccountMFAEnabled=0, AccountAccessKeysPresent=0)  # what moto says
    posture["access_analyzer"] = {}
    posture["section_errors"]["access_analyzer"] = "us-east-1: ListAnalyzers: the endpoint gave no valid answer"
    posture.pop("service_specific_credentials")
    posture["section_errors"]["service_specific_credentials"] = "not implemented"
    result = evaluate(posture)
    errors = sorted(k for k, f in result.items() if f["status"] == "error")
    assert errors == sorted(
        [
            "root_access_key_absent",
            "root_mfa_enabled",
            "root_hardware_mfa",
            "root_not_used",
            "access_analyzer",
            "unused_credentials_disabled",
        ]
    )


def test_findings_have_the_contract_shape():
    posture = clean()
    add_user("carol", managed=[ADMIN])(posture)
    result = findings.evaluate(posture, OPTIONS, NOW)
    assert [f["id"] for f in result] == list(findings.CONTROL_IDS)
    for finding in result:
        assert set(finding) == FINDING_KEYS
        assert finding["status"] in findings.STATUSES
        assert finding["severity"] in findings.SEVERITIES
        assert set(finding["cis"]) <= {"3.0", "7.0"}
        assert all(re.match(r"^[12]\.[0-9]+$", v) for v in finding["cis"].values())
        assert finding["practice"] is None or 1 <= finding["practice"] <= 10
        assert finding["remediation"].startswith(("hardening.aws.", "needs a person: "))
    carol = [r for f in result if f["id"] == "no_full_admin_policy" for r in f["resources"]]
    assert carol == [
        {
            "type": "user",
            "name": "carol",
            "arn": "arn:aws:iam::%s:user/carol" % ACCOUNT,
            "reason": "AdministratorAccess (AWS managed) allows * on *",
        }
    ]
    assert findings.totals(result) == {"pass": 19, "fail": 2, "manual": 1, "error": 0}


def test_the_input_is_not_changed():
    posture = clean()
    before = copy.deepcopy(posture)
    findings.evaluate(posture, OPTIONS, NOW)
    assert posture == before


def test_severities_that_must_not_drift():
    severity = {c["id"]: c["severity"] for c in findings.CATALOGUE}
    assert severity["root_access_key_absent"] == severity["root_mfa_enabled"] == "critical"
    assert severity["no_full_admin_policy"] == severity["console_users_mfa"] == "high"


def test_sections_needed_are_sections_the_module_reads():
    from ansible_collections.hardening.aws.plugins.module_utils import _iam_posture_info as posture

    assert set(findings.sections_needed()) - set(posture.SECTIONS) == {"managed_policy_documents"}


# --- the catalogue against shared/CONTROLS.md and the roles ----------------------------------------


def _controls_md_rows():
    with open(CONTROLS_MD, encoding="utf-8") as handle:
        lines = handle.read().split("# Control catalogue", 1)[1].splitlines()
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 7 and re.match(r"^[a-z_]+$", cells[0]) and cells[0] != "---":
            rows.append(cells)
    return rows


@pytest.mark.skipif(not os.path.exists(CONTROLS_MD), reason="shared/CONTROLS.md is not beside the checkout (CI has it)")
def test_catalogue_is_controls_md():
    rows = _controls_md_rows()
    assert [r[0] for r in rows] == list(findings.CONTROL_IDS)
    for cells, control in zip(rows, findings.CATALOGUE):
        cid, title, cis3, cis7 = cells[:4]
        assert control["title"] == title, cid
        expected = {k: v for k, v in (("3.0", cis3), ("7.0", cis7)) if v not in ("–", "-", "")}
        assert control["cis"] == expected, cid


def _role_variables(role):
    path = os.path.join(REPO, "roles", role, "meta", "argument_specs.yml")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return set(yaml.safe_load(handle)["argument_specs"]["main"]["options"])


def test_remediations_name_real_role_variables():
    named = 0
    for control in findings.CATALOGUE:
        for role, variables in re.findall(r"hardening\.aws\.([a-z_]+): ([a-z_, ]+)", control["remediation"]):
            known = _role_variables(role)
            if known is None:
                assert role == "key_rotation", control["id"]  # issue 6 builds it in parallel
                continue
            for variable in [v.strip() for v in variables.split(",") if v.strip().startswith(role)]:
                assert variable in known, (control["id"], variable)
                named += 1
    assert named >= 10


def test_docs_controls_table_is_the_catalogue():
    path = os.path.join(REPO, "docs", "audit.md")
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    if "<!-- controls:start -->" not in text:
        pytest.skip("docs/audit.md has no Controls section yet")
    section = text.split("<!-- controls:start -->", 1)[1].split("<!-- controls:end -->", 1)[0]
    rows = [
        [c.strip() for c in line.strip().strip("|").split(" | ")]
        for line in section.splitlines()
        if line.startswith("| `")
    ]
    assert [r[0].strip("`") for r in rows] == list(findings.CONTROL_IDS)
    for cells, control in zip(rows, findings.CATALOGUE):
        assert cells[2] == control["severity"], control["id"]
        assert cells[3] == control["cis"].get("3.0", "–") and cells[4] == control["cis"].get("7.0", "–")
        assert cells[5] == (str(control["practice"]) if control["practice"] else "–"), control["id"]
        assert cells[-1].replace("\\|", "|") == control["remediation"], control["id"]
