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

With ``findings: true`` the posture is also judged control by control (``_findings``):
every section the controls need is read, plus the documents of the AWS managed policies
attached anywhere (one GetPolicy and one GetPolicyVersion per distinct policy, read once
per task). A section that cannot be read (the simulator has no Access Analyzer) does not
fail the task then: it is reported in ``section_errors`` and the controls that need it
are ``error``. The sections added for the audit never fail the task.
"""

from __future__ import annotations

import re
from collections import Counter

from ansible_collections.hardening.aws.plugins.module_utils import _findings, _policy
from ansible_collections.hardening.aws.plugins.module_utils import _iam_account_alias as alias_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_credential_report_info as report_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_managed_policy as policy_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_password_policy as password_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_role as role_utils
from ansible_collections.hardening.aws.plugins.module_utils import _iam_user as user_utils
from ansible_collections.hardening.aws.plugins.module_utils._aws import AwsClient, HardeningError, _operation_name
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
    "server_certificates",
    "identity_providers",
    "service_specific_credentials",
    "access_analyzer",
    "instances",
)
# Sections added for the audit: a failure to read one never fails the task (the simulator
# lacks Access Analyzer, an account may deny ec2:DescribeInstances...); it is reported in
# section_errors instead. The first six fail the task as they always did, unless findings
# is on.
OPTIONAL_SECTIONS = frozenset(
    ("server_certificates", "identity_providers", "service_specific_credentials", "access_analyzer", "instances")
)
# Read once per region of the ``regions`` option.
REGIONAL_SECTIONS = ("access_analyzer", "instances")
REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
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
    findings=dict(type="bool", default=False),
    regions=dict(type="list", elements="str", default=[]),
    unused_days=dict(type="int", default=_findings.DEFAULTS["unused_days"]),
    key_max_age_days=dict(type="int", default=_findings.DEFAULTS["key_max_age_days"], no_log=False),
    root_used_days=dict(type="int", default=_findings.DEFAULTS["root_used_days"]),
    password_min_length=dict(type="int", default=_findings.DEFAULTS["password_min_length"], no_log=False),
    password_reuse_prevention=dict(type="int", default=_findings.DEFAULTS["password_reuse_prevention"], no_log=False),
    break_glass_users=dict(type="list", elements="str", default=[]),
    break_glass_groups=dict(type="list", elements="str", default=[]),
    break_glass_roles=dict(type="list", elements="str", default=[]),
)
# Threshold options: (lowest, highest) accepted.
THRESHOLDS = {
    "unused_days": (1, 3650),
    "key_max_age_days": (1, 3650),
    "root_used_days": (0, 3650),
    "password_min_length": (6, 128),
    "password_reuse_prevention": (1, 24),
}
FINDING_OPTIONS = tuple(THRESHOLDS) + ("break_glass_users", "break_glass_groups", "break_glass_roles")


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
    for option, (low, high) in THRESHOLDS.items():
        value = params.get(option)
        if value is not None and not low <= value <= high:
            raise HardeningError(
                "%s=%d is out of range: it must be from %d to %d" % (option, value, low, high), option=option
            )
    check_names("user", params.get("break_glass_users"), "break_glass_users")
    check_names("group", params.get("break_glass_groups"), "break_glass_groups")
    check_names("role", params.get("break_glass_roles"), "break_glass_roles")
    for region in params.get("regions") or ():
        if not REGION_PATTERN.match(region or ""):
            raise HardeningError(
                "regions: %r is not an AWS region name (like us-east-1 or eu-west-2)" % region, option="regions"
            )


# --- counting ------------------------------------------------------------------------


class CountingClient:
    """An AwsClient that counts every API call it makes, by operation name.

    Paginated reads go page by page through :meth:`call` (IAM pages all its lists with
    Marker / IsTruncated / MaxItems), so each page counts as the request it is, and
    retries and error translation stay the AwsClient's."""

    def __init__(self, client, counts=None):
        self._client = client
        self.raw = client.raw
        # Shared by the clients of one task (IAM, and EC2 and Access Analyzer per region).
        self.counts = Counter() if counts is None else counts

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


