"""Account information (plugins/module_utils/_iam_account_info.py)."""

from __future__ import annotations

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hardening.aws.plugins.module_utils import _iam_account_info as info
from ansible_collections.hardening.aws.plugins.module_utils._module import execute

ALL = {"identity", "alias", "summary", "password_policy"}


def params(**options):
    result = ArgumentSpecValidator(info.MODULE_SPEC.argument_spec, **info.MODULE_SPEC.validator_kwargs()).validate(
        options
    )
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


@pytest.mark.parametrize(
    "gather, expected",
    [
        (["all"], ALL),
        (["identity"], {"identity"}),
        (["alias", "summary"], {"alias", "summary"}),
        (["all", "identity"], ALL),
        (["password_policy", "password_policy"], {"password_policy"}),
        ([], set()),
    ],
)
def test_sections(gather, expected):
    assert info.sections(gather) == expected


def test_gather_defaults_to_all():
    assert params()["gather"] == ["all"]


def test_gather_rejects_unknown_sections():
    validator = ArgumentSpecValidator(info.MODULE_SPEC.argument_spec)
    result = validator.validate({"gather": ["identity", "users"]})
    assert result.error_messages
    assert "users" in result.errors.msg


def test_reads_everything_from_an_empty_account(context, api_calls):
    result = info.run(context(), params(), check_mode=False, diff=False)
    assert result["changed"] is False
    assert result["account_id"] == "123456789012"
    assert result["caller_arn"].startswith("arn:aws:")
    assert result["caller_user_id"]
    assert result["alias"] is None
    assert result["password_policy"] is None
    assert "Users" in result["summary"]
    assert sorted(api_calls.actions) == sorted(
        ["sts:GetCallerIdentity", "iam:ListAccountAliases", "iam:GetAccountSummary", "iam:GetAccountPasswordPolicy"]
    )


def test_reads_the_configured_account(context):
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_account_alias(AccountAlias="acme-prod")
    iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)
    iam.create_user(UserName="alice")

    result = info.run(context(), params(gather=["alias", "summary", "password_policy"]), check_mode=True, diff=False)

    assert result["alias"] == "acme-prod"
    assert result["password_policy"]["min_password_length"] == 14
    assert result["password_policy"]["password_reuse_prevention"] == 24
    assert result["summary"]["Users"] == 1
    assert "account_id" not in result


@pytest.mark.parametrize(
    "gather, keys, actions",
    [
        (["identity"], {"account_id", "caller_arn", "caller_user_id"}, ["sts:GetCallerIdentity"]),
        (["alias"], {"alias"}, ["iam:ListAccountAliases"]),
        (["summary"], {"summary"}, ["iam:GetAccountSummary"]),
        (["password_policy"], {"password_policy"}, ["iam:GetAccountPasswordPolicy"]),
    ],
)
def test_one_call_per_section(context, api_calls, gather, keys, actions):
    result = info.run(context(), params(gather=gather), check_mode=False, diff=False)
    assert set(result) == keys | {"changed"}
    assert api_calls.actions == actions


def test_identity_after_assume_role(context):
    role = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
    result = info.run(context({"assume_role_arn": role}), params(gather=["identity"]), check_mode=False, diff=False)
    assert result["account_id"] == "222222222222"
    assert result["caller_arn"] == "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/hardening-aws"


def test_execute_never_returns_a_diff(context):
    result = execute(info.MODULE_SPEC, params(gather=["alias"]), check_mode=True, diff=True, context_factory=context)
    assert result == {"changed": False, "alias": None}
