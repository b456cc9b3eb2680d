"""playbooks/rotate_keys.yml over several accounts of the lab, with real key ages, as a user runs it.

Every assertion about AWS reads the accounts directly with boto3 (lab.session asserts the caller
identity per account), never through the collection's modules. Time passes by moving every date
of a user's keys (creation and last use) back, the way the days would have moved them.
"""

from __future__ import annotations

import datetime
import json
import re

import boto3
import pytest
from moto.iam.models import AccessKeyLastUsed

PLAYBOOK = "playbooks/rotate_keys.yml"
SUMMARY = "Summary | each user's keys, their stage and what was done"
SECRET = "hardening/access-keys/%s"
# What an account may cost when nothing is due (AssumeRole share and identity check included):
# the bulk read (authorization details, credential report) and one ListAccessKeys plus one
# GetAccessKeyLastUsed per key of a user in the middle of a rotation.
CONVERGED_CALL_BUDGET = 10
WRITES = ("Create", "Put", "Update", "Delete", "Attach", "Tag")


def _host(account_id):
    return "lab-%s" % account_id


@pytest.fixture
def empty_lab(lab):
    """Member accounts with nothing but the organisation role: each test makes its own users."""
    lab.reset(seed=False)
    return lab


@pytest.fixture
def accounts(empty_lab, tmp_path):
    path = tmp_path / "inventory.yml"
    empty_lab.write_inventory(path)
    return path


def _user(lab, account_id, name, *keys):
    """Create ``name`` with one key per ``(created_days_ago, last_used_days_ago or None, active)``."""
    iam = lab.client(account_id, "iam")
    iam.create_user(UserName=name)
    made = []
    for created, used, active in keys:
        key_id = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
        lab.age(account_id, name, days=created, key_id=key_id, last_used_days=used)
        if not active:
            iam.update_access_key(UserName=name, AccessKeyId=key_id, Status="Inactive")
        made.append(key_id)
    return made


def _keys(lab, account_id, name):
    """{id: status} of a user's keys, read with boto3."""
    iam = lab.client(account_id, "iam")
    return {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]}


def _days_pass(lab, account_id, name, days):
    """``days`` go by for a user's keys: creation and last-use dates move back that far."""
    step = datetime.timedelta(days=days)
    for key in lab.iam_backend(account_id).get_user(name).access_keys:
        key.create_date = key.create_date - step
        if key.last_used is not None:
            used = key.last_used
            key.last_used = AccessKeyLastUsed(timestamp=used.timestamp - step, service=used.service, region=used.region)


def _secret(lab, account_id, name):
    sm = lab.client(account_id, "secretsmanager")
    return json.loads(sm.get_secret_value(SecretId=name)["SecretString"])


def _secrets(lab, account_id):
    return sorted(s["Name"] for s in lab.client(account_id, "secretsmanager").list_secrets()["SecretList"])


def _caller_with(lab, value):
    """GetCallerIdentity signed with the delivered credentials (not the lab's)."""
    session = boto3.Session(
        aws_access_key_id=value["AccessKeyId"], aws_secret_access_key=value["SecretAccessKey"], region_name="us-east-1"
    )
    return session.client("sts", endpoint_url=lab.endpoint_url).get_caller_identity()


def _cost(lab, account_id):
    calls = lab.calls()
    own = calls.get(account_id, {})
    assume = calls.get(lab.management_account_id, {}).get("sts:AssumeRole", 0)
    return sum(own.values()) + assume / len(lab.account_ids), own


def _state(lab):
    return {a: {u: _keys(lab, a, u) for u in ("svc-app", "svc-young")} for a in lab.account_ids}


