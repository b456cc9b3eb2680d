# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Staged access-key rotation (issue 6): what to do with one user's keys, from what AWS records (pure).

Nothing is remembered between runs: the stage of every key follows from its status,
CreateDate and last-used date, and ``now``. So an interrupted run, or two runs at once,
cannot lose state; the module re-plans from the live keys at task time.

The rules (docs/rotation.md, docs/design/key-rotation.md):

1. A user whose only key is Active and at least ``max_age_days`` old gets a partner key.
   When the user has two keys and the older one is Inactive, that one is deleted first.
2. The partner is delivered before anything else happens (module side).
3. The old key is set Inactive once the partner is ``deactivate_after_days`` old, or sooner
   when the partner has been used and the old key has not been used since. An old key used
   in the last ``in_use_hours`` is not deactivated but reported, unless ``force``.
4. An Inactive old key is deleted once the partner is ``delete_after_days`` old. Never in
   the run that deactivated it: only a key Inactive at the start of the run is deleted.

Two Active keys that are not a rotation in progress (the newer key younger than
``max_age_days`` and created when the older one was already due) are reported and left for
a person; so is a newer Inactive key next to an older Active one. Never more than two keys,
never zero active keys for a user who had one.
"""

from __future__ import annotations

import copy
import datetime

from ansible_collections.hardening.aws.plugins.module_utils import _delivery, _iam_names
from ansible_collections.hardening.aws.plugins.module_utils import _iam_access_key as access_keys
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError, parse_time
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

DEFAULTS = {
    "max_age_days": 90,
    "deactivate_after_days": 10,
    "delete_after_days": 20,
    "in_use_hours": 24,
    "force": False,
}
DAY = datetime.timedelta(days=1)

# Stage of one key.
CURRENT = "current"  # the only active key, younger than max_age_days
DUE = "due"  # the only active key, max_age_days or older: a partner is created
NEW = "new"  # the partner key of a rotation in progress
OLD = "old"  # the old key, still Active, its deactivation not due yet
IN_USE = "in_use"  # the old key's deactivation is due but it was used in the last in_use_hours
DEACTIVATE = "deactivate"  # the old key is set Inactive (this run)
INACTIVE = "inactive"  # the old key is Inactive, its deletion not due yet
DELETE = "delete"  # the Inactive old key is deleted (this run)
ATTENTION = "attention"  # left for a person (see the report)
IDLE = "idle"  # an Inactive key of a user without an active key: not rotated


def _whole(value, name, minimum, prefix):
    if isinstance(value, bool):
        raise HardeningError("%s%s: %r is not a whole number" % (prefix, name, value), option=prefix + name)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise HardeningError("%s%s: %r is not a whole number" % (prefix, name, value), option=prefix + name) from None
    if number != value and str(number) != str(value).strip():
        raise HardeningError("%s%s: %r is not a whole number" % (prefix, name, value), option=prefix + name)
    if number < minimum:
        raise HardeningError(
            "%s%s=%d is out of range: it must be %d or more" % (prefix, name, number, minimum), option=prefix + name
        )
    return number


def check_settings(config, prefix=""):
    """The thresholds, checked and normalised (``prefix`` names the variables in messages)."""
    out = {}
    for name, minimum in (
        ("max_age_days", 1),
        ("deactivate_after_days", 0),
        ("delete_after_days", 1),
        ("in_use_hours", 0),
    ):
        value = config.get(name)
        out[name] = DEFAULTS[name] if value is None or value == "" else _whole(value, name, minimum, prefix)
    force = config.get("force", False)
    if not isinstance(force, bool):
        raise HardeningError("%sforce: %r is not a boolean" % (prefix, force), option=prefix + "force")
    out["force"] = force
    if out["delete_after_days"] <= out["deactivate_after_days"]:
        raise HardeningError(
            "%sdelete_after_days=%d must be more than %sdeactivate_after_days=%d: a key is deleted only after it "
            "has been Inactive for a while" % (prefix, out["delete_after_days"], prefix, out["deactivate_after_days"]),
            option=prefix + "delete_after_days",
        )
    return out


def _plural(number, unit):
    return "%d %s%s" % (number, unit, "" if number == 1 else "s")


def _days_text(delta):
    """A past duration, rounded down: '120 days', '5 hours'."""
    seconds = delta.total_seconds()
    if seconds >= 86400:
        return _plural(int(seconds // 86400), "day")
    return _plural(int(seconds // 3600), "hour")


def _in_days(delta):
    """A duration still to wait, rounded up: 'in 8 days', 'in 3 hours'."""
    seconds = max(delta.total_seconds(), 0)
    if seconds > 86400:
        return "in " + _plural(-int(-seconds // 86400), "day")
    return "in " + _plural(max(-int(-seconds // 3600), 1), "hour")


def _key(raw, now):
    created = parse_time(raw.get("create_date"))
    used = parse_time(raw.get("last_used_date"))
    # A date in the future (clock skew between AWS and the controller) counts as now.
    if created is not None and created > now:
        created = now
    if used is not None and used > now:
        used = now
    return {
        "id": raw.get("id"),
        "status": raw.get("status"),
        "created": created,
        "used": used,
    }


def _record(key, stage, note, now):
    return {
        "id": key["id"],
        "status": key["status"],
        "create_date": key["created"].isoformat() if key["created"] else None,
        "last_used_date": key["used"].isoformat() if key["used"] else None,
        "age_days": int((now - key["created"]).total_seconds() // 86400) if key["created"] else None,
        "stage": stage,
        "note": note,
    }


def _used_text(key, now):
    return "used %s ago" % _days_text(now - key["used"]) if key["used"] else "never used"


def plan(keys, settings, now):
    """What to do with one user's keys.

    ``keys``: dicts with ``id``, ``status`` (Active / Inactive), ``create_date`` and
    ``last_used_date`` (datetimes or ISO 8601; null: never used). ``settings``: from
    :func:`check_settings`. Returns ``{stage, keys, steps, report}``: ``keys`` each with
    its ``stage`` and a ``note``; ``steps`` ordered ``{"action": create|delete|deactivate,
    "key_id": id or None}``; ``report`` what a person should look at (empty when nothing).
    """
    max_age = settings["max_age_days"] * DAY
    deactivate_after = settings["deactivate_after_days"] * DAY
    delete_after = settings["delete_after_days"] * DAY
    in_use = datetime.timedelta(hours=settings["in_use_hours"])
    parsed = sorted((_key(k, now) for k in keys or ()), key=lambda k: (k["created"] or now, k["id"] or ""))
    active = [k for k in parsed if k["status"] == "Active"]
    inactive = [k for k in parsed if k["status"] != "Active"]
    out = {"stage": CURRENT, "keys": [], "steps": [], "report": []}

    def result(stage, records, steps=(), report=()):
        out.update(
            stage=stage, keys=[_record(k, s, n, now) for k, s, n in records], steps=list(steps), report=list(report)
        )
        return out

    if not parsed:
        return result(CURRENT, [])
    unknown = [k for k in parsed if k["created"] is None or k["status"] not in ("Active", "Inactive")]
    if unknown or len(parsed) > 2:
        why = "a key without a creation date or status" if unknown else "more than two keys"
        return result(
            ATTENTION,
            [(k, ATTENTION, why) for k in parsed],
            report=["%s: not rotated, look at the keys" % why],
        )
    if not active:
        return result(
            IDLE,
            [(k, IDLE, "Inactive; the user has no active key, nothing is rotated") for k in parsed],
        )

    if len(active) == 1 and not inactive:
        key = active[0]
        age = now - key["created"]
        if age < max_age:
            left = max_age - age
            return result(CURRENT, [(key, CURRENT, "due for rotation %s" % _in_days(left))])
        return result(
            DUE,
            [
                (
                    key,
                    DUE,
                    "%s old (max %d days): a partner key is created and delivered"
                    % (_days_text(age), settings["max_age_days"]),
                )
            ],
            steps=[{"action": "create", "key_id": None}],
        )

    if len(active) == 1:  # one Active, one Inactive
        key, other = active[0], inactive[0]
        age = now - key["created"]
        if other["created"] > key["created"]:
            return result(
                ATTENTION,
                [
                    (key, ATTENTION, "Active, older than the Inactive key"),
                    (other, ATTENTION, "Inactive, newer than the Active key"),
                ],
                report=[
                    "the newer key %s is Inactive and the older %s Active (a rotation rolled back?): "
                    "left for a person; delete the key that is not wanted" % (other["id"], key["id"])
                ],
            )
        if age >= max_age:
            return result(
                DUE,
                [
                    (other, DELETE, "Inactive, deleted first to make room for a partner key"),
                    (
                        key,
                        DUE,
                        "%s old (max %d days): a partner key is created and delivered"
                        % (_days_text(age), settings["max_age_days"]),
                    ),
                ],
                steps=[{"action": "delete", "key_id": other["id"]}, {"action": "create", "key_id": None}],
            )
        # An Inactive key cannot be used: a recent last use means it was deactivated since.
        grace = delete_after - deactivate_after
        recently = other["used"] is not None and now - other["used"] < grace
        if age >= delete_after and not recently:
            return result(
                DELETE,
                [
                    (
                        other,
                        DELETE,
                        "Inactive and the new key is %s old (delete after %d days)"
                        % (_days_text(age), settings["delete_after_days"]),
                    ),
                    (key, NEW, "Active, the rotated key"),
                ],
                steps=[{"action": "delete", "key_id": other["id"]}],
            )
        if recently and age >= delete_after:
            note = "Inactive, %s: deleted once that is %d days ago" % (
                _used_text(other, now),
                settings["delete_after_days"] - settings["deactivate_after_days"],
            )
        else:
            note = "Inactive, deleted %s" % _in_days(delete_after - age)
        return result(INACTIVE, [(other, INACTIVE, note), (key, NEW, "Active, the rotated key")])

    # Two Active keys: a rotation in progress when the newer one is younger than max_age
    # and was created when the older one was already due.
    old, new = active
    new_age = now - new["created"]
    in_flight = new_age < max_age and new["created"] - old["created"] >= max_age
    if not in_flight:
        return result(
            ATTENTION,
            [
                (old, ATTENTION, "Active, %s old, %s" % (_days_text(now - old["created"]), _used_text(old, now))),
                (new, ATTENTION, "Active, %s old, %s" % (_days_text(new_age), _used_text(new, now))),
            ],
            report=[
                "two active keys that are not a rotation in progress (CIS 1.13): left for a person; "
                "deactivate the one no consumer uses"
            ],
        )
    switched = new["used"] is not None and (old["used"] is None or old["used"] < new["used"])
    due = new_age >= deactivate_after or switched
    new_record = (new, NEW, "Active, the partner key, %s old, %s" % (_days_text(new_age), _used_text(new, now)))
    if not due:
        return result(
            OLD,
            [
                (
                    old,
                    OLD,
                    "Active, set Inactive %s or once only the new key is used" % _in_days(deactivate_after - new_age),
                ),
                new_record,
            ],
        )
    why = (
        "the new key is %s old (deactivate after %d days)" % (_days_text(new_age), settings["deactivate_after_days"])
        if new_age >= deactivate_after
        else "the new key is used and the old one has not been since"
    )
    recent = old["used"] is not None and now - old["used"] < in_use
    if recent and not settings["force"]:
        return result(
            IN_USE,
            [(old, IN_USE, "Active, %s: not deactivated (%s)" % (_used_text(old, now), why)), new_record],
            report=[
                "old key %s was %s, although %s: a consumer still uses it; update it to read the new key, "
                "or use force to deactivate anyway" % (old["id"], _used_text(old, now), why)
            ],
        )
    note = "set Inactive: %s" % why
    if recent:
        note += "; %s, forced" % _used_text(old, now)
    return result(
        DEACTIVATE, [(old, DEACTIVATE, note), new_record], steps=[{"action": "deactivate", "key_id": old["id"]}]
    )


def describe_step(step, user_name, where=None):
    """One step as a sentence (no secret)."""
    if step["action"] == "create":
        return "create a new access key for %s%s" % (user_name, (" and deliver it to %s" % where) if where else "")
    if step["action"] == "deactivate":
        return "deactivate access key %s" % step["key_id"]
    return "delete access key %s" % step["key_id"]


# --- the module hardening.aws.iam_access_key_rotation -------------------------------------

ARGUMENT_SPEC = dict(
    user_name=dict(type="str", required=True, aliases=["user", "username"]),
    max_age_days=dict(type="int", default=DEFAULTS["max_age_days"]),
    deactivate_after_days=dict(type="int", default=DEFAULTS["deactivate_after_days"]),
    delete_after_days=dict(type="int", default=DEFAULTS["delete_after_days"]),
    in_use_hours=dict(type="int", default=DEFAULTS["in_use_hours"]),
    force=dict(type="bool", default=False),
)
ARGUMENT_SPEC.update(copy.deepcopy(_delivery.DELIVERY_ARGUMENT_SPEC))
# A rotated key's secret goes to a store unless the task asks for it (and sets no_log).
ARGUMENT_SPEC["store"]["default"] = "secretsmanager"


def validate(params):
    """Reject bad input before any AWS call."""
    _iam_names.check_name("user", params.get("user_name"), "user_name")
    check_settings(params)
    _delivery.validate(
        params, access_keys.default_secret_name(params.get("store"), params["user_name"]), "secret access key"
    )


def _where(params):
    store = params.get("store") or "none"
    if store == "none":
        return "the task result"
    return "%s %s" % (store, access_keys.secret_name(params))


def _apply(aws, iam, params, steps, known_ids=()):
    """Carry out the steps in order; returns the created_keys entries. ``known_ids`` are the
    user's keys read before planning: a create that had to be retried deletes any other key
    an attempt of it made (its secret never arrived)."""
    user_name = params["user_name"]
    created, done = [], []
    known = set(known_ids)
    for step in steps:
        try:
            if step["action"] == "create":
                entry = access_keys.create_and_deliver(
                    aws, iam, params, "hardening.aws.iam_access_key_rotation", known_ids=known
                )
                known.add(entry["id"])
                created.append(entry)
            elif step["action"] == "delete":
                known.discard(step["key_id"])
                iam.call(
                    "delete_access_key",
                    resource="access key %s" % step["key_id"],
                    UserName=user_name,
                    AccessKeyId=step["key_id"],
                )
            else:
                iam.call(
                    "update_access_key",
                    resource="access key %s" % step["key_id"],
                    UserName=user_name,
                    AccessKeyId=step["key_id"],
                    Status="Inactive",
                )
        except HardeningError as exc:
            if done:
                exc.msg = "%s (done before the failure: %s)" % (exc.msg, "; ".join(done))
            raise
        done.append(describe_step(step, user_name))
    return created


def _diff_state(keys):
    return {"keys": [{"id": k["id"], "status": k["status"]} for k in keys]}


def _planned_after(keys, steps):
    after = []
    for key in keys:
        actions = {s["action"] for s in steps if s["key_id"] == key["id"]}
        if "delete" in actions:
            continue
        after.append({"id": key["id"], "status": "Inactive" if "deactivate" in actions else key["status"]})
    after += [{"id": None, "status": "Active"} for s in steps if s["action"] == "create"]
    return after


def _replace_undelivered(aws, params, planned, before):
    """A partner key in flight that was never used and whose store was not written since it was
    made never reached its consumers (a run stopped between CreateAccessKey and the delivery):
    it is deleted and a new partner created and delivered in its place. Without that the old key
    would be retired while the only other key's secret is known to nobody."""
    store = params.get("store") or "none"
    if store == "none" or planned["stage"] not in (OLD, IN_USE, DEACTIVATE):
        return
    partner = next((k for k in planned["keys"] if k["stage"] == NEW), None)
    record = next((k for k in before if partner and k["id"] == partner["id"]), None)
    if record is None or record.get("last_used_date"):
        return  # used: a consumer has it
    written = parse_time(_delivery.last_written(aws, store, access_keys.secret_name(params)))
    created = parse_time(record.get("create_date"))
    # Stores and IAM round their times differently: a few seconds of slack (rotations are days apart).
    if written is not None and created is not None and written >= created - datetime.timedelta(seconds=5):
        return
    planned["stage"] = DUE
    for key in planned["keys"]:
        if key["id"] == partner["id"]:
            key["stage"] = DELETE
            key["note"] = "never delivered (the store was not written since it was made): replaced"
        else:
            key["stage"] = DUE
    planned["steps"] = [{"action": "delete", "key_id": partner["id"]}, {"action": "create", "key_id": None}]
    planned["report"] = planned["report"] + [
        "partner key %s was never delivered to %s (a run stopped half-way?): it is replaced by a new, delivered key"
        % (partner["id"], _where(params))
    ]


