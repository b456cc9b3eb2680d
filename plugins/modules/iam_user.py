#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_user
short_description: Manage an IAM user, its groups, policies and console access, or delete it with every credential
version_added: 0.1.0
description:
  - Creates or updates an IAM user, its path, tags, permissions boundary, group memberships, attached managed
    policies, inline policies and console access (login profile).
  - An option left unset is not managed, and is not even read. Lists and maps add to what the user has;
    they replace it only with the matching C(purge_*) option.
  - With O(state=absent), deletes the user in the only order IAM accepts (hardening guide practice 6),
    that is the console password, access keys, signing certificates, SSH public keys, service-specific credentials,
    MFA devices (deactivated, and virtual devices deleted, so none is left behind), inline policies,
    attached managed policies, group memberships, then the user. In check mode the RV(plan) lists each
    of these items and nothing is deleted.
  - Names, paths, tags, policy references and policy documents are checked against IAM's rules before any
    AWS call; groups the user would join are checked to exist before anything changes.
  - A password is never logged, never in the diff or the plan, and is returned only when the module
    generated it and O(store=none).
  - "Required IAM actions: C(iam:GetUser), C(iam:CreateUser), C(iam:UpdateUser), C(iam:TagUser), C(iam:UntagUser),
    C(iam:PutUserPermissionsBoundary), C(iam:DeleteUserPermissionsBoundary), C(iam:ListGroupsForUser), C(iam:GetGroup),
    C(iam:AddUserToGroup), C(iam:RemoveUserFromGroup), C(iam:ListAttachedUserPolicies), C(iam:ListPolicies),
    C(iam:GetPolicy), C(iam:AttachUserPolicy), C(iam:DetachUserPolicy), C(iam:ListUserPolicies), C(iam:GetUserPolicy),
    C(iam:PutUserPolicy), C(iam:DeleteUserPolicy), C(iam:GetLoginProfile), C(iam:GetAccountPasswordPolicy),
    C(iam:CreateLoginProfile), C(iam:UpdateLoginProfile), C(iam:DeleteLoginProfile), C(iam:ListAccessKeys),
    C(iam:DeleteAccessKey), C(iam:ListSigningCertificates), C(iam:DeleteSigningCertificate),
    C(iam:ListSSHPublicKeys), C(iam:DeleteSSHPublicKey), C(iam:ListServiceSpecificCredentials),
    C(iam:DeleteServiceSpecificCredential), C(iam:ListMFADevices), C(iam:DeactivateMFADevice),
    C(iam:DeleteVirtualMFADevice), C(iam:DeleteUser), C(secretsmanager:PutSecretValue),
    C(secretsmanager:CreateSecret), C(ssm:PutParameter)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  name:
    description:
      - Name of the IAM user, 1 to 64 letters, digits and C(+=,.@_-).
    type: str
    required: true
    aliases: [user_name]
  state:
    description:
      - V(present) creates or updates the user.
      - V(absent) deletes the user and everything that blocks its deletion (see the description);
        every option but O(name) is then ignored. Its tags and permissions boundary go with it.
        Secrets this module delivered earlier are left in their store.
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - IAM path of the user, C(/) or C(/text/), at most 512 printable ASCII characters.
      - A new user gets C(/) when not set; an existing user keeps its path when not set and is moved when it differs.
    type: str
  tags:
    description:
      - Tags the user must have, as a mapping. Keys 1 to 128 characters, not starting with C(aws:); values
        at most 256 characters; at most 50 tags.
      - Other tags stay unless O(purge_tags=true).
    type: dict
  purge_tags:
    description: Remove the tags not in O(tags). Without O(tags) nothing is managed.
    type: bool
    default: false
  groups:
    description:
      - Groups the user must belong to, by name. They must exist; the task fails naming the missing ones
        before it changes anything.
      - Other memberships stay unless O(purge_groups=true).
    type: list
    elements: str
  purge_groups:
    description: Remove the user from the groups not in O(groups). With O(groups=[]), from every group.
    type: bool
    default: false
  permissions_boundary:
    description:
      - Managed policy (name or ARN) that sets the maximum permissions of the user.
      - An empty string removes the boundary. Not managed when not set.
    type: str
  console_access:
    description:
      - V(true) makes sure the user can sign in to the console (has a login profile); V(false) removes
        its console password. Not managed when not set.
      - When the user has no console password yet, it gets O(password), or, without it, a new random
        password of 32 characters (more if the account's password policy asks for more) with upper and
        lower case letters, digits and symbols, made by Python's C(secrets) module.
      - A generated password is delivered to O(store), or returned once as RV(generated_password) when
        O(store=none).
    type: bool
  password:
    description:
      - Console password to set, 1 to 128 characters; it must meet the account's password policy. Never logged.
      - Only with O(console_access=true). Set on creation of the login profile; on later runs only with
        O(update_password=always).
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only when the user gets console access; an existing password is kept
        (AWS does not let anyone read a password, so it cannot be compared).
      - V(always) sets O(password) on every run; the task then reports a change every time.
    type: str
    choices: [on_create, always]
    default: on_create
  password_reset_required:
    description:
      - Whether the user must choose a new password at the next sign-in. Only with O(console_access=true).
      - When not set, a new login profile gets AWS's default (V(false)) and an existing one is left as it is.
    type: bool
  store:
    description:
      - Where a password the module sets (generated or given) is delivered, as JSON with C(user_name),
        C(password) and C(account_id), so it never passes through Ansible's output.
      - V(secretsmanager) writes a new version of the secret O(secret_name) (created on first use);
        V(ssm) writes the SecureString parameter O(secret_name).
      - The password is delivered before it is set on the user, so a failed delivery changes nothing.
      - V(none) delivers nothing; a generated password is then returned once as RV(generated_password).
    type: str
    choices: [secretsmanager, ssm, none]
    default: none
  secret_name:
    description:
      - Name of the secret or parameter. Defaults to C(hardening/console-passwords/<name>) for Secrets Manager
        and C(/hardening/console-passwords/<name>) for SSM.
      - Only with O(store=secretsmanager) or O(store=ssm).
    type: str
  kms_key_id:
    description:
      - KMS key for a new secret or the parameter; AWS's default key for the service when not set.
      - Only with O(store=secretsmanager) or O(store=ssm).
    type: str
notes:
  - "Service-specific credentials (CodeCommit, Bedrock, CloudWatch Logs, Keyspaces) are listed and deleted
    with O(state=absent). An endpoint that does not implement these calls (some local simulators) makes the
    task fail with a message saying so: nothing is skipped silently."
  - Sessions already issued to the user stay valid until they expire; deleting the user does not revoke them.
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.policies
  - hardening.aws.common.attributes
"""

EXAMPLES = r"""
- name: A developer who gets permissions through groups only, with console access
  hardening.aws.iam_user:
    name: alice
    path: /people/
    tags:
      team: payments
      owner: alice@example.com
    groups: [developers]
    purge_groups: true
    console_access: true
    password_reset_required: true
    store: secretsmanager  # the generated password goes to hardening/console-passwords/alice

- name: A break-glass user with a boundary, an AWS managed and a customer managed policy
  hardening.aws.iam_user:
    name: break-glass
    managed_policies:
      - AdministratorAccess
      - arn:aws:iam::123456789012:policy/deny-outside-eu
    purge_managed_policies: true
    permissions_boundary: deny-outside-eu
    inline_policies:
      deny-iam-users: |
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]}

