"""The account password policy (plugins/module_utils/_iam_password_policy.py)."""

from __future__ import annotations

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hardening.aws.plugins.module_utils import _iam_password_policy as pp
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute

DEFAULTS = {
    "min_password_length": 6,
    "require_symbols": False,
    "require_numbers": False,
    "require_uppercase": False,
    "require_lowercase": False,
    "allow_users_to_change_password": False,
    "max_password_age": 0,
    "password_reuse_prevention": 0,
    "hard_expiry": False,
}
CIS = {
    "min_password_length": 14,
    "require_symbols": True,
    "require_numbers": True,
    "require_uppercase": True,
    "require_lowercase": True,
    "allow_users_to_change_password": True,
    "max_password_age": 90,
    "password_reuse_prevention": 24,
    "hard_expiry": False,
}


def params(**options):
    """Module params as Ansible would hand them over: every option, defaults applied."""
    result = ArgumentSpecValidator(pp.MODULE_SPEC.argument_spec, **pp.MODULE_SPEC.validator_kwargs()).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def aws_policy():
    """The account's policy read straight from AWS, not through the code under test."""
    iam = boto3.client("iam", region_name="us-east-1")
    try:
        return iam.get_account_password_policy()["PasswordPolicy"]
    except iam.exceptions.NoSuchEntityException:
        return None


# --- validate -----------------------------------------------------------------


@pytest.mark.parametrize(
    "option, value, ok",
    [
        ("min_password_length", 5, False),
        ("min_password_length", 6, True),
        ("min_password_length", 128, True),
        ("min_password_length", 129, False),
        ("min_password_length", 0, False),
        ("password_reuse_prevention", -1, False),
        ("password_reuse_prevention", 0, True),
        ("password_reuse_prevention", 1, True),
        ("password_reuse_prevention", 24, True),
        ("password_reuse_prevention", 25, False),
        ("max_password_age", -1, False),
        ("max_password_age", 0, True),
        ("max_password_age", 1, True),
        ("max_password_age", 1095, True),
        ("max_password_age", 1096, False),
    ],
)
def test_validate_ranges(option, value, ok):
    if ok:
        pp.validate(params(**{option: value}))
        return
    with pytest.raises(HardeningError) as info:
        pp.validate(params(**{option: value}))
    assert info.value.msg.startswith("%s=%d is out of range: AWS accepts " % (option, value))
    assert info.value.details == {"option": option}


@pytest.mark.parametrize(
    "option, message",
    [
        ("min_password_length", "min_password_length=129 is out of range: AWS accepts 6 to 128"),
        (
            "password_reuse_prevention",
            "password_reuse_prevention=129 is out of range: AWS accepts 1 to 24 (or 0 to switch it off)",
        ),
        ("max_password_age", "max_password_age=1096 is out of range: AWS accepts 1 to 1095 (or 0 to switch it off)"),
    ],
)
def test_validate_messages_name_option_and_rule(option, message):
    value = int(message.split("=")[1].split()[0])
    with pytest.raises(HardeningError) as info:
        pp.validate(params(**{option: value}))
    assert info.value.msg == message


def test_validate_accepts_unset_options():
    pp.validate(params())
    pp.validate(params(state="absent"))


# --- from_api / to_api ------------------------------------------------------------


def test_from_api_none_stays_none():
    assert pp.from_api(None) is None


def test_from_api_full_answer():
    answer = {
        "MinimumPasswordLength": 14,
        "RequireSymbols": True,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": True,
        "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True,
        "ExpirePasswords": True,
        "MaxPasswordAge": 90,
        "PasswordReusePrevention": 24,
        "HardExpiry": False,
    }
    assert pp.from_api(answer) == CIS


def test_from_api_fills_what_aws_leaves_out():
    # AWS leaves out MaxPasswordAge and PasswordReusePrevention when they are off.
    assert pp.from_api({"MinimumPasswordLength": 8, "ExpirePasswords": False}) == dict(DEFAULTS, min_password_length=8)


def test_to_api_sends_every_field_that_is_on():
    assert pp.to_api(CIS) == {
        "MinimumPasswordLength": 14,
        "RequireSymbols": True,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": True,
        "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True,
        "MaxPasswordAge": 90,
        "PasswordReusePrevention": 24,
        "HardExpiry": False,
    }