def run(aws, params, check_mode, diff, now=None):
    """Take one user's access keys one stage further (see the module documentation)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    iam = aws.client("iam")
    user_name = params["user_name"]
    settings = check_settings(params)
    before = access_keys.read(iam, user_name, now)
    planned = plan(before, settings, now)
    _replace_undelivered(aws, params, planned, before)
    steps = planned["steps"]
    where = _where(params)
    result = {
        "changed": bool(steps),
        "user_name": user_name,
        "stage": planned["stage"],
        "keys": planned["keys"],
        "steps": steps,
        "actions": [describe_step(s, user_name, where) for s in steps],
        "report": planned["report"],
    }
    after = _planned_after(before, steps)
    if steps and not check_mode:
        created = _apply(aws, iam, params, steps, known_ids=[k["id"] for k in before])
        result["created_keys"] = created
        known = {k["id"]: k["last_used_date"] for k in before}
        known.update((c["id"], None) for c in created)
        after = [
            {"id": k["id"], "status": k["status"]} for k in access_keys.read(iam, user_name, now, known_last_used=known)
        ]
    if diff:
        result["diff"] = {"before": _diff_state(before), "after": {"keys": after}}
    return result


MODULE_SPEC = ModuleSpec(
    "iam_access_key_rotation",
    ARGUMENT_SPEC,
    run,
    validate=validate,
    requires_no_log=lambda params: (params.get("store") or "none") == "none",
)


# --- the role key_rotation: which users get a module task, and the summary (filters) -------

PROTECTED_TAG = "hardening:protected"
USER_PLACEHOLDER = "{user}"
WAITING = (CURRENT, IDLE)  # report stages that need no module task


def _role_fail(field, message):
    raise HardeningError("key_rotation_%s: %s" % (field, message), option="key_rotation_" + field)


def secret_name_for(template, store, user_name):
    """The secret or parameter name of one user: ``template`` with ``{user}`` replaced, or
    ``template`` taken as a prefix (``<prefix>/<user>``); None for the module's default."""
    if not template or store == "none":
        return None
    if USER_PLACEHOLDER in template:
        return template.replace(USER_PLACEHOLDER, user_name)
    return _delivery.default_secret_name(template, store, user_name)


