#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_posture_info
short_description: Read the whole IAM posture of an AWS account in a few bulk calls
version_added: 0.1.0
description:
  - Reads an account's users, groups, roles and customer managed policies, the credential report, the account
    summary, the password policy, the alias and the virtual MFA devices, so that a role reads an account once
    instead of resource by resource.
  - Users, groups, roles and customer managed policies come from one paginated
    C(GetAccountAuthorizationDetails) (users, groups, roles and customer managed policies only; AWS managed
    policies are never listed). Each entry has exactly the form the module of that resource reads
    (M(hardening.aws.iam_user), M(hardening.aws.iam_group), M(hardening.aws.iam_role),
    M(hardening.aws.iam_managed_policy)), with the inline and trust policy documents as dicts.
  - C(GetAccountAuthorizationDetails) does not return a role's description and maximum session duration, nor a
    managed policy's tags. Those fields are null here, meaning unknown, not empty.
  - The number of calls does not grow with the number of users, groups or roles, apart from the pages of
    C(GetAccountAuthorizationDetails) (1,000 entries of each kind per page), one C(GetLoginProfile) per user
    named in O(login_profile_users), and one C(GetPolicy) and one C(GetPolicyVersion) per distinct AWS managed
    policy attached to a user with O(user_policy_documents). RV(api_calls) counts them.
  - With O(findings=true) it also judges the account against every control of the collection's catalogue
    (CIS AWS Foundations 3.0 section 1 and 7.0 section 2, and the hardening guide's practices) and returns one
    finding per control in RV(findings). This reads every section, plus the default document of each distinct
    AWS managed policy attached to a user, group or role (one C(GetPolicy) and one C(GetPolicyVersion) each,
    read once per task).
  - The sections V(server_certificates), V(identity_providers), V(service_specific_credentials),
    V(access_analyzer) and V(instances) never fail the task; with O(findings=true) no section does. A section
    that cannot be read is named in RV(section_errors) with the reason, and the controls that need it are
    C(error), never C(pass).
  - The number of calls does not depend on the number of users either way; V(access_analyzer) and
    V(instances) cost one call (per 100 analyzers or 1,000 instances) per region of O(regions).
  - "Required IAM actions: C(iam:GetAccountAuthorizationDetails), C(iam:GetCredentialReport),
    C(iam:GenerateCredentialReport), C(iam:GetAccountSummary), C(iam:GetAccountPasswordPolicy),
    C(iam:ListAccountAliases), C(iam:ListVirtualMFADevices), C(iam:GetLoginProfile), C(iam:GetPolicy),
    C(iam:GetPolicyVersion), C(iam:ListServerCertificates), C(iam:ListSAMLProviders),
    C(iam:ListOpenIDConnectProviders), C(iam:ListServiceSpecificCredentials), C(access-analyzer:ListAnalyzers),
    C(ec2:DescribeInstances)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  gather:
    description:
      - Sections to read. V(all) reads every section.
      - V(authorization_details) returns RV(users), RV(groups), RV(roles) and RV(policies).
      - V(credential_report) returns RV(credential_report) and RV(credential_report_generated_time).
      - V(access_analyzer) and V(instances) are read in each region of O(regions).
      - O(findings=true) reads every section, whatever this says.
    type: list
    elements: str
    choices:
      - all
      - authorization_details
      - credential_report
      - summary
      - password_policy
      - alias
      - virtual_mfa_devices
      - server_certificates
      - identity_providers
      - service_specific_credentials
      - access_analyzer
      - instances
    default: [all]
  login_profile_users:
    description:
      - Users whose login profile (console access) to read, one C(GetLoginProfile) each; see RV(login_profiles).
      - A user that does not exist has no console access.
    type: list
    elements: str
    default: []
  user_policy_documents:
    description:
      - Also return the default document of every managed policy attached directly to a user, in
        RV(policy_documents).
      - Customer managed policies' documents come with the authorization details; each distinct AWS managed
        policy costs one C(GetPolicy) and one C(GetPolicyVersion).
      - Needs O(gather) to include V(authorization_details) (or V(all)).
    type: bool
    default: false
  credential_report_max_age_hours:
    description:
      - Use the existing credential report when it is younger than this many hours; otherwise ask IAM for a new
        one (see M(hardening.aws.iam_credential_report_info)).
    type: int
    default: 4
  credential_report_wait_timeout:
    description:
      - How many seconds to wait, at most, for IAM to finish building the credential report.
    type: int
    default: 120
  findings:
    description:
      - Judge the account against every control of the catalogue and return RV(findings) and RV(account_id).
      - Reads every section (see O(gather)) and the documents of the AWS managed policies attached anywhere.
      - Makes no change, like the rest of the module.
    type: bool
    default: false
  regions:
    description:
      - Regions whose Access Analyzer analyzers and EC2 instances are read (sections V(access_analyzer) and
        V(instances)). The control C(access_analyzer) asks for an analyzer in every region listed here.
      - Empty means the task's region only.
    type: list
    elements: str
    default: []
  unused_days:
    description:
      - Control C(unused_credentials_disabled) (CIS 1.12 / 2.11) - a console password or an active access key
        not used for more than this many days (since its creation when never used) fails.
    type: int
    default: 45
  key_max_age_days:
    description:
      - Control C(access_keys_rotated) (CIS 1.14 / 2.12) - an active access key older than this many days fails.
    type: int
    default: 90
  root_used_days:
    description:
      - Control C(root_not_used) (CIS 1.7 / 2.7) - a use of the root user's password or access keys within this
        many days fails.
    type: int
    default: 30
  password_min_length:
    description: Control C(password_policy_length) (CIS 1.8 / 2.8) - the least minimum password length that passes.
    type: int
    default: 14
  password_reuse_prevention:
    description:
      - Control C(password_policy_reuse) (CIS 1.9 / 2.9) - the least number of previous passwords IAM must refuse.
    type: int
    default: 24
  break_glass_users:
    description:
      - Users allowed to hold a policy allowing C(*) on C(*) (control C(no_full_admin_policy), CIS 1.16 / 2.14),
        for example an emergency administrator. They are named in the finding's reason.
    type: list
    elements: str
    default: []
  break_glass_groups:
    description:
      - Groups allowed to hold a policy allowing C(*) on C(*), for example an C(admins) group with
        C(AdministratorAccess) whose members are the account's administrators.
    type: list
    elements: str
    default: []
  break_glass_roles:
    description:
      - Roles allowed to hold a policy allowing C(*) on C(*), for example C(OrganizationAccountAccessRole), which
        the management account of an Organization uses to administer member accounts.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.common.info_attributes
seealso:
  - module: hardening.aws.iam_user_info
  - module: hardening.aws.iam_credential_report_info
  - module: hardening.aws.iam_account_info
"""

EXAMPLES = r"""
- name: Everything, once per account
  hardening.aws.iam_posture_info:
  register: posture

- name: Users with AdministratorAccess attached directly
  ansible.builtin.debug:
    msg: >-
      {{ posture.users | dict2items
         | selectattr('value.managed_policies', 'contains', 'arn:aws:iam::aws:policy/AdministratorAccess')
         | map(attribute='key') | list }}

- name: Findings for every control, the organisation's access role allowed to be an administrator
  hardening.aws.iam_posture_info:
    findings: true
    regions: [us-east-1, eu-west-1]
    break_glass_roles: [OrganizationAccountAccessRole]
  register: audit

- name: The controls that fail
  ansible.builtin.debug:
    msg: "{{ audit.findings | selectattr('status', 'equalto', 'fail') | map(attribute='id') | list }}"

- name: Users and their policy documents, and who of two users can sign in to the console
  hardening.aws.iam_posture_info:
    gather: [authorization_details]
    user_policy_documents: true
    login_profile_users: [alice, carol]
  register: users
"""

RETURN = r"""
users:
  description:
    - Every IAM user, by name, exactly as M(hardening.aws.iam_user) reads it with its groups, managed and inline
      policies - C(user_name), C(user_id), C(arn), C(path), C(create_date), C(tags), C(permissions_boundary)
      (ARN or null), C(groups) (sorted names), C(managed_policies) (sorted ARNs) and C(inline_policies)
      ({name - document}).
  returned: when O(gather) includes authorization_details
  type: dict
  sample:
    carol:
      user_name: carol
      user_id: AIDAEXAMPLEID1234567
      arn: arn:aws:iam::123456789012:user/carol
      path: /
      create_date: "2024-01-10T09:00:00+00:00"
      tags: {}
      permissions_boundary: null
      groups: []
      managed_policies: ["arn:aws:iam::aws:policy/AdministratorAccess"]
      inline_policies: {}
groups:
  description:
    - Every IAM group, by name, as M(hardening.aws.iam_group) reads it with its policies - C(name), C(arn),
      C(path), C(members) (sorted user names), C(managed_policies) (sorted ARNs) and C(inline_policies)
      ({name - document}).
  returned: when O(gather) includes authorization_details
  type: dict
  sample:
    developers:
      name: developers
      arn: arn:aws:iam::123456789012:group/developers
      path: /
      members: [alice, bob]
      managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
      inline_policies: {}
roles:
  description:
    - Every IAM role, by name, as M(hardening.aws.iam_role) reads it with its policies and instance profiles -
      C(name), C(arn), C(path), C(assume_role_policy) (dict), C(permissions_boundary), C(tags),
      C(managed_policies), C(inline_policies) and C(instance_profiles) (each with C(name), C(arn), C(path) and
      C(roles)).
    - C(description) and C(max_session_duration) are always null (unknown) - the bulk read does not return them.
  returned: when O(gather) includes authorization_details
  type: dict
  sample:
    OrganizationAccountAccessRole:
      name: OrganizationAccountAccessRole
      arn: arn:aws:iam::123456789012:role/OrganizationAccountAccessRole
      path: /
      description: null
      max_session_duration: null
      assume_role_policy: {Version: "2012-10-17", Statement: []}
      permissions_boundary: null
      tags: {}
      managed_policies: ["arn:aws:iam::aws:policy/AdministratorAccess"]
      inline_policies: {}
      instance_profiles: []
policies:
  description:
    - Every customer managed policy, by name, as M(hardening.aws.iam_managed_policy) reads it - C(name), C(arn),
      C(path), C(policy_id), C(description), C(default_version_id), C(document) (the default version's, a dict),
      C(attachment_count) and C(permissions_boundary_usage_count).
    - C(tags) is always null (unknown) - the bulk read does not return them.
  returned: when O(gather) includes authorization_details
  type: dict
  sample:
    dave-extra:
      name: dave-extra
      arn: arn:aws:iam::123456789012:policy/dave-extra
      path: /
      policy_id: ANPAEXAMPLEID1234567
      description: Extra rights granted to dave by hand
      default_version_id: v1
      document: {Version: "2012-10-17", Statement: []}
      attachment_count: 1
      permissions_boundary_usage_count: 0
      tags: null
policy_documents:
  description:
    - The default document of every managed policy attached directly to a user, by ARN, AWS and customer managed.
  returned: when O(user_policy_documents) is true
  type: dict
  sample:
    "arn:aws:iam::aws:policy/AdministratorAccess":
      Version: "2012-10-17"
      Statement: [{Effect: Allow, Action: "*", Resource: "*"}]
credential_report:
  description:
    - The credential report's rows, typed as M(hardening.aws.iam_credential_report_info) returns them (booleans,
      ISO 8601 dates in UTC, null where AWS writes N/A).
  returned: when O(gather) includes credential_report
  type: list
  elements: dict
  sample: [{user: carol, password_enabled: true, mfa_active: false, access_key_1_active: false}]
credential_report_generated_time:
  description: When IAM generated the credential report returned.
  returned: when O(gather) includes credential_report
  type: str
  sample: "2024-05-19T08:00:00+00:00"
summary:
  description: IAM's account summary (entity counts and quotas), as C(GetAccountSummary) returns it.
  returned: when O(gather) includes summary
  type: dict
  sample: {Users: 6, AccountMFAEnabled: 0, AccountAccessKeysPresent: 0}
password_policy:
  description: The password policy in the form M(hardening.aws.iam_password_policy) takes; null when there is none.
  returned: when O(gather) includes password_policy
  type: dict
  sample: {min_password_length: 14, password_reuse_prevention: 24}
alias:
  description: The account alias; null when there is none.
  returned: when O(gather) includes alias
  type: str
  sample: acme-prod
virtual_mfa_devices:
  description:
    - Every virtual MFA device of the account, assigned or not, sorted by serial number - C(serial_number),
      C(user_arn) and C(user_name) (null when unassigned), C(enable_date) (null when unassigned). Never the seed.
  returned: when O(gather) includes virtual_mfa_devices
  type: list
  elements: dict
  sample:
    - serial_number: arn:aws:iam::123456789012:mfa/leaver-dave
      user_arn: arn:aws:iam::123456789012:user/leaver-dave
      user_name: leaver-dave
      enable_date: "2023-01-01T12:00:00+00:00"
login_profiles:
  description:
    - Console access of each user of O(login_profile_users), as M(hardening.aws.iam_user) reads it -
      C(console_access) and C(password_reset_required) (null without console access).
  returned: when O(login_profile_users) is not empty
  type: dict
  sample:
    carol: {console_access: true, password_reset_required: false}
    nobody: {console_access: false, password_reset_required: null}
server_certificates:
  description:
    - Every IAM server certificate, sorted by name - C(name), C(arn), C(path), C(upload_date) and C(expiration)
      (ISO 8601, UTC). Never the certificate itself.
  returned: when O(gather) includes server_certificates and it could be read
  type: list
  elements: dict
  sample:
    - name: www-2023
      arn: arn:aws:iam::123456789012:server-certificate/www-2023
      path: /
      upload_date: "2023-01-01T00:00:00+00:00"
      expiration: "2024-01-01T00:00:00+00:00"
identity_providers:
  description: The ARNs of the account's SAML (C(saml)) and OpenID Connect (C(oidc)) identity providers.
  returned: when O(gather) includes identity_providers and it could be read
  type: dict
  sample:
    saml: ["arn:aws:iam::123456789012:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"]
    oidc: ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
service_specific_credentials:
  description:
    - Every service-specific credential of every user (CodeCommit, Keyspaces, Bedrock...) - C(user_name),
      C(service_name), C(id), C(status) and C(create_date). Never a password or secret.
  returned: when O(gather) includes service_specific_credentials and it could be read
  type: list
  elements: dict
  sample:
    - user_name: leaver-dave
      service_name: codecommit.amazonaws.com
      id: ACCAEXAMPLE123456789
      status: Active
      create_date: "2023-05-01T00:00:00+00:00"
access_analyzer:
  description:
    - The Access Analyzer analyzers by region (C(name), C(arn), C(type), C(status)), for the regions that
      answered; a region that did not is named in RV(section_errors).
  returned: when O(gather) includes access_analyzer
  type: dict
  sample:
    us-east-1:
      - name: account-analyzer
        arn: arn:aws:access-analyzer:us-east-1:123456789012:analyzer/account-analyzer
        type: ACCOUNT
        status: ACTIVE
instances:
  description:
    - The EC2 instances that are not terminated, by region - C(instance_id), C(state), C(instance_profile_arn)
      (null without an instance profile) and C(name) (the Name tag), for the regions that answered.
  returned: when O(gather) includes instances
  type: dict
  sample:
    us-east-1:
      - instance_id: i-0123456789abcdef0
        state: running
        instance_profile_arn: null
        name: legacy-batch
section_errors:
  description:
    - The sections that could not be read, with the reason (for a regional section, per region). Empty when every
      section was read. Only sections that may fail without failing the task appear here (see the description).
  returned: always
  type: dict
  sample:
    access_analyzer: "us-east-1: accessanalyzer ListAnalyzers failed for analyzers: 404: Not yet implemented"
findings:
  description:
    - One finding per control of the catalogue, in its order. C(id) (the catalogue's ID), C(title), C(status)
      (V(pass), V(fail), V(manual) when the API cannot decide, V(error) when a read it needs failed), C(severity)
      (critical, high, medium or low), C(cis) (the control's number in CIS 3.0 and 7.0, a version without one
      left out), C(practice) (the hardening guide's practice, or null), C(resources) (the failing or concerned
      users, roles, groups, instances... each with C(type), C(name), C(arn) or null, and C(reason); empty on
      pass), C(reason) (one sentence) and C(remediation) (the role variable that fixes it, or what a person must
      do).
  returned: when O(findings) is true
  type: list
  elements: dict
  sample:
    - id: root_mfa_enabled
      title: MFA on the root user
      status: fail
      severity: critical
      cis: {"3.0": "1.5", "7.0": "2.5"}
      practice: 4
      resources: [{type: root, name: "<root_account>", arn: "arn:aws:iam::123456789012:root", reason: no MFA device}]
      reason: the root user has no MFA
      remediation: "needs a person: enable MFA on root in the console"
account_id:
  description: The account's id, from the ARNs that were read (null when nothing read names it).
  returned: when O(findings) is true
  type: str
  sample: "123456789012"
api_calls:
  description:
    - The calls this task made, by operation (each page of a paginated read counts), for example to compare
      costs - IAM's, and EC2's C(DescribeInstances) and Access Analyzer's C(ListAnalyzers). A call that failed
      counts too. The C(sts:AssumeRole) of O(assume_role_arn) is not counted.
  returned: always
  type: dict
  sample: {GetAccountAuthorizationDetails: 1, GetCredentialReport: 1, GetAccountSummary: 1}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_posture_info import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
