#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_user_info
short_description: Read IAM users with their keys, MFA, console access, groups and policies, in bulk
version_added: 0.1.0
description:
  - Returns the IAM users of an account, each with its access keys (status, creation date and age, last use
    and the service it was used with), MFA, console access (password enabled, last used), groups, attached
    and inline policy names, tags and permissions boundary (hardening guide practices 6 and 8).
  - It makes no per-user calls. Three bulk reads answer for every user at once, so the number of calls
    does not grow with the number of users - C(GetAccountAuthorizationDetails) (users with groups, policies,
    tags and boundary), the credential report (passwords, MFA, both access keys and their last use; read as
    M(hardening.aws.iam_credential_report_info) does) and C(ListVirtualMFADevices) for the assigned virtual
    MFA devices.
  - The credential report does not contain access key ids. Set O(access_key_ids) to get them, at the cost of
    one C(ListAccessKeys) call for each selected user that the report shows with keys (or that is newer
    than the report). Otherwise each key's C(id) is null.
  - Credentials come from the credential report, which may be up to O(max_age_hours) old (IAM renews it at
    most every four hours). A user created after the report has C(in_credential_report=false) and null
    C(console), C(access_keys) and C(mfa_active) (unless it has a virtual MFA device); the other fields are
    always current.
  - The filters O(name), O(names) and O(path_prefix) are applied to the bulk read; when nothing matches,
    the credential report is not read at all.
  - "Required IAM actions: C(iam:GetAccountAuthorizationDetails), C(iam:GetCredentialReport),
    C(iam:GenerateCredentialReport), C(iam:ListVirtualMFADevices), C(iam:ListAccessKeys)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  name:
    description:
      - Return only the user of this name (an empty list when there is none).
    type: str
    aliases: [user_name]
  names:
    description:
      - Return only the users of these names. Cannot be combined with O(name).
    type: list
    elements: str
  path_prefix:
    description:
      - Return only users whose path starts with this prefix, for example C(/ops/).
    type: str
  access_key_ids:
    description:
      - Also return access key ids, with one C(ListAccessKeys) call per selected user that holds keys.
    type: bool
    default: false
  max_age_hours:
    description:
      - Use the existing credential report when it is younger than this many hours; otherwise ask IAM for a new
        one (see M(hardening.aws.iam_credential_report_info)).
    type: int
    default: 4
  wait_timeout:
    description:
      - How many seconds to wait, at most, for IAM to finish building the credential report.
    type: int
    default: 120
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.common.info_attributes
seealso:
  - module: hardening.aws.iam_credential_report_info
"""

EXAMPLES = r"""
- name: Every user of the account
  hardening.aws.iam_user_info:
  register: iam

- name: Active keys older than 90 days (CIS 1.14)
  ansible.builtin.debug:
    msg: >-
      {{ iam.users | map(attribute='access_keys') | select | flatten
         | selectattr('status', 'eq', 'Active') | selectattr('age_days', 'gt', 90) | list }}

- name: The break-glass users, with key ids for the rotation that follows
  hardening.aws.iam_user_info:
    path_prefix: /breakglass/
    access_key_ids: true
  register: breakglass
"""

RETURN = r"""
users:
  description: The selected users, sorted by name. Dates are ISO 8601 strings in UTC; ages are whole days until now.
  returned: always
  type: list
  elements: dict
  contains:
    user_name:
      description: The user's name.
      type: str
      sample: ci-deploy
    user_id:
      description: The user's unique id.
      type: str
      sample: AIDAEXAMPLEID1234567
    arn:
      description: The user's ARN.
      type: str
      sample: arn:aws:iam::123456789012:user/ci-deploy
    path:
      description: The user's path.
      type: str
      sample: /
    create_date:
      description: When the user was created.
      type: str
      sample: "2023-02-01T09:00:00+00:00"
    age_days:
      description: Days since the user was created.
      type: int
      sample: 450
    groups:
      description: Names of the groups the user belongs to.
      type: list
      elements: str
      sample: [developers]
    attached_policies:
      description: Managed policies attached to the user itself.
      type: list
      elements: dict
      sample: [{policy_name: AdministratorAccess, policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess"}]
    inline_policies:
      description: Names of the user's inline policies.
      type: list
      elements: str
      sample: [dave-inline]
    tags:
      description: The user's tags.
      type: dict
      sample: {team: payments}
    permissions_boundary:
      description: ARN of the user's permissions boundary; null when it has none.
      type: str
      sample: arn:aws:iam::123456789012:policy/boundary
    virtual_mfa_devices:
      description:
        - Virtual MFA devices assigned to the user, with C(serial_number) and C(enable_date).
        - Hardware and FIDO devices only show in RV(users[].mfa_active).
      type: list
      elements: dict
      sample: [{serial_number: "arn:aws:iam::123456789012:mfa/breakglass", enable_date: "2024-05-01T12:00:00+00:00"}]
    mfa_active:
      description: Whether the user has any MFA device (credential report); null when the user is newer than the report.
      type: bool
      sample: false
    console:
      description:
        - Console access from the credential report, null when the user is newer than the report.
        - C(password_enabled), C(password_last_used) (null when never used or unknown), C(password_last_used_days)
          and C(password_last_changed).
      type: dict
      sample:
        password_enabled: true
        password_last_used: "2024-01-01T10:00:00+00:00"
        password_last_used_days: 200
        password_last_changed: "2023-02-01T09:00:00+00:00"
    access_keys:
      description:
        - The user's access keys, oldest first; null when the user is newer than the report (unless O(access_key_ids)).
        - C(id) (null unless O(access_key_ids)), C(status) (Active or Inactive), C(create_date), C(age_days),
          C(last_used_date), C(last_used_days), C(last_used_service) and C(last_used_region) (null when never used).
      type: list
      elements: dict
      sample:
        - id: AKIAIOSFODNN7EXAMPLE
          status: Active
          create_date: "2024-01-10T09:00:00+00:00"
          age_days: 130
          last_used_date: "2024-05-17T07:12:00+00:00"
          last_used_days: 2
          last_used_service: cloudformation
          last_used_region: us-east-1
    in_credential_report:
      description: Whether the credential report has the user (false for users created after it).
      type: bool
      sample: true
credential_report_time:
  description: When the credential report used was generated; null when no user matched and it was not read.
  returned: always
  type: str
  sample: "2024-05-19T08:00:00+00:00"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_user_info import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
