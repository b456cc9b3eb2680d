"""The baseline role's planner (plugins/module_utils/_baseline.py).

The round trip is the point: on a fresh account the plan lists every item, applying the
plan with the modules converges the account, and the plan of the converged account is
empty. The other tests pin the decisions: what is drift, what is left to a person, who a
remediation never touches.
"""

from __future__ import annotations

import copy
import datetime
import json
import os

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from moto.iam.models import AWSManagedPolicy, iam_backends

from ansible_collections.hardening.aws.plugins.module_utils import _baseline
from ansible_collections.hardening.aws.plugins.module_utils import _iam_group as group_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_managed_policy as policy_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_password_policy as password_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_posture_info as posture_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_role as role_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_user as user_utils
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute
from awslab import patches

ACCOUNT = "123456789012"
CALLER = "arn:aws:sts::%s:assumed-role/OrganizationAccountAccessRole/hardening-aws" % ACCOUNT
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
AWS_MANAGED = ("AdministratorAccess", "PowerUserAccess", "SecurityAudit", "AWSSupportAccess", "ReadOnlyAccess")
CIS = dict(
    min_password_length=14,
    password_reuse_prevention=24,
    require_symbols=True,
    require_numbers=True,
    require_uppercase=True,
    require_lowercase=True,
    allow_users_to_change_password=True,
)
# The plan's lists the role's tasks loop over (tasks/controls.yml).
CONTROLS = _baseline.APPLIED_CONTROLS


def example_config(**overrides):
    """examples/baseline-vars.yml as the role hands it to the planner."""
    with open(os.path.join(REPO, "examples", "baseline-vars.yml"), encoding="utf-8") as handle:
        example = yaml.safe_load(handle)
    config = {key[len("baseline_") :]: value for key, value in example.items()}
    config["account_alias"] = "acme-%s" % ACCOUNT
    # AmazonSSMManagedInstanceCore is not among the few AWS managed policies loaded here.
    config["instance_roles"] = [{"name": "app-server", "managed_policies": ["ReadOnlyAccess"]}]
    config.update(account_id=ACCOUNT, caller_arn=CALLER, check_mode=False, password_policy=dict(CIS))
    config.update(overrides)
    return config


@pytest.fixture
def account(aws):
    """moto with the lab's patches and the AWS managed policies the example names."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    was_installed = patches.installed()
    if not was_installed:
        patches.install()
    data = json.loads(aws_managed_policies_data)
    backend = iam_backends[ACCOUNT]["aws"]
    for name in AWS_MANAGED:
        policy = AWSManagedPolicy.from_data(name, ACCOUNT, "us-east-1", data[name])
        backend.managed_policies[policy.arn] = policy
        backend.aws_managed_policies.append(policy)
    yield backend
    if not was_installed:
        patches.uninstall()


def _params(spec, options):
    result = ArgumentSpecValidator(spec.argument_spec, **spec.validator_kwargs()).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def read_posture(context, users=()):
    options = dict(login_profile_users=list(users), user_policy_documents=True)
    result = posture_utils.run(context(), _params(posture_utils.MODULE_SPEC, options), check_mode=False, diff=False)
    return result


def apply(plan, context):
    """Run the modules the role runs, in the role's order, for what the plan lists."""
    changed = []
    modules = (
        ("password_policy", password_utils.MODULE_SPEC, lambda item: dict(item, state="present")),
        ("mfa_policy", policy_utils.MODULE_SPEC, dict),
        ("groups", group_utils.MODULE_SPEC, dict),
        ("users", user_utils.MODULE_SPEC, dict),
        ("support_role", role_utils.MODULE_SPEC, dict),
        ("instance_roles", role_utils.MODULE_SPEC, dict),
        ("direct_user_policies", user_utils.MODULE_SPEC, dict),
        ("admin_user_policies", user_utils.MODULE_SPEC, dict),
    )
    for control, spec, to_options in modules:
        for item in plan[control]:
            result = execute(spec, _params(spec, to_options(item)), False, False, context_factory=context)
            assert not result.get("failed"), (control, item, result.get("msg"))
            changed.append((control, result["changed"]))
    return changed