def test_to_api_leaves_out_switched_off_fields():
    out = pp.to_api(DEFAULTS)
    assert "MaxPasswordAge" not in out and "PasswordReusePrevention" not in out
    assert out["MinimumPasswordLength"] == 6 and out["HardExpiry"] is False


@pytest.mark.parametrize(
    "policy", [DEFAULTS, CIS, dict(CIS, max_password_age=0), dict(DEFAULTS, password_reuse_prevention=1)]
)
def test_to_api_and_from_api_round_trip(policy):
    assert pp.from_api(pp.to_api(policy)) == policy


# --- plan -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, options, expected",
    [
        pytest.param(None, {}, DEFAULTS, id="no-policy-no-options-gives-aws-defaults"),
        pytest.param(
            None, {"min_password_length": 14}, dict(DEFAULTS, min_password_length=14), id="no-policy-one-option"
        ),
        pytest.param(CIS, {}, CIS, id="nothing-set-keeps-everything"),
        pytest.param(CIS, {"min_password_length": 16}, dict(CIS, min_password_length=16), id="one-option-others-kept"),
        pytest.param(CIS, {"require_symbols": False}, dict(CIS, require_symbols=False), id="false-is-a-value"),
        pytest.param(CIS, {"max_password_age": 0}, dict(CIS, max_password_age=0), id="zero-switches-off"),
        pytest.param(CIS, dict(CIS), CIS, id="same-values"),
        pytest.param(CIS, {"state": "absent"}, None, id="absent"),
        pytest.param(CIS, {"state": "absent", "min_password_length": 20}, None, id="absent-ignores-options"),
        pytest.param(None, {"state": "absent"}, None, id="absent-without-policy"),
    ],
)
def test_plan(current, options, expected):
    assert pp.plan(current, params(**options)) == expected


def test_plan_does_not_modify_current():
    current = dict(CIS)
    pp.plan(current, params(min_password_length=20))
    assert current == CIS


# --- run against moto: the four-run pattern -----------------------------------------


def converge(context, check_mode, diff=False, **options):
    return pp.run(context(), params(**options), check_mode=check_mode, diff=diff)


def test_four_runs_create_the_policy(context):
    options = dict(min_password_length=14, require_symbols=True, password_reuse_prevention=24)
    expected = dict(DEFAULTS, **options)

    check = converge(context, True, **options)
    assert check == {"changed": True, "password_policy": expected}
    assert aws_policy() is None

    apply = converge(context, False, **options)
    assert apply == {"changed": True, "password_policy": expected}
    assert pp.from_api(aws_policy()) == expected
    assert aws_policy()["PasswordReusePrevention"] == 24

    assert converge(context, True, **options) == {"changed": False, "password_policy": expected}
    assert converge(context, False, **options) == {"changed": False, "password_policy": expected}
    assert pp.from_api(aws_policy()) == expected


def test_four_runs_update_the_policy(context):
    converge(context, False, **CIS)

    check = converge(context, True, min_password_length=20, max_password_age=0)
    expected = dict(CIS, min_password_length=20, max_password_age=0)
    assert check == {"changed": True, "password_policy": expected}
    assert pp.from_api(aws_policy()) == CIS

    assert converge(context, False, min_password_length=20, max_password_age=0) == {
        "changed": True,
        "password_policy": expected,
    }
    stored = aws_policy()
    assert stored["MinimumPasswordLength"] == 20 and not stored.get("MaxPasswordAge")
    assert converge(context, True, min_password_length=20, max_password_age=0)["changed"] is False
    assert converge(context, False, min_password_length=20, max_password_age=0)["changed"] is False


def test_four_runs_remove_the_policy(context):
    converge(context, False, **CIS)

    assert converge(context, True, state="absent") == {"changed": True, "password_policy": None}
    assert aws_policy() is not None

    assert converge(context, False, state="absent") == {"changed": True, "password_policy": None}
    assert aws_policy() is None

    assert converge(context, True, state="absent") == {"changed": False, "password_policy": None}
    assert converge(context, False, state="absent") == {"changed": False, "password_policy": None}


