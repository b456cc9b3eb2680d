"""Scenarios of audit_report_file for test_documented_actions: (label, options, check_mode), run in order.

The module calls no AWS API; the scenarios write into a folder of their own, removed at exit.
"""

import atexit
import os
import shutil
import tempfile

from ansible_collections.hardening.aws.plugins.module_utils import _audit_report
from ansible_collections.hardening.aws.tests.unit.plugins.module_utils.audit_samples import report

FOLDER = tempfile.mkdtemp(prefix="audit-report-file-scenarios-")
atexit.register(shutil.rmtree, FOLDER, True)

REPORT = report(root_mfa_enabled="fail")
FLEET = _audit_report.fleet([REPORT], run_id="20261129T120000Z", generated_at="2026-11-29T12:00:00Z")
ACCOUNT = os.path.join(FOLDER, "210000000001.json")
PAGE = os.path.join(FOLDER, "summary.html")

SCENARIOS = [
    ("write an account's report", dict(data=REPORT, dest=ACCOUNT), False),
    ("the same again: no-op", dict(data=REPORT, dest=ACCOUNT), False),
    ("another report, check mode", dict(data=dict(REPORT, api_calls=25), dest=ACCOUNT), True),
    ("the fleet page", dict(data=FLEET, dest=PAGE, format="html"), False),
    ("the page readable by the group", dict(data=FLEET, dest=PAGE, format="html", mode="0640"), False),
    ("markdown", dict(data=FLEET, dest=os.path.join(FOLDER, "summary.md"), format="markdown"), False),
    ("junit", dict(data=FLEET, dest=os.path.join(FOLDER, "junit.xml"), format="junit"), False),
]
