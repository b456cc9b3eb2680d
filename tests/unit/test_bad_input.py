"""Bad input for every module fails before any change, naming the option and the value (issue 9).

One table (CASES) holds, per module, options a user could get wrong: wrong types,
malformed IAM names, ARNs and account ids, policy JSON that does not parse, unknown
managed policies, users or groups, and conflicting options. Each case runs the way a
task does (the module's action plugin on a local connection: ansible-core's argument
spec validation, then the module's ``validate`` and ``run``) against a fresh
in-process moto, with every AWS API call recorded by a botocore hook. A case passes
when the task fails, its message names the option and the offending value, and no call
was made; a case that needs a lookup to know the value is wrong (an unknown managed
policy, a user that does not exist) may make reads (Get*, List*) but nothing else.

A module in plugins/modules with fewer than three cases of its own fails
``test_every_module_has_cases``, so a new module cannot arrive without them. Every
module also gets the common cases (COMMON_CASES) for the connection options all of
them share.
"""

from __future__ import annotations

import importlib
import os
import re
from collections import namedtuple
from types import SimpleNamespace

import boto3
import botocore.handlers
import pytest
from moto import mock_aws

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES_DIR = os.path.join(REPO, "plugins", "modules")

# Reads: what a lookup may do before it knows the input is wrong.
READ = re.compile(r"^[a-z-]+:(Get|List)[A-Za-z]+$")

VALID_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}'
)
BROKEN_JSON = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",}]}'
# The part of BROKEN_JSON around the error, which the message quotes.
BROKEN_NEAR = """near '[{"Effect": "Allow",}]}'"""
TRUST = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},'
    ' "Action": "sts:AssumeRole"}]}'
)
ROLE_ARN = "arn:aws:iam::222222222222:role/HardeningAutomation"

# Minimal valid options per module; a case's options are laid over them (None removes one).
# A per-account report as audit_report_file writes it; its folder does not exist, so a case
# that got past the checks could still write nothing.
REPORT = {"account_id": "210000000001", "findings": [], "totals": {}}
NO_FOLDER = "/nonexistent-hardening-audit"

BASE = {
    "audit_report_file": {"data": REPORT, "dest": NO_FOLDER + "/210000000001.json"},
    "iam_access_key": {"user_name": "alice", "active_keys": 1},
    "iam_access_key_rotation": {"user_name": "alice"},
    "iam_account_alias": {"alias": "acme-prod"},
    "iam_account_info": {},
    "iam_credential_report_info": {},
    "iam_group": {"name": "developers"},
    "iam_managed_policy": {"name": "read-buckets", "policy": VALID_POLICY},
    "iam_password_policy": {"min_password_length": 14},
    "iam_posture_info": {},
    "iam_role": {"name": "app", "assume_role_policy": TRUST},
    "iam_user": {"name": "alice"},
    "iam_user_disable": {"name": "alice"},
    "iam_user_info": {},
    "iam_virtual_mfa_device": {"user_name": "alice"},
    "sts_session": {"assume_role_arn": ROLE_ARN},
}


def _seed_alice(iam):
    iam.create_user(UserName="alice")


def _seed_developers(iam):
    iam.create_group(GroupName="developers")


def _seed_app_role(iam):
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)


# kind: a label for the report; options laid over BASE; field and value must both appear
# in the message (for conflicting options, value is the other option); lookup: reads are
# allowed; seed: a function of an IAM client that prepares the account.
Case = namedtuple("Case", "module kind options field value lookup seed", defaults=(False, None))