def test_old_key_rotated_through_every_stage(ansible, empty_lab, accounts):
    lab = empty_lab
    old, young = {}, {}
    for account_id in lab.account_ids:
        [old[account_id]] = _user(lab, account_id, "svc-app", (120, 2, True))
        [young[account_id]] = _user(lab, account_id, "svc-young", (10, 1, True))
    before = _state(lab)

    # --check: nothing changes, each key's stage and what would happen are printed.
    check = ansible.run(PLAYBOOK, accounts, check=True)
    assert check.rc == 0, check.output
    assert _state(lab) == before and all(_secrets(lab, a) == [] for a in lab.account_ids)
    first = lab.account_ids[0]
    lines = check.result(SUMMARY, _host(first))["msg"]
    assert lines[0] == "account %s: would rotate svc-app" % first
    app = next(line for line in lines if "user svc-app" in line)
    assert (
        "user svc-app: due: would create a new access key for svc-app and deliver it to secretsmanager %s"
        % (SECRET % "svc-app")
        in app
    )
    assert "%s Active 120d" % old[first] in app and "(due: 120 days old (max 90 days)" in app
    assert any("no step due" in line and "svc-young (10d)" in line for line in lines)

    # Apply: a partner key, delivered before anything else; the old key stays Active.
    apply = ansible.run(PLAYBOOK, accounts)
    assert apply.rc == 0, apply.output
    delivered = {}
    for account_id in lab.account_ids:
        keys = _keys(lab, account_id, "svc-app")
        assert len(keys) == 2 and set(keys.values()) == {"Active"} and keys[old[account_id]] == "Active"
        value = _secret(lab, account_id, SECRET % "svc-app")
        assert set(value) == {"AccessKeyId", "SecretAccessKey", "UserName", "CreateDate"}
        assert value["AccessKeyId"] in keys and value["AccessKeyId"] != old[account_id]
        assert value["UserName"] == "svc-app"
        assert value["SecretAccessKey"] not in apply.output and value["SecretAccessKey"] not in json.dumps(apply.data)
        assert _keys(lab, account_id, "svc-young") == before[account_id]["svc-young"]
        delivered[account_id] = value
    lines = apply.result(SUMMARY, _host(first))["msg"]
    assert lines[0] == "account %s: rotated svc-app" % first
    assert any("user svc-app: due: done: create a new access key for svc-app" in line for line in lines), lines

    # An immediate re-run changes nothing, and costs few calls.
    lab.reset_calls()
    again = ansible.run(PLAYBOOK, accounts)
    assert again.rc == 0, again.output
    assert again.changed_hosts() == []
    for account_id in lab.account_ids:
        cost, calls = _cost(lab, account_id)
        assert cost <= CONVERGED_CALL_BUDGET, calls
        assert not [c for c in calls if c.split(":")[1].startswith(WRITES)], calls
        # Only the user in the middle of a rotation is read key by key; svc-young is not.
        assert calls.get("iam:ListAccessKeys") == 1, calls
    line = next(x for x in again.result(SUMMARY, _host(first))["msg"] if "user svc-app" in x)
    assert "user svc-app: old: nothing to do now" in line
    check_again = ansible.run(PLAYBOOK, accounts, check=True, diff=True)
    assert check_again.rc == 0 and check_again.changed_hosts() == []
    assert check_again.result(SUMMARY, _host(first))["msg"][0] == "account %s: nothing to rotate" % first

    # The delivered credentials work: STS answers as that user in that account.
    for account_id, value in delivered.items():
        caller = _caller_with(lab, value)
        assert caller["Account"] == account_id
        assert caller["Arn"] == "arn:aws:iam::%s:user/svc-app" % account_id

    # 30 days on: the old key is Inactive, the new one Active; nothing deleted in the same run.
    for account_id in lab.account_ids:
        _days_pass(lab, account_id, "svc-app", 30)
    later = ansible.run(PLAYBOOK, accounts)
    assert later.rc == 0, later.output
    for account_id in lab.account_ids:
        keys = _keys(lab, account_id, "svc-app")
        assert keys == {old[account_id]: "Inactive", delivered[account_id]["AccessKeyId"]: "Active"}
    assert "deactivate access key %s" % old[first] in "\n".join(later.result(SUMMARY, _host(first))["msg"])

    # 60 days on: the old key is gone; the new key is the user's only key, still in the secret.
    for account_id in lab.account_ids:
        _days_pass(lab, account_id, "svc-app", 30)
    last = ansible.run(PLAYBOOK, accounts)
    assert last.rc == 0, last.output
    for account_id in lab.account_ids:
        assert _keys(lab, account_id, "svc-app") == {delivered[account_id]["AccessKeyId"]: "Active"}
        assert _secret(lab, account_id, SECRET % "svc-app") == delivered[account_id]
        # The 10-day key was never touched.
        assert _keys(lab, account_id, "svc-young") == before[account_id]["svc-young"]
    assert "delete access key %s" % old[first] in "\n".join(last.result(SUMMARY, _host(first))["msg"])
    final = ansible.run(PLAYBOOK, accounts)
    assert final.rc == 0 and final.changed_hosts() == []


