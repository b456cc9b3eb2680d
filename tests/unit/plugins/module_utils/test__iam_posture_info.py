"""The posture of a whole account from bulk reads (plugins/module_utils/_iam_posture_info.py).

The point of the module: every user, group, role and customer managed policy it returns
is exactly what the module of that resource reads, at a cost that does not grow with the
number of users, groups or roles.
"""

from __future__ import annotations

import datetime
import json
import urllib.parse
from collections import Counter

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from botocore.stub import Stubber
from moto.iam.models import AWSManagedPolicy, iam_backends

from ansible_collections.hardening.aws.plugins.module_utils import _findings as findings_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_credential_report_info as report_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_group as group_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_managed_policy as policy_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_password_policy as password_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_posture_info as posture
from ansible_collections.hardening.aws.plugins.module_utils import _iam_role as role_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_user as user_utils
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsClient, AwsError, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute
from awslab import patches

ACCOUNT = "123456789012"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
TEAM_EXTRA = "arn:aws:iam::%s:policy/team-extra" % ACCOUNT
BOUNDARY = "arn:aws:iam::%s:policy/boundaries/boundary" % ACCOUNT


def _doc(*actions, effect="Allow"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": list(actions), "Resource": "*"}]}


S3_READ = _doc("s3:GetObject")
DENY_IAM = _doc("iam:*", effect="Deny")
TRUST_EC2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
TRUST_ACCOUNT = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sts:AssumeRole"}
    ],
}
EVERY_SECTION = (
    "authorization_details",
    "credential_report",
    "summary",
    "password_policy",
    "alias",
    "virtual_mfa_devices",
    "server_certificates",
    "identity_providers",
    "service_specific_credentials",
    "access_analyzer",
    "instances",
)
SNAPSHOT_KEYS = {"users", "groups", "roles", "policies"}


def params(**options):
    """Module params as Ansible hands them over: every option, defaults applied."""
    spec = posture.MODULE_SPEC
    result = ArgumentSpecValidator(spec.argument_spec, **spec.validator_kwargs()).validate(options)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def run(context, check_mode=False, **options):
    return posture.run(context(), params(**options), check_mode=check_mode, diff=False)


# --- validate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, field, fragment",
    [
        (
            dict(login_profile_users=["alice", "bob smith"]),
            "login_profile_users",
            "'bob smith' is not a valid IAM user",
        ),
        (dict(credential_report_max_age_hours=-1), "credential_report_max_age_hours", "=-1 is out of range"),
        (dict(credential_report_wait_timeout=-5), "credential_report_wait_timeout", "=-5 is out of range"),
        (
            dict(gather=["summary"], user_policy_documents=True),
            "user_policy_documents",
            "add authorization_details (or all) to gather",
        ),
    ],
)
def test_validate_rejects(options, field, fragment):
    with pytest.raises(HardeningError) as info:
        posture.validate(params(**options))
    assert fragment in info.value.msg
    assert info.value.details == {"option": field}


@pytest.mark.parametrize(
    "options",
    [
        dict(),
        dict(gather=["authorization_details"], user_policy_documents=True, login_profile_users=["alice"]),
        dict(gather=["all"], user_policy_documents=True),
        dict(credential_report_max_age_hours=0, credential_report_wait_timeout=0),
    ],
)
def test_validate_accepts(options):
    posture.validate(params(**options))


def test_bad_input_fails_before_any_aws_call(api_calls):
    def factory(_params):
        raise AssertionError("no AWS context may be built for bad input")

    result = execute(posture.MODULE_SPEC, params(login_profile_users=["bob smith"]), False, False, factory)
    assert result["failed"] is True and "login_profile_users" in result["msg"]
    assert api_calls.calls == []


def test_gather_choices_are_the_sections():
    assert posture.ARGUMENT_SPEC["gather"]["choices"] == ["all"] + list(EVERY_SECTION)
    assert posture.sections(["all"]) == set(EVERY_SECTION)
    assert posture.sections(["alias", "summary"]) == {"alias", "summary"}


# --- pure assembly -----------------------------------------------------------------------------


