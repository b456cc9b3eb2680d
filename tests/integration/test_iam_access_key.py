"""iam_access_key against the lab, in every member account.

Four-run pattern (check, apply, check, apply), then a fifth run: ``active_keys: 1`` on a
user without keys creates exactly one key, once; its secret goes to Secrets Manager,
works (STS answers as that user, with the lab checking signatures) and appears nowhere
in the playbook's output. Keys named by id are deactivated and deleted. A failing
delivery deletes the new key again.
"""

from __future__ import annotations

import json
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.kms.models import kms_backends
from moto.ssm.exceptions import SSMException
from moto.ssm.models import SimpleSystemManagerBackend

PLAYBOOK = "tests/integration/playbooks/iam_access_key.yml"
FAILURES = "tests/integration/playbooks/iam_access_key_failures.yml"
ALICE = "One active key for alice, delivered to Secrets Manager"
BOB = "Deactivate bob's key"
DAVE = "Delete leaver-dave's inactive key"
TASKS = (ALICE, BOB, DAVE)
SECRET_NAME = "hardening/access-keys/alice"


def _host(account_id):
    return "lab-%s" % account_id


def _keys(lab, account_id, user):
    """{id: status} of a user's keys, read straight from the account."""
    answer = lab.client(account_id, "iam").list_access_keys(UserName=user)
    return {k["AccessKeyId"]: k["Status"] for k in answer["AccessKeyMetadata"]}


def _secret(lab, account_id, name=SECRET_NAME):
    client = lab.client(account_id, "secretsmanager")
    try:
        return json.loads(client.get_secret_value(SecretId=name)["SecretString"])
    except client.exceptions.ResourceNotFoundException:
        return None