def check_role_config(config):
    """The role's settings, checked before any change; fails naming the variable."""
    settings = check_settings(config, prefix="key_rotation_")
    users = list(config.get("users") or [])
    _iam_names.check_names("user", users, "key_rotation_users")
    protected = list(config.get("protected_users") or [])
    _iam_names.check_names("user", protected, "key_rotation_protected_users")
    tags = config.get("tags") or {}
    if not isinstance(tags, dict):
        _role_fail("tags", "%r is not a mapping of tag keys to values" % (tags,))
    path_prefix = config.get("path_prefix") or "/"
    if not str(path_prefix).startswith("/"):
        _role_fail("path_prefix", "%r is not an IAM path prefix: it starts with /" % (path_prefix,))
    store = config.get("store") or "secretsmanager"
    if store not in _delivery.STORES:
        _role_fail("store", "%r is not one of %s" % (store, ", ".join(_delivery.STORES)))
    template = config.get("secret_name") or None
    if template and store != "none":
        problem = _delivery.secret_name_problem(store, secret_name_for(template, store, "user"))
        if problem:
            _role_fail("secret_name", "%r does not give a valid name for store=%s: %s" % (template, store, problem))
    kms_key_id = config.get("kms_key_id") or None
    if kms_key_id and store != "none" and not _delivery.is_kms_key_id(kms_key_id):
        _role_fail("kms_key_id", "%r is not a KMS key id, key ARN, alias name (alias/...) or alias ARN" % (kms_key_id,))
    now = parse_time(config.get("now")) if config.get("now") else datetime.datetime.now(datetime.timezone.utc)
    if now is None:
        _role_fail("now", "%r is not an ISO 8601 time" % (config.get("now"),))
    settings.update(
        users=users,
        protected_users=protected,
        tags={str(k): str(v) for k, v in tags.items()},
        path_prefix=str(path_prefix),
        store=store,
        secret_name=template,
        caller_arn=config.get("caller_arn") or "",
        now=now,
    )
    return settings


