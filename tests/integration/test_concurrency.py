"""Two rotation runs against the same accounts at the same time (two overlapping scheduled jobs).

The lab holds both runs' CreateAccessKey for a user until both have sent it, then lets them go
together, so the runs really race where it matters. AWS applies each request atomically: one
key is made, the other run meets the two-key limit. The end: at most two keys per user, exactly
one new key, delivered, and the secret holds that key, which works.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import boto3

from .keys import due_keys

PLAYBOOK = "playbooks/rotate_keys.yml"
SECRET = "hardening/access-keys/svc-app"


def test_two_overlapping_rotations_deliver_exactly_one_new_key(ansible, fresh_lab, inventory):
    old = due_keys(fresh_lab)
    fresh_lab.reset_calls()
    fresh_lab.rendezvous("iam:CreateAccessKey", parties=2, timeout=120)
    extra = {"key_rotation_users": ["svc-app"]}
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda _n: ansible.run(PLAYBOOK, inventory, extra_vars=extra), range(2)))

    # Both runs reached the race in every account: one won it, the other says what stopped it.
    creates = [fresh_lab.calls(a).get("iam:CreateAccessKey", 0) for a in fresh_lab.account_ids]
    assert creates == [2] * len(fresh_lab.account_ids), creates
    # In each account one run lost the race and says so, naming the user; nothing else failed.
    assert any("LimitExceeded" in run.output for run in runs)
    for run in runs:
        if run.rc != 0:
            assert "LimitExceeded" in run.output and "svc-app" in run.output, run.output[-2000:]

    delivered = {}
    for account_id in fresh_lab.account_ids:
        keys = {
            k["AccessKeyId"]: k["Status"]
            for k in fresh_lab.client(account_id, "iam").list_access_keys(UserName="svc-app")["AccessKeyMetadata"]
        }
        assert len(keys) == 2 and keys[old[account_id]] == "Active"
        [new] = set(keys) - {old[account_id]}
        value = json.loads(
            fresh_lab.client(account_id, "secretsmanager").get_secret_value(SecretId=SECRET)["SecretString"]
        )
        assert value["AccessKeyId"] == new
        delivered[account_id] = value

    # The next scheduled run finds the rotation in flight and has nothing to do.
    after = ansible.run(PLAYBOOK, inventory, extra_vars=extra)
    assert after.rc == 0 and after.changed_hosts() == [], after.output[-2000:]

    # The delivered credentials work (using them counts as the new key's first use).
    for account_id, value in delivered.items():
        session = boto3.Session(
            aws_access_key_id=value["AccessKeyId"],
            aws_secret_access_key=value["SecretAccessKey"],
            region_name="us-east-1",
        )
        identity = session.client("sts", endpoint_url=fresh_lab.endpoint_url).get_caller_identity()
        assert identity["Arn"] == "arn:aws:iam::%s:user/svc-app" % account_id
