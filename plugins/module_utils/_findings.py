# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control catalogue and the findings engine (module iam_posture_info, ``findings: true``).

:data:`CATALOGUE` is shared/CONTROLS.md in code: one entry per control, in its order, with
our severity and the role variable (or the person) that fixes it. :func:`evaluate` turns one
account's posture (what iam_posture_info read) into one finding per control. It is pure: no
AWS call, the time is a parameter, so every verdict is unit-testable from a hand-built dict.

A control is ``error`` when a read it needs failed or the endpoint does not offer it, never
``pass`` by default. When part of what a control needs could be read and already shows a
failure, the control is ``fail`` (what could not be read is named in the reason): a failure
found stays a failure whatever else is unknown.
"""

from __future__ import annotations

import datetime

from ansible_collections.hardening.aws.plugins.module_utils import _iam_credential_report_info as report_utils
from ansible_collections.hardening.aws.plugins.module_utils._baseline import full_admin

ROOT_USER = report_utils.ROOT_USER
SEVERITIES = ("critical", "high", "medium", "low")
STATUSES = ("pass", "fail", "manual", "error")

# Default thresholds (module options of the same name).
DEFAULTS = {
    "unused_days": 45,  # CIS 1.12 / 2.11
    "key_max_age_days": 90,  # CIS 1.14 / 2.12
    "root_used_days": 30,  # CIS 1.7; as the baseline role's baseline_root_recent_use_days
    "password_min_length": 14,  # CIS 1.8
    "password_reuse_prevention": 24,  # CIS 1.9
    "break_glass_users": [],
    "break_glass_groups": [],
    "break_glass_roles": [],
}

SUPPORT_POLICY = "AWSSupportAccess"
CLOUDSHELL_POLICY = "AWSCloudShellFullAccess"
ROOT_MFA_DEVICE = ":mfa/root-account-mfa-device"
# External access analyzers; the *_UNUSED_ACCESS types do not look for external access.
EXTERNAL_ANALYZER_TYPES = ("ACCOUNT", "ORGANIZATION")
GONE_INSTANCE_STATES = ("terminated", "shutting-down")
PASSWORD_CLASSES = (
    ("require_uppercase", "upper-case letters"),
    ("require_lowercase", "lower-case letters"),
    ("require_numbers", "numbers"),
    ("require_symbols", "symbols"),
    ("allow_users_to_change_password", "users may change their own password"),
)


def _control(cid, title, severity, cis3, cis7, practice, remediation, needs):
    cis = {}
    if cis3:
        cis["3.0"] = cis3
    if cis7:
        cis["7.0"] = cis7
    return {
        "id": cid,
        "title": title,
        "severity": severity,
        "cis": cis,
        "practice": practice,
        "remediation": remediation,
        "needs": needs,
    }


_ROOT = ("credential_report",)
_AUTH = ("authorization_details",)
_AUTH_DOCS = ("authorization_details", "managed_policy_documents")

# shared/CONTROLS.md, in its order. ``needs``: the posture sections the verdict reads.
CATALOGUE = (
    _control(
        "root_access_key_absent",
        "No access key on the root user",
        "critical",
        "1.4",
        "2.4",
        1,
        "needs a person: delete the root access keys signed in as root (or, in an Organization, AssumeRoot with "
        "the task policy IAMDeleteRootUserCredentials)",
        _ROOT + ("summary",),
    ),
    _control(
        "root_mfa_enabled",
        "MFA on the root user",
        "critical",
        "1.5",
        "2.5",
        4,
        "needs a person: enable MFA on root in the console",
        _ROOT + ("summary",),
    ),
    _control(
        "root_hardware_mfa",
        "Hardware (not virtual) MFA on root",
        "medium",
        "1.6",
        "2.6",
        4,
        "needs a person: register a hardware MFA device (security key or TOTP token) for root in the console",
        _ROOT + ("summary", "virtual_mfa_devices"),
    ),
    _control(
        "root_not_used",
        "Root not used for daily work",
        "high",
        "1.7",
        "2.7",
        1,
        "needs a person: do daily work as IAM users or roles (hardening.aws.baseline: baseline_groups, "
        "baseline_users) and rotate the root credentials (practice 9)",
        _ROOT,
    ),
    _control(
        "password_policy_length",
        "Minimum password length >= 14",
        "medium",
        "1.8",
        "2.8",
        3,
        "hardening.aws.baseline: baseline_password_policy",
        ("password_policy",),
    ),
    _control(
        "password_policy_reuse",
        "Password reuse prevention 24",
        "medium",
        "1.9",
        "2.9",
        3,
        "hardening.aws.baseline: baseline_password_policy",
        ("password_policy",),
    ),
    _control(
        "password_policy_complexity",
        "Upper, lower, number, symbol required; users may change their own",
        "low",
        None,
        None,
        3,
        "hardening.aws.baseline: baseline_password_policy",
        ("password_policy",),
    ),
    _control(
        "console_users_mfa",
        "Every user with a console password has MFA",
        "high",
        "1.10",
        "2.10",
        4,
        "needs a person: each user enrols an MFA device; until then hardening.aws.baseline: baseline_groups "
        "(require_mfa) denies them everything else",
        ("credential_report",),
    ),
    _control(
        "no_initial_access_key",
        "No never-used key on a console user",
        "medium",
        "1.11",
        None,
        6,
        "hardening.aws.baseline: baseline_unused_console_keys_enabled",
        ("credential_report",),
    ),
    _control(
        "unused_credentials_disabled",
        "Credentials unused for 45 days disabled",
        "medium",
        "1.12",
        "2.11",
        6,
        "hardening.aws.offboard: offboard_inactive_days",
        ("credential_report", "service_specific_credentials"),
    ),
    _control(
        "one_active_key",
        "At most one active access key per user",
        "low",
        "1.13",
        None,
        6,
        "needs a person: deactivate the older key once its last use shows nothing depends on it "
        "(hardening.aws.iam_access_key)",
        ("credential_report",),
    ),
    _control(
        "access_keys_rotated",
        "Active keys rotated within 90 days",
        "medium",
        "1.14",
        "2.12",
        None,
        "hardening.aws.key_rotation: key_rotation_max_age_days",
        ("credential_report",),
    ),
    _control(
        "permissions_via_groups",
        "Users get permissions only through groups",
        "low",
        "1.15",
        "2.13",
        2,
        "hardening.aws.baseline: baseline_direct_user_policies_enabled, baseline_direct_user_policy_groups",
        _AUTH,
    ),
    _control(
        "no_full_admin_policy",
        'No attached policy allowing `"*"` on `"*"` (allow-list for break-glass)',
        "high",
        "1.16",
        "2.14",
        5,
        "hardening.aws.baseline: baseline_admin_user_policies_enabled (users; baseline_break_glass_users are "
        "kept); groups and roles need a person",
        _AUTH_DOCS,
    ),
    _control(
        "support_role",
        "A role with AWSSupportAccess exists",
        "low",
        "1.17",
        "2.15",
        None,
        "hardening.aws.baseline: baseline_support_role_enabled",
        _AUTH,
    ),
    _control(
        "instance_roles",
        "EC2 uses instance roles, not keys (practice 7)",
        "medium",
        "1.18",
        "2.16",
        7,
        "hardening.aws.baseline: baseline_instance_roles; attaching the profile to each instance needs a person",
        ("instances",),
    ),
    _control(
        "expired_server_certs",
        "No expired IAM server certificates",
        "medium",
        "1.19",
        "2.17",
        None,
        "needs a person: delete the expired server certificates once no load balancer or CloudFront "
        "distribution uses them",
        ("server_certificates",),
    ),
    _control(
        "access_analyzer",
        "External access analyzer in every enabled region",
        "medium",
        "1.20",
        "2.18",
        8,
        "needs a person: create an analyzer of type ACCOUNT (or ORGANIZATION) in each region",
        ("access_analyzer",),
    ),
    _control(
        "central_identity",
        "Humans managed centrally (federation / Organizations)",
        "low",
        "1.21",
        "2.19",
        None,
        "needs a person: bring people in through IAM Identity Center or a SAML provider, then remove their IAM "
        "users (hardening.aws.offboard: offboard_users)",
        ("identity_providers", "credential_report"),
    ),
    _control(
        "cloudshell_full_access",
        "AWSCloudShellFullAccess not attached",
        "medium",
        "1.22",
        "2.20",
        5,
        "needs a person: detach AWSCloudShellFullAccess and grant a narrower policy where CloudShell is needed",
        _AUTH,
    ),
    _control(
        "account_alias",
        "Account has a sign-in alias (practice 10)",
        "low",
        None,
        None,
        10,
        "hardening.aws.baseline: baseline_account_alias",
        ("alias",),
    ),
    _control(
        "no_root_daily_user",
        "At least one IAM admin user or role so root is not needed (practice 1)",
        "medium",
        None,
        None,
        1,
        "hardening.aws.baseline: baseline_groups, baseline_users (an admins group and a user in it)",
        _AUTH_DOCS,
    ),
)
CONTROL_IDS = tuple(c["id"] for c in CATALOGUE)
# The posture key that holds a section, where it is not named like the section.
SECTION_KEYS = {"authorization_details": "users"}


class Unavailable(Exception):
    """What a control needs could not be read: the control is ``error`` with this reason."""


# --- helpers ---------------------------------------------------------------------------------


def _days(value, now):
    return report_utils.days_between(value, now)


def _ago(days):
    if days is None:
        return "at an unknown time"
    return "today" if days <= 0 else "%d day%s ago" % (days, "" if days == 1 else "s")


def _policy_name(arn):
    return (arn or "").rsplit("/", 1)[-1]


def _is_aws_policy(arn, name):
    parts = (arn or "").split(":")
    return len(parts) > 5 and parts[4] == "aws" and parts[5] == "policy/" + name


def _resource(kind, name, arn, reason):
    return {"type": kind, "name": name, "arn": arn, "reason": reason}


class _Account:
    """One account's posture and the options, with the checks every control makes."""

    def __init__(self, posture, options, now):
        self.posture = posture
        self.options = dict(DEFAULTS, **{k: v for k, v in (options or {}).items() if v is not None})
        self.now = now
        self.errors = dict(posture.get("section_errors") or {})

    # sections

    def missing(self, section):
        """Why ``section`` cannot be used, or None when it was read."""
        if section in self.errors:
            return "%s could not be read: %s" % (section.replace("_", " "), self.errors[section])
        if SECTION_KEYS.get(section, section) not in self.posture:
            return "%s was not read" % section.replace("_", " ")
        return None

    def need(self, *sections):
        for section in sections:
            reason = self.missing(section)
            if reason:
                raise Unavailable(reason)

    @property
    def account_id(self):
        return self.posture.get("account_id")

    def account_resource(self, reason):
        account_id = self.account_id
        return _resource("account", account_id or "account", None, reason)

    # credential report

    def rows(self):
        self.need("credential_report")
        return [r for r in self.posture["credential_report"] or () if r.get("user") != ROOT_USER]

    def root_row(self):
        self.need("credential_report")
        for row in self.posture["credential_report"] or ():
            if row.get("user") == ROOT_USER:
                return row
        raise Unavailable(
            "no root row in the credential report (%s): the endpoint does not report the root user" % ROOT_USER
        )

    def summary(self):
        """The account summary, or {} when it could not be read (the root row then decides alone)."""
        if self.missing("summary"):
            return {}
        return self.posture.get("summary") or {}

    def root_mfa(self, row):
        return row.get("mfa_active") is True or self.summary().get("AccountMFAEnabled") == 1

    # authorization details

    def users(self):
        self.need("authorization_details")
        return self.posture.get("users") or {}

    def groups(self):
        self.need("authorization_details")
        return self.posture.get("groups") or {}

    def roles(self):
        self.need("authorization_details")
        return self.posture.get("roles") or {}

    def principals(self):
        """(kind, name, state) of every user, group and role, in that order, sorted by name."""
        out = []
        for kind, found in (("user", self.users()), ("group", self.groups()), ("role", self.roles())):
            out += [(kind, name, found[name]) for name in sorted(found)]
        return out

    def document(self, arn):
        """(document, None) of a managed policy, or (None, why it is unknown)."""
        for policy in (self.posture.get("policies") or {}).values():
            if policy.get("arn") == arn:
                return policy.get("document"), None
        documents = self.posture.get("managed_policy_documents")
        reason = self.missing("managed_policy_documents")
        if documents is not None and arn in documents and documents[arn] is not None:
            return documents[arn], None
        return None, reason or "the document of %s was not read" % arn

    def admin_policies(self, state):
        """(policies of ``state`` allowing * on *, policies whose document is unknown)."""
        admin, unknown = [], []
        for arn in state.get("managed_policies") or ():
            document, why = self.document(arn)
            if document is None:
                unknown.append((arn, why))
            elif full_admin(document):
                kind = "AWS managed" if arn.split(":")[4:5] == ["aws"] else "customer managed"
                admin.append("%s (%s)" % (_policy_name(arn), kind))
        for name in sorted(state.get("inline_policies") or {}):
            document = state["inline_policies"][name]
            if document is not None and full_admin(document):
                admin.append("%s (inline)" % name)
        return admin, unknown

    def regional(self, section):
        """({region: entries} of the regions read, reason for the regions that could not be)."""
        data = self.posture.get(section)
        reason = self.missing(section)
        if data is None:
            raise Unavailable(reason)
        return data, (reason if section in self.errors else None)


