# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the audit role: the per-account report, the fleet of one run, and its renderings
(summary.html, summary.md, junit.xml). The logic is in module_utils/_audit_report.py."""

from __future__ import annotations

import json
import os

from ansible.errors import AnsibleFilterError

from ansible_collections.hardening.aws.plugins.module_utils import _audit_report, _iam_posture_info
from ansible_collections.hardening.aws.plugins.module_utils._aws import HardeningError
from ansible_collections.hardening.aws.plugins.plugin_utils._plain import plain_args

FORMATS = {
    "html": _audit_report.render_html,
    "markdown": _audit_report.render_markdown,
    "junit": _audit_report.render_junit,
    "json": _audit_report.to_json,
}


def collection_version():
    """The installed collection's version (MANIFEST.json), or galaxy.yml's in a checkout."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        with open(os.path.join(root, "MANIFEST.json"), encoding="utf-8") as handle:
            return json.load(handle)["collection_info"]["version"]
    except (OSError, ValueError, KeyError):
        pass
    try:
        with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("version:"):
                    return line.split(":", 1)[1].strip().strip("'\"")
    except OSError:
        pass
    return None


@plain_args
def audit_account_report(posture, account_id, generated_at, run_id=None, controls=None):
    """The contract's per-account report from a registered iam_posture_info result (findings: true)."""
    try:
        return _audit_report.account_report(
            posture, str(account_id), generated_at, collection_version(), run_id=run_id, controls=controls or None
        )
    except _audit_report.ReportError as exc:
        raise AnsibleFilterError("audit_account_report: %s" % exc) from None


@plain_args
def audit_check_settings(settings):
    """The audit role's settings ({audit_<option>: value}) checked the way iam_posture_info checks
    its options, before the account is read; a failure names the role's variable."""
    params = {}
    for name, value in (settings or {}).items():
        option = name[len("audit_"):] if name.startswith("audit_") else name
        params[option] = value
        if option in _iam_posture_info.THRESHOLDS:
            try:
                params[option] = int(value)
            except (TypeError, ValueError):
                raise AnsibleFilterError("%s: %r is not a whole number" % (name, value)) from None
    try:
        _iam_posture_info.validate(params)
    except HardeningError as exc:
        option = exc.details.get("option") or ""
        msg = exc.msg
        raise AnsibleFilterError(("audit_" + msg) if option and msg.startswith(option) else msg) from None
    return settings


@plain_args
def audit_error_report(message, account_id, generated_at, run_id=None, host=None):
    """The per-account report of an account the run could not read (an error row)."""
    return _audit_report.error_report(
        str(account_id), message, generated_at, collection_version(), run_id=run_id, name=host
    )


@plain_args
def audit_fleet(
    reports, accounts=None, run_id=None, title="IAM audit", generated_at=None, fail_on=None, report_dir=None
):
    """The fleet of one run: rows, controls, totals, C(failing) (for fail_on) and C(lines) to print."""
    try:
        data = _audit_report.fleet(reports, accounts, run_id=run_id, title=title, generated_at=generated_at)
        data["failing"] = _audit_report.failing(data, fail_on or [])
    except _audit_report.ReportError as exc:
        raise AnsibleFilterError("audit_fleet: %s" % exc) from None
    data["lines"] = _audit_report.lines(data, report_dir)
    return data


@plain_args
def audit_render(data, fmt):
    """One report file's text: html, markdown, junit (from audit_fleet) or json (a per-account report)."""
    if fmt not in FORMATS:
        raise AnsibleFilterError("audit_render: format %r is not one of %s" % (fmt, ", ".join(sorted(FORMATS))))
    if not isinstance(data, dict):
        raise AnsibleFilterError("audit_render: expects the result of audit_fleet (or a per-account report for json)")
    try:
        return FORMATS[fmt](data)
    except (KeyError, _audit_report.ReportError) as exc:
        raise AnsibleFilterError("audit_render: %s is not an audit_fleet result (%s)" % (fmt, exc)) from None


class FilterModule:
    """hardening.aws audit filters."""

    def filters(self):
        return {
            "audit_account_report": audit_account_report,
            "audit_check_settings": audit_check_settings,
            "audit_error_report": audit_error_report,
            "audit_fleet": audit_fleet,
            "audit_render": audit_render,
        }
