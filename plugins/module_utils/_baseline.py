# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The baseline role's planner: one snapshot of the account in, the module calls it needs out.

The baseline role reads the account once (module iam_posture_info) and passes the
snapshot and its variables to :func:`plan` (the filter ``hardening.aws.baseline_plan``).
For every control, the plan lists the module parameters of the items that are out of
line; the role calls a module only for those. Drift is found with the modules' own pure
planning functions, so the role and the modules cannot disagree about what "converged"
means. When the snapshot cannot tell (a field GetAccountAuthorizationDetails does not
return, a name it cannot resolve offline), the item counts as drifted: the module then
reads for itself and may well report no change. Missing drift would leave an account
unhardened; a false alarm costs one idempotent module call.

The plan holds no secret: passwords are generated and delivered by iam_user.
"""

from __future__ import annotations

import copy
import datetime
import re

from ansible_collections.hardening.aws.plugins.module_utils import (
    _iam_account_alias,
    _iam_common,
    _iam_group,
    _iam_managed_policy,
    _iam_names,
    _iam_password_policy,
    _iam_role,
    _iam_user,
    _policy,
)
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError, parse_time

SUPPORT_POLICY = "AWSSupportAccess"
EC2_SERVICE = "ec2.amazonaws.com"
ROOT = "<root_account>"

# Lets users see and manage their own MFA device and password, and denies everything
# else unless they signed in with MFA (AWS's BlockMostAccessUnlessSignedInWithMFA example).
MFA_POLICY_DESCRIPTION = "Deny everything but managing your own MFA device unless signed in with MFA (hardening.aws)"


def mfa_policy_document(partition="aws"):
    """The deny-unless-MFA policy attached to groups with ``require_mfa``."""
    user = "arn:%s:iam::*:user/${aws:username}" % partition
    mfa = "arn:%s:iam::*:mfa/${aws:username}" % partition
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowViewAccountInfo",
                "Effect": "Allow",
                "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"],
                "Resource": "*",
            },
            {
                "Sid": "AllowManageOwnPasswordAndMFA",
                "Effect": "Allow",
                "Action": [
                    "iam:ChangePassword",
                    "iam:GetUser",
                    "iam:GetLoginProfile",
                    "iam:CreateVirtualMFADevice",
                    "iam:DeleteVirtualMFADevice",
                    "iam:EnableMFADevice",
                    "iam:ListMFADevices",
                    "iam:ResyncMFADevice",
                ],
                "Resource": [user, mfa],
            },
            {
                "Sid": "AllowDeactivateOwnMFAOnlyWithMFA",
                "Effect": "Allow",
                "Action": ["iam:DeactivateMFADevice"],
                "Resource": [user, mfa],
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            },
            {
                "Sid": "BlockMostAccessUnlessSignedInWithMFA",
                "Effect": "Deny",
                "NotAction": [
                    "iam:ChangePassword",
                    "iam:CreateVirtualMFADevice",
                    "iam:EnableMFADevice",
                    "iam:GetUser",
                    "iam:GetLoginProfile",
                    "iam:ListMFADevices",
                    "iam:ListVirtualMFADevices",
                    "iam:ResyncMFADevice",
                    "sts:GetSessionToken",
                ],
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ],
    }


def trust_policy(principal):
    """A trust policy letting ``principal`` ({"AWS": [...]} or {"Service": ...}) assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
    }


def _fail(field, message):
    raise HardeningError("%s: %s; nothing was changed" % (field, message), option=field)


# A principal of the support role's trust policy: an account id, or an IAM ARN in an account.
_PRINCIPAL = re.compile(
    r"[0-9]{12}|arn:aws[a-z-]*:iam::[0-9]{12}:(root|(user|role)/([\x21-\x7e]*/)?[\w+=,.@-]{1,64})", re.ASCII
)