def read_aws_policy_documents(iam, arns, cache):
    """{ARN: default document, or None when the policy is gone} of AWS managed policies, one
    GetPolicy and one GetPolicyVersion per ARN not in ``cache`` (which keeps what was read, so
    a task reads each policy once whoever asks)."""
    for arn in sorted(set(arns)):
        if arn not in cache:
            policy = policy_utils._read_arn(iam, arn)  # pylint: disable=protected-access
            cache[arn] = policy["document"] if policy is not None else None
    return {arn: cache[arn] for arn in arns}


def read_user_policy_documents(iam, found, cache=None):
    """{ARN: default document} of every managed policy attached directly to a user: customer
    managed ones from ``found`` (the snapshot), AWS managed ones with one GetPolicy and one
    GetPolicyVersion per distinct ARN."""
    local = {p["arn"]: p["document"] for p in found["policies"].values()}
    arns = sorted({arn for user in found["users"].values() for arn in user["managed_policies"]})
    aws = read_aws_policy_documents(iam, [a for a in arns if is_aws_managed(a)], {} if cache is None else cache)
    documents = {}
    for arn in arns:
        document = aws.get(arn) if is_aws_managed(arn) else local.get(arn)
        if document is not None:  # detached and deleted since the bulk read: nothing to show
            documents[arn] = document
    return documents


def attached_aws_policies(found):
    """The AWS managed policy ARNs attached to any user, group or role of a snapshot."""
    return sorted(
        {
            arn
            for kind in ("users", "groups", "roles")
            for entity in found[kind].values()
            for arn in entity.get("managed_policies") or ()
            if is_aws_managed(arn)
        }
    )


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


def read_server_certificates(iam):
    """Every IAM server certificate's metadata (never the certificate body)."""
    answer = iam.paginate(
        "list_server_certificates", resource="server certificates", PaginationConfig={"PageSize": PAGE_SIZE}
    )
    return sorted(
        (
            {
                "name": c["ServerCertificateName"],
                "arn": c.get("Arn"),
                "path": c.get("Path", "/"),
                "upload_date": report_utils.iso_utc(c.get("UploadDate")),
                "expiration": report_utils.iso_utc(c.get("Expiration")),
            }
            for c in answer.get("ServerCertificateMetadataList", [])
        ),
        key=lambda c: c["name"],
    )


def read_identity_providers(iam):
    """{saml: [ARN], oidc: [ARN]}: the account's SAML and OpenID Connect providers."""
    saml = iam.call("list_saml_providers", resource="SAML providers").get("SAMLProviderList", [])
    oidc = iam.call("list_open_id_connect_providers", resource="OpenID Connect providers")
    return {
        "saml": sorted(p["Arn"] for p in saml),
        "oidc": sorted(p["Arn"] for p in oidc.get("OpenIDConnectProviderList", [])),
    }


def _marker_pages(client, method, list_key, resource, **kwargs):
    """Every item of ``list_key`` over the pages of an IAM list call botocore cannot paginate."""
    items = []
    while True:
        page = client.call(method, resource=resource, **kwargs)
        items += page.get(list_key, [])
        if not (page.get("IsTruncated") and page.get("Marker")):
            return items
        kwargs["Marker"] = page["Marker"]


def _token_pages(client, method, list_key, resource, page_key="NextToken", **kwargs):
    """Every item of ``list_key`` over the pages of a NextToken-paged call (EC2, Access Analyzer)."""
    items = []
    while True:
        page = client.call(method, resource=resource, **kwargs)
        items += page.get(list_key, [])
        if not page.get(page_key):
            return items
        kwargs[page_key] = page[page_key]


