# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access keys of an IAM user: read, plan, apply (module iam_access_key).

Two ways to use it. With ``id`` it acts on one key: activate, deactivate, delete.
Without, ``active_keys: N`` makes sure the user has at least N active keys and
creates only the missing ones, so a re-run creates nothing. Nothing is ever deleted
or deactivated implicitly: that needs the key's id.

A new secret leaves the module only once: delivered to Secrets Manager or an SSM
SecureString parameter (``store``), or, with ``store: none``, in the result of the
task that created it. When delivery fails the new key is deleted at once, so no key
exists whose secret nobody has.
"""

from __future__ import annotations

import copy
import datetime
import re

from ansible_collections.hardening.aws.plugins.module_utils import _delivery
from ansible_collections.hardening.aws.plugins.module_utils import _iam_names as names
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

MAX_KEYS = 2  # AWS's limit of access keys per IAM user, active or not
ACCESS_KEY_ID = re.compile(r"(AKIA|ASIA)[A-Z0-9]{16}")
DEFAULT_STORE_PREFIX = "hardening/access-keys"  # where the secret is stored, not a secret

ARGUMENT_SPEC = dict(
    user_name=dict(type="str", required=True, aliases=["user", "username"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    id=dict(type="str", aliases=["access_key_id"], no_log=False),
    active=dict(type="bool", aliases=["enabled"]),
    active_keys=dict(type="int", choices=[0, 1, 2], no_log=False),
    never_used=dict(type="bool"),
    min_age_days=dict(type="int", default=7),
)
ARGUMENT_SPEC.update(copy.deepcopy(_delivery.DELIVERY_ARGUMENT_SPEC))


def default_secret_name(store, user_name):
    """hardening/access-keys/<user>; SSM wants a hierarchy to start with a slash."""
    return _delivery.default_secret_name(DEFAULT_STORE_PREFIX, store, user_name)


def secret_name(params):
    """Where the new secret goes: the option, or the default for the store."""
    return params.get("secret_name") or default_secret_name(params.get("store"), params["user_name"])


def validate(params):
    """Reject what AWS (or common sense about secrets) would refuse, before any AWS call."""
    names.check_name("user", params.get("user_name"), "user_name")
    key_id = params.get("id")
    if key_id is not None and not ACCESS_KEY_ID.fullmatch(key_id):
        raise HardeningError(
            "id %r is not a valid access key id: it must be AKIA or ASIA followed by 16 uppercase letters or digits"
            % key_id,
            option="id",
        )
    if params.get("never_used") and (params.get("state") != "absent" or key_id is not None):
        raise HardeningError(
            "never_used selects the keys to delete: use it with state=absent and without id", option="never_used"
        )
    if params.get("min_age_days") is not None and params["min_age_days"] < 0:
        raise HardeningError("min_age_days=%d is out of range: it must be 0 or more" % params["min_age_days"],
                             option="min_age_days")
    if params.get("state") == "absent" and params.get("active") is not None:
        raise HardeningError("active applies to state=present only: state=absent deletes the key", option="active")
    if key_id is not None and (params.get("store") or "none") != "none":
        raise HardeningError(
            "store applies to keys created with active_keys; a key named by id already has its secret", option="store"
        )
    _delivery.validate(params, default_secret_name(params.get("store"), params["user_name"]), "secret access key")


# --- reading ------------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def age_days(create_date, now):
    """Whole days between ``create_date`` (a datetime) and ``now``."""
    if not isinstance(create_date, datetime.datetime):
        return None
    if create_date.tzinfo is None:
        create_date = create_date.replace(tzinfo=datetime.timezone.utc)
    return max(int((now - create_date).total_seconds() // 86400), 0)


def key_record(metadata, last_used, now):
    """Our form of one ListAccessKeys entry (never a secret)."""
    return {
        "id": metadata["AccessKeyId"],
        "status": metadata["Status"],
        "create_date": _iso(metadata.get("CreateDate")),
        "last_used_date": _iso(last_used),
        "age_days": age_days(metadata.get("CreateDate"), now),
    }


def _list(iam, user_name):
    answer = iam.paginate(
        "list_access_keys", resource="IAM user %s" % user_name, ignore=("NoSuchEntity",), UserName=user_name
    )
    if answer is None:
        raise HardeningError("user_name: IAM user %r does not exist" % user_name, option="user_name")
    return answer.get("AccessKeyMetadata", [])


def read(iam, user_name, now, known_last_used=None):
    """The user's keys, oldest first. Last-used dates come from ``known_last_used``
    ({id: date}) when given there, else from one GetAccessKeyLastUsed per key."""
    known = known_last_used or {}
    keys = []
    for metadata in _list(iam, user_name):
        key_id = metadata["AccessKeyId"]
        if key_id in known:
            last_used = known[key_id]
        else:
            answer = iam.call("get_access_key_last_used", resource="access key %s" % key_id, AccessKeyId=key_id)
            last_used = (answer.get("AccessKeyLastUsed") or {}).get("LastUsedDate")
        keys.append(key_record(metadata, last_used, now))
    keys.sort(key=lambda k: (k["create_date"] or "", k["id"]))
    return keys


# --- planning (pure) ------------------------------------------------------------------


def describe(keys):
    """'AKIA... (Active, 30 days old), ...' for messages."""
    if not keys:
        return "none"
    return ", ".join("%s (%s, %s days old)" % (k["id"], k["status"], k["age_days"]) for k in keys)


def never_used_keys(keys, min_age_days):
    """Keys AWS has never seen used, at least ``min_age_days`` old (CIS 1.11), of a user
    none of whose keys was ever used: a user with a used key next to a new one is in the
    middle of a rotation, and its new key is waiting for its consumer."""
    if any(k["last_used_date"] for k in keys):
        return []
    return [k for k in keys if k["age_days"] is not None and k["age_days"] >= min_age_days]


def plan(keys, params):
    """The steps that bring the user's keys where ``params`` want them, in order:
    ("create", None), ("activate", id), ("deactivate", id), ("delete", id).
    Raises when the wish cannot be met without breaking a rule (before any change)."""
    user_name = params["user_name"]
    key_id = params.get("id")
    if params.get("never_used"):
        return [("delete", k["id"]) for k in never_used_keys(keys, params["min_age_days"])]
    if key_id:
        key = next((k for k in keys if k["id"] == key_id), None)
        if params["state"] == "absent":
            return [("delete", key_id)] if key else []
        if key is None:
            raise HardeningError(
                "id: access key %s is not a key of IAM user %r; its keys: %s" % (key_id, user_name, describe(keys)),
                option="id",
                keys=keys,
            )
        if params.get("active") is None:
            return []
        wanted = "Active" if params["active"] else "Inactive"
        if key["status"] == wanted:
            return []
        return [("activate" if params["active"] else "deactivate", key_id)]

    wanted = params["active_keys"]
    active = [k for k in keys if k["status"] == "Active"]
    missing = wanted - len(active)
    if missing <= 0:
        return []
    if len(keys) + missing > MAX_KEYS:
        raise HardeningError(
            "active_keys=%d: IAM user %r has %d active key(s) and %d key(s) in all; creating %d more would exceed "
            "AWS's limit of %d keys per user. Its keys: %s. Delete a key by id first."
            % (wanted, user_name, len(active), len(keys), missing, MAX_KEYS, describe(keys)),
            option="active_keys",
            keys=keys,
        )
    if missing > 1 and params.get("store", "none") != "none":
        raise HardeningError(
            "active_keys=%d would create %d keys at once, but secret %r holds one key: create them one at a time "
            "with a different secret_name each (active_keys: 1, then active_keys: 2)"
            % (wanted, missing, secret_name(params)),
            option="active_keys",
        )
    return [("create", None)] * missing


def planned_keys(keys, steps):
    """The keys as they will be after ``steps`` (new keys are not known yet and left out)."""
    out = []
    for key in keys:
        if ("delete", key["id"]) in steps:
            continue
        planned = dict(key)
        if ("activate", key["id"]) in steps:
            planned["status"] = "Active"
        elif ("deactivate", key["id"]) in steps:
            planned["status"] = "Inactive"
        out.append(planned)
    return out


def describe_step(step, user_name):
    action, key_id = step
    if action == "create":
        return "create an access key for %s" % user_name
    return "%s access key %s" % (action, key_id)


# --- applying -------------------------------------------------------------------------


def _scrub(text, secret):
    return text.replace(secret, "********") if secret else text


def _create(aws, iam, params, known_ids=None):
    """Create one key and hand its secret over; returns the created_keys entry."""
    return create_and_deliver(aws, iam, params, "hardening.aws.iam_access_key", known_ids)


def _orphans(iam, user_name, known_ids, keep=None):
    """Delete the user's keys that are neither known (read before the create) nor ``keep``:
    keys an attempt of CreateAccessKey made but whose answer, and secret, never arrived.
    Returns the ids deleted."""
    listed = iam.call("list_access_keys", resource="IAM user %s" % user_name, UserName=user_name)
    deleted = []
    for key in listed.get("AccessKeyMetadata", []):
        key_id = key["AccessKeyId"]
        if key_id not in known_ids and key_id != keep:
            iam.call("delete_access_key", resource="access key %s" % key_id, UserName=user_name, AccessKeyId=key_id)
            deleted.append(key_id)
    return deleted


def _create_key(iam, user_name, known_ids):
    """CreateAccessKey, safe against lost answers: when it had to be retried (or failed) and
    the user's keys were read before (``known_ids``), keys made by an attempt whose answer was
    lost are deleted, since nobody has their secret."""
    resource = "IAM user %s" % user_name
    try:
        answer = iam.call("create_access_key", resource=resource, UserName=user_name)
    except HardeningError as exc:
        # Only a request sent more than once can have made a key nobody heard of. A single
        # attempt refused (LimitExceeded because another run made a key meanwhile) made nothing,
        # and the other run's key must stay.
        if known_ids is None or not getattr(exc, "retried", False):
            raise
        removed = _orphans(iam, user_name, known_ids)
        if getattr(exc, "code", None) != "LimitExceeded" or not removed:
            raise
        # The retry hit the two-key limit because the lost attempt made a key: now it is gone.
        answer = iam.call("create_access_key", resource=resource, UserName=user_name)
    created = answer["AccessKey"]
    if known_ids is not None and answer.get("ResponseMetadata", {}).get("RetryAttempts"):
        _orphans(iam, user_name, known_ids, keep=created["AccessKeyId"])
    return created


def create_and_deliver(aws, iam, params, written_by, known_ids=None):
    """Create one key for ``params["user_name"]`` and deliver its secret as ``params`` say
    (store, secret_name, kms_key_id); when delivery fails the key is deleted again and
    HardeningError says so. Returns the created_keys entry (the secret only with store=none).
    ``known_ids``, the ids of the user's keys read before, lets a retried create clean up
    after itself (see :func:`_create_key`)."""
    user_name = params["user_name"]
    created = _create_key(iam, user_name, None if known_ids is None else set(known_ids))
    key_id, secret = created["AccessKeyId"], created["SecretAccessKey"]
    entry = {"id": key_id, "user_name": user_name, "create_date": _iso(created.get("CreateDate"))}
    store = params.get("store") or "none"
    if store == "none":
        entry["secret_access_key"] = secret
        return entry
    name = secret_name(params)
    value = {
        "AccessKeyId": key_id,
        "SecretAccessKey": secret,
        "UserName": user_name,
        "CreateDate": entry["create_date"],
    }
    try:
        entry["delivered_to"] = _delivery.deliver(
            aws,
            store,
            name,
            value,
            "Access key of IAM user %s, written by %s" % (user_name, written_by),
            kms_key_id=params.get("kms_key_id"),
        )
    except Exception as exc:  # noqa: BLE001  pylint: disable=broad-exception-caught
        # Whatever went wrong, a key whose secret reached nobody must not stay behind.
        message = exc.msg if isinstance(exc, HardeningError) else "%s: %s" % (type(exc).__name__, exc)
        details = exc.details if isinstance(exc, HardeningError) else {}
        rollback = _roll_back(iam, user_name, key_id)
        raise HardeningError(
            "delivering new access key %s of IAM user %r to %s %r failed: %s; %s"
            % (key_id, user_name, store, name, _scrub(message, secret), rollback),
            error=details.get("error"),
        ) from None
    return entry


def _roll_back(iam, user_name, key_id):
    """Delete a key whose secret could not be delivered; say what happened."""
    try:
        iam.call("delete_access_key", resource="access key %s" % key_id, UserName=user_name, AccessKeyId=key_id)
    except HardeningError as exc:
        return (
            "deleting the new key again failed too (%s): access key %s still exists and nobody has its secret, "
            "delete it by hand" % (exc.msg, key_id)
        )
    return "the new key was deleted again, so nothing changed"


def _apply(aws, iam, params, steps, known_ids=None):
    user_name = params["user_name"]
    created = []
    known = set(known_ids or ())
    try:
        for action, key_id in steps:
            if action == "create":
                entry = _create(aws, iam, params, known if known_ids is not None else None)
                known.add(entry["id"])
                created.append(entry)
            elif action == "delete":
                known.discard(key_id)
                iam.call("delete_access_key", resource="access key %s" % key_id, UserName=user_name, AccessKeyId=key_id)
            else:
                iam.call(
                    "update_access_key",
                    resource="access key %s" % key_id,
                    UserName=user_name,
                    AccessKeyId=key_id,
                    Status="Active" if action == "activate" else "Inactive",
                )
    except Exception as exc:  # noqa: BLE001  pylint: disable=broad-exception-caught
        # A key created earlier in this run whose secret only this process holds would be
        # lost with the failure: delete it rather than leave a key nobody can use.
        undelivered = [c for c in created if "secret_access_key" in c]
        if not undelivered:
            raise
        message = exc.msg if isinstance(exc, HardeningError) else "%s: %s" % (type(exc).__name__, exc)
        details = exc.details if isinstance(exc, HardeningError) else {}
        for entry in undelivered:
            message = _scrub(message, entry["secret_access_key"])
        notes = "; ".join("new access key %s: %s" % (c["id"], _roll_back(iam, user_name, c["id"])) for c in undelivered)
        raise HardeningError("%s; %s" % (message, notes), **details) from None
    return created


def _diff_state(keys, pending=0):
    listed = [{"id": k["id"], "status": k["status"]} for k in keys]
    listed += [{"id": None, "status": "Active"} for _i in range(pending)]
    return {"keys": listed}


def run(aws, params, check_mode, diff, now=None):
    """Converge the access keys of one IAM user (see module documentation)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    iam = aws.client("iam")
    user_name = params["user_name"]
    before = read(iam, user_name, now)
    steps = plan(before, params)
    pending = sum(1 for action, _k in steps if action == "create")
    result = {"changed": bool(steps), "user_name": user_name, "actions": [describe_step(s, user_name) for s in steps]}
    if check_mode or not steps:
        after = planned_keys(before, steps)
    else:
        created = _apply(aws, iam, params, steps, known_ids=[k["id"] for k in before])
        if created:
            result["created_keys"] = created
        pending = 0
        # Dates already read are reused and a key made a moment ago was never used:
        # the re-read is one ListAccessKeys.
        known = {k["id"]: k["last_used_date"] for k in before}
        known.update((c["id"], None) for c in created)
        after = read(iam, user_name, now, known_last_used=known)
    result["keys"] = after
    if diff:
        result["diff"] = {"before": _diff_state(before), "after": _diff_state(after, pending)}
    return result


MODULE_SPEC = ModuleSpec(
    "iam_access_key",
    ARGUMENT_SPEC,
    run,
    validate=validate,
    mutually_exclusive=[("id", "active_keys"), ("never_used", "active_keys")],
    required_one_of=[("id", "active_keys", "never_used")],
    required_if=[("state", "absent", ("id", "never_used"), True)],
    required_by={"active": ("id",)},
)
