#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_user_disable
short_description: Disable an IAM user without deleting it, and return everything it holds
version_added: 0.1.0
description:
  - Disables an IAM user (hardening guide practice 6; CIS 1.12). It deletes its console password, sets every access
    key, signing certificate, SSH public key and service-specific credential Inactive, revokes the sessions already
    issued with an inline deny-all policy conditioned on C(aws:TokenIssueTime), and tags the user
    C(hardening:disabled-at) with the time it was disabled. The user, its groups and policies stay.
  - Idempotent. A user already disabled (or gone) reports no change; a user already tagged keeps its first
    disable time, and a credential set Active again since is set Inactive again.
  - Returns the user as read before any change (RV(user)), with every credential by id, status and date and the
    inline policy documents, and no secret; the C(hardening.aws.offboard) role archives it before it touches the
    user. In check mode, RV(plan) lists each change and nothing changes.
  - To delete a user with everything it holds, use M(hardening.aws.iam_user) with
    O(hardening.aws.iam_user#module:state=absent).
  - "Required IAM actions: C(iam:GetUser), C(iam:ListGroupsForUser), C(iam:ListAttachedUserPolicies),
    C(iam:ListUserPolicies), C(iam:GetUserPolicy), C(iam:GetLoginProfile), C(iam:ListAccessKeys),
    C(iam:ListSigningCertificates), C(iam:ListSSHPublicKeys), C(iam:ListServiceSpecificCredentials),
    C(iam:ListMFADevices), C(iam:DeleteLoginProfile), C(iam:UpdateAccessKey), C(iam:UpdateSigningCertificate),
    C(iam:UpdateSSHPublicKey), C(iam:UpdateServiceSpecificCredential), C(iam:PutUserPolicy), C(iam:TagUser)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  name:
    description:
      - Name of the IAM user, 1 to 64 letters, digits and C(+=,.@_-).
    type: str
    required: true
    aliases: [user_name]
  disabled_at:
    description:
      - The disable time (ISO 8601), recorded in the tag and used in the session revocation policy; sessions issued
        before it are denied everything.
      - Defaults to now. A user already tagged C(hardening:disabled-at) keeps its tagged time.
    type: str
  revoke_policy_name:
    description: Name of the inline deny-all policy that revokes sessions issued before the disable time.
    type: str
    default: hardening-revoke-sessions
notes:
  - "Sessions issued after the disable time are not denied by the revocation policy: the user has no active
    credential left to start one."
  - "An endpoint that does not implement the service-specific credential calls makes the task fail with a message
    saying so, nothing is skipped silently."
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.common.attributes
"""

EXAMPLES = r"""
- name: See what disabling a leaver would change, and everything the user holds
  hardening.aws.iam_user_disable:
    name: leaver-dave
  check_mode: true
  register: leaver

- name: Disable the leaver in another account of the fleet
  hardening.aws.iam_user_disable:
    name: leaver-dave
    assume_role_arn: arn:aws:iam::123456789012:role/OrganizationAccountAccessRole
"""

RETURN = r"""
user:
  description:
    - The user as read before the task changed anything, enough to recreate it; null when there is no such user.
      No secret is in it.
  returned: always
  type: dict
  contains:
    user_name:
      description: Name of the user.
      type: str
      sample: leaver-dave
    user_id:
      description: Unique id of the user.
      type: str
      sample: AIDAIOSFODNN7EXAMPLE
    arn:
      description: ARN of the user.
      type: str
      sample: arn:aws:iam::123456789012:user/leaver-dave
    path:
      description: IAM path of the user.
      type: str
      sample: /
    create_date:
      description: When the user was created (ISO 8601).
      type: str
      sample: "2024-05-01T10:00:00+00:00"
    tags:
      description: Every tag of the user.
      type: dict
      sample: {team: payments}
    permissions_boundary:
      description: ARN of the permissions boundary, null when there is none.
      type: str
      sample: arn:aws:iam::aws:policy/PowerUserAccess
    groups:
      description: Every group of the user, sorted.
      type: list
      elements: str
      sample: [developers]
    managed_policies:
      description: ARNs of every managed policy attached to the user, sorted.
      type: list
      elements: str
      sample: [arn:aws:iam::123456789012:policy/dave-extra]
    inline_policies:
      description: Every inline policy of the user, name to document.
      type: dict
      sample:
        dave-inline: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}
    console_access:
      description: Whether the user has a console password (login profile).
      type: bool
      sample: true
    password_reset_required:
      description: Whether the user must change the password at the next sign-in; null without console access.
      type: bool
      sample: false
    access_keys:
      description: Access keys by id, with C(status) and C(create_date).
      type: list
      elements: dict
      sample: [{access_key_id: AKIAIOSFODNN7EXAMPLE, status: Active, create_date: "2024-05-01T10:00:00+00:00"}]
    signing_certificates:
      description: Signing certificates by id, with C(status) and C(upload_date).
      type: list
      elements: dict
      sample:
        - {certificate_id: TA7SMP42TDN5Z26OBPJE7EXAMPLE, status: Active, upload_date: "2024-05-01T10:00:00+00:00"}
    ssh_public_keys:
      description: SSH public keys by id, with C(status) and C(upload_date).
      type: list
      elements: dict
      sample: [{ssh_public_key_id: APKAEIBAERJR2EXAMPLE, status: Active, upload_date: "2024-05-01T10:00:00+00:00"}]
    service_specific_credentials:
      description:
        - Service-specific credentials by id, with C(service_name), C(service_user_name), C(status) and C(create_date).
      type: list
      elements: dict
      sample: [{service_specific_credential_id: ACCAEXAMPLE123EXAMPLE, service_name: codecommit.amazonaws.com,
                service_user_name: leaver-dave-at-123456789012, status: Active,
                create_date: "2024-05-01T10:00:00+00:00"}]
    mfa_devices:
      description: MFA devices by C(serial_number), with C(enable_date).
      type: list
      elements: dict
      sample: [{serial_number: "arn:aws:iam::123456789012:mfa/leaver-dave", enable_date: "2024-05-01T10:00:00+00:00"}]
plan:
  description:
    - What the task does (in check mode, would do), one item per API change, in order; empty when the user is
      already disabled or does not exist.
    - "Actions: C(delete_login_profile), C(deactivate_access_key), C(deactivate_signing_certificate),
      C(deactivate_ssh_public_key), C(deactivate_service_specific_credential), C(put_revoke_policy)
      (with C(token_issued_before)), C(tag_user)."
  returned: always
  type: list
  elements: dict
  sample:
    - {action: delete_login_profile}
    - {action: deactivate_access_key, access_key_id: AKIAIOSFODNN7EXAMPLE}
    - {action: put_revoke_policy, policy_name: hardening-revoke-sessions, token_issued_before: "2024-05-01T12:00:00Z"}
    - {action: tag_user, tags: {"hardening:disabled-at": "2024-05-01T12:00:00Z"}}
disabled_at:
  description: The time the user is (or would be) tagged as disabled at; null when there is no such user.
  returned: always
  type: str
  sample: "2024-05-01T12:00:00Z"
diff:
  description: The user before and after (as RV(user)), or C(state=absent) when there is none.
  returned: when diff mode is on
  type: dict
  sample:
    before: {user_name: leaver-dave, console_access: true}
    after: {user_name: leaver-dave, console_access: false}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_user_disable import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