def report_keys(record):
    """A user's keys as the credential report shows them (no ids: ``access_key_1`` / ``_2``)."""
    keys = []
    for slot in (1, 2):
        created = record.get("access_key_%d_last_rotated" % slot)
        if created is None:
            continue
        keys.append(
            {
                "id": "access_key_%d" % slot,
                "status": "Active" if record.get("access_key_%d_active" % slot) is True else "Inactive",
                "create_date": created,
                "last_used_date": record.get("access_key_%d_last_used_date" % slot),
            }
        )
    return keys


def _protected(name, state, settings):
    if name in settings["protected_users"]:
        return "protected: listed in key_rotation_protected_users"
    if str((state.get("tags") or {}).get(PROTECTED_TAG, "")).lower() == "true":
        return "protected: tagged %s=true" % PROTECTED_TAG
    if state.get("arn") and state["arn"] == settings["caller_arn"]:
        return "protected: the identity running the playbook"
    return None


def _selected(name, state, settings):
    if settings["users"] and name not in settings["users"]:
        return False
    if not (state.get("path") or "/").startswith(settings["path_prefix"]):
        return False
    tags = state.get("tags") or {}
    return all(tags.get(k) == v for k, v in settings["tags"].items())


def select(posture, config):
    """Users of one account whose keys may need a step, from one iam_posture_info snapshot
    (users with paths and tags, the credential report). A user whose report shows one young
    active key and nothing else (or no active key) gets no module task.

    Returns ``{candidates, current, protected, absent, notes}``; each candidate has
    ``user_name``, ``stage`` (as the report shows it) and ``secret_name`` (null: the module's
    default); ``current`` lists ``{user_name, stage, age_days}``."""
    settings = check_role_config(config)
    now = settings["now"]
    users = posture.get("users") or {}
    if "credential_report" not in posture:
        _role_fail("users", "the account snapshot needs the credential report (gather credential_report)")
    report = {r.get("user"): r for r in posture.get("credential_report") or ()}
    candidates, current, protected, notes = [], [], [], []
    for name in sorted(users):
        state = users[name]
        if not _selected(name, state, settings):
            continue
        record = report.get(name)
        if record is None:
            notes.append("user %s is not in the credential report yet: looked at on the next run" % name)
            continue
        keys = report_keys(record)
        if not keys:
            continue
        planned = plan(keys, settings, now)
        if planned["stage"] in WAITING:
            ages = [k["age_days"] for k in planned["keys"] if k["status"] == "Active"]
            current.append({"user_name": name, "stage": planned["stage"], "age_days": max(ages) if ages else None})
            continue
        why = _protected(name, state, settings)
        if why:
            protected.append({"user_name": name, "reason": why, "stage": planned["stage"]})
            continue
        candidates.append(
            {
                "user_name": name,
                "stage": planned["stage"],
                "secret_name": secret_name_for(settings["secret_name"], settings["store"], name),
            }
        )
    absent = [name for name in settings["users"] if name not in users]
    return {"candidates": candidates, "current": current, "protected": protected, "absent": absent, "notes": notes}