def _unknown_note(unknown):
    if not unknown:
        return ""
    arns = sorted({arn for arn, _why in unknown})
    return "; not checked (document not read): %s" % ", ".join(_policy_name(a) for a in arns)


# --- the controls ----------------------------------------------------------------------------
# Each returns (status, resources, reason) or raises Unavailable.


def _root_access_key_absent(acct):
    row = acct.root_row()
    resources = []
    for slot in (1, 2):
        if row.get("access_key_%d_active" % slot) is True:
            reason = "root access key %d is active, created %s" % (
                slot,
                _ago(_days(row.get("access_key_%d_last_rotated" % slot), acct.now)),
            )
            resources.append(_resource("root", ROOT_USER, row.get("arn"), reason))
    if not resources and acct.summary().get("AccountAccessKeysPresent") == 1:
        resources.append(_resource("root", ROOT_USER, row.get("arn"), "the account summary reports root access keys"))
    if resources:
        return "fail", resources, "the root user has %d access key(s)" % len(resources)
    return "pass", [], "the root user has no access key"


def _root_mfa_enabled(acct):
    row = acct.root_row()
    if acct.root_mfa(row):
        return "pass", [], "the root user has MFA"
    if acct.summary().get("AccountPasswordPresent") == 0:
        return "pass", [], "the root user has no password (root access is centralised), so no sign-in to protect"
    return "fail", [_resource("root", ROOT_USER, row.get("arn"), "no MFA device")], "the root user has no MFA"


