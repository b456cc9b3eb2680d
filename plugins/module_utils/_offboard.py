# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who the offboard role disables or deletes in one account, and what it did (pure).

Three steps, each a filter of the role (plugins/filter/offboard.py):

* :func:`plan` picks candidates from one bulk read of the account (iam_posture_info:
  users with tags, the credential report): users listed by name, users whose console
  password and access keys have all gone unused for ``inactive_days``, users disabled
  by an earlier run at least ``delete_after_days`` ago. Protected users (listed, tagged
  ``hardening:protected=true``, or the identity running the play) are set aside.
* :func:`work` takes the full record of each candidate (iam_user_disable in check mode)
  and drops users kept alive by an SSH key or a service-specific credential newer than
  the threshold: the API gives those no last-used date, so their upload or creation
  date counts. It returns, per user, the steps and the archive record.
* :func:`summarise` turns the registered results into lines a person reads and the list
  of users that failed.
"""

from __future__ import annotations

import datetime

from ansible_collections.hardening.aws.plugins.module_utils import _iam_names
from ansible_collections.hardening.aws.plugins.module_utils import _iam_user as user_utils
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError, parse_time
from ansible_collections.hardening.aws.plugins.module_utils._iam_user_disable import DISABLED_TAG

PROTECTED_TAG = "hardening:protected"
MODES = ("disable", "delete")
LISTED = "listed in offboard_users"


def _fail(field, message):
    raise HardeningError("offboard_%s: %s" % (field, message), option="offboard_" + field)


def _now(config):
    given = config.get("now")
    if given:
        now = parse_time(given)
        if now is None:
            _fail("now", "%r is not an ISO 8601 time" % (given,))
        return now
    return datetime.datetime.now(datetime.timezone.utc)


def _days(value, now):
    when = parse_time(value)
    if when is None:
        return None
    return max(int((now - when).total_seconds() // 86400), 0)


def _optional_int(config, key, minimum):
    value = config.get(key)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        _fail(key, "%r is not a whole number of days" % (value,))
    if isinstance(value, bool) or number < minimum:
        _fail(key, "%r is out of range: it must be %d or more, or null for off" % (value, minimum))
    return number


def _names(value):
    """A list of user names. One string (an AWX survey's text or textarea answer) holds names
    separated by white space or new lines, which IAM names never contain."""
    if isinstance(value, str):
        return value.split()
    return list(value or [])


def check_config(config):
    """The settings, checked and normalised; fails naming the variable before any change."""
    mode = config.get("mode") or "disable"
    if mode not in MODES:
        _fail("mode", "%r is not one of %s" % (mode, ", ".join(MODES)))
    users = _names(config.get("users"))
    _iam_names.check_names("user", users, "offboard_users")
    protected = _names(config.get("protected_users"))
    _iam_names.check_names("user", protected, "offboard_protected_users")
    return {
        "mode": mode,
        "users": users,
        "protected_users": protected,
        "inactive_days": _optional_int(config, "inactive_days", 1),
        "delete_after_days": _optional_int(config, "delete_after_days", 0),
        "caller_arn": config.get("caller_arn") or "",
        "now": _now(config),
    }


# --- inactivity -------------------------------------------------------------------------


def last_activity(record, user_created):
    """(when, what): the latest use of the console password or an active access key from a
    credential report row; a credential never used counts from its creation, a user
    without either from its own creation."""
    found = []
    if record.get("password_enabled") is True:
        used = record.get("password_last_used")
        created = record.get("password_last_changed") or record.get("user_creation_time") or user_created
        found.append((parse_time(used or created), "console password %s" % ("last used" if used else "set")))
    for slot in (1, 2):
        if record.get("access_key_%d_active" % slot) is True:
            used = record.get("access_key_%d_last_used_date" % slot)
            created = record.get("access_key_%d_last_rotated" % slot)
            found.append((parse_time(used or created), "access key %d %s" % (slot, "last used" if used else "created")))
    if not found:
        return parse_time(record.get("user_creation_time") or user_created), "user created (no credential)"
    known = [item for item in found if item[0] is not None]
    if len(known) < len(found):
        return None, "a credential date is unknown"
    return max(known, key=lambda item: item[0])


def _protected(name, state, settings):
    if name in settings["protected_users"]:
        return "protected: listed in offboard_protected_users"
    if str(state.get("tags", {}).get(PROTECTED_TAG, "")).lower() == "true":
        return "protected: tagged %s=true" % PROTECTED_TAG
    if state.get("arn") and state["arn"] == settings["caller_arn"]:
        return "protected: the identity running the playbook"
    return None


def plan(posture, config):
    """Candidates of one account: ``{candidates, protected, absent, notes}``.

    Each candidate has ``user_name``, ``action`` (disable or delete), ``reasons`` and
    ``inactive_only`` (true when inactivity is the only reason, so newer SSH keys or
    service-specific credentials can still save it)."""
    settings = check_config(config)
    now = settings["now"]
    users = posture.get("users") or {}
    report = {r.get("user"): r for r in posture.get("credential_report") or ()}
    inactive_days = settings["inactive_days"]
    grace = settings["delete_after_days"]
    candidates, protected, notes = [], [], []
    if inactive_days is not None and "credential_report" not in posture:
        _fail("inactive_days", "needs the credential report: read the account with gather credential_report")
    for name in sorted(users):
        state = users[name]
        reasons, action = [], settings["mode"]
        if name in settings["users"]:
            reasons.append(LISTED)
        inactive = False
        if inactive_days is not None:
            record = report.get(name)
            if record is None:
                notes.append("user %s is not in the credential report yet: inactivity not judged" % name)
            else:
                when, what = last_activity(record, state.get("create_date"))
                idle = _days(when, now) if when is not None else None
                if idle is not None and idle >= inactive_days:
                    inactive = True
                    reasons.append(
                        "no console password or access key used for %d days (%s %s; offboard_inactive_days=%d, "
                        "CIS 1.12)" % (idle, what, when.strftime("%Y-%m-%d"), inactive_days)
                    )
        disabled_at = (state.get("tags") or {}).get(DISABLED_TAG)
        if grace is not None and disabled_at:
            age = _days(disabled_at, now)
            if age is not None and age >= grace:
                action = "delete"
                reasons.append(
                    "disabled at %s, %d days ago (offboard_delete_after_days=%d)" % (disabled_at, age, grace)
                )
        if not reasons:
            continue
        why = _protected(name, state, settings)
        if why:
            protected.append({"user_name": name, "reason": why, "reasons": reasons})
            continue
        candidates.append(
            {
                "user_name": name,
                "action": action,
                "reasons": reasons,
                "inactive_only": inactive and len(reasons) == 1,
            }
        )
    absent = [name for name in settings["users"] if name not in users]
    return {"candidates": candidates, "protected": protected, "absent": absent, "notes": notes}


# --- the full records of the candidates ----------------------------------------------------


def _recent_credentials(record, days, now):
    """Active SSH keys and service-specific credentials uploaded or created less than ``days`` ago."""
    recent = []
    for key in record.get("ssh_public_keys") or ():
        age = _days(key.get("upload_date"), now)
        if key.get("status") == "Active" and (age is None or age < days):
            recent.append("SSH public key %s uploaded %s days ago" % (key["ssh_public_key_id"], age))
    for cred in record.get("service_specific_credentials") or ():
        age = _days(cred.get("create_date"), now)
        if cred.get("status") == "Active" and (age is None or age < days):
            recent.append(
                "service-specific credential %s created %s days ago" % (cred["service_specific_credential_id"], age)
            )
    return recent


def delete_steps(record):
    """The steps of hardening.aws.iam_user state=absent for a full record (for the plan shown)."""
    adapted = dict(record)
    adapted["mfa_devices"] = [d["serial_number"] for d in record.get("mfa_devices") or ()]
    return user_utils.plan_absent(adapted)


def work(plan_result, reads, config, account_id):
    """Per candidate, from its registered iam_user_disable check-mode result: ``{users, kept,
    gone, failed}``. Each of ``users`` has ``user_name``, ``action``, ``reasons``, ``steps``
    (empty: nothing to do), ``archive`` (the record to write) and ``archive_force`` (false for
    a user an earlier run disabled: the first archive, made before that, is kept)."""
    settings = check_config(config)
    now = settings["now"]
    by_name = {c["user_name"]: c for c in plan_result.get("candidates") or ()}
    users, kept, gone, failed = [], [], [], []
    for result in reads or ():
        candidate = by_name.get((result.get("item") or {}).get("user_name"))
        if candidate is None:
            continue
        name = candidate["user_name"]
        if result.get("failed") or "plan" not in result:
            failed.append({"user_name": name, "msg": "could not read the user: %s" % result.get("msg", "no result")})
            continue
        record = result.get("user")
        if record is None:
            gone.append(name)
            continue
        if candidate["inactive_only"]:
            recent = _recent_credentials(record, settings["inactive_days"], now)
            if recent:
                kept.append({"user_name": name, "reason": "kept: " + "; ".join(recent)})
                continue
        steps = delete_steps(record) if candidate["action"] == "delete" else list(result.get("plan") or [])
        users.append(
            {
                "user_name": name,
                "action": candidate["action"],
                "reasons": candidate["reasons"],
                "steps": steps,
                "archive_force": DISABLED_TAG not in (record.get("tags") or {}),
                "archive": {
                    "account_id": str(account_id),
                    "user_name": name,
                    "archived_at": now.replace(microsecond=0).isoformat(),
                    "action": candidate["action"],
                    "reasons": candidate["reasons"],
                    "user": record,
                },
            }
        )
    return {"users": users, "kept": kept, "gone": gone, "failed": failed}


# --- the summary ----------------------------------------------------------------------------


def _describe(step):
    ids = [str(v) for k, v in sorted(step.items()) if k != "action" and not isinstance(v, (dict, list, bool))]
    return " ".join([step["action"]] + ids)


def _failures(results, what):
    out = {}
    for result in results or ():
        if result.get("failed"):
            name = (result.get("item") or {}).get("user_name")
            out[name] = "%s: %s" % (what, result.get("msg", "failed"))
    return out


def summarise(plan_result, work_result, results, account_id, check_mode=False):
    """``{changed, failed, lines}`` of one account. ``results`` holds the registered loop
    results ``archive``, ``disable`` and ``delete`` (each a list of results with ``item``)."""
    failed = {f["user_name"]: f["msg"] for f in work_result.get("failed") or ()}
    archive_failed = _failures(results.get("archive"), "archive not written, user not touched")
    failed.update(archive_failed)
    failed.update(_failures(results.get("disable"), "disable failed"))
    failed.update(_failures(results.get("delete"), "delete failed"))
    done = {}
    for kind in ("disable", "delete"):
        for result in results.get(kind) or ():
            name = (result.get("item") or {}).get("user_name")
            if not result.get("failed") and result.get("changed"):
                done[name] = kind
    would = "would " if check_mode else ""
    past = {"disable": "disabled", "delete": "deleted"}
    lines, changed = [], []
    for user in work_result.get("users") or ():
        name = user["user_name"]
        why = "; ".join(user["reasons"])
        if name in failed:
            lines.append("account %s: user %s: FAILED (%s): %s" % (account_id, name, why, failed[name]))
        elif not user["steps"]:
            lines.append("account %s: user %s: already %s (%s)" % (account_id, name, past[user["action"]], why))
        elif check_mode or name in done:
            changed.append(name)
            verb = user["action"] if check_mode else past[user["action"]]
            lines.append(
                "account %s: user %s: %s%s (%s): %s"
                % (account_id, name, would, verb, why, ", ".join(_describe(s) for s in user["steps"]))
            )
    listed = {user["user_name"] for user in work_result.get("users") or ()}
    for name in sorted(set(failed) - listed):
        lines.append("account %s: user %s: FAILED: %s" % (account_id, name, failed[name]))
    for item in plan_result.get("protected") or ():
        lines.append("account %s: user %s: %s, not touched" % (account_id, item["user_name"], item["reason"]))
    for item in work_result.get("kept") or ():
        lines.append("account %s: user %s: %s" % (account_id, item["user_name"], item["reason"]))
    for name in list(plan_result.get("absent") or ()) + list(work_result.get("gone") or ()):
        lines.append("account %s: user %s: not in the account, nothing to do" % (account_id, name))
    head = "account %s: %s" % (
        account_id,
        ("%s %s" % ("would offboard" if check_mode else "offboarded", ", ".join(changed)))
        if changed
        else "nothing to offboard",
    )
    if failed:
        head += "; FAILED: %s" % ", ".join(sorted(failed))
    return {
        "changed": changed,
        "failed": sorted(failed),
        "lines": [head] + lines + ["account %s: %s" % (account_id, n) for n in plan_result.get("notes") or ()],
    }