CASES = [
    # audit_report_file (no AWS: the checks run before the file is rendered or written)
    Case("audit_report_file", "choice", {"format": "pdf"}, "format", "pdf"),
    Case("audit_report_file", "mode", {"mode": "rw-------"}, "mode", "rw-------"),
    Case("audit_report_file", "mode", {"mode": "0800"}, "mode", "0800"),
    Case("audit_report_file", "shape", {"format": "html"}, "data", "format html"),
    Case("audit_report_file", "shape", {"data": {"account_id": "210000000001"}}, "data", "account_id"),
    Case("audit_report_file", "folder", {}, "dest", NO_FOLDER),
    # iam_access_key
    Case("iam_access_key", "type", {"active_keys": "two"}, "active_keys", "two"),
    Case("iam_access_key", "name", {"user_name": "bob smith"}, "user_name", "bob smith"),
    Case("iam_access_key", "id", {"active_keys": None, "id": "AKIA123"}, "id", "AKIA123"),
    Case("iam_access_key", "choice", {"active_keys": 3}, "active_keys", "3"),
    Case("iam_access_key", "conflict", {"id": "AKIAIOSFODNN7EXAMPLE"}, "id", "active_keys"),
    Case("iam_access_key", "conflict", {"active_keys": None, "never_used": True}, "never_used", "state=absent"),
    Case("iam_access_key", "range", {"min_age_days": -1}, "min_age_days", "-1"),
    Case("iam_access_key", "kms", {"store": "secretsmanager", "kms_key_id": "my key"}, "kms_key_id", "my key"),
    Case("iam_access_key", "conflict", {"secret_name": "alice-key"}, "secret_name", "store=none"),
    # iam_access_key_rotation
    Case("iam_access_key_rotation", "type", {"max_age_days": "ninety"}, "max_age_days", "ninety"),
    Case("iam_access_key_rotation", "name", {"user_name": "alice/ops"}, "user_name", "alice/ops"),
    Case("iam_access_key_rotation", "choice", {"store": "vault"}, "store", "vault"),
    Case("iam_access_key_rotation", "secret", {"store": "ssm", "secret_name": "aws/keys/alice"}, "secret_name",
         "aws/keys/alice"),
    Case("iam_access_key_rotation", "conflict", {"deactivate_after_days": 30, "delete_after_days": 20},
         "delete_after_days", "20"),
    Case("iam_access_key_rotation", "range", {"max_age_days": 0}, "max_age_days", "0"),
    # iam_account_alias
    Case("iam_account_alias", "name", {"alias": "Acme_Prod"}, "alias", "Acme_Prod"),
    Case("iam_account_alias", "name", {"alias": "acme--prod"}, "alias", "acme--prod"),
    Case("iam_account_alias", "choice", {"state": "gone"}, "state", "gone"),
    Case("iam_account_alias", "type", {"alias": ["acme", "prod"]}, "alias", "acme"),
    # iam_account_info
    Case("iam_account_info", "choice", {"gather": ["everything"]}, "gather", "everything"),
    # ansible-core names the type, not the value, when a dict or a string cannot become a list or a dict.
    Case("iam_account_info", "type", {"gather": {"alias": True}}, "gather", "dict"),
    Case("iam_account_info", "conflict", {"profile": "ops", "access_key": "AKIAIOSFODNN7EXAMPLE"}, "profile",
         "access_key"),
    # iam_credential_report_info
    Case("iam_credential_report_info", "type", {"max_age_hours": "four"}, "max_age_hours", "four"),
    Case("iam_credential_report_info", "range", {"max_age_hours": -1}, "max_age_hours", "-1"),
    Case("iam_credential_report_info", "range", {"wait_timeout": -5}, "wait_timeout", "-5"),
    # iam_group
    Case("iam_group", "name", {"name": "dev team"}, "name", "dev team"),
    Case("iam_group", "path", {"path": "teams"}, "path", "teams"),
    Case("iam_group", "arn", {"managed_policies": ["arn:aws:iam::12345:policy/Ops"]}, "managed_policies",
         "arn:aws:iam::12345:policy/Ops"),
    Case("iam_group", "json", {"inline_policies": {"ops": BROKEN_JSON}}, "inline_policies[ops]", BROKEN_NEAR),
    Case("iam_group", "name", {"inline_policies": {"ops policy": VALID_POLICY}}, "inline_policies", "ops policy"),
    Case("iam_group", "name", {"members": ["bob smith"]}, "members", "bob smith"),
    Case("iam_group", "type", {"purge_members": "sometimes"}, "purge_members", "sometimes"),
    Case("iam_group", "unknown policy", {"managed_policies": ["NoSuchPolicy"]}, "managed_policies", "NoSuchPolicy",
         lookup=True, seed=_seed_developers),
    Case("iam_group", "unknown policy", {"managed_policies": ["NoSuchPolicy"]}, "managed_policies", "NoSuchPolicy",
         lookup=True),
    Case("iam_group", "unknown policy", {"managed_policies": ["arn:aws:iam::aws:policy/NoSuchPolicy"]},
         "managed_policies", "arn:aws:iam::aws:policy/NoSuchPolicy", lookup=True),
    Case("iam_group", "unknown user", {"members": ["ghost"]}, "members", "ghost", lookup=True),
    # iam_managed_policy
    Case("iam_managed_policy", "name", {"name": "read buckets"}, "name", "read buckets"),
    Case("iam_managed_policy", "path", {"path": "/no-trailing-slash"}, "path", "/no-trailing-slash"),
    Case("iam_managed_policy", "json", {"policy": BROKEN_JSON}, "policy", BROKEN_NEAR),
    Case("iam_managed_policy", "json", {"policy": "[1, 2]"}, "policy", "list"),
    Case("iam_managed_policy", "tags", {"tags": {"aws:owner": "ops"}}, "tags", "aws:owner"),
    Case("iam_managed_policy", "type", {"purge_tags": "maybe"}, "purge_tags", "maybe"),
    Case("iam_managed_policy", "type", {"tags": "owner"}, "tags", "str"),
    # iam_password_policy
    Case("iam_password_policy", "type", {"min_password_length": "fourteen"}, "min_password_length", "fourteen"),
    Case("iam_password_policy", "range", {"min_password_length": 5}, "min_password_length", "5"),
    Case("iam_password_policy", "range", {"max_password_age": 2000}, "max_password_age", "2000"),
    Case("iam_password_policy", "type", {"require_symbols": "perhaps"}, "require_symbols", "perhaps"),
    Case("iam_password_policy", "choice", {"state": "off"}, "state", "off"),
    # iam_posture_info
    Case("iam_posture_info", "choice", {"gather": ["everything"]}, "gather", "everything"),
    Case("iam_posture_info", "name", {"login_profile_users": ["bob smith"]}, "login_profile_users", "bob smith"),
    Case("iam_posture_info", "region", {"regions": ["mars-1"]}, "regions", "mars-1"),
    Case("iam_posture_info", "conflict", {"user_policy_documents": True, "gather": ["summary"]},
         "user_policy_documents", "authorization_details"),
    Case("iam_posture_info", "range", {"key_max_age_days": 0}, "key_max_age_days", "0"),
    Case("iam_posture_info", "name", {"break_glass_roles": ["break glass"]}, "break_glass_roles", "break glass"),
    Case("iam_posture_info", "type", {"findings": "yes please"}, "findings", "yes please"),
    # iam_role
    Case("iam_role", "name", {"name": "app role"}, "name", "app role"),
    Case("iam_role", "json", {"assume_role_policy": BROKEN_JSON}, "assume_role_policy", BROKEN_NEAR),
    Case("iam_role", "arn", {"permissions_boundary": "arn:aws:iam::123:policy/Boundary"}, "permissions_boundary",
         "arn:aws:iam::123:policy/Boundary"),
    Case("iam_role", "type", {"max_session_duration": "long"}, "max_session_duration", "long"),
    Case("iam_role", "range", {"max_session_duration": 60}, "max_session_duration", "60"),
    Case("iam_role", "json", {"inline_policies": {"ops": "not json"}}, "inline_policies[ops]", "'not json'"),
    Case("iam_role", "unknown policy", {"managed_policies": ["NoSuchPolicy"]}, "managed_policies", "NoSuchPolicy",
         lookup=True),
    Case("iam_role", "unknown policy", {"managed_policies": ["NoSuchPolicy"]}, "managed_policies", "NoSuchPolicy",
         lookup=True, seed=_seed_app_role),
    Case("iam_role", "unknown policy", {"permissions_boundary": "arn:aws:iam::aws:policy/NoSuchBoundary"},
         "permissions_boundary", "arn:aws:iam::aws:policy/NoSuchBoundary", lookup=True),
    # iam_user
    Case("iam_user", "name", {"name": "alice smith"}, "name", "alice smith"),
    Case("iam_user", "name", {"name": "a" * 65}, "name", "a" * 65),
    Case("iam_user", "path", {"path": "users"}, "path", "users"),
    Case("iam_user", "name", {"groups": ["dev team"]}, "groups", "dev team"),
    Case("iam_user", "arn", {"managed_policies": ["arn:aws:iam::abc:policy/Ops"]}, "managed_policies",
         "arn:aws:iam::abc:policy/Ops"),
    Case("iam_user", "arn", {"permissions_boundary": "arn:aws:iam:123456789012:policy/B"}, "permissions_boundary",
         "arn:aws:iam:123456789012:policy/B"),
    Case("iam_user", "json", {"inline_policies": {"ops": BROKEN_JSON}}, "inline_policies[ops]", BROKEN_NEAR),
    Case("iam_user", "type", {"console_access": "sometimes"}, "console_access", "sometimes"),
    Case("iam_user", "choice", {"update_password": "never"}, "update_password", "never"),
    Case("iam_user", "conflict", {"kms_key_id": "alias/secrets"}, "kms_key_id", "store=none"),
    Case("iam_user", "unknown policy", {"managed_policies": ["NoSuchPolicy"]}, "managed_policies", "NoSuchPolicy",
         lookup=True),
    Case("iam_user", "unknown policy", {"managed_policies": ["NoSuchPolicy"]}, "managed_policies", "NoSuchPolicy",
         lookup=True, seed=_seed_alice),
    Case("iam_user", "unknown policy", {"managed_policies": ["arn:aws:iam::aws:policy/NoSuchPolicy"]},
         "managed_policies", "arn:aws:iam::aws:policy/NoSuchPolicy", lookup=True),
    Case("iam_user", "unknown group", {"groups": ["ghosts"]}, "groups", "ghosts", lookup=True),
    # iam_user_disable
    Case("iam_user_disable", "name", {"name": "alice smith"}, "name", "alice smith"),
    Case("iam_user_disable", "name", {"revoke_policy_name": "revoke sessions"}, "revoke_policy_name",
         "revoke sessions"),
    Case("iam_user_disable", "time", {"disabled_at": "yesterday"}, "disabled_at", "yesterday"),
    Case("iam_user_disable", "type", {"name": {"user": "alice"}}, "name", "alice"),
    # iam_user_info
    Case("iam_user_info", "conflict", {"name": "alice", "names": ["bob"]}, "name", "names"),
    Case("iam_user_info", "name", {"name": "alice smith"}, "name", "alice smith"),
    Case("iam_user_info", "name", {"names": ["bob", "carol jones"]}, "names", "carol jones"),
    Case("iam_user_info", "path", {"path_prefix": "users"}, "path_prefix", "users"),
    Case("iam_user_info", "range", {"max_age_hours": -1}, "max_age_hours", "-1"),
    # iam_virtual_mfa_device
    Case("iam_virtual_mfa_device", "name", {"user_name": "alice smith"}, "user_name", "alice smith"),
    Case("iam_virtual_mfa_device", "name", {"name": "alice phone"}, "name", "alice phone"),
    Case("iam_virtual_mfa_device", "path", {"path": "mfa/"}, "path", "mfa/"),
    Case("iam_virtual_mfa_device", "choice", {"store": "vault"}, "store", "vault"),
    Case("iam_virtual_mfa_device", "secret", {"secret_name": "mfa seed!"}, "secret_name", "mfa seed!"),
    Case("iam_virtual_mfa_device", "kms", {"kms_key_id": "arn:aws:kms:key"}, "kms_key_id", "arn:aws:kms:key"),
    # sts_session
    Case("sts_session", "arn", {"assume_role_arn": "arn:aws:iam::2222:role/Ops"}, "assume_role_arn",
         "arn:aws:iam::2222:role/Ops"),
    Case("sts_session", "arn", {"assume_role_arn": "arn:aws:iam::222222222222:user/ops"}, "assume_role_arn",
         "arn:aws:iam::222222222222:user/ops"),
    Case("sts_session", "account id", {"expected_account_id": "22222222222"}, "expected_account_id", "22222222222"),
    Case("sts_session", "account id", {"expected_account_id": 222222222222.5}, "expected_account_id",
         "222222222222.5"),
    Case("sts_session", "type", {"duration_seconds": "an hour"}, "duration_seconds", "an hour"),
    Case("sts_session", "range", {"duration_seconds": 60}, "duration_seconds", "60"),
    Case("sts_session", "conflict", {"renew_before": 7200}, "renew_before", "7200"),
]

