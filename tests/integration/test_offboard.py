"""playbooks/offboard.yml over several seeded accounts of the strict lab, as a user runs it.

Every assertion about AWS reads the accounts directly with boto3 (lab.session asserts the
caller identity per account), never through the collection's modules.
"""

from __future__ import annotations

import datetime
import json
import os
import stat

from awslab.seed import SEED, SEEDED_USERS

PLAYBOOK = "playbooks/offboard.yml"
DISABLED_TAG = "hardening:disabled-at"
REVOKE = "hardening-revoke-sessions"


def _host(account_id):
    return "lab-%s" % account_id


def _users(lab, account_id):
    iam = lab.session(account_id).client("iam")
    return sorted(u["UserName"] for u in iam.list_users()["Users"])


def _snapshot(lab, account_id):
    """Everything offboarding may change in an account, read with boto3."""
    iam = lab.session(account_id).client("iam")
    out = {}
    for name in _users(lab, account_id):
        try:
            iam.get_login_profile(UserName=name)
            console = True
        except iam.exceptions.NoSuchEntityException:
            console = False
        out[name] = {
            "console": console,
            "keys": sorted(
                (k["AccessKeyId"], k["Status"]) for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
            ),
            "ssh": sorted(
                (k["SSHPublicKeyId"], k["Status"]) for k in iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"]
            ),
            "service": sorted(
                (c["ServiceSpecificCredentialId"], c["Status"])
                for c in iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]
            ),
            "inline": sorted(iam.list_user_policies(UserName=name)["PolicyNames"]),
            "tags": {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=name)["Tags"]},
        }
    return out


def _virtual_mfa(lab, account_id):
    iam = lab.session(account_id).client("iam")
    return [d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]]


def _assert_disabled(lab, account_id, name):
    iam = lab.session(account_id).client("iam")
    found = _snapshot(lab, account_id)[name]
    assert not found["console"]
    assert found["keys"] and all(status == "Inactive" for _id, status in found["keys"])
    assert all(status == "Inactive" for _id, status in found["ssh"] + found["service"])
    assert REVOKE in found["inline"]
    document = iam.get_user_policy(UserName=name, PolicyName=REVOKE)["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    statement = document["Statement"][0]
    assert statement["Effect"] == "Deny" and statement["Action"] == "*"
    assert statement["Condition"]["DateLessThan"]["aws:TokenIssueTime"] == found["tags"][DISABLED_TAG]


def _leaver_record(lab, account_id):
    """What the lab holds for leaver-dave, read with boto3 before the run."""
    iam = lab.session(account_id).client("iam")
    name = "leaver-dave"
    return {
        "groups": sorted(g["GroupName"] for g in iam.list_groups_for_user(UserName=name)["Groups"]),
        "managed": sorted(p["PolicyArn"] for p in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]),
        "inline": {
            p: iam.get_user_policy(UserName=name, PolicyName=p)["PolicyDocument"]
            for p in iam.list_user_policies(UserName=name)["PolicyNames"]
        },
        "tags": {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=name)["Tags"]},
        "keys": sorted(
            (k["AccessKeyId"], k["Status"]) for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
        ),
        "mfa": sorted(d["SerialNumber"] for d in iam.list_mfa_devices(UserName=name)["MFADevices"]),
        "ssh": sorted(k["SSHPublicKeyId"] for k in iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"]),
        "certs": sorted(c["CertificateId"] for c in iam.list_signing_certificates(UserName=name)["Certificates"]),
        "service": sorted(
            c["ServiceSpecificCredentialId"]
            for c in iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]
        ),
    }


def _decoded(document):
    return json.loads(document) if isinstance(document, str) else document


