"""The key_rotation role's filters (select, summarise in module_utils/_rotation.py; plugins/filter/key_rotation.py)."""

from __future__ import annotations

import datetime

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hardening.aws.plugins.filter.key_rotation import FilterModule
from ansible_collections.hardening.aws.plugins.module_utils import _rotation as rot

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.timezone.utc)
ACCOUNT = "210000000001"
FILTERS = FilterModule().filters()


def ago(days):
    return (NOW - datetime.timedelta(days=days)).isoformat()


def row(user, *keys):
    """A credential report record; keys are (created_days_ago, active, last_used_days_ago or None)."""
    record = {"user": user}
    for slot in (1, 2):
        if slot <= len(keys):
            created, active, used = keys[slot - 1]
            record.update(
                {
                    "access_key_%d_active" % slot: active,
                    "access_key_%d_last_rotated" % slot: ago(created),
                    "access_key_%d_last_used_date" % slot: ago(used) if used is not None else None,
                }
            )
        else:
            record.update(
                {
                    "access_key_%d_active" % slot: False,
                    "access_key_%d_last_rotated" % slot: None,
                    "access_key_%d_last_used_date" % slot: None,
                }
            )
    return record


def posture(*rows, users=None):
    users = users or {}
    return {
        "users": {
            r["user"]: users.get(
                r["user"], {"arn": "arn:aws:iam::%s:user/%s" % (ACCOUNT, r["user"]), "path": "/", "tags": {}}
            )
            for r in rows
        },
        "credential_report": list(rows),
    }


SNAPSHOT = posture(
    row("no-keys"),
    row("young", (10, True, 1)),
    row("old", (120, True, 2)),
    row("idle", (300, False, None)),
    row("rotating", (130, True, 11), (10, True, 1)),
    row("waiting", (300, False, 20), (15, True, 1)),
    row("two-old", (400, True, None), (130, True, 2)),
)


def config(**overrides):
    out = {"now": NOW.isoformat(), "caller_arn": "arn:aws:sts::%s:assumed-role/Org/x" % ACCOUNT}
    out.update(overrides)
    return out


def names(selection, field="candidates"):
    return [c["user_name"] for c in selection[field]]


def test_only_users_whose_keys_may_need_a_step_get_a_module_task():
    selection = FILTERS["key_rotation_plan"](SNAPSHOT, config())
    assert names(selection) == ["old", "rotating", "two-old", "waiting"]
    assert {c["user_name"]: c["stage"] for c in selection["candidates"]} == {
        "old": "due",
        "rotating": "deactivate",
        "two-old": "attention",
        "waiting": "inactive",
    }
    assert names(selection, "current") == ["idle", "young"]
    # No secret_name: the module's default (hardening/access-keys/<user>).
    assert all(c["secret_name"] is None for c in selection["candidates"])


@pytest.mark.parametrize(
    "template, store, expected",
    [
        ("hardening/access-keys", "secretsmanager", "hardening/access-keys/old"),
        ("hardening/access-keys", "ssm", "/hardening/access-keys/old"),
        ("ci/{user}/aws-key", "secretsmanager", "ci/old/aws-key"),
        ("/ci/{user}/aws-key", "ssm", "/ci/old/aws-key"),
        (None, "ssm", None),
        ("hardening/access-keys", "none", None),
    ],
)
def test_secret_name_template_or_prefix(template, store, expected):
    selection = rot.select(posture(row("old", (120, True, 2))), config(secret_name=template, store=store))
    assert selection["candidates"][0]["secret_name"] == expected


def test_protected_selected_and_absent_users():
    users = {
        "old": {"arn": "arn:aws:iam::%s:user/old" % ACCOUNT, "path": "/svc/", "tags": {"team": "a"}},
        "tagged": {
            "arn": "arn:aws:iam::%s:user/tagged" % ACCOUNT,
            "path": "/svc/",
            "tags": {"team": "a", "hardening:protected": "True"},
        },
        "me": {"arn": "arn:aws:iam::%s:user/me" % ACCOUNT, "path": "/svc/", "tags": {"team": "a"}},
        "listed": {"arn": "arn:aws:iam::%s:user/listed" % ACCOUNT, "path": "/svc/", "tags": {"team": "a"}},
        "elsewhere": {"arn": "arn:aws:iam::%s:user/elsewhere" % ACCOUNT, "path": "/", "tags": {"team": "a"}},
        "other-team": {"arn": "arn:aws:iam::%s:user/other-team" % ACCOUNT, "path": "/svc/", "tags": {"team": "b"}},
    }
    snapshot = posture(*(row(n, (120, True, 2)) for n in users), users=users)
    selection = rot.select(
        snapshot,
        config(protected_users=["listed"], caller_arn=users["me"]["arn"], path_prefix="/svc/", tags={"team": "a"}),
    )
    assert names(selection) == ["old"]
    assert {p["user_name"]: p["reason"] for p in selection["protected"]} == {
        "listed": "protected: listed in key_rotation_protected_users",
        "me": "protected: the identity running the playbook",
        "tagged": "protected: tagged hardening:protected=true",
    }
    only = rot.select(snapshot, config(users=["old", "ghost"]))
    assert names(only) == ["old"] and only["absent"] == ["ghost"]


