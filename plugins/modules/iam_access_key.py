#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_access_key
short_description: Manage the access keys of an IAM user without handing out secrets by accident
version_added: 0.1.0
description:
  - Creates access keys for an IAM user, and activates, deactivates or deletes one key named by its id
    (CIS AWS Foundations 3.0 1.12 to 1.14; hardening guide practices 6 and 7).
  - Without O(id), O(active_keys) makes sure the user has at least that many active keys. Only the
    missing keys are created, so running the task again creates nothing. No key is ever deactivated or
    deleted implicitly; name it by O(id) for that.
  - AWS allows two keys per user, active or inactive. When creating the missing keys would exceed that,
    the task fails before any change, naming the user and listing its keys with their status and age.
  - The secret access key exists only at the moment of creation. With O(store=secretsmanager) or
    O(store=ssm) it is written straight to Secrets Manager or to an SSM SecureString parameter and never
    appears in the task result, the diff or the logs. If that write fails, the new key is deleted at once
    and the task fails saying so; no key is left whose secret nobody has.
    With O(store=none) the secret is returned once, in RV(created_keys), by the task that created it.
  - Every option is checked before any AWS call, secret and parameter names included.
  - "Required IAM actions: C(iam:ListAccessKeys), C(iam:GetAccessKeyLastUsed), C(iam:CreateAccessKey),
    C(iam:UpdateAccessKey), C(iam:DeleteAccessKey), C(secretsmanager:PutSecretValue),
    C(secretsmanager:CreateSecret), C(ssm:PutParameter)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  user_name:
    description:
      - Name of the IAM user whose keys are managed. The user must exist.
    type: str
    required: true
    aliases: [user, username]
  state:
    description:
      - V(present) creates missing keys (O(active_keys)) or sets the status of the key O(id).
      - V(absent) deletes the key O(id), or with O(never_used) the keys never used. Nothing else is ever deleted.
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - Id of one access key of the user to act on, V(AKIA) or V(ASIA) followed by 16 uppercase letters
        or digits. With O(state=present) and O(active), the key is activated or deactivated; with
        O(state=absent), it is deleted.
      - A key that is not one of the user's keys fails the task with O(state=present), naming the
        user's keys; with O(state=absent) it means there is nothing to delete.
      - Cannot be combined with O(active_keys).
    type: str
    aliases: [access_key_id]
  active:
    description:
      - Whether the key O(id) is active (V(true)) or inactive (V(false)). Unset leaves the status as it is.
      - Requires O(id).
    type: bool
    aliases: [enabled]
  active_keys:
    description:
      - The user must have at least this many active keys. Missing keys are created, inactive keys count
        towards AWS's limit of two keys per user, and a user with more active keys keeps them.
      - V(0) never creates a key; it reports the user's keys.
      - Creating two keys at once is refused with O(store=secretsmanager) or O(store=ssm), since one secret
        holds one key; create them in two tasks with different O(secret_name).
      - Cannot be combined with O(id).
    type: int
    choices: [0, 1, 2]
  never_used:
    description:
      - With O(state=absent) and without O(id), delete the keys AWS has never seen used
        (C(iam:GetAccessKeyLastUsed), read at the time of the task) that are at least O(min_age_days) old
        (CIS 1.11, keys made at user setup and never needed).
      - A user with a key that was used keeps all its keys, since a new key next to a used one is a
        rotation waiting for its consumer.
    type: bool
  min_age_days:
    description:
      - With O(never_used), keys younger than this many days are kept.
    type: int
    default: 7
  store:
    description:
      - Where the secret of a new key goes.
      - V(secretsmanager) writes it as a new version of the secret O(secret_name), created if missing.
      - V(ssm) writes it to the SecureString parameter O(secret_name), overwriting it.
      - V(none) returns it in RV(created_keys) (set C(no_log) on the task).
      - The value written is the JSON object C({"AccessKeyId", "SecretAccessKey", "UserName", "CreateDate"}).
    type: str
    choices: [secretsmanager, ssm, none]
    default: none
  secret_name:
    description:
      - Name of the secret or parameter for O(store).
      - Defaults to V(hardening/access-keys/<user name>), or V(/hardening/access-keys/<user name>) for
        O(store=ssm). A user name with characters the store does not allow (such as a comma) needs an
        explicit name.
      - Setting it with O(store=none) fails the task, so a forgotten O(store) never puts a secret in the output.
    type: str
  kms_key_id:
    description:
      - KMS key (key id, key ARN, alias name V(alias/...) or alias ARN) that encrypts the secret or parameter.
        When unset, the store's AWS managed key is used.
      - Used when a secret is created in Secrets Manager, and for every SSM write.
      - The identity running the task also needs C(kms:Encrypt) and C(kms:GenerateDataKey) on a customer managed key.
    type: str
notes:
  - A converged run makes one C(iam:ListAccessKeys) and one C(iam:GetAccessKeyLastUsed) per key of the user
    (two at most).
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.common.attributes
"""

EXAMPLES = r"""
- name: The deploy user has one active key, its secret kept in Secrets Manager
  hardening.aws.iam_access_key:
    user_name: ci-deploy
    active_keys: 1
    store: secretsmanager

- name: Same, in an SSM SecureString parameter encrypted with our own key
  hardening.aws.iam_access_key:
    user_name: ci-deploy
    active_keys: 1
    store: ssm
    secret_name: /ci/deploy/aws-access-key
    kms_key_id: alias/ci-secrets

- name: Deactivate an old key (rotation step 3)
  hardening.aws.iam_access_key:
    user_name: ci-deploy
    id: AKIAIOSFODNN7EXAMPLE
    active: false

- name: Delete it (rotation step 4)
  hardening.aws.iam_access_key:
    user_name: ci-deploy
    id: AKIAIOSFODNN7EXAMPLE
    state: absent

- name: A key whose secret the play itself needs
  hardening.aws.iam_access_key:
    user_name: build-bot
    active_keys: 1
  register: build_bot_key
  no_log: true
"""

RETURN = r"""
user_name:
  description: The IAM user.
  returned: always
  type: str
  sample: ci-deploy
keys:
  description:
    - The user's access keys after the task, oldest first, without secrets. In check mode, the keys as the
      task would leave them (keys it would create are not listed, see RV(actions)).
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
      sample: 91
actions:
  description: What the task did, or in check mode would do, one item per change. Empty when nothing changes.
  returned: always
  type: list
  elements: str
  sample: [create an access key for ci-deploy, deactivate access key AKIAIOSFODNN7EXAMPLE]
created_keys:
  description:
    - The keys this task created (never in check mode).
  returned: when a key was created
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
      description:
        - The secret access key. Only with O(store=none), and only here, once.
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
        arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:hardening/access-keys/ci-deploy-AbCdEf
        version_id: 6d4a7e2c-0b8e-4d4f-9b1f-3f0d3c2a1b00
diff:
  description: Ids and status of the user's keys before and after; a key still to be created has a null id.
  returned: when diff mode is on
  type: dict
  sample:
    before: {keys: []}
    after: {keys: [{id: AKIAIOSFODNN7EXAMPLE, status: Active}]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_access_key import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
