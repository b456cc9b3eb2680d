"""iam_credential_report_info against the lab, every member account: every seeded user
parsed into typed records, and the summary counts the seed predicts."""

from __future__ import annotations

import datetime

from awslab import SEED, SEEDED_USERS

PLAYBOOK = "tests/integration/playbooks/iam_credential_report_info.yml"


def _host(account_id):
    return "lab-%s" % account_id


def _days(iso):
    then = datetime.datetime.fromisoformat(iso)
    return (datetime.datetime.now(datetime.timezone.utc) - then).days


def _near(value, expected, slack=1):
    return abs(value - expected) <= slack


def _assert_record(record, seed):
    name = seed.name
    assert record["arn"].endswith(":user/%s" % name)
    assert _near(_days(record["user_creation_time"]), seed.created_days_ago), name
    assert record["password_enabled"] is seed.console, name
    if seed.console and seed.password_last_used_days_ago is not None:
        assert _near(_days(record["password_last_used"]), seed.password_last_used_days_ago), name
    else:
        assert record["password_last_used"] is None, name
    assert record["mfa_active"] is seed.has_mfa, name
    for slot in (1, 2):
        prefix = "access_key_%d_" % slot
        if slot > len(seed.access_keys):
            assert record[prefix + "active"] is False and record[prefix + "last_rotated"] is None, name
            continue
        key = seed.access_keys[slot - 1]
        assert record[prefix + "active"] is key.active, (name, slot)
        assert _near(_days(record[prefix + "last_rotated"]), key.created_days_ago), (name, slot)
        if key.last_used_days_ago is None:
            assert record[prefix + "last_used_date"] is None, (name, slot)
        else:
            assert _near(_days(record[prefix + "last_used_date"]), key.last_used_days_ago), (name, slot)
        # moto writes not_supported for the region and service: they must come out as null.
        assert record[prefix + "last_used_region"] is None and record[prefix + "last_used_service"] is None
    assert record["cert_1_active"] is seed.signing_certificate, name
    assert all(value not in ("N/A", "not_supported", "no_information") for value in record.values()), name


def test_every_seeded_user_is_parsed(ansible, fresh_lab, inventory):
    lab = fresh_lab
    lab.reset_calls()
    run = ansible.run(PLAYBOOK, inventory)
    assert run.rc == 0, run.output
    calls = lab.calls()
    console_no_mfa = len(SEED.console_users_without_mfa)
    for account_id in lab.account_ids:
        result = run.result("Credential report", _host(account_id))
        assert result["changed"] is False
        records = {r["user"]: r for r in result["report"]}
        assert sorted(records) == sorted(SEEDED_USERS)  # moto has no <root_account> row
        for name, seed in SEEDED_USERS.items():
            _assert_record(records[name], seed)
        summary = result["summary"]
        assert summary["users"] == len(SEEDED_USERS)
        assert summary["console_users"] == len(SEED.console_users)
        assert summary["console_users_without_mfa"] == console_no_mfa
        assert summary["users_with_mfa"] == 1
        assert summary["active_access_keys_older_than_90_days"] == sum(
            1 for u in SEED.users for k in u.active_keys if k.created_days_ago > 90
        )
        assert summary["active_access_keys_never_used"] == 1  # ci-deploy's first key
        assert summary["users_with_two_active_keys"] == 1  # ci-deploy
        assert summary["root_account_present"] is False and summary["root_mfa_active"] is None
        assert result["generated_time"].endswith("+00:00")
        # Fresh lab, no report yet: Get (ReportNotPresent), Generate (STARTED), Get.
        assert calls[account_id] == {"iam:GetCredentialReport": 2, "iam:GenerateCredentialReport": 1}
        assert run.result("Credential report | console users without MFA, from the records", _host(account_id))


def test_a_second_run_through_the_module_path_agrees(ansible, fresh_lab, inventory):
    lab = fresh_lab
    account_id = lab.account_ids[0]
    first = ansible.run(PLAYBOOK, inventory, args=("--limit", _host(account_id)))
    assert first.rc == 0, first.output
    lab.reset_calls()
    second = ansible.run(
        PLAYBOOK, inventory, env={"HARDENING_AWS_EXECUTION": "module"}, args=("--limit", _host(account_id))
    )
    assert second.rc == 0, second.output
    before = first.result("Credential report", _host(account_id))
    after = second.result("Credential report", _host(account_id))
    # Field by field, the AnsiballZ module path returns what the in-process run returned.
    for key in ("changed", "report", "generated_time", "summary"):
        assert after[key] == before[key], key
    assert {r["user"] for r in after["report"]} == set(SEEDED_USERS)
    # moto dates every report 2015-02-02, so max_age_hours=4 asks for a new one: Get, Generate (COMPLETE),
    # Get. Against a report younger than max_age_hours (AWS, or a lab that dates reports) it is one Get.
    assert lab.calls(account_id) in (
        {"iam:GetCredentialReport": 2, "iam:GenerateCredentialReport": 1},
        {"iam:GetCredentialReport": 1},
    )