# The connection options every module shares.
COMMON_CASES = [
    ("arn", {"assume_role_arn": "arn:aws:iam::12345:role/Ops"}, "assume_role_arn", "arn:aws:iam::12345:role/Ops"),
    ("arn", {"assume_role_arn": "HardeningAutomation"}, "assume_role_arn", "HardeningAutomation"),
    ("conflict", {"assume_role_arn": None, "external_id": "fleet-4711"}, "external_id", "assume_role_arn"),
    ("conflict", {"access_key": "AKIAIOSFODNN7EXAMPLE"}, "access_key", "secret_key"),
]


def module_names():
    return sorted(f[:-3] for f in os.listdir(MODULES_DIR) if f.endswith(".py") and not f.startswith("_"))


def all_cases():
    cases = list(CASES)
    for name in module_names():
        if not importlib.import_module("ansible_collections.hardening.aws.plugins.modules." + name).MODULE_SPEC.aws:
            continue  # no connection options
        for kind, options, field, value in COMMON_CASES:
            cases.append(Case(name, "common " + kind, options, field, value))
    return cases


def case_id(case):
    field_value = "%s=%s" % (case.field, case.value)
    return "%s-%s-%s" % (case.module, case.kind.replace(" ", "_"), field_value[:40])


def test_every_module_has_cases():
    counts = {name: 0 for name in module_names()}
    for case in CASES:
        assert case.module in counts, "a case for %s, which is not in plugins/modules" % case.module
        counts[case.module] += 1
    few = sorted(name for name, count in counts.items() if count < 3)
    assert not few, "modules with fewer than 3 bad-input cases in CASES: %s" % ", ".join(few)
    assert sorted(BASE) == module_names()