def _root_hardware_mfa(acct):
    row = acct.root_row()
    if not acct.root_mfa(row):
        reason = "no MFA device at all"
        return "fail", [_resource("root", ROOT_USER, row.get("arn"), reason)], "the root user has no MFA"
    acct.need("virtual_mfa_devices")
    virtual = [
        d
        for d in acct.posture.get("virtual_mfa_devices") or ()
        if (d.get("serial_number") or "").endswith(ROOT_MFA_DEVICE) or (d.get("user_arn") or "").endswith(":root")
    ]
    if virtual:
        reason = "virtual MFA device %s" % virtual[0]["serial_number"]
        return "fail", [_resource("root", ROOT_USER, row.get("arn"), reason)], "the root user's MFA is virtual"
    return "pass", [], "the root user's MFA is not a virtual device (so a hardware one)"


def _root_not_used(acct):
    row = acct.root_row()
    limit = acct.options["root_used_days"]
    uses = []
    for column, what in (
        ("password_last_used", "password"),
        ("access_key_1_last_used_date", "access key 1"),
        ("access_key_2_last_used_date", "access key 2"),
    ):
        age = _days(row.get(column), acct.now)
        if age is not None:
            uses.append((age, what))
    recent = sorted(u for u in uses if u[0] <= limit)
    if recent:
        reason = ", ".join("%s used %s" % (what, _ago(age)) for age, what in recent)
        return (
            "fail",
            [_resource("root", ROOT_USER, row.get("arn"), reason)],
            "the root user was used within the last %d days" % limit,
        )
    last = min(uses)[0] if uses else None
    since = "never used" if last is None else "last used %s" % _ago(last)
    return "pass", [], "the root user was not used within the last %d days (%s)" % (limit, since)


