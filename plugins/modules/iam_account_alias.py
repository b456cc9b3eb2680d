#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_account_alias
short_description: Manage the sign-in alias of an AWS account
version_added: 0.1.0
description:
  - Sets, replaces or removes the account alias used in the console sign-in URL
    (hardening guide practice 10).
  - The alias is checked against IAM's rules before any AWS call.
  - Aliases are unique across all of AWS. When a new alias is refused (for example because another
    account owns it), the current alias is kept.
  - "Required IAM actions: C(iam:ListAccountAliases), C(iam:CreateAccountAlias), C(iam:DeleteAccountAlias)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  alias:
    description:
      - The alias. 3 to 63 characters, lowercase letters, digits and hyphens, not starting or ending
        with a hyphen and without two hyphens in a row.
      - Required with O(state=present).
      - With O(state=absent), only this alias is removed; another alias the account has is left alone.
    type: str
    aliases: [account_alias]
  state:
    description:
      - V(present) makes O(alias) the account's alias, replacing any other.
      - V(absent) removes the alias (only O(alias) when given).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.common.attributes
"""

EXAMPLES = r"""
- name: Give the account a sign-in alias built from its id
  hardening.aws.iam_account_alias:
    alias: "acme-{{ aws_account_id }}"

- name: Remove whatever alias the account has
  hardening.aws.iam_account_alias:
    state: absent
"""

RETURN = r"""
alias:
  description: The account's alias after the task (in check mode, the alias it would have); null for none.
  returned: always
  type: str
  sample: acme-prod
diff:
  description: The alias before and after.
  returned: when diff mode is on
  type: dict
  sample:
    before: {alias: null}
    after: {alias: acme-prod}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_account_alias import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