def test_failing_store_leaves_no_orphan_key_and_the_other_accounts_rotate(ansible, empty_lab, accounts):
    lab = empty_lab
    good, bad = lab.account_ids[:-1], lab.account_ids[-1]
    old = {}
    for account_id in lab.account_ids:
        [old[account_id]] = _user(lab, account_id, "svc-app", (120, 2, True))
    for account_id in good:
        kms = lab.client(account_id, "kms")
        kms.create_alias(AliasName="alias/rotation", TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])

    run = ansible.run(PLAYBOOK, accounts, extra_vars={"key_rotation_kms_key_id": "alias/rotation"})
    assert run.rc != 0
    # The account whose KMS key is missing: the user is as before, no key whose secret nobody has.
    assert _keys(lab, bad, "svc-app") == {old[bad]: "Active"}
    assert _secrets(lab, bad) == []
    # A failed account leaves the play; its summary is the fact the role set before failing.
    lines = run.result("Key rotation | summary of this account", _host(bad))["ansible_facts"]["key_rotation_summary"][
        "lines"
    ]
    assert run.result("Key rotation | fail the account when a user failed", _host(bad))["msg"] == (
        "account %s: key rotation failed for svc-app" % bad
    )
    assert lines[0] == "account %s: nothing to rotate; FAILED: svc-app" % bad
    assert "the new key was deleted again, so nothing changed" in lines[1] and "FAILED" in lines[1]
    report = run.result("Report | accounts that failed", _host(good[0]))["msg"]
    assert report.startswith("%s failed" % _host(bad))
    # The other accounts carried on.
    for account_id in good:
        keys = _keys(lab, account_id, "svc-app")
        assert len(keys) == 2 and keys[old[account_id]] == "Active"
        assert _secret(lab, account_id, SECRET % "svc-app")["AccessKeyId"] in keys


def test_old_key_still_in_use_is_reported_until_forced(ansible, empty_lab, accounts):
    lab = empty_lab
    old, new = {}, {}
    for account_id in lab.account_ids:
        # A rotation 10 days in: the partner exists, but the old key was used an hour ago.
        old[account_id], new[account_id] = _user(lab, account_id, "svc-busy", (130, 1 / 24, True), (10, None, True))
        # ...delivered by the run that made it (a partner whose store was never written is replaced).
        lab.client(account_id, "secretsmanager").create_secret(
            Name=SECRET % "svc-busy", SecretString=json.dumps({"AccessKeyId": new[account_id]})
        )
    before = {a: _keys(lab, a, "svc-busy") for a in lab.account_ids}

    for check in (True, False):
        run = ansible.run(PLAYBOOK, accounts, check=check)
        assert run.rc == 0, run.output
        assert run.changed_hosts() == []
        assert {a: _keys(lab, a, "svc-busy") for a in lab.account_ids} == before
        lines = run.result(SUMMARY, _host(lab.account_ids[0]))["msg"]
        assert lines[0] == "account %s: nothing to rotate; needs a person: svc-busy" % lab.account_ids[0]
        assert any("user svc-busy: in_use: nothing to do now" in line for line in lines)
        assert any(
            "user svc-busy: NEEDS A PERSON: old key %s was used 1 hour ago" % old[lab.account_ids[0]] in line
            for line in lines
        ), lines

    forced = {"key_rotation_force": True}
    check = ansible.run(PLAYBOOK, accounts, check=True, extra_vars=forced)
    assert check.rc == 0 and {a: _keys(lab, a, "svc-busy") for a in lab.account_ids} == before
    assert "would deactivate access key %s" % old[lab.account_ids[0]] in "\n".join(
        check.result(SUMMARY, _host(lab.account_ids[0]))["msg"]
    )
    apply = ansible.run(PLAYBOOK, accounts, extra_vars=forced)
    assert apply.rc == 0, apply.output
    for account_id in lab.account_ids:
        assert _keys(lab, account_id, "svc-busy") == {old[account_id]: "Inactive", new[account_id]: "Active"}
    again = ansible.run(PLAYBOOK, accounts, extra_vars=forced)
    assert again.rc == 0 and again.changed_hosts() == []


