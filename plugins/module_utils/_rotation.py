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

from ansible_collections.hardening.aws.plugins.module_utils import _delivery
from ansible_collections.hardening.aws.plugins.module_utils import _iam_access_key as access_keys
from ansible_collections.hardening.aws.plugins.module_utils import _iam_names
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec
from ansible_collections.hardening.aws.plugins.module_utils._offboard import parse_time

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
    for name, minimum in (("max_age_days", 1), ("deactivate_after_days", 0), ("delete_after_days", 1),
                          ("in_use_hours", 0)):
        value = config.get(name)
        out[name] = DEFAULTS[name] if value is None or value == "" else _whole(value, name, minimum, prefix)
    force = config.get("force", False)
    if not isinstance(force, bool):
        raise HardeningError("%sforce: %r is not a boolean" % (prefix, force), option=prefix + "force")
    out["force"] = force
    if out["delete_after_days"] <= out["deactivate_after_days"]:
        raise HardeningError(
            "%sdelete_after_days=%d must be more than %sdeactivate_after_days=%d: a key is deleted only after it "
            "has been Inactive for a while"
            % (prefix, out["delete_after_days"], prefix, out["deactivate_after_days"]),
            option=prefix + "delete_after_days",
        )
    return out


def _days_text(delta):
    days = delta.total_seconds() / 86400
    return "%d days" % int(days) if days >= 1 else "%d hours" % int(delta.total_seconds() // 3600)


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
        out.update(stage=stage, keys=[_record(k, s, n, now) for k, s, n in records], steps=list(steps),
                   report=list(report))
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
            return result(CURRENT, [(key, CURRENT, "due for rotation in %s" % _days_text(left))])
        return result(
            DUE,
            [(key, DUE, "%s old (max %d days): a partner key is created and delivered"
              % (_days_text(age), settings["max_age_days"]))],
            steps=[{"action": "create", "key_id": None}],
        )

    if len(active) == 1:  # one Active, one Inactive
        key, other = active[0], inactive[0]
        age = now - key["created"]
        if other["created"] > key["created"]:
            return result(
                ATTENTION,
                [(key, ATTENTION, "Active, older than the Inactive key"),
                 (other, ATTENTION, "Inactive, newer than the Active key")],
                report=["the newer key %s is Inactive and the older %s Active (a rotation rolled back?): "
                        "left for a person; delete the key that is not wanted" % (other["id"], key["id"])],
            )
        if age >= max_age:
            return result(
                DUE,
                [(other, DELETE, "Inactive, deleted first to make room for a partner key"),
                 (key, DUE, "%s old (max %d days): a partner key is created and delivered"
                  % (_days_text(age), settings["max_age_days"]))],
                steps=[{"action": "delete", "key_id": other["id"]}, {"action": "create", "key_id": None}],
            )
        # An Inactive key cannot be used: a recent last use means it was deactivated since.
        grace = delete_after - deactivate_after
        recently = other["used"] is not None and now - other["used"] < grace
        if age >= delete_after and not recently:
            return result(
                DELETE,
                [(other, DELETE, "Inactive and the new key is %s old (delete after %d days)"
                  % (_days_text(age), settings["delete_after_days"])),
                 (key, NEW, "Active, the rotated key")],
                steps=[{"action": "delete", "key_id": other["id"]}],
            )
        if recently and age >= delete_after:
            note = "Inactive, %s: deleted once that is %d days ago" % (
                _used_text(other, now), settings["delete_after_days"] - settings["deactivate_after_days"])
        else:
            note = "Inactive, deleted in %s" % _days_text(delete_after - age)
        return result(INACTIVE, [(other, INACTIVE, note), (key, NEW, "Active, the rotated key")])

    # Two Active keys: a rotation in progress when the newer one is younger than max_age
    # and was created when the older one was already due.
    old, new = active
    new_age = now - new["created"]
    in_flight = new_age < max_age and new["created"] - old["created"] >= max_age
    if not in_flight:
        return result(
            ATTENTION,
            [(old, ATTENTION, "Active, %s old, %s" % (_days_text(now - old["created"]), _used_text(old, now))),
             (new, ATTENTION, "Active, %s old, %s" % (_days_text(new_age), _used_text(new, now)))],
            report=["two active keys that are not a rotation in progress (CIS 1.13): left for a person; "
                    "deactivate the one no consumer uses"],
        )
    switched = new["used"] is not None and (old["used"] is None or old["used"] < new["used"])
    due = new_age >= deactivate_after or switched
    new_record = (new, NEW, "Active, the partner key, %s old, %s" % (_days_text(new_age), _used_text(new, now)))
    if not due:
        return result(
            OLD,
            [(old, OLD, "Active, set Inactive in %s or once only the new key is used"
              % _days_text(deactivate_after - new_age)), new_record],
        )
    why = ("the new key is %s old (deactivate after %d days)" % (_days_text(new_age), settings["deactivate_after_days"])
           if new_age >= deactivate_after else "the new key is used and the old one has not been since")
    recent = old["used"] is not None and now - old["used"] < in_use
    if recent and not settings["force"]:
        return result(
            IN_USE,
            [(old, IN_USE, "Active, %s: not deactivated (%s)" % (_used_text(old, now), why)), new_record],
            report=["old key %s was %s, although %s: a consumer still uses it; update it to read the new key, "
                    "or set force to deactivate anyway" % (old["id"], _used_text(old, now), why)],
        )
    note = "set Inactive: %s" % why
    if recent:
        note += "; %s, forced" % _used_text(old, now)
    return result(DEACTIVATE, [(old, DEACTIVATE, note), new_record],
                  steps=[{"action": "deactivate", "key_id": old["id"]}])


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


def _apply(aws, iam, params, steps):
    """Carry out the steps in order; returns the created_keys entries."""
    user_name = params["user_name"]
    created, done = [], []
    for step in steps:
        try:
            if step["action"] == "create":
                created.append(access_keys.create_and_deliver(aws, iam, params, "hardening.aws.iam_access_key_rotation"))
            elif step["action"] == "delete":
                iam.call("delete_access_key", resource="access key %s" % step["key_id"], UserName=user_name,
                         AccessKeyId=step["key_id"])
            else:
                iam.call("update_access_key", resource="access key %s" % step["key_id"], UserName=user_name,
                         AccessKeyId=step["key_id"], Status="Inactive")
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


def run(aws, params, check_mode, diff, now=None):
    """Take one user's access keys one stage further (see the module documentation)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    iam = aws.client("iam")
    user_name = params["user_name"]
    settings = check_settings(params)
    before = access_keys.read(iam, user_name, now)
    planned = plan(before, settings, now)
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
        created = _apply(aws, iam, params, steps)
        result["created_keys"] = created
        known = {k["id"]: k["last_used_date"] for k in before}
        known.update((c["id"], None) for c in created)
        after = [{"id": k["id"], "status": k["status"]}
                 for k in access_keys.read(iam, user_name, now, known_last_used=known)]
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
