"""Users from bulk reads (plugins/module_utils/_iam_user_info.py)."""

from __future__ import annotations

import datetime
import json

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from botocore.stub import Stubber
from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import AccessKeyLastUsed, iam_backends

from ansible_collections.hardening.aws.plugins.module_utils import _iam_credential_report_info as cr
from ansible_collections.hardening.aws.plugins.module_utils import _iam_user_info as ui
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsClient, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute

UTC = datetime.timezone.utc
NOW = datetime.datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
BULK_READ = [
    "iam:GetAccountAuthorizationDetails",
    "iam:GetCredentialReport",
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
    "iam:ListVirtualMFADevices",
]


def params(**options):
    spec = ui.MODULE_SPEC
    result = ArgumentSpecValidator(spec.argument_spec, **spec.validator_kwargs()).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


# --- validate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, field, fragment",
    [
        (dict(name="bob smith"), "name", "'bob smith' is not a valid IAM user name: allowed characters"),
        (dict(names=["ok", "x" * 65]), "names", "it must be 1 to 64 characters long, not 65"),
        (dict(path_prefix="ops/"), "path_prefix", "'ops/' is not a valid IAM path prefix: it must start with /"),
        (dict(path_prefix="/é/"), "path_prefix", "printable ASCII only"),
        (dict(max_age_hours=-1), "max_age_hours", "max_age_hours=-1 is out of range"),
    ],
)
def test_validate_rejects(options, field, fragment):
    with pytest.raises(HardeningError) as info:
        ui.validate(params(**options))
    assert fragment in info.value.msg
    assert info.value.details == {"option": field}


@pytest.mark.parametrize(
    "options",
    [
        {},
        dict(name="ci-deploy"),
        dict(names=["a", "b@c"]),
        dict(path_prefix="/"),
        dict(path_prefix="/ops"),
        dict(path_prefix="/ops/team-a/"),
    ],
)
def test_validate_accepts(options):
    ui.validate(params(**options))


def test_name_and_names_are_exclusive():
    spec = ui.MODULE_SPEC
    result = ArgumentSpecValidator(spec.argument_spec, **spec.validator_kwargs()).validate(dict(name="a", names=["b"]))
    assert "mutually exclusive" in result.error_messages[0]


# --- pure assembly ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, user, path, expected",
    [
        ({}, "a", "/", True),
        ({"name": "a"}, "a", "/", True),
        ({"name": "a"}, "ab", "/", False),
        ({"names": ["a", "b"]}, "b", "/", True),
        ({"names": []}, "b", "/", False),
        ({"path_prefix": "/ops/"}, "a", "/ops/team/", True),
        ({"path_prefix": "/ops/"}, "a", "/", False),
        ({"path_prefix": "/ops/", "name": "a"}, "a", "/dev/", False),
    ],
)
def test_selected(options, user, path, expected):
    assert ui.selected({"UserName": user, "Path": path}, dict({"name": None, "names": None}, **options)) is expected


def report_row(**values):
    row = {
        "user": "u",
        "user_creation_time": "2023-01-01T00:00:00+00:00",
        "password_enabled": False,
        "mfa_active": False,
        "access_key_1_active": False,
        "access_key_2_active": False,
    }
    row.update(values)
    return row


def detail(name="u", created=datetime.datetime(2023, 1, 1, tzinfo=UTC), **values):
    out = {
        "UserName": name,
        "UserId": ("AIDA" + name.upper().replace("-", "") + "X" * 16)[:20],
        "Arn": "arn:aws:iam::123456789012:user/" + name,
        "Path": "/",
        "CreateDate": created,
    }
    out.update(values)
    return out


def days_ago(days):
    return cr.iso_utc(NOW - datetime.timedelta(days=days))


def test_report_keys_without_ids_oldest_first():
    row = report_row(
        access_key_1_active=True,
        access_key_1_last_rotated=days_ago(400),
        access_key_2_active=False,
        access_key_2_last_rotated=days_ago(130),
        access_key_2_last_used_date=days_ago(2),
        access_key_2_last_used_service="cloudformation",
        access_key_2_last_used_region="us-east-1",
    )
    assert ui.report_keys(row, NOW) == [
        {
            "id": None,
            "status": "Active",
            "create_date": days_ago(400),
            "age_days": 400,
            "last_used_date": None,
            "last_used_days": None,
            "last_used_service": None,
            "last_used_region": None,
        },
        {
            "id": None,
            "status": "Inactive",
            "create_date": days_ago(130),
            "age_days": 130,
            "last_used_date": days_ago(2),
            "last_used_days": 2,
            "last_used_service": "cloudformation",
            "last_used_region": "us-east-1",
        },
    ]


