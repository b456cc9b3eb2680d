# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A virtual MFA device for an IAM user, created, enabled and handed over without a
person and a phone (module iam_virtual_mfa_device).

For break-glass and shared service identities that must have MFA: the module
creates the device, computes the two consecutive codes IAM wants from the seed
(_totp, RFC 6238), enables it, and delivers the seed to Secrets Manager (or SSM)
so it never passes through Ansible's output. If the delivery fails, the device is
deactivated and deleted again: a device whose seed nobody holds locks the user out.
"""

from __future__ import annotations

import copy

from ansible_collections.hardening.aws.plugins.module_utils import _delivery, _totp
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsError, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._iam_credential_report_info import iso_utc
from ansible_collections.hardening.aws.plugins.module_utils._iam_names import check_name, check_path
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

DEFAULT_SECRET_PREFIX = "hardening/mfa-seeds"  # noqa: S105 - a location, not a secret
STORE_LABELS = {"secretsmanager": "Secrets Manager secret", "ssm": "SSM SecureString parameter"}

_DELIVERY = copy.deepcopy(_delivery.DELIVERY_ARGUMENT_SPEC)
_DELIVERY["store"]["default"] = "secretsmanager"

ARGUMENT_SPEC = dict(
    user_name=dict(type="str", required=True, aliases=["user"]),
    name=dict(type="str", aliases=["device_name"]),
    path=dict(type="str", default="/"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    **_DELIVERY,
)


# --- validation ---------------------------------------------------------------------


def default_secret_name(store, user_name):
    """Where the seed goes when secret_name is not set (None for store=none)."""
    return _delivery.default_secret_name(DEFAULT_SECRET_PREFIX, store, user_name)


def validate(params):
    """Every name checked against its rule before any AWS call."""
    check_name("user", params.get("user_name"), "user_name")
    if params.get("name") is not None:
        check_name("mfa_device", params["name"], "name")
    check_path(params.get("path"), "path")
    if params.get("state") == "absent":
        return
    store = params.get("store", "secretsmanager")
    _delivery.validate(params, default_secret_name(store, params["user_name"]), "MFA seed")


# --- pure planning ------------------------------------------------------------------


def is_virtual(serial):
    """Virtual MFA serials are ARNs of the form arn:<partition>:iam::<account>:mfa/<path><name>;
    hardware TOTP tokens have a plain serial, FIDO keys a ...:u2f/... ARN."""
    return serial.startswith("arn:") and ":mfa/" in serial


def label(serial):
    """A device as the diff shows it: ``mfa/<path><name>`` for a virtual device, else its serial."""
    if is_virtual(serial):
        return serial.split(":", 5)[5]
    return serial


def device_name_of(serial):
    """The device name part of a virtual MFA serial."""
    return serial.rsplit("/", 1)[-1]


def device_name(params):
    """The device name: the option, else the user's name."""
    return params.get("name") or params["user_name"]


def planned_label(params):
    return "mfa%s%s" % (params.get("path") or "/", device_name(params))


def plan(devices, params):
    """The steps (dicts) that bring the user to ``state``; empty when there is nothing to do.

    present: nothing when the user has any MFA device already (a person's own device
    included), else create, enable and deliver. absent: deactivate, then delete, each
    virtual device of the user (only the one named ``name`` when it is set); hardware and
    FIDO devices are left alone.
    """
    if params["state"] == "present":
        if devices:
            return []
        store = params.get("store", "secretsmanager")
        steps = [
            {"action": "create", "device": planned_label(params)},
            {"action": "enable", "device": planned_label(params), "user_name": params["user_name"]},
        ]
        if store == "none":
            steps.append({"action": "return_seed"})
        else:
            name = params.get("secret_name") or default_secret_name(store, params["user_name"])
            steps.append({"action": "deliver", "store": store, "secret_name": name})
        return steps
    steps = []
    for device in devices:
        serial = device["serial_number"]
        if not is_virtual(serial):
            continue
        if params.get("name") and device_name_of(serial) != params["name"]:
            continue
        steps.append({"action": "deactivate", "serial_number": serial, "user_name": params["user_name"]})
        steps.append({"action": "delete", "serial_number": serial})
    return steps


