# -*- coding: utf-8 -*-
# Copyright: hardening.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit role's reports: one dict per account in, summary.html, summary.md and junit.xml out.

Pure functions, no AWS and no file access: the role builds each account's report from the
findings of ``iam_posture_info`` (:func:`account_report`, or :func:`error_report` for an account
the run could not read), writes it as ``<account id>.json``, reads every file of the run back and
hands them to :func:`fleet`, whose result the renderers turn into text. The filters in
``plugins/filter/audit.py`` expose these functions to the role.

Every string that comes from an account (resource names, reasons, aliases, error messages) is
escaped for the format it lands in: ``html.escape`` for the page, backslash escapes for
Markdown, ElementTree (plus removal of the characters XML 1.0 cannot hold) for JUnit.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET

STATUSES = ("fail", "error", "manual", "pass")
SEVERITIES = ("critical", "high", "medium", "low")
SYMBOLS = {"pass": "\u2713", "fail": "\u2717", "manual": "?", "error": "!"}
LABELS = {"pass": "pass", "fail": "fail", "manual": "manual", "error": "error"}
# The XML 1.0 character ranges; anything else (NUL, most C0 controls, lone surrogates) is dropped.
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


class ReportError(ValueError):
    """Input the report functions cannot use (wrong shape), with a message that says which."""


def _text(value):
    return "" if value is None else str(value)


def totals_of(findings):
    """{pass, fail, manual, error} counts of a list of findings."""
    totals = dict((status, 0) for status in ("pass", "fail", "manual", "error"))
    for finding in findings:
        status = finding.get("status")
        if status not in totals:
            raise ReportError(
                "finding %r has status %r, not one of pass, fail, manual, error" % (finding.get("id"), status)
            )
        totals[status] += 1
    return totals


def account_report(posture, account_id, generated_at, collection_version, run_id=None, controls=None):
    """The per-account report (the contract's JSON file) from an ``iam_posture_info`` result.

    ``controls``, when given, keeps only those control ids (in the findings' order). A control
    asked for that the module did not return is an ``error`` finding: never silently missing.
    """
    if not isinstance(posture, dict):
        raise ReportError("account_report expects the registered iam_posture_info result (a dict)")
    findings = posture.get("findings")
    if not isinstance(findings, list):
        raise ReportError("the iam_posture_info result has no findings list: call it with findings: true")
    for finding in findings:
        if not isinstance(finding, dict) or not finding.get("id"):
            raise ReportError("a finding without an id: %r" % (finding,))
    if controls:
        known = dict((f["id"], f) for f in findings)
        kept = []
        for control in controls:
            if control in known:
                kept.append(known[control])
            else:
                kept.append(
                    {
                        "id": control,
                        "title": control,
                        "status": "error",
                        "severity": "medium",
                        "cis": {},
                        "practice": None,
                        "resources": [],
                        "reason": "iam_posture_info returned no finding for this control",
                        "remediation": "check the control id in audit_controls",
                    }
                )
        findings = kept
    report = {
        "account_id": _text(posture.get("account_id") or account_id),
        "account_alias": _alias(posture),
        "generated_at": generated_at,
        "collection_version": collection_version,
        "api_calls": _calls(posture.get("api_calls")),
        "totals": totals_of(findings),
        "findings": findings,
    }
    if run_id is not None:
        report["run_id"] = run_id
    return report


def _calls(api_calls):
    """The number of calls: iam_posture_info counts them by operation."""
    if isinstance(api_calls, dict):
        return sum(int(count) for count in api_calls.values())
    return int(api_calls or 0)


def _alias(posture):
    alias = posture.get("account_alias", posture.get("alias"))
    if isinstance(alias, list):
        alias = alias[0] if alias else None
    if isinstance(alias, dict):
        alias = alias.get("alias") or alias.get("account_alias")
    return alias or None


def error_report(account_id, message, generated_at, collection_version, run_id=None, name=None):
    """The per-account report of an account the run could not read: an error row, no findings."""
    report = {
        "account_id": _text(account_id),
        "account_alias": None,
        "generated_at": generated_at,
        "collection_version": collection_version,
        "api_calls": 0,
        "totals": totals_of([]),
        "findings": [],
        "error": _text(message) or "the account could not be read",
    }
    if name is not None:
        report["host"] = _text(name)
    if run_id is not None:
        report["run_id"] = run_id
    return report