def test_report_keys_none():
    assert ui.report_keys(report_row(), NOW) == []


def test_merge_key_ids_matches_by_creation_second():
    from_report = ui.report_keys(
        report_row(
            access_key_1_active=True,
            access_key_1_last_rotated=days_ago(30),
            access_key_1_last_used_date=days_ago(1),
            access_key_1_last_used_service="s3",
        ),
        NOW,
    )
    metadata = [
        {"AccessKeyId": "AKIANEWERTHANREPORT1", "Status": "Active", "CreateDate": NOW - datetime.timedelta(hours=1)},
        {
            "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "Status": "Inactive",
            "CreateDate": NOW - datetime.timedelta(days=30, microseconds=-400),
        },
    ]
    keys = ui.merge_key_ids(from_report, metadata, NOW)
    assert [k["id"] for k in keys] == ["AKIAIOSFODNN7EXAMPLE", "AKIANEWERTHANREPORT1"]
    assert keys[0]["status"] == "Inactive"  # live status wins over the report's
    assert keys[0]["last_used_days"] == 1 and keys[0]["last_used_service"] == "s3"
    assert keys[1]["last_used_date"] is None and keys[1]["age_days"] == 0


def test_build_user_from_all_three_sources():
    details = detail(
        "dave",
        GroupList=["developers", "admins"],
        AttachedManagedPolicies=[
            {"PolicyName": "dave-extra", "PolicyArn": "arn:aws:iam::123456789012:policy/dave-extra"}
        ],
        UserPolicyList=[
            {"PolicyName": "z-inline", "PolicyDocument": {}},
            {"PolicyName": "a-inline", "PolicyDocument": {}},
        ],
        Tags=[{"Key": "team", "Value": "payments"}],
        PermissionsBoundary={
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": "arn:aws:iam::123456789012:policy/boundary",
        },
    )
    row = report_row(
        user="dave",
        user_creation_time="2023-01-01T00:00:00+00:00",
        password_enabled=True,
        password_last_used=days_ago(100),
        password_last_changed=days_ago(500),
        mfa_active=True,
    )
    devices = [{"serial_number": "arn:aws:iam::123456789012:mfa/dave", "enable_date": days_ago(550)}]
    user = ui.build_user(details, row, devices, NOW)
    assert user["groups"] == ["admins", "developers"]
    assert user["inline_policies"] == ["a-inline", "z-inline"]
    assert user["attached_policies"] == [
        {"policy_name": "dave-extra", "policy_arn": "arn:aws:iam::123456789012:policy/dave-extra"}
    ]
    assert user["tags"] == {"team": "payments"}
    assert user["permissions_boundary"] == "arn:aws:iam::123456789012:policy/boundary"
    assert user["console"] == {
        "password_enabled": True,
        "password_last_used": days_ago(100),
        "password_last_used_days": 100,
        "password_last_changed": days_ago(500),
    }
    assert user["mfa_active"] is True and user["virtual_mfa_devices"] == devices
    assert user["in_credential_report"] is True
    assert user["age_days"] == (NOW - datetime.datetime(2023, 1, 1, tzinfo=UTC)).days


def test_a_user_newer_than_the_report_has_unknown_credentials():
    user = ui.build_user(detail("new"), None, [], NOW)
    assert user["in_credential_report"] is False
    assert user["console"] is None and user["access_keys"] is None and user["mfa_active"] is None


def test_a_report_row_of_an_earlier_user_of_the_same_name_is_not_used():
    row = report_row(user="u", user_creation_time="2022-01-01T00:00:00+00:00", password_enabled=True)
    user = ui.build_user(detail("u"), row, [{"serial_number": "s", "enable_date": None}], NOW)
    assert user["in_credential_report"] is False and user["console"] is None
    assert user["mfa_active"] is True  # its virtual device is current


