"""Read one lab account with plain boto3, independently of the hardening.aws modules.

    python aws_probe.py snapshot --endpoint-url URL --account ID --out FILE [--compare BEFORE]
    python aws_probe.py verify   --endpoint-url URL --account ID

The controller's credentials come from the environment (molecule.yml sets the lab's dummy
ones). Every command assumes OrganizationAccountAccessRole in the account and refuses to go on
unless sts:GetCallerIdentity then answers that account: unknown credentials silently land in
moto's default account, where a check could pass while all the work happened elsewhere.

``snapshot`` writes the account's identity state as canonical JSON (users, groups, roles,
policies with their versions, keys, login profiles, MFA, the password policy, the alias,
Secrets Manager secrets and SSM parameters by name and version, never a value) and, with
``--compare``, exits 1 listing what differs from an earlier snapshot: molecule's check step
uses it to prove that a --check run changed nothing.

``verify`` asserts the end state that examples/baseline-vars.yml asks of the baseline role,
prints every failed check (a JSON line per account) and exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import json
import sys
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

import boto3
from botocore.exceptions import ClientError

ROLE_NAME = "OrganizationAccountAccessRole"
REGION = "us-east-1"
AWS_POLICY = "arn:aws:iam::aws:policy/%s"
MFA_POLICY = "HardeningRequireMFA"
PASSWORD_SECRET = "hardening/console-passwords/%s"  # noqa: S105 - a secret name, not a value


# ------------------------------------------------------------------ sessions


def account_session(endpoint_url: str, account_id: str) -> boto3.Session:
    """A session acting in ``account_id``, checked with STS."""
    controller = boto3.Session(region_name=REGION)
    sts = controller.client("sts", endpoint_url=endpoint_url)
    controller_account = sts.get_caller_identity()["Account"]
    if controller_account == account_id:
        raise SystemExit("the controller's own identity is already in %s: cannot prove the role switch" % account_id)
    creds = sts.assume_role(
        RoleArn="arn:aws:iam::%s:role/%s" % (account_id, ROLE_NAME), RoleSessionName="molecule-probe"
    )["Credentials"]
    session = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=REGION,
    )
    seen = session.client("sts", endpoint_url=endpoint_url).get_caller_identity()["Account"]
    if seen != account_id:
        raise SystemExit("assumed %s in %s but STS says the identity is in account %s" % (ROLE_NAME, account_id, seen))
    return session


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
    return items


def _error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def _or_none(call: Callable[[], Any], missing: Iterable[str] = ("NoSuchEntity",)) -> Any:
    try:
        return call()
    except ClientError as exc:
        if _error_code(exc) in missing:
            return None
        raise


def policy_document(document: Any) -> dict[str, Any]:
    """A policy document as a dict (IAM returns it URL-encoded; botocore usually decodes it)."""
    if isinstance(document, str):
        return json.loads(urllib.parse.unquote(document))
    return document


# ------------------------------------------------------------------ snapshot


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        items = [_canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def snapshot(session: boto3.Session, endpoint_url: str) -> dict[str, Any]:
    """The account's identity state, as canonical JSON-able data (no secret values)."""
    iam = session.client("iam", endpoint_url=endpoint_url)
    details: dict[str, list[Any]] = {}
    for page in iam.get_paginator("get_account_authorization_details").paginate():
        for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"):
            details.setdefault(key, []).extend(page.get(key, []))
    # Documents may come URL-encoded or decoded depending on the path; compare them decoded.
    for role in details.get("RoleDetailList", []):
        role.pop("RoleLastUsed", None)  # AssumeRole into the account may touch it: not a change
        if "AssumeRolePolicyDocument" in role:
            role["AssumeRolePolicyDocument"] = policy_document(role["AssumeRolePolicyDocument"])
    for policy in details.get("Policies", []):
        for version in policy.get("PolicyVersionList", []):
            version["Document"] = policy_document(version["Document"])
    users = {}
    for user in _pages(iam, "list_users", "Users"):
        name = user["UserName"]
        profile = _or_none(lambda name=name: iam.get_login_profile(UserName=name)["LoginProfile"])
        users[name] = {
            "login_profile": profile,
            "access_keys": _pages(iam, "list_access_keys", "AccessKeyMetadata", UserName=name),
            "mfa_devices": _pages(iam, "list_mfa_devices", "MFADevices", UserName=name),
            "ssh_public_keys": _pages(iam, "list_ssh_public_keys", "SSHPublicKeys", UserName=name),
            "signing_certificates": _pages(iam, "list_signing_certificates", "Certificates", UserName=name),
        }
    password_policy = _or_none(lambda: iam.get_account_password_policy()["PasswordPolicy"])
    secrets_client = session.client("secretsmanager", endpoint_url=endpoint_url)
    secrets = {}
    for secret in _pages(secrets_client, "list_secrets", "SecretList"):
        versions = secrets_client.list_secret_version_ids(SecretId=secret["ARN"]).get("Versions", [])
        secrets[secret["Name"]] = {
            "tags": secret.get("Tags", []),
            "deleted": secret.get("DeletedDate"),
            "versions": [{"id": v["VersionId"], "stages": v.get("VersionStages", [])} for v in versions],
        }
    ssm = session.client("ssm", endpoint_url=endpoint_url)
    parameters = {
        p["Name"]: {"type": p.get("Type"), "version": p.get("Version")}
        for p in _pages(ssm, "describe_parameters", "Parameters")
    }
    # Keyed by name, so a difference names the user, group, role or policy that changed.
    keys = {
        "UserDetailList": "UserName",
        "GroupDetailList": "GroupName",
        "RoleDetailList": "RoleName",
        "Policies": "Arn",
    }
    by_name = {kind: {item[key]: item for item in details.get(kind, [])} for kind, key in keys.items()}
    return _canonical(
        {
            "authorization_details": by_name,
            "users": users,
            "password_policy": password_policy,
            "aliases": _pages(iam, "list_account_aliases", "AccountAliases"),
            "instance_profiles": _pages(iam, "list_instance_profiles", "InstanceProfiles"),
            "virtual_mfa_devices": _pages(iam, "list_virtual_mfa_devices", "VirtualMFADevices"),
            "secrets": secrets,
            "ssm_parameters": parameters,
        }
    )


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Paths where ``after`` differs from ``before``."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            sub = "%s.%s" % (path, key) if path else str(key)
            if key not in before:
                found.append("%s: added" % sub)
            elif key not in after:
                found.append("%s: removed" % sub)
            else:
                found += differences(before[key], after[key], sub)
        return found
    if before != after:
        return ["%s: %s -> %s" % (path or "(root)", _short(before), _short(after))]
    return []


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


