"""The module iam_access_key_rotation (run() in module_utils/_rotation.py) against moto in process."""

from __future__ import annotations

import datetime
import json

import boto3
import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from moto.iam.models import AccessKeyLastUsed, iam_backends

from ansible_collections.hardening.aws.plugins.module_utils import _delivery
from ansible_collections.hardening.aws.plugins.module_utils import _rotation as rot
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsError
from ansible_collections.hardening.aws.plugins.module_utils._module import execute

USER = "svc-deploy"
ACCOUNT = "123456789012"


def params(**options):
    options.setdefault("user_name", USER)
    result = ArgumentSpecValidator(rot.MODULE_SPEC.argument_spec, **rot.MODULE_SPEC.validator_kwargs()).validate(
        options
    )
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def iam():
    return boto3.client("iam", region_name="us-east-1")


def aws_keys(user=USER):
    return sorted(
        (k["CreateDate"], k["AccessKeyId"], k["Status"])
        for k in iam().list_access_keys(UserName=user)["AccessKeyMetadata"]
    )


def make_key(user=USER, days=0):
    try:
        iam().create_user(UserName=user)
    except iam().exceptions.EntityAlreadyExistsException:
        pass
    created = iam().create_access_key(UserName=user)["AccessKey"]
    backend = iam_backends[ACCOUNT]["aws"]
    found = next(k for k in backend.get_user(user).access_keys if k.access_key_id == created["AccessKeyId"])
    found.create_date = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(
        days=days
    )
    return created["AccessKeyId"]


def run(context, check_mode=False, diff=False, no_log=False, **options):
    return execute(rot.MODULE_SPEC, params(**options), check_mode, diff, context, no_log=no_log)


def test_young_key_is_left_alone(context, api_calls):
    make_key(days=10)
    api_calls.clear()
    result = run(context)
    assert not result["changed"] and result["stage"] == "current" and result["steps"] == []
    assert api_calls.actions == ["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"]


def test_old_key_gets_a_partner_delivered_then_nothing(context):
    old = make_key(days=120)
    check = run(context, check_mode=True, diff=True)
    assert check["changed"] and check["stage"] == "due" and len(aws_keys()) == 1
    assert check["actions"] == [
        "create a new access key for %s and deliver it to secretsmanager hardening/access-keys/%s" % (USER, USER)
    ]
    assert check["diff"]["after"]["keys"] == [{"id": old, "status": "Active"}, {"id": None, "status": "Active"}]
    result = run(context, diff=True)
    assert result["changed"]
    [created] = result["created_keys"]
    assert "secret_access_key" not in created
    assert created["delivered_to"]["name"] == "hardening/access-keys/%s" % USER
    value = json.loads(
        boto3.client("secretsmanager", region_name="us-east-1").get_secret_value(
            SecretId="hardening/access-keys/%s" % USER
        )["SecretString"]
    )
    assert value["AccessKeyId"] == created["id"] and value["UserName"] == USER and value["SecretAccessKey"]
    assert value["SecretAccessKey"] not in json.dumps(result)
    assert [k[1] for k in aws_keys()] == [old, created["id"]]
    assert [k["id"] for k in result["diff"]["after"]["keys"]] == [old, created["id"]]
    again = run(context)
    assert not again["changed"] and again["stage"] == "old"


def test_ssm_store(context):
    make_key(days=100)
    result = run(context, store="ssm")
    assert result["changed"]
    value = json.loads(
        boto3.client("ssm", region_name="us-east-1").get_parameter(
            Name="/hardening/access-keys/%s" % USER, WithDecryption=True
        )["Parameter"]["Value"]
    )
    assert value["AccessKeyId"] == result["created_keys"][0]["id"]


def test_failed_delivery_leaves_the_user_as_before(context, monkeypatch, api_calls):
    make_key(days=120)
    before = aws_keys()

    def deliver(*_args, **_kwargs):
        raise AwsError("Secrets Manager CreateSecret failed: EncryptionFailure: no key", code="EncryptionFailure")

    monkeypatch.setattr(_delivery, "deliver", deliver)
    api_calls.clear()
    result = run(context)
    assert result["failed"] and "the new key was deleted again" in result["msg"]
    assert aws_keys() == before
    writes = [a for a in api_calls.actions if a.split(":")[1].startswith(("Create", "Delete", "Update"))]
    assert writes == ["iam:CreateAccessKey", "iam:DeleteAccessKey"]


