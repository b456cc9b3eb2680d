# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disable an IAM user without deleting it, and return everything it holds (module iam_user_disable).

Disabling (hardening guide practice 6, the first half of offboarding) deletes the
console password, sets every access key, signing certificate, SSH public key and
service-specific credential Inactive, revokes the sessions already issued with an
inline deny-all policy conditioned on ``aws:TokenIssueTime``, and tags the user with
the time it was disabled, so that a later run can delete it after a grace period.

The record the module returns is the user as read before any change: groups, managed
policy ARNs, inline policy documents, tags, every credential by id with its status and
dates. It holds no secret, and it is what the offboard role archives before it
disables or deletes anyone.
"""

from __future__ import annotations

import datetime

from ansible_collections.hardening.aws.plugins.module_utils import _aws, _iam_common, _iam_names, _policy
from ansible_collections.hardening.aws.plugins.module_utils import _iam_user as user_utils
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

DISABLED_TAG = "hardening:disabled-at"
REVOKE_POLICY_NAME = "hardening-revoke-sessions"

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True, aliases=["user_name"]),
    disabled_at=dict(type="str"),
    revoke_policy_name=dict(type="str", default=REVOKE_POLICY_NAME),
)


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def parse_time(text, field="disabled_at"):
    """An ISO 8601 time as an aware UTC datetime; fails naming the field otherwise."""
    parsed = _aws.parse_time(str(text))
    if parsed is None:
        raise HardeningError(
            "%s %r is not an ISO 8601 time (like 2024-05-01T12:00:00+00:00)" % (field, text), option=field
        )
    return parsed


def format_time(value):
    """``2024-05-01T12:00:00Z``: the form of the tag and of the policy condition."""
    return value.astimezone(datetime.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def validate(params):
    """The name follows IAM's rules, the policy name too, the time is ISO 8601."""
    _iam_names.check_name("user", params.get("name"), "name")
    _iam_names.check_name("inline_policy", params.get("revoke_policy_name"), "revoke_policy_name")
    if params.get("disabled_at"):
        parse_time(params["disabled_at"])


# --- reading ---------------------------------------------------------------------------


def _read_credentials(iam, name):
    """Every credential of the user with its status and dates (ids only, never a secret)."""
    resource = "user %s" % name
    keys = iam.paginate("list_access_keys", resource=resource, UserName=name).get("AccessKeyMetadata", [])
    certs = iam.paginate("list_signing_certificates", resource=resource, UserName=name).get("Certificates", [])
    ssh = iam.paginate("list_ssh_public_keys", resource=resource, UserName=name).get("SSHPublicKeys", [])
    service = user_utils._list_service_specific_credentials(iam, name)  # pylint: disable=protected-access
    mfa = iam.paginate("list_mfa_devices", resource=resource, UserName=name).get("MFADevices", [])
    return {
        "access_keys": [
            {"access_key_id": k["AccessKeyId"], "status": k.get("Status"), "create_date": _iso(k.get("CreateDate"))}
            for k in keys
        ],
        "signing_certificates": [
            {"certificate_id": c["CertificateId"], "status": c.get("Status"), "upload_date": _iso(c.get("UploadDate"))}
            for c in certs
        ],
        "ssh_public_keys": [
            {
                "ssh_public_key_id": k["SSHPublicKeyId"],
                "status": k.get("Status"),
                "upload_date": _iso(k.get("UploadDate")),
            }
            for k in ssh
        ],
        "service_specific_credentials": [
            {
                "service_specific_credential_id": c["ServiceSpecificCredentialId"],
                "service_name": c.get("ServiceName"),
                "service_user_name": c.get("ServiceUserName"),
                "status": c.get("Status"),
                "create_date": _iso(c.get("CreateDate")),
            }
            for c in service
        ],
        "mfa_devices": [{"serial_number": d["SerialNumber"], "enable_date": _iso(d.get("EnableDate"))} for d in mfa],
    }


def read(iam, name):
    """The whole user (see module RETURN ``user``), or None when there is none."""
    state = user_utils.read(iam, name, user_utils.ASPECTS)
    if state is None:
        return None
    state.update(_read_credentials(iam, name))
    return state


# --- planning (pure) ---------------------------------------------------------------------


