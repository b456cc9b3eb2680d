"""The audit filters: what the role calls, and the errors a template gets for bad input."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hardening.aws.plugins.filter import audit
from ansible_collections.hardening.aws.tests.unit.plugins.module_utils.audit_samples import CONTROLS, posture

NOW = "2026-11-29T17:00:00Z"


def test_the_role_s_chain_for_one_account():
    report = audit.audit_account_report(
        posture("111111111111", "prod", root_mfa_enabled="fail"), 111111111111, NOW, "r1"
    )
    assert report["collection_version"] == "0.1.0"
    assert report["run_id"] == "r1" and report["account_alias"] == "prod"
    error = audit.audit_error_report("AssumeRole: AccessDenied", "222222222222", NOW, "r1", "lab-2")
    data = audit.audit_fleet(
        [report, error], [["lab-1", "111111111111"], ["lab-2", "222222222222"]], "r1", "Fleet", NOW, ["critical"], "/d"
    )
    assert [f["control"] for f in data["failing"]] == ["root_mfa_enabled"]
    assert data["lines"][-1] == "reports: /d/summary.html, summary.md, junit.xml"
    assert "<!DOCTYPE html>" in audit.audit_render(data, "html")
    assert audit.audit_render(data, "markdown").startswith("# Fleet")
    assert audit.audit_render(data, "junit").startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert audit.audit_render(report, "json").endswith("}\n")


def test_a_single_account_is_a_one_row_matrix():
    report = audit.audit_account_report(posture("111111111111"), "111111111111", NOW)
    page = audit.audit_render(audit.audit_fleet([report]), "html")
    assert page.count('<tr id="row-') == 1 and page.count('class="cell s-pass"') == len(CONTROLS)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: audit.audit_account_report({"changed": False}, "1", NOW), "findings: true"),
        (lambda: audit.audit_fleet("not a list"), "list of per-account reports"),
        (lambda: audit.audit_fleet([], fail_on=["urgent"]), "urgent not a severity"),
        (lambda: audit.audit_render({}, "pdf"), "format 'pdf'"),
        (lambda: audit.audit_render({}, "html"), "not an audit_fleet result"),
        (lambda: audit.audit_render([], "html"), "expects the result of audit_fleet"),
        (lambda: audit.audit_check_settings({"audit_regions": ["mars-1"]}), "^audit_regions: 'mars-1' is not"),
        (lambda: audit.audit_check_settings({"audit_unused_days": 0}), "^audit_unused_days=0 is out of range"),
        (lambda: audit.audit_check_settings({"audit_unused_days": "many"}), "^audit_unused_days: 'many' is not"),
        (
            lambda: audit.audit_check_settings({"audit_break_glass_users": ["a b"]}),
            "^audit_break_glass_users 'a b' is not a valid IAM user name",
        ),
    ],
)
def test_bad_input_is_a_filter_error_that_says_what(call, message):
    with pytest.raises(AnsibleFilterError, match=message):
        call()


def test_good_settings_pass_unchanged():
    settings = {"audit_regions": ["eu-west-1"], "audit_unused_days": "45", "audit_break_glass_users": ["root-ops"]}
    assert audit.audit_check_settings(settings) == settings


def test_every_filter_is_registered():
    assert sorted(audit.FilterModule().filters()) == [
        "audit_account_report",
        "audit_check_settings",
        "audit_error_report",
        "audit_fleet",
        "audit_render",
    ]