def read_service_specific_credentials(iam):
    """Every service-specific credential of every user (AllUsers): metadata, never a secret."""
    found = _marker_pages(
        iam,
        "list_service_specific_credentials",
        "ServiceSpecificCredentials",
        "service-specific credentials",
        AllUsers=True,
        MaxItems=PAGE_SIZE,
    )
    return sorted(
        (
            {
                "user_name": c.get("UserName"),
                "service_name": c.get("ServiceName"),
                "id": c.get("ServiceSpecificCredentialId"),
                "status": c.get("Status"),
                "create_date": report_utils.iso_utc(c.get("CreateDate")),
            }
            for c in found
        ),
        key=lambda c: (c["user_name"] or "", c["id"] or ""),
    )


def read_access_analyzers(analyzer):
    """The Access Analyzer analyzers of one region."""
    found = _token_pages(analyzer, "list_analyzers", "analyzers", "analyzers", page_key="nextToken", maxResults=100)
    return [
        {"name": a.get("name"), "arn": a.get("arn"), "type": a.get("type"), "status": a.get("status")} for a in found
    ]


def read_instances(ec2):
    """The EC2 instances of one region (terminated ones left out) and their instance profiles."""
    reservations = _token_pages(
        ec2,
        "describe_instances",
        "Reservations",
        "instances",
        MaxResults=1000,
        Filters=[{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}],
    )
    out = []
    for reservation in reservations:
        for instance in reservation.get("Instances", []):
            tags = {t.get("Key"): t.get("Value") for t in instance.get("Tags") or ()}
            out.append(
                {
                    "instance_id": instance["InstanceId"],
                    "state": (instance.get("State") or {}).get("Name"),
                    "instance_profile_arn": (instance.get("IamInstanceProfile") or {}).get("Arn"),
                    "name": tags.get("Name"),
                }
            )
    return sorted(out, key=lambda i: i["instance_id"])


def account_id_of(result):
    """The account id from the ARNs that were read (root's row, users, roles...), or None."""
    arns = [r.get("arn") for r in result.get("credential_report") or ()]
    for kind in ("users", "roles", "groups", "policies"):
        arns += [e.get("arn") for e in (result.get(kind) or {}).values()]
    for arn in arns:
        parts = (arn or "").split(":")
        if len(parts) > 4 and parts[4].isdigit() and len(parts[4]) == 12:
            return parts[4]
    return None


def error_text(exc):
    """The reason a read failed, in one line: an endpoint that answers an HTML error page (a
    simulator lacking the call) gets a sentence instead of the page."""
    text = exc.msg
    lowered = text.lower()
    if "<html" in lowered or "<!doctype" in lowered:
        error = getattr(exc, "details", {}).get("error") or {}
        status = error.get("http_status") or error.get("code")
        text = (
            "%s failed: the endpoint answered HTTP %s with an HTML page, not an AWS answer; it may not implement "
            "this call" % (error.get("operation") or "the call", status)
        )
    return " ".join(text.split())


class _Reader:
    """Reads sections for one task, counting every call; sections allowed to fail are
    recorded in ``errors`` ({section: message}) instead of failing the task."""

    def __init__(self, aws, findings):
        self.aws = aws
        self.counts = Counter()
        self.iam = CountingClient(aws.client("iam"), self.counts)
        self.findings = findings
        self.errors = {}

    def tolerant(self, section):
        return self.findings or section in OPTIONAL_SECTIONS

    def read(self, section, reader, *args):
        """``reader(*args)``, or None with the error recorded when the section may fail."""
        try:
            return reader(*args)
        except HardeningError as exc:
            if not self.tolerant(section):
                raise
            self.errors[section] = error_text(exc)
            return None
        except NotImplementedError as exc:
            # moto run in process raises this for a call it lacks (over HTTP the same call is
            # a ResponseParserError, an AwsError): the endpoint does not offer the call.
            if not self.tolerant(section):
                raise
            self.errors[section] = "the endpoint does not implement this call: %s" % exc
            return None

    def regional_client(self, service, region):
        if region == self.aws.region:
            client = self.aws.client(service)
        else:
            # pylint: disable-next=protected-access
            raw = self.aws.session().client(
                service, region_name=region, endpoint_url=self.aws.endpoint_url, config=self.aws._config
            )
            client = AwsClient(raw, service, sleep=self.aws._sleep)  # pylint: disable=protected-access
        return CountingClient(client, self.counts)

    def regional(self, section, service, reader, regions):
        """{region: what ``reader`` read} for the regions that answered; the others in errors."""
        found, failed = {}, []
        for region in regions:
            try:
                found[region] = reader(self.regional_client(service, region))
            except HardeningError as exc:
                failed.append("%s: %s" % (region, error_text(exc)))
            except NotImplementedError as exc:  # moto in process, as in read()
                failed.append("%s: the endpoint does not implement this call: %s" % (region, exc))
        if failed:
            self.errors[section] = "; ".join(failed)
        return found