def _password_policy(acct):
    acct.need("password_policy")
    return acct.posture.get("password_policy")


def _password_policy_length(acct):
    policy = _password_policy(acct)
    want = acct.options["password_min_length"]
    if policy is None:
        reason = "no password policy: AWS's default allows 8 characters"
        return "fail", [acct.account_resource(reason)], reason
    length = policy.get("min_password_length") or 0
    if length < want:
        reason = "minimum password length is %d, below %d" % (length, want)
        return "fail", [acct.account_resource(reason)], reason
    return "pass", [], "minimum password length is %d" % length


def _password_policy_reuse(acct):
    policy = _password_policy(acct)
    want = acct.options["password_reuse_prevention"]
    if policy is None:
        reason = "no password policy: passwords may be reused"
        return "fail", [acct.account_resource(reason)], reason
    reuse = policy.get("password_reuse_prevention") or 0
    if reuse < want:
        reason = "password reuse prevention is %s, below %d" % (reuse or "off", want)
        return "fail", [acct.account_resource(reason)], reason
    return "pass", [], "the last %d passwords cannot be reused" % reuse


def _password_policy_complexity(acct):
    policy = _password_policy(acct)
    if policy is None:
        reason = "no password policy: no character class is required"
        return "fail", [acct.account_resource(reason)], reason
    missing = [label for option, label in PASSWORD_CLASSES if policy.get(option) is not True]
    if missing:
        reason = "not required: %s" % ", ".join(missing)
        return "fail", [acct.account_resource(reason)], reason
    return "pass", [], "all four character classes are required and users may change their own password"


