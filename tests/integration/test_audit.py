"""playbooks/audit.yml over the lab's seeded accounts, as a user runs it: the files the audit role
writes (per account and for the fleet), what the run reports, and that it changes nothing.

The seeded accounts get three root states: root MFA on (hardware), root MFA off, and root MFA off
with an access key and a sign-in two days ago. The control-by-control logic is tested with the
module (tests/integration/test_iam_posture_info.py); here the root controls and a few controls
every seeded account shares are checked in the files the role writes.
"""

from __future__ import annotations

import json
import os
import stat
import xml.etree.ElementTree as ET

import yaml

PLAYBOOK = "playbooks/audit.yml"
CONTROLS = 22  # the ids of shared/CONTROLS.md
STATUSES = {"pass", "fail", "manual", "error"}


def _host(account_id):
    return "lab-%s" % account_id


def _root_states(lab):
    """root MFA on, root MFA off, root MFA off with a key used recently; returns the three ids."""
    on, off, keys = lab.account_ids
    lab.set_root(on, mfa_enabled=True, hardware_mfa=True)
    lab.set_root(off, mfa_enabled=False)
    lab.set_root(keys, mfa_enabled=False, access_keys=1, password_last_used=2)
    return on, off, keys


def bad_account_inventory(lab, tmp_path):
    """The lab's inventory plus a host whose role lands in another account (the identity check
    refuses it): an account the run cannot read. Returns (path, the bad host's account id)."""
    path = tmp_path / "inventory.yml"
    lab.write_inventory(path)
    inventory = yaml.safe_load(path.read_text())
    hosts = inventory["all"]["children"]["aws_accounts"]["hosts"]
    template = dict(hosts[_host(lab.account_ids[0])])
    bad = "210000000099"
    hosts["unassumable"] = dict(
        template,
        aws_account_id=bad,
        aws_assume_role_arn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % lab.account_ids[1],
    )
    path.write_text(yaml.safe_dump(inventory))
    return path, bad


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _report(directory, account_id):
    path = directory / ("%s.json" % account_id)
    assert _mode(path) == 0o600
    return json.loads(path.read_text())


def _status(report, control):
    return next(f["status"] for f in report["findings"] if f["id"] == control)


def _without_last_used(value):
    """The authorization details without RoleLastUsed (AssumeRole into the account moves it)."""
    if isinstance(value, dict):
        return {k: _without_last_used(v) for k, v in value.items() if k != "RoleLastUsed"}
    if isinstance(value, list):
        return [_without_last_used(v) for v in value]
    return value


def _iam_state(lab, account_id):
    """What an audit must not change, read with boto3."""
    iam = lab.session(account_id).client("iam")
    details = iam.get_account_authorization_details()
    details.pop("ResponseMetadata", None)
    try:
        policy = iam.get_account_password_policy()["PasswordPolicy"]
    except iam.exceptions.NoSuchEntityException:
        policy = None
    return {
        "details": json.loads(json.dumps(_without_last_used(details), default=str)),
        "password_policy": policy,
        "aliases": iam.list_account_aliases()["AccountAliases"],
        "keys": {
            u["UserName"]: [
                (k["AccessKeyId"], k["Status"])
                for k in iam.list_access_keys(UserName=u["UserName"])["AccessKeyMetadata"]
            ]
            for u in details["UserDetailList"]
        },
    }