def test_fresh_account_round_trip(account, context):
    config = example_config(account_alias="")  # aliases are global in moto: tested in the lab
    console = [u["name"] for u in config["users"] if "console_access" in u]
    plan = _baseline.plan(read_posture(context, console), config)
    assert [p["name"] for p in plan["groups"]] == ["admins", "developers", "auditors"]
    assert [p["name"] for p in plan["users"]] == ["ops-admin", "auditor"]
    ops = plan["users"][0]
    assert ops["console_access"] is True and ops["password_reset_required"] is True
    assert ops["store"] == "secretsmanager"
    mfa_arn = "arn:aws:iam::%s:policy/HardeningRequireMFA" % ACCOUNT
    assert plan["groups"][0]["managed_policies"] == ["AdministratorAccess", mfa_arn]
    assert mfa_arn not in plan["groups"][2]["managed_policies"]
    assert plan["support_role"][0]["managed_policies"] == ["AWSSupportAccess"]

    assert plan["to_apply"] == ["password_policy", "mfa_policy", "groups", "users", "support_role", "instance_roles"]
    changed = apply(plan, context)
    assert changed and all(flag for _control, flag in changed)

    again = _baseline.plan(read_posture(context, console), config)
    assert {control: again[control] for control in CONTROLS} == {control: [] for control in CONTROLS}
    assert again["to_apply"] == []  # the role then skips every control's tasks with one


def test_drift_after_convergence_is_found(account, context):
    config = example_config(account_alias="")
    apply(_baseline.plan(read_posture(context, ["ops-admin"]), config), context)
    iam = context().client("iam").raw
    iam.detach_group_policy(GroupName="admins", PolicyArn="arn:aws:iam::%s:policy/HardeningRequireMFA" % ACCOUNT)
    iam.delete_login_profile(UserName="ops-admin")
    iam.update_account_password_policy(MinimumPasswordLength=8)
    plan = _baseline.plan(read_posture(context, ["ops-admin"]), config)
    assert [p["name"] for p in plan["groups"]] == ["admins"]
    assert [p["name"] for p in plan["users"]] == ["ops-admin"]
    assert plan["users"][0]["password_reset_required"] is True  # a new password again
    assert plan["password_policy"] == [dict(CIS, state="present")]
    assert plan["to_apply"] == ["password_policy", "groups", "users"]


def test_existing_console_user_is_not_forced_to_reset(account, context):
    config = example_config(account_alias="")
    apply(_baseline.plan(read_posture(context, ["ops-admin"]), config), context)
    # ops-admin changed the password since: AWS clears the reset flag.
    context().client("iam").raw.update_login_profile(UserName="ops-admin", PasswordResetRequired=False)
    plan = _baseline.plan(read_posture(context, ["ops-admin"]), config)
    assert plan["users"] == []


def test_check_mode_leaves_groups_this_run_creates_out_of_memberships(account, context):
    plan = _baseline.plan(read_posture(context, ["ops-admin"]), example_config(check_mode=True))
    assert plan["users"][0]["groups"] == []
    assert "user ops-admin joins admins once it is created (not shown in check mode)" in plan["notes"]


def _posture(**sections):
    base = {"users": {}, "groups": {}, "roles": {}, "policies": {}}
    base.update(sections)
    return base


def _user(name, managed=(), inline=None, groups=()):
    return {
        "user_name": name,
        "user_id": "AIDA" + name.upper(),
        "arn": "arn:aws:iam::%s:user/%s" % (ACCOUNT, name),
        "path": "/",
        "create_date": "2026-01-01T00:00:00+00:00",
        "tags": {},
        "permissions_boundary": None,
        "groups": sorted(groups),
        "managed_policies": sorted(managed),
        "inline_policies": inline or {},
    }


def _config(**overrides):
    config = dict(account_id=ACCOUNT, caller_arn=CALLER, password_policy_enabled=False, support_role_enabled=False)
    config.update(overrides)
    return config