def _user_arn(row):
    return row.get("arn")


def _console_users_mfa(acct):
    console = [r for r in acct.rows() if r.get("password_enabled") is True]
    failing = [
        _resource("user", r["user"], _user_arn(r), "console password, no MFA")
        for r in console
        if r.get("mfa_active") is not True
    ]
    if failing:
        return "fail", failing, "%d of %d console users have no MFA" % (len(failing), len(console))
    return "pass", [], "every console user (%d) has MFA" % len(console)


def _no_initial_access_key(acct):
    failing = []
    for row in acct.rows():
        if row.get("password_enabled") is not True:
            continue
        reasons = [
            "access key %d active, created %s, never used" % (slot, _ago(_days(rotated, acct.now)))
            for slot, rotated, used in report_utils.active_keys(row)
            if used is None
        ]
        if reasons:
            failing.append(_resource("user", row["user"], _user_arn(row), "; ".join(reasons)))
    if failing:
        return "fail", failing, "%d console user(s) hold an access key never used" % len(failing)
    return "pass", [], "no console user holds an access key that was never used"


def _unused_since(used, created, now):
    """(days since last use, or since creation when never used; whether it was ever used)."""
    if used:
        return _days(used, now), True
    return _days(created, now), False


def _unused_credentials_disabled(acct):
    limit = acct.options["unused_days"]
    reasons = {}
    recent = set()
    rows = acct.rows()
    for row in rows:
        user = row["user"]
        if row.get("password_enabled") is True:
            age, used = _unused_since(
                row.get("password_last_used"),
                row.get("password_last_changed") or row.get("user_creation_time"),
                acct.now,
            )
            if age is not None and age > limit:
                text = (
                    "console password last used %s" % _ago(age)
                    if used
                    else ("console password never used, set %s" % _ago(age))
                )
                reasons.setdefault(user, []).append(text)
            elif used:
                recent.add(user)
        for slot, rotated, last in report_utils.active_keys(row):
            age, used = _unused_since(last, rotated, acct.now)
            if age is not None and age > limit:
                text = (
                    "access key %d last used %s" % (slot, _ago(age))
                    if used
                    else ("access key %d never used, created %s" % (slot, _ago(age)))
                )
                reasons.setdefault(user, []).append(text)
            elif used:
                recent.add(user)
    not_read = acct.missing("service_specific_credentials")
    if not_read is None:
        # IAM records no last use of a service-specific credential: an active one older than the
        # limit whose owner has used no other credential within it counts as unused.
        for cred in acct.posture.get("service_specific_credentials") or ():
            if cred.get("status") != "Active" or cred.get("user_name") in recent:
                continue
            age = _days(cred.get("create_date"), acct.now)
            if age is not None and age > limit:
                reasons.setdefault(cred["user_name"], []).append(
                    "%s credential %s active, created %s, and its user used no other credential within %d days"
                    % (cred.get("service_name"), cred.get("id"), _ago(age), limit)
                )
    arns = {r["user"]: _user_arn(r) for r in rows}
    failing = [_resource("user", u, arns.get(u), "; ".join(reasons[u])) for u in sorted(reasons)]
    if failing:
        reason = "%d user(s) hold active credentials unused for more than %d days" % (len(failing), limit)
        if not_read:
            reason += " (service-specific credentials not checked: %s)" % not_read
        return "fail", failing, reason
    if not_read:
        raise Unavailable(not_read)
    return "pass", [], "every active credential was used within %d days" % limit


