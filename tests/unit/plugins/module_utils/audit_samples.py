"""Hand-made findings in the shape of the issue 7 contract, for the report tests (no AWS)."""

from __future__ import annotations

from ansible_collections.hardening.aws.plugins.module_utils._audit_report import account_report

# (id, title, severity) of the 22 controls of shared/CONTROLS.md, in the catalogue's order.
CONTROLS = [
    ("root_access_key_absent", "No access key on the root user", "critical"),
    ("root_mfa_enabled", "MFA on the root user", "critical"),
    ("root_hardware_mfa", "Hardware MFA on the root user", "high"),
    ("root_not_used", "Root not used for daily work", "high"),
    ("password_policy_length", "Minimum password length of 14", "medium"),
    ("password_policy_reuse", "Password reuse prevention 24", "medium"),
    ("password_policy_complexity", "Password complexity", "medium"),
    ("console_users_mfa", "Every console user has MFA", "high"),
    ("no_initial_access_key", "No never-used key on a console user", "medium"),
    ("unused_credentials_disabled", "Credentials unused for 45 days disabled", "medium"),
    ("one_active_key", "At most one active access key per user", "medium"),
    ("access_keys_rotated", "Active keys rotated within 90 days", "medium"),
    ("permissions_via_groups", "Users get permissions only through groups", "low"),
    ("no_full_admin_policy", "No attached policy allowing * on *", "high"),
    ("support_role", "A role with AWSSupportAccess exists", "low"),
    ("instance_roles", "EC2 uses instance roles", "medium"),
    ("expired_server_certs", "No expired server certificates", "medium"),
    ("access_analyzer", "External access analyzer in every region", "medium"),
    ("central_identity", "Humans managed centrally", "low"),
    ("cloudshell_full_access", "AWSCloudShellFullAccess not attached", "low"),
    ("account_alias", "Account has a sign-in alias", "low"),
    ("no_root_daily_user", "An IAM admin user or role so root is not needed", "medium"),
]


def finding(control_id, status="pass", resources=(), reason=None):
    title, severity = next((t, s) for i, t, s in CONTROLS if i == control_id)
    return {
        "id": control_id,
        "title": title,
        "status": status,
        "severity": severity,
        "cis": {"3.0": "1.5", "7.0": "2.5"} if control_id == "root_mfa_enabled" else {},
        "practice": 4 if control_id == "root_mfa_enabled" else None,
        "resources": list(resources),
        "reason": reason or "%s: %s" % (control_id, status),
        "remediation": "hardening.aws.baseline: baseline_%s" % control_id,
    }


def findings(**statuses):
    """Every control, pass unless named: findings(root_mfa_enabled="fail")."""
    out = []
    for control_id, _title, _severity in CONTROLS:
        status = statuses.get(control_id, "pass")
        resources = []
        if status in ("fail", "manual"):
            resources = [
                {
                    "type": "user",
                    "name": "alice",
                    "arn": "arn:aws:iam::111111111111:user/alice",
                    "reason": "console password, no MFA",
                }
            ]
        out.append(finding(control_id, status, resources))
    return out


def posture(account_id="111111111111", alias=None, **statuses):
    """An iam_posture_info result with findings."""
    return {
        "changed": False,
        "account_id": account_id,
        "alias": alias,
        "api_calls": {"GetAccountAuthorizationDetails": 1, "GetCredentialReport": 1, "GetAccountSummary": 1},
        "findings": findings(**statuses),
    }


def report(account_id="210000000001", alias="acme-prod", run_id="20261129T120000Z", **statuses):
    """A per-account report (the JSON file's contents) built by the audit role's own function."""
    return account_report(
        posture(account_id, alias, **statuses), account_id, "2026-11-29T12:00:00Z", "0.1.0", run_id=run_id
    )