def test_leaver_deleted_from_every_account_with_a_complete_archive(ansible, fresh_lab, inventory, tmp_path):
    lab = fresh_lab
    archive = tmp_path / "archive"
    settings = {"offboard_users": ["leaver-dave"], "offboard_mode": "delete", "offboard_archive_dir": str(archive)}
    expected = {a: _leaver_record(lab, a) for a in lab.account_ids}
    before = {a: _snapshot(lab, a) for a in lab.account_ids}

    check = ansible.run(PLAYBOOK, inventory, check=True, extra_vars=settings)
    assert check.rc == 0, check.output
    assert {a: _snapshot(lab, a) for a in lab.account_ids} == before
    assert not archive.exists()
    lines = check.result("Summary | who was offboarded, and why", _host(lab.account_ids[0]))["msg"]
    assert lines[0] == "account %s: would offboard leaver-dave" % lab.account_ids[0]
    assert "would delete (listed in offboard_users)" in lines[1]
    assert "delete_login_profile" in lines[1] and "delete_user" in lines[1]

    apply = ansible.run(PLAYBOOK, inventory, extra_vars=settings)
    assert apply.rc == 0, apply.output
    seeded = sorted(u.name for u in SEED.users)
    for account_id in lab.account_ids:
        assert _users(lab, account_id) == sorted(set(seeded) - {"leaver-dave"})
        assert not [s for s in _virtual_mfa(lab, account_id) if s.endswith("/leaver-dave")]
        path = archive / account_id / "leaver-dave.json"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(archive / account_id).st_mode) == 0o700
        record = json.loads(path.read_text())
        assert record["account_id"] == account_id and record["action"] == "delete"
        user, want = record["user"], expected[account_id]
        assert user["groups"] == want["groups"] and user["managed_policies"] == want["managed"]
        assert {p: _decoded(d) for p, d in user["inline_policies"].items()} == {
            p: _decoded(d) for p, d in want["inline"].items()
        }
        assert user["tags"] == want["tags"] == SEEDED_USERS["leaver-dave"].tag_dict
        assert sorted((k["access_key_id"], k["status"]) for k in user["access_keys"]) == want["keys"]
        assert all(k["create_date"] for k in user["access_keys"])
        assert sorted(d["serial_number"] for d in user["mfa_devices"]) == want["mfa"]
        assert sorted(k["ssh_public_key_id"] for k in user["ssh_public_keys"]) == want["ssh"]
        assert sorted(c["certificate_id"] for c in user["signing_certificates"]) == want["certs"]
        assert (
            sorted(c["service_specific_credential_id"] for c in user["service_specific_credentials"])
            == (want["service"])
        )
        assert user["console_access"] is True
        assert user["permissions_boundary"] == SEEDED_USERS["leaver-dave"].permissions_boundary
        assert "password" not in path.read_text().lower().replace("password_reset_required", "")

    lab.reset_calls()
    again = ansible.run(PLAYBOOK, inventory, extra_vars=settings)
    assert again.rc == 0, again.output
    assert again.changed_hosts() == []
    line = again.result("Summary | who was offboarded, and why", _host(lab.account_ids[0]))["msg"]
    assert "user leaver-dave: not in the account, nothing to do" in line[1]
    for account_id in lab.account_ids:
        # No candidate left: no per-user read, no change, only the bulk read.
        calls = lab.calls(account_id)
        assert not [
            c
            for c in calls
            if c.split(":")[1].startswith(("List", "Get", "Delete", "Update", "Put"))
            and c not in ("iam:GetAccountAuthorizationDetails", "sts:GetCallerIdentity")
        ], calls
    check_again = ansible.run(PLAYBOOK, inventory, check=True, extra_vars=settings)
    assert check_again.rc == 0 and check_again.changed_hosts() == []


# By the rules (every credential unused 45 days or more) the seed has two idle users: dormant-erin
# (200 days) and leaver-dave (password 100 days, keys 95 days, SSH key and CodeCommit credential
# created long ago). ci-deploy used a key 2 days ago; alice, bob and carol are active.
IDLE = ["dormant-erin", "leaver-dave"]


def test_inactivity_disables_exactly_the_idle_users(ansible, fresh_lab, inventory, tmp_path):
    lab = fresh_lab
    archive = tmp_path / "archive"
    settings = {"offboard_inactive_days": 45, "offboard_archive_dir": str(archive)}
    before = {a: _snapshot(lab, a) for a in lab.account_ids}

    check = ansible.run(PLAYBOOK, inventory, check=True, extra_vars=settings)
    assert check.rc == 0, check.output
    assert {a: _snapshot(lab, a) for a in lab.account_ids} == before
    lines = check.result("Summary | who was offboarded, and why", _host(lab.account_ids[0]))["msg"]
    assert lines[0] == "account %s: would offboard %s" % (lab.account_ids[0], ", ".join(IDLE))
    assert "would disable (no console password or access key used for 200 days" in lines[1]
    assert "offboard_inactive_days=45" in lines[1]

    apply = ansible.run(PLAYBOOK, inventory, extra_vars=settings)
    assert apply.rc == 0, apply.output
    for account_id in lab.account_ids:
        after = _snapshot(lab, account_id)
        for name in IDLE:
            _assert_disabled(lab, account_id, name)
            assert (archive / account_id / ("%s.json" % name)).exists()
        # Everybody else, ci-deploy included (one key used 2 days ago), is untouched.
        assert {n: s for n, s in after.items() if n not in IDLE} == {
            n: s for n, s in before[account_id].items() if n not in IDLE
        }
        assert sorted(after) == sorted(before[account_id])  # disabled, not deleted

    again = ansible.run(PLAYBOOK, inventory, extra_vars=settings)
    assert again.rc == 0, again.output
    assert again.changed_hosts() == []
    check_again = ansible.run(PLAYBOOK, inventory, check=True, extra_vars=settings)
    assert check_again.changed_hosts() == []


