# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IAM posture of a whole account from a few bulk reads (module iam_posture_info).

The baseline and audit roles read an account once with this module instead of
resource by resource. One paginated GetAccountAuthorizationDetails (users, groups,
roles and customer managed policies, never the ~1,500 AWS managed ones) is turned
into exactly the states the iam_user, iam_group, iam_role and iam_managed_policy
modules read, so a consumer can compare either with the same code. Where that read
lacks a field the module read has (a role's description and maximum session
duration, a managed policy's tags), the field is None: unknown, not empty.

The number of calls does not grow with the number of users, groups or roles, apart
from the pages of GetAccountAuthorizationDetails and the login profiles asked for
by name (O(login_profile_users)).
"""

from __future__ import annotations

from collections import Counter

from ansible_collections.hardening.aws.plugins.module_utils import _iam_account_alias as alias_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_credential_report_info as report_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_managed_policy as policy_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_password_policy as password_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_role as role_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_user as user_utils
from ansible_collections.hardening.aws.plugins.module_utils import _policy
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError, _operation_name
from ansible_collections.hardening.aws.plugins.module_utils._iam_common import tags_from_api
from ansible_collections.hardening.aws.plugins.module_utils._iam_names import check_names
from ansible_collections.hardening.aws.plugins.module_utils._module import ModuleSpec

SECTIONS = (
    "authorization_details",
    "credential_report",
    "summary",
    "password_policy",
    "alias",
    "virtual_mfa_devices",
)
# AWSManagedPolicy is left out on purpose: ~1,500 policies, seconds per read, and the
# documents of the few a user holds are read one by one (user_policy_documents).
AUTHORIZATION_FILTER = ["User", "Group", "Role", "LocalManagedPolicy"]
# The largest page IAM's list calls allow: fewer requests in a big account.
PAGE_SIZE = 1000
# Fields GetAccountAuthorizationDetails does not return, set to None ("unknown").
ROLE_FIELDS_UNKNOWN = ("description", "max_session_duration")
POLICY_FIELDS_UNKNOWN = ("tags",)

ARGUMENT_SPEC = dict(
    gather=dict(type="list", elements="str", default=["all"], choices=["all"] + list(SECTIONS)),
    login_profile_users=dict(type="list", elements="str", default=[]),
    user_policy_documents=dict(type="bool", default=False),
    credential_report_max_age_hours=dict(type="int", default=4),
    credential_report_wait_timeout=dict(type="int", default=120),
)


def sections(gather):
    """The sections to read for a ``gather`` list."""
    return set(SECTIONS) if "all" in gather else set(gather)


def validate(params):
    """User names follow IAM's rules, the report options are not negative, and the policy
    documents of users come with the authorization details they are found in."""
    check_names("user", params.get("login_profile_users"), "login_profile_users")
    for option in ("credential_report_max_age_hours", "credential_report_wait_timeout"):
        value = params.get(option)
        if value is not None and value < 0:
            raise HardeningError("%s=%d is out of range: it must be 0 or more" % (option, value), option=option)
    if params.get("user_policy_documents") and "authorization_details" not in sections(params.get("gather") or []):
        raise HardeningError(
            "user_policy_documents needs the authorization details: add authorization_details (or all) to gather",
            option="user_policy_documents",
        )


# --- counting ------------------------------------------------------------------------


class CountingClient:
    """An AwsClient that counts every API call it makes, by operation name.

    Paginated reads go page by page through :meth:`call` (IAM pages all its lists with
    Marker / IsTruncated / MaxItems), so each page counts as the request it is, and
    retries and error translation stay the AwsClient's."""

    def __init__(self, client):
        self._client = client
        self.raw = client.raw
        self.counts = Counter()

    def sleep(self, seconds):
        self._client.sleep(seconds)

    def call(self, method, resource=None, ignore=(), **kwargs):
        self.counts[_operation_name(self.raw, method)] += 1
        return self._client.call(method, resource=resource, ignore=ignore, **kwargs)

    def paginate(self, method, resource=None, ignore=(), **kwargs):
        config = kwargs.pop("PaginationConfig", None) or {}
        if not self.raw.can_paginate(method):
            return self.call(method, resource=resource, ignore=ignore, **kwargs)
        if config.get("PageSize"):
            kwargs["MaxItems"] = config["PageSize"]
        merged = {}
        while True:
            page = self.call(method, resource=resource, ignore=ignore, **kwargs)
            if page is None:
                return None
            for key, value in page.items():
                if isinstance(value, list):
                    merged.setdefault(key, []).extend(value)
                elif key not in ("IsTruncated", "Marker", "ResponseMetadata"):
                    merged[key] = value
            if not (page.get("IsTruncated") and page.get("Marker")):
                return merged
            kwargs["Marker"] = page["Marker"]


# --- pure assembly: GetAccountAuthorizationDetails into the modules' read() forms -----------


def _inline(policy_list):
    return {p["PolicyName"]: _policy.parse(p["PolicyDocument"]) for p in policy_list or ()}


def _attached(attached):
    return sorted(p["PolicyArn"] for p in attached or ())


def _boundary(detail):
    return (detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")


def user_state(detail):
    """A UserDetail as _iam_user.read(aspects=groups, managed_policies, inline_policies) gives it."""
    return {
        "user_name": detail["UserName"],
        "user_id": detail.get("UserId"),
        "arn": detail.get("Arn"),
        "path": detail.get("Path", "/"),
        "create_date": user_utils._iso(detail.get("CreateDate")),  # pylint: disable=protected-access
        "tags": tags_from_api(detail.get("Tags")),
        "permissions_boundary": _boundary(detail),
        "groups": sorted(detail.get("GroupList") or []),
        "managed_policies": _attached(detail.get("AttachedManagedPolicies")),
        "inline_policies": _inline(detail.get("UserPolicyList")),
    }


def group_state(detail, members):
    """A GroupDetail (and its members' names) as _iam_group.read(managed=True, inline=True) gives it."""
    return {
        "name": detail["GroupName"],
        "arn": detail["Arn"],
        "path": detail["Path"],
        "members": sorted(members),
        "managed_policies": _attached(detail.get("AttachedManagedPolicies")),
        "inline_policies": _inline(detail.get("GroupPolicyList")),
    }


def role_state(detail):
    """A RoleDetail as _iam_role.read(managed=True, inline=True, profiles=True) gives it, with
    the fields a RoleDetail lacks (description, maximum session duration) set to None."""
    state = {
        "name": detail["RoleName"],
        "arn": detail["Arn"],
        "path": detail["Path"],
        "assume_role_policy": _policy.parse(detail["AssumeRolePolicyDocument"]),
        "permissions_boundary": _boundary(detail),
        "tags": tags_from_api(detail.get("Tags")),
        "managed_policies": _attached(detail.get("AttachedManagedPolicies")),
        "inline_policies": _inline(detail.get("RolePolicyList")),
        "instance_profiles": sorted(
            # pylint: disable-next=protected-access
            (role_utils._profile(p) for p in detail.get("InstanceProfileList") or ()),
            key=lambda p: p["name"],
        ),
    }
    state.update(dict.fromkeys(ROLE_FIELDS_UNKNOWN))
    return state


def default_version(detail):
    """The default version of a ManagedPolicyDetail from its PolicyVersionList, or None."""
    versions = detail.get("PolicyVersionList") or ()
    for version in versions:
        if version.get("VersionId") == detail.get("DefaultVersionId"):
            return version
    return next((v for v in versions if v.get("IsDefaultVersion")), None)


def policy_state(detail):
    """A ManagedPolicyDetail as _iam_managed_policy.from_api gives it (the document is the
    default version's); the tags, which a ManagedPolicyDetail lacks, are None."""
    version = default_version(detail)
    if version is None:
        raise HardeningError(
            "GetAccountAuthorizationDetails returned managed policy %s without its default version %s"
            % (detail.get("Arn"), detail.get("DefaultVersionId")),
            arn=detail.get("Arn"),
        )
    state = policy_utils.from_api(detail, version)
    # GetPolicy leaves out an empty description; a ManagedPolicyDetail may carry it as "".
    state["description"] = state["description"] or None
    state.update(dict.fromkeys(POLICY_FIELDS_UNKNOWN))
    return state


def members_by_group(user_details):
    """{group name: [user names]} from the users' GroupList."""
    members = {}
    for detail in user_details:
        for group in detail.get("GroupList") or ():
            members.setdefault(group, []).append(detail["UserName"])
    return members


def snapshot(answer):
    """{users, groups, roles, policies}, each keyed by name, from a merged
    GetAccountAuthorizationDetails answer."""
    user_details = answer.get("UserDetailList") or []
    members = members_by_group(user_details)
    return {
        "users": {d["UserName"]: user_state(d) for d in user_details},
        "groups": {
            d["GroupName"]: group_state(d, members.get(d["GroupName"], [])) for d in answer.get("GroupDetailList") or []
        },
        "roles": {d["RoleName"]: role_state(d) for d in answer.get("RoleDetailList") or []},
        # Filter=LocalManagedPolicy: customer managed only, whatever a simulator adds.
        "policies": {
            d["PolicyName"]: policy_state(d) for d in answer.get("Policies") or [] if not is_aws_managed(d["Arn"])
        },
    }


def is_aws_managed(arn):
    """Whether a policy ARN is an AWS managed policy's (account part ``aws``)."""
    parts = (arn or "").split(":")
    return len(parts) > 4 and parts[4] == "aws"


def virtual_mfa_device(device):
    """One ListVirtualMFADevices entry in our form (the seed and QR code are never kept)."""
    user = device.get("User") or {}
    return {
        "serial_number": device["SerialNumber"],
        "user_arn": user.get("Arn"),
        "user_name": user.get("UserName"),
        "enable_date": report_utils.iso_utc(device.get("EnableDate")),
    }


# --- reading -------------------------------------------------------------------------


def read_authorization_details(iam):
    """The merged GetAccountAuthorizationDetails answer (every page) for users, groups,
    roles and customer managed policies."""
    return iam.paginate(
        "get_account_authorization_details",
        resource="account authorization details",
        Filter=AUTHORIZATION_FILTER,
        PaginationConfig={"PageSize": PAGE_SIZE},
    )


def read_user_policy_documents(iam, found):
    """{ARN: default document} of every managed policy attached directly to a user: customer
    managed ones from ``found`` (the snapshot), AWS managed ones with one GetPolicy and one
    GetPolicyVersion per distinct ARN."""
    local = {p["arn"]: p["document"] for p in found["policies"].values()}
    arns = sorted({arn for user in found["users"].values() for arn in user["managed_policies"]})
    documents = {}
    for arn in arns:
        if not is_aws_managed(arn):
            if arn in local:
                documents[arn] = local[arn]
            continue
        policy = policy_utils._read_arn(iam, arn)  # pylint: disable=protected-access
        if policy is not None:  # detached and deleted since the bulk read: nothing to show
            documents[arn] = policy["document"]
    return documents


def read_login_profiles(iam, names):
    """{user: {console_access, password_reset_required}} as _iam_user reads a login profile;
    a user that does not exist has no console access."""
    # pylint: disable-next=protected-access
    return {name: user_utils._read_login_profile(iam, name) for name in dict.fromkeys(names or ())}


def read_virtual_mfa_devices(iam):
    """Every virtual MFA device of the account, assigned or not, sorted by serial number."""
    answer = iam.paginate(
        "list_virtual_mfa_devices", resource="virtual MFA devices", PaginationConfig={"PageSize": PAGE_SIZE}
    )
    return sorted(
        (virtual_mfa_device(d) for d in answer.get("VirtualMFADevices", [])), key=lambda d: d["serial_number"]
    )


def run(aws, params, check_mode, diff):
    """Read the requested sections (see module documentation)."""
    wanted = sections(params["gather"])
    iam = CountingClient(aws.client("iam"))
    result = {"changed": False}
    if "authorization_details" in wanted:
        found = snapshot(read_authorization_details(iam))
        result.update(found)
        if params.get("user_policy_documents"):
            result["policy_documents"] = read_user_policy_documents(iam, found)
    if "credential_report" in wanted:
        records, generated = report_utils.read(
            iam,
            params["credential_report_max_age_hours"],
            params["credential_report_wait_timeout"],
            report_utils.utcnow(),
        )
        result.update(credential_report=records, credential_report_generated_time=generated)
    if "summary" in wanted:
        result["summary"] = iam.call("get_account_summary", resource="account summary")["SummaryMap"]
    if "password_policy" in wanted:
        result["password_policy"] = password_utils.read(iam)
    if "alias" in wanted:
        result["alias"] = alias_utils.read(iam)
    if "virtual_mfa_devices" in wanted:
        result["virtual_mfa_devices"] = read_virtual_mfa_devices(iam)
    if params.get("login_profile_users"):
        result["login_profiles"] = read_login_profiles(iam, params["login_profile_users"])
    result["api_calls"] = dict(iam.counts)
    return result


MODULE_SPEC = ModuleSpec("iam_posture_info", ARGUMENT_SPEC, run, validate=validate)