- name: Remove console access, keep everything else as it is
  hardening.aws.iam_user:
    name: ci-deploy
    console_access: false

- name: Remove a permissions boundary
  hardening.aws.iam_user:
    name: break-glass
    permissions_boundary: ""

- name: Offboard a leaver; check mode first shows every item that would go
  hardening.aws.iam_user:
    name: leaver-dave
    state: absent
  check_mode: true
  register: offboarding

- name: Then delete for real, in another account of the fleet
  hardening.aws.iam_user:
    name: leaver-dave
    state: absent
    assume_role_arn: arn:aws:iam::123456789012:role/OrganizationAccountAccessRole
"""

RETURN = r"""
user:
  description:
    - The user after the task (in check mode, the user the task would leave); null when there is none.
    - The keys for groups, policies and console access are there only when the matching option is set.
  returned: always
  type: dict
  contains:
    user_name:
      description: Name of the user.
      type: str
      sample: alice
    user_id:
      description: Unique id of the user; null in check mode before the user exists.
      type: str
      sample: AIDAIOSFODNN7EXAMPLE
    arn:
      description: ARN of the user; null in check mode before the user exists.
      type: str
      sample: arn:aws:iam::123456789012:user/people/alice
    path:
      description: IAM path of the user.
      type: str
      sample: /people/
    create_date:
      description: When the user was created (ISO 8601); null in check mode before the user exists.
      type: str
      sample: "2024-05-01T10:00:00+00:00"
    tags:
      description: Every tag of the user.
      type: dict
      sample: {team: payments, owner: alice@example.com}
    permissions_boundary:
      description: ARN of the permissions boundary, null when there is none.
      type: str
      sample: arn:aws:iam::123456789012:policy/deny-outside-eu
    groups:
      description: Every group of the user, sorted.
      type: list
      elements: str
      returned: when O(groups) is set
      sample: [developers]
    managed_policies:
      description: ARNs of every managed policy attached to the user, sorted.
      type: list
      elements: str
      returned: when O(managed_policies) is set
      sample: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    inline_policies:
      description: Names of every inline policy of the user, sorted.
      type: list
      elements: str
      returned: when O(inline_policies) is set
      sample: [deny-iam-users]
    console_access:
      description: Whether the user has a console password (login profile).
      type: bool
      returned: when O(console_access) is set
      sample: true
    password_reset_required:
      description: Whether the user must change the password at the next sign-in; null without console access.
      type: bool
      returned: when O(console_access) is set
      sample: false