@pytest.mark.parametrize(
    "overrides, field, fragment",
    [
        (dict(users=[{"name": "ann", "groups": ["nope"]}]), "baseline_users[ann].groups", "'nope' neither"),
        (dict(users=[{"name": "bad user!"}]), "baseline_users[].name", "bad user!"),
        (dict(groups=[{"name": "a"}, {"name": "A"}]), "baseline_groups", "listed twice"),
        (dict(groups=[{"name": "g", "managed_policies": ["no such policy"]}]), "managed_policies", "no such policy"),
        (dict(groups=[{"name": "g", "inline_policies": {"p": "{not json"}}]), "inline_policies[p]", ""),
        (
            dict(password_policy_enabled=True, password_policy={"min_password_length": 200}),
            "baseline_password_policy",
            "200",
        ),
        (dict(password_policy_enabled=True, password_policy={"colour": "blue"}), "baseline_password_policy", "colour"),
    ],
)
def test_bad_settings_fail_naming_the_field_and_value(overrides, field, fragment):
    with pytest.raises(HardeningError) as failure:
        _baseline.plan(_posture(), _config(**overrides))
    assert field in failure.value.msg and fragment in failure.value.msg


def test_a_role_description_reads_as_drift_because_the_bulk_read_lacks_it():
    trust = _baseline.trust_policy({"Service": "ec2.amazonaws.com"})
    role = {
        "name": "app",
        "arn": "arn:aws:iam::%s:role/app" % ACCOUNT,
        "path": "/",
        "description": None,
        "assume_role_policy": trust,
        "max_session_duration": None,
        "permissions_boundary": None,
        "tags": {},
        "managed_policies": [],
        "inline_policies": {},
        "instance_profiles": [{"name": "app", "arn": "x", "path": "/", "roles": ["app"]}],
    }
    posture = _posture(roles={"app": role})
    assert _baseline.plan(posture, _config(instance_roles=[{"name": "app"}]))["instance_roles"] == []
    with_description = [{"name": "app", "description": "web"}]
    assert len(_baseline.plan(posture, _config(instance_roles=with_description))["instance_roles"]) == 1


