"""The credential report (plugins/module_utils/_iam_credential_report_info.py)."""

from __future__ import annotations

import datetime

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from botocore.stub import Stubber

from ansible_collections.hardening.aws.plugins.module_utils import _iam_credential_report_info as cr
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsClient, AwsError, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute

UTC = datetime.timezone.utc
NOW = datetime.datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
    "cert_2_active,cert_2_last_rotated"
)
# As AWS writes it: the root row first, with not_supported where a column does not apply.
ROOT = (
    "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,"
    "2024-05-30T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,"
    "false,N/A,false,N/A"
)
ALICE = (
    "alice,arn:aws:iam::123456789012:user/alice,2023-11-14T08:00:00+00:00,true,no_information,"
    "2023-11-14T08:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)
CI = (
    "ci-deploy,arn:aws:iam::123456789012:user/ci-deploy,2023-03-09T12:00:00+00:00,false,N/A,N/A,N/A,false,"
    "true,2023-04-28T12:00:00+00:00,N/A,N/A,N/A,"
    "true,2024-01-23T12:00:00+00:00,2024-05-30T12:00:00+00:00,us-east-1,cloudformation,"
    "true,2023-05-01T00:00:00+00:00,false,N/A"
)
REPORT = "\n".join([HEADER, ROOT, ALICE, CI]) + "\n"


def params(**options):
    spec = cr.MODULE_SPEC
    result = ArgumentSpecValidator(spec.argument_spec, **spec.validator_kwargs()).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


# --- validate -------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["max_age_hours", "wait_timeout"])
def test_validate_rejects_negative(option):
    with pytest.raises(HardeningError) as info:
        cr.validate(params(**{option: -1}))
    assert info.value.msg == "%s=-1 is out of range: it must be 0 or more" % option
    assert info.value.details == {"option": option}


def test_validate_accepts_zero_and_defaults():
    cr.validate(params())
    cr.validate(params(max_age_hours=0, wait_timeout=0))


# --- parsing --------------------------------------------------------------------------


def test_parse_types_every_column():
    root, alice, ci = cr.parse_report(REPORT)
    assert root == {
        "user": "<root_account>",
        "arn": "arn:aws:iam::123456789012:root",
        "user_creation_time": "2020-01-01T00:00:00+00:00",
        "password_enabled": None,
        "password_last_used": "2024-05-30T10:00:00+00:00",
        "password_last_changed": None,
        "password_next_rotation": None,
        "mfa_active": True,
        "access_key_1_active": False,
        "access_key_1_last_rotated": None,
        "access_key_1_last_used_date": None,
        "access_key_1_last_used_region": None,
        "access_key_1_last_used_service": None,
        "access_key_2_active": False,
        "access_key_2_last_rotated": None,
        "access_key_2_last_used_date": None,
        "access_key_2_last_used_region": None,
        "access_key_2_last_used_service": None,
        "cert_1_active": False,
        "cert_1_last_rotated": None,
        "cert_2_active": False,
        "cert_2_last_rotated": None,
    }
    assert alice["password_enabled"] is True and alice["password_last_used"] is None  # no_information
    assert alice["password_last_changed"] == "2023-11-14T08:00:00+00:00"
    assert ci["access_key_1_active"] is True and ci["access_key_1_last_used_date"] is None
    assert ci["access_key_2_last_used_date"] == "2024-05-30T12:00:00+00:00"
    assert ci["access_key_2_last_used_service"] == "cloudformation"
    assert ci["access_key_2_last_used_region"] == "us-east-1"
    assert ci["cert_1_active"] is True and ci["cert_1_last_rotated"] == "2023-05-01T00:00:00+00:00"


def test_parse_accepts_bytes_as_boto3_returns_them():
    assert cr.parse_report(REPORT.encode()) == cr.parse_report(REPORT)


def test_parse_without_root_row():
    records = cr.parse_report("\n".join([HEADER, ALICE]))
    assert [r["user"] for r in records] == ["alice"]
    assert not any(cr.is_root(r) for r in records)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2024-05-30T10:00:00+00:00", "2024-05-30T10:00:00+00:00"),
        ("2024-05-30T10:00:00Z", "2024-05-30T10:00:00+00:00"),
        ("2024-05-30T12:00:00+02:00", "2024-05-30T10:00:00+00:00"),
        ("2024-05-30T10:00:00.123456+00:00", "2024-05-30T10:00:00+00:00"),
        ("N/A", None),
        ("not_supported", None),
        ("no_information", None),
        ("", None),
        ("soon", "soon"),
    ],
)
def test_dates_become_utc_strings(raw, expected):
    assert cr._typed("password_last_used", raw) == expected


@pytest.mark.parametrize(
    "column, raw, expected",
    [
        ("password_enabled", "true", True),
        ("password_enabled", "FALSE", False),
        ("mfa_active", "not_supported", None),
        ("access_key_2_active", "false", False),
        ("some_future_column", "true", "true"),
        ("some_future_column", "N/A", None),
    ],
)
def test_booleans_and_unknown_columns(column, raw, expected):
    assert cr._typed(column, raw) == expected


