# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters hardening.aws.offboard_plan, offboard_work and offboard_summary: who the offboard role
disables or deletes in one account, the record archived for each, and what it did."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hardening.aws.plugins.module_utils import _offboard
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.plugin_utils._plain import plain_args


@plain_args
def offboard_plan(posture, config):
    """Candidates of one account from its iam_posture_info snapshot and the role's settings."""
    if not isinstance(posture, dict) or not isinstance(config, dict):
        raise AnsibleFilterError("offboard_plan: expects an iam_posture_info result and a dict of settings")
    try:
        return _offboard.plan(posture, config)
    except HardeningError as exc:
        raise AnsibleFilterError(exc.msg) from None


@plain_args
def offboard_work(plan_result, reads, config, account_id):
    """Per candidate: its steps and archive record, from the registered iam_user_disable reads."""
    if not isinstance(plan_result, dict) or not isinstance(reads, list) or not isinstance(config, dict):
        raise AnsibleFilterError("offboard_work: expects an offboard_plan result, a list of results and settings")
    try:
        return _offboard.work(plan_result, reads, config, account_id)
    except HardeningError as exc:
        raise AnsibleFilterError(exc.msg) from None


@plain_args
def offboard_summary(results, plan_result, work_result, account_id, check_mode=False):
    """The per-account summary of an offboard run from the registered loop results."""
    if not isinstance(results, dict):
        raise AnsibleFilterError("offboard_summary: expects a dict of registered results (archive, disable, delete)")
    return _offboard.summarise(plan_result, work_result, results, account_id, check_mode)


class FilterModule:
    """hardening.aws offboard filters."""

    def filters(self):
        return {"offboard_plan": offboard_plan, "offboard_work": offboard_work, "offboard_summary": offboard_summary}