def fleet(reports, accounts=None, run_id=None, title="IAM audit", generated_at=None):
    """Everything the renderers need, from the per-account reports of one run.

    ``accounts`` (list of ``{"account_id", "host"}``) are the accounts this run was meant to read,
    in inventory order: one missing from ``reports`` (or whose report is from another run when
    ``run_id`` is given) becomes an error row. Without ``accounts`` every report is a row.
    """
    if not isinstance(reports, list):
        raise ReportError("fleet expects a list of per-account reports")
    by_id = {}
    for report in reports:
        if not isinstance(report, dict) or "account_id" not in report:
            raise ReportError("a per-account report without account_id: %r" % (report,))
        if run_id is not None and report.get("run_id") not in (None, run_id):
            continue
        by_id[_text(report["account_id"])] = report
    rows = []
    if accounts is None:
        accounts = [{"account_id": _text(r["account_id"])} for r in reports if _text(r["account_id"]) in by_id]
    seen = set()
    for account in accounts:
        if isinstance(account, dict):
            account_id, host = _text(account.get("account_id")), account.get("host")
        elif isinstance(account, (list, tuple)) and len(account) == 2:
            host, account_id = account[0], _text(account[1])
        else:
            raise ReportError(
                "an account of the run is a dict (account_id, host) or a pair (host, account id): %r" % (account,)
            )
        key = (account_id, host)
        if key in seen:
            continue
        seen.add(key)
        report = by_id.get(account_id)
        if report is None:
            report = error_report(
                account_id,
                "no report from this run for this account (see the run's output)",
                generated_at,
                None,
                run_id,
                host,
            )
        rows.append(_row(report, host))

    controls = []
    index = {}
    for row in rows:
        for finding in row["findings"]:
            if finding["id"] not in index:
                index[finding["id"]] = len(controls)
                controls.append(
                    {
                        "id": _text(finding["id"]),
                        "title": _text(finding.get("title") or finding["id"]),
                        "severity": _severity(finding.get("severity")),
                        "cis": finding.get("cis") or {},
                        "practice": finding.get("practice"),
                        "totals": totals_of([]),
                    }
                )
    for row in rows:
        row["cells"] = {}
        for finding in row["findings"]:
            row["cells"][finding["id"]] = finding
            controls[index[finding["id"]]]["totals"][finding["status"]] += 1

    overall = totals_of([])
    failing_by_severity = dict((s, 0) for s in SEVERITIES)
    for row in rows:
        for status, count in row["totals"].items():
            overall[status] += count
        for finding in row["findings"]:
            if finding["status"] == "fail":
                failing_by_severity[_severity(finding.get("severity"))] += 1
    return {
        "title": _text(title) or "IAM audit",
        "generated_at": generated_at,
        "run_id": run_id,
        "accounts": rows,
        "controls": controls,
        "totals": overall,
        "failing_by_severity": failing_by_severity,
        "accounts_total": len(rows),
        "accounts_unreadable": len([r for r in rows if r["error"]]),
        "accounts_failing": len([r for r in rows if r["totals"]["fail"]]),
    }


def _severity(value):
    return value if value in SEVERITIES else "medium"


def _row(report, host):
    findings = []
    for finding in report.get("findings") or []:
        if not isinstance(finding, dict) or not finding.get("id"):
            raise ReportError("account %s: a finding without an id" % report.get("account_id"))
        findings.append(finding)
    totals = totals_of(findings)
    return {
        "account_id": _text(report.get("account_id")),
        "account_alias": report.get("account_alias"),
        "host": host if host is not None else report.get("host"),
        "generated_at": report.get("generated_at"),
        "api_calls": report.get("api_calls"),
        "error": report.get("error"),
        "totals": totals,
        "findings": findings,
    }


def failing(fleet_data, severities):
    """The failed findings whose severity is in ``severities``: what ``audit_fail_on`` fails the run for.

    Accounts that could not be read are not in it: ``audit_fail_on_unreadable`` decides about them.
    """
    wanted = set(severities or [])
    unknown = wanted - set(SEVERITIES)
    if unknown:
        raise ReportError("audit_fail_on: %s not a severity (critical, high, medium, low)" % ", ".join(sorted(unknown)))
    out = []
    for row in fleet_data["accounts"]:
        for finding in row["findings"]:
            if finding["status"] == "fail" and _severity(finding.get("severity")) in wanted:
                out.append(
                    {
                        "account_id": row["account_id"],
                        "control": finding["id"],
                        "severity": _severity(finding.get("severity")),
                        "title": _text(finding.get("title")),
                    }
                )
    return out