def test_no_options_and_no_policy_creates_the_aws_default(context):
    assert converge(context, False) == {"changed": True, "password_policy": DEFAULTS}
    assert pp.from_api(aws_policy()) == DEFAULTS
    assert converge(context, False)["changed"] is False


def test_unset_options_keep_their_current_values(context):
    converge(context, False, **CIS)
    for option, value in [("min_password_length", 16), ("require_numbers", False), ("password_reuse_prevention", 5)]:
        result = converge(context, False, **{option: value})
        assert result["changed"] is True
    expected = dict(CIS, min_password_length=16, require_numbers=False, password_reuse_prevention=5)
    assert pp.from_api(aws_policy()) == expected
    assert converge(context, False)["password_policy"] == expected


def test_aliases_are_accepted(context):
    result = converge(
        context, False, min_pw_length=12, pw_max_age=30, pw_reuse_prevent=3, allow_pw_change=True, pw_expire=True
    )
    assert result["password_policy"] == dict(
        DEFAULTS,
        min_password_length=12,
        max_password_age=30,
        password_reuse_prevention=3,
        allow_users_to_change_password=True,
        hard_expiry=True,
    )


@pytest.mark.parametrize("check_mode", [True, False])
def test_diff_before_and_after(context, check_mode):
    converge(context, False, min_password_length=10)
    result = converge(context, check_mode, diff=True, min_password_length=14)
    assert result["diff"] == {
        "before": dict(DEFAULTS, min_password_length=10, state="present"),
        "after": dict(DEFAULTS, min_password_length=14, state="present"),
    }


@pytest.mark.parametrize("check_mode", [True, False])
def test_diff_when_removing(context, check_mode):
    converge(context, False, min_password_length=10)
    result = converge(context, check_mode, diff=True, state="absent")
    assert result["diff"] == {
        "before": dict(DEFAULTS, min_password_length=10, state="present"),
        "after": {"state": "absent"},
    }


def test_diff_when_creating(context):
    result = converge(context, True, diff=True, min_password_length=14)
    assert result["diff"] == {
        "before": {"state": "absent"},
        "after": dict(DEFAULTS, min_password_length=14, state="present"),
    }


def test_diff_when_unchanged(context):
    converge(context, False, min_password_length=14)
    result = converge(context, False, diff=True, min_password_length=14)
    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]


def test_no_diff_unless_asked(context):
    assert "diff" not in converge(context, True, min_password_length=14)
    assert "diff" not in converge(context, False, min_password_length=14)


@pytest.mark.parametrize("diff", [True, False])
def test_execute_returns_diff_only_when_asked(context, diff):
    result = execute(
        pp.MODULE_SPEC, params(min_password_length=14), check_mode=True, diff=diff, context_factory=context
    )
    assert result["changed"] is True
    assert ("diff" in result) is diff


def test_execute_rejects_bad_input_before_any_aws_call(api_calls):
    def factory(p):
        raise AssertionError("validation must come first")

    result = execute(pp.MODULE_SPEC, params(min_password_length=200), False, False, context_factory=factory)
    assert result == {
        "failed": True,
        "changed": False,
        "msg": "min_password_length=200 is out of range: AWS accepts 6 to 128",
        "option": "min_password_length",
    }
    assert api_calls.calls == []


def test_run_reads_once_when_nothing_changes(context, api_calls):
    converge(context, False, **CIS)
    api_calls.clear()
    converge(context, False, **CIS)
    assert api_calls.actions == ["iam:GetAccountPasswordPolicy"]


def test_run_sends_the_whole_policy(context, api_calls):
    converge(context, False, **CIS)
    api_calls.clear()
    converge(context, False, min_password_length=15)
    assert api_calls.actions == [
        "iam:GetAccountPasswordPolicy",
        "iam:UpdateAccountPasswordPolicy",
        "iam:GetAccountPasswordPolicy",
    ]
    sent = api_calls.params_of("iam:UpdateAccountPasswordPolicy")[0]
    assert sent == pp.to_api(dict(CIS, min_password_length=15))
    assert len(sent) == len(pp.FIELDS)
