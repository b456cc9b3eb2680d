"""The account alias (plugins/module_utils/_iam_account_alias.py)."""

from __future__ import annotations

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from botocore.stub import Stubber

from ansible_collections.hardening.aws.plugins.module_utils import _iam_account_alias as aa
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsClient, AwsError, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute

TOO_LONG = "a" * 64
LONGEST = "a" * 63


def params(**options):
    result = ArgumentSpecValidator(aa.MODULE_SPEC.argument_spec, **aa.MODULE_SPEC.validator_kwargs()).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def aws_aliases():
    return boto3.client("iam", region_name="us-east-1").list_account_aliases()["AccountAliases"]


def set_alias(alias):
    boto3.client("iam", region_name="us-east-1").create_account_alias(AccountAlias=alias)


# --- alias_problem / validate ----------------------------------------------------------


@pytest.mark.parametrize(
    "alias, problem",
    [
        ("ab", "it must be 3 to 63 characters long, not 2"),
        ("abc", None),
        ("a1b", None),
        ("123", None),
        (LONGEST, None),
        (TOO_LONG, "it must be 3 to 63 characters long, not 64"),
        ("", "it must be 3 to 63 characters long, not 0"),
        ("-abc", "it must not start or end with a hyphen"),
        ("abc-", "it must not start or end with a hyphen"),
        ("-a-", "it must not start or end with a hyphen"),
        ("a-b", None),
        ("a-b-c", None),
        ("acme-prod-123456789012", None),
        ("a--b", "it must not contain two hyphens in a row"),
        ("Abc", "only lowercase letters, digits and hyphens are allowed"),
        ("abC", "only lowercase letters, digits and hyphens are allowed"),
        ("a_b", "only lowercase letters, digits and hyphens are allowed"),
        ("a.b", "only lowercase letters, digits and hyphens are allowed"),
        ("a b", "only lowercase letters, digits and hyphens are allowed"),
        ("abé", "only lowercase letters, digits and hyphens are allowed"),
        ("ab\nc", "only lowercase letters, digits and hyphens are allowed"),
    ],
)
def test_alias_problem(alias, problem):
    assert aa.alias_problem(alias) == problem


@pytest.mark.parametrize("alias", ["acme-prod\n", "abc\n"])
def test_trailing_newline_is_rejected(alias):
    assert aa.alias_problem(alias) == "only lowercase letters, digits and hyphens are allowed"


def test_pattern_agrees_with_alias_problem_on_valid_aliases():
    for alias in ("abc", LONGEST, "a-b", "0-0-0"):
        assert aa.ALIAS_PATTERN.match(alias)


@pytest.mark.parametrize(
    "options, message",
    [
        ({}, "alias is required when state=present"),
        ({"alias": ""}, "alias is required when state=present"),
        (
            {"alias": "Bad_Alias"},
            "alias 'Bad_Alias' is not a valid account alias: only lowercase letters, digits and hyphens are allowed",
        ),
        ({"alias": "ab"}, "alias 'ab' is not a valid account alias: it must be 3 to 63 characters long, not 2"),
        (
            {"alias": "a--b", "state": "absent"},
            "alias 'a--b' is not a valid account alias: it must not contain two hyphens in a row",
        ),
    ],
)
def test_validate_rejects(options, message):
    with pytest.raises(HardeningError) as info:
        aa.validate(params(**options))
    assert info.value.msg == message
    assert info.value.details == {"option": "alias"}


@pytest.mark.parametrize(
    "options", [{"alias": "acme-prod"}, {"state": "absent"}, {"state": "absent", "alias": "acme-prod"}]
)
def test_validate_accepts(options):
    aa.validate(params(**options))


def test_account_alias_is_an_alias_of_alias():
    assert params(account_alias="acme-prod")["alias"] == "acme-prod"


# --- plan ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, options, expected",
    [
        pytest.param(None, {"alias": "new"}, "new", id="create"),
        pytest.param("old", {"alias": "new"}, "new", id="replace"),
        pytest.param("same", {"alias": "same"}, "same", id="already-there"),
        pytest.param("old", {"state": "absent"}, None, id="absent-removes-any"),
        pytest.param(None, {"state": "absent"}, None, id="absent-nothing-there"),
        pytest.param("old", {"state": "absent", "alias": "old"}, None, id="absent-named-matches"),
        pytest.param("other", {"state": "absent", "alias": "old"}, "other", id="absent-named-leaves-other-alone"),
        pytest.param(None, {"state": "absent", "alias": "old"}, None, id="absent-named-nothing-there"),
    ],
)
def test_plan(current, options, expected):
    assert aa.plan(current, params(**options)) == expected


# --- run against moto: the four-run pattern -------------------------------------------


def converge(context, check_mode, diff=False, **options):
    return aa.run(context(), params(**options), check_mode=check_mode, diff=diff)


def test_four_runs_create(context):
    assert converge(context, True, alias="acme-prod") == {"changed": True, "alias": "acme-prod"}
    assert aws_aliases() == []
    assert converge(context, False, alias="acme-prod") == {"changed": True, "alias": "acme-prod"}
    assert aws_aliases() == ["acme-prod"]
    assert converge(context, True, alias="acme-prod") == {"changed": False, "alias": "acme-prod"}
    assert converge(context, False, alias="acme-prod") == {"changed": False, "alias": "acme-prod"}
    assert aws_aliases() == ["acme-prod"]


def test_four_runs_replace(context):
    set_alias("acme-old")
    assert converge(context, True, alias="acme-new") == {"changed": True, "alias": "acme-new"}
    assert aws_aliases() == ["acme-old"]
    assert converge(context, False, alias="acme-new") == {"changed": True, "alias": "acme-new"}
    assert aws_aliases() == ["acme-new"]
    assert converge(context, True, alias="acme-new")["changed"] is False
    assert converge(context, False, alias="acme-new")["changed"] is False


