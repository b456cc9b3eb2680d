"""audit_report_file: renders and writes one report file, whole or not at all, and says truly
whether it changed anything. Both execution paths (action plugin in process, AnsiballZ module)
give the same result."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.hardening.aws.plugins.module_utils import _audit_report
from ansible_collections.hardening.aws.plugins.module_utils import _audit_report_file as arf
from ansible_collections.hardening.aws.plugins.module_utils._module import execute
from ansible_collections.hardening.aws.tests.unit.plugins.action.test_action_plugins import run_action, run_module
from ansible_collections.hardening.aws.tests.unit.plugins.module_utils.audit_samples import report

REPORT = report(root_mfa_enabled="fail")


def write(dest, data=None, fmt="json", mode="0600", check_mode=False):
    params = {"data": REPORT if data is None else data, "dest": str(dest), "format": fmt, "mode": mode}
    return execute(arf.MODULE_SPEC, params, check_mode, False)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_the_report_with_its_mode_and_then_changes_nothing(tmp_path):
    dest = tmp_path / "210000000001.json"
    first = write(dest)
    assert first == {"changed": True, "file": str(dest), "format": "json", "mode": "0600", "size": dest.stat().st_size}
    assert json.loads(dest.read_text(encoding="utf-8")) == REPORT
    assert dest.read_text(encoding="utf-8") == _audit_report.to_json(REPORT)
    assert mode_of(dest) == 0o600
    assert os.listdir(tmp_path) == ["210000000001.json"]  # no temporary file left

    assert write(dest)["changed"] is False
    # Another mode is a change, even with the same text.
    assert write(dest, mode="640")["changed"] is True and mode_of(dest) == 0o640
    assert write(dest, mode="0640")["changed"] is False


def test_the_error_report_of_a_host_without_an_account_id(tmp_path):
    error = _audit_report.error_report("", "aws_account_id is not set", "2026-11-29T12:00:00Z", "0.1.0", name="web")
    dest = tmp_path / "host-web.json"
    assert write(dest, data=error)["changed"] is True
    assert json.loads(dest.read_text(encoding="utf-8")) == error


def test_check_mode_writes_nothing(tmp_path):
    dest = tmp_path / "210000000001.json"
    assert write(dest, check_mode=True)["changed"] is True
    assert not dest.exists() and os.listdir(tmp_path) == []
    write(dest)
    before = dest.read_bytes()
    assert write(dest, data=dict(REPORT, api_calls=30), check_mode=True)["changed"] is True
    assert dest.read_bytes() == before


@pytest.mark.parametrize(
    "fmt, name, check",
    [
        ("html", "summary.html", lambda text: "<table" in text and "210000000001" in text),
        ("markdown", "summary.md", lambda text: "210000000001" in text and "|" in text),
        ("junit", "junit.xml", lambda text: text.startswith("<?xml") and "root_mfa_enabled" in text),
    ],
)
def test_fleet_formats_are_the_renderers_text(tmp_path, fmt, name, check):
    fleet = _audit_report.fleet([REPORT], run_id=REPORT["run_id"], generated_at="2026-11-29T12:00:00Z")
    dest = tmp_path / name
    assert write(dest, data=fleet, fmt=fmt)["changed"] is True
    text = dest.read_text(encoding="utf-8")
    assert text == arf.RENDERERS[fmt](fleet) and check(text)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    dest = tmp_path / "210000000001.json"
    write(dest)
    before = dest.read_bytes()

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(arf.os, "replace", refuse)
    result = write(dest, data=dict(REPORT, api_calls=99))
    assert result["failed"] is True
    assert result["msg"] == "dest: cannot write %s: No space left on device" % dest
    assert dest.read_bytes() == before and os.listdir(tmp_path) == ["210000000001.json"]


@pytest.mark.parametrize(
    "options, message",
    [
        ({"dest": "{tmp}/missing/a.json"}, "dest: the folder {tmp}/missing of {tmp}/missing/a.json does not exist"),
        ({"dest": "{tmp}"}, "dest: {tmp} is a folder; give the file's path"),
        ({"mode": "0o600"}, "mode: '0o600' is not an octal file mode such as 0600 or 0640"),
        ({"format": "html"}, "data: format html renders a fleet (hardening.aws.audit_fleet)"),
        ({"data": {"rows": []}}, "data: format json writes a per-account report"),
        (
            {"data": {"accounts": [{"nope": 1}], "controls": []}, "format": "html"},
            "data: cannot render it as html (KeyError",
        ),
    ],
)
def test_bad_input_fails_naming_it_and_writes_nothing(tmp_path, options, message):
    params = {"data": REPORT, "dest": str(tmp_path / "a.json"), "format": "json", "mode": "0600"}
    params.update({k: v.format(tmp=tmp_path) if isinstance(v, str) else v for k, v in options.items()})
    result = execute(arf.MODULE_SPEC, params, False, False)
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].startswith(message.format(tmp=tmp_path)), result["msg"]
    assert os.listdir(tmp_path) == []


def test_the_module_and_the_action_plugin_give_the_same_results(tmp_path, monkeypatch):
    monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule._log_invocation", lambda self: None)
    runs = []
    for runner, folder in ((run_module, tmp_path / "module"), (run_action, tmp_path / "action")):
        folder.mkdir()
        dest = str(folder / "r.json")
        results = [
            runner("audit_report_file", {"data": REPORT, "dest": dest}, True, True),
            runner("audit_report_file", {"data": REPORT, "dest": dest}, False, True),
            runner("audit_report_file", {"data": REPORT, "dest": dest}, False, False),
            runner("audit_report_file", {"data": REPORT, "dest": dest, "mode": "0644"}, False, False),
            runner("audit_report_file", {"data": REPORT, "dest": dest, "mode": "x"}, False, False),
        ]
        runs.append(json.loads(json.dumps(results).replace(str(folder), "<folder>")))
        assert mode_of(dest) == 0o644
    through_module, in_process = runs
    assert [r.get("changed") for r in in_process] == [True, True, False, True, False]
    assert in_process[-1]["failed"] is True
    assert in_process == through_module
    # The report is not echoed back in the result (a fleet's is megabytes), in either path.
    assert in_process[1]["invocation"]["module_args"]["data"] == "(dict of %d items, not echoed)" % len(REPORT)
    assert in_process[1]["invocation"]["module_args"]["dest"] == "<folder>/r.json"
