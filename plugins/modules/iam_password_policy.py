#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_password_policy
short_description: Manage the IAM account password policy
version_added: 0.1.0
description:
  - Sets or removes the password policy of an AWS account (hardening guide practice 3;
    CIS AWS Foundations 3.0 1.8 and 1.9, 7.0 2.8 and 2.9).
  - AWS resets every field left out of C(UpdateAccountPasswordPolicy) to its default, so this module
    always sends the whole policy, merged from the current one and the options given.
    An option left unset keeps its current value.
  - Values outside AWS's ranges fail before any AWS call, naming the option.
  - "Required IAM actions: C(iam:GetAccountPasswordPolicy), C(iam:UpdateAccountPasswordPolicy),
    C(iam:DeleteAccountPasswordPolicy)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  state:
    description:
      - V(present) makes sure the account has a password policy with the given settings.
        With no setting given and no policy yet, it creates AWS's default policy.
      - V(absent) removes the policy; every other option is then ignored.
    type: str
    choices: [present, absent]
    default: present
  min_password_length:
    description: Minimum number of characters, 6 to 128. CIS asks for at least 14.
    type: int
    aliases: [min_pw_length]
  require_symbols:
    description: Require at least one non-alphanumeric character.
    type: bool
  require_numbers:
    description: Require at least one digit.
    type: bool
  require_uppercase:
    description: Require at least one uppercase letter.
    type: bool
  require_lowercase:
    description: Require at least one lowercase letter.
    type: bool
  allow_users_to_change_password:
    description: Let IAM users change their own password.
    type: bool
    aliases: [allow_pw_change]
  max_password_age:
    description: Days a password stays valid, 1 to 1095; V(0) means passwords never expire.
    type: int
    aliases: [pw_max_age]
  password_reuse_prevention:
    description: Number of previous passwords a user may not reuse, 1 to 24; V(0) switches it off. CIS asks for 24.
    type: int
    aliases: [pw_reuse_prevent]
  hard_expiry:
    description: When a password expires, only an administrator can reset it.
    type: bool
    aliases: [pw_expire]
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.common.attributes
"""

EXAMPLES = r"""
- name: Password policy that meets the CIS AWS Foundations Benchmark
  hardening.aws.iam_password_policy:
    min_password_length: 14
    require_symbols: true
    require_numbers: true
    require_uppercase: true
    require_lowercase: true
    allow_users_to_change_password: true
    password_reuse_prevention: 24

- name: Only raise the minimum length, keep every other setting as it is
  hardening.aws.iam_password_policy:
    min_password_length: 16

- name: Same, inside another account of the fleet
  hardening.aws.iam_password_policy:
    min_password_length: 16
    assume_role_arn: arn:aws:iam::123456789012:role/OrganizationAccountAccessRole

- name: Remove the password policy
  hardening.aws.iam_password_policy:
    state: absent
"""

RETURN = r"""
password_policy:
  description: The policy after the task (in check mode, the policy the task would set); null when there is none.
  returned: always
  type: dict
  sample:
    min_password_length: 14
    require_symbols: true
    require_numbers: true
    require_uppercase: true
    require_lowercase: true
    allow_users_to_change_password: true
    max_password_age: 0
    password_reuse_prevention: 24
    hard_expiry: false
diff:
  description: The policy before and after, with C(state) present or absent.
  returned: when diff mode is on
  type: dict
  sample:
    before: {state: absent}
    after: {state: present, min_password_length: 14}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_password_policy import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
