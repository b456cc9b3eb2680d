# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who we are and how the account is set up (module iam_account_info)."""

from __future__ import annotations

from ansible_collections.hardening.aws.plugins.module_utils import _iam_account_alias as alias_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_password_policy as policy_utils
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

SECTIONS = ("identity", "alias", "summary", "password_policy")

ARGUMENT_SPEC = dict(
    gather=dict(type="list", elements="str", default=["all"], choices=["all"] + list(SECTIONS)),
)


def sections(gather):
    """The sections to read for a ``gather`` list."""
    return set(SECTIONS) if "all" in gather else set(gather)


def run(aws, params, check_mode, diff):
    """Read the requested sections; one AWS call each."""
    wanted = sections(params["gather"])
    result = {"changed": False}
    if "identity" in wanted:
        identity = aws.client("sts").call("get_caller_identity", resource="caller identity")
        result.update(account_id=identity["Account"], caller_arn=identity["Arn"], caller_user_id=identity["UserId"])
    if "alias" in wanted:
        result["alias"] = alias_utils.read(aws.client("iam"))
    if "summary" in wanted:
        result["summary"] = aws.client("iam").call("get_account_summary", resource="account summary")["SummaryMap"]
    if "password_policy" in wanted:
        result["password_policy"] = policy_utils.read(aws.client("iam"))
    return result


MODULE_SPEC = ModuleSpec("iam_account_info", ARGUMENT_SPEC, run)
