#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_credential_report_info
short_description: Read the IAM credential report of an AWS account as typed records
version_added: 0.1.0
description:
  - Returns the account's IAM credential report, one record per user (the root user's C(<root_account>)
    row included when AWS provides it), with a summary of the counts the CIS AWS Foundations Benchmark
    asks about (3.0 1.10 to 1.14, 7.0 2.10 to 2.12) - console users without MFA, credentials unused for
    45 days, active keys older than 90 days, users with two active keys, and the root user's MFA and keys.
  - One report covers every user, so this is the cheap way to audit a whole account.
  - The existing report is used when it is younger than O(max_age_hours); otherwise the module asks IAM
    for a new one (GenerateCredentialReport) and waits for it, polling with growing pauses for at most
    O(wait_timeout) seconds. IAM builds a new report at most every four hours; while the last one is younger
    than that, it is what you get, whatever O(max_age_hours) says.
  - A missing (C(ReportNotPresent)) or expired (C(ReportExpired)) report is generated; a report still being
    built (C(ReportInProgress)) is waited for.
  - Values are typed. C(password_enabled), C(mfa_active) and every C(*_active) column are booleans; dates are
    ISO 8601 strings in UTC; C(N/A), C(not_supported) and C(no_information) become null. Columns AWS may add
    later are returned as text.
  - "Required IAM actions: C(iam:GetCredentialReport), C(iam:GenerateCredentialReport)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  max_age_hours:
    description:
      - Use the existing report when it is younger than this many hours; otherwise ask for a new one.
        V(0) always asks (IAM still answers with the existing report while it is younger than four hours).
    type: int
    default: 4
  wait_timeout:
    description:
      - How many seconds to wait, at most, for IAM to finish a report it is building. The task fails after
        that, asking to run again later.
    type: int
    default: 120
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.common.info_attributes
seealso:
  - module: hardening.aws.iam_user_info
"""

EXAMPLES = r"""
- name: The credential report of the account
  hardening.aws.iam_credential_report_info:
  register: credentials

- name: Console users without MFA (CIS 1.10)
  ansible.builtin.debug:
    msg: "{{ credentials.report | selectattr('password_enabled') | rejectattr('mfa_active') | map(attribute='user') }}"

- name: A report at most a day old is good enough for a nightly audit
  hardening.aws.iam_credential_report_info:
    max_age_hours: 24
"""

RETURN = r"""
report:
  description:
    - One record per row of the report, in the report's order, with the report's column names.
    - The C(<root_account>) row is included when AWS provides it (its user is C(<root_account>)).
  returned: always
  type: list
  elements: dict
  sample:
    - user: ci-deploy
      arn: arn:aws:iam::123456789012:user/ci-deploy
      user_creation_time: "2023-02-01T09:00:00+00:00"
      password_enabled: false
      password_last_used: null
      password_last_changed: null
      password_next_rotation: null
      mfa_active: false
      access_key_1_active: true
      access_key_1_last_rotated: "2024-01-10T09:00:00+00:00"
      access_key_1_last_used_date: "2024-05-01T07:12:00+00:00"
      access_key_1_last_used_region: us-east-1
      access_key_1_last_used_service: s3
      access_key_2_active: false
      access_key_2_last_rotated: null
      access_key_2_last_used_date: null
      access_key_2_last_used_region: null
      access_key_2_last_used_service: null
      cert_1_active: false
      cert_1_last_rotated: null
      cert_2_active: false
      cert_2_last_rotated: null
generated_time:
  description: When IAM generated the report, ISO 8601 in UTC.
  returned: always
  type: str
  sample: "2024-05-01T08:00:00+00:00"
summary:
  description: Counts over the IAM users of the report (the root user apart), ages measured from now.
  returned: always
  type: dict
  contains:
    users:
      description: IAM users in the report.
      type: int
      sample: 6
    console_users:
      description: Users with a console password.
      type: int
      sample: 5
    console_users_without_mfa:
      description: Users with a console password and no active MFA device (CIS 1.10).
      type: int
      sample: 4
    users_with_mfa:
      description: Users with an active MFA device.
      type: int
      sample: 1
    console_passwords_unused_45_days:
      description: Console passwords last used (or, never used, set) more than 45 days ago (CIS 1.12).
      type: int
      sample: 2
    active_access_keys:
      description: Active access keys.
      type: int
      sample: 5
    users_with_two_active_keys:
      description: Users with two active access keys (CIS 1.13).
      type: int
      sample: 1
    active_access_keys_never_used:
      description: Active access keys never used.
      type: int
      sample: 1
    active_access_keys_older_than_90_days:
      description: Active access keys created more than 90 days ago (CIS 1.14).
      type: int
      sample: 4
    active_access_keys_unused_45_days:
      description: Active access keys last used (or, never used, created) more than 45 days ago (CIS 1.12).
      type: int
      sample: 3
    root_account_present:
      description: Whether the report has the C(<root_account>) row.
      type: bool
      sample: true
    root_mfa_active:
      description: Whether the root user has MFA; null without the root row.
      type: bool
      sample: true
    root_active_access_keys:
      description: The root user's active access keys (CIS 1.4 wants 0); null without the root row.
      type: int
      sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_credential_report_info import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