def test_audit_writes_every_report_and_changes_nothing(ansible, fresh_lab, inventory, tmp_path):
    lab = fresh_lab
    on, off, keys = _root_states(lab)
    before = {a: _iam_state(lab, a) for a in lab.account_ids}
    reports = tmp_path / "reports"

    run = ansible.run(PLAYBOOK, inventory, extra_vars={"audit_report_dir": str(reports)})
    assert run.rc == 0, run.output
    assert {a: _iam_state(lab, a) for a in lab.account_ids} == before
    for account_id in lab.account_ids:
        assert run.stats(_host(account_id))["changed"] == 0, run.stats(_host(account_id))
        assert run.stats(_host(account_id))["failures"] == 0
    assert _mode(reports) == 0o700

    files = {a: _report(reports, a) for a in lab.account_ids}
    for account_id, report in files.items():
        assert report["account_id"] == account_id
        assert set(report) >= {
            "account_id",
            "account_alias",
            "generated_at",
            "collection_version",
            "api_calls",
            "totals",
            "findings",
        }
        assert report["collection_version"] == "0.1.0"
        assert report["generated_at"].endswith("Z") and report["api_calls"] > 0
        assert len(report["findings"]) == CONTROLS
        assert {f["status"] for f in report["findings"]} <= STATUSES
        assert report["totals"] == {s: [f["status"] for f in report["findings"]].count(s) for s in STATUSES}
        # What every seeded account shares: no password policy, no alias, console users without MFA, and
        # no Access Analyzer in the simulator (error, never pass).
        assert _status(report, "password_policy_length") == "fail"
        assert _status(report, "account_alias") == "fail"
        assert _status(report, "console_users_mfa") == "fail"
        assert _status(report, "access_analyzer") == "error"
    # The root states decide the root controls.
    assert _status(files[on], "root_mfa_enabled") == "pass"
    assert _status(files[on], "root_hardware_mfa") == "pass"
    assert _status(files[on], "root_access_key_absent") == "pass"
    assert _status(files[off], "root_mfa_enabled") == "fail"
    assert _status(files[off], "root_access_key_absent") == "pass"
    assert _status(files[keys], "root_mfa_enabled") == "fail"
    assert _status(files[keys], "root_access_key_absent") == "fail"
    assert _status(files[keys], "root_not_used") == "fail"

    # The fleet files: Markdown matrix with one row per account, JUnit with one case per control.
    markdown = (reports / "summary.md").read_text()
    assert _mode(reports / "summary.md") == 0o600
    rows = [line for line in markdown.splitlines() if line.startswith("| %s" % lab.account_ids[0][:6])]
    assert len(rows) == 3
    junit = ET.fromstring((reports / "junit.xml").read_bytes())  # noqa: S314 - our own output
    suites = junit.findall("testsuite")
    assert [s.find("testcase").get("classname") for s in suites] == lab.account_ids
    assert all(len(s.findall("testcase")) == CONTROLS for s in suites)
    fails = sum(f["totals"]["fail"] for f in files.values())
    assert int(junit.get("failures")) == fails and int(junit.get("tests")) == 3 * CONTROLS
    off_suite = suites[1]
    root_case = next(c for c in off_suite.findall("testcase") if c.get("name").startswith("root_mfa_enabled:"))
    assert root_case.find("failure") is not None
    html = (reports / "summary.html").read_text()
    assert html.count('<tr id="row-') == 3

    # What the run prints, and the totals AWX keeps.
    lines = run.result("totals, and where the reports are", _host(on))["msg"]
    assert lines[0].startswith("3 account(s): ")
    assert any(line.startswith(off + ": ") and "root_mfa_enabled" in line for line in lines)
    assert lines[-1] == "reports: %s/summary.html, summary.md, junit.xml" % reports
    stats = {}
    for account_id in lab.account_ids:
        result = run.result("keep the totals in the job's stats (AWX)", _host(account_id))
        stats.update(result["ansible_stats"]["data"]["audit_totals"])
        assert result["ansible_stats"]["aggregate"] is True
    assert stats == {a: files[a]["totals"] for a in lab.account_ids}

    # --check: the same findings, still no change (the read and the report files run in check mode too).
    checked = tmp_path / "checked"
    check = ansible.run(PLAYBOOK, inventory, check=True, extra_vars={"audit_report_dir": str(checked)})
    assert check.rc == 0, check.output
    assert check.changed_hosts() == []
    assert {a: _iam_state(lab, a) for a in lab.account_ids} == before
    for account_id in lab.account_ids:
        again = _report(checked, account_id)
        assert [(f["id"], f["status"]) for f in again["findings"]] == [
            (f["id"], f["status"]) for f in files[account_id]["findings"]
        ]


def test_audit_fail_on_fails_the_run_naming_accounts_and_controls(ansible, fresh_lab, inventory, tmp_path):
    lab = fresh_lab
    on, off, keys = _root_states(lab)
    root = tmp_path / "audits"
    run = ansible.run(PLAYBOOK, inventory, extra_vars={"audit_report_root": str(root), "audit_fail_on": ["critical"]})
    assert run.rc != 0, run.output
    message = run.result("fail the run (audit_fail_on, accounts that could not be read)", _host(on))["msg"]
    assert "%s root_mfa_enabled critical" % off in message
    assert "%s root_access_key_absent critical" % keys in message
    assert "%s root_mfa_enabled" % on not in message
    # The default directory: one subdirectory per run, and latest pointing at it; reports written anyway.
    runs = [p for p in root.iterdir() if p.name != "latest"]
    assert len(runs) == 1 and os.readlink(root / "latest") == runs[0].name
    assert (root / "latest" / "summary.html").is_file()
    assert sorted(p.name for p in runs[0].glob("*.json")) == sorted("%s.json" % a for a in lab.account_ids)
    assert str(runs[0]) in message


