"""Runs killed half-way (a controller crash, a cancelled AWX job): the next run completes
cleanly to the end state an uninterrupted run reaches.

The lab kills the run's processes right after AWS handled the chosen request and before its
answer goes back, the worst moments: a key made but not delivered, a secret written but not
reported, a user half-deleted.
"""

from __future__ import annotations

import json
import os
import signal

import pytest

from .keys import due_keys


def _kill_runs_of(marker):
    """SIGKILL every ansible-playbook process whose command line names ``marker``."""

    def kill():
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    command = handle.read().decode(errors="replace")
            except OSError:
                continue
            if "ansible-playbook" in command and marker in command:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass

    return kill


def _killed_run(ansible, lab, playbook, inventory, extra, call, nth=1):
    lab.on_call(call, _kill_runs_of(str(inventory)), nth=nth)
    try:
        run = ansible.run(playbook, inventory, extra_vars=extra)
    except AssertionError as exc:  # no results file: the run was killed
        assert "wrote no results" in str(exc)
        return None
    assert run.rc != 0, "the run was not interrupted: %s" % run.output[-2000:]
    return run


@pytest.mark.parametrize(
    "call, nth",
    [
        ("iam:CreateAccessKey", 1),  # the new key exists, its secret is in no store yet
        ("secretsmanager:CreateSecret", 2),  # delivered in one account, the run dies before it knows
        ("iam:CreateAccessKey", 3),  # two accounts done (or half-done), the last one just begun
    ],
    ids=["after-create", "after-delivery", "last-account"],
)
def test_rotation_killed_half_way_completes_on_the_next_run(ansible, fresh_lab, inventory, call, nth):
    old = due_keys(fresh_lab)
    extra = {"key_rotation_users": ["svc-app"]}
    _killed_run(ansible, fresh_lab, "playbooks/rotate_keys.yml", inventory, extra, call, nth)
    assert any(len(_keys(fresh_lab, a)) == 2 for a in fresh_lab.account_ids), "the run died before any key was made"

    again = ansible.run("playbooks/rotate_keys.yml", inventory, extra_vars=extra)
    assert again.rc == 0, again.output[-3000:]
    for account_id in fresh_lab.account_ids:
        keys = _keys(fresh_lab, account_id)
        assert len(keys) == 2 and keys[old[account_id]] == "Active", keys
        [new] = set(keys) - {old[account_id]}
        secret = fresh_lab.client(account_id, "secretsmanager").get_secret_value(
            SecretId="hardening/access-keys/svc-app"
        )
        assert json.loads(secret["SecretString"])["AccessKeyId"] == new
    settled = ansible.run("playbooks/rotate_keys.yml", inventory, extra_vars=extra)
    assert settled.rc == 0 and settled.changed_hosts() == [], settled.output[-2000:]


def _keys(lab, account_id):
    listed = lab.client(account_id, "iam").list_access_keys(UserName="svc-app")["AccessKeyMetadata"]
    return {k["AccessKeyId"]: k["Status"] for k in listed}


# In the order offboarding removes things: console access, keys, then memberships, then the user.
@pytest.mark.parametrize(
    "call", ["iam:DeleteLoginProfile", "iam:DeleteAccessKey", "iam:RemoveUserFromGroup", "iam:DeleteUser"]
)
def test_offboarding_killed_half_way_completes_and_keeps_the_full_archive(
    ansible, fresh_lab, inventory, tmp_path, call
):
    archive = tmp_path / "archive"
    extra = {"offboard_users": ["leaver-dave"], "offboard_mode": "delete", "offboard_archive_dir": str(archive)}
    _killed_run(ansible, fresh_lab, "playbooks/offboard.yml", inventory, extra, call)
    again = ansible.run("playbooks/offboard.yml", inventory, extra_vars=extra)
    assert again.rc == 0, again.output[-3000:]
    for account_id in fresh_lab.account_ids:
        names = {u["UserName"] for u in fresh_lab.client(account_id, "iam").list_users()["Users"]}
        assert "leaver-dave" not in names and {"alice", "bob", "carol"} <= names
        # The archive describes the user as it was before anything was removed, in every account,
        # including the one where the first run had already removed a part.
        records = [json.loads(p.read_text(encoding="utf-8")) for p in (archive / account_id).glob("leaver-dave*.json")]
        assert any(r["user"]["console_access"] and len(r["user"]["access_keys"]) == 2 for r in records), records