@pytest.fixture
def recorded_calls(monkeypatch, tmp_path):
    """A fresh in-process moto with dummy credentials and no setting of the machine; every
    API call of every boto3 session created meanwhile is recorded as ``service:Operation``."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name in ("MOTO_ACCOUNT_ID", "HARDENING_AWS_EXECUTION"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    calls = []

    def before_call(model, **_kwargs):
        service = model.service_model.signing_name or model.service_model.endpoint_prefix
        calls.append("%s:%s" % (service, model.name))

    handlers = list(botocore.handlers.BUILTIN_HANDLERS)
    handlers.append(("before-call.*.*", before_call))
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)
    with mock_aws():
        yield calls


def run_task(name, args):
    """The module's action plugin, as the task executor runs it on a local connection."""
    action_class = importlib.import_module("ansible_collections.hardening.aws.plugins.action.%s" % name).ActionModule
    task = SimpleNamespace(
        args=dict(args), action="hardening.aws." + name, async_val=0, check_mode=False, diff=False, no_log=True
    )
    connection = SimpleNamespace(transport="local", _shell=SimpleNamespace(tmpdir=None), has_native_async=False)
    action = action_class(
        task, connection, play_context=SimpleNamespace(), loader=None, templar=None, shared_loader_obj=None
    )
    return action.run(task_vars={})


@pytest.mark.parametrize("case", all_cases(), ids=case_id)
def test_bad_input_fails_naming_the_option_and_the_value_before_any_change(case, recorded_calls):
    if case.seed is not None:
        case.seed(boto3.client("iam", region_name="us-east-1"))
    del recorded_calls[:]
    args = dict(BASE[case.module])
    for option, value in case.options.items():
        if value is None:
            args.pop(option, None)
        else:
            args[option] = value

    result = run_task(case.module, args)

    assert result.get("failed") is True, "%s accepted %r: %s" % (case.module, args, result)
    msg = result["msg"]
    assert case.field in msg, "the message does not name %r: %s" % (case.field, msg)
    assert case.value in msg, "the message does not name %r: %s" % (case.value, msg)
    if case.lookup:
        writes = [call for call in recorded_calls if not READ.match(call)]
        assert not writes, "%s made %s before failing on %s" % (case.module, writes, case.field)
    else:
        assert recorded_calls == [], "%s called %s before failing on %s" % (case.module, recorded_calls, case.field)