def test_remediations_spare_break_glass_users_and_the_caller():
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    users = {
        "bob": _user("bob", [admin, readonly]),
        "carol": _user("carol", [admin]),
        "deploy": _user("deploy", [admin]),
        "dan": _user("dan", [], inline={"all": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}),
    }
    posture = _posture(
        users=users,
        policy_documents={
            admin: {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
            readonly: {"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]},
        },
    )
    config = _config(
        caller_arn="arn:aws:iam::%s:user/deploy" % ACCOUNT,
        break_glass_users=["Carol"],
        admin_user_policies_enabled=True,
    )
    plan = _baseline.plan(posture, config)
    assert plan["admin_user_policies"] == [
        {"name": "bob", "managed_policies": [readonly], "purge_managed_policies": True}
    ]
    assert any("dan: inline policy all allows * on *" in item for item in plan["needs_a_human"])

    config.update(
        direct_user_policies_enabled=True,
        direct_user_policy_groups={"ReadOnlyAccess": "readers"},
        groups=[{"name": "readers", "managed_policies": ["ReadOnlyAccess"]}],
    )
    plan = _baseline.plan(posture, config)
    assert plan["direct_user_policies"] == [
        {"name": "bob", "managed_policies": [], "purge_managed_policies": True, "groups": ["readers"]}
    ]
    assert plan["admin_user_policies"] == []  # bob is handled by the move, the others are exempt


def test_a_mapped_group_without_the_policy_keeps_it_attached():
    readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    posture = _posture(users={"bob": _user("bob", [readonly])}, groups={})
    config = _config(
        direct_user_policies_enabled=True,
        direct_user_policy_groups={"ReadOnlyAccess": "readers"},
        groups=[{"name": "readers", "managed_policies": []}],
    )
    plan = _baseline.plan(posture, config)
    assert plan["direct_user_policies"] == []
    assert any("mapped to group readers, which does not carry it" in item for item in plan["needs_a_human"])


def _row(user, password=True, key1=False, used1=None, rotated1=None):
    return {
        "user": user,
        "password_enabled": password,
        "access_key_1_active": key1,
        "access_key_1_last_used_date": used1,
        "access_key_1_last_rotated": rotated1,
        "access_key_2_active": False,
    }


def test_never_used_keys_of_console_users_are_candidates():
    now = "2026-11-29T00:00:00+00:00"
    report = [
        _row("ann", key1=True, rotated1="2026-10-01T00:00:00+00:00"),  # never used, old: candidate
        _row("ben", key1=True, rotated1="2026-11-28T00:00:00+00:00"),  # one day old: kept
        _row("cat", key1=True, used1="2026-11-01T00:00:00+00:00", rotated1="2026-10-01T00:00:00+00:00"),
        _row("svc", password=False, key1=True, rotated1="2026-01-01T00:00:00+00:00"),  # no console
        _row("glass", key1=True, rotated1="2026-01-01T00:00:00+00:00"),
    ]
    config = _config(
        unused_console_keys_enabled=True, unused_console_keys_min_age_days=7, now=now, break_glass_users=["glass"]
    )
    plan = _baseline.plan(_posture(credential_report=report), config)
    assert [item["user_name"] for item in plan["unused_console_keys"]] == ["ann"]


def test_root_checks_become_items_for_a_person():
    now = "2026-11-29T00:00:00+00:00"
    root = {"user": "<root_account>", "password_last_used": "2026-11-27T00:00:00+00:00"}
    posture = _posture(summary={"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1}, credential_report=[root])
    items = _baseline.plan(posture, _config(now=now))["needs_a_human"]
    assert [i.split(":")[1].split(";")[0].strip() for i in items] == [
        "enable MFA, ideally a hardware key (CIS 1.5 / 1.6)",
        "delete its access keys (CIS 1.4)",
        "used 2 day(s) ago (password_last_used)",
    ]
    clean = _posture(
        summary={"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0},
        credential_report=[dict(root, password_last_used="2025-01-01T00:00:00+00:00")],
    )
    assert _baseline.plan(clean, _config(now=now))["needs_a_human"] == []
    assert _baseline.plan(posture, _config(now=now, root_checks_enabled=False))["needs_a_human"] == []


@pytest.mark.parametrize(
    "statement, expected",
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": ["s3:*", "*"], "Resource": ["*"]}, True),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}, False),
        ({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}, False),
    ],
)
def test_full_admin(statement, expected):
    assert _baseline.full_admin({"Version": "2012-10-17", "Statement": [statement]}) is expected


def test_summary_names_what_changed_and_what_needs_a_person():
    results = {
        "groups": {
            "results": [{"changed": True, "item": {"name": "admins"}}, {"changed": False, "item": {"name": "x"}}]
        },
        "users": {
            "results": [
                {
                    "changed": True,
                    "item": {"name": "ops"},
                    "password_delivery": {"store": "secretsmanager", "name": "hardening/console-passwords/ops"},
                }
            ]
        },
        "password_policy": {"results": [{"changed": True, "item": copy.deepcopy(CIS)}]},
    }
    summary = _baseline.summarise(results, {"needs_a_human": ["root user: enable MFA"], "notes": []}, ACCOUNT, True)
    assert summary["changed"] == [
        "password policy",
        "group admins",
        "user ops (console password in secretsmanager hardening/console-passwords/ops)",
    ]
    assert summary["lines"][0].startswith("account %s: would change password policy, group admins" % ACCOUNT)
    assert summary["lines"][1] == "account %s: needs a person: root user: enable MFA" % ACCOUNT


def test_age_days_accepts_report_dates():
    now = datetime.datetime(2026, 11, 29, tzinfo=datetime.timezone.utc)
    assert _baseline._age_days("2026-11-19T00:00:00+00:00", now) == 10
    assert _baseline._age_days(None, now) is None
    assert _baseline._age_days("not a date", now) is None


def test_console_users_without_mfa_are_named_for_a_person():
    report = [
        {"user": "<root_account>", "password_enabled": None, "mfa_active": False},
        {"user": "ann", "password_enabled": True, "mfa_active": False},
        {"user": "ben", "password_enabled": True, "mfa_active": True},
        {"user": "svc", "password_enabled": False, "mfa_active": False},
        {"user": "amy", "password_enabled": True, "mfa_active": False},
    ]
    items = _baseline.plan(_posture(credential_report=report), _config())["needs_a_human"]
    assert items[-1].startswith("console users without MFA: amy, ann; each must enrol")
    assert _baseline.plan(_posture(credential_report=report), _config(root_checks_enabled=False))["needs_a_human"] == []