def test_unknown_columns_are_kept():
    records = cr.parse_report("user,arn,new_thing\nbob,arn:aws:iam::123456789012:user/bob,abc\n")
    assert records == [{"user": "bob", "arn": "arn:aws:iam::123456789012:user/bob", "new_thing": "abc"}]


# --- summary --------------------------------------------------------------------------


def record(**values):
    base = {column: None for column in HEADER.split(",")}
    base.update(user="u", user_creation_time="2023-01-01T00:00:00+00:00", password_enabled=False, mfa_active=False)
    base.update(access_key_1_active=False, access_key_2_active=False)
    base.update(values)
    return base


def days_ago(days):
    return cr.iso_utc(NOW - datetime.timedelta(days=days))


SUMMARY_CASES = [
    pytest.param([], {"users": 0, "console_users": 0, "root_account_present": False}, id="empty"),
    pytest.param(
        [record(password_enabled=True), record(password_enabled=True, mfa_active=True), record()],
        {"users": 3, "console_users": 2, "console_users_without_mfa": 1, "users_with_mfa": 1},
        id="console-and-mfa",
    ),
    pytest.param(
        [
            record(password_enabled=True, password_last_used=days_ago(46)),
            record(password_enabled=True, password_last_used=days_ago(44)),
            record(password_enabled=True, password_last_changed=days_ago(100)),  # never used, set long ago
            record(password_enabled=True, password_last_changed=days_ago(10)),  # never used, new
            record(password_enabled=False, password_last_used=days_ago(300)),  # no password any more
        ],
        {"console_passwords_unused_45_days": 2},
        id="unused-passwords",
    ),
    pytest.param(
        [
            record(access_key_1_active=True, access_key_1_last_rotated=days_ago(400)),
            record(
                access_key_1_active=True,
                access_key_1_last_rotated=days_ago(130),
                access_key_1_last_used_date=days_ago(2),
                access_key_2_active=True,
                access_key_2_last_rotated=days_ago(30),
                access_key_2_last_used_date=days_ago(60),
            ),
            record(access_key_1_active=False, access_key_1_last_rotated=days_ago(500)),  # inactive: not counted
        ],
        {
            "active_access_keys": 3,
            "users_with_two_active_keys": 1,
            "active_access_keys_never_used": 1,
            "active_access_keys_older_than_90_days": 2,
            "active_access_keys_unused_45_days": 2,
        },
        id="keys",
    ),
    pytest.param(
        [
            record(
                user="<root_account>", mfa_active=False, access_key_1_active=True, access_key_1_last_rotated=days_ago(9)
            )
        ],
        {
            "users": 0,
            "root_account_present": True,
            "root_mfa_active": False,
            "root_active_access_keys": 1,
            "active_access_keys": 0,
        },
        id="root-apart",
    ),
]


@pytest.mark.parametrize("records, expected", SUMMARY_CASES)
def test_summarise(records, expected):
    summary = cr.summarise(records, NOW)
    assert {k: summary[k] for k in expected} == expected


def test_summary_of_the_sample_report():
    assert cr.summarise(cr.parse_report(REPORT), NOW) == {
        "users": 2,
        "console_users": 1,
        "console_users_without_mfa": 1,
        "users_with_mfa": 0,
        "console_passwords_unused_45_days": 1,
        "active_access_keys": 2,
        "users_with_two_active_keys": 1,
        "active_access_keys_never_used": 1,
        "active_access_keys_older_than_90_days": 2,
        "active_access_keys_unused_45_days": 1,
        "root_account_present": True,
        "root_mfa_active": True,
        "root_active_access_keys": 0,
    }


# --- fetching: IAM's report states, through botocore's Stubber ---------------------------


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def stubbed():
    client = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x"
    )
    sleeps = Sleeps()
    with Stubber(client) as stub:
        yield stub, AwsClient(client, "iam", sleep=sleeps), sleeps
        stub.assert_no_pending_responses()


def report_answer(generated, content=REPORT):
    return {"Content": content.encode(), "ReportFormat": "text/csv", "GeneratedTime": generated}


def not_ready(stub, code, status=410):
    stub.add_client_error("get_credential_report", service_error_code=code, http_status_code=status)


def test_a_fresh_report_costs_one_call(stubbed):
    stub, iam, sleeps = stubbed
    stub.add_response("get_credential_report", report_answer(NOW - datetime.timedelta(hours=3, minutes=59)))
    answer = cr.read_report(iam, 4, 120, NOW)
    assert answer["GeneratedTime"] == NOW - datetime.timedelta(hours=3, minutes=59)
    assert sleeps == []


def test_no_report_yet_generate_and_wait(stubbed):
    stub, iam, sleeps = stubbed
    not_ready(stub, "ReportNotPresent")
    stub.add_response("generate_credential_report", {"State": "STARTED", "Description": "No report exists."})
    not_ready(stub, "ReportInProgress", 404)
    not_ready(stub, "ReportInProgress", 404)
    not_ready(stub, "ReportInProgress", 404)
    stub.add_response("get_credential_report", report_answer(NOW))
    records, generated = cr.read(iam, 4, 120, NOW)
    assert [r["user"] for r in records] == ["<root_account>", "alice", "ci-deploy"]
    assert generated == "2024-06-01T12:00:00+00:00"
    assert sleeps == [2.0, 4.0, 8.0]  # bounded, doubling