def lines(fleet_data, report_dir=None):
    """A few lines for the run's output: totals, worst accounts, where the reports are."""
    totals = fleet_data["totals"]
    out = [
        "%d account(s): %d finding(s) pass, %d fail, %d manual, %d error; %d account(s) could not be read"
        % (
            fleet_data["accounts_total"],
            totals["pass"],
            totals["fail"],
            totals["manual"],
            totals["error"],
            fleet_data["accounts_unreadable"],
        ),
        "failing findings by severity: "
        + ", ".join("%s %d" % (s, fleet_data["failing_by_severity"][s]) for s in SEVERITIES),
    ]
    for row in fleet_data["accounts"]:
        name = row["account_id"] + (" (%s)" % row["account_alias"] if row["account_alias"] else "")
        if row["error"]:
            out.append("%s: ERROR %s" % (name, row["error"]))
        else:
            failed = [f["id"] for f in row["findings"] if f["status"] == "fail"]
            out.append(
                "%s: %d pass, %d fail, %d manual, %d error%s"
                % (
                    name,
                    row["totals"]["pass"],
                    row["totals"]["fail"],
                    row["totals"]["manual"],
                    row["totals"]["error"],
                    (": failing " + ", ".join(failed)) if failed else "",
                )
            )
    if report_dir:
        out.append("reports: %s/summary.html, summary.md, junit.xml" % report_dir)
    return out


# ---------------------------------------------------------------------------------------------
# HTML

_CSS = """
:root{--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#b3261e;--fail-bg:#ffd8d3;--manual:#7a5a00;--manual-bg:#fff1b8;
--error:#5b3a99;--error-bg:#e8dcff;--line:#d0d7de;--muted:#57606a}
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1f2328;
background:#fff}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:#f6f8fa}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:24px 0 8px}
h3{font-size:16px;margin:20px 0 6px}
h4{font-size:14px;margin:12px 0 4px}
.meta{color:var(--muted);margin:0 0 12px}
main{padding:0 24px 48px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 14px;background:#fff;min-width:120px}
.card b{display:block;font-size:24px}
.card.fail b{color:var(--fail)} .card.pass b{color:var(--pass)} .card.manual b{color:var(--manual)}
.card.error b{color:var(--error)}
.controls{display:flex;flex-wrap:wrap;gap:16px;align-items:center;margin:16px 0;padding:10px 12px;
border:1px solid var(--line);border-radius:8px}
.controls label{white-space:nowrap}
.controls input[type=search]{padding:4px 8px;min-width:220px}
.legend span{margin-right:12px;white-space:nowrap}
.wrap{overflow:auto;max-height:75vh;border:1px solid var(--line);border-radius:8px}
table.matrix{border-collapse:separate;border-spacing:0;font-size:13px}
.matrix th,.matrix td{border-bottom:1px solid var(--line);border-right:1px solid var(--line);padding:0;
text-align:center;background:#fff}
.matrix thead th{position:sticky;top:0;z-index:2;background:#f6f8fa;vertical-align:bottom;padding:4px 8px;
white-space:nowrap}
.matrix thead th.ctl{height:190px;width:34px;min-width:34px;padding:0}
.matrix thead th.ctl div{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;padding:6px 0;
margin:0 auto;font-weight:600}
.matrix thead th.ctl small{display:block;font-weight:400;color:var(--muted)}
.matrix th.acct{position:sticky;left:0;z-index:1;text-align:left;padding:4px 10px;min-width:190px;background:#fff;
font-weight:600}
.matrix thead th.acct{z-index:3;background:#f6f8fa}
.matrix th.acct small{display:block;font-weight:400;color:var(--muted)}
.matrix td.cell a,.matrix td.cell span{display:block;width:34px;height:28px;line-height:28px;text-decoration:none;
font-weight:700;color:inherit}
td.s-pass{background:var(--pass-bg);color:var(--pass)}
td.s-fail{background:var(--fail-bg);color:var(--fail)}
td.s-manual{background:var(--manual-bg);color:var(--manual)}
td.s-error{background:var(--error-bg);color:var(--error)}
td.s-none{background:#f6f8fa;color:var(--muted)}
.matrix td.cell a:hover,.matrix td.cell a:focus{outline:2px solid #0969da;outline-offset:-2px}
.matrix td.tot{padding:0 8px;font-variant-numeric:tabular-nums;white-space:nowrap}
.matrix td.tot.nz-fail{color:var(--fail);font-weight:700}
.matrix tfoot td,.matrix tfoot th{background:#f6f8fa;font-size:12px;padding:2px 0}
.matrix tr.unreadable th.acct{color:var(--error)}
td.errmsg{text-align:left;padding:4px 10px;background:var(--error-bg);color:var(--error)}
.sev{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;border:1px solid}
.sev-critical{color:#fff;background:#8c1d18;border-color:#8c1d18}
.sev-high{color:#8c1d18;border-color:#8c1d18}
.sev-medium{color:#7a5a00;border-color:#7a5a00}
.sev-low{color:var(--muted);border-color:var(--muted)}
.badge{display:inline-block;border-radius:4px;padding:0 6px;font-weight:700}
.badge.s-pass{background:var(--pass-bg);color:var(--pass)} .badge.s-fail{background:var(--fail-bg);color:var(--fail)}
.badge.s-manual{background:var(--manual-bg);color:var(--manual)} .badge.s-error{background:var(--error-bg);
color:var(--error)}
.detail{border:1px solid var(--line);border-radius:8px;padding:8px 14px;margin:10px 0}
.detail:target{outline:3px solid #0969da}
.detail table{border-collapse:collapse;margin-top:6px;font-size:13px}
.detail th,.detail td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
.detail code{word-break:break-all}
.hidden{display:none!important}
.back{font-size:12px}
#shown{color:var(--muted)}
"""