def test_virtual_devices_keep_no_seed_and_skip_root():
    devices = [
        {
            "SerialNumber": "arn:aws:iam::123456789012:mfa/a",
            "Base32StringSeed": b"SECRETSEED",
            "QRCodePNG": b"png",
            "User": {"UserName": "a", "Arn": "arn:aws:iam::123456789012:user/a"},
            "EnableDate": NOW,
        },
        {
            "SerialNumber": "arn:aws:iam::123456789012:mfa/root-account-mfa-device",
            "User": {"Arn": "arn:aws:iam::123456789012:root"},
            "EnableDate": NOW,
        },
    ]
    assert ui.virtual_devices_by_user(devices) == {
        "a": [{"serial_number": "arn:aws:iam::123456789012:mfa/a", "enable_date": "2024-06-01T12:00:00+00:00"}]
    }


# --- run against moto -------------------------------------------------------------------------


def backend():
    return iam_backends[DEFAULT_ACCOUNT_ID]["aws"]


def moto_now():
    from moto.core.utils import utcnow

    return utcnow()


def seed_account():
    """Users like the lab's, with real ages set on moto's objects (the API cannot set them)."""
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_group(GroupName="developers")
    policy_arn = iam.create_policy(PolicyName="extra", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "web"}])
    iam.create_login_profile(UserName="alice", Password="Not-checked-1")
    iam.add_user_to_group(GroupName="developers", UserName="alice")
    iam.create_user(UserName="ci-deploy", Path="/service/")
    first = iam.create_access_key(UserName="ci-deploy")["AccessKey"]["AccessKeyId"]
    second = iam.create_access_key(UserName="ci-deploy")["AccessKey"]["AccessKeyId"]
    iam.attach_user_policy(UserName="ci-deploy", PolicyArn=policy_arn)
    iam.put_user_policy(UserName="ci-deploy", PolicyName="inline", PolicyDocument=POLICY)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="alice", SerialNumber=device, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )

    now = moto_now()
    users = backend().users
    users["alice"].create_date = now - datetime.timedelta(days=200)
    users["alice"].password_last_used = now - datetime.timedelta(days=3)
    users["ci-deploy"].create_date = now - datetime.timedelta(days=450)
    keys = {k.access_key_id: k for k in users["ci-deploy"].access_keys}
    keys[first].create_date = now - datetime.timedelta(days=400)
    keys[second].create_date = now - datetime.timedelta(days=130)
    keys[second].last_used = AccessKeyLastUsed(
        timestamp=now - datetime.timedelta(days=2), service="cloudformation", region="us-east-1"
    )
    return {"first": first, "second": second, "device": device}


def test_users_with_ages_groups_policies_and_mfa(context, api_calls):
    ids = seed_account()
    api_calls.clear()
    result = ui.run(context(), params(), check_mode=False, diff=False)
    assert api_calls.actions == BULK_READ
    assert result["changed"] is False
    alice, ci = result["users"]
    assert alice["user_name"] == "alice" and ci["user_name"] == "ci-deploy"
    assert alice["age_days"] == 200 and ci["age_days"] == 450
    assert alice["groups"] == ["developers"] and alice["tags"] == {"team": "web"}
    assert alice["console"]["password_enabled"] is True and alice["console"]["password_last_used_days"] == 3
    assert alice["mfa_active"] is True
    assert [d["serial_number"] for d in alice["virtual_mfa_devices"]] == [ids["device"]]
    assert ci["console"]["password_enabled"] is False and ci["console"]["password_last_used"] is None
    assert ci["path"] == "/service/" and ci["inline_policies"] == ["inline"]
    assert [p["policy_name"] for p in ci["attached_policies"]] == ["extra"]
    assert [
        (k["id"], k["status"], k["age_days"], k["last_used_days"], k["last_used_service"]) for k in ci["access_keys"]
    ] == [
        (None, "Active", 400, None, None),
        (None, "Active", 130, 2, None),  # moto's report says not_supported for the service; see the Stubber test
    ]
    assert all(u["in_credential_report"] for u in result["users"])
    text = json.dumps(result)  # JSON-clean: no datetime left
    seed = backend().virtual_mfa_devices[ids["device"]].base32_string_seed
    assert seed not in text


def test_key_ids_cost_one_call_per_user_with_keys(context, api_calls):
    ids = seed_account()
    api_calls.clear()
    result = ui.run(context(), params(access_key_ids=True), check_mode=False, diff=False)
    assert api_calls.actions == BULK_READ + ["iam:ListAccessKeys"]
    assert api_calls.params_of("iam:ListAccessKeys") == [{"UserName": "ci-deploy"}]
    ci = result["users"][1]
    assert [(k["id"], k["age_days"], k["last_used_days"]) for k in ci["access_keys"]] == [
        (ids["first"], 400, None),
        (ids["second"], 130, 2),
    ]


