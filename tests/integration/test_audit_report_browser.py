"""summary.html in a real headless Chromium (Debian's /usr/bin/chromium, `make browser`).

No WebDriver and no browser download: the page is loaded in an iframe of a small harness page,
whose script acts as a user does (types an account id into the filter box and fires the same
input event a keystroke fires, picks a status, clicks a cell's link) and writes what it saw as
JSON into its own DOM; Chromium's --dump-dom prints that DOM once the scripts have run. A
screenshot of the page is saved as well (its path is printed) for a person to look at.

The page comes from a real run of playbooks/audit.yml over the lab's seeded accounts (plus one
account whose role cannot be assumed), and from a rendered fleet of 200 accounts.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess

import pytest

from ansible_collections.hardening.aws.plugins.module_utils import _audit_report

from .test_audit import PLAYBOOK, bad_account_inventory

CHROMIUM = os.environ.get("HARDENING_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--allow-file-access-from-files",
]

# Runs inside Chromium. ``page`` is the iframe holding summary.html.
HARNESS = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>harness</title></head>
<body><pre id="result">pending</pre>
<iframe id="page" src="summary.html" style="width:1400px;height:900px"></iframe>
<script>
var ACCOUNT = %(account)s;
document.getElementById('page').addEventListener('load', function () {
  var out = {};
  try {
    var doc = document.getElementById('page').contentDocument, win = document.getElementById('page').contentWindow;
    var rows = Array.prototype.slice.call(doc.querySelectorAll('#matrix tbody tr'));
    function visible(tr) { return win.getComputedStyle(tr).display !== 'none'; }
    out.title = doc.querySelector('h1').textContent;
    out.counts = {};
    ['fail', 'manual', 'error', 'pass'].forEach(function (s) {
      out.counts[s] = parseInt(doc.querySelector('#count-' + s + ' b').textContent, 10); });
    out.columns = Array.prototype.map.call(doc.querySelectorAll('#matrix thead th.ctl'),
      function (th) { return th.getAttribute('data-control'); });
    out.rows = rows.map(function (tr) {
      return {account: tr.getAttribute('data-account'), unreadable: tr.classList.contains('unreadable'),
              text: tr.querySelector('th').textContent,
              cells: Array.prototype.map.call(tr.querySelectorAll('td.cell'), function (td) {
                return {control: td.getAttribute('data-control'), cls: td.className,
                        symbol: td.textContent.trim(), href: (td.querySelector('a') || {}).hash || null}; }),
              error: (tr.querySelector('td.errmsg') || {}).textContent || null}; });
    out.shown_before = rows.filter(visible).length;
    out.background = {};
    ['pass', 'fail', 'manual', 'error'].forEach(function (s) {
      var td = doc.querySelector('#matrix td.s-' + s);
      out.background[s] = td ? win.getComputedStyle(td).backgroundColor : null; });

    // Type an account id, as a user does: the value changes, then an input event.
    var q = doc.getElementById('q');
    q.focus(); q.value = ACCOUNT; q.dispatchEvent(new win.Event('input', {bubbles: true}));
    out.after_typing = rows.filter(visible).map(function (tr) { return tr.getAttribute('data-account'); });
    out.shown_text = doc.getElementById('shown').textContent;
    q.value = ''; q.dispatchEvent(new win.Event('input', {bubbles: true}));
    out.after_clearing = rows.filter(visible).length;

    // Status filter: accounts with a failing control.
    var st = doc.getElementById('status');
    st.value = 'fail'; st.dispatchEvent(new win.Event('change', {bubbles: true}));
    out.failing_only = rows.filter(visible).map(function (tr) { return tr.getAttribute('data-account'); });
    st.value = 'unreadable'; st.dispatchEvent(new win.Event('change', {bubbles: true}));
    out.unreadable_only = rows.filter(visible).map(function (tr) { return tr.getAttribute('data-account'); });
    st.value = 'any'; st.dispatchEvent(new win.Event('change', {bubbles: true}));

    // Severity filter: untick every severity but critical; the other columns hide.
    Array.prototype.forEach.call(doc.querySelectorAll('input[name=sev]'), function (box) {
      box.checked = box.value === 'critical'; box.dispatchEvent(new win.Event('change', {bubbles: true})); });
    out.columns_critical = Array.prototype.filter.call(doc.querySelectorAll('#matrix thead th.ctl'),
      function (th) { return win.getComputedStyle(th).display !== 'none'; })
      .map(function (th) { return th.getAttribute('data-control'); });
    Array.prototype.forEach.call(doc.querySelectorAll('input[name=sev]'), function (box) {
      box.checked = true; box.dispatchEvent(new win.Event('change', {bubbles: true})); });

    // Click the first failing cell of the typed account: the page moves to its resource list.
    var link = doc.querySelector('#matrix tr[data-account="' + ACCOUNT + '"] td.s-fail a');
    if (link) {
      link.click();
      var target = doc.getElementById(link.hash.slice(1));
      out.clicked = {hash: win.location.hash, control: link.parentNode.getAttribute('data-control'),
                     target_is_target: target === doc.querySelector(':target'),
                     target_text: target ? target.textContent : null,
                     resources: target ? target.querySelectorAll('tbody tr').length : 0};
    }
  } catch (e) { out.exception = String(e && e.stack || e); }
  document.getElementById('result').textContent = JSON.stringify(out);
});
</script></body></html>
"""


