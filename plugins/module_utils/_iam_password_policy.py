# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The account password policy: read, plan, apply (module iam_password_policy)."""

from __future__ import annotations

from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

RESOURCE = "account password policy"

# option name -> (API field, AWS's value when the field is left out)
FIELDS = {
    "min_password_length": ("MinimumPasswordLength", 6),
    "require_symbols": ("RequireSymbols", False),
    "require_numbers": ("RequireNumbers", False),
    "require_uppercase": ("RequireUppercaseCharacters", False),
    "require_lowercase": ("RequireLowercaseCharacters", False),
    "allow_users_to_change_password": ("AllowUsersToChangePassword", False),
    "max_password_age": ("MaxPasswordAge", 0),
    "password_reuse_prevention": ("PasswordReusePrevention", 0),
    "hard_expiry": ("HardExpiry", False),
}

# option -> (low, high, value that switches the setting off or None)
RANGES = {
    "min_password_length": (6, 128, None),
    "max_password_age": (1, 1095, 0),
    "password_reuse_prevention": (1, 24, 0),
}

ARGUMENT_SPEC = dict(
    state=dict(type="str", default="present", choices=["present", "absent"]),
    min_password_length=dict(type="int", aliases=["min_pw_length"], no_log=False),
    require_symbols=dict(type="bool"),
    require_numbers=dict(type="bool"),
    require_uppercase=dict(type="bool"),
    require_lowercase=dict(type="bool"),
    allow_users_to_change_password=dict(type="bool", aliases=["allow_pw_change"], no_log=False),
    max_password_age=dict(type="int", aliases=["pw_max_age"], no_log=False),
    password_reuse_prevention=dict(type="int", aliases=["pw_reuse_prevent"], no_log=False),
    hard_expiry=dict(type="bool", aliases=["pw_expire"]),
)


def validate(params):
    """Reject values AWS would refuse, naming the option and the allowed range.
    With state=absent the settings are ignored, so they are not checked either."""
    if params.get("state") == "absent":
        return
    for option, (low, high, off) in RANGES.items():
        value = params.get(option)
        if value is None or value == off or low <= value <= high:
            continue
        extra = " (or %d to switch it off)" % off if off is not None else ""
        raise HardeningError(
            "%s=%d is out of range: AWS accepts %d to %d%s" % (option, value, low, high, extra),
            option=option,
        )


def from_api(policy):
    """Our snake_case form of a GetAccountPasswordPolicy answer (None stays None)."""
    if policy is None:
        return None
    return {option: policy.get(field, default) for option, (field, default) in FIELDS.items()}


def to_api(policy):
    """UpdateAccountPasswordPolicy arguments for the whole policy: fields that are
    switched off are left out, which is how AWS switches them off."""
    out = {}
    for option, (field, default) in FIELDS.items():
        value = policy[option]
        if option in ("max_password_age", "password_reuse_prevention") and not value:
            continue
        out[field] = value if value is not None else default
    return out


def plan(current, params):
    """The policy the account should have: None to remove it, otherwise the current
    policy (or AWS's defaults) with every option the user set applied on top."""
    if params["state"] == "absent":
        return None
    base = dict(current) if current is not None else {o: d for o, (_f, d) in FIELDS.items()}
    for option in FIELDS:
        if params.get(option) is not None:
            base[option] = params[option]
    return base


def read(iam):
    """The account's password policy in our form, or None when it has none."""
    answer = iam.call("get_account_password_policy", resource=RESOURCE, ignore=("NoSuchEntity",))
    return from_api(answer["PasswordPolicy"]) if answer else None


def _state(policy):
    return dict(policy, state="present") if policy is not None else {"state": "absent"}


def run(aws, params, check_mode, diff):
    """Converge the account password policy (see module documentation)."""
    iam = aws.client("iam")
    current = read(iam)
    desired = plan(current, params)
    changed = desired != current
    after = desired
    if changed and not check_mode:
        if desired is None:
            iam.call("delete_account_password_policy", resource=RESOURCE)
        else:
            iam.call("update_account_password_policy", resource=RESOURCE, **to_api(desired))
        after = read(iam)
    result = {"changed": changed, "password_policy": after}
    if diff:
        result["diff"] = {"before": _state(current), "after": _state(after)}
    return result


MODULE_SPEC = ModuleSpec("iam_password_policy", ARGUMENT_SPEC, run, validate=validate)