def test_an_old_report_is_regenerated_and_the_old_one_not_taken(stubbed):
    stub, iam, sleeps = stubbed
    old = NOW - datetime.timedelta(hours=5)
    stub.add_response("get_credential_report", report_answer(old))
    stub.add_response("generate_credential_report", {"State": "STARTED"})
    stub.add_response("get_credential_report", report_answer(old))  # still the old one: wait
    not_ready(stub, "ReportInProgress", 404)
    stub.add_response("get_credential_report", report_answer(NOW))
    assert cr.read_report(iam, 4, 120, NOW)["GeneratedTime"] == NOW
    assert sleeps == [2.0, 4.0]


def test_max_age_below_four_hours_gets_the_existing_report(stubbed):
    # IAM answers COMPLETE without building anything while the report is younger than 4 h.
    stub, iam, sleeps = stubbed
    two_hours = NOW - datetime.timedelta(hours=2)
    stub.add_response("get_credential_report", report_answer(two_hours))
    stub.add_response("generate_credential_report", {"State": "COMPLETE"})
    stub.add_response("get_credential_report", report_answer(two_hours))
    assert cr.read_report(iam, 1, 120, NOW)["GeneratedTime"] == two_hours
    assert sleeps == []


def test_an_expired_report_is_generated_again(stubbed):
    stub, iam, sleeps = stubbed
    not_ready(stub, "ReportExpired")
    stub.add_response("generate_credential_report", {"State": "STARTED"})
    not_ready(stub, "ReportExpired")  # expired again between the calls: ask once more
    stub.add_response("generate_credential_report", {"State": "INPROGRESS"})
    stub.add_response("get_credential_report", report_answer(NOW))
    assert cr.read_report(iam, 4, 120, NOW)["GeneratedTime"] == NOW
    assert sleeps == [2.0]


def test_waiting_is_bounded_by_wait_timeout(stubbed):
    stub, iam, sleeps = stubbed
    not_ready(stub, "ReportNotPresent")
    stub.add_response("generate_credential_report", {"State": "STARTED"})
    for _attempt in range(6):
        not_ready(stub, "ReportInProgress", 404)
    with pytest.raises(HardeningError) as info:
        cr.read_report(iam, 4, 40, NOW)
    assert "still generating the credential report after 40 seconds (wait_timeout)" in info.value.msg
    assert sleeps == [2.0, 4.0, 8.0, 15.0, 11.0]
    assert sum(sleeps) == 40


def test_no_waiting_at_all_with_wait_timeout_zero(stubbed):
    stub, iam, sleeps = stubbed
    not_ready(stub, "ReportNotPresent")
    stub.add_response("generate_credential_report", {"State": "STARTED"})
    not_ready(stub, "ReportInProgress", 404)
    with pytest.raises(HardeningError):
        cr.read_report(iam, 4, 0, NOW)
    assert sleeps == []


def test_other_errors_are_not_taken_for_a_missing_report(stubbed):
    stub, iam, _sleeps = stubbed
    stub.add_client_error("get_credential_report", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(AwsError) as info:
        cr.read_report(iam, 4, 120, NOW)
    assert info.value.code == "AccessDenied"
    assert "GetCredentialReport" in info.value.msg


# --- run against moto ---------------------------------------------------------------------


def test_run_against_moto(context, api_calls):
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Not-checked-1")
    iam.create_user(UserName="svc")
    iam.create_access_key(UserName="svc")
    api_calls.clear()

    result = cr.run(context(), params(), check_mode=False, diff=False)
    assert result["changed"] is False
    by_user = {r["user"]: r for r in result["report"]}
    assert sorted(by_user) == ["alice", "svc"]  # moto has no root row
    assert by_user["alice"]["password_enabled"] is True
    assert by_user["svc"]["access_key_1_active"] is True and by_user["svc"]["access_key_1_last_used_date"] is None
    assert result["summary"]["root_account_present"] is False
    assert result["summary"]["active_access_keys_never_used"] == 1
    assert cr.parse_date(result["generated_time"]) is not None
    # No report yet: Get (ReportNotPresent), Generate, Get.
    assert api_calls.actions == ["iam:GetCredentialReport", "iam:GenerateCredentialReport", "iam:GetCredentialReport"]


def test_check_mode_reads_the_same(context):
    boto3.client("iam", region_name="us-east-1").create_user(UserName="alice")
    assert cr.run(context(), params(), True, False)["report"] == cr.run(context(), params(), False, False)["report"]


def test_execute_rejects_bad_input_before_any_aws_call(api_calls):
    def factory(_params):
        raise AssertionError("validation must come first")

    result = execute(cr.MODULE_SPEC, params(wait_timeout=-5), False, False, context_factory=factory)
    assert result["failed"] is True and result["msg"] == "wait_timeout=-5 is out of range: it must be 0 or more"
    assert api_calls.calls == []