@pytest.fixture(scope="module")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail("%s not found: `make browser` installs Debian's chromium (apt-get install -y chromium)" % CHROMIUM)
    return CHROMIUM


def _browse(chromium, directory, account):
    """Load the harness next to directory/summary.html and return what its script saw."""
    with open(os.path.join(directory, "harness.html"), "w", encoding="utf-8") as handle:
        handle.write(HARNESS % {"account": json.dumps(account)})
    profile = os.path.join(directory, "chromium-profile")
    shutil.rmtree(profile, ignore_errors=True)
    proc = subprocess.run(
        [
            chromium,
            *FLAGS,
            "--user-data-dir=" + profile,
            "--virtual-time-budget=10000",
            "--dump-dom",
            "file://" + os.path.join(directory, "harness.html"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = re.search(r'<pre id="result">(.*?)</pre>', proc.stdout, re.S)
    assert proc.returncode == 0 and found, "chromium rc=%d\n%s\n%s" % (
        proc.returncode,
        proc.stdout[-2000:],
        proc.stderr[-2000:],
    )
    seen = json.loads(html.unescape(found.group(1)))
    assert "exception" not in seen, seen["exception"]
    return seen


def _screenshot(chromium, directory, size="1400,1000"):
    profile = os.path.join(directory, "chromium-profile-shot")
    shutil.rmtree(profile, ignore_errors=True)
    path = os.path.join(directory, "summary.png")
    proc = subprocess.run(
        [
            chromium,
            *FLAGS,
            "--user-data-dir=" + profile,
            "--window-size=" + size,
            "--hide-scrollbars",
            "--virtual-time-budget=5000",
            "--screenshot=" + path,
            "file://" + os.path.join(directory, "summary.html"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0 and os.path.getsize(path) > 10000, proc.stderr[-2000:]
    print("screenshot of summary.html: %s" % path)
    return path


def test_the_report_of_a_real_run_works_in_chromium(chromium, ansible, fresh_lab, tmp_path):
    lab = fresh_lab
    on, off, keys = lab.account_ids
    lab.set_root(on, mfa_enabled=True, hardware_mfa=True)
    lab.set_root(off, mfa_enabled=False)
    lab.set_root(keys, mfa_enabled=False, access_keys=1, password_last_used=2)
    inventory, bad = bad_account_inventory(lab, tmp_path)
    reports = tmp_path / "reports"
    run = ansible.run(PLAYBOOK, inventory, extra_vars={"audit_report_dir": str(reports)})
    assert run.rc != 0, run.output  # the unassumable account fails the run at the end, after the reports
    assert (reports / "summary.html").is_file(), run.output

    seen = _browse(chromium, str(reports), off)
    assert seen["title"] == "IAM audit"
    # Rows are the accounts of the inventory (the bad one as an error row), columns the 21 controls.
    assert [r["account"] for r in seen["rows"]] == [on, off, keys, bad]
    assert len(seen["columns"]) == 22 and seen["columns"][1] == "root_mfa_enabled"
    rows = {r["account"]: r for r in seen["rows"]}
    for account in (on, off, keys):
        assert [c["control"] for c in rows[account]["cells"]] == seen["columns"]
        assert all(re.match(r"^cell s-(pass|fail|manual|error)$", c["cls"]) for c in rows[account]["cells"])
    root_mfa = {a: rows[a]["cells"][1] for a in (on, off, keys)}
    assert root_mfa[on]["cls"] == "cell s-pass" and root_mfa[on]["symbol"] == "\u2713"
    assert root_mfa[off]["cls"] == "cell s-fail" and root_mfa[off]["symbol"] == "\u2717"
    assert root_mfa[keys]["cls"] == "cell s-fail"
    assert rows[bad]["unreadable"] and "could not be read" in rows[bad]["error"]
    # Colours differ per status (and the symbols say the same without colour).
    colours = [c for c in seen["background"].values() if c]
    assert len(set(colours)) == len(colours) >= 3
    # Filtering: typing an account id hides every other row; clearing shows them all again.
    assert seen["shown_before"] == 4
    assert seen["after_typing"] == [off]
    assert seen["shown_text"] == "1 of 4 account(s) shown"
    assert seen["after_clearing"] == 4
    assert off in seen["failing_only"] and bad not in seen["failing_only"]
    assert seen["unreadable_only"] == [bad]
    assert "root_mfa_enabled" in seen["columns_critical"] and "account_alias" not in seen["columns_critical"]
    # A failing cell leads to that account's resources for that control.
    clicked = seen["clicked"]
    assert clicked["hash"].startswith("#a1-c") and clicked["target_is_target"]
    assert clicked["control"] in clicked["target_text"] and "Remediation" in clicked["target_text"]
    first_fail = next(c for c in rows[off]["cells"] if c["cls"] == "cell s-fail")
    assert first_fail["href"] == clicked["hash"]

    _screenshot(chromium, str(reports))


def test_200_accounts_render_and_filter_in_chromium(chromium, tmp_path):
    reports = []
    for i in range(200):
        findings = [
            {
                "id": "control_%02d" % c,
                "title": "Control %d" % c,
                "status": ("fail" if (i + c) % 7 == 0 else "manual" if c == 5 else "error" if c == 6 else "pass"),
                "severity": ("critical", "high", "medium", "low")[c % 4],
                "cis": {},
                "practice": None,
                "resources": [{"type": "user", "name": "user-%d <b>" % i, "arn": None, "reason": "why & how"}],
                "reason": "reason",
                "remediation": "hardening.aws.baseline",
            }
            for c in range(21)
        ]
        reports.append(
            _audit_report.account_report(
                {"account_id": "%012d" % (300000000000 + i), "findings": findings}, None, "now", "0.1.0"
            )
        )
    data = _audit_report.fleet(reports, title="200 accounts", generated_at="2026-11-29T17:00:00Z")
    (tmp_path / "summary.html").write_text(_audit_report.render_html(data), encoding="utf-8")
    seen = _browse(chromium, str(tmp_path), "300000000123")
    assert len(seen["rows"]) == 200 and len(seen["columns"]) == 21
    assert seen["after_typing"] == ["300000000123"]
    assert seen["after_clearing"] == 200
    assert seen["clicked"]["resources"] == 1 and "user-123 <b>" in seen["clicked"]["target_text"]
    assert seen["counts"]["fail"] == data["totals"]["fail"]
