# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The account's sign-in alias (module iam_account_alias, practice 10)."""

from __future__ import annotations

import re

from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsError, HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

RESOURCE = "account alias"
# IAM's own pattern: lowercase letters, digits and single hyphens, 3-63 characters,
# starting and ending with a letter or digit.
ALIAS_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$")

ARGUMENT_SPEC = dict(
    alias=dict(type="str", aliases=["account_alias"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def alias_problem(alias):
    """Why ``alias`` is not a valid account alias, or None when it is."""
    if not 3 <= len(alias) <= 63:
        return "it must be 3 to 63 characters long, not %d" % len(alias)
    if alias.startswith("-") or alias.endswith("-"):
        return "it must not start or end with a hyphen"
    if "--" in alias:
        return "it must not contain two hyphens in a row"
    if not ALIAS_PATTERN.fullmatch(alias):
        return "only lowercase letters, digits and hyphens are allowed"
    return None


def validate(params):
    """Fail on a missing or malformed alias before any AWS call."""
    alias = params.get("alias")
    if params["state"] == "present" and not alias:
        raise HardeningError("alias is required when state=present", option="alias")
    if alias:
        problem = alias_problem(alias)
        if problem:
            raise HardeningError("alias %r is not a valid account alias: %s" % (alias, problem), option="alias")


def plan(current, params):
    """The alias the account should end with (None for none)."""
    if params["state"] == "present":
        return params["alias"]
    # With an alias named, state=absent removes only that alias: someone else's
    # alias is left alone. Without one, whatever alias the account has goes.
    if params.get("alias") and params["alias"] != current:
        return current
    return None


def _aliases(iam):
    return iam.paginate("list_account_aliases", resource=RESOURCE)["AccountAliases"]


def read(iam):
    """The account's alias, or None (an account has at most one)."""
    aliases = _aliases(iam)
    return aliases[0] if aliases else None


def _replace(iam, current, desired):
    """Set ``desired`` without losing ``current`` if the new alias is refused (for
    example because another account already owns it: aliases are global)."""
    try:
        iam.call("create_account_alias", resource="account alias %s" % desired, AccountAlias=desired)
    except AwsError as exc:
        if exc.code != "LimitExceeded" or current is None:
            raise
        # The account already has an alias and AWS wants it gone first.
        iam.call("delete_account_alias", resource="account alias %s" % current, AccountAlias=current)
        try:
            iam.call("create_account_alias", resource="account alias %s" % desired, AccountAlias=desired)
        except AwsError:
            iam.call("create_account_alias", resource="account alias %s" % current, AccountAlias=current)
            raise
        return
    if current is not None and current != desired and current in _aliases(iam):
        iam.call("delete_account_alias", resource="account alias %s" % current, AccountAlias=current)


def run(aws, params, check_mode, diff):
    """Converge the account alias."""
    iam = aws.client("iam")
    current = read(iam)
    desired = plan(current, params)
    changed = desired != current
    after = desired
    if changed and not check_mode:
        if desired is None:
            iam.call("delete_account_alias", resource="account alias %s" % current, AccountAlias=current)
        else:
            _replace(iam, current, desired)
        after = read(iam)
    result = {"changed": changed, "alias": after}
    if diff:
        result["diff"] = {"before": {"alias": current}, "after": {"alias": after}}
    return result


MODULE_SPEC = ModuleSpec("iam_account_alias", ARGUMENT_SPEC, run, validate=validate)