def _set_auth(lab, value):
    """Switch the lab's IAM authentication on ("0": every request signed and checked) or off ("inf")."""
    request = urllib.request.Request(
        lab.endpoint_url + "/moto-api/reset-auth",
        data=value.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def _caller(lab, access_key_id, secret_access_key):
    """sts:GetCallerIdentity with these credentials, signatures checked by the lab."""
    sts = boto3.session.Session(
        aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key, region_name="us-east-1"
    ).client("sts", endpoint_url=lab.endpoint_url)
    _set_auth(lab, "0")
    try:
        return sts.get_caller_identity()
    finally:
        _set_auth(lab, "inf")


@pytest.fixture
def accounts(fresh_lab):
    """Two member accounts are enough to show per-account behaviour and keep the file fast."""
    return fresh_lab.account_ids[:2]


@pytest.fixture
def key_inventory(fresh_lab, accounts, tmp_path):
    """An inventory of ``accounts`` with, per account, the ids of the seeded keys the playbook names."""

    def hostvars(account_id):
        bob = _keys(fresh_lab, account_id, "bob")
        dave = _keys(fresh_lab, account_id, "leaver-dave")
        [dave_inactive] = [k for k, status in dave.items() if status == "Inactive"]
        return {"itest_bob_key_id": next(iter(bob)), "itest_dave_inactive_key_id": dave_inactive}

    return fresh_lab.write_inventory(tmp_path / "inventory.yml", accounts=accounts, hostvars=hostvars)


@pytest.fixture
def ssm_checks_kms_keys(monkeypatch):
    """Make the lab's SSM as strict as AWS about KMS keys: PutParameter with a KeyId that is
    not a key of the account fails with InvalidKeyId (moto accepts any KeyId)."""
    original = SimpleSystemManagerBackend.put_parameter

    def put_parameter(self, name, description, value, parameter_type, allowed_pattern, keyid, *args, **kwargs):
        if keyid:
            try:
                kms_backends[self.account_id][self.region_name].describe_key(keyid)
            except Exception:  # noqa: BLE001 - moto raises KeyError, AttributeError or NotFound for unknown ids
                raise SSMException("InvalidKeyId", "The query key ID isn't valid.") from None
        return original(self, name, description, value, parameter_type, allowed_pattern, keyid, *args, **kwargs)

    monkeypatch.setattr(SimpleSystemManagerBackend, "put_parameter", put_parameter)


def _assert_changed(run, accounts, expected):
    assert run.rc == 0, run.output
    for account_id in accounts:
        for task in TASKS:
            assert run.result(task, _host(account_id))["changed"] is expected, (task, account_id)


def test_four_runs_and_one_more(ansible, fresh_lab, accounts, key_inventory):
    lab = fresh_lab
    seeded = {a: (_keys(lab, a, "bob"), _keys(lab, a, "leaver-dave")) for a in accounts}
    assert all(_keys(lab, a, "alice") == {} for a in accounts)

    check = ansible.run(PLAYBOOK, key_inventory, check=True, diff=True)
    _assert_changed(check, accounts, True)
    for account_id in accounts:
        assert _keys(lab, account_id, "alice") == {} and _secret(lab, account_id) is None
        assert (_keys(lab, account_id, "bob"), _keys(lab, account_id, "leaver-dave")) == seeded[account_id]
        alice = check.result(ALICE, _host(account_id))
        assert alice["actions"] == ["create an access key for alice"] and "created_keys" not in alice
        assert alice["diff"]["after"] == {"keys": [{"id": None, "status": "Active"}]}

    apply = ansible.run(PLAYBOOK, key_inventory, diff=True, args=("-v",))
    _assert_changed(apply, accounts, True)
    secrets = []
    for account_id in accounts:
        [(key_id, status)] = _keys(lab, account_id, "alice").items()
        assert status == "Active"
        [created] = apply.result(ALICE, _host(account_id))["created_keys"]
        assert created["id"] == key_id and "secret_access_key" not in created
        assert created["delivered_to"]["store"] == "secretsmanager"
        assert created["delivered_to"]["name"] == SECRET_NAME
        delivered = _secret(lab, account_id)
        assert delivered["AccessKeyId"] == key_id and delivered["UserName"] == "alice"
        assert set(delivered) == {"AccessKeyId", "SecretAccessKey", "UserName", "CreateDate"}
        secrets.append(delivered["SecretAccessKey"])

        # The delivered credentials work, and only with the delivered secret.
        identity = _caller(lab, key_id, delivered["SecretAccessKey"])
        assert identity["Account"] == account_id
        assert identity["Arn"] == "arn:aws:iam::%s:user/alice" % account_id
        with pytest.raises(ClientError) as refused:
            _caller(lab, key_id, delivered["SecretAccessKey"][::-1])
        assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
        # -v printed the results, so the search for the secret below looks at them.
        assert key_id in apply.output

        bob_key = next(iter(seeded[account_id][0]))
        assert _keys(lab, account_id, "bob") == {bob_key: "Inactive"}
        dave = seeded[account_id][1]
        assert _keys(lab, account_id, "leaver-dave") == {k: s for k, s in dave.items() if s == "Active"}

    third = ansible.run(PLAYBOOK, key_inventory, check=True, diff=True)
    _assert_changed(third, accounts, False)
    lab.reset_calls()
    fourth = ansible.run(PLAYBOOK, key_inventory, args=("-v",))
    _assert_changed(fourth, accounts, False)
    assert fourth.changed_hosts() == []
    calls = lab.calls()
    for account_id in accounts:
        # Per task: ListAccessKeys + one GetAccessKeyLastUsed per key (alice 1, bob 1, dave 1).
        assert calls[account_id] == {"iam:ListAccessKeys": 3, "iam:GetAccessKeyLastUsed": 3}, calls[account_id]
    assert calls[lab.management_account_id] == {"sts:AssumeRole": 3 * len(accounts)}

    # Once more through the ordinary AnsiballZ module path: the same answer.
    fifth = ansible.run(PLAYBOOK, key_inventory, args=("-v",), env={"HARDENING_AWS_EXECUTION": "module"})
    _assert_changed(fifth, accounts, False)
    for account_id in accounts:
        assert len(_keys(lab, account_id, "alice")) == 1
        [key] = fifth.result(ALICE, _host(account_id))["keys"]
        # The lab records the STS call made with the delivered key above.
        assert key["last_used_date"] is not None and key["status"] == "Active"
        versions = lab.client(account_id, "secretsmanager").list_secret_version_ids(SecretId=SECRET_NAME)
        assert len(versions["Versions"]) == 1

    # The secret never reached Ansible: not in any output (the apply ran with -v and --diff), nor any result.
    for run in (check, apply, third, fourth, fifth):
        for secret in secrets:
            assert secret not in run.output
            assert secret not in json.dumps(run.data)


def test_failures_leave_nothing_behind(ansible, fresh_lab, accounts, key_inventory, ssm_checks_kms_keys):
    lab = fresh_lab
    dave_before = {a: _keys(lab, a, "leaver-dave") for a in accounts}
    run = ansible.run(FAILURES, key_inventory)
    for account_id in accounts:
        host = _host(account_id)
        delivery = run.result("Delivery to SSM with a KMS key that does not exist", host)
        assert delivery["failed"] is True
        assert (
            "InvalidKeyId" in delivery["msg"]
            and "the new key was deleted again, so nothing changed" in (delivery["msg"])
        )
        assert _keys(lab, account_id, "carol") == {}
        ssm = lab.client(account_id, "ssm")
        assert ssm.describe_parameters()["Parameters"] == []

        limit = run.result("A third key for leaver-dave", host)
        assert limit["failed"] is True
        assert "IAM user 'leaver-dave' has 1 active key(s) and 2 key(s) in all" in limit["msg"]
        for key_id, status in dave_before[account_id].items():
            assert "%s (%s, " % (key_id, status) in limit["msg"]
        assert _keys(lab, account_id, "leaver-dave") == dave_before[account_id]

        reserved = run.result("An SSM name that SSM refuses", host)
        assert reserved["failed"] is True and "SSM reserves names" in reserved["msg"]
        assert "error" not in reserved  # refused before any AWS call