def _key_text(key):
    used = ("used %s" % key["last_used_date"][:10]) if key.get("last_used_date") else "never used"
    return "%s %s %sd %s (%s: %s)" % (key["id"], key["status"], key["age_days"], used, key["stage"], key["note"])


def _current_text(item):
    if item["stage"] == CURRENT:
        return "%s (%sd)" % (item["user_name"], item["age_days"])
    return "%s (no active key)" % item["user_name"]


def summarise(results, selection, account_id, check_mode=False):
    """``{changed, failed, attention, lines}`` of one account from the registered results of
    the module task (one per candidate, with ``item``). No secret is read from the results."""
    account = "account %s" % account_id
    lines, changed, failed, attention = [], [], [], []
    for result in results or ():
        name = (result.get("item") or {}).get("user_name")
        if result.get("skipped"):
            continue
        if result.get("failed"):
            failed.append(name)
            lines.append("%s: user %s: FAILED: %s" % (account, name, result.get("msg", "failed")))
            continue
        keys = "; ".join(_key_text(k) for k in result.get("keys") or ())
        actions = result.get("actions") or []
        if actions:
            changed.append(name)
            done = ("would " if check_mode else "done: ") + ", ".join(actions)
        else:
            done = "nothing to do now"
        lines.append("%s: user %s: %s: %s | keys: %s" % (account, name, result.get("stage"), done, keys))
        for item in result.get("report") or ():
            attention.append(name)
            lines.append("%s: user %s: NEEDS A PERSON: %s" % (account, name, item))
    current = selection.get("current") or []
    if current:
        lines.append(
            "%s: no step due (one key younger than the maximum age, or no active key): %s"
            % (account, ", ".join(_current_text(c) for c in current))
        )
    for item in selection.get("protected") or ():
        lines.append("%s: user %s: %s, not rotated (%s)" % (account, item["user_name"], item["reason"], item["stage"]))
    for name in selection.get("absent") or ():
        lines.append("%s: user %s: not in the account, nothing to do" % (account, name))
    head = "%s: %s" % (
        account,
        "%s %s" % ("would rotate" if check_mode else "rotated", ", ".join(changed)) if changed else "nothing to rotate",
    )
    if attention:
        head += "; needs a person: %s" % ", ".join(sorted(set(attention)))
    if failed:
        head += "; FAILED: %s" % ", ".join(sorted(failed))
    notes = ["%s: %s" % (account, n) for n in selection.get("notes") or ()]
    return {
        "changed": changed,
        "failed": sorted(failed),
        "attention": sorted(set(attention)),
        "lines": [head] + lines + notes,
    }