def _one_active_key(acct):
    failing = [
        _resource("user", r["user"], _user_arn(r), "two active access keys")
        for r in acct.rows()
        if len(report_utils.active_keys(r)) > 1
    ]
    if failing:
        return "fail", failing, "%d user(s) hold two active access keys" % len(failing)
    return "pass", [], "no user holds more than one active access key"


def _access_keys_rotated(acct):
    limit = acct.options["key_max_age_days"]
    failing = []
    for row in acct.rows():
        reasons = []
        for slot, rotated, _used in report_utils.active_keys(row):
            age = _days(rotated, acct.now)
            if age is not None and age > limit:
                reasons.append("access key %d created %s" % (slot, _ago(age)))
        if reasons:
            failing.append(_resource("user", row["user"], _user_arn(row), "; ".join(reasons)))
    if failing:
        return "fail", failing, "%d user(s) hold active keys older than %d days" % (len(failing), limit)
    return "pass", [], "every active access key is younger than %d days" % limit


def _permissions_via_groups(acct):
    failing = []
    for name, user in sorted(acct.users().items()):
        parts = []
        if user.get("managed_policies"):
            parts.append("attached: %s" % ", ".join(_policy_name(a) for a in user["managed_policies"]))
        if user.get("inline_policies"):
            parts.append("inline: %s" % ", ".join(sorted(user["inline_policies"])))
        if parts:
            failing.append(_resource("user", name, user.get("arn"), "; ".join(parts)))
    if failing:
        return "fail", failing, "%d user(s) hold policies of their own" % len(failing)
    return "pass", [], "no user holds a policy of its own"


def _exempt(acct, kind, name):
    listed = acct.options.get("break_glass_%ss" % kind) or ()
    return name.lower() in {n.lower() for n in listed}


def _no_full_admin_policy(acct):
    failing, unknown, exempt = [], [], []
    for kind, name, state in acct.principals():
        admin, not_read = acct.admin_policies(state)
        if admin and _exempt(acct, kind, name):
            exempt.append("%s %s" % (kind, name))
            continue
        unknown += not_read
        if admin:
            failing.append(
                _resource(
                    kind,
                    name,
                    state.get("arn"),
                    "%s allow%s * on *" % (", ".join(admin), "s" if len(admin) == 1 else ""),
                )
            )
    note = _unknown_note(unknown)
    allowed = "; break-glass allowed: %s" % ", ".join(exempt) if exempt else ""
    if failing:
        return "fail", failing, "%d principal(s) hold a policy allowing * on *%s%s" % (len(failing), allowed, note)
    if unknown:
        raise Unavailable("no principal is known to hold a * on * policy, but%s" % note[1:])
    return "pass", [], "no user, group or role holds a policy allowing * on *%s" % allowed


def _support_role(acct):
    roles = sorted(
        name
        for name, role in acct.roles().items()
        if any(_is_aws_policy(arn, SUPPORT_POLICY) for arn in role.get("managed_policies") or ())
    )
    if roles:
        return "pass", [], "%s attached to role %s" % (SUPPORT_POLICY, ", ".join(roles))
    reason = "no role has %s attached" % SUPPORT_POLICY
    return "fail", [acct.account_resource(reason)], reason


