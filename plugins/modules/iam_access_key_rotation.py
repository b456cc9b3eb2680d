#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_access_key_rotation
short_description: Take the access keys of one IAM user one stage further in a staged rotation
version_added: 0.1.0
description:
  - Rotates the access keys of one IAM user the way AWS documents it (CIS AWS Foundations 3.0 1.13 and 1.14,
    7.0 2.12), one stage per run, deciding everything from what AWS records (key status, creation date, last use)
    read at the time of the task. Nothing is remembered between runs, so an interrupted run or two overlapping
    runs cannot lose track of a rotation.
  - A user whose only key is Active and at least O(max_age_days) old gets a second key, whose secret is delivered
    (O(store)) before anything else happens. If the user has two keys and the older one is Inactive, that one is
    deleted first. If delivery fails the new key is deleted at once and the task fails saying so.
  - The old key is set Inactive once the new key is O(deactivate_after_days) old, or sooner when the new key has
    been used and the old one has not been used since. An old key used in the last O(in_use_hours) hours is not
    deactivated but reported in RV(report), unless O(force).
  - An Inactive old key is deleted once the new key is O(delete_after_days) old, never in the run that
    deactivated it, and not while its last use is more recent than O(delete_after_days) minus
    O(deactivate_after_days) days (an Inactive key cannot be used, so it was deactivated since).
  - Two Active keys that are not a rotation in progress, or a newer Inactive key next to an older Active one, are
    reported in RV(report) and left for a person. The user never has more than two keys, and never loses its
    last active key.
  - "Required IAM actions: C(iam:ListAccessKeys), C(iam:GetAccessKeyLastUsed), C(iam:CreateAccessKey),
    C(iam:UpdateAccessKey), C(iam:DeleteAccessKey), C(secretsmanager:PutSecretValue),
    C(secretsmanager:CreateSecret), C(secretsmanager:DescribeSecret), C(ssm:PutParameter), C(ssm:DescribeParameters)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  user_name:
    description:
      - Name of the IAM user whose keys are rotated. The user must exist.
    type: str
    required: true
    aliases: [user, username]
  max_age_days:
    description:
      - An only Active key this many days old or older gets a partner key (CIS 1.14 uses 90).
    type: int
    default: 90
  deactivate_after_days:
    description:
      - The old key is set Inactive once the new key is this many days old.
    type: int
    default: 10
  delete_after_days:
    description:
      - The Inactive old key is deleted once the new key is this many days old. Must be more than
        O(deactivate_after_days).
    type: int
    default: 20
  in_use_hours:
    description:
      - An old key used this recently is not deactivated (a consumer still uses it) unless O(force).
    type: int
    default: 24
  force:
    description:
      - Deactivate the old key when its deactivation is due even if it was used in the last O(in_use_hours) hours.
    type: bool
    default: false
  store:
    description:
      - Where the secret of the new key goes.
      - V(secretsmanager) writes it as a new version of the secret O(secret_name), created if missing.
      - V(ssm) writes it to the SecureString parameter O(secret_name), overwriting it.
      - V(none) returns it once in RV(created_keys); the task must then set C(no_log), else it fails before any
        AWS call.
      - The value written is the JSON object C({"AccessKeyId", "SecretAccessKey", "UserName", "CreateDate"}).
    type: str
    choices: [secretsmanager, ssm, none]
    default: secretsmanager
  secret_name:
    description:
      - Name of the secret or parameter for O(store).
      - Defaults to V(hardening/access-keys/<user name>), or V(/hardening/access-keys/<user name>) for O(store=ssm).
    type: str
  kms_key_id:
    description:
      - KMS key (key id, key ARN, alias name V(alias/...) or alias ARN) that encrypts the secret or parameter.
        When unset, the store's AWS managed key is used.
      - Used when a secret is created in Secrets Manager, and for every SSM write.
    type: str
