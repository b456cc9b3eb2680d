"""IAM calls moto lacks, added by the lab (awslab.iam_extras), exercised through boto3.

Service-specific credentials, user permissions boundaries, GetMFADevice and ChangePassword:
happy paths, AWS's error codes and HTTP statuses, per-account isolation, and reset.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.iam.models import ManagedPolicy, User
from moto.iam.responses import IamResponse

from awslab import SEEDED_USERS, iam_extras, patches

CODECOMMIT = "codecommit.amazonaws.com"
KEYSPACES = "cassandra.amazonaws.com"
BEDROCK = "bedrock.amazonaws.com"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
DOC = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}]})
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)


@pytest.fixture
def iam(lab):
    """IAM client (organisation role) in the first member account; re-seeded after the test."""
    return lab.client(lab.account_ids[0], "iam")


def error_of(call, **kwargs):
    """``(code, HTTP status, message)`` of the ClientError ``call(**kwargs)`` raises."""
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response = info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def user_client(lab, iam, user_name):
    """An IAM client signed with a new access key of ``user_name`` (acts as that IAM user)."""
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    return boto3.client(
        "iam",
        endpoint_url=lab.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )


def _ago(value: dt.datetime) -> float:
    return (dt.datetime.now(dt.timezone.utc) - value).total_seconds() / 86400


# ------------------------------------------------------------------ service-specific credentials


def test_create_service_specific_credential(lab, iam):
    account_id = lab.account_ids[0]
    answer = iam.create_service_specific_credential(UserName="alice", ServiceName=CODECOMMIT)
    credential = answer["ServiceSpecificCredential"]
    assert set(credential) == {
        "CreateDate",
        "ServiceName",
        "ServiceUserName",
        "ServicePassword",
        "ServiceSpecificCredentialId",
        "UserName",
        "Status",
    }
    assert credential["ServiceName"] == CODECOMMIT and credential["UserName"] == "alice"
    assert credential["Status"] == "Active"
    assert credential["ServiceUserName"] == f"alice-at-{account_id}"
    assert re.fullmatch(r"ACCA[A-Z0-9]{17}", credential["ServiceSpecificCredentialId"])
    assert len(credential["ServicePassword"]) == 44
    assert _ago(credential["CreateDate"]) < 0.01
    (listed,) = iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"]
    assert "ServicePassword" not in listed  # the password is shown once
    assert listed == {k: v for k, v in credential.items() if k != "ServicePassword"}


def test_api_key_credentials_have_an_alias_a_secret_and_may_expire(lab, iam):
    created = iam.create_service_specific_credential(UserName="bob", ServiceName=BEDROCK, CredentialAgeDays=30)
    credential = created["ServiceSpecificCredential"]
    assert "ServiceUserName" not in credential and "ServicePassword" not in credential
    assert credential["ServiceCredentialAlias"].startswith("bob") and credential["ServiceCredentialSecret"]
    assert round((credential["ExpirationDate"] - credential["CreateDate"]).total_seconds() / 86400) == 30
    # An API key past its expiration date reads as Expired.
    backend = lab.iam_backend(lab.account_ids[0])
    (stored,) = iam_extras.credentials_of(backend.get_user("bob"))
    stored.expiration_date = stored.create_date - dt.timedelta(seconds=1)
    (listed,) = iam.list_service_specific_credentials(UserName="bob")["ServiceSpecificCredentials"]
    assert listed["Status"] == "Expired" and "ServiceCredentialSecret" not in listed
    # CredentialAgeDays is for API keys only.
    code, status, _message = error_of(
        iam.create_service_specific_credential, UserName="bob", ServiceName=CODECOMMIT, CredentialAgeDays=30
    )
    assert (code, status) == ("ValidationError", 400)


def test_at_most_two_credentials_per_user_and_service(lab, iam):
    for _attempt in range(2):
        iam.create_service_specific_credential(UserName="alice", ServiceName=CODECOMMIT)
    code, status, message = error_of(iam.create_service_specific_credential, UserName="alice", ServiceName=CODECOMMIT)
    assert (code, status) == ("LimitExceeded", 409)
    assert "ServiceSpecificCredentialsPerUserPerService: 2" in message
    # Another service, or another user, has its own quota.
    iam.create_service_specific_credential(UserName="alice", ServiceName=KEYSPACES)
    iam.create_service_specific_credential(UserName="bob", ServiceName=CODECOMMIT)


def test_service_specific_credential_errors(seeded_lab):
    iam = seeded_lab.client(seeded_lab.account_ids[1], "iam")
    missing_user = {"UserName": "nobody", "ServiceName": CODECOMMIT}
    assert error_of(iam.create_service_specific_credential, **missing_user)[:2] == ("NoSuchEntity", 404)
    assert error_of(iam.list_service_specific_credentials, UserName="nobody")[:2] == ("NoSuchEntity", 404)
    unsupported = {"UserName": "alice", "ServiceName": "s3.amazonaws.com"}
    assert error_of(iam.create_service_specific_credential, **unsupported)[:2] == ("NotSupportedService", 404)
    assert error_of(iam.list_service_specific_credentials, **unsupported)[:2] == ("NotSupportedService", 404)
    unknown = {"UserName": "alice", "ServiceSpecificCredentialId": "ACCA" + "X" * 17}
    assert error_of(iam.update_service_specific_credential, Status="Inactive", **unknown)[:2] == ("NoSuchEntity", 404)
    assert error_of(iam.reset_service_specific_credential, **unknown)[:2] == ("NoSuchEntity", 404)
    assert error_of(iam.delete_service_specific_credential, **unknown)[:2] == ("NoSuchEntity", 404)
    # dave's credential is not alice's.
    (dave,) = iam.list_service_specific_credentials(UserName="leaver-dave")["ServiceSpecificCredentials"]
    other = {"UserName": "alice", "ServiceSpecificCredentialId": dave["ServiceSpecificCredentialId"]}
    assert error_of(iam.delete_service_specific_credential, **other)[:2] == ("NoSuchEntity", 404)
    # Expired is a read-only status; AllUsers excludes UserName.
    expired = {**other, "UserName": "leaver-dave", "Status": "Expired"}
    assert error_of(iam.update_service_specific_credential, **expired)[:2] == ("ValidationError", 400)
    both = {"UserName": "alice", "AllUsers": True}
    assert error_of(iam.list_service_specific_credentials, **both)[:2] == ("ValidationError", 400)
    # Without UserName the caller's own user is meant: a role session has none.
    code, status, message = error_of(iam.list_service_specific_credentials)
    assert (code, status, message) == ("ValidationError", 400, iam_extras.NON_USER_CALLER)


def test_update_reset_delete(lab, iam):
    created = iam.create_service_specific_credential(UserName="alice", ServiceName=CODECOMMIT)
    credential_id = created["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    ids = {"UserName": "alice", "ServiceSpecificCredentialId": credential_id}
    assert set(iam.update_service_specific_credential(Status="Inactive", **ids)) == {"ResponseMetadata"}
    (listed,) = iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"]
    assert listed["Status"] == "Inactive"
    reset = iam.reset_service_specific_credential(**ids)["ServiceSpecificCredential"]
    assert reset["ServicePassword"] != created["ServiceSpecificCredential"]["ServicePassword"]
    assert reset["ServiceSpecificCredentialId"] == credential_id and reset["Status"] == "Inactive"
    iam.update_service_specific_credential(Status="Active", **ids)
    iam.delete_service_specific_credential(**ids)
    assert iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"] == []


def test_list_filters_all_users_and_pages(lab, iam):
    iam.create_service_specific_credential(UserName="alice", ServiceName=CODECOMMIT)
    iam.create_service_specific_credential(UserName="alice", ServiceName=KEYSPACES)
    iam.create_service_specific_credential(UserName="bob", ServiceName=CODECOMMIT)
    alice = iam.list_service_specific_credentials(UserName="alice", ServiceName=KEYSPACES)
    assert [c["ServiceName"] for c in alice["ServiceSpecificCredentials"]] == [KEYSPACES]
    everyone = iam.list_service_specific_credentials(AllUsers=True, ServiceName=CODECOMMIT)
    assert sorted(c["UserName"] for c in everyone["ServiceSpecificCredentials"]) == ["alice", "bob", "leaver-dave"]
    assert len(iam.list_service_specific_credentials(AllUsers=True)["ServiceSpecificCredentials"]) == 4
    first = iam.list_service_specific_credentials(AllUsers=True, MaxItems=3)
    assert first["IsTruncated"] is True and len(first["ServiceSpecificCredentials"]) == 3
    rest = iam.list_service_specific_credentials(AllUsers=True, MaxItems=3, Marker=first["Marker"])
    assert rest["IsTruncated"] is False and "Marker" not in rest
    ids = [
        c["ServiceSpecificCredentialId"]
        for c in first["ServiceSpecificCredentials"] + rest["ServiceSpecificCredentials"]
    ]
    assert len(set(ids)) == 4


def test_an_iam_user_manages_its_own_credentials(lab, iam):
    alice = user_client(lab, iam, "alice")
    created = iam.create_service_specific_credential(UserName="alice", ServiceName=CODECOMMIT)
    credential_id = created["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    (own,) = alice.list_service_specific_credentials()["ServiceSpecificCredentials"]
    assert own["UserName"] == "alice"
    alice.update_service_specific_credential(ServiceSpecificCredentialId=credential_id, Status="Inactive")
    assert alice.reset_service_specific_credential(ServiceSpecificCredentialId=credential_id)[
        "ServiceSpecificCredential"
    ]["ServicePassword"]
    alice.delete_service_specific_credential(ServiceSpecificCredentialId=credential_id)
    assert iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"] == []


def test_credentials_are_per_account(lab):
    first, second = (lab.client(a, "iam") for a in lab.account_ids)
    first.create_service_specific_credential(UserName="alice", ServiceName=CODECOMMIT)
    assert second.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"] == []
    dave = [
        iam.list_service_specific_credentials(UserName="leaver-dave")["ServiceSpecificCredentials"][0]
        for iam in (first, second)
    ]
    assert dave[0]["ServiceSpecificCredentialId"] != dave[1]["ServiceSpecificCredentialId"]
    assert [d["ServiceUserName"] for d in dave] == [f"leaver-dave-at-{a}" for a in lab.account_ids]
    # A credential id from one account is unknown in the other.
    code = error_of(
        second.delete_service_specific_credential,
        UserName="leaver-dave",
        ServiceSpecificCredentialId=dave[0]["ServiceSpecificCredentialId"],
    )[0]
    assert code == "NoSuchEntity"


# ------------------------------------------------------------------ permissions boundaries


def test_user_permissions_boundary(lab, iam):
    account_id = lab.account_ids[0]
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=READ_ONLY)
    expected = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": READ_ONLY}
    assert iam.get_user(UserName="alice")["User"]["PermissionsBoundary"] == expected
    # ListUsers does not return boundaries (AWS documents it; moto does the same for roles).
    assert all("PermissionsBoundary" not in u for u in iam.list_users()["Users"])
    details = iam.get_account_authorization_details(Filter=["User"])["UserDetailList"]
    boundaries = {
        u["UserName"]: u["PermissionsBoundary"]["PermissionsBoundaryArn"] for u in details if "PermissionsBoundary" in u
    }
    assert boundaries == {"alice": READ_ONLY, "leaver-dave": POWER_USER}
    # A customer managed policy works too; putting a boundary replaces the old one.
    arn = iam.create_policy(PolicyName="boundary", PolicyDocument=DOC)["Policy"]["Arn"]
    assert arn == f"arn:aws:iam::{account_id}:policy/boundary"
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=arn)
    assert iam.get_user(UserName="alice")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn
    iam.delete_user_permissions_boundary(UserName="alice")
    assert "PermissionsBoundary" not in iam.get_user(UserName="alice")["User"]
    iam.delete_user_permissions_boundary(UserName="alice")  # nothing to delete: no error


def test_create_user_with_a_boundary(lab, iam):
    user = iam.create_user(UserName="bounded", PermissionsBoundary=READ_ONLY)["User"]
    assert user["PermissionsBoundary"]["PermissionsBoundaryArn"] == READ_ONLY
    assert iam.get_user(UserName="bounded")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == READ_ONLY
    code = error_of(iam.create_user, UserName="not-created", PermissionsBoundary="arn:aws:iam::aws:policy/Nope")[0]
    assert code == "NoSuchEntity"
    assert error_of(iam.get_user, UserName="not-created")[0] == "NoSuchEntity"


def test_permissions_boundary_errors(seeded_lab):
    iam = seeded_lab.client(seeded_lab.account_ids[1], "iam")
    missing = error_of(iam.put_user_permissions_boundary, UserName="nobody", PermissionsBoundary=READ_ONLY)
    assert missing[:2] == ("NoSuchEntity", 404)
    assert error_of(iam.delete_user_permissions_boundary, UserName="nobody")[:2] == ("NoSuchEntity", 404)
    no_policy = "arn:aws:iam::aws:policy/NoSuchPolicy"
    code, status, message = error_of(iam.put_user_permissions_boundary, UserName="alice", PermissionsBoundary=no_policy)
    assert (code, status, message) == ("NoSuchEntity", 404, f"Policy {no_policy} does not exist or is not attachable.")
    invalid = error_of(
        iam.put_user_permissions_boundary, UserName="alice", PermissionsBoundary="not-an-arn-at-all-not-an-arn"
    )
    assert invalid[:2] == ("InvalidInput", 400)
    assert "PermissionsBoundary" not in iam.get_user(UserName="alice")["User"]


def test_boundary_usage_count_and_entities_for_policy(lab, iam):
    assert iam.get_policy(PolicyArn=POWER_USER)["Policy"]["PermissionsBoundaryUsageCount"] == 1  # leaver-dave
    iam.create_role(RoleName="bounded", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=POWER_USER)
    iam.attach_user_policy(UserName="bob", PolicyArn=POWER_USER)
    assert iam.get_policy(PolicyArn=POWER_USER)["Policy"]["PermissionsBoundaryUsageCount"] == 2

    def entities(**kwargs):
        answer = iam.list_entities_for_policy(PolicyArn=POWER_USER, **kwargs)
        return [u["UserName"] for u in answer["PolicyUsers"]], [r["RoleName"] for r in answer["PolicyRoles"]]

    assert entities(PolicyUsageFilter="PermissionsPolicy") == (["bob"], [])
    assert entities(PolicyUsageFilter="PermissionsBoundary") == (["leaver-dave"], ["bounded"])
    assert entities() == (["bob", "leaver-dave"], ["bounded"])
    assert entities(PolicyUsageFilter="PermissionsBoundary", EntityFilter="Role") == ([], ["bounded"])
    # GetAccountAuthorizationDetails (local policies: the AWS managed ones take moto ~10 s).
    local = iam.create_policy(PolicyName="boundary", PolicyDocument=DOC)["Policy"]
    iam.put_user_permissions_boundary(UserName="carol", PermissionsBoundary=local["Arn"])
    policies = iam.get_account_authorization_details(Filter=["LocalManagedPolicy"])["Policies"]
    (detail,) = [p for p in policies if p["Arn"] == local["Arn"]]
    assert (detail["PolicyName"], detail["PolicyId"]) == ("boundary", local["PolicyId"])
    assert (detail["PermissionsBoundaryUsageCount"], detail["AttachmentCount"]) == (1, 0)


def test_boundaries_are_per_account(lab):
    first, second = (lab.client(a, "iam") for a in lab.account_ids)
    first.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=READ_ONLY)
    assert "PermissionsBoundary" not in second.get_user(UserName="alice")["User"]
    assert second.get_policy(PolicyArn=READ_ONLY)["Policy"]["PermissionsBoundaryUsageCount"] == 0


# ------------------------------------------------------------------ GetMFADevice


def test_get_mfa_device(seeded_lab):
    account_id = seeded_lab.account_ids[0]
    iam = seeded_lab.client(account_id, "iam")
    (device,) = iam.list_mfa_devices(UserName="leaver-dave")["MFADevices"]
    serial = device["SerialNumber"]
    assert serial == f"arn:aws:iam::{account_id}:mfa/leaver-dave"
    answer = iam.get_mfa_device(UserName="leaver-dave", SerialNumber=serial)
    answer.pop("ResponseMetadata")
    assert answer == {"UserName": "leaver-dave", "SerialNumber": serial, "EnableDate": device["EnableDate"]}
    assert round(_ago(answer["EnableDate"])) == SEEDED_USERS["leaver-dave"].virtual_mfa_enabled_days_ago
    assert error_of(iam.get_mfa_device, UserName="alice", SerialNumber=serial)[:2] == ("NoSuchEntity", 404)
    assert error_of(iam.get_mfa_device, UserName="nobody", SerialNumber=serial)[:2] == ("NoSuchEntity", 404)
    unknown = f"arn:aws:iam::{account_id}:mfa/nothing"
    assert error_of(iam.get_mfa_device, UserName="leaver-dave", SerialNumber=unknown)[:2] == ("NoSuchEntity", 404)
    assert error_of(iam.get_mfa_device, SerialNumber=serial)[0] == "ValidationError"  # role session: no own user
    other_account = seeded_lab.client(seeded_lab.account_ids[1], "iam")
    assert error_of(other_account.get_mfa_device, UserName="leaver-dave", SerialNumber=serial)[0] == "NoSuchEntity"


def test_get_mfa_device_after_deactivation_and_for_the_caller(lab, iam):
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]
    assert error_of(iam.get_mfa_device, UserName="alice", SerialNumber=serial)[0] == "NoSuchEntity"  # unassigned
    iam.enable_mfa_device(
        UserName="alice", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    alice = user_client(lab, iam, "alice")
    assert alice.get_mfa_device(SerialNumber=serial)["UserName"] == "alice"
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    assert error_of(iam.get_mfa_device, UserName="alice", SerialNumber=serial)[0] == "NoSuchEntity"


# ------------------------------------------------------------------ ChangePassword


def test_change_password(lab, iam):
    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        PasswordReusePrevention=24,
        AllowUsersToChangePassword=True,
    )
    iam.update_login_profile(UserName="alice", PasswordResetRequired=True)
    alice = user_client(lab, iam, "alice")
    old = "Lab-Passw0rd-not-a-secret!"
    new = "An0ther-long-passw0rd!"
    alice.change_password(OldPassword=old, NewPassword=new)
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is False
    assert error_of(alice.change_password, OldPassword=old, NewPassword="Yet-an0ther-passw0rd!")[0] == "InvalidUserType"
    too_short = error_of(alice.change_password, OldPassword=new, NewPassword="Sh0rt!")
    assert too_short[:2] == ("PasswordPolicyViolation", 400)
    no_symbol = error_of(alice.change_password, OldPassword=new, NewPassword="NoSymbolsButL0ng")
    assert no_symbol[0] == "PasswordPolicyViolation"
    reused = error_of(alice.change_password, OldPassword=new, NewPassword=old)
    assert reused[0] == "PasswordPolicyViolation" and "24" in reused[2]
    alice.change_password(OldPassword=new, NewPassword="Th1rd-long-passw0rd!")


def test_change_password_refusals(lab, iam):
    # A role session is not an IAM user.
    assert error_of(iam.change_password, OldPassword="x", NewPassword="y")[:2] == ("InvalidUserType", 400)
    # A user without a console password has no login profile.
    iam.create_user(UserName="svc")
    svc = user_client(lab, iam, "svc")
    code, status, message = error_of(svc.change_password, OldPassword="x", NewPassword="Whatever-Passw0rd!")
    assert (code, status, message) == ("NoSuchEntity", 404, "Login Profile for User svc cannot be found.")


# ------------------------------------------------------------------ plumbing


def test_calls_are_counted_and_authorised_like_moto_s_own(lab, iam):
    account_id = lab.account_ids[0]
    lab.reset_calls()
    iam.list_service_specific_credentials(UserName="alice")
    iam.get_user(UserName="alice")
    assert lab.calls(account_id) == {"iam:GetUser": 1, "iam:ListServiceSpecificCredentials": 1}
    alice = user_client(lab, iam, "alice")  # group developers: ReadOnlyAccess (iam:Get*, iam:List*)

    def reset_auth(value: bytes) -> None:
        request = urllib.request.Request(
            f"{lab.endpoint_url}/moto-api/reset-auth", data=value, method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request) as response:  # noqa: S310 - the lab's own endpoint
            response.read()

    reset_auth(b"0")
    try:
        assert alice.list_service_specific_credentials()["ServiceSpecificCredentials"] == []
        denied = error_of(alice.create_service_specific_credential, UserName="alice", ServiceName=CODECOMMIT)
        assert denied[:2] == ("AccessDenied", 403)
        iam.create_service_specific_credential(UserName="alice", ServiceName=CODECOMMIT)  # AdministratorAccess
    finally:
        reset_auth(b"inf")


def test_reset_clears_everything(lab, iam):
    iam.create_service_specific_credential(UserName="alice", ServiceName=CODECOMMIT)
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=READ_ONLY)
    seeded_id = iam.list_service_specific_credentials(UserName="leaver-dave")["ServiceSpecificCredentials"][0][
        "ServiceSpecificCredentialId"
    ]
    lab.reset()
    iam = lab.client(lab.account_ids[0], "iam")
    everyone = iam.list_service_specific_credentials(AllUsers=True)["ServiceSpecificCredentials"]
    assert [c["UserName"] for c in everyone] == ["leaver-dave"]
    assert everyone[0]["ServiceSpecificCredentialId"] != seeded_id
    assert "PermissionsBoundary" not in iam.get_user(UserName="alice")["User"]
    assert iam.get_policy(PolicyArn=READ_ONLY)["Policy"]["PermissionsBoundaryUsageCount"] == 0
    lab.reset(seed=False)
    iam = lab.client(lab.account_ids[0], "iam")
    assert iam.list_service_specific_credentials(AllUsers=True)["ServiceSpecificCredentials"] == []
    assert iam.get_policy(PolicyArn=POWER_USER)["Policy"]["PermissionsBoundaryUsageCount"] == 0


def test_calls_are_registered_with_moto_s_iam_responses(seeded_lab):
    assert seeded_lab.running and patches.installed()
    for name in iam_extras.HANDLERS:
        assert getattr(IamResponse, name).__awslab_patch__ == name
    for name in iam_extras.WRAPPERS:
        assert getattr(IamResponse, name).__awslab_patch__ == name
    assert isinstance(User.__dict__["permissions_boundary"], property)
    assert isinstance(ManagedPolicy.__dict__["permissions_boundary_usage_count"], property)
