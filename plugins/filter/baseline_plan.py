# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters hardening.aws.baseline_plan and baseline_summary: what the baseline role must change in one
account, and what it did."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._baseline import plan, summarise
from ansible_collections.hardening.aws.plugins.plugin_utils._plain import plain_args


@plain_args
def baseline_plan(posture, config):
    """Plan one account from its iam_posture_info snapshot and the baseline variables."""
    if not isinstance(posture, dict) or not isinstance(config, dict):
        raise AnsibleFilterError("baseline_plan: expects an iam_posture_info result and a dict of settings")
    try:
        return plan(posture, config)
    except HardeningError as exc:
        raise AnsibleFilterError(exc.msg) from None


@plain_args
def baseline_summary(results, plan_result, account_id, check_mode=False):
    """The per-account summary of a baseline run from the registered results of its controls."""
    if not isinstance(results, dict):
        raise AnsibleFilterError("baseline_summary: expects a dict of registered results by control")
    return summarise(results, plan_result, account_id, check_mode)


class FilterModule:
    """hardening.aws filters."""

    def filters(self):
        return {"baseline_plan": baseline_plan, "baseline_summary": baseline_summary}
