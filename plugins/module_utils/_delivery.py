# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deliver a secret (a new access key, a generated password, an MFA seed) to
Secrets Manager or an SSM SecureString parameter, so it never passes through
Ansible's output.
"""

from __future__ import annotations

import json

from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError

STORES = ("secretsmanager", "ssm", "none")

# Options a module adds to its argument spec to offer delivery.
DELIVERY_ARGUMENT_SPEC = dict(
    store=dict(type="str", choices=list(STORES), default="none"),
    secret_name=dict(type="str", no_log=False),
    kms_key_id=dict(type="str", no_log=False),
)


def validate(params, default_name=None):
    """A store other than none needs a secret name (or a module default)."""
    if params.get("store", "none") != "none" and not (params.get("secret_name") or default_name):
        raise HardeningError("secret_name is required when store=%s" % params["store"], option="secret_name")


def deliver(aws, store, name, value, description, kms_key_id=None):
    """Write ``value`` (a dict, stored as JSON) and return where it went (no secret in it).

    Secrets Manager: a new version of the secret, created on first use. SSM: the
    SecureString parameter, overwritten. Raises AwsError when AWS refuses, so the
    caller can roll back whatever made the secret.
    """
    text = json.dumps(value, sort_keys=True, default=str)
    if store == "secretsmanager":
        client = aws.client("secretsmanager")
        resource = "secret %s" % name
        missing = ("ResourceNotFoundException",)
        answer = client.call("put_secret_value", resource=resource, ignore=missing, SecretId=name, SecretString=text)
        if answer is None:
            kwargs = dict(Name=name, SecretString=text, Description=description)
            if kms_key_id:
                kwargs["KmsKeyId"] = kms_key_id
            answer = client.call("create_secret", resource=resource, **kwargs)
        return {"store": store, "name": name, "arn": answer.get("ARN"), "version_id": answer.get("VersionId")}
    if store == "ssm":
        client = aws.client("ssm")
        kwargs = dict(Name=name, Value=text, Type="SecureString", Overwrite=True, Description=description)
        if kms_key_id:
            kwargs["KeyId"] = kms_key_id
        answer = client.call("put_parameter", resource="parameter %s" % name, **kwargs)
        return {"store": store, "name": name, "version": answer.get("Version")}
    raise HardeningError("store %r cannot deliver a secret" % store)