notes:
  - A run makes one C(iam:ListAccessKeys) and one C(iam:GetAccessKeyLastUsed) per key (two at most), and after a
    change one more C(iam:ListAccessKeys).
  - The M(hardening.aws.iam_access_key) module manages keys by count or by id; this one only rotates.
  - The stages and how consumers pick up the new key are described in the collection's C(docs/rotation.md).
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.common.attributes
"""

EXAMPLES = r"""
- name: Rotate the deploy user's key, the new secret in Secrets Manager (hardening/access-keys/ci-deploy)
  hardening.aws.iam_access_key_rotation:
    user_name: ci-deploy

- name: Same, faster, into an SSM parameter encrypted with our own key
  hardening.aws.iam_access_key_rotation:
    user_name: ci-deploy
    max_age_days: 60
    deactivate_after_days: 5
    delete_after_days: 15
    store: ssm
    secret_name: /ci/deploy/aws-access-key
    kms_key_id: alias/ci-secrets

- name: The play needs the new secret itself
  hardening.aws.iam_access_key_rotation:
    user_name: build-bot
    store: none
  register: build_bot_rotation
  no_log: true
"""

RETURN = r"""
user_name:
  description: The IAM user.
  returned: always
  type: str
  sample: ci-deploy
stage:
  description:
    - Where the user's rotation stands, at the time of the task.
    - V(current) (one young key), V(due) (a partner key is created), V(old) (rotation in progress, the old key
      stays Active for now), V(deactivate), V(in_use) (deactivation due but held, see RV(report)), V(inactive)
      (the old key waits for deletion), V(delete), V(attention) (left for a person), V(idle) (no active key).
  returned: always
  type: str
  sample: due
keys:
  description: The user's keys at the time of the task, oldest first, each with its stage. No secret.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Access key id.
      type: str
      sample: AKIAIOSFODNN7EXAMPLE
    status:
      description: V(Active) or V(Inactive).
      type: str
      sample: Active
    create_date:
      description: When the key was created (ISO 8601).
      type: str
      sample: "2024-01-31T09:15:00+00:00"
    last_used_date:
      description: When the key was last used (ISO 8601); null if never.
      type: str
      sample: "2024-05-02T17:40:12+00:00"
    age_days:
      description: Whole days since the key was created.
      type: int
      sample: 120
    stage:
      description:
        - V(current), V(due), V(new), V(old), V(in_use), V(deactivate), V(inactive), V(delete), V(attention)
          or V(idle).
      type: str
      sample: due
    note:
      description: Why the key is in that stage and what comes next, for a person.
      type: str
      sample: 120 days old (max 90 days), a partner key is created and delivered
steps:
  description: The steps of this run in order (or in check mode, that would be taken).
  returned: always
  type: list
  elements: dict
  sample: [{action: create, key_id: null}]
actions:
  description: The same steps as sentences.
  returned: always
  type: list
  elements: str
  sample: [create a new access key for ci-deploy and deliver it to secretsmanager hardening/access-keys/ci-deploy]
report:
  description: What a person should look at (an old key still in use, two active keys...). Empty when nothing.
  returned: always
  type: list
  elements: str
  sample: []
created_keys:
  description: The key this task created.
  returned: when a key was created (never in check mode)
  type: list
  elements: dict
  contains:
    id:
      description: Access key id.
      type: str
      sample: AKIAIOSFODNN7EXAMPLE
    user_name:
      description: The IAM user.
      type: str
      sample: ci-deploy
    create_date:
      description: When the key was created (ISO 8601).
      type: str
      sample: "2024-01-31T09:15:00+00:00"
    secret_access_key:
      description: The secret access key. Only with O(store=none), and only here, once.
      type: str
      returned: when O(store=none)
      sample: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    delivered_to:
      description: Where the secret was written (no secret in it).
      type: dict
      returned: when O(store) is V(secretsmanager) or V(ssm)
      sample:
        store: secretsmanager
        name: hardening/access-keys/ci-deploy
diff:
  description: Ids and status of the user's keys before and after; a key still to be created has a null id.
  returned: when diff mode is on
  type: dict
  sample:
    before: {keys: [{id: AKIAIOSFODNN7EXAMPLE, status: Active}]}
    after: {keys: [{id: AKIAIOSFODNN7EXAMPLE, status: Active}, {id: null, status: Active}]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._module import run_module
from ansible_collections.hardening.aws.plugins.module_utils._rotation import MODULE_SPEC


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
