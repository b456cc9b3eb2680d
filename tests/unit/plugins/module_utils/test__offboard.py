"""The offboard role's planner (plugins/module_utils/_offboard.py) and the disable plan
(plugins/module_utils/_iam_user_disable.py): table-driven, no AWS."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.hardening.aws.plugins.module_utils import _iam_user_disable as disable
from ansible_collections.hardening.aws.plugins.module_utils import _offboard
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError

NOW = "2026-06-01T00:00:00+00:00"
ACCOUNT = "123456789012"


def _offset(days):
    when = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc) - datetime.timedelta(days=days)
    return when.isoformat()


def _user(name, tags=None, created=400):
    return {
        "user_name": name,
        "arn": "arn:aws:iam::%s:user/%s" % (ACCOUNT, name),
        "create_date": _offset(created),
        "tags": dict(tags or {}),
    }


def _row(name, created=400, password=None, keys=()):
    """A credential report row: password = (last_used_days or None, set_days); keys = [(active, used, created)]."""
    row = {"user": name, "user_creation_time": _offset(created), "password_enabled": password is not None}
    if password is not None:
        used, changed = password
        row["password_last_used"] = _offset(used) if used is not None else None
        row["password_last_changed"] = _offset(changed)
    for slot in (1, 2):
        row["access_key_%d_active" % slot] = False
    for slot, (active, used, created_key) in enumerate(keys, start=1):
        row["access_key_%d_active" % slot] = active
        row["access_key_%d_last_used_date" % slot] = _offset(used) if used is not None else None
        row["access_key_%d_last_rotated" % slot] = _offset(created_key)
    return row


def _posture(users, rows=None):
    posture = {"users": {u["user_name"]: u for u in users}}
    if rows is not None:
        posture["credential_report"] = rows
    return posture


def _config(**kwargs):
    config = {"now": NOW, "caller_arn": "arn:aws:sts::%s:assumed-role/Admin/s" % ACCOUNT}
    config.update(kwargs)
    return config


def _names(plan):
    return [(c["user_name"], c["action"]) for c in plan["candidates"]]


# --- who is a candidate -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "row, inactive",
    [
        (_row("u", password=(3, 200)), False),  # console used 3 days ago
        (_row("u", password=(200, 300)), True),  # console used 200 days ago
        (_row("u", password=(None, 100)), True),  # console never used, set 100 days ago
        (_row("u", password=(None, 10)), False),  # never used, but set 10 days ago
        (_row("u", keys=[(True, None, 400), (True, 2, 130)]), False),  # ci-deploy: one key used 2 days ago
        (_row("u", keys=[(True, None, 400)]), True),  # a key never used, created 400 days ago
        (_row("u", keys=[(False, 1, 400)]), True),  # an inactive key used yesterday does not count
        (_row("u", password=(200, 300), keys=[(True, 1, 30)]), False),  # password idle but key used
        (_row("u", created=10), False),  # no credential, created 10 days ago
        (_row("u", created=100), True),  # no credential, created 100 days ago
        (_row("u", password=(45, 300)), True),  # exactly 45 days counts (CIS: 45 days or more)
        (_row("u", password=(44, 300)), False),
    ],
)
def test_inactivity_from_the_credential_report(row, inactive):
    plan = _offboard.plan(_posture([_user("u")], [row]), _config(inactive_days=45))
    assert bool(plan["candidates"]) is inactive
    if inactive:
        assert "offboard_inactive_days=45" in plan["candidates"][0]["reasons"][0]
        assert plan["candidates"][0]["inactive_only"] is True


def test_listed_users_and_absent_ones():
    plan = _offboard.plan(_posture([_user("dave"), _user("alice")]), _config(users=["dave", "ghost"], mode="delete"))
    assert _names(plan) == [("dave", "delete")]
    assert plan["candidates"][0]["reasons"] == [_offboard.LISTED]
    assert plan["absent"] == ["ghost"]


@pytest.mark.parametrize(
    "user, config, reason",
    [
        (_user("carol"), _config(protected_users=["carol"]), "listed in offboard_protected_users"),
        (_user("carol", {"hardening:protected": "True"}), _config(), "tagged hardening:protected=true"),
        (_user("carol"), _config(caller_arn="arn:aws:iam::%s:user/carol" % ACCOUNT), "the identity running"),
    ],
)
def test_protected_users_are_never_candidates(user, config, reason):
    config["users"] = ["carol"]
    plan = _offboard.plan(_posture([user]), config)
    assert plan["candidates"] == []
    assert reason in plan["protected"][0]["reason"]


@pytest.mark.parametrize("age, deleted", [(29, False), (30, True), (100, True)])
def test_grace_flow_deletes_users_disabled_long_enough(age, deleted):
    user = _user("erin", {disable.DISABLED_TAG: _offset(age)})
    plan = _offboard.plan(_posture([user]), _config(delete_after_days=30))
    assert _names(plan) == ([("erin", "delete")] if deleted else [])
    # Without the grace setting, a tag alone never deletes.
    assert _offboard.plan(_posture([user]), _config())["candidates"] == []


@pytest.mark.parametrize(
    "config, field",
    [
        (_config(mode="remove"), "offboard_mode"),
        (_config(inactive_days=0), "offboard_inactive_days"),
        (_config(inactive_days="soon"), "offboard_inactive_days"),
        (_config(delete_after_days=-1), "offboard_delete_after_days"),
        (_config(users=["bob smith"]), "offboard_users"),
    ],
)
def test_bad_settings_fail_naming_the_variable(config, field):
    with pytest.raises(HardeningError) as caught:
        _offboard.plan(_posture([_user("u")], []), config)
    assert field in caught.value.msg


@pytest.mark.parametrize("answer", ["leaver-dave\nold-bot", "  leaver-dave   old-bot  ", "leaver-dave old-bot\n"])
def test_a_survey_answer_string_lists_names_separated_by_white_space(answer):
    settings = _offboard.check_config(_config(users=answer, protected_users="ops-admin"))
    assert settings["users"] == ["leaver-dave", "old-bot"]
    assert settings["protected_users"] == ["ops-admin"]


def test_inactivity_needs_the_credential_report():
    with pytest.raises(HardeningError, match="credential report"):
        _offboard.plan(_posture([_user("u")]), _config(inactive_days=45))


# --- full records: SSH keys and service-specific credentials ------------------------------------


def _record(name="u", ssh=(), service=(), tags=None):
    return {
        "user_name": name,
        "tags": dict(tags or {}),
        "console_access": True,
        "groups": ["developers"],
        "managed_policies": [],
        "inline_policies": {},
        "access_keys": [{"access_key_id": "AKIAOLD", "status": "Active", "create_date": _offset(400)}],
        "signing_certificates": [],
        "ssh_public_keys": [
            {"ssh_public_key_id": "APKA%d" % i, "status": status, "upload_date": _offset(days)}
            for i, (status, days) in enumerate(ssh)
        ],
        "service_specific_credentials": [
            {"service_specific_credential_id": "ACCA%d" % i, "status": status, "create_date": _offset(days)}
            for i, (status, days) in enumerate(service)
        ],
        "mfa_devices": [{"serial_number": "arn:aws:iam::%s:mfa/u" % ACCOUNT, "enable_date": _offset(300)}],
    }


def _read(candidate, record, plan=None):
    return {"item": candidate, "user": record, "plan": plan if plan is not None else [{"action": "x"}]}


@pytest.mark.parametrize(
    "ssh, service, kept",
    [
        ((), (), False),
        ((("Active", 10),), (), True),  # an SSH key uploaded 10 days ago
        ((("Inactive", 10),), (), False),  # an inactive one cannot be used
        ((("Active", 100),), (), False),
        ((), (("Active", 5),), True),  # a service-specific credential created 5 days ago
    ],
)
def test_recent_ssh_keys_and_service_credentials_keep_an_inactive_user(ssh, service, kept):
    plan = _offboard.plan(_posture([_user("u")], [_row("u", password=(200, 300))]), _config(inactive_days=45))
    work = _offboard.work(
        plan, [_read(plan["candidates"][0], _record(ssh=ssh, service=service))], _config(inactive_days=45), ACCOUNT
    )
    assert bool(work["kept"]) is kept
    assert bool(work["users"]) is not kept


def test_listed_users_are_offboarded_whatever_their_credentials():
    config = _config(users=["u"], inactive_days=45)
    plan = _offboard.plan(_posture([_user("u")], [_row("u", password=(1, 300))]), config)
    work = _offboard.work(plan, [_read(plan["candidates"][0], _record(ssh=[("Active", 1)]))], config, ACCOUNT)
    assert [u["user_name"] for u in work["users"]] == ["u"]


def test_work_gives_delete_steps_in_iam_order_and_the_archive():
    config = _config(users=["u"], mode="delete")
    plan = _offboard.plan(_posture([_user("u")]), config)
    work = _offboard.work(plan, [_read(plan["candidates"][0], _record(ssh=[("Active", 1)]))], config, ACCOUNT)
    user = work["users"][0]
    actions = [s["action"] for s in user["steps"]]
    assert actions[0] == "delete_login_profile" and actions[-1] == "delete_user"
    assert actions.index("deactivate_mfa_device") < actions.index("delete_virtual_mfa_device")
    assert actions.index("delete_virtual_mfa_device") < actions.index("remove_from_group")
    assert user["archive"]["account_id"] == ACCOUNT and user["archive"]["user"]["groups"] == ["developers"]
    assert user["archive_force"] is True


def test_work_reports_gone_and_failed_users():
    config = _config(users=["a", "b"])
    plan = _offboard.plan(_posture([_user("a"), _user("b")]), config)
    reads = [
        _read(plan["candidates"][0], None, plan=[]),
        {"item": plan["candidates"][1], "failed": True, "msg": "AccessDenied"},
    ]
    work = _offboard.work(plan, reads, config, ACCOUNT)
    assert work["gone"] == ["a"] and work["failed"][0]["user_name"] == "b"
    summary = _offboard.summarise(plan, work, {}, ACCOUNT)
    assert summary["failed"] == ["b"] and "FAILED: b" in summary["lines"][0]


def test_summary_names_failed_archives_and_done_users():
    config = _config(users=["a", "b"])
    plan = _offboard.plan(_posture([_user("a"), _user("b")]), config)
    reads = [
        _read(c, _record(name=c["user_name"]), plan=[{"action": "delete_login_profile"}]) for c in plan["candidates"]
    ]
    work = _offboard.work(plan, reads, config, ACCOUNT)
    results = {
        "archive": [
            {"item": {"user_name": "a"}, "changed": True},
            {"item": {"user_name": "b"}, "failed": True, "msg": "Permission denied"},
        ],
        "disable": [{"item": {"user_name": "a"}, "changed": True}],
    }
    summary = _offboard.summarise(plan, work, results, ACCOUNT)
    assert summary["changed"] == ["a"] and summary["failed"] == ["b"]
    assert summary["lines"][0] == "account %s: offboarded a; FAILED: b" % ACCOUNT
    assert "archive not written, user not touched" in summary["lines"][2]
    check = _offboard.summarise(plan, work, {}, ACCOUNT, check_mode=True)
    assert check["lines"][0] == "account %s: would offboard a, b" % ACCOUNT
    assert "would disable (listed in offboard_users): delete_login_profile" in check["lines"][1]


# --- the disable plan ---------------------------------------------------------------------------


def test_disable_plan_then_nothing_to_do():
    record = _record(ssh=[("Active", 10)], service=[("Active", 5)])
    steps = disable.plan(record, "2026-06-01T00:00:00Z")
    assert [s["action"] for s in steps] == [
        "delete_login_profile",
        "deactivate_access_key",
        "deactivate_ssh_public_key",
        "deactivate_service_specific_credential",
        "put_revoke_policy",
        "tag_user",
    ]
    after = disable.planned_state(record, steps)
    assert disable.plan(after, "2026-07-01T00:00:00Z") == []
    assert after["inline_policies"][disable.REVOKE_POLICY_NAME]["Statement"][0]["Condition"] == {
        "DateLessThan": {"aws:TokenIssueTime": "2026-06-01T00:00:00Z"}
    }


def test_disable_keeps_the_first_time_and_redoes_a_reactivated_key():
    record = _record(tags={disable.DISABLED_TAG: "2026-01-01T00:00:00Z"})
    record["console_access"] = False
    record["inline_policies"] = {disable.REVOKE_POLICY_NAME: disable.revoke_document("2026-01-01T00:00:00Z")}
    assert disable.plan(record, "2026-06-01T00:00:00Z") == [
        {"action": "deactivate_access_key", "access_key_id": "AKIAOLD"}
    ]
    assert disable.plan(None, "2026-06-01T00:00:00Z") == []


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01T00:00:00Z"])
def test_disable_time_must_be_iso(text):
    with pytest.raises(HardeningError, match="disabled_at"):
        disable.validate({"name": "u", "revoke_policy_name": "p", "disabled_at": text})


# --- the module against moto (the lab's patches add service-specific credentials) ---------------


@pytest.fixture
def lab_patches(aws):
    from awslab import patches

    was_installed = patches.installed()
    patches.install()
    yield
    if not was_installed:
        patches.uninstall()


def test_disable_run_changes_then_converges(context, lab_patches):
    from moto.iam.models import iam_backends

    from awslab import iam_extras
    from awslab.seed import ssh_public_key_body

    backend = iam_backends[ACCOUNT]["aws"]
    backend.create_user("us-east-1", "leaver", "/", [])
    backend.create_login_profile("leaver", "Lab-Passw0rd-not-a-secret!")
    key = backend.create_access_key("leaver")
    backend.upload_ssh_public_key("leaver", ssh_public_key_body("leaver@example.com"))
    iam_extras.create_service_specific_credential(backend, "leaver", "codecommit.amazonaws.com")
    params = {"name": "leaver", "disabled_at": "2026-06-01T00:00:00Z", "revoke_policy_name": disable.REVOKE_POLICY_NAME}

    check = disable.run(context(), params, check_mode=True, diff=True)
    assert check["changed"] and check["user"]["console_access"] is True
    assert check["diff"]["after"]["console_access"] is False
    assert disable.read(context().client("iam"), "leaver")["console_access"] is True  # nothing changed

    done = disable.run(context(), params, check_mode=False, diff=False)
    assert done["changed"] and done["disabled_at"] == "2026-06-01T00:00:00Z"
    assert [k["access_key_id"] for k in done["user"]["access_keys"]] == [key.access_key_id]
    after = disable.read(context().client("iam"), "leaver")
    assert after["console_access"] is False and after["tags"] == {disable.DISABLED_TAG: "2026-06-01T00:00:00Z"}
    assert {
        c["status"] for kind in ("access_keys", "ssh_public_keys", "service_specific_credentials") for c in after[kind]
    } == {"Inactive"}
    condition = after["inline_policies"][disable.REVOKE_POLICY_NAME]["Statement"][0]["Condition"]
    assert condition == {"DateLessThan": {"aws:TokenIssueTime": "2026-06-01T00:00:00Z"}}

    # A later run keeps the first disable time and changes nothing.
    again = disable.run(context(), dict(params, disabled_at=None), check_mode=False, diff=False)
    assert not again["changed"] and again["disabled_at"] == "2026-06-01T00:00:00Z"
    gone = disable.run(context(), dict(params, name="nobody"), check_mode=False, diff=True)
    assert gone == {
        "changed": False,
        "user": None,
        "plan": [],
        "disabled_at": None,
        "diff": {"before": {"state": "absent"}, "after": {"state": "absent"}},
    }
