"""The lab refuses deletes the way AWS does (HTTP 409 DeleteConflict), and allows them once clear."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from moto.iam.models import IAMBackend

from awslab import SEEDED_USERS, patches
from awslab.seed import signing_certificate_pem, ssh_public_key_body

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
DOC = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}]})
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)


@pytest.fixture
def iam(lab):
    """IAM client in the first member account; the lab is re-seeded after the test."""
    return lab.client(lab.account_ids[0], "iam")


@pytest.fixture
def scratch_iam(seeded_lab):
    """IAM client in the second member account, for tests that clean up after themselves."""
    return seeded_lab.client(seeded_lab.account_ids[1], "iam")


def assert_conflict(call, message, **kwargs):
    """``call(**kwargs)`` fails with DeleteConflict (409) and AWS's ``message``."""
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    error = info.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("DeleteConflict", message)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def _add(iam, user, dependency):
    """Give ``user`` one dependency; return a callable removing it."""
    if dependency == "login profile":
        iam.create_login_profile(UserName=user, Password="Xx1!xxxxxxxxxxxx")
        return lambda: iam.delete_login_profile(UserName=user)
    if dependency == "access keys":
        key_id = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
        return lambda: iam.delete_access_key(UserName=user, AccessKeyId=key_id)
    if dependency == "certificates":
        cert_id = iam.upload_signing_certificate(UserName=user, CertificateBody=signing_certificate_pem())[
            "Certificate"
        ]["CertificateId"]
        return lambda: iam.delete_signing_certificate(UserName=user, CertificateId=cert_id)
    if dependency == "ssh keys":
        key_id = iam.upload_ssh_public_key(UserName=user, SSHPublicKeyBody=ssh_public_key_body())["SSHPublicKey"][
            "SSHPublicKeyId"
        ]
        return lambda: iam.delete_ssh_public_key(UserName=user, SSHPublicKeyId=key_id)
    if dependency == "service-specific credential":
        credential_id = iam.create_service_specific_credential(UserName=user, ServiceName="codecommit.amazonaws.com")[
            "ServiceSpecificCredential"
        ]["ServiceSpecificCredentialId"]
        return lambda: iam.delete_service_specific_credential(UserName=user, ServiceSpecificCredentialId=credential_id)
    if dependency == "mfa":
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(
            UserName=user, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )
        return lambda: iam.deactivate_mfa_device(UserName=user, SerialNumber=serial)
    if dependency == "inline policy":
        iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=DOC)
        return lambda: iam.delete_user_policy(UserName=user, PolicyName="p")
    if dependency == "managed policy":
        iam.attach_user_policy(UserName=user, PolicyArn=READ_ONLY)
        return lambda: iam.detach_user_policy(UserName=user, PolicyArn=READ_ONLY)
    if dependency == "group":
        iam.add_user_to_group(UserName=user, GroupName="developers")
        return lambda: iam.remove_user_from_group(UserName=user, GroupName="developers")
    raise AssertionError(dependency)


@pytest.mark.parametrize(
    ("dependency", "message"),
    [
        ("login profile", "Cannot delete entity, must delete login profile first."),
        ("access keys", "Cannot delete entity, must delete access keys first."),
        ("certificates", "Cannot delete entity, must delete certificates first."),
        ("ssh keys", "Cannot delete entity, must remove referenced objects first."),
        ("service-specific credential", "Cannot delete entity, must remove referenced objects first."),
        ("mfa", "Cannot delete entity, must delete MFA device first."),
        ("inline policy", "Cannot delete entity, must delete policies first."),
        ("managed policy", "Cannot delete entity, must detach all policies first."),
        ("group", "Cannot delete entity, must remove users from group first."),
    ],
)
def test_delete_user_refused_per_dependency(scratch_iam, dependency, message):
    iam = scratch_iam
    user = "tmp-" + dependency.replace(" ", "-")
    # Tags and a permissions boundary never block DeleteUser.
    iam.create_user(UserName=user, Tags=[{"Key": "team", "Value": "x"}], PermissionsBoundary=READ_ONLY)
    remove = _add(iam, user, dependency)
    assert_conflict(iam.delete_user, message, UserName=user)
    remove()
    iam.delete_user(UserName=user)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_user(UserName=user)