def test_calls_do_not_grow_with_users(context, api_calls):
    seed_account()
    iam = boto3.client("iam", region_name="us-east-1")
    api_calls.clear()
    before = ui.run(context(), params(), check_mode=False, diff=False)
    calls_before = list(api_calls.actions)
    for n in range(20):
        iam.create_user(UserName="extra-%02d" % n)
        iam.create_login_profile(UserName="extra-%02d" % n, Password="Not-checked-1")
        iam.add_user_to_group(GroupName="developers", UserName="extra-%02d" % n)
    api_calls.clear()
    after = ui.run(context(), params(), check_mode=False, diff=False)
    assert len(after["users"]) == len(before["users"]) + 20
    assert api_calls.actions == calls_before == BULK_READ


@pytest.mark.parametrize(
    "options, expected",
    [
        (dict(name="alice"), ["alice"]),
        (dict(names=["ci-deploy", "nobody"]), ["ci-deploy"]),
        (dict(path_prefix="/service"), ["ci-deploy"]),
    ],
)
def test_filters(context, options, expected):
    seed_account()
    assert [u["user_name"] for u in ui.run(context(), params(**options), False, False)["users"]] == expected


def test_nothing_selected_reads_nothing_else(context, api_calls):
    seed_account()
    api_calls.clear()
    result = ui.run(context(), params(name="nobody"), check_mode=True, diff=False)
    assert result == {"changed": False, "users": [], "credential_report_time": None}
    assert api_calls.actions == ["iam:GetAccountAuthorizationDetails"]


def test_execute_rejects_bad_input_before_any_aws_call(api_calls):
    def factory(_params):
        raise AssertionError("validation must come first")

    result = execute(ui.MODULE_SPEC, params(path_prefix="ops"), False, False, context_factory=factory)
    assert result["failed"] is True and "path_prefix 'ops'" in result["msg"]
    assert api_calls.calls == []


# --- what moto lacks: the permissions boundary, a fresh report (botocore's Stubber) -----------


class StubbedAws:
    def __init__(self, client):
        self._iam = AwsClient(client, "iam", sleep=lambda s: pytest.fail("no waiting expected"))

    def client(self, service):
        assert service == "iam"
        return self._iam


REPORT = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,"
    "mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"
    "access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"
    "access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service\n"
    "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,N/A,not_supported,"
    "not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A\n"
    "bounded,arn:aws:iam::123456789012:user/bounded,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,"
    "true,2024-05-01T00:00:00+00:00,2024-05-31T00:00:00+00:00,eu-west-1,sts,false,N/A,N/A,N/A,N/A\n"
)


def test_boundary_and_a_fresh_report_through_stubber():
    client = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_response(
            "get_account_authorization_details",
            {
                "UserDetailList": [
                    detail(
                        "bounded",
                        created=datetime.datetime(2024, 1, 1, tzinfo=UTC),
                        PermissionsBoundary={
                            "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                            "PermissionsBoundaryArn": "arn:aws:iam::123456789012:policy/edge",
                        },
                    ),
                    detail("brand-new", created=NOW - datetime.timedelta(minutes=5)),
                ],
                "IsTruncated": False,
            },
            {"Filter": ["User"], "MaxItems": 1000},
        )
        stub.add_response(
            "get_credential_report",
            {
                "Content": REPORT.encode(),
                "ReportFormat": "text/csv",
                "GeneratedTime": NOW - datetime.timedelta(hours=1),
            },
        )
        stub.add_response(
            "list_virtual_mfa_devices",
            {"VirtualMFADevices": [], "IsTruncated": False},
            {"AssignmentStatus": "Assigned", "MaxItems": 1000},
        )
        users, generated = ui.read(StubbedAws(client), params(), NOW)
        stub.assert_no_pending_responses()
    bounded, new = sorted(users, key=lambda u: u["user_name"])
    assert generated == "2024-06-01T11:00:00+00:00"
    assert bounded["permissions_boundary"] == "arn:aws:iam::123456789012:policy/edge"
    assert bounded["access_keys"][0]["last_used_region"] == "eu-west-1" and bounded["access_keys"][0]["age_days"] == 31
    assert new["in_credential_report"] is False and new["access_keys"] is None
