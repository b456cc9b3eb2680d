#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sts_session
short_description: Assume a role in an account once, verify the identity, and renew the session before it expires
version_added: 0.1.0
description:
  - Assumes O(assume_role_arn) with the controller's credentials, checks with C(sts:GetCallerIdentity) that the
    new session really acts in O(expected_account_id) (or the role's own account), and returns the session's
    credentials so that later tasks reuse them through the O(assumed_role_session) option of every module
    of this collection, instead of assuming the role once per task.
  - Given the current session in O(assumed_role_session), it makes no AWS call while that session has more
    than O(renew_before) seconds left, and assumes the role again (and checks the identity again) after that.
    Call it before each long stretch of tasks; the collection's playbooks do it once per control.
  - A module handed a session with less than five minutes left assumes the role itself, so a missed renewal
    costs API calls, never a failed task.
  - The result holds credentials, so the module refuses to run unless the task has C(no_log=true).
  - "Required IAM actions: C(sts:AssumeRole) (in the controller's account, on the role), C(sts:GetCallerIdentity)
    (allowed for every identity)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  expected_account_id:
    description:
      - The 12-digit account the session must act in. Defaults to the account in O(assume_role_arn).
    type: str
  duration_seconds:
    description:
      - Lifetime asked of STS, 900 to 43200 seconds. AWS caps it at 3600 when the controller's own credentials
        are an assumed-role session (role chaining), and at the role's maximum session duration.
    type: int
    default: 3600
  renew_before:
    description:
      - Renew the session given in O(assumed_role_session) when it has this many seconds left or fewer.
    type: int
    default: 900
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.common.info_attributes
notes:
  - O(assume_role_arn) is required.
  - The session is never written anywhere by this module; keep it in memory with M(ansible.builtin.set_fact)
    on a task with C(no_log=true), as the C(account_session) role of this collection does.
"""

EXAMPLES = r"""
- name: Assume the role into the account once
  hardening.aws.sts_session:
    assume_role_arn: "arn:aws:iam::{{ aws_account_id }}:role/OrganizationAccountAccessRole"
    expected_account_id: "{{ aws_account_id }}"
  register: assumed
  no_log: true

- name: Keep it for the following tasks
  ansible.builtin.set_fact:
    account_credentials: "{{ assumed.session }}"
  no_log: true

- name: Later tasks use it, and renew it when it runs short
  module_defaults:
    group/hardening.aws.all:
      assume_role_arn: "arn:aws:iam::{{ aws_account_id }}:role/OrganizationAccountAccessRole"
      assumed_role_session: "{{ account_credentials }}"
  block:
    - name: Renew if less than 15 minutes are left (no AWS call otherwise)
      hardening.aws.sts_session:
      register: renewed
      no_log: true

    - name: Keep the renewed session
      ansible.builtin.set_fact:
        account_credentials: "{{ renewed.session }}"
      when: renewed.renewed
      no_log: true
"""

RETURN = r"""
renewed:
  description: Whether the role was assumed by this task (false when the given session was still good).
  returned: success
  type: bool
account_id:
  description: The account the new session acts in.
  returned: when RV(renewed) is true
  type: str
  sample: "210000000001"
caller_arn:
  description: The identity of the new session.
  returned: when RV(renewed) is true
  type: str
  sample: arn:aws:sts::210000000001:assumed-role/OrganizationAccountAccessRole/hardening-aws
expiration:
  description: When the new session expires (ISO 8601, UTC).
  returned: when RV(renewed) is true
  type: str
  sample: "2026-11-29T15:04:05+00:00"
session:
  description:
    - The session, for the O(assumed_role_session) option of the collection's modules. Holds a secret
      access key and a session token.
  returned: when RV(renewed) is true
  type: dict
  contains:
    access_key_id:
      description: Temporary access key id.
      type: str
    secret_access_key:
      description: Temporary secret access key.
      type: str
    session_token:
      description: Session token.
      type: str
    expiration:
      description: When it expires (ISO 8601).
      type: str
    role:
      description:
        - A fingerprint of the role assumed, so the session is not used for another role. It is not the ARN, because
          every value of the session is masked wherever it appears in later results, and the ARN holds the account id.
      type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._module import run_module
from ansible_collections.hardening.aws.plugins.module_utils._sts_session import MODULE_SPEC


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
