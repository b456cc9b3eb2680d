# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deliver a secret (a new access key, a generated password, an MFA seed) to
Secrets Manager or an SSM SecureString parameter, so it never passes through
Ansible's output.
"""

from __future__ import annotations

import json
import re

from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError

STORES = ("secretsmanager", "ssm", "none")

# Options a module adds to its argument spec to offer delivery.
DELIVERY_ARGUMENT_SPEC = dict(
    store=dict(type="str", choices=list(STORES), default="none"),
    secret_name=dict(type="str", no_log=False),
    kms_key_id=dict(type="str", no_log=False),
)


# Secrets Manager: 1-512 of ASCII letters, digits and /_+=.@-
_SECRETSMANAGER_NAME = re.compile(r"[A-Za-z0-9/_+=.@-]{1,512}")
# SSM: letters, digits, _.- and / between hierarchy levels; a hierarchy starts with /.
_SSM_NAME = re.compile(r"/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
_SSM_MAX_LENGTH = 1011
_SSM_MAX_DEPTH = 15
# A KMS key id, key ARN, alias name or alias ARN (multi-Region keys start with mrk-).
_KMS_KEY = re.compile(
    r"(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+))"
    r"|(alias/[A-Za-z0-9/_-]{1,250})"
    r"|(mrk-[0-9a-f]{32})"
    r"|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)


def default_secret_name(prefix, store, user_name):
    """``<prefix>/<user>`` for the store (SSM wants a hierarchy to start with /); None for none."""
    if store not in ("secretsmanager", "ssm"):
        return None
    name = "%s/%s" % (prefix.strip("/"), user_name)
    return "/" + name if store == "ssm" else name


def secret_name_problem(store, name):
    """Why ``name`` cannot hold a secret in ``store``, or None (the stores' documented rules)."""
    if store == "secretsmanager":
        if not _SECRETSMANAGER_NAME.fullmatch(name):
            return "Secrets Manager names are 1 to 512 ASCII letters, digits and / _ + = . @ -"
        return None
    if store == "ssm":
        if len(name) > _SSM_MAX_LENGTH or not _SSM_NAME.fullmatch(name):
            return (
                "SSM parameter names are letters, digits and _ . - with / between hierarchy levels, "
                "%d characters at most" % _SSM_MAX_LENGTH
            )
        if "/" in name and not name.startswith("/"):
            return "an SSM parameter name with a hierarchy must start with /"
        if name.lstrip("/").lower().startswith(("aws", "ssm")):
            return "SSM reserves names that start with aws or ssm"
        if name.count("/") > _SSM_MAX_DEPTH:
            return "SSM allows %d hierarchy levels at most" % _SSM_MAX_DEPTH
    return None


def is_kms_key_id(value):
    """Whether ``value`` is a KMS key id, key ARN, alias name (alias/...) or alias ARN."""
    return isinstance(value, str) and bool(_KMS_KEY.fullmatch(value))


def validate(params, default_name=None, what="secret"):
    """Check the delivery options before any AWS call; return the secret name (None for store=none).

    With store=none, secret_name and kms_key_id are refused: a forgotten ``store`` would
    otherwise put the ``what`` in the task result instead of a store.
    """
    store = params.get("store") or "none"
    if store == "none":
        for option in ("secret_name", "kms_key_id"):
            if params.get(option):
                raise HardeningError(
                    "%s is set but store=none, so the %s would be returned in the task result instead: "
                    "set store to secretsmanager or ssm" % (option, what),
                    option=option,
                )
        return None
    name = params.get("secret_name") or default_name
    if not name:
        raise HardeningError("secret_name is required when store=%s" % store, option="secret_name")
    problem = secret_name_problem(store, name)
    if problem:
        raise HardeningError(
            "secret_name %r is not a valid name for store=%s: %s%s"
            % (name, store, problem, "" if params.get("secret_name") else " (it is the default; set secret_name)"),
            option="secret_name",
        )
    kms_key_id = params.get("kms_key_id")
    if kms_key_id and not is_kms_key_id(kms_key_id):
        raise HardeningError(
            "kms_key_id %r is not a KMS key id, key ARN, alias name (alias/...) or alias ARN" % kms_key_id,
            option="kms_key_id",
        )
    return name


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
            # An empty answer: an earlier attempt made the secret with this value, but its answer
            # (the ARN and version) was lost on the way (AwsClient.call).
        return {"store": store, "name": name, "arn": answer.get("ARN"), "version_id": answer.get("VersionId")}
    if store == "ssm":
        client = aws.client("ssm")
        kwargs = dict(Name=name, Value=text, Type="SecureString", Overwrite=True, Description=description)
        if kms_key_id:
            kwargs["KeyId"] = kms_key_id
        answer = client.call("put_parameter", resource="parameter %s" % name, **kwargs)
        return {"store": store, "name": name, "version": answer.get("Version")}
    raise HardeningError("store %r cannot deliver a secret" % store)


def last_written(aws, store, name):
    """When the secret or parameter ``name`` was last written, None when it does not exist.
    Reads no value: DescribeSecret's LastChangedDate, DescribeParameters' LastModifiedDate."""
    if store == "secretsmanager":
        answer = aws.client("secretsmanager").call(
            "describe_secret", resource="secret %s" % name, ignore=("ResourceNotFoundException",), SecretId=name
        )
        return (answer or {}).get("LastChangedDate")
    if store == "ssm":
        answer = aws.client("ssm").call(
            "describe_parameters",
            resource="parameter %s" % name,
            ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}],
        )
        found = answer.get("Parameters") or []
        return found[0].get("LastModifiedDate") if found else None
    return None
