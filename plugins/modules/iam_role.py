#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_role
short_description: Manage an IAM role, its trust and permissions policies and its instance profile
version_added: 0.1.0
description:
  - Creates, updates or deletes an IAM role with its trust policy, description, maximum session
    duration, permissions boundary, tags, attached managed policies, inline policies and,
    optionally, an instance profile of the same name so EC2 workloads use the role instead of
    access keys (hardening guide practice 7; CIS AWS Foundations 3.0 1.18, 7.0 2.16).
  - One C(GetRole) call answers for the trust policy, description, maximum session duration,
    boundary and tags. Attached policies, inline policies and instance profiles are read only
    when an option manages them.
  - An option left unset is not managed. A list replaces what the role has only with the matching
    C(purge_*) option; otherwise it only adds.
  - Policy documents, the trust policy included, are compared by meaning, so a document that differs
    only in formatting (JSON text or a dictionary, a string or a one-item list, the order of
    statements or actions) is not a change.
  - Names, paths, policy references, documents, tags and the session duration are checked before any
    AWS call.
  - "Required IAM actions: C(iam:GetRole), C(iam:CreateRole), C(iam:DeleteRole), C(iam:UpdateRole),
    C(iam:UpdateAssumeRolePolicy), C(iam:PutRolePermissionsBoundary), C(iam:DeleteRolePermissionsBoundary),
    C(iam:TagRole), C(iam:UntagRole), C(iam:ListAttachedRolePolicies), C(iam:AttachRolePolicy),
    C(iam:DetachRolePolicy), C(iam:ListPolicies), C(iam:GetPolicy), C(iam:ListRolePolicies),
    C(iam:GetRolePolicy), C(iam:PutRolePolicy), C(iam:DeleteRolePolicy), C(iam:ListInstanceProfilesForRole),
    C(iam:GetInstanceProfile), C(iam:CreateInstanceProfile), C(iam:AddRoleToInstanceProfile),
    C(iam:RemoveRoleFromInstanceProfile), C(iam:DeleteInstanceProfile)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  name:
    description:
      - Name of the role, up to 64 letters, digits and C(+=,.@_-).
    type: str
    required: true
    aliases: [role_name]
  state:
    description:
      - V(present) creates the role if needed and applies the options.
      - V(absent) removes the role from every instance profile that holds it (deleting the instance
        profile of the same name once it is empty), detaches its managed policies, deletes its inline
        policies (AWS refuses to delete a role that still has any of these), then deletes the role.
        Every option but O(name) is then ignored.
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - Path of the role, V(/) or V(/something/). A role is created with V(/) when it is not set.
      - AWS cannot move an existing role to another path; a different path fails the task.
    type: str
  description:
    description:
      - Description of the role, up to 1000 characters. V("") removes it.
    type: str
  assume_role_policy:
    description:
      - The trust policy (who may assume the role), a dictionary or JSON text.
      - Required to create the role. When it differs by meaning from the role's, it replaces it.
    type: json
    aliases: [assume_role_policy_document, trust_policy]
  max_session_duration:
    description:
      - Longest session, in seconds, that assuming the role may give, 3600 to 43200 (1 to 12 hours).
        AWS uses 3600 for a new role when it is not set.
    type: int
  permissions_boundary:
    description:
      - Managed policy that sets the most the role may be allowed, by ARN or by name (looked up like
        O(managed_policies)). V("") removes the boundary.
    type: str
    aliases: [boundary]
  tags:
    description:
      - Tags the role must have, a dictionary of key to value.
    type: dict
  purge_tags:
    description:
      - Remove the tags whose keys are not in O(tags). Has no effect when O(tags) is not set.
    type: bool
    default: false
  create_instance_profile:
    description:
      - V(true) makes sure an instance profile with the role's name (and path) exists and holds the
        role, so EC2 instances can use the role. An existing instance profile of that name holding
        another role fails the task.
      - V(false) takes the role out of the instance profile of the same name and deletes that
        instance profile when no other role is in it. Instances that use it lose the role.
      - Not set, instance profiles are not managed.
    type: bool
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.policies
  - hardening.aws.common.attributes
"""

EXAMPLES = r"""
- name: Role for EC2 instances with an instance profile, instead of access keys
  hardening.aws.iam_role:
    name: web-server
    description: Web servers read their configuration and report to SSM
    assume_role_policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {Service: ec2.amazonaws.com}
          Action: sts:AssumeRole
    managed_policies:
      - AmazonSSMManagedInstanceCore
    inline_policies:
      read-config:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [s3:GetObject]
            Resource: arn:aws:s3:::example-config/*
    create_instance_profile: true
    max_session_duration: 7200
    tags:
      team: web

- name: AWS support role (CIS 1.17 / 2.15), trusted by the account's administrators
  hardening.aws.iam_role:
    name: aws-support
    assume_role_policy: "{{ lookup('ansible.builtin.file', 'trust-admins.json') }}"
    managed_policies: [AWSSupportAccess]
    purge_managed_policies: true

- name: Cap what a delegated role may ever do
  hardening.aws.iam_role:
    name: deploy
    permissions_boundary: arn:aws:iam::123456789012:policy/deploy-boundary

- name: Delete the role, its instance profile and its policies
  hardening.aws.iam_role:
    name: old-batch
    state: absent
"""

RETURN = r"""
role:
  description:
    - The role after the task (in check mode, the role the task would leave); null when there is none.
    - C(arn) is null in check mode for a role that does not exist yet.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the role.
      type: str
      returned: always
      sample: web-server
    arn:
      description: ARN of the role.
      type: str
      returned: always
      sample: arn:aws:iam::123456789012:role/web-server
    path:
      description: Path of the role.
      type: str
      returned: always
      sample: /
    description:
      description: Description of the role, null when it has none.
      type: str
      returned: always
      sample: Web servers read their configuration
    assume_role_policy:
      description: The trust policy, as AWS stores it.
      type: dict
      returned: always
      sample:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]
    max_session_duration:
      description: Longest session in seconds.
      type: int
      returned: always
      sample: 3600
    permissions_boundary:
      description: ARN of the permissions boundary, null when there is none.
      type: str
      returned: always
      sample: arn:aws:iam::aws:policy/PowerUserAccess
    tags:
      description: Tags of the role.
      type: dict
      returned: always
      sample: {team: web}
    managed_policies:
      description: ARNs of the attached managed policies, sorted.
      type: list
      elements: str
      returned: when O(managed_policies) is set
      sample: [arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore]
    inline_policies:
      description: Names of the role's inline policies, sorted.
      type: list
      elements: str
      returned: when O(inline_policies) is set
      sample: [read-config]
    instance_profiles:
      description: Names of the instance profiles that hold the role.
      type: list
      elements: str
      returned: when O(create_instance_profile) is set
      sample: [web-server]
  sample:
    name: web-server
    arn: arn:aws:iam::123456789012:role/web-server
    path: /
    description: null
    assume_role_policy:
      Version: "2012-10-17"
      Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]
    max_session_duration: 3600
    permissions_boundary: null
    tags: {}
actions:
  description: What the task did (in check mode, would do), one item per AWS call, in order; empty when nothing changes.
  returned: always
  type: list
  elements: str
  sample: [create role web-server, create instance profile web-server, add the role to instance profile web-server]
diff:
  description:
    - The role before and after, as in RV(role) with C(state) present or absent, and the
      C(inline_policy_documents) that were compared.
  returned: when diff mode is on
  type: dict
  sample:
    before: {state: present, name: web-server, max_session_duration: 3600}
    after: {state: present, name: web-server, max_session_duration: 7200}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_role import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