def test_delete_inactive_first_then_partner(context, api_calls):
    gone = make_key(days=300)
    iam().update_access_key(UserName=USER, AccessKeyId=gone, Status="Inactive")
    kept = make_key(days=95)
    api_calls.clear()
    result = run(context)
    assert result["changed"] and result["stage"] == "due"
    assert [s["action"] for s in result["steps"]] == ["delete", "create"]
    ids = [k[1] for k in aws_keys()]
    assert gone not in ids and kept in ids and len(ids) == 2


def delivered(key_id, user=USER):
    """The secret a run wrote for ``key_id`` (written now, after the key was made)."""
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="hardening/access-keys/%s" % user, SecretString=json.dumps({"AccessKeyId": key_id})
    )


def test_deactivate_then_delete_in_later_runs(context, monkeypatch):
    old = make_key(days=130)
    new = make_key(days=10)
    delivered(new)
    result = run(context)
    assert result["stage"] == "deactivate" and result["changed"]
    assert {k[1]: k[2] for k in aws_keys()} == {old: "Inactive", new: "Active"}
    # Deleted only once the new key is 20 days old.
    assert not run(context)["changed"]
    backend = iam_backends[ACCOUNT]["aws"]
    for key in backend.get_user(USER).access_keys:
        key.create_date -= datetime.timedelta(days=10)
    result = run(context)
    assert result["stage"] == "delete" and result["changed"]
    assert [k[1] for k in aws_keys()] == [new]


def test_store_none_requires_no_log_and_returns_the_secret_once(context):
    make_key(days=120)
    refused = run(context, store="none")
    assert refused["failed"] and "no_log" in refused["msg"] and len(aws_keys()) == 1
    result = run(context, store="none", no_log=True)
    assert result["created_keys"][0]["secret_access_key"]


@pytest.mark.parametrize(
    "options, fragment",
    [
        (dict(delete_after_days=5), "delete_after_days=5 must be more than deactivate_after_days=10"),
        (dict(max_age_days=0), "max_age_days=0 is out of range"),
        (dict(user_name="bad user"), "not a valid IAM user name"),
        (dict(store="secretsmanager", secret_name="bad name!"), "not a valid name for store=secretsmanager"),
    ],
)
def test_bad_input_fails_before_any_call(context, api_calls, options, fragment):
    api_calls.clear()
    result = run(context, **options)
    assert result["failed"] and fragment in result["msg"]
    assert api_calls.actions == []


def test_a_partner_never_delivered_is_replaced_by_a_delivered_one(context):
    # A run stopped between CreateAccessKey and the delivery: a young, unused partner, no secret.
    old = make_key(days=120)
    lost = make_key(days=0)
    result = run(context)
    assert result["changed"] and result["stage"] == "due"
    assert [s["action"] for s in result["steps"]] == ["delete", "create"]
    assert any("never delivered" in line for line in result["report"])
    ids = [k[1] for k in aws_keys()]
    [new] = set(ids) - {old}
    assert lost not in ids and len(ids) == 2
    value = json.loads(
        boto3.client("secretsmanager", region_name="us-east-1").get_secret_value(
            SecretId="hardening/access-keys/%s" % USER
        )["SecretString"]
    )
    assert value["AccessKeyId"] == new
    # Delivered now: the next run waits, as for any rotation in flight.
    assert not run(context)["changed"]


def test_a_partner_written_to_the_store_or_already_used_is_kept(context):
    make_key(days=120)
    partner = make_key(days=1)
    delivered(partner)
    assert not run(context)["changed"]
    # Used: somebody has its secret, whatever the store says.
    other = "svc-used"
    make_key(user=other, days=120)
    used = make_key(user=other, days=1)
    backend = iam_backends[ACCOUNT]["aws"]
    key = next(k for k in backend.get_user(other).access_keys if k.access_key_id == used)
    key.last_used = AccessKeyLastUsed(
        timestamp=datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None), service="iam", region="us-east-1"
    )
    result = run(context, user_name=other)
    assert [s["action"] for s in result["steps"]] != ["delete", "create"]