def _instance_roles(acct):
    by_region, not_read = acct.regional("instances")
    failing, count = [], 0
    for region in sorted(by_region):
        for instance in by_region[region] or ():
            if instance.get("state") in GONE_INSTANCE_STATES:
                continue
            count += 1
            if not instance.get("instance_profile_arn"):
                label = instance["instance_id"]
                failing.append(
                    _resource(
                        "instance",
                        label,
                        None,
                        "%s instance in %s without an instance profile%s"
                        % (
                            instance.get("state") or "an",
                            region,
                            " (Name %s)" % instance["name"] if instance.get("name") else "",
                        ),
                    )
                )
    regions = ", ".join(sorted(by_region)) or "no region"
    if not count and not not_read:
        return "pass", [], "no EC2 instance in %s" % regions
    if failing:
        reason = "%d of %d instance(s) run without an instance role (%s)" % (len(failing), count, regions)
        if not_read:
            reason += "; %s" % not_read
        return "fail", failing, reason
    if not_read:
        raise Unavailable(not_read)
    return "pass", [], "%d instance(s) in %s, each with an instance profile" % (count, regions)


def _expired_server_certs(acct):
    acct.need("server_certificates")
    certs = acct.posture.get("server_certificates") or ()
    failing = []
    for cert in certs:
        expiration = report_utils.parse_date(cert.get("expiration"))
        if expiration is not None and expiration <= acct.now:
            failing.append(
                _resource(
                    "server_certificate",
                    cert["name"],
                    cert.get("arn"),
                    "expired %s" % _ago(_days(expiration, acct.now)),
                )
            )
    if failing:
        return "fail", failing, "%d of %d server certificate(s) expired" % (len(failing), len(certs))
    return "pass", [], "no expired server certificate (%d in the account)" % len(certs)


def _access_analyzer(acct):
    by_region, not_read = acct.regional("access_analyzer")
    failing, covered = [], []
    for region in sorted(by_region):
        active = [
            a["name"]
            for a in by_region[region] or ()
            if a.get("type") in EXTERNAL_ANALYZER_TYPES and a.get("status") == "ACTIVE"
        ]
        if active:
            covered.append("%s (%s)" % (region, ", ".join(active)))
        else:
            failing.append(_resource("region", region, None, "no active external access analyzer"))
    if failing:
        reason = "%d region(s) without an external access analyzer" % len(failing)
        if not_read:
            reason += "; %s" % not_read
        return "fail", failing, reason
    if not_read:
        raise Unavailable(not_read)
    return "pass", [], "an active external access analyzer in %s" % ", ".join(covered)


def _central_identity(acct):
    acct.need("identity_providers", "credential_report")
    providers = acct.posture.get("identity_providers") or {}
    saml, oidc = providers.get("saml") or [], providers.get("oidc") or []
    console = [r for r in acct.rows() if r.get("password_enabled") is True]
    have = "%d SAML and %d OIDC provider(s)" % (len(saml), len(oidc))
    if not console:
        return "pass", [], "no IAM user has a console password (%s)" % have
    resources = [_resource("user", r["user"], _user_arn(r), "IAM user with a console password") for r in console]
    if saml:
        judgement = (
            "a SAML provider exists, so people can come through federation: whether these users are "
            "people who should is a judgement"
        )
    else:
        judgement = (
            "no SAML provider: people sign in as IAM users, unless they come through roles from another "
            "account; whether that is central management is a judgement"
        )
    return "manual", resources, "%d IAM user(s) with a console password, %s; %s" % (len(console), have, judgement)


def _cloudshell_full_access(acct):
    failing = [
        _resource(kind, name, state.get("arn"), "%s attached" % CLOUDSHELL_POLICY)
        for kind, name, state in acct.principals()
        if any(_is_aws_policy(arn, CLOUDSHELL_POLICY) for arn in state.get("managed_policies") or ())
    ]
    if failing:
        return "fail", failing, "%s is attached to %d principal(s)" % (CLOUDSHELL_POLICY, len(failing))
    return "pass", [], "%s is attached to no user, group or role" % CLOUDSHELL_POLICY


