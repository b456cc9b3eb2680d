# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The managed and inline policy options of iam_user, iam_group and iam_role."""

    DOCUMENTATION = r"""
options:
  managed_policies:
    description:
      - Managed policies that must be attached, by name or ARN.
      - A name is looked up among the account's customer managed policies, then among AWS managed
        policies, whose ARN is derived (with its path for the few that have one) without listing all
        of them. A name already attached resolves without any call. A name that exists nowhere fails
        the task, naming it, before any change.
      - Other attached policies stay unless O(purge_managed_policies=true).
    type: list
    elements: str
    aliases: [managed_policy]
  purge_managed_policies:
    description:
      - Detach the managed policies that are not in O(managed_policies).
      - Has no effect when O(managed_policies) is not set.
    type: bool
    default: false
    aliases: [purge_policies]
  inline_policies:
    description:
      - Inline policies that must exist, a mapping of policy name to policy document (JSON text or a
        mapping). Documents that differ only in formatting, statement order or list order are equal;
        a policy whose document really differs is replaced.
      - Other inline policies stay unless O(purge_inline_policies=true).
    type: dict
  purge_inline_policies:
    description:
      - Delete the inline policies whose names are not in O(inline_policies).
      - Has no effect when O(inline_policies) is not set.
    type: bool
    default: false
"""