def describe(step):
    """A step as one line of the returned plan."""
    action = step["action"]
    if action == "create":
        return "create virtual MFA device %s" % step["device"]
    if action == "enable":
        return "enable %s for user %s with two consecutive TOTP codes from its seed" % (
            step["device"],
            step["user_name"],
        )
    if action == "deliver":
        return "deliver the seed to %s %s" % (STORE_LABELS[step["store"]], step["secret_name"])
    if action == "return_seed":
        return "return the seed in this task's result (store=none)"
    if action == "deactivate":
        return "deactivate MFA device %s of user %s" % (step["serial_number"], step["user_name"])
    if action == "delete":
        return "delete virtual MFA device %s" % step["serial_number"]
    if action == "delete_orphan":
        return "delete unassigned virtual MFA device %s left from an earlier attempt" % step["serial_number"]
    raise ValueError(action)


def diff_state(user_name, labels):
    return {"user_name": user_name, "mfa_devices": sorted(labels)}


# --- reading ------------------------------------------------------------------------


def read(iam, user_name):
    """The user's MFA devices [{serial_number, enable_date, virtual}], or None if there is no such user."""
    answer = iam.paginate(
        "list_mfa_devices", resource="MFA devices of user %s" % user_name, ignore=("NoSuchEntity",), UserName=user_name
    )
    if answer is None:
        return None
    return [
        {
            "serial_number": d["SerialNumber"],
            "enable_date": iso_utc(d.get("EnableDate")),
            "virtual": is_virtual(d["SerialNumber"]),
        }
        for d in answer.get("MFADevices", [])
    ]


# --- applying -----------------------------------------------------------------------


def _create(iam, name, path, done):
    """CreateVirtualMFADevice; an unassigned device of the same name left by an earlier,
    interrupted attempt is useless (its seed is gone) and is replaced."""
    resource = "virtual MFA device %s%s" % (path, name)
    try:
        return iam.call(
            "create_virtual_mfa_device", resource=resource, answer=True, VirtualMFADeviceName=name, Path=path
        )
    except AwsError as exc:  # AlreadyDone too: the device an attempt made has a seed nobody got
        if exc.code != "EntityAlreadyExists":
            raise
    unassigned = iam.paginate(
        "list_virtual_mfa_devices", resource="unassigned virtual MFA devices", AssignmentStatus="Unassigned"
    ).get("VirtualMFADevices", [])
    wanted = ":mfa%s%s" % (path, name)
    orphan = next((d["SerialNumber"] for d in unassigned if d["SerialNumber"].endswith(wanted)), None)
    if orphan is None:
        raise HardeningError(
            "a virtual MFA device named %s%s already exists in this account and is assigned to another user; "
            "choose another name" % (path, name),
            option="name",
        )
    iam.call("delete_virtual_mfa_device", resource="virtual MFA device %s" % orphan, SerialNumber=orphan)
    done.append(describe({"action": "delete_orphan", "serial_number": orphan}))
    return iam.call("create_virtual_mfa_device", resource=resource, answer=True, VirtualMFADeviceName=name, Path=path)


def _undo(iam, user_name, serial, enabled):
    """Remove a device this task made; returns the error text if that fails too."""
    try:
        if enabled:
            iam.call(
                "deactivate_mfa_device", resource="MFA device %s" % serial, UserName=user_name, SerialNumber=serial
            )
        iam.call("delete_virtual_mfa_device", resource="virtual MFA device %s" % serial, SerialNumber=serial)
    except HardeningError as exc:
        return exc.msg
    return None


def _rollback_failed(what, exc, serial, undo_error):
    if undo_error is None:
        return HardeningError(
            "%s: %s. The new device %s was removed again; the user is as before." % (what, exc.msg, serial),
            **exc.details,
        )
    return HardeningError(
        "%s: %s. Removing the new device %s failed as well (%s): deactivate and delete it by hand."
        % (what, exc.msg, serial, undo_error),
        serial_number=serial,
        **exc.details,
    )


def seed_record(user_name, serial, seed):
    """What is delivered: the seed and what an authenticator needs besides it."""
    return {
        "user_name": user_name,
        "serial_number": serial,
        "seed": seed,
        "type": "totp",
        "algorithm": "SHA1",
        "digits": _totp.DIGITS,
        "period": _totp.STEP,
    }


