# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters hardening.aws.key_rotation_plan and key_rotation_summary: which users of one account the
key_rotation role hands to iam_access_key_rotation, and what the run did."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.hardening.aws.plugins.module_utils import _rotation
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.plugin_utils._plain import plain_args


@plain_args
def key_rotation_plan(posture, config):
    """Candidates of one account from its iam_posture_info snapshot and the role's settings."""
    if not isinstance(posture, dict) or not isinstance(config, dict):
        raise AnsibleFilterError("key_rotation_plan: expects an iam_posture_info result and a dict of settings")
    try:
        return _rotation.select(posture, config)
    except HardeningError as exc:
        raise AnsibleFilterError(exc.msg) from None


@plain_args
def key_rotation_summary(results, selection, account_id, check_mode=False):
    """The per-account summary of a key_rotation run from the registered module results."""
    if not isinstance(results, list) or not isinstance(selection, dict):
        raise AnsibleFilterError("key_rotation_summary: expects a list of results and a key_rotation_plan result")
    return _rotation.summarise(results, selection, account_id, check_mode)


class FilterModule:
    """hardening.aws key rotation filters."""

    def filters(self):
        return {"key_rotation_plan": key_rotation_plan, "key_rotation_summary": key_rotation_summary}