def revoke_document(disabled_at):
    """Deny everything to sessions issued before ``disabled_at`` (a formatted time)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RevokeSessionsIssuedBeforeDisable",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": disabled_at}},
            }
        ],
    }


def effective_time(current, disabled_at):
    """The disable time: the one the user is already tagged with, else ``disabled_at``."""
    tagged = (current or {}).get("tags", {}).get(DISABLED_TAG)
    return tagged or disabled_at


def plan(current, disabled_at, policy_name=REVOKE_POLICY_NAME):
    """Steps that disable ``current`` (a read() record), none when it is already disabled or gone."""
    if current is None:
        return []
    when = effective_time(current, disabled_at)
    steps = []
    if current.get("console_access"):
        steps.append({"action": "delete_login_profile"})
    for key in current["access_keys"]:
        if key["status"] != "Inactive":
            steps.append({"action": "deactivate_access_key", "access_key_id": key["access_key_id"]})
    for cert in current["signing_certificates"]:
        if cert["status"] != "Inactive":
            steps.append({"action": "deactivate_signing_certificate", "certificate_id": cert["certificate_id"]})
    for key in current["ssh_public_keys"]:
        if key["status"] != "Inactive":
            steps.append({"action": "deactivate_ssh_public_key", "ssh_public_key_id": key["ssh_public_key_id"]})
    for cred in current["service_specific_credentials"]:
        if cred["status"] != "Inactive":
            steps.append(
                {
                    "action": "deactivate_service_specific_credential",
                    "service_specific_credential_id": cred["service_specific_credential_id"],
                }
            )
    document = revoke_document(when)
    have = current["inline_policies"].get(policy_name)
    if have is None or not _policy.equal(have, document):
        steps.append({"action": "put_revoke_policy", "policy_name": policy_name, "token_issued_before": when})
    if DISABLED_TAG not in current["tags"]:
        steps.append({"action": "tag_user", "tags": {DISABLED_TAG: when}})
    return steps


def planned_state(current, steps):
    """``current`` as it is once ``steps`` ran (the diff's after in check mode)."""
    if current is None:
        return None
    after = dict(current)
    after["tags"] = dict(current["tags"])
    after["inline_policies"] = dict(current["inline_policies"])
    for kind in ("access_keys", "signing_certificates", "ssh_public_keys", "service_specific_credentials"):
        after[kind] = [dict(item, status="Inactive") for item in current[kind]]
    for step in steps:
        if step["action"] == "delete_login_profile":
            after.update(console_access=False, password_reset_required=None)
        elif step["action"] == "put_revoke_policy":
            after["inline_policies"][step["policy_name"]] = revoke_document(step["token_issued_before"])
        elif step["action"] == "tag_user":
            after["tags"].update(step["tags"])
    return after


# --- applying -------------------------------------------------------------------------------


# Each deactivation step: (boto3 method, the step's id field, the API's id parameter, what it is).
_DEACTIVATE = {
    "deactivate_access_key": ("update_access_key", "access_key_id", "AccessKeyId", "access key"),
    "deactivate_signing_certificate": (
        "update_signing_certificate",
        "certificate_id",
        "CertificateId",
        "signing certificate",
    ),
    "deactivate_ssh_public_key": ("update_ssh_public_key", "ssh_public_key_id", "SSHPublicKeyId", "SSH public key"),
    "deactivate_service_specific_credential": (
        "update_service_specific_credential",
        "service_specific_credential_id",
        "ServiceSpecificCredentialId",
        "service-specific credential",
    ),
}


def _apply(iam, name, step):
    action = step["action"]
    resource = "user %s" % name
    if action == "delete_login_profile":
        iam.call("delete_login_profile", resource=resource, ignore=("NoSuchEntity",), UserName=name)
    elif action in _DEACTIVATE:
        method, id_key, api_key, label = _DEACTIVATE[action]
        iam.call(
            method,
            resource="%s %s" % (label, step[id_key]),
            UserName=name,
            Status="Inactive",
            **{api_key: step[id_key]}
        )
    elif action == "put_revoke_policy":
        iam.call(
            "put_user_policy",
            resource="inline policy %s of %s" % (step["policy_name"], resource),
            UserName=name,
            PolicyName=step["policy_name"],
            PolicyDocument=_policy.to_json(revoke_document(step["token_issued_before"])),
        )
    elif action == "tag_user":
        iam.call("tag_user", resource=resource, UserName=name, Tags=_iam_common.tags_to_api(step["tags"]))
    else:  # pragma: no cover - plan() makes only the actions above
        raise HardeningError("unknown step %r" % action)


def utcnow():
    """The current time (one place, so tests can move it)."""
    return datetime.datetime.now(datetime.timezone.utc)


def run(aws, params, check_mode, diff):
    """Disable the user (see module documentation)."""
    iam = aws.client("iam")
    name = params["name"]
    when = parse_time(params["disabled_at"]) if params.get("disabled_at") else utcnow()
    current = read(iam, name)
    steps = plan(current, format_time(when), params["revoke_policy_name"])
    if steps and not check_mode:
        for step in steps:
            _apply(iam, name, step)
    result = {
        "changed": bool(steps),
        "user": current,
        "plan": steps,
        "disabled_at": effective_time(current, format_time(when)) if current is not None else None,
    }
    if diff:
        after = planned_state(current, steps)
        result["diff"] = {
            "before": {"state": "absent"} if current is None else current,
            "after": {"state": "absent"} if after is None else after,
        }
    return result


MODULE_SPEC = ModuleSpec("iam_user_disable", ARGUMENT_SPEC, run, validate=validate)