@pytest.mark.parametrize("named", [True, False], ids=["alias-named", "any-alias"])
def test_four_runs_remove(context, named):
    set_alias("acme-old")
    options = dict(state="absent", alias="acme-old") if named else dict(state="absent")
    assert converge(context, True, **options) == {"changed": True, "alias": None}
    assert aws_aliases() == ["acme-old"]
    assert converge(context, False, **options) == {"changed": True, "alias": None}
    assert aws_aliases() == []
    assert converge(context, True, **options) == {"changed": False, "alias": None}
    assert converge(context, False, **options) == {"changed": False, "alias": None}


def test_absent_with_another_alias_named_leaves_the_account_alone(context, api_calls):
    set_alias("someone-elses")
    api_calls.clear()
    for check_mode in (True, False):
        assert converge(context, check_mode, state="absent", alias="acme-old") == {
            "changed": False,
            "alias": "someone-elses",
        }
    assert aws_aliases() == ["someone-elses"]
    assert set(api_calls.actions) == {"iam:ListAccountAliases"}


@pytest.mark.parametrize("check_mode", [True, False])
def test_diff(context, check_mode):
    set_alias("acme-old")
    result = converge(context, check_mode, diff=True, alias="acme-new")
    assert result["diff"] == {"before": {"alias": "acme-old"}, "after": {"alias": "acme-new"}}
    result = converge(context, check_mode, diff=True, state="absent")
    assert result["diff"]["after"] == {"alias": None}


def test_no_diff_unless_asked(context):
    assert "diff" not in converge(context, True, alias="acme-new")
    assert "diff" not in converge(context, False, alias="acme-new")


@pytest.mark.parametrize("diff", [True, False])
def test_execute_diff_only_when_asked(context, diff):
    result = execute(aa.MODULE_SPEC, params(alias="acme-prod"), True, diff, context_factory=context)
    assert ("diff" in result) is diff


def test_execute_rejects_bad_alias_before_any_aws_call(api_calls):
    def factory(p):
        raise AssertionError("validation must come first")

    result = execute(aa.MODULE_SPEC, params(alias="Acme_Prod"), False, False, context_factory=factory)
    assert result["failed"] is True and result["option"] == "alias"
    assert result["msg"].startswith("alias 'Acme_Prod' is not a valid account alias: ")
    assert api_calls.calls == []


# --- replacing when AWS wants the old alias gone first (Stubber: moto never refuses) ----


@pytest.fixture
def stubbed():
    raw = boto3.client("iam", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    with Stubber(raw) as stubber:
        yield AwsClient(raw, "iam", sleep=lambda s: pytest.fail("no retry expected")), stubber
        stubber.assert_no_pending_responses()


def test_replace_deletes_first_when_aws_asks(stubbed):
    iam, stub = stubbed
    stub.add_client_error(
        "create_account_alias",
        "LimitExceeded",
        "one alias per account",
        409,
        expected_params={"AccountAlias": "new-one"},
    )
    stub.add_response("delete_account_alias", {}, {"AccountAlias": "old-one"})
    stub.add_response("create_account_alias", {}, {"AccountAlias": "new-one"})
    aa._replace(iam, "old-one", "new-one")


def test_replace_restores_the_old_alias_when_the_new_one_is_refused(stubbed):
    iam, stub = stubbed
    stub.add_client_error(
        "create_account_alias", "LimitExceeded", "one alias per account", 409, expected_params={"AccountAlias": "taken"}
    )
    stub.add_response("delete_account_alias", {}, {"AccountAlias": "old-one"})
    stub.add_client_error(
        "create_account_alias", "EntityAlreadyExists", "alias taken", 409, expected_params={"AccountAlias": "taken"}
    )
    stub.add_response("create_account_alias", {}, {"AccountAlias": "old-one"})
    with pytest.raises(AwsError) as info:
        aa._replace(iam, "old-one", "taken")
    assert info.value.code == "EntityAlreadyExists"
    assert info.value.msg == "IAM CreateAccountAlias failed for account alias taken: EntityAlreadyExists: alias taken"


def test_replace_keeps_the_old_alias_when_the_new_one_is_taken(stubbed):
    iam, stub = stubbed
    stub.add_client_error(
        "create_account_alias", "EntityAlreadyExists", "alias taken", 409, expected_params={"AccountAlias": "taken"}
    )
    with pytest.raises(AwsError, match="EntityAlreadyExists"):
        aa._replace(iam, "old-one", "taken")


def test_replace_without_current_alias_does_not_delete(stubbed):
    iam, stub = stubbed
    stub.add_client_error(
        "create_account_alias", "LimitExceeded", "quota", 409, expected_params={"AccountAlias": "new-one"}
    )
    with pytest.raises(AwsError, match="LimitExceeded"):
        aa._replace(iam, None, "new-one")


def test_replace_removes_the_old_alias_if_aws_kept_both(stubbed):
    iam, stub = stubbed
    stub.add_response("create_account_alias", {}, {"AccountAlias": "new-one"})
    stub.add_response("list_account_aliases", {"AccountAliases": ["old-one", "new-one"], "IsTruncated": False}, {})
    stub.add_response("delete_account_alias", {}, {"AccountAlias": "old-one"})
    aa._replace(iam, "old-one", "new-one")


def test_replace_when_aws_swapped_the_alias(stubbed):
    iam, stub = stubbed
    stub.add_response("create_account_alias", {}, {"AccountAlias": "new-one"})
    stub.add_response("list_account_aliases", {"AccountAliases": ["new-one"], "IsTruncated": False}, {})
    aa._replace(iam, "old-one", "new-one")
