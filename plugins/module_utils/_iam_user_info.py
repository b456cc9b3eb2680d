# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every IAM user of an account with its credentials, groups and policies, from bulk
reads only (module iam_user_info).

Three reads answer for all users at once, so the cost does not grow with the number
of users:

* GetAccountAuthorizationDetails(Filter=[User]): path, ids, creation date, groups,
  attached and inline policies, tags, permissions boundary;
* the credential report (see _iam_credential_report_info): console password and its
  last use, MFA, both access keys with their creation and last use;
* ListVirtualMFADevices(Assigned): the virtual MFA devices and whom they belong to.

The credential report has no access key ids. They cost one ListAccessKeys per user
that holds keys, so they are read only when asked for (``access_key_ids``).
"""

from __future__ import annotations

import re

from ansible_collections.hardening.aws.plugins.module_utils import _iam_credential_report_info as report_utils
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.module_utils._iam_common import tags_from_api
from ansible_collections.hardening.aws.plugins.module_utils._iam_names import check_name, check_names
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

# IAM's own rule for PathPrefix: a slash, then printable ASCII; unlike a path it need not end in one.
_PATH_PREFIX = re.compile(r"/[\x21-\x7e]*")
# The largest page each bulk read allows: fewer requests in a big account.
PAGE = {"PageSize": 1000}

ARGUMENT_SPEC = dict(
    name=dict(type="str", aliases=["user_name"]),
    names=dict(type="list", elements="str"),
    path_prefix=dict(type="str"),
    access_key_ids=dict(type="bool", default=False, no_log=False),
    max_age_hours=dict(type="int", default=4),
    wait_timeout=dict(type="int", default=120),
)
MUTUALLY_EXCLUSIVE = [("name", "names")]


def check_path_prefix(value, field="path_prefix"):
    """Raise unless ``value`` is an IAM path prefix: ``/`` then printable ASCII, 512 at most."""
    if value is None:
        return
    if len(value) > 512 or not _PATH_PREFIX.fullmatch(value):
        raise HardeningError(
            "%s %r is not a valid IAM path prefix: it must start with / and hold printable ASCII only, "
            "512 at most" % (field, value),
            option=field,
        )


def validate(params):
    """Names and the path prefix follow IAM's rules; the report options are not negative."""
    if params.get("name") is not None:
        check_name("user", params["name"], "name")
    check_names("user", params.get("names"), "names")
    check_path_prefix(params.get("path_prefix"))
    report_utils.validate(params)


# --- pure assembly ------------------------------------------------------------------


def selected(detail, params):
    """Whether a GetAccountAuthorizationDetails user passes the name / names / path_prefix filters."""
    if params.get("name") is not None and detail["UserName"] != params["name"]:
        return False
    if params.get("names") is not None and detail["UserName"] not in params["names"]:
        return False
    prefix = params.get("path_prefix")
    return not (prefix and not detail.get("Path", "/").startswith(prefix))


def _same_user(detail, record):
    """A report row describes this user, not an earlier user of the same name."""
    if record is None:
        return False
    created = report_utils.parse_date(record.get("user_creation_time"))
    if created is None:
        return True
    return abs((created - report_utils.as_utc(detail["CreateDate"])).total_seconds()) < 2


def report_keys(record, now):
    """The access keys a report row shows (no ids: the report has none), oldest first."""
    keys = []
    for slot in (1, 2):
        created = record.get("access_key_%d_last_rotated" % slot)
        if created is None:
            continue  # no key in this slot
        last_used = record.get("access_key_%d_last_used_date" % slot)
        keys.append(
            {
                "id": None,
                "status": "Active" if record.get("access_key_%d_active" % slot) else "Inactive",
                "create_date": created,
                "age_days": report_utils.days_between(created, now),
                "last_used_date": last_used,
                "last_used_days": report_utils.days_between(last_used, now),
                "last_used_service": record.get("access_key_%d_last_used_service" % slot),
                "last_used_region": record.get("access_key_%d_last_used_region" % slot),
            }
        )
    return sorted(keys, key=lambda k: k["create_date"])


def merge_key_ids(from_report, metadata, now):
    """Keys as ListAccessKeys lists them (ids, live status), with last use taken from the
    report key created at the same second; a key newer than the report has no last use."""
    by_created = {k["create_date"]: k for k in from_report}
    keys = []
    for meta in metadata:
        created = report_utils.iso_utc(meta["CreateDate"])
        seen = by_created.get(created, {})
        keys.append(
            {
                "id": meta["AccessKeyId"],
                "status": meta["Status"],
                "create_date": created,
                "age_days": report_utils.days_between(created, now),
                "last_used_date": seen.get("last_used_date"),
                "last_used_days": seen.get("last_used_days"),
                "last_used_service": seen.get("last_used_service"),
                "last_used_region": seen.get("last_used_region"),
            }
        )
    return sorted(keys, key=lambda k: k["create_date"])


