"""Secrets Manager and SSM refuse a KMS key that does not exist in the account, as AWS does."""

from __future__ import annotations

import botocore.exceptions
import pytest


def _kms_key(lab, account_id, alias):
    kms = lab.client(account_id, "kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    return key


def test_missing_kms_key_is_refused(lab):
    account_id = lab.account_ids[0]
    sm, ssm = lab.client(account_id, "secretsmanager"), lab.client(account_id, "ssm")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        sm.create_secret(Name="s", SecretString="{}", KmsKeyId="alias/missing")
    assert info.value.response["Error"]["Code"] == "AccessDeniedException"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        ssm.put_parameter(Name="/p", Value="{}", Type="SecureString", KeyId="alias/missing")
    assert info.value.response["Error"]["Code"] == "InvalidKeyId"
    assert sm.list_secrets()["SecretList"] == []
    assert ssm.describe_parameters()["Parameters"] == []


def test_existing_and_aws_managed_keys_work(lab):
    account_id = lab.account_ids[0]
    key = _kms_key(lab, account_id, "alias/present")
    sm, ssm = lab.client(account_id, "secretsmanager"), lab.client(account_id, "ssm")
    for n, key_id in enumerate(("alias/present", key["KeyId"], key["Arn"], "alias/aws/secretsmanager")):
        sm.create_secret(Name="s%d" % n, SecretString="{}", KmsKeyId=key_id)
    for n, key_id in enumerate(("alias/present", key["Arn"], "alias/aws/ssm", None)):
        extra = {"KeyId": key_id} if key_id else {}
        ssm.put_parameter(Name="/p%d" % n, Value="{}", Type="SecureString", **extra)
    # A plain String parameter's KeyId is not looked at (AWS ignores it too).
    ssm.put_parameter(Name="/plain", Value="x", Type="String")


def test_a_key_of_another_account_does_not_count(lab):
    first, second = lab.account_ids[:2]
    key = _kms_key(lab, first, "alias/elsewhere")
    with pytest.raises(botocore.exceptions.ClientError):
        lab.client(second, "secretsmanager").create_secret(Name="s", SecretString="{}", KmsKeyId=key["KeyId"])
