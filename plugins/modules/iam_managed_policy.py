#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_managed_policy
short_description: Manage customer managed IAM policies, their versions and tags
version_added: 0.1.0
description:
  - Creates, updates and deletes a customer managed policy of an AWS account (hardening guide
    practices 2 and 5, permissions granted through groups and roles and least privilege).
  - A changed document becomes a new default version of the policy. Documents are compared after
    normalisation, so a document that differs only in formatting (key order, a single action written
    as a string or a list, statement order) changes nothing.
  - AWS keeps at most five versions of a managed policy. When the limit is reached, the oldest
    version that is not the default is deleted before the new version is created.
  - The policy is looked up by its ARN, derived from the account, O(path) and O(name); the account is
    read from O(assume_role_arn) when set, otherwise from C(sts:GetCallerIdentity). AWS managed
    policies are never listed. Only when the policy is not at that ARN (when it is created, or when it
    lives under another path) is C(iam:ListPolicies) called, for customer managed policies only.
  - With O(state=absent), the policy is first detached from every user, group and role that has it,
    then its non-default versions are deleted, then the policy itself, which is the order AWS requires.
    A policy used as a permissions boundary is not deleted, because removing a boundary would widen what a
    user or role may do.
  - Names, path, tags and the document are checked before any AWS call.
  - "Required IAM actions: C(sts:GetCallerIdentity), C(iam:GetPolicy), C(iam:GetPolicyVersion),
    C(iam:ListPolicies), C(iam:CreatePolicy), C(iam:ListPolicyVersions), C(iam:CreatePolicyVersion),
    C(iam:DeletePolicyVersion), C(iam:TagPolicy), C(iam:UntagPolicy), C(iam:ListEntitiesForPolicy),
    C(iam:DetachUserPolicy), C(iam:DetachGroupPolicy), C(iam:DetachRolePolicy), C(iam:DeletePolicy)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  name:
    description:
      - Name of the policy, 1 to 128 letters, digits and C(+=,.@_-). Policy names are unique in an
        account whatever their path, and case-insensitive.
    type: str
    required: true
    aliases: [policy_name]
  state:
    description:
      - V(present) creates the policy or brings it to the options given.
      - V(absent) detaches the policy from every user, group and role, deletes its versions and the policy.
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - Path of the policy, V(/) or V(/something/) (printable ASCII, 512 characters at most).
      - Used when the policy is created (V(/) when unset). AWS cannot move a policy to another path,
        so a policy that exists under a different path fails the task, naming the path it has.
      - When unset, an existing policy is found under whatever path it has. Setting it saves a
        C(iam:ListPolicies) call for policies that do not live under V(/).
    type: str
  description:
    description:
      - Description of the policy, 1,000 characters at most.
      - Set only when the policy is created. AWS cannot change the description of an existing policy, so
        for an existing policy this option is ignored; the policy's own description is returned.
    type: str
  policy:
    description:
      - The policy document, as JSON text or as a YAML dictionary.
      - Required to create the policy. When unset, the document of an existing policy is not managed.
      - It must be a JSON object with at least one statement and at most 6,144 characters without
        whitespace; it is checked before any AWS call.
    type: raw
    aliases: [policy_document]
  tags:
    description:
      - Tags the policy must have. Keys 1 to 128 characters, values up to 256 characters, 50 tags at most,
        no C(aws:) prefix.
      - Unset means tags are not managed. Tags not listed here are kept unless O(purge_tags=true).
    type: dict
  purge_tags:
    description:
      - Remove tags that are not in O(tags). Ignored when O(tags) is unset.
    type: bool
    default: false
notes:
  - A converged run makes two IAM calls (C(iam:GetPolicy) and C(iam:GetPolicyVersion)), plus
    C(sts:GetCallerIdentity) when O(assume_role_arn) is not set.
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.common.attributes
"""

EXAMPLES = r"""
- name: A policy that lets the deploy role read one bucket
  hardening.aws.iam_managed_policy:
    name: deploy-artifacts-read
    path: /deploy/
    description: Read the deployment artifacts bucket
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: [s3:GetObject, s3:ListBucket]
          Resource:
            - arn:aws:s3:::acme-artifacts
            - arn:aws:s3:::acme-artifacts/*
    tags:
      owner: platform

- name: The same policy from a JSON file (a changed file becomes a new default version)
  hardening.aws.iam_managed_policy:
    name: deploy-artifacts-read
    path: /deploy/
    policy: "{{ lookup('ansible.builtin.file', 'policies/deploy-artifacts-read.json') }}"

- name: Only manage the tags, replacing any other tag
  hardening.aws.iam_managed_policy:
    name: deploy-artifacts-read
    tags:
      owner: platform
      cost-centre: "4711"
    purge_tags: true

- name: Remove the policy, detaching it from every user, group and role first
  hardening.aws.iam_managed_policy:
    name: deploy-artifacts-read
    state: absent
"""

RETURN = r"""
policy:
  description:
    - The policy after the task; in check mode, the policy as the task would leave it
      (RV(policy.default_version_id) is then null when a new version would be created).
    - Null when there is no policy.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the policy.
      type: str
      sample: deploy-artifacts-read
    arn:
      description: ARN of the policy.
      type: str
      sample: arn:aws:iam::123456789012:policy/deploy/deploy-artifacts-read
    path:
      description: Path of the policy.
      type: str
      sample: /deploy/
    policy_id:
      description: AWS's unique id of the policy (null in check mode for a policy not created yet).
      type: str
      sample: ANPAEXAMPLE1234567890
    description:
      description: Description of the policy (null when it has none).
      type: str
      sample: Read the deployment artifacts bucket
    default_version_id:
      description: Id of the default version, which holds RV(policy.document).
      type: str
      sample: v3
    document:
      description: The document of the default version.
      type: dict
      sample:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [s3:GetObject, s3:ListBucket]
            Resource: [arn:aws:s3:::acme-artifacts, arn:aws:s3:::acme-artifacts/*]
    attachment_count:
      description: Number of users, groups and roles the policy is attached to.
      type: int
      sample: 2
    tags:
      description: Tags of the policy.
      type: dict
      sample: {owner: platform}
actions:
  description:
    - What the task did, or in check mode would do, one item per change, in order. Empty when nothing changes.
  returned: always
  type: list
  elements: str
  sample:
    - detach from group developers
    - delete version v2
    - delete policy arn:aws:iam::123456789012:policy/deploy/deploy-artifacts-read
diff:
  description: The policy before and after (state, name, path, description, document, tags).
  returned: when diff mode is on
  type: dict
  sample:
    before:
      state: present
      name: deploy-artifacts-read
      path: /deploy/
      description: null
      document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "*"}]}
      tags: {}
    after:
      state: present
      name: deploy-artifacts-read
      path: /deploy/
      description: null
      document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: s3:ListBucket, Resource: "*"}]}
      tags: {}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_managed_policy import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
