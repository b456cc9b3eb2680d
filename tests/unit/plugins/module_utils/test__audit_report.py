"""The audit reports (summary.html, summary.md, junit.xml) from hand-made findings: shape, totals, escaping."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from ansible_collections.hardening.aws.plugins.module_utils import _audit_report as audit
from ansible_collections.hardening.aws.tests.unit.plugins.module_utils.audit_samples import (
    CONTROLS,
    findings,
    posture,
)

NOW = "2026-11-29T17:00:00Z"
EVIL = '<script>alert("x")</script> & | * _ `'


def _report(account_id, alias=None, **statuses):
    return audit.account_report(posture(account_id, alias, **statuses), account_id, NOW, "0.1.0", run_id="run-1")


def _fleet(*reports, **kwargs):
    accounts = kwargs.pop("accounts", None)
    return audit.fleet(list(reports), accounts, run_id="run-1", generated_at=NOW, **kwargs)


class _Page(HTMLParser):
    """Elements by id, classes of matrix cells, every URL the page references."""

    def __init__(self):
        super().__init__()
        self.ids = {}
        self.cells = []
        self.urls = []
        self.scripts = 0
        self.text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            assert attrs["id"] not in self.ids, "duplicate id %s" % attrs["id"]
            self.ids[attrs["id"]] = tag
        if tag == "td" and "cell" in (attrs.get("class") or "").split():
            self.cells.append(attrs)
        for key in ("src", "href", "action"):
            if key in attrs:
                self.urls.append(attrs[key])
        if tag == "script":
            self.scripts += 1
            assert "src" not in attrs

    def handle_data(self, data):
        self.text.append(data)


def _parse(page):
    parser = _Page()
    parser.feed(page)
    return parser


def test_account_report_has_the_contract_keys_and_totals():
    report = _report(
        "111111111111", "acme-prod", root_mfa_enabled="fail", access_analyzer="error", central_identity="manual"
    )
    assert set(report) == {
        "account_id",
        "account_alias",
        "generated_at",
        "collection_version",
        "api_calls",
        "totals",
        "findings",
        "run_id",
    }
    assert report["account_id"] == "111111111111" and report["account_alias"] == "acme-prod"
    assert report["api_calls"] == 3
    assert report["totals"] == {"pass": len(CONTROLS) - 3, "fail": 1, "manual": 1, "error": 1}
    assert [f["id"] for f in report["findings"]] == [c[0] for c in CONTROLS]
    assert json.loads(audit.to_json(report)) == report


def test_a_subset_of_controls_keeps_their_order_and_a_missing_one_is_an_error():
    report = audit.account_report(
        posture("111111111111"), "111111111111", NOW, "0.1.0", controls=["root_mfa_enabled", "nope", "account_alias"]
    )
    assert [f["id"] for f in report["findings"]] == ["root_mfa_enabled", "nope", "account_alias"]
    assert report["findings"][1]["status"] == "error"
    assert report["totals"] == {"pass": 2, "fail": 0, "manual": 0, "error": 1}


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"changed": False}, "findings: true"),
        ({"findings": [{"id": "x", "status": "maybe"}]}, "status 'maybe'"),
        ({"findings": [{"status": "pass"}]}, "without an id"),
    ],
)
def test_account_report_refuses_what_is_not_a_findings_result(bad, message):
    with pytest.raises(audit.ReportError, match=re.escape(message)):
        audit.account_report(bad, "111111111111", NOW, "0.1.0")


def test_fleet_totals_per_account_per_control_and_severity():
    data = _fleet(
        _report("111111111111", root_mfa_enabled="fail", console_users_mfa="fail"),
        _report("222222222222", root_mfa_enabled="fail", access_analyzer="error"),
        _report("333333333333"),
    )
    assert [r["account_id"] for r in data["accounts"]] == ["111111111111", "222222222222", "333333333333"]
    assert [c["id"] for c in data["controls"]] == [c[0] for c in CONTROLS]
    by_id = {c["id"]: c for c in data["controls"]}
    assert by_id["root_mfa_enabled"]["totals"] == {"pass": 1, "fail": 2, "manual": 0, "error": 0}
    assert by_id["access_analyzer"]["totals"]["error"] == 1
    assert data["totals"] == {"pass": 3 * len(CONTROLS) - 4, "fail": 3, "manual": 0, "error": 1}
    assert data["failing_by_severity"] == {"critical": 2, "high": 1, "medium": 0, "low": 0}
    assert data["accounts_failing"] == 2 and data["accounts_unreadable"] == 0


def test_an_account_without_a_report_of_this_run_is_an_error_row():
    stale = _report("222222222222")
    stale["run_id"] = "run-0"
    unreadable = audit.error_report("333333333333", "AccessDenied on AssumeRole", NOW, "0.1.0", "run-1", "lab-3")
    accounts = [
        {"account_id": "111111111111", "host": "lab-1"},
        {"account_id": "222222222222", "host": "lab-2"},
        {"account_id": "333333333333", "host": "lab-3"},
    ]
    data = _fleet(_report("111111111111"), stale, unreadable, accounts=accounts)
    rows = {r["account_id"]: r for r in data["accounts"]}
    assert rows["111111111111"]["error"] is None
    assert "no report from this run" in rows["222222222222"]["error"]
    assert rows["333333333333"]["error"] == "AccessDenied on AssumeRole"
    assert data["accounts_unreadable"] == 2


def test_failing_picks_the_chosen_severities_only():
    data = _fleet(
        _report("111111111111", root_mfa_enabled="fail", account_alias="fail", central_identity="manual"),
        _report("333333333333", access_analyzer="error"),
        audit.error_report("222222222222", "no way in", NOW, "0.1.0", "run-1"),
    )
    assert audit.failing(data, []) == []
    critical = audit.failing(data, ["critical"])
    assert [(f["account_id"], f["control"], f["severity"]) for f in critical] == [
        ("111111111111", "root_mfa_enabled", "critical")
    ]
    assert {f["control"] for f in audit.failing(data, ["low", "medium"])} == {"account_alias"}
    with pytest.raises(audit.ReportError, match="severe"):
        audit.failing(data, ["severe"])


def test_accounts_of_the_run_may_be_host_and_id_pairs():
    data = _fleet(_report("111111111111"), accounts=[["lab-1", "111111111111"], ["bad", "12345"]])
    assert [(r["host"], r["account_id"], bool(r["error"])) for r in data["accounts"]] == [
        ("lab-1", "111111111111", False),
        ("bad", "12345", True),
    ]
    with pytest.raises(audit.ReportError, match="pair"):
        _fleet(accounts=["lab-1"])


def test_html_is_self_contained_with_a_cell_per_account_and_control():
    data = _fleet(
        _report("111111111111", "prod", root_mfa_enabled="fail", central_identity="manual", access_analyzer="error"),
        _report("222222222222"),
    )
    page = audit.render_html(data)
    parsed = _parse(page)
    # No network: every URL is an in-page anchor, and the CSP forbids anything else.
    assert parsed.urls and all(u.startswith("#") for u in parsed.urls)
    assert "default-src 'none'" in page
    assert "http://" not in page and "https://" not in page
    assert len(parsed.cells) == 2 * len(CONTROLS)
    statuses = [c["data-status"] for c in parsed.cells[: len(CONTROLS)]]
    assert statuses.count("fail") == 1 and statuses.count("manual") == 1 and statuses.count("error") == 1
    # Each non-pass cell links to a listing that exists.
    links = re.findall(r'<td class="cell s-(?:fail|manual|error)"[^>]*><a href="#([^"]+)"', page)
    assert len(links) == 3 and all(anchor in parsed.ids for anchor in links)
    assert "arn:aws:iam::111111111111:user/alice" in page and "console password, no MFA" in page
    assert "hardening.aws.baseline: baseline_root_mfa_enabled" in page
    for key in ("count-fail", "count-pass", "count-manual", "count-error", "matrix", "q", "status"):
        assert key in parsed.ids
    assert "Run 2026-11-29 17:00:00 UTC" in page


def test_html_escapes_everything_an_account_can_name():
    report = _report("111111111111", EVIL, root_mfa_enabled="fail")
    report["findings"][1]["resources"] = [{"type": "user", "name": EVIL, "arn": None, "reason": EVIL}]
    report["findings"][1]["reason"] = EVIL
    data = _fleet(report, audit.error_report("222222222222", EVIL, NOW, "0.1.0", "run-1", name=EVIL), title=EVIL)
    page = audit.render_html(data)
    assert "<script>alert" not in page
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 5
    assert _parse(page).scripts == 1


def test_html_with_no_findings_and_with_an_unreadable_account_only():
    data = _fleet(audit.error_report("222222222222", "AccessDenied", NOW, "0.1.0", "run-1"))
    page = audit.render_html(data)
    parsed = _parse(page)
    assert parsed.cells == []
    assert "could not be read</a>: AccessDenied" in page
    assert 'class="unreadable"' in page
    empty = audit.render_html(_fleet())
    assert "0 account(s)" in empty


def test_html_scales_to_200_accounts():
    reports = [_report("%012d" % (100000000000 + i), root_mfa_enabled="fail" if i % 3 else "pass") for i in range(200)]
    page = audit.render_html(_fleet(*reports))
    parsed = _parse(page)
    assert len(parsed.cells) == 200 * len(CONTROLS)
    assert len(page) < 3_000_000


def test_markdown_matrix_has_one_row_per_account_and_escapes_cells():
    report = _report("111111111111", "a|b", root_mfa_enabled="fail")
    report["findings"][1]["resources"] = [{"type": "user", "name": "x|y*z", "arn": None, "reason": "line\nbreak"}]
    data = _fleet(report, _report("222222222222"), audit.error_report("333333333333", "down | out", NOW, "0.1.0"))
    text = audit.render_markdown(data)
    table = [line for line in text.splitlines() if line.startswith("| ")]
    header, rows = table[0], table[1:5]
    width = header.count(" | ")
    # Every row of the matrix has the same number of unescaped cell separators.
    for line in rows:
        assert len(re.findall(r"(?<!\\)\|", line)) == len(re.findall(r"(?<!\\)\|", header)), line
    assert width == len(CONTROLS) + 4
    assert "a\\|b" in text and "x\\|y\\*z" in text and "line break" in text
    assert "\u2717 fail" in rows[0] and "! error" in rows[2]
    assert "down \\| out" in text


def test_junit_is_valid_xml_with_a_suite_per_account_and_a_case_per_control():
    report = _report("111111111111", root_mfa_enabled="fail", access_analyzer="error", central_identity="manual")
    report["findings"][1]["resources"][0]["name"] = "bad\x00\x1bname <&>"
    data = _fleet(report, _report("222222222222"), audit.error_report("333333333333", "AccessDenied <x>", NOW, "0.1.0"))
    xml = audit.render_junit(data)
    root = ET.fromstring(xml.encode("utf-8"))  # noqa: S314 - our own output
    suites = root.findall("testsuite")
    assert len(suites) == 3
    first = suites[0]
    cases = first.findall("testcase")
    assert len(cases) == len(CONTROLS)
    assert all(c.get("classname") == "111111111111" for c in cases)
    assert cases[1].get("name") == "root_mfa_enabled: MFA on the root user"
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("type") == "critical"
    assert "badname <&>" in failure.text
    assert (first.get("tests"), first.get("failures"), first.get("errors"), first.get("skipped")) == (
        str(len(CONTROLS)),
        "1",
        "1",
        "1",
    )
    unreadable = suites[2].findall("testcase")
    assert len(unreadable) == 1 and unreadable[0].find("error").get("message") == "AccessDenied <x>"
    assert root.get("tests") == str(2 * len(CONTROLS) + 1)
    assert root.get("failures") == "1" and root.get("errors") == "2"


def test_lines_name_totals_and_failing_controls():
    data = _fleet(_report("111111111111", "prod", root_mfa_enabled="fail"), _report("222222222222"))
    out = audit.lines(data, "/tmp/reports")
    assert out[0].startswith("2 account(s): %d finding(s) pass, 1 fail" % (2 * len(CONTROLS) - 1))
    assert (
        "111111111111 (prod): %d pass, 1 fail, 0 manual, 0 error: failing root_mfa_enabled" % (len(CONTROLS) - 1) in out
    )
    assert out[-1] == "reports: /tmp/reports/summary.html, summary.md, junit.xml"


def test_sample_helpers_cover_every_catalogue_control():
    assert len(findings()) == 22