def test_documents_come_url_encoded_or_as_dicts():
    encoded = urllib.parse.quote(json.dumps(S3_READ))
    detail = {
        "UserName": "u",
        "UserId": "AIDAEXAMPLE",
        "Arn": "arn:aws:iam::%s:user/u" % ACCOUNT,
        "Path": "/",
        "CreateDate": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        "UserPolicyList": [
            {"PolicyName": "encoded", "PolicyDocument": encoded},
            {"PolicyName": "text", "PolicyDocument": json.dumps(DENY_IAM)},
            {"PolicyName": "dict", "PolicyDocument": S3_READ},
        ],
    }
    state = posture.user_state(detail)
    assert state["inline_policies"] == {"encoded": S3_READ, "text": DENY_IAM, "dict": S3_READ}
    assert state["create_date"] == "2024-01-02T03:04:05+00:00"
    assert state["groups"] == [] and state["managed_policies"] == [] and state["tags"] == {}
    assert state["permissions_boundary"] is None

    role = posture.role_state(
        {
            "RoleName": "r",
            "Arn": "arn:aws:iam::%s:role/r" % ACCOUNT,
            "Path": "/",
            "AssumeRolePolicyDocument": urllib.parse.quote(json.dumps(TRUST_EC2)),
        }
    )
    assert role["assume_role_policy"] == TRUST_EC2
    assert role["description"] is None and role["max_session_duration"] is None
    assert role["instance_profiles"] == [] and role["inline_policies"] == {}


def test_policy_document_is_the_default_version():
    detail = {
        "PolicyName": "p",
        "Arn": "arn:aws:iam::%s:policy/p" % ACCOUNT,
        "Path": "/",
        "DefaultVersionId": "v2",
        "PolicyVersionList": [
            {"VersionId": "v1", "IsDefaultVersion": False, "Document": urllib.parse.quote(json.dumps(S3_READ))},
            {"VersionId": "v2", "IsDefaultVersion": True, "Document": urllib.parse.quote(json.dumps(DENY_IAM))},
        ],
    }
    state = posture.policy_state(detail)
    assert state["document"] == DENY_IAM and state["default_version_id"] == "v2"
    assert state["tags"] is None
    with pytest.raises(HardeningError, match="without its default version v2"):
        posture.policy_state(dict(detail, PolicyVersionList=detail["PolicyVersionList"][:1]))


def test_only_customer_managed_policies_are_kept():
    version = {"VersionId": "v1", "IsDefaultVersion": True, "Document": S3_READ}
    answer = {
        "Policies": [
            {"PolicyName": "mine", "Arn": TEAM_EXTRA, "DefaultVersionId": "v1", "PolicyVersionList": [version]},
            # Filter=LocalManagedPolicy never returns these from AWS; a simulator might.
            {
                "PolicyName": "AdministratorAccess",
                "Arn": ADMIN,
                "DefaultVersionId": "v1",
                "PolicyVersionList": [version],
            },
        ]
    }
    assert list(posture.snapshot(answer)["policies"]) == ["mine"]


def test_members_come_from_the_users_group_lists():
    details = [
        {"UserName": "bob", "GroupList": ["devs", "ops"]},
        {"UserName": "alice", "GroupList": ["devs"]},
        {"UserName": "carol"},
    ]
    assert posture.members_by_group(details) == {"devs": ["bob", "alice"], "ops": ["bob"]}
    group = posture.group_state({"GroupName": "devs", "Arn": "arn", "Path": "/"}, ["bob", "alice"])
    assert group["members"] == ["alice", "bob"]


@pytest.mark.parametrize(
    "arn, expected",
    [
        (ADMIN, True),
        ("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", True),
        ("arn:aws-cn:iam::aws:policy/ReadOnlyAccess", True),
        (TEAM_EXTRA, False),
        ("not-an-arn", False),
    ],
)
def test_is_aws_managed(arn, expected):
    assert posture.is_aws_managed(arn) is expected


# --- against moto -----------------------------------------------------------------------------


