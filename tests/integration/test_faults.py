"""The playbooks under a struggling AWS: 20% of requests faulted (awslab.faults: throttling,
internal errors, connections dropped before or after AWS handled the request). Each run must
end where a run without faults ends, and lose nothing: no orphan key, no user without a
delivered, working key, no removed user without an archive, no audit finding changed by a fault."""

from __future__ import annotations

import json
import os

import yaml

from .keys import due_keys
from .test_harden import EXAMPLE, fingerprint

RATE = 0.2
# The faults are drawn from a fixed seed; the order of requests across forks still varies from
# run to run. FAULT_SEED picks other draws, to soak: for s in 1 2 3; do FAULT_SEED=$s pytest ...
SEED = int(os.environ.get("FAULT_SEED", "20261129"))


def _example():
    with open(EXAMPLE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _end_state(lab, account_id):
    """The baseline's end state without what differs between two resets (key ids), plus the
    secrets delivered."""
    state = fingerprint(lab, account_id)
    state["keys"] = {user: len(keys) for user, keys in state["keys"].items()}
    secrets = lab.client(account_id, "secretsmanager").list_secrets()["SecretList"]
    state["secrets"] = sorted(secret["Name"] for secret in secrets)
    return state


def test_harden_under_faults_ends_where_a_clean_run_ends(ansible, fresh_lab, inventory):
    extra = _example()
    clean = ansible.run("playbooks/harden.yml", inventory, extra_vars=extra)
    assert clean.rc == 0, clean.output
    expected = {account_id: _end_state(fresh_lab, account_id) for account_id in fresh_lab.account_ids}

    fresh_lab.reset(seed=True)
    with fresh_lab.faulty(RATE, seed=SEED) as injected:
        faulted = ansible.run("playbooks/harden.yml", inventory, extra_vars=extra)
    assert injected["total"] > 50, injected  # the run really went through faults, of every kind
    assert {key.split()[0] for key in injected["injected"]} == {"throttle", "server", "drop_before", "drop_after"}
    assert faulted.rc == 0, faulted.output
    for account_id in fresh_lab.account_ids:
        assert _end_state(fresh_lab, account_id) == expected[account_id]
    again = ansible.run("playbooks/harden.yml", inventory, extra_vars=extra)
    assert again.rc == 0 and again.changed_hosts() == [], again.output


def test_offboard_under_faults_removes_the_user_and_keeps_its_archive(ansible, fresh_lab, inventory, tmp_path):
    archive = tmp_path / "archive"
    extra = {"offboard_users": ["leaver-dave"], "offboard_mode": "delete", "offboard_archive_dir": str(archive)}
    with fresh_lab.faulty(RATE, seed=SEED + 1) as injected:
        run = ansible.run("playbooks/offboard.yml", inventory, extra_vars=extra)
    assert injected["total"] >= 15, injected  # about 20 at most seeds
    assert run.rc == 0, run.output
    for account_id in fresh_lab.account_ids:
        names = {u["UserName"] for u in fresh_lab.client(account_id, "iam").list_users()["Users"]}
        assert "leaver-dave" not in names and {"alice", "bob", "carol"} <= names
        record = json.loads((archive / account_id / "leaver-dave.json").read_text(encoding="utf-8"))
        assert record["account_id"] == account_id and record["action"] == "delete"
        assert record["user"]["access_keys"] and record["user"]["groups"]


def test_rotation_under_faults_delivers_exactly_one_working_key(ansible, fresh_lab, inventory):
    import boto3  # pylint: disable=import-outside-toplevel

    old = due_keys(fresh_lab)
    extra = {"key_rotation_users": ["svc-app"]}
    with fresh_lab.faulty(RATE, seed=SEED + 2, services=("iam", "secretsmanager", "sts")) as injected:
        run = ansible.run("playbooks/rotate_keys.yml", inventory, extra_vars=extra)
    assert injected["total"] > 5, injected
    assert run.rc == 0, run.output
    for account_id in fresh_lab.account_ids:
        keys = fresh_lab.client(account_id, "iam").list_access_keys(UserName="svc-app")["AccessKeyMetadata"]
        # The old key and exactly one new key: no key an attempt made and whose answer was lost.
        assert len(keys) == 2 and old[account_id] in {k["AccessKeyId"] for k in keys}
        secret = fresh_lab.client(account_id, "secretsmanager").get_secret_value(
            SecretId="hardening/access-keys/svc-app"
        )
        value = json.loads(secret["SecretString"])
        assert value["AccessKeyId"] in {k["AccessKeyId"] for k in keys} - {old[account_id]}
        session = boto3.Session(
            aws_access_key_id=value["AccessKeyId"],
            aws_secret_access_key=value["SecretAccessKey"],
            region_name="us-east-1",
        )
        identity = session.client("sts", endpoint_url=fresh_lab.endpoint_url).get_caller_identity()
        assert identity["Arn"] == "arn:aws:iam::%s:user/svc-app" % account_id


def _statuses(report_dir, account_ids):
    """{account: {control: status}} from the per-account reports of an audit run."""
    found = {}
    for account_id in account_ids:
        report = json.loads((report_dir / ("%s.json" % account_id)).read_text(encoding="utf-8"))
        found[account_id] = {f["id"]: f["status"] for f in report["findings"]}
    return found


def test_audit_under_faults_judges_every_control_as_a_clean_run_does(ansible, fresh_lab, inventory, tmp_path):
    clean = ansible.run("playbooks/audit.yml", inventory, extra_vars={"audit_report_dir": str(tmp_path / "clean")})
    assert clean.rc == 0, clean.output
    expected = _statuses(tmp_path / "clean", fresh_lab.account_ids)
    with fresh_lab.faulty(RATE, seed=SEED + 3) as injected:
        faulted = ansible.run(
            "playbooks/audit.yml", inventory, extra_vars={"audit_report_dir": str(tmp_path / "faulted")}
        )
    assert injected["total"] >= 10, injected
    assert faulted.rc == 0, faulted.output
    # Not one control turned `error` (or anything else) because a read met a fault.
    assert _statuses(tmp_path / "faulted", fresh_lab.account_ids) == expected