def _account_alias(acct):
    acct.need("alias")
    alias = acct.posture.get("alias")
    if alias:
        return "pass", [], "the account alias is %s" % alias
    return "fail", [acct.account_resource("no account alias")], "the account has no sign-in alias"


def _human_usable(role):
    """Whether a role's trust policy lets a person in (an AWS account or user, or a federated
    identity), rather than only an AWS service."""
    for statement in (role.get("assume_role_policy") or {}).get("Statement") or ():
        if isinstance(statement, dict) and statement.get("Effect") == "Allow":
            principal = statement.get("Principal")
            if principal == "*" or (isinstance(principal, dict) and ("AWS" in principal or "Federated" in principal)):
                return True
    return False


def _no_root_daily_user(acct):
    groups = acct.groups()
    admins, unknown = [], []
    for name, user in sorted(acct.users().items()):
        admin, not_read = acct.admin_policies(user)
        unknown += not_read
        for group in user.get("groups") or ():
            if group in groups:
                from_group, group_unknown = acct.admin_policies(groups[group])
                admin += from_group
                unknown += group_unknown
        if admin:
            admins.append("user %s" % name)
    for name, role in sorted(acct.roles().items()):
        if not _human_usable(role):
            continue
        admin, not_read = acct.admin_policies(role)
        unknown += not_read
        if admin:
            admins.append("role %s" % name)
    if admins:
        return "pass", [], "administrators without root: %s" % ", ".join(admins)
    if unknown:
        raise Unavailable("no administrator found among what could be read%s" % _unknown_note(unknown))
    reason = "no IAM user or role a person can use holds a policy allowing * on *"
    return "fail", [acct.account_resource(reason)], reason


CHECKS = {
    "root_access_key_absent": _root_access_key_absent,
    "root_mfa_enabled": _root_mfa_enabled,
    "root_hardware_mfa": _root_hardware_mfa,
    "root_not_used": _root_not_used,
    "password_policy_length": _password_policy_length,
    "password_policy_reuse": _password_policy_reuse,
    "password_policy_complexity": _password_policy_complexity,
    "console_users_mfa": _console_users_mfa,
    "no_initial_access_key": _no_initial_access_key,
    "unused_credentials_disabled": _unused_credentials_disabled,
    "one_active_key": _one_active_key,
    "access_keys_rotated": _access_keys_rotated,
    "permissions_via_groups": _permissions_via_groups,
    "no_full_admin_policy": _no_full_admin_policy,
    "support_role": _support_role,
    "instance_roles": _instance_roles,
    "expired_server_certs": _expired_server_certs,
    "access_analyzer": _access_analyzer,
    "central_identity": _central_identity,
    "cloudshell_full_access": _cloudshell_full_access,
    "account_alias": _account_alias,
    "no_root_daily_user": _no_root_daily_user,
}


def sections_needed():
    """Every posture section some control reads."""
    return sorted({s for control in CATALOGUE for s in control["needs"]})


def evaluate(posture, options=None, now=None):
    """One finding per control of :data:`CATALOGUE`, in its order, for one account's posture.

    ``posture`` is what iam_posture_info read (``users``, ``credential_report``, ...), with
    ``section_errors`` ({section: message}) for the reads that failed and
    ``managed_policy_documents`` ({ARN: document}) for the AWS managed policies attached
    anywhere. ``options`` are the thresholds of :data:`DEFAULTS`. ``now`` is an aware datetime.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    acct = _Account(posture or {}, options, now)
    findings = []
    for control in CATALOGUE:
        try:
            status, resources, reason = CHECKS[control["id"]](acct)
        except Unavailable as exc:
            status, resources, reason = "error", [], str(exc)
        findings.append(
            {
                "id": control["id"],
                "title": control["title"],
                "status": status,
                "severity": control["severity"],
                "cis": dict(control["cis"]),
                "practice": control["practice"],
                "resources": resources,
                "reason": reason,
                "remediation": control["remediation"],
            }
        )
    return findings


def totals(findings):
    """{pass: n, fail: n, manual: n, error: n} of a list of findings."""
    counts = dict.fromkeys(STATUSES, 0)
    for finding in findings:
        counts[finding["status"]] += 1
    return counts
