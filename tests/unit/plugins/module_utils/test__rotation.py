"""The staged rotation planner (module_utils/_rotation.py): every stage, every boundary, clock edges."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.hardening.aws.plugins.module_utils import _rotation as rot
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.timezone.utc)
SETTINGS = rot.check_settings({})
OLD, NEW = "AKIAOLD0000000000000", "AKIANEW0000000000000"


def ago(days=0, hours=0, seconds=0):
    return (NOW - datetime.timedelta(days=days, hours=hours, seconds=seconds)).isoformat()


def key(key_id, status, created, used=None):
    return {"id": key_id, "status": status, "create_date": created, "last_used_date": used}


def stages(planned):
    return [(k["id"], k["stage"]) for k in planned["keys"]]


def steps(planned):
    return [(s["action"], s["key_id"]) for s in planned["steps"]]


CASES = [
    # (label, keys, settings overrides, user stage, [(id, stage)], [steps], report expected)
    ("no key", [], {}, "current", [], [], False),
    ("young key", [key(OLD, "Active", ago(30), ago(1))], {}, "current", [(OLD, "current")], [], False),
    (
        "one second before due",
        [key(OLD, "Active", ago(89, 23, 59 * 60 + 59))],
        {},
        "current",
        [(OLD, "current")],
        [],
        False,
    ),
    ("due exactly at 90 days", [key(OLD, "Active", ago(90))], {}, "due", [(OLD, "due")], [("create", None)], False),
    ("120 days", [key(OLD, "Active", ago(120), ago(0, 1))], {}, "due", [(OLD, "due")], [("create", None)], False),
    (
        "max_age 30",
        [key(OLD, "Active", ago(30))],
        {"max_age_days": 30},
        "due",
        [(OLD, "due")],
        [("create", None)],
        False,
    ),
    ("only inactive keys", [key(OLD, "Inactive", ago(200))], {}, "idle", [(OLD, "idle")], [], False),
    (
        "two inactive keys",
        [key(OLD, "Inactive", ago(200)), key(NEW, "Inactive", ago(100))],
        {},
        "idle",
        [(OLD, "idle"), (NEW, "idle")],
        [],
        False,
    ),
    # rotation in progress, old key still Active
    (
        "partner 0 days",
        [key(OLD, "Active", ago(120), ago(0, 1)), key(NEW, "Active", ago(0))],
        {},
        "old",
        [(OLD, "old"), (NEW, "new")],
        [],
        False,
    ),
    (
        "partner 9d23h",
        [key(OLD, "Active", ago(129), ago(5)), key(NEW, "Active", ago(9, 23))],
        {},
        "old",
        [(OLD, "old"), (NEW, "new")],
        [],
        False,
    ),
    (
        "partner 10 days",
        [key(OLD, "Active", ago(130), ago(5)), key(NEW, "Active", ago(10))],
        {},
        "deactivate",
        [(OLD, "deactivate"), (NEW, "new")],
        [("deactivate", OLD)],
        False,
    ),
    (
        "partner used, old not since",
        [key(OLD, "Active", ago(122), ago(3)), key(NEW, "Active", ago(2), ago(1))],
        {},
        "deactivate",
        [(OLD, "deactivate"), (NEW, "new")],
        [("deactivate", OLD)],
        False,
    ),
    (
        "partner used, old never used",
        [key(OLD, "Active", ago(122)), key(NEW, "Active", ago(2), ago(1))],
        {},
        "deactivate",
        [(OLD, "deactivate"), (NEW, "new")],
        [("deactivate", OLD)],
        False,
    ),
    (
        "partner used, old used after it",
        [key(OLD, "Active", ago(122), ago(2)), key(NEW, "Active", ago(3), ago(3))],
        {},
        "old",
        [(OLD, "old"), (NEW, "new")],
        [],
        False,
    ),
    (
        "old used 23h ago: held",
        [key(OLD, "Active", ago(130), ago(0, 23)), key(NEW, "Active", ago(10))],
        {},
        "in_use",
        [(OLD, "in_use"), (NEW, "new")],
        [],
        True,
    ),
    (
        "old used 24h ago: deactivated",
        [key(OLD, "Active", ago(130), ago(1)), key(NEW, "Active", ago(10))],
        {},
        "deactivate",
        [(OLD, "deactivate"), (NEW, "new")],
        [("deactivate", OLD)],
        False,
    ),
    (
        "old used 1h ago, force",
        [key(OLD, "Active", ago(130), ago(0, 1)), key(NEW, "Active", ago(10))],
        {"force": True},
        "deactivate",
        [(OLD, "deactivate"), (NEW, "new")],
        [("deactivate", OLD)],
        False,
    ),
    (
        "in_use_hours 0",
        [key(OLD, "Active", ago(130), ago(0, 0, 1)), key(NEW, "Active", ago(10))],
        {"in_use_hours": 0},
        "deactivate",
        [(OLD, "deactivate"), (NEW, "new")],
        [("deactivate", OLD)],
        False,
    ),
    (
        "deactivate_after 0",
        [key(OLD, "Active", ago(90), ago(2)), key(NEW, "Active", ago(0))],
        {"deactivate_after_days": 0},
        "deactivate",
        [(OLD, "deactivate"), (NEW, "new")],
        [("deactivate", OLD)],
        False,
    ),
    # not a rotation in progress
    (
        "two young active keys",
        [key(OLD, "Active", ago(40)), key(NEW, "Active", ago(30))],
        {},
        "attention",
        [(OLD, "attention"), (NEW, "attention")],
        [],
        True,
    ),
    (
        "both old (seed ci-deploy)",
        [key(OLD, "Active", ago(400)), key(NEW, "Active", ago(130), ago(2))],
        {},
        "attention",
        [(OLD, "attention"), (NEW, "attention")],
        [],
        True,
    ),
    (
        "partner made before old was due",
        [key(OLD, "Active", ago(100)), key(NEW, "Active", ago(20))],
        {},
        "attention",
        [(OLD, "attention"), (NEW, "attention")],
        [],
        True,
    ),
    (
        "partner made exactly when due",
        [key(OLD, "Active", ago(110)), key(NEW, "Active", ago(20))],
        {},
        "deactivate",
        [(OLD, "deactivate"), (NEW, "new")],
        [("deactivate", OLD)],
        False,
    ),
    (
        "partner 89d23h (still in flight)",
        [key(OLD, "Active", ago(200)), key(NEW, "Active", ago(89, 23))],
        {},
        "deactivate",
        [(OLD, "deactivate"), (NEW, "new")],
        [("deactivate", OLD)],
        False,
    ),
    (
        "partner 90 days: both old",
        [key(OLD, "Active", ago(200)), key(NEW, "Active", ago(90))],
        {},
        "attention",
        [(OLD, "attention"), (NEW, "attention")],
        [],
        True,
    ),
    # old key Inactive
    (
        "inactive old, partner 10 days",
        [key(OLD, "Inactive", ago(130), ago(11)), key(NEW, "Active", ago(10))],
        {},
        "inactive",
        [(OLD, "inactive"), (NEW, "new")],
        [],
        False,
    ),
    (
        "inactive old, partner 19d23h",
        [key(OLD, "Inactive", ago(140), ago(11)), key(NEW, "Active", ago(19, 23))],
        {},
        "inactive",
        [(OLD, "inactive"), (NEW, "new")],
        [],
        False,
    ),
    (
        "inactive old, partner 20 days",
        [key(OLD, "Inactive", ago(140), ago(11)), key(NEW, "Active", ago(20))],
        {},
        "delete",
        [(OLD, "delete"), (NEW, "new")],
        [("delete", OLD)],
        False,
    ),
    (
        "inactive old never used, partner 20 days",
        [key(OLD, "Inactive", ago(140)), key(NEW, "Active", ago(20))],
        {},
        "delete",
        [(OLD, "delete"), (NEW, "new")],
        [("delete", OLD)],
        False,
    ),
    (
        "inactive old used 9d ago: deactivated late, kept",
        [key(OLD, "Inactive", ago(140), ago(9)), key(NEW, "Active", ago(30))],
        {},
        "inactive",
        [(OLD, "inactive"), (NEW, "new")],
        [],
        False,
    ),
    (
        "inactive old used 10d ago, partner 30 days",
        [key(OLD, "Inactive", ago(140), ago(10)), key(NEW, "Active", ago(30))],
        {},
        "delete",
        [(OLD, "delete"), (NEW, "new")],
        [("delete", OLD)],
        False,
    ),
    (
        "inactive old, active due again: delete first",
        [key(OLD, "Inactive", ago(300)), key(NEW, "Active", ago(95))],
        {},
        "due",
        [(OLD, "delete"), (NEW, "due")],
        [("delete", OLD), ("create", None)],
        False,
    ),
    (
        "newer key inactive",
        [key(OLD, "Active", ago(120)), key(NEW, "Inactive", ago(5))],
        {},
        "attention",
        [(OLD, "attention"), (NEW, "attention")],
        [],
        True,
    ),
    # clock edges
    (
        "created in the future counts as now",
        [key(OLD, "Active", (NOW + datetime.timedelta(days=3)).isoformat())],
        {},
        "current",
        [(OLD, "current")],
        [],
        False,
    ),
    (
        "naive dates are UTC",
        [key(OLD, "Active", (NOW - datetime.timedelta(days=90)).replace(tzinfo=None).isoformat())],
        {},
        "due",
        [(OLD, "due")],
        [("create", None)],
        False,
    ),
    (
        "Z suffix",
        [key(OLD, "Active", (NOW - datetime.timedelta(days=91)).strftime("%Y-%m-%dT%H:%M:%SZ"))],
        {},
        "due",
        [(OLD, "due")],
        [("create", None)],
        False,
    ),
    (
        "other offset",
        [
            key(
                OLD,
                "Active",
                (NOW - datetime.timedelta(days=90))
                .astimezone(datetime.timezone(datetime.timedelta(hours=-7)))
                .isoformat(),
            )
        ],
        {},
        "due",
        [(OLD, "due")],
        [("create", None)],
        False,
    ),
    (
        "datetime objects",
        [key(OLD, "Active", NOW - datetime.timedelta(days=95))],
        {},
        "due",
        [(OLD, "due")],
        [("create", None)],
        False,
    ),
    (
        "old last used in the future: in use",
        [key(OLD, "Active", ago(130), (NOW + datetime.timedelta(hours=2)).isoformat()), key(NEW, "Active", ago(10))],
        {},
        "in_use",
        [(OLD, "in_use"), (NEW, "new")],
        [],
        True,
    ),
    ("unknown creation date", [key(OLD, "Active", None)], {}, "attention", [(OLD, "attention")], [], True),
    (
        "three keys",
        [key(OLD, "Active", ago(3)), key(NEW, "Active", ago(2)), key("AKIAX", "Active", ago(1))],
        {},
        "attention",
        [(OLD, "attention"), (NEW, "attention"), ("AKIAX", "attention")],
        [],
        True,
    ),
]


@pytest.mark.parametrize(
    "label, keys, overrides, stage, key_stages, planned_steps, reported", CASES, ids=[c[0] for c in CASES]
)
def test_plan(label, keys, overrides, stage, key_stages, planned_steps, reported):
    settings = rot.check_settings(dict(overrides))
    planned = rot.plan(keys, settings, NOW)
    assert planned["stage"] == stage, label
    assert stages(planned) == key_stages
    assert steps(planned) == planned_steps
    assert bool(planned["report"]) == reported
    assert all(k["note"] for k in planned["keys"])


def test_keys_listed_oldest_first_whatever_the_input_order():
    planned = rot.plan([key(NEW, "Active", ago(10)), key(OLD, "Active", ago(130))], SETTINGS, NOW)
    assert [k["id"] for k in planned["keys"]] == [OLD, NEW]
    assert steps(planned) == [("deactivate", OLD)]


def test_never_more_than_two_keys_nor_zero_active():
    """Walk a rotation day by day through the plans; the rules hold at every step."""
    keys = [key(OLD, "Active", ago(120), ago(0, 2))]
    made = 0
    for day in range(0, 61):
        now = NOW + datetime.timedelta(days=day)
        planned = rot.plan(keys, SETTINGS, now)
        for step in planned["steps"]:
            if step["action"] == "create":
                made += 1
                keys.append(key("AKIANEW%013d" % made, "Active", now.isoformat()))
            elif step["action"] == "deactivate":
                next(k for k in keys if k["id"] == step["key_id"]).update(status="Inactive")
            else:
                keys = [k for k in keys if k["id"] != step["key_id"]]
            assert len(keys) <= 2
            assert any(k["status"] == "Active" for k in keys)
        deactivated = {s["key_id"] for s in planned["steps"] if s["action"] == "deactivate"}
        deleted = {s["key_id"] for s in planned["steps"] if s["action"] == "delete"}
        assert not deactivated & deleted
    assert made == 1 and len(keys) == 1 and keys[0]["status"] == "Active"


def test_describe_step():
    assert rot.describe_step({"action": "create", "key_id": None}, "bob", "ssm /x") == (
        "create a new access key for bob and deliver it to ssm /x"
    )
    assert rot.describe_step({"action": "deactivate", "key_id": OLD}, "bob") == "deactivate access key %s" % OLD


@pytest.mark.parametrize(
    "config, field",
    [
        ({"max_age_days": 0}, "max_age_days"),
        ({"max_age_days": "ninety"}, "max_age_days"),
        ({"max_age_days": 1.5}, "max_age_days"),
        ({"max_age_days": True}, "max_age_days"),
        ({"deactivate_after_days": -1}, "deactivate_after_days"),
        ({"delete_after_days": 10}, "delete_after_days"),
        ({"delete_after_days": 5, "deactivate_after_days": 5}, "delete_after_days"),
        ({"in_use_hours": -1}, "in_use_hours"),
        ({"force": "yes"}, "force"),
    ],
)
def test_bad_settings_name_the_variable(config, field):
    with pytest.raises(HardeningError) as info:
        rot.check_settings(config, prefix="key_rotation_")
    assert info.value.details["option"] == "key_rotation_" + field
    assert ("key_rotation_" + field) in info.value.msg


def test_settings_from_templates_are_numbers():
    assert rot.check_settings({"max_age_days": "60", "delete_after_days": None}) == dict(rot.DEFAULTS, max_age_days=60)