def build_user(detail, record, virtual_devices, now):
    """One user's record from its authorization details, its report row (None when the
    user is newer than the report) and its virtual MFA devices."""
    in_report = _same_user(detail, record)
    created = report_utils.iso_utc(detail["CreateDate"])
    user = {
        "user_name": detail["UserName"],
        "user_id": detail.get("UserId"),
        "arn": detail.get("Arn"),
        "path": detail.get("Path", "/"),
        "create_date": created,
        "age_days": report_utils.days_between(created, now),
        "groups": sorted(detail.get("GroupList") or []),
        "attached_policies": sorted(
            (
                {"policy_name": p["PolicyName"], "policy_arn": p["PolicyArn"]}
                for p in detail.get("AttachedManagedPolicies") or []
            ),
            key=lambda p: p["policy_arn"],
        ),
        "inline_policies": sorted(p["PolicyName"] for p in detail.get("UserPolicyList") or []),
        "tags": tags_from_api(detail.get("Tags")),
        "permissions_boundary": (detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "virtual_mfa_devices": sorted(virtual_devices, key=lambda d: d["serial_number"]),
        "in_credential_report": in_report,
    }
    if in_report:
        last_used = record.get("password_last_used")
        user["console"] = {
            "password_enabled": record.get("password_enabled"),
            "password_last_used": last_used,
            "password_last_used_days": report_utils.days_between(last_used, now),
            "password_last_changed": record.get("password_last_changed") if record.get("password_enabled") else None,
        }
        user["mfa_active"] = record.get("mfa_active")
        user["access_keys"] = report_keys(record, now)
    else:
        user["console"] = None
        user["mfa_active"] = True if virtual_devices else None
        user["access_keys"] = None
    return user


def virtual_devices_by_user(devices):
    """{user name: [{serial_number, enable_date}]} of assigned virtual MFA devices.

    Only these two fields are kept: a listing may carry the seed and QR code fields."""
    out = {}
    for device in devices:
        name = (device.get("User") or {}).get("UserName")
        if not name:
            continue  # the root user's device
        out.setdefault(name, []).append(
            {"serial_number": device["SerialNumber"], "enable_date": report_utils.iso_utc(device.get("EnableDate"))}
        )
    return out


# --- reading ------------------------------------------------------------------------


def read(aws, params, now):
    """The users of the account that pass the filters, sorted by name, and the report's time."""
    iam = aws.client("iam")
    details = iam.paginate(
        "get_account_authorization_details", resource="account authorization details",
        Filter=["User"], PaginationConfig=PAGE,
    ).get("UserDetailList", [])
    details = [d for d in details if selected(d, params)]
    if not details:
        return [], None
    records, generated = report_utils.read(iam, params["max_age_hours"], params["wait_timeout"], now)
    by_name = {r["user"]: r for r in records if not report_utils.is_root(r)}
    devices = iam.paginate(
        "list_virtual_mfa_devices", resource="virtual MFA devices", AssignmentStatus="Assigned", PaginationConfig=PAGE
    ).get("VirtualMFADevices", [])
    mfa = virtual_devices_by_user(devices)
    users = []
    for detail in sorted(details, key=lambda d: d["UserName"]):
        name = detail["UserName"]
        user = build_user(detail, by_name.get(name), mfa.get(name, []), now)
        # Key ids: one ListAccessKeys for each user the report shows with keys, or that
        # is newer than the report; never for the others.
        if params.get("access_key_ids") and (user["access_keys"] or not user["in_credential_report"]):
            listed = iam.paginate("list_access_keys", resource="access keys of user %s" % name, UserName=name)
            user["access_keys"] = merge_key_ids(user["access_keys"] or [], listed.get("AccessKeyMetadata", []), now)
        users.append(user)
    return users, generated


def run(aws, params, check_mode, diff):
    """Read the users (see module documentation)."""
    users, generated = read(aws, params, report_utils.utcnow())
    return {"changed": False, "users": users, "credential_report_time": generated}


MODULE_SPEC = ModuleSpec(
    "iam_user_info", ARGUMENT_SPEC, run, validate=validate, mutually_exclusive=MUTUALLY_EXCLUSIVE
)