# ------------------------------------------------------------------ a small policy evaluator


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _matches(patterns: Iterable[str], value: str, variables: dict[str, str]) -> bool:
    for pattern in patterns:
        for name, substitute in variables.items():
            pattern = pattern.replace("${%s}" % name, substitute)  # noqa: PLW2901
        if fnmatch.fnmatchcase(value.lower(), pattern.lower()):
            return True
    return False


def _condition_holds(condition: dict[str, Any], context: dict[str, str]) -> bool:
    lowered = {k.lower(): v for k, v in context.items()}
    for operator, tests in condition.items():
        if operator not in ("Bool", "BoolIfExists", "Null"):
            raise ValueError("condition operator %s is not understood by this checker" % operator)
        for key, wanted in tests.items():
            actual = lowered.get(key.lower())
            wanted_values = [str(v).lower() for v in _as_list(wanted)]
            if operator == "Null":
                if ("true" if actual is None else "false") not in wanted_values:
                    return False
            elif actual is None:
                if operator == "Bool":
                    return False
            elif actual.lower() not in wanted_values:
                return False
    return True


def _statement_applies(statement: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> bool:
    variables = {"aws:username": context.get("aws:username", "")}
    if "Action" in statement:
        if not _matches(_as_list(statement["Action"]), action, {}):
            return False
    elif _matches(_as_list(statement.get("NotAction")), action, {}):
        return False
    if "Resource" in statement:
        if not _matches(_as_list(statement["Resource"]), resource, variables):
            return False
    elif _matches(_as_list(statement.get("NotResource")), resource, variables):
        return False
    return _condition_holds(statement.get("Condition", {}), context)


def decision(document: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> str:
    """``deny``, ``allow`` or ``none`` (implicit) for one request against one policy."""
    effects = {
        s.get("Effect") for s in _as_list(document.get("Statement")) if _statement_applies(s, action, resource, context)
    }
    if "Deny" in effects:
        return "deny"
    return "allow" if "Allow" in effects else "none"


# ------------------------------------------------------------------ verify


class Checks:
    """Collects failed expectations instead of stopping at the first one."""

    def __init__(self) -> None:
        self.count = 0
        self.failures: list[str] = []

    def expect(self, ok: bool, message: str) -> bool:
        self.count += 1
        if not ok:
            self.failures.append(message)
        return ok


def _attached(iam: Any, kind: str, name: str) -> set[str]:
    operation = {"group": "list_attached_group_policies", "role": "list_attached_role_policies"}[kind]
    key = {"group": "GroupName", "role": "RoleName"}[kind]
    return {p["PolicyArn"] for p in _pages(iam, operation, "AttachedPolicies", **{key: name})}


def _check_password_policy(iam: Any, checks: Checks) -> None:
    policy = _or_none(lambda: iam.get_account_password_policy()["PasswordPolicy"])
    if not checks.expect(policy is not None, "password policy: none set"):
        return
    wanted = {
        "MinimumPasswordLength": 14,
        "PasswordReusePrevention": 24,
        "RequireSymbols": True,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": True,
        "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True,
    }
    for key, value in wanted.items():
        checks.expect(policy.get(key) == value, "password policy: %s is %r, want %r" % (key, policy.get(key), value))


def _check_groups(iam: Any, account_id: str, checks: Checks) -> None:
    wanted = {"admins": "AdministratorAccess", "developers": "PowerUserAccess", "auditors": "SecurityAudit"}
    for group, policy in wanted.items():
        if not checks.expect(
            _or_none(lambda group=group: iam.get_group(GroupName=group)) is not None, "group %s: missing" % group
        ):
            continue
        attached = _attached(iam, "group", group)
        checks.expect(
            AWS_POLICY % policy in attached, "group %s: %s not attached (has %s)" % (group, policy, sorted(attached))
        )
    inline = _or_none(lambda: iam.get_group_policy(GroupName="developers", PolicyName="deny-iam-changes"))
    if checks.expect(inline is not None, "group developers: inline policy deny-iam-changes missing"):
        document = policy_document(inline["PolicyDocument"])
        for action in ("iam:CreateUser", "iam:DeleteRole", "iam:PutUserPolicy", "iam:AttachRolePolicy"):
            checks.expect(
                decision(document, action, "arn:aws:iam::%s:user/x" % account_id, {}) == "deny",
                "group developers: deny-iam-changes does not deny %s" % action,
            )
        checks.expect(
            decision(document, "iam:ListUsers", "*", {}) != "deny",
            "group developers: deny-iam-changes denies reads (iam:ListUsers)",
        )


def _check_mfa_policy(iam: Any, account_id: str, checks: Checks) -> None:
    found = [p for p in _pages(iam, "list_policies", "Policies", Scope="Local") if p["PolicyName"] == MFA_POLICY]
    if not checks.expect(
        len(found) == 1, "policy %s: %d customer managed policies by that name" % (MFA_POLICY, len(found))
    ):
        return
    arn = found[0]["Arn"]
    groups = {g["GroupName"] for g in _pages(iam, "list_entities_for_policy", "PolicyGroups", PolicyArn=arn)}
    for group in ("admins", "developers"):
        checks.expect(group in groups, "policy %s: not attached to group %s" % (MFA_POLICY, group))
    checks.expect("auditors" not in groups, "policy %s: attached to group auditors" % MFA_POLICY)
    version = iam.get_policy_version(PolicyArn=arn, VersionId=found[0]["DefaultVersionId"])["PolicyVersion"]
    document = policy_document(version["Document"])
    user = "ops-admin"
    without_mfa = {"aws:MultiFactorAuthPresent": "false", "aws:username": user}
    with_mfa = {"aws:MultiFactorAuthPresent": "true", "aws:username": user}
    no_key = {"aws:username": user}  # long-term access keys carry no MFA key at all
    for action, resource in (
        ("s3:ListAllMyBuckets", "*"),
        ("ec2:DescribeInstances", "*"),
        ("iam:CreateUser", "arn:aws:iam::%s:user/new" % account_id),
    ):
        checks.expect(
            decision(document, action, resource, without_mfa) == "deny",
            "policy %s: does not deny %s without MFA" % (MFA_POLICY, action),
        )
        checks.expect(
            decision(document, action, resource, no_key) == "deny",
            "policy %s: does not deny %s when aws:MultiFactorAuthPresent is absent" % (MFA_POLICY, action),
        )
        checks.expect(
            decision(document, action, resource, with_mfa) != "deny",
            "policy %s: denies %s even with MFA" % (MFA_POLICY, action),
        )
    own_user = "arn:aws:iam::%s:user/%s" % (account_id, user)
    own_device = "arn:aws:iam::%s:mfa/%s" % (account_id, user)
    for action, resource in (
        ("iam:CreateVirtualMFADevice", own_device),
        ("iam:EnableMFADevice", own_user),
        ("iam:ListMFADevices", own_user),
        ("iam:ResyncMFADevice", own_user),
    ):
        checks.expect(
            decision(document, action, resource, without_mfa) == "allow",
            "policy %s: a user without MFA may not %s on their own %s" % (MFA_POLICY, action, resource),
        )
    other_user = "arn:aws:iam::%s:user/someone-else" % account_id
    checks.expect(
        decision(document, "iam:EnableMFADevice", other_user, without_mfa) != "allow",
        "policy %s: lets a user enable MFA devices of other users" % MFA_POLICY,
    )


def _check_users(session: boto3.Session, iam: Any, endpoint_url: str, checks: Checks) -> None:
    wanted = {"ops-admin": ("admins", "platform", True), "auditor": ("auditors", "security", False)}
    for user, (group, team, console) in wanted.items():
        if not checks.expect(
            _or_none(lambda user=user: iam.get_user(UserName=user)) is not None, "user %s: missing" % user
        ):
            continue
        groups = {g["GroupName"] for g in _pages(iam, "list_groups_for_user", "Groups", UserName=user)}
        checks.expect(group in groups, "user %s: not in group %s (in %s)" % (user, group, sorted(groups)))
        tags = {t["Key"]: t["Value"] for t in _pages(iam, "list_user_tags", "Tags", UserName=user)}
        checks.expect(tags.get("team") == team, "user %s: tag team is %r, want %r" % (user, tags.get("team"), team))
        profile = _or_none(lambda user=user: iam.get_login_profile(UserName=user))
        if console:
            checks.expect(profile is not None, "user %s: no login profile (console access)" % user)
        else:
            checks.expect(profile is None, "user %s: has a login profile, want none" % user)
    secrets = session.client("secretsmanager", endpoint_url=endpoint_url)
    name = PASSWORD_SECRET % "ops-admin"
    # describe only: the value is a password and is never read or printed here
    secret = _or_none(lambda: secrets.describe_secret(SecretId=name), ("ResourceNotFoundException",))
    if checks.expect(secret is not None, "secret %s: missing" % name):
        stages = [s for stages in (secret.get("VersionIdsToStages") or {}).values() for s in stages]
        checks.expect("AWSCURRENT" in stages, "secret %s: no current version" % name)
        checks.expect(not secret.get("DeletedDate"), "secret %s: scheduled for deletion" % name)


def _trusts(document: dict[str, Any], principal_kind: str, principal: str) -> bool:
    for statement in _as_list(document.get("Statement")):
        if statement.get("Effect") != "Allow" or "Condition" in statement:
            continue
        if not _matches(_as_list(statement.get("Action")), "sts:AssumeRole", {}):
            continue
        principals = statement.get("Principal") or {}
        values = _as_list(principals.get(principal_kind)) if isinstance(principals, dict) else []
        if principal in values:
            return True
    return False


def _check_roles(iam: Any, account_id: str, checks: Checks) -> None:
    support = _or_none(lambda: iam.get_role(RoleName="aws-support")["Role"])
    if checks.expect(support is not None, "role aws-support: missing"):
        checks.expect(
            AWS_POLICY % "AWSSupportAccess" in _attached(iam, "role", "aws-support"),
            "role aws-support: AWSSupportAccess not attached",
        )
        root = "arn:aws:iam::%s:root" % account_id
        document = policy_document(support["AssumeRolePolicyDocument"])
        checks.expect(
            _trusts(document, "AWS", root) or _trusts(document, "AWS", account_id),
            "role aws-support: trust policy does not allow %s" % root,
        )
    app = _or_none(lambda: iam.get_role(RoleName="app-server")["Role"])
    if checks.expect(app is not None, "role app-server: missing"):
        checks.expect(
            _trusts(policy_document(app["AssumeRolePolicyDocument"]), "Service", "ec2.amazonaws.com"),
            "role app-server: trust policy does not allow ec2.amazonaws.com",
        )
        checks.expect(
            AWS_POLICY % "AmazonSSMManagedInstanceCore" in _attached(iam, "role", "app-server"),
            "role app-server: AmazonSSMManagedInstanceCore not attached",
        )
    profile = _or_none(lambda: iam.get_instance_profile(InstanceProfileName="app-server")["InstanceProfile"])
    if checks.expect(profile is not None, "instance profile app-server: missing"):
        roles = [r["RoleName"] for r in profile.get("Roles", [])]
        checks.expect(roles == ["app-server"], "instance profile app-server: holds roles %s" % roles)


def verify(session: boto3.Session, endpoint_url: str, account_id: str) -> Checks:
    """Every expectation of examples/baseline-vars.yml, checked against the account."""
    checks = Checks()
    iam = session.client("iam", endpoint_url=endpoint_url)
    _check_password_policy(iam, checks)
    aliases = _pages(iam, "list_account_aliases", "AccountAliases")
    checks.expect(aliases == ["acme-%s" % account_id], "alias: %s, want acme-%s" % (aliases, account_id))
    _check_groups(iam, account_id, checks)
    _check_mfa_policy(iam, account_id, checks)
    _check_users(session, iam, endpoint_url, checks)
    _check_roles(iam, account_id, checks)
    return checks


# ------------------------------------------------------------------ command line


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("command", choices=("snapshot", "verify"))
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--account", required=True)
    parser.add_argument("--out", help="snapshot: file to write")
    parser.add_argument("--compare", help="snapshot: earlier snapshot that must be identical")
    args = parser.parse_args(argv)
    session = account_session(args.endpoint_url, args.account)
    if args.command == "verify":
        checks = verify(session, args.endpoint_url, args.account)
        result = {"account": args.account, "checks": checks.count, "failures": checks.failures}
        print(json.dumps(result))
        return 1 if checks.failures else 0
    if not args.out:
        parser.error("snapshot needs --out")
    state = snapshot(session, args.endpoint_url)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=1, sort_keys=True, default=str)
    result = {"account": args.account, "out": args.out, "differences": []}
    if args.compare:
        with open(args.compare, encoding="utf-8") as handle:
            before = json.load(handle)
        result["differences"] = differences(before, json.loads(json.dumps(state, default=str)))
    print(json.dumps(result))
    return 1 if result["differences"] else 0


if __name__ == "__main__":
    sys.exit(main())