plan:
  description:
    - What the task does (in check mode, would do), one item per API change, in order. Empty when there is
      nothing to do. Each item has an C(action) and the ids it acts on; a password appears only as its
      C(password_source), V(given) or V(generated).
    - "Actions: C(create_user) (with C(path), C(tags), C(permissions_boundary)), C(update_path),
      C(tag_user), C(untag_user), C(put_permissions_boundary), C(delete_permissions_boundary),
      C(add_to_group), C(remove_from_group), C(attach_policy), C(detach_policy), C(put_inline_policy),
      C(delete_inline_policy), C(create_login_profile), C(update_login_profile) (with C(deliver_to) when
      the password goes to a store), C(delete_login_profile), C(delete_access_key),
      C(delete_signing_certificate), C(delete_ssh_public_key), C(delete_service_specific_credential),
      C(deactivate_mfa_device), C(delete_virtual_mfa_device), C(delete_user)."
  returned: always
  type: list
  elements: dict
  sample:
    - {action: delete_login_profile}
    - {action: delete_access_key, access_key_id: AKIAIOSFODNN7EXAMPLE}
    - {action: delete_signing_certificate, certificate_id: TA7SMP42TDN5Z26OBPJE7EXAMPLE}
    - {action: delete_ssh_public_key, ssh_public_key_id: APKAEIBAERJR2EXAMPLE}
    - {action: delete_service_specific_credential, service_specific_credential_id: ACCAEXAMPLE123EXAMPLE,
       service_name: codecommit.amazonaws.com}
    - {action: deactivate_mfa_device, serial_number: "arn:aws:iam::123456789012:mfa/dave"}
    - {action: delete_virtual_mfa_device, serial_number: "arn:aws:iam::123456789012:mfa/dave"}
    - {action: delete_inline_policy, policy_name: dave-inline}
    - {action: detach_policy, policy_arn: "arn:aws:iam::123456789012:policy/dave-extra"}
    - {action: remove_from_group, group_name: developers}
    - {action: delete_user}
generated_password:
  description:
    - The console password the module generated. Store it now, AWS never shows it again.
    - Prefer O(store) so the password never passes through Ansible's output.
  returned: only when the module generated a password (console access turned on, no O(password)) and O(store=none)
  type: str
  sample: "kq7#Vd2!mZ9x(Lr4@Tn8_Wb3=Hs6]Pe1"
password_delivery:
  description: Where the password went (never the password itself).
  returned: when the module set a password and O(store) is V(secretsmanager) or V(ssm)
  type: dict
  sample:
    store: secretsmanager
    name: hardening/console-passwords/alice
    arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:hardening/console-passwords/alice-AbCdEf
    version_id: 6f1c7c1e-8a4b-4f7e-9d2a-0123456789ab
diff:
  description:
    - The user before and after, with C(state) present or absent, the inline documents that were compared
      in C(inline_policy_documents), and for a user being deleted its credentials by id. No password.
  returned: when diff mode is on
  type: dict
  sample:
    before: {state: absent}
    after: {state: present, user_name: alice, path: /people/, tags: {team: payments}, groups: [developers],
            permissions_boundary: null, console_access: true, password_reset_required: true}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_user import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