def add_aws_managed_policies(*arns):
    """A few AWS managed policies, as AWS has them (loading moto's 1,600 costs seconds per test)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    data = json.loads(aws_managed_policies_data)
    backend = iam_backends[ACCOUNT]["aws"]
    for arn in arns:
        name = arn.rsplit("/", 1)[-1]
        policy = AWSManagedPolicy.from_data(name, ACCOUNT, "us-east-1", data[name])
        backend.managed_policies[policy.arn] = policy
        # Known as AWS managed, as when moto loads them all: GetAccountAuthorizationDetails
        # then leaves them out of LocalManagedPolicy.
        backend.aws_managed_policies.append(policy)


@pytest.fixture
def iam(aws):
    """moto with the lab's patches: user permissions boundaries, and GetAccountAuthorizationDetails
    naming customer managed policies (moto leaves PolicyName out)."""
    was_installed = patches.installed()
    if not was_installed:
        patches.install()
    add_aws_managed_policies(ADMIN, READ_ONLY, POWER_USER)
    yield boto3.client("iam", region_name="us-east-1")
    if not was_installed:
        patches.uninstall()


def build_account(iam, users=3):
    """Users, groups, roles and policies with everything the snapshot has to carry."""
    iam.create_policy(PolicyName="team-extra", PolicyDocument=json.dumps(S3_READ), Description="extra rights")
    iam.create_policy_version(PolicyArn=TEAM_EXTRA, PolicyDocument=json.dumps(DENY_IAM), SetAsDefault=True)
    iam.create_policy(PolicyName="boundary", Path="/boundaries/", PolicyDocument=json.dumps(_doc("s3:*", "ec2:*")))
    iam.create_policy(PolicyName="unused", PolicyDocument=json.dumps(S3_READ), Tags=[{"Key": "k", "Value": "v"}])
    iam.create_group(GroupName="developers")
    iam.create_group(GroupName="auditors", Path="/audit/")
    iam.create_group(GroupName="empty")
    iam.attach_group_policy(GroupName="developers", PolicyArn=READ_ONLY)
    iam.attach_group_policy(GroupName="developers", PolicyArn=TEAM_EXTRA)
    iam.put_group_policy(GroupName="auditors", PolicyName="deny-iam", PolicyDocument=json.dumps(DENY_IAM))
    for n in range(users):
        name = "user-%02d" % n
        iam.create_user(UserName=name, Path="/people/" if n % 2 else "/", Tags=[{"Key": "n", "Value": str(n)}])
        iam.add_user_to_group(GroupName="developers", UserName=name)
        if n % 3 == 0:
            iam.add_user_to_group(GroupName="auditors", UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="own-%d" % n, PolicyDocument=json.dumps(_doc("sqs:Send%d" % n)))
        iam.attach_user_policy(UserName=name, PolicyArn=READ_ONLY)
    iam.create_user(UserName="carol", Tags=[{"Key": "team", "Value": "payments"}, {"Key": "owner", "Value": "c"}])
    iam.attach_user_policy(UserName="carol", PolicyArn=ADMIN)
    iam.attach_user_policy(UserName="carol", PolicyArn=TEAM_EXTRA)
    iam.put_user_policy(UserName="carol", PolicyName="a", PolicyDocument=json.dumps(S3_READ))
    iam.put_user_policy(UserName="carol", PolicyName="b", PolicyDocument=json.dumps(DENY_IAM))
    iam.create_login_profile(UserName="carol", Password="Not-checked-1!")
    iam.create_user(UserName="bounded", PermissionsBoundary=BOUNDARY)
    iam.attach_user_policy(UserName="bounded", PolicyArn=POWER_USER)

    iam.create_role(
        RoleName="app",
        Path="/apps/",
        AssumeRolePolicyDocument=json.dumps(TRUST_EC2),
        Description="the app",
        MaxSessionDuration=7200,
        PermissionsBoundary=BOUNDARY,
        Tags=[{"Key": "app", "Value": "shop"}],
    )
    iam.attach_role_policy(RoleName="app", PolicyArn=TEAM_EXTRA)
    iam.put_role_policy(RoleName="app", PolicyName="app-s3", PolicyDocument=json.dumps(S3_READ))
    iam.create_instance_profile(InstanceProfileName="app")
    iam.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    iam.create_instance_profile(InstanceProfileName="app-legacy", Path="/legacy/")
    iam.add_role_to_instance_profile(InstanceProfileName="app-legacy", RoleName="app")
    iam.create_role(RoleName="auditor", AssumeRolePolicyDocument=json.dumps(TRUST_ACCOUNT))
    iam.attach_role_policy(RoleName="auditor", PolicyArn=READ_ONLY)


def module_reads(client):
    """Every user, group, role and customer managed policy as its own module reads it."""
    api = AwsClient(client, "iam")
    users = [u["UserName"] for u in client.list_users()["Users"]]
    groups = [g["GroupName"] for g in client.list_groups()["Groups"]]
    roles = [r["RoleName"] for r in client.list_roles()["Roles"]]
    policies = client.list_policies(Scope="Local")["Policies"]
    return {
        "users": {
            n: user_utils.read(api, n, aspects=("groups", "managed_policies", "inline_policies"), documents=None)
            for n in users
        },
        "groups": {n: group_utils.read(api, n, managed=True, inline=True, documents=None) for n in groups},
        "roles": {n: role_utils.read(api, n, managed=True, inline=True, documents=None, profiles=True) for n in roles},
        "policies": {
            p["PolicyName"]: policy_utils.read(api, "aws", ACCOUNT, p["PolicyName"], p["Path"]) for p in policies
        },
    }


def test_every_entry_is_what_the_module_reads(iam, context):
    build_account(iam)
    result = run(context, gather=["authorization_details"])
    expected = module_reads(iam)

    assert sorted(result["users"]) == sorted(expected["users"]) == ["bounded", "carol", "user-00", "user-01", "user-02"]
    for name, state in expected["users"].items():
        assert result["users"][name] == state, name
    assert sorted(result["groups"]) == ["auditors", "developers", "empty"]
    for name, state in expected["groups"].items():
        assert result["groups"][name] == state, name
    assert sorted(result["roles"]) == ["app", "auditor"]
    for name, state in expected["roles"].items():
        # What GetAccountAuthorizationDetails lacks is None (unknown); everything else is equal.
        assert result["roles"][name] == dict(state, description=None, max_session_duration=None), name
    assert sorted(result["policies"]) == ["boundary", "team-extra", "unused"]
    for name, state in expected["policies"].items():
        assert result["policies"][name] == dict(state, tags=None), name

    # The test would be empty if the account were: the entries do carry what was built.
    carol = result["users"]["carol"]
    assert carol["managed_policies"] == sorted([ADMIN, TEAM_EXTRA])
    assert carol["inline_policies"] == {"a": S3_READ, "b": DENY_IAM}
    assert carol["tags"] == {"team": "payments", "owner": "c"}
    assert result["users"]["bounded"]["permissions_boundary"] == BOUNDARY
    assert result["users"]["user-01"]["path"] == "/people/"
    assert result["groups"]["developers"]["members"] == ["user-00", "user-01", "user-02"]
    assert result["groups"]["auditors"]["inline_policies"] == {"deny-iam": DENY_IAM}
    app = result["roles"]["app"]
    assert [p["name"] for p in app["instance_profiles"]] == ["app", "app-legacy"]
    assert app["instance_profiles"][1]["path"] == "/legacy/" and app["instance_profiles"][1]["roles"] == ["app"]
    assert app["permissions_boundary"] == BOUNDARY and app["tags"] == {"app": "shop"}
    assert app["assume_role_policy"] == TRUST_EC2
    assert result["policies"]["team-extra"]["document"] == DENY_IAM
    assert result["policies"]["team-extra"]["default_version_id"] == "v2"
    assert result["policies"]["boundary"]["permissions_boundary_usage_count"] == 2
    assert result["changed"] is False


@pytest.mark.parametrize("users", [1, 12])
def test_call_counts_do_not_grow_with_users(iam, context, api_calls, users):
    build_account(iam, users)
    result = run(context, user_policy_documents=True, login_profile_users=["carol", "nobody"])
    assert len(result["users"]) == users + 2
    # What the module reports is what botocore saw.
    assert result["api_calls"] == dict(Counter(a.split(":", 1)[1] for a in api_calls.actions))
    assert result["api_calls"] == {
        "GetAccountAuthorizationDetails": 1,
        # No report yet: Get (none), Generate, Get.
        "GetCredentialReport": 2,
        "GenerateCredentialReport": 1,
        "GetAccountSummary": 1,
        "GetAccountPasswordPolicy": 1,
        "ListAccountAliases": 1,
        "ListVirtualMFADevices": 1,
        # One per user asked for.
        "GetLoginProfile": 2,
        # One each per distinct AWS managed policy attached to a user: ReadOnlyAccess (every
        # user-NN), AdministratorAccess (carol), PowerUserAccess (bounded). team-extra is free.
        "GetPolicy": 3,
        "GetPolicyVersion": 3,
        # One each, whatever the number of users (moto has no Access Analyzer: the call fails).
        "ListServerCertificates": 1,
        "ListSAMLProviders": 1,
        "ListOpenIDConnectProviders": 1,
        "ListServiceSpecificCredentials": 1,
        "ListAnalyzers": 1,
        "DescribeInstances": 1,
    }
    assert set(result["section_errors"]) == {"access_analyzer"}
    assert sorted(p["PolicyArn"] for p in api_calls.params_of("iam:GetPolicy")) == sorted(
        [ADMIN, READ_ONLY, POWER_USER]
    )
    assert api_calls.params_of("iam:GetAccountAuthorizationDetails")[0]["Filter"] == [
        "User",
        "Group",
        "Role",
        "LocalManagedPolicy",
    ]


def test_user_policy_documents_cover_every_user_attached_policy(iam, context):
    build_account(iam)
    result = run(context, gather=["authorization_details"], user_policy_documents=True)
    documents = result["policy_documents"]
    attached = {arn for user in result["users"].values() for arn in user["managed_policies"]}
    assert set(documents) == attached == {ADMIN, READ_ONLY, POWER_USER, TEAM_EXTRA}
    api = AwsClient(iam, "iam")
    for arn in attached:
        # The default version's document, whoever manages the policy.
        assert documents[arn] == policy_utils._read_arn(api, arn)["document"], arn  # pylint: disable=protected-access
    assert documents[TEAM_EXTRA] == DENY_IAM
    assert documents[ADMIN]["Statement"][0]["Action"] == "*"


def test_login_profiles_are_what_iam_user_reads(iam, context):
    build_account(iam, users=1)
    result = run(context, gather=["summary"], login_profile_users=["carol", "user-00", "nobody", "carol"])
    api = AwsClient(iam, "iam")
    assert result["login_profiles"] == {
        "carol": {"console_access": True, "password_reset_required": False},
        "user-00": {"console_access": False, "password_reset_required": None},
        "nobody": {"console_access": False, "password_reset_required": None},
    }
    for name in ("carol", "user-00"):
        read = user_utils.read(api, name, aspects=("login_profile",))
        assert result["login_profiles"][name] == {k: read[k] for k in ("console_access", "password_reset_required")}
    assert result["api_calls"] == {"GetAccountSummary": 1, "GetLoginProfile": 3}


def test_sections_are_present_only_when_gathered(iam, context, api_calls):
    build_account(iam, users=1)
    only = run(context, gather=["alias", "password_policy"])
    assert set(only) == {"changed", "alias", "password_policy", "api_calls", "section_errors"}
    assert only["section_errors"] == {}
    assert only["alias"] is None and only["password_policy"] is None
    assert only["api_calls"] == {"ListAccountAliases": 1, "GetAccountPasswordPolicy": 1}

    api_calls.clear()
    every = run(context, credential_report_max_age_hours=24)
    assert set(every) == {
        "changed",
        "users",
        "groups",
        "roles",
        "policies",
        "credential_report",
        "credential_report_generated_time",
        "summary",
        "password_policy",
        "alias",
        "virtual_mfa_devices",
        "server_certificates",
        "identity_providers",
        "service_specific_credentials",
        "access_analyzer",
        "instances",
        "section_errors",
        "api_calls",
    }
    assert "findings" not in every and "account_id" not in every
    assert "GetLoginProfile" not in every["api_calls"] and "GetPolicy" not in every["api_calls"]


def test_account_sections_match_the_existing_reads(iam, context):
    build_account(iam, users=2)
    iam.create_account_alias(AccountAlias="acme-prod")
    iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)
    result = run(context, gather=["all"])
    api = AwsClient(iam, "iam")
    assert result["alias"] == "acme-prod"
    assert result["password_policy"]["min_password_length"] == 14
    assert result["password_policy"] == password_utils.read(api)
    assert result["summary"] == iam.get_account_summary()["SummaryMap"]
    assert result["summary"]["Users"] == 4
    records, generated = report_utils.read(api, 24, 0)
    assert result["credential_report"] == records
    assert result["credential_report_generated_time"] == generated
    assert {r["user"] for r in records} >= {"carol", "user-00", "user-01", "bounded"}
    carol = next(r for r in result["credential_report"] if r["user"] == "carol")
    assert carol["password_enabled"] is True


def test_virtual_mfa_devices_assigned_or_not(iam, context):
    iam.create_user(UserName="dave")
    assigned = iam.create_virtual_mfa_device(VirtualMFADeviceName="dave")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="dave", SerialNumber=assigned, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    spare = iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")["VirtualMFADevice"]["SerialNumber"]
    result = run(context, gather=["virtual_mfa_devices"])
    devices = result["virtual_mfa_devices"]
    assert [d["serial_number"] for d in devices] == sorted([assigned, spare])
    by_serial = {d["serial_number"]: d for d in devices}
    assert by_serial[spare] == {"serial_number": spare, "user_arn": None, "user_name": None, "enable_date": None}
    dave = by_serial[assigned]
    assert dave["user_name"] == "dave" and dave["user_arn"] == "arn:aws:iam::%s:user/dave" % ACCOUNT
    assert report_utils.parse_date(dave["enable_date"]) is not None
    # Never the seed or the QR code.
    assert all(set(d) == {"serial_number", "user_arn", "user_name", "enable_date"} for d in devices)


def test_through_execute_check_mode_changes_nothing(iam, context, api_calls):
    build_account(iam, users=1)
    result = execute(posture.MODULE_SPEC, params(), True, True, context_factory=context)
    assert result["changed"] is False and "failed" not in result and "diff" not in result
    # Reads only (GenerateCredentialReport makes a report, not a change to the account).
    verbs = {a.split(":", 1)[1] for a in api_calls.actions} - {"GenerateCredentialReport"}
    assert verbs and all(v.startswith(("Get", "List", "Describe")) for v in verbs), verbs


# --- pagination and counting (moto ignores MaxItems here: botocore's Stubber) -------------------


def _page(users, marker=None):
    page = {
        "UserDetailList": [
            {
                "UserName": name,
                "UserId": ("AIDA%s" % name.upper()).ljust(21, "X"),
                "Arn": "arn:aws:iam::%s:user/%s" % (ACCOUNT, name),
                "Path": "/",
                "CreateDate": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
                "GroupList": ["devs"],
            }
            for name in users
        ],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
        "IsTruncated": marker is not None,
    }
    if marker:
        page["Marker"] = marker
    return page


def test_every_page_is_read_and_counted(aws):
    client = boto3.client("iam", region_name="us-east-1")
    counting = posture.CountingClient(AwsClient(client, "iam", sleep=lambda s: pytest.fail("no retry expected")))
    first = {"Filter": posture.AUTHORIZATION_FILTER, "MaxItems": 1000}
    with Stubber(client) as stub:
        stub.add_response("get_account_authorization_details", _page(["alice", "bob"], "m1"), first)
        stub.add_response("get_account_authorization_details", _page(["carol"], "m2"), dict(first, Marker="m1"))
        stub.add_response("get_account_authorization_details", _page(["dave"]), dict(first, Marker="m2"))
        found = posture.snapshot(posture.read_authorization_details(counting))
        stub.assert_no_pending_responses()
    assert sorted(found["users"]) == ["alice", "bob", "carol", "dave"]
    assert found["groups"] == {} and found["roles"] == {} and found["policies"] == {}
    assert counting.counts == {"GetAccountAuthorizationDetails": 3}


def test_a_missing_entity_is_ignored_and_still_counted(aws):
    client = boto3.client("iam", region_name="us-east-1")
    counting = posture.CountingClient(AwsClient(client, "iam"))
    assert counting.call("get_login_profile", ignore=("NoSuchEntity",), UserName="nobody") is None
    assert counting.paginate("list_groups_for_user", ignore=("NoSuchEntity",), UserName="nobody") is None
    assert counting.counts == {"GetLoginProfile": 1, "ListGroupsForUser": 1}


# --- findings and the sections added for the audit ----------------------------------------------


@pytest.mark.parametrize(
    "options, field, fragment",
    [
        (dict(unused_days=0), "unused_days", "unused_days=0 is out of range: it must be from 1 to 3650"),
        (dict(key_max_age_days=-1), "key_max_age_days", "from 1 to 3650"),
        (dict(password_min_length=200), "password_min_length", "from 6 to 128"),
        (dict(password_reuse_prevention=25), "password_reuse_prevention", "from 1 to 24"),
        (dict(root_used_days=-1), "root_used_days", "from 0 to 3650"),
        (dict(break_glass_users=["bob smith"]), "break_glass_users", "'bob smith' is not a valid IAM user"),
        (dict(break_glass_roles=["a/b"]), "break_glass_roles", "not a valid IAM role"),
        (dict(regions=["us-east-1", "Europe"]), "regions", "'Europe' is not an AWS region name"),
    ],
)
def test_validate_rejects_finding_options(options, field, fragment):
    with pytest.raises(HardeningError) as info:
        posture.validate(params(**options))
    assert fragment in info.value.msg
    assert info.value.details == {"option": field}


def test_findings_with_every_section_and_the_aws_documents_read_once(iam, context, api_calls):
    build_account(iam, users=2)
    result = run(context, findings=True, user_policy_documents=True, break_glass_users=["carol"])
    ids = [f["id"] for f in result["findings"]]
    assert ids == list(findings_utils.CONTROL_IDS)
    assert result["account_id"] == ACCOUNT
    # One GetPolicy per distinct AWS managed policy attached anywhere, though both
    # user_policy_documents and the findings need them.
    assert sorted(p["PolicyArn"] for p in api_calls.params_of("iam:GetPolicy")) == sorted(
        [ADMIN, READ_ONLY, POWER_USER]
    )
    found = {f["id"]: f for f in result["findings"]}
    # carol's AdministratorAccess is allowed; nobody else holds * on *.
    assert found["no_full_admin_policy"]["status"] == "pass"
    assert "break-glass allowed: user carol" in found["no_full_admin_policy"]["reason"]
    assert found["no_root_daily_user"]["status"] == "pass"
    # moto: no root row, no Access Analyzer.
    assert found["root_mfa_enabled"]["status"] == "error"
    assert found["access_analyzer"]["status"] == "error"
    assert set(result["section_errors"]) == {"access_analyzer"}
    assert found["permissions_via_groups"]["status"] == "fail"


def test_a_core_section_that_fails_fails_the_task_unless_findings(iam, context, monkeypatch):
    build_account(iam, users=1)

    def denied(*_args, **_kwargs):
        raise AwsError("IAM GetCredentialReport failed: AccessDenied: no", code="AccessDenied")

    monkeypatch.setattr(report_utils, "read", denied)
    with pytest.raises(AwsError):
        run(context, gather=["credential_report"])
    result = run(context, findings=True)
    assert result["section_errors"]["credential_report"] == "IAM GetCredentialReport failed: AccessDenied: no"
    assert "credential_report" not in result
    found = {f["id"]: f for f in result["findings"]}
    for control in ("root_mfa_enabled", "console_users_mfa", "access_keys_rotated", "central_identity"):
        assert found[control]["status"] == "error", found[control]
        assert "credential report could not be read: IAM GetCredentialReport failed" in found[control]["reason"]
    assert found["permissions_via_groups"]["status"] == "fail"  # read from the authorization details


def test_regions_each_cost_one_call_and_instances_without_a_profile_fail(iam, context, api_calls):
    role_utils_trust = json.dumps(TRUST_EC2)
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=role_utils_trust)
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web")
    east = boto3.client("ec2", region_name="us-east-1")
    image = east.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    east.run_instances(ImageId=image, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": "web"})
    west = boto3.client("ec2", region_name="eu-west-1")
    image = west.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    legacy = west.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "legacy"}]}],
    )["Instances"][0]["InstanceId"]
    result = run(context, findings=True, regions=["us-east-1", "eu-west-1", "us-east-1"])
    assert result["api_calls"]["DescribeInstances"] == 2 and result["api_calls"]["ListAnalyzers"] == 2
    assert [i["instance_profile_arn"] is not None for i in result["instances"]["us-east-1"]] == [True]
    assert [i["instance_id"] for i in result["instances"]["eu-west-1"]] == [legacy]
    instances = next(f for f in result["findings"] if f["id"] == "instance_roles")
    assert instances["status"] == "fail"
    assert instances["resources"] == [
        {
            "type": "instance",
            "name": legacy,
            "arn": None,
            "reason": "running instance in eu-west-1 without an instance profile (Name legacy)",
        }
    ]
    errors = result["section_errors"]["access_analyzer"]
    assert errors.startswith("us-east-1: ") and "; eu-west-1: " in errors


def _stubbed(service, answers):
    """An AwsClient over a stubbed boto3 client that answers ``answers`` [(method, response, params)]."""
    client = boto3.client(service, region_name="us-east-1")
    stub = Stubber(client)
    for method, response, expected in answers:
        stub.add_response(method, response, expected)
    stub.activate()
    return posture.CountingClient(AwsClient(client, service, sleep=lambda s: pytest.fail("no retry"))), stub


def test_access_analyzers_every_page(aws):
    first = {
        "analyzers": [
            {
                "arn": "arn:aws:access-analyzer:us-east-1:1:analyzer/a",
                "name": "a",
                "type": "ACCOUNT",
                "createdAt": datetime.datetime(2024, 1, 1),
                "status": "ACTIVE",
            }
        ],
        "nextToken": "t1",
    }
    second = {
        "analyzers": [
            {
                "arn": "arn:aws:access-analyzer:us-east-1:1:analyzer/u",
                "name": "u",
                "type": "ACCOUNT_UNUSED_ACCESS",
                "createdAt": datetime.datetime(2024, 1, 1),
                "status": "ACTIVE",
            }
        ]
    }
    client, stub = _stubbed(
        "accessanalyzer",
        [
            ("list_analyzers", first, {"maxResults": 100}),
            ("list_analyzers", second, {"maxResults": 100, "nextToken": "t1"}),
        ],
    )
    found = posture.read_access_analyzers(client)
    stub.assert_no_pending_responses()
    assert [(a["name"], a["type"], a["status"]) for a in found] == [
        ("a", "ACCOUNT", "ACTIVE"),
        ("u", "ACCOUNT_UNUSED_ACCESS", "ACTIVE"),
    ]
    assert client.counts == {"ListAnalyzers": 2}


def test_service_specific_credentials_every_page_and_no_secret(aws):
    cred = {
        "UserName": "dave",
        "Status": "Active",
        "ServiceUserName": "dave-at-123456789012",
        "CreateDate": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
        "ServiceSpecificCredentialId": "ACCAEXAMPLE1234567890",
        "ServiceName": "codecommit.amazonaws.com",
    }
    client, stub = _stubbed(
        "iam",
        [
            (
                "list_service_specific_credentials",
                {"ServiceSpecificCredentials": [cred], "IsTruncated": True, "Marker": "m"},
                {"AllUsers": True, "MaxItems": 1000},
            ),
            (
                "list_service_specific_credentials",
                {"ServiceSpecificCredentials": [dict(cred, UserName="erin", Status="Inactive")]},
                {"AllUsers": True, "MaxItems": 1000, "Marker": "m"},
            ),
        ],
    )
    found = posture.read_service_specific_credentials(client)
    stub.assert_no_pending_responses()
    assert found == [
        {
            "user_name": "dave",
            "service_name": "codecommit.amazonaws.com",
            "id": "ACCAEXAMPLE1234567890",
            "status": "Active",
            "create_date": "2024-01-01T00:00:00+00:00",
        },
        {
            "user_name": "erin",
            "service_name": "codecommit.amazonaws.com",
            "id": "ACCAEXAMPLE1234567890",
            "status": "Inactive",
            "create_date": "2024-01-01T00:00:00+00:00",
        },
    ]


def test_server_certificates_and_identity_providers(iam, context):
    iam.create_saml_provider(Name="AWSSSO_x_DO_NOT_DELETE", SAMLMetadataDocument="<x>" * 400)
    iam.create_open_id_connect_provider(Url="https://token.actions.githubusercontent.com", ThumbprintList=["a" * 40])
    result = run(context, gather=["server_certificates", "identity_providers"])
    assert result["server_certificates"] == []
    assert result["identity_providers"] == {
        "saml": ["arn:aws:iam::%s:saml-provider/AWSSSO_x_DO_NOT_DELETE" % ACCOUNT],
        "oidc": ["arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com" % ACCOUNT],
    }
    assert result["section_errors"] == {}


def test_an_html_error_page_becomes_one_sentence():
    page = "IAM ListAnalyzers failed: 500: <!doctype html>\n<html><title>500 Internal Server Error</title></html>"
    exc = AwsError(page, code="500", operation="ListAnalyzers", status=500)
    assert posture.error_text(exc) == (
        "ListAnalyzers failed: the endpoint answered HTTP 500 with an HTML page, not an AWS answer; it may not "
        "implement this call"
    )
    assert posture.error_text(AwsError("IAM X failed:\n AccessDenied: no")) == "IAM X failed: AccessDenied: no"


def test_account_id_from_what_was_read():
    assert posture.account_id_of({}) is None
    assert posture.account_id_of({"credential_report": [{"arn": "arn:aws:iam::210000000001:root"}]}) == "210000000001"
    assert posture.account_id_of({"roles": {"r": {"arn": "arn:aws:iam::210000000002:role/r"}}}) == "210000000002"