def test_offboarding_leaver_dave_in_aws_order(iam):
    user = "leaver-dave"
    seed = SEEDED_USERS[user]
    assert seed.tags and seed.permissions_boundary  # both stay on: they do not block deletion

    def refused(message):
        assert_conflict(iam.delete_user, message, UserName=user)

    refused("Cannot delete entity, must delete login profile first.")
    iam.delete_login_profile(UserName=user)
    refused("Cannot delete entity, must delete access keys first.")
    for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    refused("Cannot delete entity, must delete certificates first.")
    for cert in iam.list_signing_certificates(UserName=user)["Certificates"]:
        iam.delete_signing_certificate(UserName=user, CertificateId=cert["CertificateId"])
    refused("Cannot delete entity, must remove referenced objects first.")
    for key in iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"]:
        iam.delete_ssh_public_key(UserName=user, SSHPublicKeyId=key["SSHPublicKeyId"])
    refused("Cannot delete entity, must remove referenced objects first.")  # service-specific credentials
    credentials = iam.list_service_specific_credentials(UserName=user)["ServiceSpecificCredentials"]
    assert [c["ServiceName"] for c in credentials] == [c.service_name for c in seed.service_specific_credentials]
    for credential in credentials:
        iam.delete_service_specific_credential(
            UserName=user, ServiceSpecificCredentialId=credential["ServiceSpecificCredentialId"]
        )
    refused("Cannot delete entity, must delete MFA device first.")
    (device,) = iam.list_mfa_devices(UserName=user)["MFADevices"]
    assert_conflict(
        iam.delete_virtual_mfa_device,
        "Cannot delete entity, must deactivate MFA device first.",
        SerialNumber=device["SerialNumber"],
    )
    iam.deactivate_mfa_device(UserName=user, SerialNumber=device["SerialNumber"])
    iam.delete_virtual_mfa_device(SerialNumber=device["SerialNumber"])
    refused("Cannot delete entity, must delete policies first.")
    for name in iam.list_user_policies(UserName=user)["PolicyNames"]:
        iam.delete_user_policy(UserName=user, PolicyName=name)
    refused("Cannot delete entity, must detach all policies first.")
    for policy in iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]:
        iam.detach_user_policy(UserName=user, PolicyArn=policy["PolicyArn"])
    refused("Cannot delete entity, must remove users from group first.")
    for group in iam.list_groups_for_user(UserName=user)["Groups"]:
        iam.remove_user_from_group(UserName=user, GroupName=group["GroupName"])
    assert iam.get_user(UserName=user)["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == (
        seed.permissions_boundary
    )
    iam.delete_user(UserName=user)
    assert user not in {u["UserName"] for u in iam.list_users()["Users"]}


def test_delete_group_refusals(iam):
    iam.create_group(GroupName="g")
    iam.add_user_to_group(GroupName="g", UserName="alice")
    iam.put_group_policy(GroupName="g", PolicyName="p", PolicyDocument=DOC)
    iam.attach_group_policy(GroupName="g", PolicyArn=READ_ONLY)
    assert_conflict(iam.delete_group, "Cannot delete entity, must remove users from group first.", GroupName="g")
    iam.remove_user_from_group(GroupName="g", UserName="alice")
    assert_conflict(iam.delete_group, "Cannot delete entity, must delete policies first.", GroupName="g")
    iam.delete_group_policy(GroupName="g", PolicyName="p")
    assert_conflict(iam.delete_group, "Cannot delete entity, must detach all policies first.", GroupName="g")
    iam.detach_group_policy(GroupName="g", PolicyArn=READ_ONLY)
    iam.delete_group(GroupName="g")


def test_delete_role_refusals(iam):
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName="ip")
    iam.add_role_to_instance_profile(InstanceProfileName="ip", RoleName="r")
    iam.attach_role_policy(RoleName="r", PolicyArn=READ_ONLY)
    iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=DOC)
    assert_conflict(
        iam.delete_role, "Cannot delete entity, must remove roles from instance profile first.", RoleName="r"
    )
    iam.remove_role_from_instance_profile(InstanceProfileName="ip", RoleName="r")
    assert_conflict(iam.delete_role, "Cannot delete entity, must detach all policies first.", RoleName="r")
    iam.detach_role_policy(RoleName="r", PolicyArn=READ_ONLY)
    assert_conflict(iam.delete_role, "Cannot delete entity, must delete policies first.", RoleName="r")
    iam.delete_role_policy(RoleName="r", PolicyName="p")
    iam.delete_role(RoleName="r")


def test_delete_policy_refusals(lab, iam):
    account_id = lab.account_ids[0]
    arn = f"arn:aws:iam::{account_id}:policy/dave-extra"
    assert_conflict(iam.delete_policy, "Cannot delete a policy attached to entities.", PolicyArn=arn)
    iam.detach_user_policy(UserName="leaver-dave", PolicyArn=arn)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOC, SetAsDefault=True)
    assert_conflict(
        iam.delete_policy,
        "This policy has more than one version. Before you delete a policy, you must delete the policy's "
        "versions. The default version is deleted with the policy.",
        PolicyArn=arn,
    )
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_policy(PolicyArn=arn)


def test_delete_policy_refused_while_it_is_a_permissions_boundary(lab, iam):
    arn = iam.create_policy(PolicyName="boundary", PolicyDocument=DOC)["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=arn)
    iam.create_role(RoleName="bounded", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 2
    assert_conflict(iam.delete_policy, "Cannot delete a policy attached to entities.", PolicyArn=arn)
    iam.delete_user_permissions_boundary(UserName="alice")
    assert_conflict(iam.delete_policy, "Cannot delete a policy attached to entities.", PolicyArn=arn)
    iam.delete_role_permissions_boundary(RoleName="bounded")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 0
    iam.delete_policy(PolicyArn=arn)


def test_unassigned_virtual_mfa_device_can_be_deleted(scratch_iam):
    iam = scratch_iam
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")["VirtualMFADevice"]["SerialNumber"]
    iam.delete_virtual_mfa_device(SerialNumber=serial)


def test_update_login_profile_without_password_keeps_the_login(iam):
    iam.update_login_profile(UserName="alice", PasswordResetRequired=True)
    profile = iam.get_login_profile(UserName="alice")["LoginProfile"]
    assert profile["PasswordResetRequired"] is True
    assert_conflict(iam.delete_user, "Cannot delete entity, must delete login profile first.", UserName="alice")


def test_patches_are_installed_while_the_lab_runs(seeded_lab):
    assert seeded_lab.running and patches.installed()
    assert getattr(IAMBackend.delete_user, "__awslab_patch__", None) == "delete_user"