_JS = """
(function(){
  var q=document.getElementById('q'),st=document.getElementById('status'),
      sev=Array.prototype.slice.call(document.querySelectorAll('input[name=sev]')),
      rows=Array.prototype.slice.call(document.querySelectorAll('#matrix tbody tr')),
      shown=document.getElementById('shown');
  function apply(){
    var text=q.value.trim().toLowerCase(),want=st.value,sevs={},n=0;
    sev.forEach(function(b){sevs[b.value]=b.checked;});
    document.querySelectorAll('#matrix [data-sev]').forEach(function(el){
      el.classList.toggle('hidden',!sevs[el.getAttribute('data-sev')]);});
    rows.forEach(function(tr){
      var ok=!text||tr.getAttribute('data-search').indexOf(text)>=0;
      if(ok&&want!=='any'){
        if(want==='unreadable'){ok=tr.classList.contains('unreadable');}
        else{
          var cells=tr.querySelectorAll('td.cell:not(.hidden)'),hit=false,allpass=cells.length>0;
          cells.forEach(function(td){var s=td.getAttribute('data-status');
            if(s===want){hit=true;} if(s!=='pass'){allpass=false;}});
          ok=want==='allpass'?(allpass&&!tr.classList.contains('unreadable')):hit;
        }
      }
      tr.classList.toggle('hidden',!ok); if(ok){n++;}
    });
    shown.textContent=n+' of '+rows.length+' account(s) shown';
  }
  q.addEventListener('input',apply);st.addEventListener('change',apply);
  sev.forEach(function(b){b.addEventListener('change',apply);});
  apply();
})();
"""


def _e(value):
    return html.escape(_text(value), quote=True)


def _short(value, limit):
    text = _text(value)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _when(value):
    """2026-11-29T17:00:00Z as 2026-11-29 17:00:00 UTC, for a person."""
    text = _text(value)
    if not text:
        return "time unknown"
    match = re.match(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})Z$", text)
    return "%s %s UTC" % match.groups() if match else text


def _cis(cis):
    if not isinstance(cis, dict) or not cis:
        return ""
    return ", ".join("CIS %s: %s" % (version, number) for version, number in sorted(cis.items()))


def _anchor(row_index, control_index):
    return "a%d-c%d" % (row_index, control_index)


def _account_name(row):
    label = row["account_id"]
    extra = [x for x in (row.get("account_alias"), row.get("host")) if x and x != row["account_id"]]
    return label, " \u00b7 ".join(_text(x) for x in extra)