class Planner:
    """Plans one account. ``posture`` is iam_posture_info's result, ``config`` the role's
    variables (see roles/baseline/meta/argument_specs.yml) plus ``account_id``,
    ``caller_arn`` and ``check_mode``."""

    def __init__(self, posture, config):
        self.posture = posture or {}
        self.config = config
        self.account_id = str(config["account_id"])
        self.partition = _iam_common.partition_of(config.get("caller_arn"))
        self.users = self.posture.get("users") or {}
        self.groups = self.posture.get("groups") or {}
        self.roles = self.posture.get("roles") or {}
        self.policies = self.posture.get("policies") or {}
        self.check_mode = bool(config.get("check_mode"))
        self.needs_a_human = []
        self.notes = []
        self._direct = None

    # --- helpers ------------------------------------------------------------------------

    def _enabled(self, control):
        return bool(self.config.get("%s_enabled" % control, True))

    def resolve_offline(self, refs, current):
        """ARNs for policy names without any call: what is attached, the account's own
        policies, then the AWS managed ARN. A wrong guess is never attached, so it reads
        as drift and the module resolves the name for real."""
        known = {_iam_common.policy_name_of(arn): arn for arn in (current or {}).get("managed_policies") or ()}
        out = []
        for ref in refs or ():
            if ref.startswith("arn:"):
                arn = ref
            elif ref in known:
                arn = known[ref]
            elif ref in self.policies:
                arn = self.policies[ref]["arn"]
            else:
                arn = "arn:%s:iam::aws:policy/%s%s" % (self.partition, _iam_common.AWS_MANAGED_PATHS.get(ref, ""), ref)
            if arn not in out:
                out.append(arn)
        return out

    @staticmethod
    def _drifted(planner, *args):
        """True when a module's planner has steps (or refuses: the module will say why)."""
        try:
            steps = planner(*args)[0]
        except HardeningError:
            return True
        return bool(steps)

    # --- account settings ----------------------------------------------------------------

    def password_policy(self):
        if not self._enabled("password_policy"):
            return []
        params = dict(self.config.get("password_policy") or {})
        params["state"] = "present"
        for option, value in params.items():
            if option != "state" and option not in _iam_password_policy.FIELDS:
                _fail("baseline_password_policy", "unknown setting %r" % option)
            if value is not None and option in _iam_password_policy.RANGES:
                low, high, off = _iam_password_policy.RANGES[option]
                if not (low <= int(value) <= high or value == off):
                    _fail("baseline_password_policy", "%s=%r is out of range %d to %d" % (option, value, low, high))
        current = self.posture.get("password_policy")
        wanted = {k: v for k, v in params.items() if v is not None}
        if "password_policy" in self.posture and _iam_password_policy.plan(current, wanted) == current:
            return []
        return [wanted]

    def account_alias(self):
        alias = self.config.get("account_alias") or ""
        if not self._enabled("account_alias") or not alias:
            return []
        if "alias" in self.posture and self.posture.get("alias") == alias:
            return []
        return [{"alias": alias}]

    # --- identities ----------------------------------------------------------------------

    def _groups_config(self):
        return self.config.get("groups") or [] if self._enabled("groups") else []

    def mfa_policy_name(self):
        return self.config.get("mfa_policy_name") or "HardeningRequireMFA"

    def mfa_policy_arn(self):
        current = self.policies.get(self.mfa_policy_name())
        if current:
            return current["arn"]
        return "arn:%s:iam::%s:policy/%s" % (self.partition, self.account_id, self.mfa_policy_name())

    def mfa_policy(self):
        if not any(g.get("require_mfa") for g in self._groups_config()):
            return []
        name = self.mfa_policy_name()
        _iam_names.check_name("policy", name, "baseline_mfa_policy_name")
        document = mfa_policy_document(self.partition)
        params = {"name": name, "policy": document, "description": MFA_POLICY_DESCRIPTION}
        current = self.policies.get(name)
        if current is not None:
            new_document, to_set, remove = _iam_managed_policy.plan_present(
                current, dict(params, tags=None, purge_tags=False), document
            )
            if not (new_document or to_set or remove):
                return []
        return [params]

    def group_params(self, group):
        """iam_group parameters for one item of baseline_groups."""
        name = group.get("name")
        _iam_names.check_name("group", name, "baseline_groups[].name")
        managed = list(group.get("managed_policies") or [])
        for ref in managed:
            _iam_names.check_policy_ref(ref, "baseline_groups[%s].managed_policies" % name)
        if group.get("require_mfa"):
            managed.append(self.mfa_policy_arn())
        params = {
            "name": name,
            "managed_policies": managed,
            "purge_managed_policies": bool(group.get("purge_managed_policies", False)),
            "purge_inline_policies": bool(group.get("purge_inline_policies", False)),
        }
        if group.get("path"):
            _iam_names.check_path(group["path"], "baseline_groups[%s].path" % name)
            params["path"] = group["path"]
        if group.get("inline_policies") is not None:
            params["inline_policies"] = group["inline_policies"]
        return params

    def groups_plan(self):
        out = []
        seen = set()
        for group in self._groups_config():
            params = self.group_params(group)
            if params["name"].lower() in seen:
                _fail("baseline_groups", "group %r is listed twice" % params["name"])
            seen.add(params["name"].lower())
            inline = _iam_common.parse_inline_policies(
                params.get("inline_policies"), "baseline_groups[%s].inline_policies" % params["name"]
            )
            current = self.groups.get(params["name"])
            managed = self.resolve_offline(params["managed_policies"], current)
            if current is None or self._drifted(_iam_group.plan_present, current, params, managed, inline):
                out.append(params)
        return out

    def _group_will_exist(self, name):
        return name in self.groups or any(g.get("name") == name for g in self._groups_config())

    def _existing_in_check_mode(self, user, groups):
        """``groups``, less, in check mode, the groups this run creates: they do not exist
        yet, and the module would refuse to add the user to them. A note says so."""
        if not self.check_mode:
            return groups
        pending = [g for g in groups if g not in self.groups]
        if pending:
            self.notes.append(
                "user %s joins %s once %s created (not shown in check mode)"
                % (user, ", ".join(pending), "it is" if len(pending) == 1 else "they are")
            )
        return [g for g in groups if g in self.groups]

    def users_plan(self):
        if not self._enabled("users"):
            return []
        out = []
        login_profiles = self.posture.get("login_profiles") or {}
        store = self.config.get("users_password_store") or "secretsmanager"
        for user in self.config.get("users") or []:
            name = user.get("name")
            _iam_names.check_name("user", name, "baseline_users[].name")
            groups = list(user.get("groups") or [])
            unknown = [g for g in groups if not self._group_will_exist(g)]
            if unknown:
                _fail(
                    "baseline_users[%s].groups" % name,
                    "%s neither in baseline_groups nor in the account" % ", ".join(repr(g) for g in unknown),
                )
            params = {"name": name, "groups": groups}
            if user.get("path"):
                params["path"] = user["path"]
            if user.get("tags"):
                _iam_names.check_tags(user["tags"], "baseline_users[%s].tags" % name)
                params["tags"] = {k: str(v) for k, v in user["tags"].items()}
            console = user.get("console_access")
            if console is not None:
                params["console_access"] = bool(console)
            current = copy.deepcopy(self.users.get(name))
            profile = login_profiles.get(name)
            if current is not None and profile is not None:
                current.update(profile)
            if console:
                params["store"] = store
                if not (profile or {}).get("console_access"):
                    # A new console password must be changed at first sign-in.
                    params["password_reset_required"] = True
            params["groups"] = self._existing_in_check_mode(name, groups)
            if current is None or (console is not None and profile is None):
                out.append(params)
            elif self._drifted(_iam_user.plan_present, current, params, None, None, None):
                out.append(params)
        return out

    def _role_drifted(self, params, trust, inline=None):
        current = self.roles.get(params["name"])
        if current is None or _iam_role.needs_same_name_profile(current, params):
            return True
        if params.get("description") is not None and current.get("description") is None:
            return True  # GetAccountAuthorizationDetails does not return descriptions
        managed = self.resolve_offline(params.get("managed_policies"), current)
        return self._drifted(_iam_role.plan_present, current, params, trust, inline, managed, None)

    def support_role(self):
        if not self._enabled("support_role"):
            return []
        name = self.config.get("support_role_name") or "aws-support"
        _iam_names.check_name("role", name, "baseline_support_role_name")
        principals = list(self.config.get("support_role_trusted_principals") or [])
        if not principals:
            principals = ["arn:%s:iam::%s:root" % (self.partition, self.account_id)]
        trust = trust_policy({"AWS": principals})
        params = {"name": name, "assume_role_policy": trust, "managed_policies": [SUPPORT_POLICY]}
        return [params] if self._role_drifted(params, trust) else []

    def instance_roles(self):
        if not self._enabled("instance_roles"):
            return []
        out = []
        for role in self.config.get("instance_roles") or []:
            name = role.get("name")
            _iam_names.check_name("role", name, "baseline_instance_roles[].name")
            trust = trust_policy({"Service": EC2_SERVICE})
            params = {"name": name, "assume_role_policy": trust, "create_instance_profile": True}
            for option in ("path", "description", "tags"):
                if role.get(option) is not None:
                    params[option] = role[option]
            if role.get("managed_policies") is not None:
                params["managed_policies"] = list(role["managed_policies"])
            inline = None
            if role.get("inline_policies") is not None:
                params["inline_policies"] = role["inline_policies"]
                inline = _iam_common.parse_inline_policies(
                    role["inline_policies"], "baseline_instance_roles[%s].inline_policies" % name
                )
            if self._role_drifted(params, trust, inline):
                out.append(params)
        return out

    # --- remediations --------------------------------------------------------------------

    def exempt_users(self):
        """Break-glass users, and the user running the playbook when it is a user here."""
        exempt = {u.lower() for u in self.config.get("break_glass_users") or []}
        caller = self.config.get("caller_arn") or ""
        if ":user/" in caller and caller.split(":")[4] == self.account_id:
            exempt.add(caller.rsplit("/", 1)[-1].lower())
        return exempt

    def _candidates(self):
        exempt = self.exempt_users()
        return [(name, user) for name, user in sorted(self.users.items()) if name.lower() not in exempt]

    def _group_carries(self, group_name, arn):
        current = self.groups.get(group_name)
        if current and arn in (current.get("managed_policies") or []):
            return True
        for group in self._groups_config():
            if group.get("name") == group_name:
                return arn in self.resolve_offline(self.group_params(group)["managed_policies"], current)
        return False

    def direct_user_policies(self):
        """CIS 1.15: policies attached to users move to the mapped group, or go."""
        if not self.config.get("direct_user_policies_enabled", False):
            return []
        if self._direct is None:
            self._direct = self._plan_direct_user_policies()
        return self._direct

    def _plan_direct_user_policies(self):
        mapping = self.config.get("direct_user_policy_groups") or {}
        out = []
        for name, user in self._candidates():
            keep, groups = [], []
            for arn in user.get("managed_policies") or []:
                target = mapping.get(arn) or mapping.get(_iam_common.policy_name_of(arn))
                if target is None:
                    continue
                if self._group_will_exist(target) and self._group_carries(target, arn):
                    if target not in groups:
                        groups.append(target)
                else:
                    keep.append(arn)
                    self.needs_a_human.append(
                        "user %s: policy %s is mapped to group %s, which does not carry it; left attached (CIS 1.15)"
                        % (name, arn, target)
                    )
            if user.get("inline_policies"):
                self.needs_a_human.append(
                    "user %s: inline policies %s belong in a group (CIS 1.15)"
                    % (name, ", ".join(sorted(user["inline_policies"])))
                )
            attached = user.get("managed_policies") or []
            if attached and len(keep) < len(attached):
                params = {"name": name, "managed_policies": keep, "purge_managed_policies": True}
                groups = self._existing_in_check_mode(name, groups)
                if groups:
                    params["groups"] = groups
                out.append(params)
        return out

    def admin_user_policies(self):
        """CIS 1.16: no policy allowing * on * attached to a user (break-glass users aside)."""
        if not self.config.get("admin_user_policies_enabled", False):
            return []
        handled = {p["name"] for p in self.direct_user_policies()}
        documents = self.posture.get("policy_documents") or {}
        out = []
        for name, user in self._candidates():
            if name in handled:
                continue
            attached = user.get("managed_policies") or []
            admin = []
            for arn in attached:
                document = documents.get(arn)
                if document is None:
                    self.needs_a_human.append("user %s: could not read policy %s to check it (CIS 1.16)" % (name, arn))
                elif full_admin(document):
                    admin.append(arn)
            for policy_name, document in sorted((user.get("inline_policies") or {}).items()):
                if document is not None and full_admin(document):
                    self.needs_a_human.append(
                        "user %s: inline policy %s allows * on *; remove it by hand (CIS 1.16)" % (name, policy_name)
                    )
            if admin:
                out.append(
                    {
                        "name": name,
                        "managed_policies": [a for a in attached if a not in admin],
                        "purge_managed_policies": True,
                    }
                )
        return out

    def unused_console_keys(self):
        """CIS 1.11: console users' active access keys never used since creation."""
        if not self.config.get("unused_console_keys_enabled", False):
            return []
        min_age = int(self.config.get("unused_console_keys_min_age_days", 7))
        exempt = self.exempt_users()
        out = []
        for row in self.posture.get("credential_report") or []:
            user = row.get("user")
            if user == ROOT or not row.get("password_enabled") or user.lower() in exempt:
                continue
            for slot in (1, 2):
                if not row.get("access_key_%d_active" % slot) or row.get("access_key_%d_last_used_date" % slot):
                    continue
                age = _age_days(row.get("access_key_%d_last_rotated" % slot), self.config.get("now"))
                if age is not None and age >= min_age:
                    out.append({"user_name": user, "slot": slot, "age_days": age})
        users = sorted({item["user_name"] for item in out})
        return [{"user_name": u, "keys": [i for i in out if i["user_name"] == u]} for u in users]

    # --- things a person must do --------------------------------------------------------

    def root_checks(self):
        if not self._enabled("root_checks"):
            return []
        items = []
        summary = self.posture.get("summary") or {}
        if summary.get("AccountMFAEnabled") != 1:
            items.append("root user: enable MFA, ideally a hardware key (CIS 1.5 / 1.6); only possible as root")
        if summary.get("AccountAccessKeysPresent"):
            items.append("root user: delete its access keys (CIS 1.4); only possible as root")
        root = next((r for r in self.posture.get("credential_report") or [] if r.get("user") == ROOT), None)
        recent = int(self.config.get("root_recent_use_days", 30))
        if root is not None:
            for column in ("password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date"):
                age = _age_days(root.get(column), self.config.get("now"))
                if age is not None and age <= recent:
                    items.append(
                        "root user: used %d day(s) ago (%s); use IAM users or roles for daily work (CIS 1.7)"
                        % (age, column)
                    )
                    break
        elif "credential_report" in self.posture:
            items.append("root user: the credential report has no root row; check root use by hand (CIS 1.7)")
        return items

    def console_users_without_mfa(self):
        """CIS 1.10: an administrator cannot enrol a person's MFA device, so a person must act.
        Reported with the root checks (the controls only a person can fix)."""
        if not self._enabled("root_checks"):
            return []
        rows = self.posture.get("credential_report") or []
        names = sorted(
            r["user"] for r in rows if r.get("user") != ROOT and r.get("password_enabled") and not r.get("mfa_active")
        )
        if not names:
            return []
        return [
            "console users without MFA: %s; each must enrol a device (CIS 1.10); groups with require_mfa deny "
            "them everything else until they do" % ", ".join(names)
        ]

    def check_settings(self):
        """Settings that no control's planner checks when that control is off or has nothing to
        do: checked before anything is planned, so they fail the run before any change."""
        alias = self.config.get("account_alias") or ""
        if alias:
            problem = _iam_account_alias.alias_problem(alias)
            if problem:
                _fail("baseline_account_alias", "%r is not a valid account alias: %s" % (alias, problem))
        for principal in self.config.get("support_role_trusted_principals") or []:
            if not isinstance(principal, str) or not _PRINCIPAL.fullmatch(principal):
                _fail(
                    "baseline_support_role_trusted_principals",
                    "%r is not an account id or an IAM ARN (arn:aws:iam::<account id>:root, :role/<name> or "
                    ":user/<name>)" % (principal,),
                )
        for role in self.config.get("instance_roles") or []:
            name = role.get("name")
            for ref in role.get("managed_policies") or []:
                _iam_names.check_policy_ref(ref, "baseline_instance_roles[%s].managed_policies" % name)
            if role.get("path") is not None:
                _iam_names.check_path(role["path"], "baseline_instance_roles[%s].path" % name)
            _iam_names.check_tags(role.get("tags"), "baseline_instance_roles[%s].tags" % name)
        _iam_names.check_names("user", self.config.get("break_glass_users"), "baseline_break_glass_users")

    def plan(self):
        self.check_settings()
        result = {
            "password_policy": self.password_policy(),
            "account_alias": self.account_alias(),
            "mfa_policy": self.mfa_policy() if self._enabled("groups") else [],
            "groups": self.groups_plan(),
            "users": self.users_plan(),
            "support_role": self.support_role(),
            "instance_roles": self.instance_roles(),
            "direct_user_policies": self.direct_user_policies(),
            "admin_user_policies": self.admin_user_policies(),
            "unused_console_keys": self.unused_console_keys(),
            "root_checks": self.root_checks(),
        }
        # The controls with module calls to make; none in a converged account, and then the role
        # skips all their tasks with one (tasks/main.yml).
        result["to_apply"] = [name for name in APPLIED_CONTROLS if result[name]]
        result["needs_a_human"] = result["root_checks"] + self.console_users_without_mfa() + self.needs_a_human
        result["notes"] = self.notes
        result["mfa_policy_arn"] = self.mfa_policy_arn()
        return result