def create_and_enable(aws, iam, params, done):
    """Create, enable and deliver; returns (delivery, seed). On any failure after the
    device exists, it is removed again before the error is raised."""
    user_name = params["user_name"]
    name = device_name(params)
    path = params.get("path") or "/"
    created = _create(iam, name, path, done)["VirtualMFADevice"]
    serial = created["SerialNumber"]
    seed = created["Base32StringSeed"]
    seed = seed.decode("ascii") if isinstance(seed, bytes) else seed
    done.append(describe({"action": "create", "device": label(serial)}))

    try:
        first, second = _totp.consecutive_codes(seed)
        iam.call(
            "enable_mfa_device",
            resource="MFA device %s of user %s" % (serial, user_name),
            UserName=user_name,
            SerialNumber=serial,
            AuthenticationCode1=first,
            AuthenticationCode2=second,
        )
    except (HardeningError, ValueError) as exc:
        failure = exc if isinstance(exc, HardeningError) else HardeningError("the device's seed: %s" % exc)
        undo_error = _undo(iam, user_name, serial, False)
        raise _rollback_failed("enabling the new MFA device failed", failure, serial, undo_error) from None
    done.append(describe({"action": "enable", "device": label(serial), "user_name": user_name}))

    store = params.get("store", "secretsmanager")
    if store == "none":
        done.append(describe({"action": "return_seed"}))
        return None, seed
    secret_name = params.get("secret_name") or default_secret_name(store, user_name)
    try:
        delivery = _delivery.deliver(
            aws,
            store,
            secret_name,
            seed_record(user_name, serial, seed),
            "TOTP seed of the virtual MFA device of IAM user %s (hardening.aws)" % user_name,
            kms_key_id=params.get("kms_key_id"),
        )
    except HardeningError as exc:
        raise _rollback_failed(
            "delivering the seed to %s %s failed" % (STORE_LABELS[store], secret_name),
            exc,
            serial,
            _undo(iam, user_name, serial, True),
        ) from None
    done.append(describe({"action": "deliver", "store": store, "secret_name": secret_name}))
    return delivery, None


def remove(iam, steps, done):
    for step in steps:
        serial = step["serial_number"]
        if step["action"] == "deactivate":
            iam.call(
                "deactivate_mfa_device",
                resource="MFA device %s of user %s" % (serial, step["user_name"]),
                UserName=step["user_name"],
                SerialNumber=serial,
            )
        else:
            iam.call("delete_virtual_mfa_device", resource="virtual MFA device %s" % serial, SerialNumber=serial)
        done.append(describe(step))


def run(aws, params, check_mode, diff):
    """Converge the user's virtual MFA device (see module documentation)."""
    iam = aws.client("iam")
    user_name = params["user_name"]
    devices = read(iam, user_name)
    if devices is None:
        if params["state"] == "present":
            raise HardeningError(
                "user_name %r: there is no such IAM user in this account" % user_name, option="user_name"
            )
        devices = []
    steps = plan(devices, params)
    before = [label(d["serial_number"]) for d in devices]
    result = {"changed": bool(steps), "user_name": user_name, "mfa_devices": devices}
    if not steps or check_mode:
        result["plan"] = [describe(s) for s in steps]
        if diff:
            result["diff"] = {
                "before": diff_state(user_name, before),
                "after": diff_state(user_name, _after(before, steps)),
            }
        return result

    done = []
    if params["state"] == "present":
        delivery, seed = create_and_enable(aws, iam, params, done)
        if delivery is not None:
            result["delivery"] = delivery
        if seed is not None:
            result["seed"] = seed
    else:
        remove(iam, steps, done)
    result["plan"] = done
    result["mfa_devices"] = read(iam, user_name) or []
    if diff:
        after = [label(d["serial_number"]) for d in result["mfa_devices"]]
        result["diff"] = {"before": diff_state(user_name, before), "after": diff_state(user_name, after)}
    return result


def _after(before, steps):
    """The device labels the steps lead to (for the check-mode diff)."""
    after = list(before)
    for step in steps:
        if step["action"] == "create":
            after.append(step["device"])
        elif step["action"] == "delete" and label(step["serial_number"]) in after:
            after.remove(label(step["serial_number"]))
    return after


MODULE_SPEC = ModuleSpec("iam_virtual_mfa_device", ARGUMENT_SPEC, run, validate=validate)