def test_user_missing_from_the_report_is_a_note():
    snapshot = posture(row("old", (120, True, 2)))
    snapshot["users"]["new-user"] = {"arn": "x", "path": "/", "tags": {}}
    selection = rot.select(snapshot, config())
    assert selection["notes"] == ["user new-user is not in the credential report yet: looked at on the next run"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"max_age_days": 0}, "max_age_days"),
        ({"delete_after_days": 10}, "delete_after_days"),
        ({"users": ["bad user"]}, "users"),
        ({"protected_users": ["bad/user"]}, "protected_users"),
        ({"tags": ["a"]}, "tags"),
        ({"path_prefix": "svc/"}, "path_prefix"),
        ({"store": "s3"}, "store"),
        ({"store": "ssm", "secret_name": "ci/{user}"}, "secret_name"),
        ({"now": "yesterday"}, "now"),
    ],
)
def test_bad_settings_fail_naming_the_variable(overrides, field):
    with pytest.raises(AnsibleFilterError) as info:
        FILTERS["key_rotation_plan"](SNAPSHOT, config(**overrides))
    assert "key_rotation_" + field in str(info.value)


def test_no_credential_report_fails():
    with pytest.raises(AnsibleFilterError, match="credential report"):
        FILTERS["key_rotation_plan"]({"users": {}}, config())


def _result(user, **fields):
    out = {"item": {"user_name": user}, "changed": False, "stage": "current", "keys": [], "actions": [], "report": []}
    out.update(fields)
    return out


KEY = {
    "id": "AKIAOLD0000000000000",
    "status": "Active",
    "age_days": 120,
    "last_used_date": "2026-05-30T00:00:00+00:00",
    "stage": "due",
    "note": "120 days old",
}


def test_summary_lines():
    selection = rot.select(SNAPSHOT, config(protected_users=["two-old"], users=["old", "young", "two-old", "ghost"]))
    results = [
        _result(
            "old",
            changed=True,
            stage="due",
            keys=[KEY],
            actions=["create a new access key for old and deliver it to secretsmanager hardening/access-keys/old"],
        ),
        {"item": {"user_name": "broken"}, "failed": True, "msg": "delivering new access key ... failed"},
        _result("busy", stage="in_use", report=["old key X was used 1 hour ago"]),
        {"item": {"user_name": "skipped"}, "skipped": True},
    ]
    summary = FILTERS["key_rotation_summary"](results, selection, ACCOUNT, True)
    assert summary["changed"] == ["old"] and summary["failed"] == ["broken"] and summary["attention"] == ["busy"]
    assert summary["lines"] == [
        "account %s: would rotate old; needs a person: busy; FAILED: broken" % ACCOUNT,
        "account %s: user old: due: would create a new access key for old and deliver it to secretsmanager "
        "hardening/access-keys/old | keys: AKIAOLD0000000000000 Active 120d used 2026-05-30 (due: 120 days old)"
        % ACCOUNT,
        "account %s: user broken: FAILED: delivering new access key ... failed" % ACCOUNT,
        "account %s: user busy: in_use: nothing to do now | keys: " % ACCOUNT,
        "account %s: user busy: NEEDS A PERSON: old key X was used 1 hour ago" % ACCOUNT,
        "account %s: no step due (one key younger than the maximum age, or no active key): young (10d)" % ACCOUNT,
        "account %s: user two-old: protected: listed in key_rotation_protected_users, not rotated (attention)"
        % ACCOUNT,
        "account %s: user ghost: not in the account, nothing to do" % ACCOUNT,
    ]
    applied = rot.summarise(results[:1], {}, ACCOUNT, False)
    assert applied["lines"][0] == "account %s: rotated old" % ACCOUNT
    assert "user old: due: done: create a new access key" in applied["lines"][1]
    assert rot.summarise([], {}, ACCOUNT)["lines"] == ["account %s: nothing to rotate" % ACCOUNT]


def test_summary_never_shows_a_secret():
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    result = _result(
        "old",
        changed=True,
        stage="due",
        keys=[KEY],
        actions=["create a new access key for old"],
        created_keys=[{"id": "AKIANEW", "secret_access_key": secret}],
    )
    assert secret not in repr(rot.summarise([result], {}, ACCOUNT))


def test_summary_filter_rejects_other_input():
    with pytest.raises(AnsibleFilterError):
        FILTERS["key_rotation_summary"]({}, {}, ACCOUNT)
