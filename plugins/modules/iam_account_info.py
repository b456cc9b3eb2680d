#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_account_info
short_description: Read the caller identity, alias, account summary and password policy of an AWS account
version_added: 0.1.0
description:
  - Returns who the task runs as (account id and ARN, after O(assume_role_arn) if given), the account
    alias, the IAM account summary and the password policy. One AWS call per section.
  - The playbooks of this collection use it to check that the assumed identity really is the
    inventory's account before changing anything.
  - "Required IAM actions: C(sts:GetCallerIdentity) (allowed for every identity), C(iam:ListAccountAliases),
    C(iam:GetAccountSummary), C(iam:GetAccountPasswordPolicy)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  gather:
    description:
      - Sections to read. V(all) reads every section.
    type: list
    elements: str
    choices: [all, identity, alias, summary, password_policy]
    default: [all]
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.common.info_attributes
"""

EXAMPLES = r"""
- name: Check that the role we assumed is in the inventory's account
  hardening.aws.iam_account_info:
    gather: [identity]
  register: whoami

- name: Everything
  hardening.aws.iam_account_info:
  register: account
"""

RETURN = r"""
account_id:
  description: Account the task ran in.
  returned: when O(gather) includes identity
  type: str
  sample: "123456789012"
caller_arn:
  description: ARN of the identity the task ran as.
  returned: when O(gather) includes identity
  type: str
  sample: arn:aws:sts::123456789012:assumed-role/OrganizationAccountAccessRole/hardening-aws
caller_user_id:
  description: Unique id of the identity the task ran as.
  returned: when O(gather) includes identity
  type: str
  sample: AROAEXAMPLEID:hardening-aws
alias:
  description: The account alias; null when there is none.
  returned: when O(gather) includes alias
  type: str
  sample: acme-prod
summary:
  description: IAM's account summary (entity counts and quotas), as C(GetAccountSummary) returns it.
  returned: when O(gather) includes summary
  type: dict
  sample: {Users: 4, AccountMFAEnabled: 0, AccountAccessKeysPresent: 0}
password_policy:
  description: The password policy in the form M(hardening.aws.iam_password_policy) takes; null when there is none.
  returned: when O(gather) includes password_policy
  type: dict
  sample: {min_password_length: 14, password_reuse_prevention: 24}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_account_info import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