def render_html(fleet_data):
    """summary.html: one self-contained page (inline CSS and JS, no network)."""
    controls = fleet_data["controls"]
    rows = fleet_data["accounts"]
    totals = fleet_data["totals"]
    out = []
    add = out.append
    add('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    add(
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
    )
    add('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    add("<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n" % (_e(fleet_data["title"]), _CSS))
    add("<header>\n<h1>%s</h1>\n" % _e(fleet_data["title"]))
    add(
        '<p class="meta">Run %s \u00b7 %d account(s) \u00b7 %d control(s)%s</p>\n'
        % (
            _e(_when(fleet_data.get("generated_at"))),
            len(rows),
            len(controls),
            (" \u00b7 run id " + _e(fleet_data["run_id"])) if fleet_data.get("run_id") else "",
        )
    )
    add('<div class="cards" id="counts">\n')
    failing_accounts = fleet_data["accounts_failing"]
    add(
        '<div class="card fail" id="count-accounts-failing"><b>%d</b>of %d account(s) with failing controls</div>\n'
        % (failing_accounts, len(rows))
    )
    if fleet_data["accounts_unreadable"]:
        add(
            '<div class="card error" id="count-unreadable"><b>%d</b>account(s) could not be read</div>\n'
            % fleet_data["accounts_unreadable"]
        )
    for status in ("fail", "manual", "error", "pass"):
        add(
            '<div class="card %s" id="count-%s"><b>%d</b>%s %s finding(s)</div>\n'
            % (status, status, totals[status], SYMBOLS[status], LABELS[status])
        )
    sev = fleet_data["failing_by_severity"]
    add(
        '<div class="card" id="count-severity">failing by severity<br>%s</div>\n'
        % " ".join('<span class="sev sev-%s">%s %d</span>' % (s, s, sev[s]) for s in SEVERITIES)
    )
    add("</div>\n</header>\n<main>\n")

    add("<h2>Accounts \u00d7 controls</h2>\n")
    add(
        '<div class="controls" role="search">\n'
        '<label>Account <input type="search" id="q" placeholder="id, alias or host" autocomplete="off"></label>\n'
        '<label>Show <select id="status">'
        '<option value="any">all accounts</option>'
        '<option value="fail">accounts with a failing control</option>'
        '<option value="error">accounts with an error</option>'
        '<option value="manual">accounts with a manual item</option>'
        '<option value="allpass">accounts where everything passes</option>'
        '<option value="unreadable">accounts that could not be read</option>'
        "</select></label>\n<span>Severity "
    )
    for s in SEVERITIES:
        add('<label><input type="checkbox" name="sev" value="%s" checked> %s</label> ' % (s, s))
    add('</span>\n<span id="shown"></span>\n</div>\n')
    add(
        '<p class="legend">%s \u00b7 a cell links to its resources; columns are sorted as in the control '
        "catalogue</p>\n"
        % " ".join(
            '<span class="badge s-%s">%s %s</span>' % (s, SYMBOLS[s], LABELS[s])
            for s in ("pass", "fail", "manual", "error")
        )
    )

    add('<div class="wrap">\n<table class="matrix" id="matrix">\n<thead><tr><th class="acct" scope="col">Account</th>')
    for control in controls:
        add(
            '<th class="ctl" scope="col" data-control="%s" data-sev="%s" title="%s"><div>%s<small>%s</small>'
            "</div></th>"
            % (
                _e(control["id"]),
                control["severity"],
                _e(control["title"] + " (" + control["severity"] + ") " + _cis(control["cis"])),
                _e(control["id"]),
                _e(control["severity"]),
            )
        )
    add(
        '<th scope="col">%s fail</th><th scope="col">%s manual</th><th scope="col">%s error</th>'
        '<th scope="col">%s pass</th></tr></thead>\n<tbody>\n'
        % (SYMBOLS["fail"], SYMBOLS["manual"], SYMBOLS["error"], SYMBOLS["pass"])
    )
    for r, row in enumerate(rows):
        label, extra = _account_name(row)
        search = " ".join(_text(x) for x in (row["account_id"], row.get("account_alias"), row.get("host")) if x).lower()
        add(
            '<tr id="row-%d" data-account="%s" data-search="%s"%s><th class="acct" scope="row">'
            '<a href="#acct-%d">%s</a>%s</th>'
            % (
                r,
                _e(row["account_id"]),
                _e(search),
                ' class="unreadable"' if row["error"] else "",
                r,
                _e(label),
                ("<small>%s</small>" % _e(extra)) if extra else "",
            )
        )
        if row["error"] and not row["findings"]:
            add(
                '<td class="errmsg cell-error" colspan="%d" title="%s">'
                '<a href="#acct-%d">%s could not be read</a>: %s</td>'
                % (max(len(controls), 1), _e(row["error"]), r, SYMBOLS["error"], _e(_short(row["error"], 180)))
            )
        else:
            for c, control in enumerate(controls):
                finding = row["cells"].get(control["id"])
                if finding is None:
                    add(
                        '<td class="cell s-none" data-status="none" data-sev="%s"><span title="not audited">'
                        "\u2013</span></td>" % control["severity"]
                    )
                    continue
                status = finding["status"]
                tip = "%s \u2014 %s: %s%s" % (
                    row["account_id"],
                    control["id"],
                    LABELS[status],
                    (" \u2014 " + _text(finding.get("reason"))) if finding.get("reason") else "",
                )
                inner = "%s" % SYMBOLS[status]
                if status == "pass":
                    cell = '<span title="%s" aria-label="%s">%s</span>' % (_e(tip), _e(tip), inner)
                else:
                    cell = '<a href="#%s" title="%s" aria-label="%s">%s</a>' % (_anchor(r, c), _e(tip), _e(tip), inner)
                add(
                    '<td class="cell s-%s" data-status="%s" data-control="%s" data-sev="%s">%s</td>'
                    % (status, status, _e(control["id"]), control["severity"], cell)
                )
        t = row["totals"]
        add(
            '<td class="tot%s">%d</td><td class="tot">%d</td><td class="tot">%d</td><td class="tot">%d</td>'
            "</tr>\n" % (" nz-fail" if t["fail"] else "", t["fail"], t["manual"], t["error"], t["pass"])
        )
    add('</tbody>\n<tfoot><tr><th class="acct" scope="row">accounts failing</th>')
    for control in controls:
        add(
            '<td data-sev="%s" data-control="%s" title="%s: %d fail, %d manual, %d error, %d pass">%d</td>'
            % (
                control["severity"],
                _e(control["id"]),
                _e(control["id"]),
                control["totals"]["fail"],
                control["totals"]["manual"],
                control["totals"]["error"],
                control["totals"]["pass"],
                control["totals"]["fail"],
            )
        )
    add(
        '<td class="tot">%d</td><td class="tot">%d</td><td class="tot">%d</td><td class="tot">%d</td>'
        "</tr></tfoot>\n</table>\n</div>\n" % (totals["fail"], totals["manual"], totals["error"], totals["pass"])
    )

    add(
        '<h2>Controls</h2>\n<div class="wrap" style="max-height:none"><table class="matrix" id="controls">'
        '<thead><tr><th class="acct">Control</th><th>Severity</th><th>CIS</th><th>%s fail</th><th>%s manual</th>'
        "<th>%s error</th><th>%s pass</th></tr></thead><tbody>\n"
        % (SYMBOLS["fail"], SYMBOLS["manual"], SYMBOLS["error"], SYMBOLS["pass"])
    )
    for control in controls:
        ct = control["totals"]
        add(
            '<tr><th class="acct">%s<small>%s</small></th><td><span class="sev sev-%s">%s</span></td>'
            '<td class="tot">%s</td><td class="tot%s">%d</td><td class="tot">%d</td><td class="tot">%d</td>'
            '<td class="tot">%d</td></tr>\n'
            % (
                _e(control["id"]),
                _e(control["title"]),
                control["severity"],
                control["severity"],
                _e(_cis(control["cis"])),
                " nz-fail" if ct["fail"] else "",
                ct["fail"],
                ct["manual"],
                ct["error"],
                ct["pass"],
            )
        )
    add("</tbody></table></div>\n")

    add("<h2>What fails, account by account</h2>\n")
    for r, row in enumerate(rows):
        label, extra = _account_name(row)
        add(
            '<section id="acct-%d" data-account="%s">\n<h3>%s%s</h3>\n'
            % (r, _e(row["account_id"]), _e(label), (" <small>(%s)</small>" % _e(extra)) if extra else "")
        )
        if row["error"]:
            add(
                '<div class="detail"><span class="badge s-error">%s error</span> the account could not be read: '
                "%s</div>\n" % (SYMBOLS["error"], _e(row["error"]))
            )
        listed = 0
        for c, control in enumerate(controls):
            finding = row["cells"].get(control["id"])
            if finding is None or finding["status"] == "pass":
                continue
            listed += 1
            add(_detail(r, c, row, finding, control))
        if not listed and not row["error"]:
            add("<p>Every control passes.</p>\n")
        add("</section>\n")
    add("</main>\n<script>%s</script>\n</body>\n</html>\n" % _JS)
    return "".join(out)


def _detail(r, c, row, finding, control):
    status = finding["status"]
    out = [
        '<div class="detail" id="%s" data-status="%s" data-control="%s">' % (_anchor(r, c), status, _e(control["id"]))
    ]
    out.append(
        '<h4><span class="badge s-%s">%s %s</span> %s \u2014 %s <span class="sev sev-%s">%s</span></h4>'
        % (
            status,
            SYMBOLS[status],
            LABELS[status],
            _e(control["id"]),
            _e(finding.get("title") or control["title"]),
            control["severity"],
            control["severity"],
        )
    )
    meta = [
        x
        for x in (
            _cis(finding.get("cis")),
            ("practice %s" % finding["practice"]) if finding.get("practice") is not None else "",
        )
        if x
    ]
    if meta:
        out.append('<p class="meta">%s</p>' % _e(" \u00b7 ".join(meta)))
    out.append("<p><b>Why:</b> %s</p>" % _e(finding.get("reason") or ""))
    out.append("<p><b>Remediation:</b> %s</p>" % _e(finding.get("remediation") or ""))
    resources = finding.get("resources") or []
    if resources:
        out.append("<table><thead><tr><th>Type</th><th>Name</th><th>ARN</th><th>Reason</th></tr></thead><tbody>")
        for item in resources:
            res = item if isinstance(item, dict) else {"name": item}
            out.append(
                "<tr><td>%s</td><td>%s</td><td><code>%s</code></td><td>%s</td></tr>"
                % (_e(res.get("type")), _e(res.get("name")), _e(res.get("arn") or ""), _e(res.get("reason")))
            )
        out.append("</tbody></table>")
    out.append('<p class="back"><a href="#row-%d">back to the matrix</a></p></div>\n' % r)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Markdown


def md_escape(value):
    """One line of user text, safe in a Markdown table cell or list item."""
    text = " ".join(_text(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


_MD_CODE = re.compile(r"^[A-Za-z0-9_.:/-]+$")


def md_id(value):
    """A control or account id: a code span when it is plain, else escaped text."""
    text = _text(value)
    return "`%s`" % text if _MD_CODE.match(text) else md_escape(text)


def render_markdown(fleet_data):
    """summary.md: the matrix and totals as a Markdown table, then failing resources per account."""
    controls = fleet_data["controls"]
    rows = fleet_data["accounts"]
    totals = fleet_data["totals"]
    out = ["# %s" % md_escape(fleet_data["title"]), ""]
    out.append(
        "Run %s: %d account(s), %d control(s). Findings: %d fail, %d manual, %d error, %d pass. "
        "%d account(s) with failing controls, %d could not be read."
        % (
            md_escape(fleet_data.get("generated_at") or "time unknown"),
            len(rows),
            len(controls),
            totals["fail"],
            totals["manual"],
            totals["error"],
            totals["pass"],
            fleet_data["accounts_failing"],
            fleet_data["accounts_unreadable"],
        )
    )
    out.append("")
    out.append(
        "Failing by severity: "
        + ", ".join("%s %d" % (s, fleet_data["failing_by_severity"][s]) for s in SEVERITIES)
        + "."
    )
    out.append("")
    out.append("Legend: %s." % ", ".join("%s %s" % (SYMBOLS[s], s) for s in ("pass", "fail", "manual", "error")))
    out.append("")
    out.append("| Account | " + " | ".join(md_id(c["id"]) for c in controls) + " | fail | manual | error | pass |")
    out.append("|---|" + "|".join(":-:" for _c in controls) + "|--:|--:|--:|--:|")
    for row in rows:
        label, extra = _account_name(row)
        name = md_escape(label) + ((" (%s)" % md_escape(extra)) if extra else "")
        if row["error"] and not row["findings"]:
            cells = ["! error"] + [""] * (len(controls) - 1) if controls else []
        else:
            cells = []
            for control in controls:
                finding = row["cells"].get(control["id"])
                cells.append("\u2013" if finding is None else "%s %s" % (SYMBOLS[finding["status"]], finding["status"]))
        t = row["totals"]
        out.append(
            "| %s | %s%s %d | %d | %d | %d |"
            % (name, " | ".join(cells), " |" if cells else "", t["fail"], t["manual"], t["error"], t["pass"])
        )
    out.append(
        "| **accounts failing** | %s%s %d | %d | %d | %d |"
        % (
            " | ".join(str(c["totals"]["fail"]) for c in controls),
            " |" if controls else "",
            totals["fail"],
            totals["manual"],
            totals["error"],
            totals["pass"],
        )
    )
    out.append("")
    out.append("## Controls")
    out.append("")
    out.append("| Control | Title | Severity | CIS | fail | manual | error | pass |")
    out.append("|---|---|---|---|--:|--:|--:|--:|")
    for control in controls:
        ct = control["totals"]
        out.append(
            "| %s | %s | %s | %s | %d | %d | %d | %d |"
            % (
                md_id(control["id"]),
                md_escape(control["title"]),
                control["severity"],
                md_escape(_cis(control["cis"])),
                ct["fail"],
                ct["manual"],
                ct["error"],
                ct["pass"],
            )
        )
    out.append("")
    out.append("## What fails, account by account")
    for row in rows:
        label, extra = _account_name(row)
        out.append("")
        out.append("### %s%s" % (md_escape(label), (" (%s)" % md_escape(extra)) if extra else ""))
        out.append("")
        if row["error"]:
            out.append("- ! **error**: the account could not be read: %s" % md_escape(row["error"]))
        listed = 0
        for control in controls:
            finding = row["cells"].get(control["id"])
            if finding is None or finding["status"] == "pass":
                continue
            listed += 1
            out.append(
                "- %s **%s** %s (%s, %s): %s. Remediation: %s"
                % (
                    SYMBOLS[finding["status"]],
                    finding["status"],
                    md_id(control["id"]),
                    control["severity"],
                    md_escape(finding.get("title") or control["title"]),
                    md_escape(finding.get("reason") or ""),
                    md_escape(finding.get("remediation") or ""),
                )
            )
            for item in finding.get("resources") or []:
                res = item if isinstance(item, dict) else {"name": item}
                out.append(
                    "  - %s %s%s: %s"
                    % (
                        md_escape(res.get("type")),
                        md_escape(res.get("name")),
                        (" (%s)" % md_escape(res["arn"])) if res.get("arn") else "",
                        md_escape(res.get("reason")),
                    )
                )
        if not listed and not row["error"]:
            out.append("Every control passes.")
    out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# JUnit


def _x(value):
    return _XML_INVALID.sub("", _text(value))


def _resource_lines(finding):
    out = []
    for item in finding.get("resources") or []:
        res = item if isinstance(item, dict) else {"name": item}
        out.append(
            "%s %s%s: %s"
            % (
                _text(res.get("type")),
                _text(res.get("name")),
                (" (%s)" % res["arn"]) if res.get("arn") else "",
                _text(res.get("reason")),
            )
        )
    return out


def render_junit(fleet_data):
    """junit.xml: one testsuite per account, one testcase per control (fail, error, manual = skipped)."""
    root = ET.Element("testsuites", name=_x(fleet_data["title"]))
    sums = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for row in fleet_data["accounts"]:
        label, extra = _account_name(row)
        suite = ET.SubElement(root, "testsuite", name=_x(label + ((" (%s)" % extra) if extra else "")))
        if row.get("generated_at"):
            suite.set("timestamp", _x(row["generated_at"]))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if row["error"]:
            case = ET.SubElement(suite, "testcase", classname=_x(row["account_id"]), name="account: read the account")
            ET.SubElement(case, "error", message=_x(row["error"]), type="unreadable").text = _x(row["error"])
            counts["tests"] += 1
            counts["errors"] += 1
        for finding in row["findings"]:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_x(row["account_id"]),
                name=_x("%s: %s" % (finding["id"], finding.get("title") or finding["id"])),
            )
            counts["tests"] += 1
            status = finding["status"]
            message = _x(finding.get("reason") or status)
            body = "\n".join(
                [_text(finding.get("reason"))]
                + _resource_lines(finding)
                + ["remediation: " + _text(finding.get("remediation"))]
            )
            if status == "fail":
                ET.SubElement(case, "failure", message=message, type=_severity(finding.get("severity"))).text = _x(body)
                counts["failures"] += 1
            elif status == "error":
                ET.SubElement(case, "error", message=message, type="error").text = _x(body)
                counts["errors"] += 1
            elif status == "manual":
                ET.SubElement(case, "skipped", message=_x("manual: " + _text(finding.get("reason")))).text = _x(body)
                counts["skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            sums[key] += value
    for key, value in sums.items():
        root.set(key, str(value))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_json(report):
    """A per-account report as the text of its file (sorted keys, newline at the end)."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