def test_protected_users_are_never_touched(ansible, fresh_lab, inventory, tmp_path):
    lab = fresh_lab
    first, second = lab.account_ids[0], lab.account_ids[1]
    lab.session(second).client("iam").tag_user(
        UserName="leaver-dave", Tags=[{"Key": "hardening:protected", "Value": "true"}]
    )
    before = {a: _snapshot(lab, a) for a in lab.account_ids}
    settings = {
        "offboard_users": ["leaver-dave", "carol"],
        "offboard_protected_users": ["carol"],
        "offboard_mode": "delete",
        "offboard_archive_dir": str(tmp_path / "archive"),
    }
    run = ansible.run(PLAYBOOK, inventory, extra_vars=settings)
    assert run.rc == 0, run.output
    assert "leaver-dave" not in _users(lab, first)
    assert _snapshot(lab, second) == before[second] and "carol" in _users(lab, first)
    lines = run.result("Summary | who was offboarded, and why", _host(second))["msg"]
    assert any("user leaver-dave: protected: tagged hardening:protected=true, not touched" in x for x in lines)
    assert any("user carol: protected: listed in offboard_protected_users, not touched" in x for x in lines)


def test_unwritable_archive_leaves_the_user_untouched(ansible, fresh_lab, inventory, tmp_path):
    lab = fresh_lab
    first, second = lab.account_ids[0], lab.account_ids[1]
    archive = tmp_path / "archive"
    archive.mkdir()
    # A file where the account's archive directory should be: no record can be written there.
    (archive / second).write_text("not a directory")
    before = _snapshot(lab, second)
    settings = {"offboard_users": ["leaver-dave"], "offboard_mode": "delete", "offboard_archive_dir": str(archive)}
    run = ansible.run(PLAYBOOK, inventory, extra_vars=settings)
    assert run.rc != 0
    assert _snapshot(lab, second) == before
    assert "leaver-dave" not in _users(lab, first)  # the other accounts carry on
    report = run.result("Report | accounts that failed", _host(first))["msg"]
    assert _host(second) in report and _host(first) not in report.split(" failed")[0]
    assert "archive not written" in report


def test_grace_flow_disables_then_deletes(ansible, fresh_lab, inventory, tmp_path):
    lab = fresh_lab
    account_id = lab.account_ids[0]
    archive = tmp_path / "archive"
    disable = {"offboard_users": ["leaver-dave"], "offboard_archive_dir": str(archive)}
    run = ansible.run(PLAYBOOK, inventory, extra_vars=disable)
    assert run.rc == 0, run.output
    _assert_disabled(lab, account_id, "leaver-dave")
    first_record = (archive / account_id / "leaver-dave.json").read_text()
    assert json.loads(first_record)["user"]["console_access"] is True

    later = dict(disable, offboard_users=[], offboard_delete_after_days=30)
    too_early = ansible.run(PLAYBOOK, inventory, extra_vars=later)
    assert too_early.rc == 0 and too_early.changed_hosts() == []
    assert "leaver-dave" in _users(lab, account_id)

    iam = lab.session(account_id).client("iam")
    old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")
    iam.tag_user(UserName="leaver-dave", Tags=[{"Key": DISABLED_TAG, "Value": old}])
    delete = ansible.run(PLAYBOOK, inventory, extra_vars=later)
    assert delete.rc == 0, delete.output
    assert "leaver-dave" not in _users(lab, account_id)
    assert "leaver-dave" in _users(lab, lab.account_ids[1])  # its tag there is recent: still in grace
    lines = delete.result("Summary | who was offboarded, and why", _host(account_id))["msg"]
    assert "offboard_delete_after_days=30" in lines[1]
    # The record made before the user was disabled is the one kept.
    assert (archive / account_id / "leaver-dave.json").read_text() == first_record


def test_a_failing_user_does_not_stop_the_others(ansible, fresh_lab, inventory, tmp_path):
    lab = fresh_lab
    first, second = lab.account_ids[0], lab.account_ids[1]
    archive = tmp_path / "archive"
    # A directory where leaver-dave's record should go in the first account: that archive fails.
    (archive / first / "leaver-dave.json").mkdir(parents=True)
    before = _snapshot(lab, first)["leaver-dave"]
    settings = {
        "offboard_users": ["leaver-dave", "dormant-erin"],
        "offboard_mode": "delete",
        "offboard_archive_dir": str(archive),
    }
    run = ansible.run(PLAYBOOK, inventory, extra_vars=settings)
    assert run.rc != 0
    users = _users(lab, first)
    assert "leaver-dave" in users and _snapshot(lab, first)["leaver-dave"] == before
    assert "dormant-erin" not in users  # the other user of the same account carries on
    assert not {"leaver-dave", "dormant-erin"} & set(_users(lab, second))
    failed = run.result("fail the account when a user failed", _host(first))
    assert failed["failed"] and "leaver-dave" in failed["msg"] and "dormant-erin" not in failed["msg"]
    # run_once: the report runs on one of the accounts that did not fail.
    (report,) = [r["msg"] for r in run.results("Report | accounts that failed").values()]
    assert report.startswith(_host(first) + " failed") and "user leaver-dave: FAILED" in report