def run(aws, params, check_mode, diff):
    """Read the requested sections (see module documentation)."""
    findings = bool(params.get("findings"))
    wanted = sections(params["gather"])
    if findings:
        wanted |= {s for s in _findings.sections_needed() if s in SECTIONS}
    reader = _Reader(aws, findings)
    iam = reader.iam
    result = {"changed": False}
    found = None
    documents_cache = {}
    if "authorization_details" in wanted:
        answer = reader.read("authorization_details", read_authorization_details, iam)
        if answer is not None:
            found = snapshot(answer)
            result.update(found)
            if params.get("user_policy_documents"):
                result["policy_documents"] = read_user_policy_documents(iam, found, documents_cache)
    if "credential_report" in wanted:
        report = reader.read(
            "credential_report",
            report_utils.read,
            iam,
            params["credential_report_max_age_hours"],
            params["credential_report_wait_timeout"],
            report_utils.utcnow(),
        )
        if report is not None:
            result.update(credential_report=report[0], credential_report_generated_time=report[1])
    simple = (
        ("summary", lambda: iam.call("get_account_summary", resource="account summary")["SummaryMap"]),
        ("password_policy", lambda: password_utils.read(iam)),
        ("alias", lambda: alias_utils.read(iam)),
        ("virtual_mfa_devices", lambda: read_virtual_mfa_devices(iam)),
        ("server_certificates", lambda: read_server_certificates(iam)),
        ("identity_providers", lambda: read_identity_providers(iam)),
        ("service_specific_credentials", lambda: read_service_specific_credentials(iam)),
    )
    for section, read in simple:
        if section in wanted:
            reader.read(section, lambda read=read, section=section: result.__setitem__(section, read()))
    regions = list(dict.fromkeys(params.get("regions") or [aws.region]))
    if "access_analyzer" in wanted:
        result["access_analyzer"] = reader.regional("access_analyzer", "accessanalyzer", read_access_analyzers, regions)
    if "instances" in wanted:
        result["instances"] = reader.regional("instances", "ec2", read_instances, regions)
    if params.get("login_profile_users"):
        result["login_profiles"] = read_login_profiles(iam, params["login_profile_users"])
    if findings:
        posture = dict(result, section_errors=dict(reader.errors), account_id=account_id_of(result))
        if found is not None:
            posture["managed_policy_documents"] = reader.read(
                "managed_policy_documents",
                read_aws_policy_documents,
                iam,
                attached_aws_policies(found),
                documents_cache,
            )
            if posture["managed_policy_documents"] is None:
                posture.pop("managed_policy_documents")
        else:
            reader.errors["managed_policy_documents"] = "the authorization details could not be read"
        posture["section_errors"] = dict(reader.errors)
        options = {option: params.get(option) for option in FINDING_OPTIONS}
        result["findings"] = _findings.evaluate(posture, options, report_utils.utcnow())
        result["account_id"] = posture["account_id"]
    result["section_errors"] = dict(reader.errors)
    result["api_calls"] = dict(iam.counts)
    return result


MODULE_SPEC = ModuleSpec("iam_posture_info", ARGUMENT_SPEC, run, validate=validate)
