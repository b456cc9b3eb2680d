"""``python -m awslab show``: a compact view of each member account, read through the API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

OLD_KEY_DAYS = 90
_CLASSES = (
    ("RequireUppercaseCharacters", "U"),
    ("RequireLowercaseCharacters", "L"),
    ("RequireNumbers", "N"),
    ("RequireSymbols", "S"),
)


@dataclass(frozen=True)
class AccountView:
    """What ``show`` prints for one account."""

    account_id: str
    password_policy: str
    alias: str
    users: int
    console_without_mfa: int
    old_active_keys: int
    users_with_direct_policies: int


def describe_password_policy(policy: dict[str, Any] | None) -> str:
    """``none``, or e.g. ``min 14, reuse 24, ULNS`` (required character classes)."""
    if policy is None:
        return "none"
    classes = "".join(letter for key, letter in _CLASSES if policy.get(key)) or "-"
    reuse = policy.get("PasswordReusePrevention", "-")
    return f"min {policy.get('MinimumPasswordLength', '-')}, reuse {reuse}, {classes}"


def credential_report(iam: Any, timeout: float = 30.0) -> list[dict[str, str]]:
    """Generate the IAM credential report, fetch it (bounded wait while in progress), parse it."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    iam.generate_credential_report()
    while True:
        try:
            content = iam.get_credential_report()["Content"].decode()
            return list(csv.DictReader(io.StringIO(content)))
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code not in ("ReportInProgress", "ReportNotPresent", "ReportExpired") or time.monotonic() > deadline:
                raise
            if code != "ReportInProgress":
                iam.generate_credential_report()
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def _parse_report_time(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def old_active_keys(report: Iterable[dict[str, str]], days: int = OLD_KEY_DAYS, now: dt.datetime | None = None) -> int:
    """Count active access keys last rotated more than ``days`` days ago."""
    now = now or dt.datetime.now(dt.timezone.utc)
    count = 0
    for row in report:
        for n in (1, 2):
            rotated = _parse_report_time(row.get(f"access_key_{n}_last_rotated", ""))
            if row.get(f"access_key_{n}_active") == "true" and rotated and (now - rotated).days > days:
                count += 1
    return count


def account_view(session: Any) -> AccountView:
    """Read one account through the API (about five IAM calls)."""
    iam = session.client("iam")
    try:
        policy = iam.get_account_password_policy()["PasswordPolicy"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchEntity":
            raise
        policy = None
    aliases = iam.list_account_aliases()["AccountAliases"]
    report = [row for row in credential_report(iam) if row["user"] != "<root_account>"]
    direct = 0
    for page in iam.get_paginator("get_account_authorization_details").paginate(Filter=["User"]):
        direct += sum(1 for u in page["UserDetailList"] if u.get("AttachedManagedPolicies") or u.get("UserPolicyList"))
    return AccountView(
        account_id=session.account_id,
        password_policy=describe_password_policy(policy),
        alias=aliases[0] if aliases else "-",
        users=len(report),
        console_without_mfa=sum(1 for r in report if r["password_enabled"] == "true" and r["mfa_active"] != "true"),  # noqa: S105
        old_active_keys=old_active_keys(report),
        users_with_direct_policies=direct,
    )


HEADERS = (
    "account",
    "password policy",
    "alias",
    "users",
    "console w/o MFA",
    f"active keys >{OLD_KEY_DAYS}d",
    "users w/ direct policies",
)


def format_table(views: Sequence[AccountView], title: str | None = None) -> str:
    """Plain-text table, one row per account, numbers right-aligned."""
    rows = [
        (
            v.account_id,
            v.password_policy,
            v.alias,
            str(v.users),
            str(v.console_without_mfa),
            str(v.old_active_keys),
            str(v.users_with_direct_policies),
        )
        for v in views
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEADERS)]
    numeric = {3, 4, 5, 6}

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(parts).rstrip()

    out = []
    if title:
        out += [title, "=" * len(title)]
    out.append(line(HEADERS))
    out.append("  ".join("-" * w for w in widths))
    out += [line(r) for r in rows]
    return "\n".join(out)
