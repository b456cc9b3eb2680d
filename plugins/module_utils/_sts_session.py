# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A session in one account, assumed once and renewed before it expires (module sts_session).

The playbooks assume the role into each account once per play with this module, keep
the credentials in a fact (the task has ``no_log``), and hand them to every other task
through ``module_defaults`` (option ``assumed_role_session``). Calling it again with
the current session costs nothing while the session has more than O(renew_before)
seconds left; after that it assumes the role again and checks the identity again.
Any other module given an expired or expiring session assumes the role itself
(see ``_aws.usable_session``), so a forgotten renewal costs calls, never a failure.
"""

from __future__ import annotations

import datetime

from ansible_collections.hardening.aws.plugins.module_utils import _iam_names
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError, role_digest, usable_session
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

# AssumeRole accepts 15 minutes to 12 hours; a chained session (a role assumed from an
# assumed role, as on AWX with an instance role) is capped at one hour by AWS.
MIN_DURATION = 900
MAX_DURATION = 43200

ARGUMENT_SPEC = dict(
    expected_account_id=dict(type="str"),
    duration_seconds=dict(type="int", default=3600),
    renew_before=dict(type="int", default=900),
)


def validate(params):
    """The role, the account and the times make sense, before any call."""
    if not params.get("assume_role_arn"):
        raise HardeningError(
            "assume_role_arn is required: sts_session assumes that role and returns its session",
            option="assume_role_arn",
        )
    _iam_names.check_role_arn(params["assume_role_arn"], "assume_role_arn")
    if params.get("expected_account_id") is not None:
        _iam_names.check_account_id(params["expected_account_id"], "expected_account_id")
    duration = params.get("duration_seconds")
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise HardeningError(
            "duration_seconds=%d is out of range: AssumeRole accepts %d to %d (chained sessions at most 3600)"
            % (duration, MIN_DURATION, MAX_DURATION),
            option="duration_seconds",
        )
    renew = params.get("renew_before")
    if not 0 <= renew < duration:
        raise HardeningError(
            "renew_before=%d is out of range: it must be 0 or more and less than duration_seconds (%d)"
            % (renew, duration),
            option="renew_before",
        )


def role_account(role_arn):
    """The account id in a role ARN."""
    return role_arn.split(":")[4]


def _iso(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.isoformat()
    return str(value)


def run(aws, params, check_mode, diff):
    """Reuse the current session while it lasts, else assume the role and check who we are."""
    role_arn = params["assume_role_arn"]
    current = params.get("assumed_role_session")
    if usable_session(current, role_arn, margin=params["renew_before"]):
        # The session itself is not returned: it is the caller's already (and, being a
        # no_log option, would come back masked).
        return {"changed": False, "renewed": False}
    aws.assume_role(duration_seconds=params["duration_seconds"])
    identity = aws.client("sts").call("get_caller_identity", resource="caller identity")
    expected = params.get("expected_account_id") or role_account(role_arn)
    if identity["Account"] != expected:
        raise HardeningError(
            "expected to act in account %s but the session of %s is identity %s in account %s; "
            "refusing to hand it out" % (expected, role_arn, identity["Arn"], identity["Account"]),
            account_id=identity["Account"],
            caller_arn=identity["Arn"],
        )
    credentials = aws.credentials
    expiration = _iso(credentials["Expiration"])
    return {
        "changed": False,
        "renewed": True,
        "account_id": identity["Account"],
        "caller_arn": identity["Arn"],
        "expiration": expiration,
        # Only what a module needs: every value of this dict is masked wherever it shows
        # up in later results (it is a no_log option), so nothing else may be in it.
        "session": {
            "access_key_id": credentials["AccessKeyId"],
            "secret_access_key": credentials["SecretAccessKey"],
            "session_token": credentials["SessionToken"],
            "expiration": expiration,
            "role": role_digest(role_arn),
        },
    }


MODULE_SPEC = ModuleSpec("sts_session", ARGUMENT_SPEC, run, validate=validate, requires_no_log=True)
