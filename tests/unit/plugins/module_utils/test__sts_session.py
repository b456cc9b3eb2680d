"""One session per account and play (plugins/module_utils/_sts_session.py and the
assumed_role_session option of every module, _aws.AwsContext)."""

from __future__ import annotations

import datetime

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hardening.aws.plugins.module_utils import _sts_session as sts_session
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsContext, role_digest, usable_session
from ansible_collections.hardening.aws.plugins.module_utils._module import execute

ROLE = "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"
NOW = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.timezone.utc)


def params(**options):
    spec = sts_session.MODULE_SPEC
    result = ArgumentSpecValidator(spec.argument_spec, **spec.validator_kwargs()).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def session(minutes_left, role=ROLE, now=None):
    expiration = (now or datetime.datetime.now(datetime.timezone.utc)) + datetime.timedelta(minutes=minutes_left)
    return {
        "access_key_id": "ASIAEXAMPLEEXAMPLE01",
        "secret_access_key": "secret",
        "session_token": "token",
        "expiration": expiration.isoformat(),
        "role": role_digest(role),
    }


@pytest.mark.parametrize(
    "given, expected",
    [
        (session(60, now=NOW), True),
        (session(6, now=NOW), True),
        (session(4, now=NOW), False),  # less than the five-minute margin
        (session(60, role="arn:aws:iam::123456789012:role/Other", now=NOW), False),
        (dict(session(60, now=NOW), session_token=""), False),
        (dict(session(60, now=NOW), expiration="soon"), False),
        (None, False),
    ],
)
def test_usable_session(given, expected):
    assert usable_session(given, ROLE, now=NOW) is expected


def test_session_holds_nothing_that_is_masked_elsewhere():
    # Every value of a no_log option is masked wherever it appears in results: no account id.
    value = session(60)
    assert "123456789012" not in repr(value)


def test_first_call_assumes_the_role_and_checks_the_identity(aws, context, api_calls):
    result = sts_session.run(context(params(assume_role_arn=ROLE)), params(assume_role_arn=ROLE), False, False)
    assert result["renewed"] is True and result["account_id"] == "123456789012"
    assert api_calls.actions == ["sts:AssumeRole", "sts:GetCallerIdentity"]
    assert usable_session(result["session"], ROLE)
    assert set(result["session"]) == {"access_key_id", "secret_access_key", "session_token", "expiration", "role"}


def test_a_good_session_costs_nothing(aws, context, api_calls):
    options = params(assume_role_arn=ROLE, assumed_role_session=session(50))
    result = sts_session.run(context(options), options, False, False)
    assert result == {"changed": False, "renewed": False}
    assert api_calls.actions == []


def test_a_session_about_to_expire_is_renewed(aws, context, api_calls):
    options = params(assume_role_arn=ROLE, assumed_role_session=session(10), renew_before=900)
    result = sts_session.run(context(options), options, False, False)
    assert result["renewed"] is True
    assert api_calls.actions == ["sts:AssumeRole", "sts:GetCallerIdentity"]


def test_the_wrong_account_is_refused(aws, context):
    options = params(assume_role_arn=ROLE, expected_account_id="210000000001")
    result = execute(sts_session.MODULE_SPEC, options, False, False, context_factory=context, no_log=True)
    assert result["failed"] is True
    assert "expected to act in account 210000000001" in result["msg"] and "refusing" in result["msg"]
    assert "session" not in result


def test_refuses_to_run_without_no_log(aws, context, api_calls):
    result = execute(sts_session.MODULE_SPEC, params(assume_role_arn=ROLE), False, False, context_factory=context)
    assert result["failed"] is True and "no_log: true" in result["msg"]
    assert api_calls.actions == []


@pytest.mark.parametrize(
    "options, fragment",
    [
        (dict(), "assume_role_arn is required"),
        (dict(assume_role_arn="arn:aws:iam::1234:role/x"), "not a valid IAM role ARN"),
        (dict(assume_role_arn=ROLE, expected_account_id="12"), "expected_account_id"),
        (dict(assume_role_arn=ROLE, duration_seconds=60), "duration_seconds=60 is out of range"),
        (dict(assume_role_arn=ROLE, renew_before=3600), "renew_before=3600 is out of range"),
    ],
)
def test_bad_input_fails_before_any_call(options, fragment):
    def factory(_params):
        raise AssertionError("no AWS context for bad input")

    result = execute(sts_session.MODULE_SPEC, params(**options), False, False, context_factory=factory, no_log=True)
    assert result["failed"] is True and fragment in result["msg"], result["msg"]


def test_modules_reuse_a_handed_in_session(aws, api_calls):
    first = sts_session.run(AwsContext(params(assume_role_arn=ROLE)), params(assume_role_arn=ROLE), False, False)
    api_calls.clear()
    context = AwsContext({"assume_role_arn": ROLE, "assumed_role_session": first["session"]})
    context.client("iam").call("list_account_aliases")
    assert context.reused_session is True
    assert api_calls.actions == ["iam:ListAccountAliases"]


def test_modules_assume_the_role_themselves_when_the_session_runs_out(aws, api_calls):
    context = AwsContext({"assume_role_arn": ROLE, "assumed_role_session": session(2)})
    context.client("iam").call("list_account_aliases")
    assert context.reused_session is False
    assert api_calls.actions == ["sts:AssumeRole", "iam:ListAccountAliases"]
