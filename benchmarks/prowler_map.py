"""Which of Prowler's checks answer each control of shared/CONTROLS.md, for benchmarks/audit.py.

CONTROL_CHECKS maps each of our control ids (all of the catalogue, in its order) to the Prowler check
ids that decide the same question. Several checks for one control are combined as one verdict
(see combine): the control fails when any of them fails. A control with no Prowler check has
an empty tuple and its reason in NO_PROWLER_CHECK.

The mapping is hand-written from the checks' own descriptions; audit.py cross-checks it against
the CIS 3.0 numbers Prowler attaches to each finding, and lists any disagreement.

KNOWN_DIFFERENCES gives, per control, the reason why the two tools can answer differently on the
same account (threshold, scope, a simulator limitation); audit.py attaches it to every
disagreement it finds for that control, and calls a disagreement without one "unexplained".
"""

from __future__ import annotations

# Our control id -> Prowler check ids (Prowler 5.46, `prowler aws --list-checks --service iam`).
CONTROL_CHECKS = {
    "root_access_key_absent": ("iam_no_root_access_key",),
    "root_mfa_enabled": ("iam_root_mfa_enabled",),
    "root_hardware_mfa": ("iam_root_hardware_mfa_enabled",),
    "root_not_used": ("iam_avoid_root_usage",),
    "password_policy_length": ("iam_password_policy_minimum_length_14",),
    "password_policy_reuse": ("iam_password_policy_reuse_24",),
    "password_policy_complexity": (
        "iam_password_policy_uppercase",
        "iam_password_policy_lowercase",
        "iam_password_policy_number",
        "iam_password_policy_symbol",
    ),
    "console_users_mfa": ("iam_user_mfa_enabled_console_access",),
    "no_initial_access_key": ("iam_user_no_setup_initial_access_key",),
    "unused_credentials_disabled": ("iam_user_accesskey_unused", "iam_user_console_access_unused"),
    "one_active_key": ("iam_user_two_active_access_key",),
    "access_keys_rotated": ("iam_rotate_access_key_90_days",),
    "permissions_via_groups": ("iam_policy_attached_only_to_group_or_roles",),
    "no_full_admin_policy": (
        "iam_aws_attached_policy_no_administrative_privileges",
        "iam_customer_attached_policy_no_administrative_privileges",
    ),
    "support_role": ("iam_support_role_created",),
    "instance_roles": (),
    "expired_server_certs": ("iam_no_expired_server_certificates_stored",),
    "access_analyzer": (),
    "central_identity": ("iam_check_saml_providers_sts",),
    "cloudshell_full_access": ("iam_policy_cloudshell_admin_not_attached",),
    "account_alias": (),
    "no_root_daily_user": (),
}

# Controls Prowler's `--service iam` scan cannot answer, and why.
NO_PROWLER_CHECK = {
    "instance_roles": "Prowler checks this as ec2_instance_profile_attached, in the ec2 service, outside "
                      "`--service iam`",
    "access_analyzer": "Prowler checks this as accessanalyzer_enabled, in the accessanalyzer service, outside "
                       "`--service iam`",
    "account_alias": "no Prowler check for an account sign-in alias (hardening guide practice 10, not CIS)",
    "no_root_daily_user": "no Prowler check that an IAM admin exists so root is not needed (practice 1, not CIS)",
}

# Why the two tools can disagree on a control that both check: what differs in the rule (read in
# Prowler 5.46's checks), as the benchmark's runs showed it.
_ROOT_ROW = ("Prowler 5.46 reports root only when its credential-report row shows a password "
             "(password_enabled true) or an active key; the row says not_supported for root's password "
             "(as AWS writes it; the lab too), so a root user without access keys gets no finding")
KNOWN_DIFFERENCES = {
    "root_access_key_absent": _ROOT_ROW,
    "root_mfa_enabled": _ROOT_ROW,
    "root_hardware_mfa": _ROOT_ROW,
    "root_not_used": "different threshold: Prowler fails root use within the last day only (fixed in "
                     "iam_avoid_root_usage); ours within audit_root_used_days (30)",
    "expired_server_certs": "Prowler gives one finding per server certificate and none when there is no "
                            "certificate; ours passes",
    "central_identity": "Prowler passes with any SAML provider and fails without one; ours says manual while "
                        "IAM users have console passwords, provider or not: whether they are people who "
                        "should sign in centrally is a judgement",
}

# Where both fail the control but name different users (resource-level differences).
RESOURCE_DIFFERENCES = {
    "unused_credentials_disabled": "an active key never used and older than 45 days (ci-deploy's first key) "
                                   "is unused for ours; Prowler's iam_user_accesskey_unused only judges keys "
                                   "used at least once",
}


def combine(statuses):
    """One Prowler verdict for a control from the statuses of its checks' findings.

    FAIL when any finding fails; PASS when every finding passes; MANUAL when every finding is
    MANUAL (or PASS and MANUAL mixed: someone still has to look); "missing" without findings."""
    found = {s.upper() for s in statuses if s}
    if not found:
        return "missing"
    if "FAIL" in found:
        return "FAIL"
    if "MANUAL" in found:
        return "MANUAL"
    return "PASS" if found == {"PASS"} else "/".join(sorted(found))


def checks_to_controls():
    """Prowler check id -> our control ids (a check can serve only one control here)."""
    out = {}
    for control, checks in CONTROL_CHECKS.items():
        for check in checks:
            out.setdefault(check, []).append(control)
    return out