def test_an_account_that_cannot_be_read_is_an_error_row_and_the_others_are_audited(ansible, fresh_lab, tmp_path):
    lab = fresh_lab
    _root_states(lab)
    inventory, bad = bad_account_inventory(lab, tmp_path)
    reports = tmp_path / "reports"
    run = ansible.run(PLAYBOOK, inventory, extra_vars={"audit_report_dir": str(reports)})
    assert run.rc != 0, run.output
    for account_id in lab.account_ids:
        assert len(_report(reports, account_id)["findings"]) == CONTROLS
    error = _report(reports, bad)
    assert error["findings"] == [] and "make sure we act in the inventory's account" in error["error"]
    assert bad in error["error"]
    junit = ET.fromstring((reports / "junit.xml").read_bytes())  # noqa: S314 - our own output
    bad_suite = junit.findall("testsuite")[-1]
    assert bad_suite.find("testcase/error") is not None
    assert "could not be read" in (reports / "summary.html").read_text()
    message = run.result("fail the run (audit_fail_on, accounts that could not be read)", _host(lab.account_ids[0]))
    assert "1 account(s) could not be read - %s" % bad in message["msg"]
    for account_id in lab.account_ids:
        assert run.stats(_host(account_id))["changed"] == 0
    assert run.stats("unassumable")["rescued"] == 1


def test_access_analyzer_judged_from_what_list_analyzers_answers(ansible, fresh_lab, inventory, tmp_path):
    """With the lab answering ListAnalyzers (moto has no Access Analyzer), the control is pass or fail
    from the analyzers an account has, read once per account and region, without retries."""
    lab = fresh_lab
    covered, unused_only, bare = _root_states(lab)  # root rows, so that the root controls are judged too
    lab.serve_access_analyzer(True)
    try:
        lab.add_access_analyzer(covered, "org-external", analyzer_type="ORGANIZATION")
        # An unused-access analyzer does not look at external access; a disabled one looks at nothing.
        lab.add_access_analyzer(unused_only, "unused", analyzer_type="ACCOUNT_UNUSED_ACCESS")
        lab.add_access_analyzer(unused_only, "old", status="DISABLED")
        lab.reset_calls()
        reports = tmp_path / "reports"
        run = ansible.run(PLAYBOOK, inventory, extra_vars={"audit_report_dir": str(reports)})
        assert run.rc == 0, run.output
        calls = lab.calls()
    finally:
        lab.serve_access_analyzer(False)
    findings = {
        account_id: next(f for f in _report(reports, account_id)["findings"] if f["id"] == "access_analyzer")
        for account_id in lab.account_ids
    }
    assert findings[covered]["status"] == "pass"
    assert "org-external" in findings[covered]["reason"]
    for account_id in (unused_only, bare):
        assert findings[account_id]["status"] == "fail", findings[account_id]
        assert [r["name"] for r in findings[account_id]["resources"]] == ["us-east-1"]
    for account_id in lab.account_ids:
        assert calls[account_id]["access-analyzer:GET"] == 1, calls[account_id]
        statuses = [f["status"] for f in _report(reports, account_id)["findings"]]
        # Access Analyzer was the only control the plain simulator could not answer.
        assert "error" not in statuses, _report(reports, account_id)["findings"]


def test_a_host_without_an_account_id_gets_an_error_file_named_after_it(ansible, fresh_lab, tmp_path):
    """The account session refuses a host without aws_account_id; its error report is written under
    the host's name (no id to name it by), and the other accounts are audited."""
    lab = fresh_lab
    _root_states(lab)
    path = tmp_path / "inventory.yml"
    lab.write_inventory(path)
    inventory = yaml.safe_load(path.read_text())
    hosts = inventory["all"]["children"]["aws_accounts"]["hosts"]
    template = dict(hosts[_host(lab.account_ids[0])])
    template.pop("aws_account_id")
    hosts["no id/../x"] = template
    path.write_text(yaml.safe_dump(inventory))
    reports = tmp_path / "reports"
    run = ansible.run(PLAYBOOK, path, extra_vars={"audit_report_dir": str(reports)})
    assert run.rc != 0, run.output
    error_file = reports / "host-no_id_.._x.json"
    assert _mode(error_file) == 0o600, sorted(p.name for p in reports.iterdir())
    error = json.loads(error_file.read_text())
    assert error["account_id"] == "" and error["findings"] == [] and "aws_account_id" in error["error"]
    assert sorted(p.name for p in reports.glob("*.json")) == sorted(
        ["host-no_id_.._x.json"] + ["%s.json" % a for a in lab.account_ids]
    )
    assert "could not be read" in (reports / "summary.html").read_text()