def test_ssm_store_with_a_template_name(ansible, empty_lab, accounts):
    lab = empty_lab
    old = {}
    for account_id in lab.account_ids:
        [old[account_id]] = _user(lab, account_id, "build-bot", (95, None, True))
    settings = {"key_rotation_store": "ssm", "key_rotation_secret_name": "/ci/{user}/aws-key"}
    run = ansible.run(PLAYBOOK, accounts, extra_vars=settings)
    assert run.rc == 0, run.output
    for account_id in lab.account_ids:
        parameter = lab.client(account_id, "ssm").get_parameter(Name="/ci/build-bot/aws-key", WithDecryption=True)
        assert parameter["Parameter"]["Type"] == "SecureString"
        value = json.loads(parameter["Parameter"]["Value"])
        keys = _keys(lab, account_id, "build-bot")
        assert len(keys) == 2 and value["AccessKeyId"] in keys and value["AccessKeyId"] != old[account_id]
        assert value["SecretAccessKey"] not in run.output
        assert _caller_with(lab, value)["Arn"] == "arn:aws:iam::%s:user/build-bot" % account_id


def test_protected_and_unselected_users_are_left_alone(ansible, empty_lab, accounts):
    lab = empty_lab
    for account_id in lab.account_ids:
        _user(lab, account_id, "break-glass", (200, 5, True))
        _user(lab, account_id, "tagged", (200, 5, True))
        lab.client(account_id, "iam").tag_user(
            UserName="tagged", Tags=[{"Key": "hardening:protected", "Value": "true"}]
        )
        _user(lab, account_id, "other", (200, 5, True))
    before = {a: {u: _keys(lab, a, u) for u in ("break-glass", "tagged", "other")} for a in lab.account_ids}
    run = ansible.run(
        PLAYBOOK,
        accounts,
        extra_vars={
            "key_rotation_protected_users": ["break-glass"],
            "key_rotation_users": ["break-glass", "tagged", "ghost"],
        },
    )
    assert run.rc == 0, run.output
    assert run.changed_hosts() == []
    assert {a: {u: _keys(lab, a, u) for u in ("break-glass", "tagged", "other")} for a in lab.account_ids} == before
    lines = run.result(SUMMARY, _host(lab.account_ids[0]))["msg"]
    assert any("user break-glass: protected: listed in key_rotation_protected_users, not rotated" in x for x in lines)
    assert any("user tagged: protected: tagged hardening:protected=true, not rotated" in x for x in lines)
    assert any("user ghost: not in the account" in x for x in lines)
    assert not any("user other" in x for x in lines)


def test_store_none_keeps_the_secret_out_of_the_output(ansible, empty_lab, accounts):
    lab = empty_lab
    old = {}
    for account_id in lab.account_ids:
        [old[account_id]] = _user(lab, account_id, "svc-app", (120, 2, True))
    run = ansible.run(PLAYBOOK, accounts, extra_vars={"key_rotation_store": "none"})
    assert run.rc == 0, run.output
    for account_id in lab.account_ids:
        keys = _keys(lab, account_id, "svc-app")
        assert len(keys) == 2 and keys[old[account_id]] == "Active"
        assert _secrets(lab, account_id) == []
        result = run.result("take each user's keys one stage further (new key delivered first)", _host(account_id))
        assert "censored" in json.dumps(result)
    # The only secret_access_key values anywhere are masked ones (the account session's credentials).
    shown = re.findall(r'"secret_access_key": "([^"]*)"', run.output + json.dumps(run.data))
    assert shown and set(shown) == {"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}
    lines = run.result(SUMMARY, _host(lab.account_ids[0]))["msg"]
    assert lines[0] == "account %s: rotated svc-app" % lab.account_ids[0]
    assert "deliver it to the task result" in lines[1]