# The plan's keys that tasks/controls.yml loops over, in its order.
APPLIED_CONTROLS = (
    "password_policy",
    "account_alias",
    "mfa_policy",
    "groups",
    "users",
    "support_role",
    "instance_roles",
    "direct_user_policies",
    "admin_user_policies",
    "unused_console_keys",
)


def _age_days(value, now=None):
    """Whole days since an ISO date (as the credential report gives), or None."""
    if not value:
        return None
    when = parse_time(value)
    if when is None:
        return None
    now = parse_time(now) if now else datetime.datetime.now(datetime.timezone.utc)
    return max(int((now - when).total_seconds() // 86400), 0)


def full_admin(document):
    """True when a policy document allows every action on every resource (CIS 1.16)."""
    try:
        statements = _policy.normalise(document)["Statement"]
    except _policy.PolicyError:
        return False
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action") or []
        resources = statement.get("Resource") or []
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        if "*" in actions and "*" in resources:
            return True
    return False


def plan(posture, config):
    """The plan of one account (see :class:`Planner`)."""
    return Planner(posture, config).plan()


# --- the summary of a run ---------------------------------------------------------------

# How each control's items are named in the summary.
CONTROL_LABELS = (
    ("password_policy", "password policy", None),
    ("account_alias", "account alias", "alias"),
    ("mfa_policy", "MFA policy", "name"),
    ("groups", "group", "name"),
    ("users", "user", "name"),
    ("support_role", "support role", "name"),
    ("instance_roles", "instance role", "name"),
    ("direct_user_policies", "direct policies of user", "name"),
    ("admin_user_policies", "admin policies of user", "name"),
    ("unused_console_keys", "never-used keys of user", "user_name"),
)


def _changed_items(result, label, key):
    out = []
    for entry in (result or {}).get("results") or []:
        if not entry.get("changed"):
            continue
        item = entry.get("item") or {}
        text = label if key is None else "%s %s" % (label, item.get(key))
        delivery = entry.get("password_delivery")
        if delivery:
            text += " (console password in %s %s)" % (delivery.get("store"), delivery.get("name"))
        out.append(text)
    return out


def summarise(results, plan_result, account_id, check_mode):
    """The per-account summary the playbook prints: what changed (or would), what needs a person."""
    changed = []
    for control, label, key in CONTROL_LABELS:
        changed += _changed_items(results.get(control), label, key)
    needs = list((plan_result or {}).get("needs_a_human") or [])
    notes = list((plan_result or {}).get("notes") or [])
    verb = "would change" if check_mode else "changed"
    lines = ["account %s: %s %s" % (account_id, verb, ", ".join(changed) if changed else "nothing")]
    lines += ["account %s: needs a person: %s" % (account_id, item) for item in needs]
    lines += ["account %s: note: %s" % (account_id, note) for note in notes]
    return {
        "account_id": str(account_id),
        "check_mode": bool(check_mode),
        "changed": changed,
        "needs_a_human": needs,
        "notes": notes,
        "lines": lines,
    }
