#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_virtual_mfa_device
short_description: Give an IAM user a virtual MFA device, enabled, with its seed stored safely
version_added: 0.1.0
description:
  - For break-glass and shared service identities that must have MFA (hardening guide practice 4;
    CIS AWS Foundations 3.0 1.10, 7.0 2.10) but have no person with a phone to enrol it.
  - With O(state=present), when the user has no MFA device at all, the module creates a virtual MFA
    device, computes two consecutive TOTP codes from its seed (RFC 6238 - HMAC-SHA1, 30-second steps,
    6 digits - with Python's standard library only), enables the device for the user, and delivers the
    seed to Secrets Manager (the default) or an SSM SecureString parameter. Whoever holds that secret can
    add the device to any authenticator app and sign in.
  - If the delivery fails, the new device is deactivated and deleted again, so the user is left as it was;
    a device whose seed nobody holds would lock the user out.
  - A user that already has any MFA device (virtual, hardware or FIDO, enrolled by a person or by this
    module) is left alone and the task reports no change. The seed of an existing device cannot be read
    back from AWS, so the module never returns or delivers it again.
  - The seed and the QR code never appear in the result or the diff, except the seed when O(store=none),
    once, in the run that created the device (see O(store)).
  - With O(state=absent), every virtual MFA device of the user (or only the one named O(name), when set) is
    deactivated and then deleted. Hardware and FIDO devices are left alone. The stored seed is not deleted;
    it is useless once the device is gone.
  - If a device of the same name exists unassigned (left by an interrupted run), it is deleted and created
    again, since its seed is lost; a device of that name assigned to another user makes the task fail.
  - Names, the path and the secret name are checked against AWS's rules before any AWS call.
  - "Required IAM actions: C(iam:ListMFADevices), C(iam:CreateVirtualMFADevice), C(iam:EnableMFADevice),
    C(iam:DeactivateMFADevice), C(iam:DeleteVirtualMFADevice), C(iam:ListVirtualMFADevices),
    C(secretsmanager:PutSecretValue), C(secretsmanager:CreateSecret), C(ssm:PutParameter)."
author:
  - Hardening AWS Maintainers (@hardening-aws)
options:
  user_name:
    description:
      - Name of the IAM user. With O(state=present) the user must exist.
    type: str
    required: true
    aliases: [user]
  name:
    description:
      - Name of the virtual MFA device to create (1 to 226 of letters, digits and C(+=,.@_-)).
      - Defaults to O(user_name) when creating.
      - With O(state=absent), when set, only the user's virtual device of this name is removed;
        when not set, every virtual device of the user is.
    type: str
    aliases: [device_name]
  path:
    description:
      - IAM path of a new device; it becomes part of its serial number
        (C(arn:aws:iam::123456789012:mfa/<path><name>)).
    type: str
    default: /
  state:
    description:
      - V(present) makes sure the user has an MFA device, creating and enabling a virtual one if it has none.
      - V(absent) deactivates and deletes the user's virtual MFA devices.
    type: str
    choices: [present, absent]
    default: present
  store:
    description:
      - Where the seed of a new device goes.
      - V(secretsmanager) writes a JSON document (C(seed), C(serial_number), C(user_name), C(type), C(algorithm),
        C(digits), C(period)) as a new version of the secret O(secret_name), creating the secret if needed.
      - V(ssm) writes the same document to the SSM SecureString parameter O(secret_name), overwriting it.
      - V(none) returns the seed in the result, under the key C(seed), in the run that creates the device and
        never again. Set C(no_log) on such a task so the seed stays out of logs and callback output;
        the registered variable still holds it.
    type: str
    choices: [secretsmanager, ssm, none]
    default: secretsmanager
  secret_name:
    description:
      - Name of the secret (O(store=secretsmanager)) or parameter (O(store=ssm)) that receives the seed.
      - Defaults to C(hardening/mfa-seeds/<user_name>) in Secrets Manager and
        C(/hardening/mfa-seeds/<user_name>) in SSM.
    type: str
  kms_key_id:
    description:
      - KMS key that encrypts a new secret or the parameter; AWS's default key for the service when not set.
    type: str
extends_documentation_fragment:
  - hardening.aws.common
  - hardening.aws.common.attributes
notes:
  - AWS allows up to eight MFA devices per user; this module only makes sure there is at least one.
  - IAM accepts the two codes only if the controller's clock is right to within a minute or so.
seealso:
  - module: hardening.aws.iam_user_info
"""

EXAMPLES = r"""
- name: The break-glass user gets MFA; the seed goes to Secrets Manager hardening/mfa-seeds/breakglass-admin
  hardening.aws.iam_virtual_mfa_device:
    user_name: breakglass-admin

- name: Same, seed in an SSM SecureString parameter encrypted with our own key
  hardening.aws.iam_virtual_mfa_device:
    user_name: breakglass-admin
    store: ssm
    secret_name: /vault/breakglass/mfa
    kms_key_id: alias/breakglass

- name: Seed handed back to the play (keep it out of the output)
  hardening.aws.iam_virtual_mfa_device:
    user_name: shared-ops
    store: none
  register: mfa
  no_log: true

- name: Remove the user's virtual MFA devices (before re-enrolling, say)
  hardening.aws.iam_virtual_mfa_device:
    user_name: breakglass-admin
    state: absent
"""

RETURN = r"""
user_name:
  description: The user the task was about.
  returned: always
  type: str
  sample: breakglass-admin
mfa_devices:
  description:
    - The user's MFA devices after the task; in check mode, the devices as they are now.
    - Never a seed or a QR code.
  returned: always
  type: list
  elements: dict
  contains:
    serial_number:
      description: The device's serial number (an ARN for virtual devices).
      type: str
      sample: arn:aws:iam::123456789012:mfa/breakglass-admin
    enable_date:
      description: When the device was enabled for the user, ISO 8601 in UTC.
      type: str
      sample: "2024-05-01T12:00:00+00:00"
    virtual:
      description: Whether it is a virtual device (hardware and FIDO devices are not).
      type: bool
      sample: true
plan:
  description:
    - The steps, one line each; in check mode the steps the task would take. Empty when there is nothing to do.
  returned: always
  type: list
  elements: str
  sample:
    - create virtual MFA device mfa/breakglass-admin
    - enable mfa/breakglass-admin for user breakglass-admin with two consecutive TOTP codes from its seed
    - deliver the seed to Secrets Manager secret hardening/mfa-seeds/breakglass-admin
delivery:
  description: Where the seed was delivered (the seed itself is not here).
  returned: when a device was created and O(store) is not V(none)
  type: dict
  sample:
    store: secretsmanager
    name: hardening/mfa-seeds/breakglass-admin
    arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:hardening/mfa-seeds/breakglass-admin-AbCdEf
    version_id: 2b2c1d1e-0000-4000-8000-123456789012
seed:
  description:
    - The new device's TOTP seed, Base32 text, as an authenticator app takes it. Use C(no_log) on the task.
  returned: when a device was created and O(store=none)
  type: str
  sample: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
diff:
  description: The user's MFA devices before and after (C(mfa/<path><name>) for virtual ones), without secrets.
  returned: when diff mode is on
  type: dict
  sample:
    before: {user_name: breakglass-admin, mfa_devices: []}
    after: {user_name: breakglass-admin, mfa_devices: [mfa/breakglass-admin]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hardening.aws.plugins.module_utils._iam_virtual_mfa_device import MODULE_SPEC
from ansible_collections.hardening.aws.plugins.module_utils._module import run_module


def main():
    module = AnsibleModule(**MODULE_SPEC.module_kwargs())
    run_module(module, MODULE_SPEC)


if __name__ == "__main__":
    main()
