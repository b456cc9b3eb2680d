#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_group
short_description: Manage an IAM group, its members and its policies
version_added: 0.1.0
description:
  - Creates, updates or deletes an IAM group with its members, attached managed policies and
    inline policies (hardening guide practice 2, permissions through groups; CIS AWS Foundations
    3.0 1.15, 7.0 2.13).
  - An option left unset is not managed and not even read. A list replaces what the group has
    only with the matching C(purge_*) option; otherwise it only adds.
  - Policy documents are compared by meaning, so a document that differs only in formatting
    (JSON text or a dictionary, a string or a one-item list, the order of statements or actions)
    is not a change.
  - Names, paths, policy references and policy documents are checked before any AWS call; users to
    add that do not exist fail the task, naming them, before anything is changed.
  - "Required IAM actions: C(iam:GetGroup), C(iam:CreateGroup), C(iam:UpdateGroup), C(iam:DeleteGroup),
    C(iam:GetUser), C(iam:AddUserToGroup), C(iam:RemoveUserFromGroup), C(iam:ListAttachedGroupPolicies),
    C(iam:AttachGroupPolicy), C(iam:DetachGroupPolicy), C(iam:ListPolicies), C(iam:GetPolicy),
    C(iam:ListGroupPolicies), C(iam:GetGroupPolicy), C(iam:PutGroupPolicy), C(iam:DeleteGroupPolicy)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  name:
    description:
      - Name of the group, up to 128 letters, digits and C(+=,.@_-).
    type: str
    required: true
    aliases: [group_name]
  state:
    description:
      - V(present) creates the group if needed and applies the options.
      - V(absent) removes the members, the attached and the inline policies (AWS refuses to delete a
        group that still has any), then deletes the group. Every option but O(name) is then ignored.
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - Path of the group, V(/) or V(/something/). A group is created with V(/) when it is not set;
        an existing group is moved to the path given.
    type: str
  members:
    description:
      - Names of the IAM users who must be members of the group.
      - Every user to add must exist; otherwise the task fails naming the missing users and
        changes nothing.
    type: list
    elements: str
    aliases: [users]
  purge_members:
    description:
      - Remove the members that are not in O(members). O(members=[]) with O(purge_members=true)
        empties the group.
      - Has no effect when O(members) is not set.
    type: bool
    default: false
    aliases: [purge_users]
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.policies
  - hardening.aws.common.attributes
notes:
  - IAM user names are unique regardless of case, so O(members) are compared without case.
"""

EXAMPLES = r"""
- name: Read-only developers group with two members
  hardening.aws.iam_group:
    name: developers
    managed_policies:
      - ReadOnlyAccess
    members:
      - alice
      - bob

- name: Administrators group, exactly these members and policies
  hardening.aws.iam_group:
    name: admins
    path: /people/
    managed_policies:
      - arn:aws:iam::aws:policy/AdministratorAccess
    purge_managed_policies: true
    members: [carol]
    purge_members: true
    inline_policies:
      require-mfa:
        Version: "2012-10-17"
        Statement:
          - Sid: DenyWithoutMFA
            Effect: Deny
            NotAction: ["iam:ChangePassword", "iam:GetUser", "sts:GetSessionToken"]
            Resource: "*"
            Condition:
              BoolIfExists:
                aws:MultiFactorAuthPresent: "false"
    purge_inline_policies: true

- name: Remove the group, its memberships and policies
  hardening.aws.iam_group:
    name: contractors
    state: absent
"""

RETURN = r"""
group:
  description:
    - The group after the task (in check mode, the group the task would leave); null when there is none.
    - C(arn) is null in check mode for a group that does not exist yet.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the group.
      type: str
      returned: always
      sample: developers
    arn:
      description: ARN of the group.
      type: str
      returned: always
      sample: arn:aws:iam::123456789012:group/developers
    path:
      description: Path of the group.
      type: str
      returned: always
      sample: /
    members:
      description: Names of the users in the group, sorted.
      type: list
      elements: str
      returned: always
      sample: [alice, bob]
    managed_policies:
      description: ARNs of the attached managed policies, sorted.
      type: list
      elements: str
      returned: when O(managed_policies) is set
      sample: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    inline_policies:
      description: Names of the group's inline policies, sorted.
      type: list
      elements: str
      returned: when O(inline_policies) is set
      sample: [require-mfa]
  sample:
    name: developers
    arn: arn:aws:iam::123456789012:group/developers
    path: /
    members: [alice, bob]
    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
actions:
  description: What the task did (in check mode, would do), one item per AWS call, in order; empty when nothing changes.
  returned: always
  type: list
  elements: str
  sample: [create group developers, add user alice, attach managed policy arn:aws:iam::aws:policy/ReadOnlyAccess]
diff:
  description:
    - The group before and after, as in RV(group) with C(state) present or absent, and the
      C(inline_policy_documents) that were compared.
  returned: when diff mode is on
  type: dict
  sample:
    before: {state: absent}
    after: {state: present, name: developers, arn: null, path: /, members: [alice]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_group import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
